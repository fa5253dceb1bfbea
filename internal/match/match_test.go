package match

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"kechuang/internal/demo"
	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// demoStore stores n demo subjects (seed) in a temporary SQLite store.
func demoStore(t *testing.T, n int, seed uint64) (*store.DB, *rules.Engine, [][]byte) {
	t.Helper()
	files, err := policy.LoadDir("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.Compile(files)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := demo.Generate(eng, n, seed)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.PutFactsBatch(context.Background(), docs, store.Entry{Source: "demo", By: "test"}); err != nil {
		t.Fatal(err)
	}
	return db, eng, docs
}

// TestRunAgreesWithReports checks the population match against the
// per-subject report (政策体检) of every subject: the same entitled clauses,
// the same amounts, and totals per payer and budget year exact to the fen,
// for the whole population and for each jurisdiction.
func TestRunAgreesWithReports(t *testing.T) {
	db, eng, docs := demoStore(t, 400, 7)
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

// TestPopulationRefresh: a population in memory loads everyone once, then
// only the subjects whose facts changed, and a run over it sees the change.
func TestPopulationRefresh(t *testing.T) {
	ctx := context.Background()
	db, eng, _ := demoStore(t, 300, 11)
	var p Population
	if n, err := p.Refresh(ctx, db); err != nil || n != 300 {
		t.Fatalf("first refresh: %d, %v", n, err)
	}
	if n, err := p.Refresh(ctx, db); err != nil || n != 0 {
		t.Fatalf("refresh with nothing changed: %d, %v", n, err)
	}
	// Move one entitled subject out of 武威: its entitlements there go.
	cl, _ := eng.ClauseByID("ww-hte-new")
	before, err := RunOn(ctx, &p, eng, 0, 0, 1, time.Now, 2)
	if err != nil {
		t.Fatal(err)
	}
	list := before.Entitled(cl, "")
	if len(list) == 0 {
		t.Fatal("nobody entitled to ww-hte-new: the test proves nothing")
	}
	f, _, err := db.Facts(ctx, list[0].Subject)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	h, _ := db.History(ctx, f.Subject.ID)
	json.Unmarshal(h[len(h)-1].Facts, &m)
	m["subject"].(map[string]any)["region"] = "130407"
	b, _ := json.Marshal(m)
	if _, err := db.PutFacts(ctx, b, store.Entry{Source: "entry", By: "t"}); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Refresh(ctx, db); err != nil || n != 1 || p.Len() != 300 {
		t.Fatalf("refresh after one change: %d, %v, %d held", n, err, p.Len())
	}
	after, err := RunOn(ctx, &p, eng, 0, 0, 1, time.Now, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(after.Entitled(cl, "")); got != len(list)-1 {
		t.Errorf("after moving one subject away: %d entitled, want %d", got, len(list)-1)
	}
	// And a run over the population equals a fresh run from the store.
	fresh, err := Run(ctx, db, eng, 0, 0, 1, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range eng.Clauses {
		x, y := after.Entitled(c, ""), fresh.Entitled(c, "")
		if len(x) != len(y) {
			t.Fatalf("%s: %d entitled from memory, %d from the store", c.ID, len(x), len(y))
		}
		for i := range x {
			if x[i] != y[i] {
				t.Fatalf("%s row %d: %+v, want %+v", c.ID, i, x[i], y[i])
			}
		}
	}
}

// TestCompareWithReusesTheRun: a simulation reusing the latest run as its
// baseline (and re-deciding only the subjects a changed clause applies to)
// gives exactly what evaluating both libraries over everyone gives, for
// every kind of change; and a run of an older population is not reused.
func TestCompareWithReusesTheRun(t *testing.T) {
	ctx := context.Background()
	db, eng, _ := demoStore(t, 600, 3)
	var p Population
	if _, err := p.Refresh(ctx, db); err != nil {
		t.Fatal(err)
	}
	run, err := RunOn(ctx, &p, eng, 0, 0, 1, time.Now, 2)
	if err != nil {
		t.Fatal(err)
	}
	reforms := map[string]string{
		"amount":    "  - clause: ww-hte-new\n    amount: {fixed: 30万元}\n",
		"threshold": "  - clause: ww-rd-internal\n    when: subject.above_scale && subject.industrial && last.rd_internal >= wan(600)\n",
		"remove":    "  - remove: ww-sci-innov-city\n",
		"add":       "  - add:\n      document: taian-2024\n      id: ta-new\n      title: t\n      beneficiary: [enterprise]\n      level: city\n      amount: {fixed: 1万元}\n      payer: 泰安市级财政\n",
		"several":   "  - clause: ww-hte-new\n    amount: {fixed: 10万元}\n  - remove: ww-challenge\n",
	}
	for name, changes := range reforms {
		t.Run(name, func(t *testing.T) {
			rf, err := policy.ParseReform([]byte("title: t\nchanges:\n"+changes), "t", eng.Files)
			if err != nil {
				t.Fatal(err)
			}
			reformed, err := eng.Reform(rf.Replace, rf.Remove, rf.Add)
			if err != nil {
				t.Fatal(err)
			}
			both, err := CompareOn(ctx, &p, eng, reformed, 0, 0, 1, time.Now, 2)
			if err != nil {
				t.Fatal(err)
			}
			reused, err := CompareWith(ctx, &p, run, eng, reformed, 0, 0, 1, time.Now, 2)
			if err != nil {
				t.Fatal(err)
			}
			if reused.Base != run {
				t.Fatal("the run was not reused")
			}
			total := 0
			for _, prefix := range []string{"", "6206", "3709", "130407"} {
				x, gx, lx := both.Changes(prefix)
				y, gy, ly := reused.Changes(prefix)
				if len(x) != len(y) || gx != gy || lx != ly {
					t.Fatalf("scope %q: %d changes (%d gained, %d lost) evaluating both, %d (%d, %d) reusing the run", prefix, len(x), gx, lx, len(y), gy, ly)
				}
				for i := range x {
					if x[i] != y[i] {
						t.Fatalf("change %d: %+v, want %+v", i, y[i], x[i])
					}
				}
				total += len(x)
				if !slices.Equal(both.Totals(prefix), reused.Totals(prefix)) {
					t.Fatalf("scope %q totals: %+v, want %+v", prefix, reused.Totals(prefix), both.Totals(prefix))
				}
				if !slices.Equal(both.Clauses(prefix, rf), reused.Clauses(prefix, rf)) {
					t.Fatalf("scope %q clauses differ", prefix)
				}
				if both.Reform.SubjectsIn(prefix) != reused.Reform.SubjectsIn(prefix) {
					t.Fatalf("scope %q: subject counts differ", prefix)
				}
				for _, c := range reformed.Clauses {
					if !slices.Equal(both.Reform.Entitled(c, prefix), reused.Reform.Entitled(c, prefix)) ||
						!slices.Equal(both.Reform.NeedsFacts(c, prefix), reused.Reform.NeedsFacts(c, prefix)) {
						t.Fatalf("scope %q clause %s: lists differ", prefix, c.ID)
					}
				}
			}
			if total == 0 {
				t.Fatal("the reform changes nothing: the test proves little")
			}
		})
	}
	// After a refresh that loads something, the run is of an older population: not reused.
	f, _, _ := db.Facts(ctx, "demo-000001")
	h, _ := db.History(ctx, f.Subject.ID)
	if _, err := db.PutFacts(ctx, h[len(h)-1].Facts, store.Entry{Source: "entry", By: "t", Note: "again"}); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Refresh(ctx, db); err != nil || n != 1 {
		t.Fatalf("refresh: %d %v", n, err)
	}
	reformed, _ := eng.Reform(nil, []string{"ww-hte-new"}, nil)
	again, err := CompareWith(ctx, &p, run, eng, reformed, 0, 0, 1, time.Now, 2)
	if err != nil {
		t.Fatal(err)
	}
	if again.Base == run {
		t.Error("a run of an older population was reused")
	}
}

// TestRunnerFollowsChanges: a change triggers a run, and a change made while
// a run is under way is followed by another, so the latest run reflects it.
func TestRunnerFollowsChanges(t *testing.T) {
	ctx := context.Background()
	db, eng, _ := demoStore(t, 300, 9)
	m := &Runner{DB: db, Engine: eng, PolicyVersion: 1, Now: time.Now}
	if _, err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	first, _, _ := m.Latest()
	cl, _ := eng.ClauseByID("ww-hte-new")
	list := first.Entitled(cl, "")
	if len(list) < 2 {
		t.Fatalf("%d entitled to ww-hte-new: the test proves little", len(list))
	}
	move := func(id string) {
		h, err := db.History(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(h[len(h)-1].Facts, &m)
		m["subject"].(map[string]any)["region"] = "130407"
		b, _ := json.Marshal(m)
		if _, err := db.PutFacts(ctx, b, store.Entry{Source: "entry", By: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	// Two changes, each followed by a trigger, the second while the first run may still be going.
	move(list[0].Subject)
	m.Trigger()
	move(list[1].Subject)
	m.Trigger()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, running, err := m.Latest()
		if err != nil {
			t.Fatal(err)
		}
		if !running && len(r.Entitled(cl, "")) == len(list)-2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the latest run still has %d entitled, want %d", len(r.Entitled(cl, "")), len(list)-2)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
