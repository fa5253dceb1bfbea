package opa

import (
	"fmt"
	"runtime"
	"sync"

	"kechuang/internal/demo"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// PoliciesDir is the policy library, from this directory.
const PoliciesDir = "../../policies"

// LibraryFile is the generated Rego module, in this directory.
const LibraryFile = "library.rego"

// Compile loads and compiles the policy library in dir.
func Compile(dir string) (*rules.Engine, error) {
	files, err := policy.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	return rules.Compile(files)
}

// Subject is one subject of a population and the date it is evaluated at:
// the date of its data, in the fiscal year of that date (as the population
// match runs it); the standards read their own fiscal year,
// rules.StandardFY(At).
type Subject struct {
	F  *facts.Facts
	At policy.Date
	FY int64
}

// Population is the subjects every engine evaluates.
type Population struct {
	Subjects []Subject
	Clauses  int // conditions per subject: len(Engine.Clauses)
	Criteria int // len(Engine.Criteria())
}

// NewPopulation builds the demo population of n subjects (internal/demo, seed
// 1) and decodes it on every core, as the population match holds it.
func NewPopulation(eng *rules.Engine, n int) (*Population, error) {
	docs, err := demo.Generate(eng, n, 1)
	if err != nil {
		return nil, err
	}
	pop := &Population{Subjects: make([]Subject, n), Clauses: len(eng.Clauses), Criteria: eng.CriteriaCount()}
	workers := runtime.GOMAXPROCS(0)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				f, err := facts.DecodeBytes(docs[i], "")
				if err != nil {
					errs[w] = err
					return
				}
				docs[i] = nil
				at, err := policy.ParseDate(f.AsOf)
				if err != nil {
					errs[w] = fmt.Errorf("subject %s: as_of: %v", f.Subject.ID, err)
					return
				}
				pop.Subjects[i] = Subject{F: f, At: at, FY: int64(at.Year())}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return pop, nil
}
