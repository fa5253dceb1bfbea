package opa

import (
	"context"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/types"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// Truths are one engine's answers for a whole population, subject by
// subject: Clauses[i*pop.Clauses+c] is subject i's clause c.
type Truths struct {
	Clauses, Criteria []rules.Truth
}

// NewTruths makes room for the answers of pop.
func NewTruths(pop *Population) *Truths {
	return &Truths{Clauses: make([]rules.Truth, len(pop.Subjects)*pop.Clauses), Criteria: make([]rules.Truth, len(pop.Subjects)*pop.Criteria)}
}

// An Engine evaluates the conditions of every clause and criterion for a
// whole population. Start prepares it for a number of goroutines (not
// timed); the Runner it returns evaluates the population (timed), and
// records every answer in out unless out is nil.
//
// An engine that works a subject at a time is PerSubject; one that works
// on the whole population at once (column at a time) implements Start
// itself.
type Engine struct {
	Name  string
	Start func(ctx context.Context, workers int) (Runner, error)
}

// Runner evaluates a population.
type Runner func(ctx context.Context, pop *Population, out *Truths) error

// SubjectFunc evaluates one subject into its clauses' and criteria's truths.
type SubjectFunc func(s *Subject, clauses, criteria []rules.Truth) error

// PerSubject makes an engine of one evaluator per goroutine: the subjects
// are dealt to the goroutines in blocks, each evaluated by newEval's
// function for that goroutine.
func PerSubject(name string, newEval func(ctx context.Context) (SubjectFunc, error)) Engine {
	return Engine{Name: name, Start: func(ctx context.Context, workers int) (Runner, error) {
		evals := make([]SubjectFunc, workers)
		for w := range evals {
			ev, err := newEval(ctx)
			if err != nil {
				return nil, err
			}
			evals[w] = ev
		}
		return func(ctx context.Context, pop *Population, out *Truths) error {
			const block = 256
			var next atomic.Int64
			errs := make([]error, len(evals))
			var wg sync.WaitGroup
			for w, ev := range evals {
				wg.Go(func() {
					clauses, criteria := make([]rules.Truth, pop.Clauses), make([]rules.Truth, pop.Criteria)
					for {
						lo := int(next.Add(block)) - block
						if lo >= len(pop.Subjects) {
							return
						}
						for i := lo; i < min(lo+block, len(pop.Subjects)); i++ {
							c, k := clauses, criteria
							if out != nil {
								c, k = out.Clauses[i*pop.Clauses:(i+1)*pop.Clauses], out.Criteria[i*pop.Criteria:(i+1)*pop.Criteria]
							}
							if err := ev(&pop.Subjects[i], c, k); err != nil {
								errs[w] = fmt.Errorf("subject %s: %w", pop.Subjects[i].F.Subject.ID, err)
								return
							}
						}
					}
				})
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					return err
				}
			}
			return ctx.Err()
		}, nil
	}}
}

// Kechuang is kechuang's compiled evaluator: rules.Evaluator.Conditions and
// StandardConditions over the compiled closures.
func Kechuang(eng *rules.Engine) Engine {
	return PerSubject("kechuang", func(context.Context) (SubjectFunc, error) {
		ev := eng.NewEvaluator()
		return func(s *Subject, clauses, criteria []rules.Truth) error {
			ev.Conditions(s.F, s.At, s.FY, false, clauses)
			ev.StandardConditions(s.F, s.At, false, criteria)
			return nil
		}, nil
	})
}

// Columnar is kechuang's column-at-a-time evaluator, as the population
// match runs it: the population in columns (rules.Table; one at the
// clauses' dates and fiscal years, one at the standards' fiscal year
// rules.StandardFY), then rules.Columnar's Conditions and Criteria over a
// contiguous share of the subjects on each core. The columns are built on
// the first run over a population — the agreement check, which is not
// timed — as the population is decoded once for every engine; the time it
// takes is printed.
func Columnar(eng *rules.Engine) Engine {
	return Engine{Name: "kechuang-columnar", Start: func(ctx context.Context, workers int) (Runner, error) {
		var mu sync.Mutex
		var held *Population
		var clauses, standards *rules.Table
		return func(ctx context.Context, pop *Population, out *Truths) error {
			mu.Lock()
			if held != pop {
				start := time.Now()
				at := make(map[*facts.Facts]int, len(pop.Subjects))
				fs := make([]*facts.Facts, len(pop.Subjects))
				for i := range pop.Subjects {
					at[pop.Subjects[i].F], fs[i] = i, pop.Subjects[i].F
				}
				clauses = rules.NewTable(eng, fs, func(f *facts.Facts) (policy.Date, int64) {
					s := pop.Subjects[at[f]]
					return s.At, s.FY
				})
				standards = rules.NewCriteriaTable(eng, fs, func(f *facts.Facts) (policy.Date, int64) {
					s := pop.Subjects[at[f]]
					return s.At, rules.StandardFY(s.At)
				})
				held = pop
				fmt.Printf("Columns of %d subjects built in %v (%d + %d bytes a subject)\n", len(fs), time.Since(start).Round(time.Millisecond),
					clauses.Bytes()/int64(max(1, len(fs))), standards.Bytes()/int64(max(1, len(fs))))
			}
			tc, ts := clauses, standards
			mu.Unlock()
			n := len(pop.Subjects)
			share := (n + workers - 1) / workers
			var wg sync.WaitGroup
			for w := range workers {
				lo, hi := min(w*share, n), min((w+1)*share, n)
				wg.Go(func() {
					cc, cs := eng.NewColumnar(tc), eng.NewColumnar(ts)
					sc, sk := make([]rules.Truth, rules.BatchRows*pop.Clauses), make([]rules.Truth, rules.BatchRows*pop.Criteria)
					for b := lo; b < hi && ctx.Err() == nil; b += rules.BatchRows {
						e := min(b+rules.BatchRows, hi)
						oc, ok := sc[:(e-b)*pop.Clauses], sk[:(e-b)*pop.Criteria]
						if out != nil {
							oc, ok = out.Clauses[b*pop.Clauses:e*pop.Clauses], out.Criteria[b*pop.Criteria:e*pop.Criteria]
						}
						cc.Conditions(b, e, oc)
						cs.Criteria(b, e, ok)
					}
				})
			}
			wg.Wait()
			return ctx.Err()
		}, nil
	}}
}

