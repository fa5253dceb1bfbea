package match

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"kechuang/internal/demo"
	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// TestPopulationProperties draws random populations — demo subjects of a
// random seed, their figures scaled and their dates moved at random — and
// checks, on 1 to 3 goroutines, that the population evaluator agrees with
// the one-subject evaluator (every entitlement, to the fen, and the totals
// per payer and year) and that the compiled conditions agree with the
// cel-go reference on every subject.
func TestPopulationProperties(t *testing.T) {
	files, err := policy.LoadDir("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.Compile(files)
	if err != nil {
		t.Fatal(err)
	}
	entitlements, scaled := 0, 0
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 120).Draw(t, "subjects")
		docs, err := demo.Generate(eng, n, rapid.Uint64().Draw(t, "seed"))
		if err != nil {
			t.Fatal(err)
		}
		var pop []*facts.Facts
		for i, d := range docs {
			var m map[string]any
			json.Unmarshal(d, &m)
			// Move the date by up to two years either way, and scale every figure of the annual records.
			if at, ok := m["as_of"].(string); ok {
				y := rapid.IntRange(-2, 2).Draw(t, fmt.Sprint("year", i))
				m["as_of"] = fmt.Sprintf("%04d%s", atoi(at[:4])+y, at[4:])
			}
			if ann, ok := m["annual"].([]any); ok {
				k := rapid.SampledFrom([]int64{50, 90, 99, 100, 101, 110, 200}).Draw(t, fmt.Sprint("scale", i))
				for _, a := range ann {
					for key, v := range a.(map[string]any) {
						switch x := v.(type) {
						case float64:
							if key != "year" && x == float64(int64(x)) {
								a.(map[string]any)[key] = int64(x) * k / 100
								scaled++
							}
						case string: // an amount with its unit, "1200万元"
							if fen, err := money.Parse(x); err == nil {
								a.(map[string]any)[key] = int64(fen) * k / 100
								scaled++
							}
						}
					}
				}
			}
			b, _ := json.Marshal(m)
			f, err := facts.DecodeBytes(b, "")
			if err != nil {
				continue // a scaled figure the schema refuses (e.g. a share over 100%): not a subject
			}
			pop = append(pop, f)
		}
		workers := rapid.IntRange(1, 3).Draw(t, "workers")
		res, err := RunOn(context.Background(), PopulationOf(pop), eng, 0, 0, 1, time.Now, workers)
		if err != nil {
			t.Fatal(err)
		}
		ev := eng.NewEvaluator()
		want := map[string][]Entry{}
		type key struct {
			payer string
			year  int64
		}
		totals := map[key]money.Interval{}
		got := make([]rules.Truth, len(eng.Clauses))
		ref := make([]rules.Truth, len(eng.Clauses))
		for _, f := range pop {
			at, _ := policy.ParseDate(f.AsOf)
			rep := ev.Evaluate(f, at, int64(at.Year()))
			for _, c := range rep.Clauses {
				if c.Outcome == rules.Entitled {
					var amt money.Interval
					if c.Amount != nil {
						amt = money.Interval{Min: money.Fen(c.Amount.MinFen), Max: money.Fen(c.Amount.MaxFen), Open: c.Amount.Open}
					}
					want[c.Clause] = append(want[c.Clause], Entry{Subject: f.Subject.ID, Amount: amt})
				}
			}
			for _, tot := range rep.Totals {
				k := key{tot.Payer, tot.BudgetYear}
				totals[k] = totals[k].Add(money.Interval{Min: money.Fen(tot.Amount.MinFen), Max: money.Fen(tot.Amount.MaxFen), Open: tot.Amount.Open})
			}
			ev.Conditions(f, at, int64(at.Year()), false, got)
			ev.Conditions(f, at, int64(at.Year()), true, ref)
			if !slices.Equal(got, ref) {
				for i := range got {
					if got[i] != ref[i] {
						t.Fatalf("subject %s clause %s: compiled %d, cel-go %d", f.Subject.ID, eng.Clauses[i].ID, got[i], ref[i])
					}
				}
			}
		}
		for _, c := range eng.Clauses {
			es := res.Entitled(c, "")
			entitlements += len(es)
			w := want[c.ID]
			if len(es) != len(w) {
				t.Fatalf("clause %s: %d entitled in the population run, %d one by one", c.ID, len(es), len(w))
			}
			byID := map[string]money.Interval{}
			for _, e := range w {
				byID[e.Subject] = e.Amount
			}
			for _, e := range es {
				if a, ok := byID[e.Subject]; !ok || a != e.Amount {
					t.Fatalf("clause %s subject %s: %v in the population run, %v one by one", c.ID, e.Subject, e.Amount, a)
				}
			}
		}
		ts := res.Totals(eng, "")
		if len(ts) != len(totals) {
			t.Fatalf("%d payer-years in the population run, %d one by one", len(ts), len(totals))
		}
		for _, tt := range ts {
			if totals[key{tt.Payer, tt.BudgetYear}] != tt.Amount {
				t.Fatalf("%s %d: %v, want %v", tt.Payer, tt.BudgetYear, tt.Amount, totals[key{tt.Payer, tt.BudgetYear}])
			}
		}
	})
	if entitlements == 0 || scaled == 0 {
		t.Fatalf("the random populations had %d entitlements and %d scaled figures: the property proves little", entitlements, scaled)
	}
	t.Logf("%d entitlements compared, %d figures scaled", entitlements, scaled)
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}
