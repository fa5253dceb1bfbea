package rules

import (
	"fmt"
	"slices"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// TestFailure is a clause or gate test whose result differs from its want.
type TestFailure struct {
	Pos  errs.Pos
	Name string
	Msg  string
}

func (f TestFailure) Error() string {
	if f.Name == "" {
		return fmt.Sprintf("%s: %s", f.Pos, f.Msg)
	}
	return fmt.Sprintf("%s: test %q: %s", f.Pos, f.Name, f.Msg)
}

// RunTests runs every clause, gate, standard and pool test and returns the failures and the
// number of tests run.
func (e *Engine) RunTests() ([]TestFailure, int) {
	var out []TestFailure
	n := 0
	ev := e.NewEvaluator()
	for _, c := range e.Clauses {
		for _, t := range c.Tests {
			n++
			if msg := ev.runClauseTest(c, t); msg != "" {
				out = append(out, TestFailure{Pos: t.Pos, Name: t.Name, Msg: msg})
			}
		}
	}
	for _, g := range e.Gates {
		for _, t := range g.Tests {
			n++
			if msg := ev.runGateTest(g, t); msg != "" {
				out = append(out, TestFailure{Pos: t.Pos, Name: t.Name, Msg: msg})
			}
		}
	}
	for _, s := range e.Standards {
		for _, t := range s.Tests {
			n++
			if msg := ev.runStandardTest(s, t); msg != "" {
				out = append(out, TestFailure{Pos: t.Pos, Name: t.Name, Msg: msg})
			}
		}
	}
	for _, p := range e.Pools {
		for _, t := range p.Tests {
			n++
			if msg := ev.runPoolTest(p, t); msg != "" {
				out = append(out, TestFailure{Pos: t.Pos, Name: t.Name, Msg: msg})
			}
		}
	}
	return out, n
}

func testFacts(t *policy.Test) (*facts.Facts, int64, error) {
	f, err := facts.DecodeBytes(t.Facts, "")
	if err != nil {
		return nil, 0, err
	}
	fy := int64(t.FY)
	if fy == 0 {
		fy = int64(t.At.Year())
	}
	return f, fy, nil
}

func (ev *Evaluator) runClauseTest(c *Clause, t *policy.Test) string {
	f, fy, err := testFacts(t)
	if err != nil {
		return "facts: " + err.Error()
	}
	ds := ev.Decide(f, t.At, fy)
	d := ds[c.Index]
	got := d.Outcome.String()
	if got != t.Want.Outcome {
		why := ""
		if r := ev.Explain(c, f, t.At, fy); r != nil {
			why = "; " + r.Explanation
		}
		return fmt.Sprintf("outcome is %s, want %s%s", got, t.Want.Outcome, why)
	}
	if t.Want.Unspecified && !d.Unspecified {
		return fmt.Sprintf("amount is %s, want unspecified", d.Amount)
	}
	if w := t.Want.Amount; w != nil && d.Amount != *w {
		return fmt.Sprintf("amount is %s, want %s", d.Amount, *w)
	}
	if t.Want.Events != 0 && int(d.Events) != t.Want.Events {
		return fmt.Sprintf("%d events paid, want %d", d.Events, t.Want.Events)
	}
	if len(t.Want.Missing) > 0 {
		missing := ev.missing(c, f)
		for _, m := range t.Want.Missing {
			if !slices.Contains(missing, m) {
				return fmt.Sprintf("missing facts are [%s], want %s among them", strings.Join(missing, ", "), m)
			}
		}
	}
	return ""
}

func (ev *Evaluator) runGateTest(g *Gate, t *policy.Test) string {
	f, fy, err := testFacts(t)
	if err != nil {
		return "facts: " + err.Error()
	}
	ev.setup(f, fy)
	got := map[tri]string{triT: "blocked", triF: "not_blocked", triU: "needs_facts", triE: "error"}[ev.gate(g)]
	if got != t.Want.Outcome {
		return fmt.Sprintf("gate result is %s, want %s", got, t.Want.Outcome)
	}
	return ""
}
