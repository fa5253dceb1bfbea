package match

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"kechuang/internal/demo"
	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// TestRunAgreesWithReports checks the population match against the
// per-subject report (政策体检) of every subject: the same entitled clauses,
// the same amounts, and totals per payer and budget year exact to the fen,
// for the whole population and for each jurisdiction.
func TestRunAgreesWithReports(t *testing.T) {
	ctx := context.Background()
	files, err := policy.LoadDir("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.Compile(files)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := demo.Generate(eng, 400, 7)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.PutFactsBatch(ctx, docs, store.Entry{Source: "demo", By: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, at := range []policy.Date{20251231, 0} {
		t.Run(at.String(), func(t *testing.T) { checkRun(t, db, eng, docs, at) })
	}
}

// checkRun compares a run at date at (0: each subject's as_of) with the
// reports of every subject.
func checkRun(t *testing.T, db *store.DB, eng *rules.Engine, docs [][]byte, at policy.Date) {
	res, err := Run(context.Background(), db, eng, at, 0, 1, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if res.Subjects != len(docs) {
		t.Fatalf("run covered %d subjects, want %d", res.Subjects, len(docs))
	}
	for _, prefix := range []string{"", "6206", "130407", "3709", "3713"} {
		type key struct {
			payer string
			year  int64
		}
		want := map[key]money.Interval{}
		wantEntitled := map[string]int{}
		n := 0
		ev := eng.NewEvaluator()
		for _, d := range docs {
			f, err := facts.DecodeBytes(d, "")
			if err != nil {
				t.Fatal(err)
			}
			if !InScope(prefix, f.Subject.Region) {
				continue
			}
			n++
			d := at
			if d == 0 {
				if d, err = policy.ParseDate(f.AsOf); err != nil {
					t.Fatalf("demo subject without as_of: %v", err)
				}
			}
			rep := ev.Evaluate(f, d, int64(d.Year()))
			for _, tot := range rep.Totals {
				k := key{tot.Payer, tot.BudgetYear}
				want[k] = want[k].Add(money.Interval{Min: money.Fen(tot.Amount.MinFen), Max: money.Fen(tot.Amount.MaxFen), Open: tot.Amount.Open})
			}
			for _, c := range rep.Clauses {
				if c.Outcome == rules.Entitled {
					wantEntitled[c.Clause]++
				}
			}
		}
		if got := res.SubjectsIn(prefix); got != n {
			t.Errorf("scope %q: %d subjects, want %d", prefix, got, n)
		}
		got := map[key]money.Interval{}
		for _, tot := range res.Totals(eng, prefix) {
			got[key{tot.Payer, tot.BudgetYear}] = tot.Amount
		}
		if len(got) != len(want) {
			t.Errorf("scope %q: %d payer-years, want %d", prefix, len(got), len(want))
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("scope %q: %s %d: got %v, want %v", prefix, k.payer, k.year, got[k], w)
			}
		}
		for _, c := range eng.Clauses {
			if got := len(res.Entitled(c, prefix)); got != wantEntitled[c.ID] {
				t.Errorf("scope %q clause %s: %d entitled, want %d", prefix, c.ID, got, wantEntitled[c.ID])
			}
		}
		if prefix == "" && len(want) == 0 {
			t.Fatal("the demo population pays nothing: the test proves nothing")
		}
	}
	// The candidate list is ordered by amount, largest first.
	for _, c := range eng.Clauses {
		es := res.Entitled(c, "")
		for i := 1; i < len(es); i++ {
			if es[i].Amount.Max > es[i-1].Amount.Max {
				t.Fatalf("%s: list not ordered by amount at %d", c.ID, i)
			}
		}
	}
}