// Same checks that two engines gave exactly the same answers (the
// columnar evaluator against the compiled closures).
func Same(eng *rules.Engine, pop *Population, a, b *Truths) error {
	crit := eng.Criteria()
	for i := range pop.Subjects {
		for c := range pop.Clauses {
			if x, y := a.Clauses[i*pop.Clauses+c], b.Clauses[i*pop.Clauses+c]; x != y {
				return fmt.Errorf("subject %s, clause %s: %d and %d", pop.Subjects[i].F.Subject.ID, eng.Clauses[c].ID, x, y)
			}
		}
		for c := range pop.Criteria {
			if x, y := a.Criteria[i*pop.Criteria+c], b.Criteria[i*pop.Criteria+c]; x != y {
				return fmt.Errorf("subject %s, criterion %s: %d and %d", pop.Subjects[i].F.Subject.ID, crit[c].Name(), x, y)
			}
		}
	}
	return nil
}

// CELGo is the same conditions through the cel-go interpreter, from the
// checked programs, unknown facts as CEL unknowns (partial evaluation).
func CELGo(eng *rules.Engine) Engine {
	return PerSubject("cel-go", func(context.Context) (SubjectFunc, error) {
		ev := eng.NewEvaluator()
		return func(s *Subject, clauses, criteria []rules.Truth) error {
			ev.Conditions(s.F, s.At, s.FY, true, clauses)
			ev.StandardConditions(s.F, s.At, true, criteria)
			return nil
		}, nil
	})
}

// OPA is the Rego translation run by OPA's Go API: the query is prepared
// once per goroutine, with its own read transaction on an empty store, and
// evaluated once per subject on an input built straight as an ast.Value;
// the results are read as ast terms, without conversion to Go values.
func OPA(lib *Library, module string) Engine {
	return PerSubject("opa", func(ctx context.Context) (SubjectFunc, error) {
		store := inmem.New()
		pq, err := rego.New(
			rego.Query("data.kechuang.clause; data.kechuang.criterion"),
			rego.Module(LibraryFile, module),
			rego.Store(store),
			rego.Function3(&rego.Function{Name: Growth, Decl: types.NewFunction(types.Args(types.N, types.N, types.N), types.N)}, growth),
			rego.GenerateJSON(func(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil }),
		).PrepareForEval(ctx)
		if err != nil {
			return nil, err
		}
		txn, err := store.NewTransaction(ctx)
		if err != nil {
			return nil, err
		}
		inputs := NewInputs(lib.Reads)
		return func(s *Subject, clauses, criteria []rules.Truth) error {
			rs, err := pq.Eval(ctx, rego.EvalParsedInput(inputs.Build(s)), rego.EvalTransaction(txn))
			if err != nil {
				return err
			}
			if len(rs) != 1 || len(rs[0].Expressions) != 2 {
				return fmt.Errorf("OPA returned %d results", len(rs))
			}
			for i, out := range [][]rules.Truth{clauses, criteria} {
				groups, ok := rs[0].Expressions[i].Value.(*ast.Term).Value.(*ast.Array)
				if !ok {
					return fmt.Errorf("OPA returned %v", rs[0].Expressions[i].Value)
				}
				j := 0
				for g := range groups.Len() {
					arr, ok := groups.Elem(g).Value.(*ast.Array)
					if !ok || j+arr.Len() > len(out) {
						return fmt.Errorf("OPA returned %v", groups)
					}
					for k := range arr.Len() {
						t, ok := arr.Elem(k).Value.(ast.Number).Int()
						if !ok || t < 0 || t > 3 {
							return fmt.Errorf("OPA returned %v", arr.Elem(k))
						}
						out[j] = fromOPA[t]
						j++
					}
				}
				if j != len(out) {
					return fmt.Errorf("OPA returned %d answers, want %d", j, len(out))
				}
			}
			return nil
		}, nil
	})
}

// fromOPA maps the module's answers to rules.Truth: 3, neither true nor
// false, is unknown (or an error).
var fromOPA = [...]rules.Truth{rules.TruthNotApplicable, rules.TruthFalse, rules.TruthTrue, rules.TruthUnknown}

// growth is rules.Growth as an OPA builtin: undefined unless its arguments
// are integers.
func growth(_ rego.BuiltinContext, a, b, c *ast.Term) (*ast.Term, error) {
	var x [3]int64
	for i, t := range []*ast.Term{a, b, c} {
		n, ok := t.Value.(ast.Number)
		if !ok {
			return nil, nil
		}
		v, ok := new(big.Int).SetString(string(n), 10)
		if !ok || !v.IsInt64() {
			return nil, nil
		}
		x[i] = v.Int64()
	}
	return ast.FloatNumberTerm(rules.Growth(x[0], x[1], x[2])), nil
}
