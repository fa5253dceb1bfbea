package opa

import (
	"fmt"
	"strings"

	"kechuang/internal/facts"
	"kechuang/internal/rules"
)

// Agreement counts what Agree compared.
type Agreement struct {
	Subjects           int
	Clauses, Criteria  int                 // conditions compared (every clause and criterion of every subject)
	ClauseTruths       map[rules.Truth]int // kechuang's answers
	CriterionTruths    map[rules.Truth]int
	CELZeroElementRead int // criteria cel-go answered from an unknown list element field read as zero (see Agree)
	CELUnknownVsError  int // conditions kechuang and cel-go both answered unknown or error, but not the same (see Agree)
}

func (a Agreement) String() string {
	count := func(m map[rules.Truth]int) string {
		var b strings.Builder
		for t, name := range []string{"n/a", "false", "true", "unknown", "error"} {
			fmt.Fprintf(&b, " %s %d", name, m[rules.Truth(t)])
		}
		return strings.TrimSpace(b.String())
	}
	return fmt.Sprintf("%d subjects: %d clause conditions (%s), %d criteria (%s); "+
		"%d criteria unknown to kechuang and OPA that cel-go decided by reading an unknown list element field as its zero value; "+
		"%d conditions unknown to one of kechuang and cel-go and an error to the other",
		a.Subjects, a.Clauses, count(a.ClauseTruths), a.Criteria, count(a.CriterionTruths), a.CELZeroElementRead, a.CELUnknownVsError)
}

// Agree checks, for every subject, clause and criterion, that the three
// engines give the same answer: kechuang's compiled evaluator and the cel-go
// interpreter the same rules.Truth, and OPA true exactly where kechuang is
// true, false where it is false, not applicable where it does not apply,
// and neither where kechuang answers unknown or error.
//
// cel-go differs from kechuang in one known way, on criteria: its unknowns
// are attributes (cur.revenue, item.date), so inside exists(), all() and
// filter() it reads an element's unknown field as the zero value, where
// kechuang and OPA answer unknown (recognitions.exists(r, … &&
// r.valid_until >= at) with a valid_until not given). Where cel-go and
// kechuang differ, kechuang must answer unknown, and cel-go what kechuang
// answers for the subject with every element field known; these are counted
// in CELZeroElementRead.
//
// With unknownOrError set, kechuang and cel-go may also differ between
// unknown and error, counted in CELUnknownVsError: kechuang's compiled
// closures let an error win over an unknown in arithmetic and comparisons
// (x * 100 with x unknown, y * 100 overflowing: x * 100 >= y * 100 is an
// error), where cel-go evaluates left to right (unknown). OPA answers
// neither for both. The demo populations have no errors at all; the test
// on mutated subjects does.
//
// Anything else is an error naming the subject, the condition and the three
// answers.
func Agree(eng *rules.Engine, pop *Population, kechuang, celgo, opa *Truths, unknownOrError bool) (Agreement, error) {
	a := Agreement{Subjects: len(pop.Subjects), ClauseTruths: map[rules.Truth]int{}, CriterionTruths: map[rules.Truth]int{}}
	opaAgrees := func(k, o rules.Truth) bool {
		if k == rules.TruthUnknown || k == rules.TruthError {
			return o == rules.TruthUnknown
		}
		return k == o
	}
	neither := func(t rules.Truth) bool { return t == rules.TruthUnknown || t == rules.TruthError }
	// celAgrees reports whether cel-go's g and kechuang's k agree, counting
	// the tolerated difference.
	celAgrees := func(k, g rules.Truth) bool {
		if k == g {
			return true
		}
		if unknownOrError && neither(k) && neither(g) {
			a.CELUnknownVsError++
			return true
		}
		return false
	}
	ev := eng.NewEvaluator()
	crit := eng.Criteria()
	var known []rules.Truth
	for i := range pop.Subjects {
		s := &pop.Subjects[i]
		for c := range pop.Clauses {
			j := i*pop.Clauses + c
			k, g, o := kechuang.Clauses[j], celgo.Clauses[j], opa.Clauses[j]
			if !celAgrees(k, g) || !opaAgrees(k, o) {
				return a, fmt.Errorf("subject %s at %s, clause %s: kechuang %s, cel-go %s, OPA %s",
					s.F.Subject.ID, s.At, eng.Clauses[c].ID, name(k), name(g), opaName(o))
			}
			a.Clauses++
			a.ClauseTruths[k]++
		}
		known = known[:0]
		for c := range pop.Criteria {
			j := i*pop.Criteria + c
			k, g, o := kechuang.Criteria[j], celgo.Criteria[j], opa.Criteria[j]
			zeroRead := false
			if k != g && k == rules.TruthUnknown {
				if len(known) == 0 {
					known = make([]rules.Truth, pop.Criteria)
					ev.StandardConditions(elementsKnown(s.F), s.At, false, known)
				}
				zeroRead = known[c] == g
			}
			if (!zeroRead && !celAgrees(k, g)) || !opaAgrees(k, o) {
				return a, fmt.Errorf("subject %s at %s, criterion %s: kechuang %s, cel-go %s, OPA %s",
					s.F.Subject.ID, s.At, crit[c].Name(), name(k), name(g), opaName(o))
			}
			if zeroRead {
				a.CELZeroElementRead++
			}
			a.Criteria++
			a.CriterionTruths[k]++
		}
	}
	return a, nil
}

func name(t rules.Truth) string {
	return [...]string{"not applicable", "false", "true", "unknown", "error"}[t]
}

func opaName(t rules.Truth) string {
	if t == rules.TruthUnknown {
		return "neither true nor false"
	}
	return name(t)
}

// elementsKnown is f with every field of every list element marked known,
// as cel-go reads the elements of a list inside exists(), all() and filter().
func elementsKnown(f *facts.Facts) *facts.Facts {
	g := *f
	g.Recognitions = allKnown(f.Recognitions, func(x *facts.Recognition) *facts.Mask { return &x.Known })
	g.Awards = allKnown(f.Awards, func(x *facts.Award) *facts.Mask { return &x.Known })
	g.IP = allKnown(f.IP, func(x *facts.IPItem) *facts.Mask { return &x.Known })
	g.Contests = allKnown(f.Contests, func(x *facts.Contest) *facts.Mask { return &x.Known })
	g.Agreements = allKnown(f.Agreements, func(x *facts.Agreement) *facts.Mask { return &x.Known })
	g.Projects = allKnown(f.Projects, func(x *facts.Project) *facts.Mask { return &x.Known })
	g.Appointments = allKnown(f.Appointments, func(x *facts.Appointment) *facts.Mask { return &x.Known })
	g.Pools = allKnown(f.Pools, func(x *facts.PoolEntry) *facts.Mask { return &x.Known })
	g.Incidents = allKnown(f.Incidents, func(x *facts.Incident) *facts.Mask { return &x.Known })
	return &g
}

func allKnown[T any](xs []T, mask func(*T) *facts.Mask) []T {
	out := append([]T(nil), xs...)
	for i := range out {
		*mask(&out[i]) = ^facts.Mask(0)
	}
	return out
}
