package match

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"kechuang/internal/demo"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// TestColumnarRunAgrees: over demo populations, the column-at-a-time run
// (RunOn) and the subject-at-a-time run (RunRows) give the same lists —
// every entitled subject and every subject needing facts, with its amount
// to the fen — the same totals per payer and year and the same payment
// per subject, at each subject's as_of and at fixed dates, on 1 and 3
// goroutines; and a simulation over the columns gives the one over rows.
func TestColumnarRunAgrees(t *testing.T) {
	files, err := policy.LoadDir("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.Compile(files)
	if err != nil {
		t.Fatal(err)
	}
	n := 5000
	if testing.Short() {
		n = 1000
	}
	subjects, err := demo.Subjects(eng, n, 21)
	if err != nil {
		t.Fatal(err)
	}
	pop := PopulationOf(subjects)
	ctx := context.Background()
	now := func() time.Time { return time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC) }
	entitled := 0
	for _, tc := range []struct {
		at      policy.Date
		fy      int64
		workers int
	}{{0, 0, 1}, {0, 0, 3}, {20241231, 0, 2}, {20250630, 2024, 2}} {
		col, err := RunOn(ctx, pop, eng, tc.at, tc.fy, 1, now, tc.workers)
		if err != nil {
			t.Fatal(err)
		}
		row, err := RunRows(ctx, pop, eng, tc.at, tc.fy, 1, now, tc.workers)
		if err != nil {
			t.Fatal(err)
		}
		sameResults(t, eng, col, row)
		for _, c := range eng.Clauses {
			entitled += len(col.Entitled(c, ""))
		}
	}
	if entitled == 0 {
		t.Fatal("no entitlements: the test proves little")
	}
	rf, err := policy.ParseReform([]byte("title: t\nchanges:\n  - clause: ww-hte-new\n    amount: {fixed: 30万元}\n  - clause: ta24-hte-first\n    when: \"item.kind == 'high_tech_enterprise'\"\n"), "test", eng.Files)
	if err != nil {
		t.Fatal(err)
	}
	reformed, err := eng.Reform(rf.Replace, rf.Remove, rf.Add)
	if err != nil {
		t.Fatal(err)
	}
	col, err := CompareOn(ctx, pop, eng, reformed, 0, 0, 1, now, 2)
	if err != nil {
		t.Fatal(err)
	}
	row, err := compareRows(ctx, pop, eng, reformed, 0, 0, 1, now, 2)
	if err != nil {
		t.Fatal(err)
	}
	sameResults(t, eng, col.Base, row.Base)
	sameResults(t, reformed, col.Reform, row.Reform)
	a, ga, la := col.Changes("")
	b, gb, lb := row.Changes("")
	if !slices.Equal(a, b) || ga != gb || la != lb || len(a) == 0 {
		t.Fatalf("%d subjects change over the columns (%d gain, %d lose), %d over rows (%d, %d)", len(a), ga, la, len(b), gb, lb)
	}
	// Reusing the run: the same as evaluating both libraries.
	run, err := RunOn(ctx, pop, eng, 0, 0, 1, now, 2)
	if err != nil {
		t.Fatal(err)
	}
	with, err := CompareWith(ctx, pop, run, eng, reformed, 0, 0, 1, now, 3)
	if err != nil || with.Base != run {
		t.Fatalf("%v: the run was not reused", err)
	}
	sameResults(t, reformed, with.Reform, row.Reform)
	c, gc, lc := with.Changes("")
	if !slices.Equal(c, b) || gc != gb || lc != lb {
		t.Fatalf("%d subjects change reusing the run, %d over rows", len(c), len(b))
	}
}

func sameResults(t *testing.T, eng *rules.Engine, col, row *Result) {
	t.Helper()
	if col.Subjects != row.Subjects {
		t.Fatalf("%d subjects over the columns, %d over rows", col.Subjects, row.Subjects)
	}
	for _, c := range eng.Clauses {
		for _, l := range []func(*Result) []Entry{
			func(r *Result) []Entry { return r.Entitled(c, "") },
			func(r *Result) []Entry { return r.NeedsFacts(c, "") },
		} {
			a, b := l(col), l(row)
			if !slices.Equal(a, b) {
				t.Fatalf("clause %s: %d entries over the columns, %d over rows (or they differ)", c.ID, len(a), len(b))
			}
		}
	}
	if !slices.Equal(col.Totals(eng, ""), row.Totals(eng, "")) {
		t.Fatalf("totals: %v over the columns, %v over rows", col.Totals(eng, ""), row.Totals(eng, ""))
	}
	if !slices.Equal(col.paid, row.paid) {
		t.Fatal("payments per subject differ")
	}
}

// compareRows is CompareOn a subject at a time (the reference for tests).
func compareRows(ctx context.Context, p *Population, base, reform *rules.Engine, at policy.Date, fy int64, policyVersion int, now func() time.Time, n int) (*Comparison, error) {
	started := now()
	subjects, _ := p.snapshot()
	n = max(1, min(n, len(subjects)))
	type part struct {
		base, reform *Result
		changes      []SubjectChange
	}
	parts := make([]part, n)
	var wg sync.WaitGroup
	for w := range n {
		parts[w] = part{base: newResult(base, at, fy, policyVersion, started), reform: newResult(reform, at, fy, policyVersion, started)}
		wg.Add(1)
		go func(pt *part) {
			defer wg.Done()
			evB, evR := base.NewEvaluator(), reform.NewEvaluator()
			for i := w; i < len(subjects); i += n {
				f := subjects[i]
				b := paid(base, pt.base.add(evB, f))
				r := paid(reform, pt.reform.add(evR, f))
				if b != r {
					pt.changes = append(pt.changes, SubjectChange{Subject: f.Subject.ID, Name: f.Subject.Name, Region: f.Subject.Region, Base: b, Reform: r})
				}
			}
		}(&parts[w])
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &Comparison{BaseEngine: base, ReformEngine: reform}
	var bs, rs []*Result
	for _, pt := range parts {
		bs, rs = append(bs, pt.base), append(rs, pt.reform)
		c.changes = append(c.changes, pt.changes...)
	}
	c.Base = merge(base, bs, at, fy, policyVersion, started)
	c.Reform = merge(reform, rs, at, fy, policyVersion, started)
	took := now().Sub(started)
	c.Base.Took, c.Reform.Took = took, took
	return c, nil
}
