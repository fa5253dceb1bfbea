package match

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"time"

	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// Comparison is a reform simulated over the stored population (改革测算):
// the library in force (Base) and the reformed library (Reform) evaluated
// on the same subjects at the same dates in one pass, with the subjects
// whose payments change.
type Comparison struct {
	BaseEngine, ReformEngine *rules.Engine
	Base, Reform             *Result
	changes                  []SubjectChange
}

// SubjectChange is a subject whose payments (payment clauses, all budget
// years) differ under the reform.
type SubjectChange struct {
	Subject, Name, Region string
	Base, Reform          money.Interval
}

// Compare evaluates every stored subject under both engines (at date at,
// or each at its as_of; see Run).
func Compare(ctx context.Context, db *store.DB, base, reform *rules.Engine, at policy.Date, fy int64, policyVersion int, now func() time.Time) (*Comparison, error) {
	p := &Population{}
	if _, err := p.Refresh(ctx, db); err != nil {
		return nil, err
	}
	n := runtime.GOMAXPROCS(0)
	run, err := RunOn(ctx, p, base, at, fy, policyVersion, now, n)
	if err != nil {
		return nil, err
	}
	return CompareWith(ctx, p, run, base, reform, at, fy, policyVersion, now, n)
}

// paid sums a subject's payments under eng.
func paid(eng *rules.Engine, ds []rules.Decision) money.Interval {
	var sum money.Interval
	for i := range eng.Clauses {
		sum = addPaid(sum, eng, ds, i)
	}
	return sum
}

// paidSome is paid when only the clauses in idx can be entitled.
func paidSome(eng *rules.Engine, ds []rules.Decision, idx []int32) money.Interval {
	var sum money.Interval
	for _, i := range idx {
		sum = addPaid(sum, eng, ds, int(i))
	}
	return sum
}

// addPaid adds clause i's decision to sum when it is an entitled payment.
func addPaid(sum money.Interval, eng *rules.Engine, ds []rules.Decision, i int) money.Interval {
	if d := ds[i]; d.Outcome == rules.Entitled && eng.Clauses[i].Kind == "payment" {
		return sum.Add(d.Amount)
	}
	return sum
}

// Changes lists the subjects under prefix whose payments change, the
// largest change (of the lower bound) first; gained and lost count those
// paid only under the reform and only under the library in force.
func (c *Comparison) Changes(prefix string) (out []SubjectChange, gained, lost int) {
	for _, s := range c.changes {
		if !InScope(prefix, s.Region) {
			continue
		}
		out = append(out, s)
		zero := money.Interval{}
		switch {
		case s.Base == zero:
			gained++
		case s.Reform == zero:
			lost++
		}
	}
	abs := func(x money.Fen) money.Fen { return max(x, -x) }
	slices.SortStableFunc(out, func(a, b SubjectChange) int {
		da, db := abs(a.Reform.Min-a.Base.Min), abs(b.Reform.Min-b.Base.Min)
		if da != db {
			if da > db {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Subject, b.Subject)
	})
	return out, gained, lost
}

// ClauseChange is one clause's line of the comparison.
type ClauseChange struct {
	ID, Title                string
	BaseCount, ReformCount   int
	BaseAmount, ReformAmount money.Interval
	Status                   string // changed, added, removed, or "" (only its effects changed: exclusivity)
}

// Clauses lists the clauses under prefix whose beneficiaries or money
// differ, in the reformed library's order, removed clauses last.
func (c *Comparison) Clauses(prefix string, rf *policy.Reform) []ClauseChange {
	sum := func(eng *rules.Engine, r *Result) map[string]ClauseSummary {
		m := map[string]ClauseSummary{}
		for _, s := range r.Summary(eng, prefix) {
			m[s.Clause.ID] = s
		}
		return m
	}
	b, r := sum(c.BaseEngine, c.Base), sum(c.ReformEngine, c.Reform)
	status := func(id string) string {
		switch {
		case rf == nil:
		case rf.Replace[id] != nil:
			return "changed"
		case slices.Contains(rf.Remove, id):
			return "removed"
		case slices.ContainsFunc(rf.Add, func(a *policy.Clause) bool { return a.ID == id }):
			return "added"
		}
		return ""
	}
	var out []ClauseChange
	seen := map[string]bool{}
	for _, cl := range append(slices.Clone(c.ReformEngine.Clauses), c.BaseEngine.Clauses...) {
		if seen[cl.ID] {
			continue
		}
		seen[cl.ID] = true
		x, y := b[cl.ID], r[cl.ID]
		ch := ClauseChange{ID: cl.ID, Title: cl.Title, BaseCount: x.Entitled, ReformCount: y.Entitled,
			BaseAmount: x.Amount, ReformAmount: y.Amount, Status: status(cl.ID)}
		if ch.BaseCount != ch.ReformCount || ch.BaseAmount != ch.ReformAmount || ch.Status != "" {
			out = append(out, ch)
		}
	}
	return out
}

// TotalChange is the money of one payer in one budget year, before and after.
type TotalChange struct {
	Payer          string
	BudgetYear     int64
	Base, Reform   money.Interval
	Delta          money.Interval // Reform − Base, bound by bound
	BaseN, ReformN int
}

// Totals compares the money per payer and budget year under prefix.
func (c *Comparison) Totals(prefix string) []TotalChange {
	type key struct {
		payer string
		year  int64
	}
	idx := map[key]int{}
	var out []TotalChange
	at := func(p string, y int64) *TotalChange {
		k := key{p, y}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, TotalChange{Payer: p, BudgetYear: y})
		}
		return &out[i]
	}
	for _, t := range c.Base.Totals(c.BaseEngine, prefix) {
		tc := at(t.Payer, t.BudgetYear)
		tc.Base, tc.BaseN = t.Amount, t.Subjects
	}
	for _, t := range c.Reform.Totals(c.ReformEngine, prefix) {
		tc := at(t.Payer, t.BudgetYear)
		tc.Reform, tc.ReformN = t.Amount, t.Subjects
	}
	for i := range out {
		t := &out[i]
		t.Delta = money.Interval{Min: t.Reform.Min - t.Base.Min, Max: t.Reform.Max - t.Base.Max, Open: t.Reform.Open || t.Base.Open}
	}
	slices.SortFunc(out, func(a, b TotalChange) int {
		if a.BudgetYear != b.BudgetYear {
			return int(a.BudgetYear - b.BudgetYear)
		}
		return strings.Compare(a.Payer, b.Payer)
	})
	return out
}
