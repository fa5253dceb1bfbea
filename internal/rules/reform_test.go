package rules

import (
	"encoding/json"
	"testing"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// TestReformIdentity: an engine reformed with every clause "changed" to
// itself, or with nothing changed, decides every test subject of the library
// exactly as the library does — the relinking of gates, stacking and indexes
// loses nothing — and the library's engine is left as it was.
func TestReformIdentity(t *testing.T) {
	e := loadLibrary(t)
	all := map[string]*policy.Clause{}
	for _, c := range e.Clauses {
		all[c.ID] = c.Clause
	}
	same, err := e.Reform(all, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	none, err := e.Reform(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	evE, evS, evN := e.NewEvaluator(), same.NewEvaluator(), none.NewEvaluator()
	n := 0
	for _, c := range e.Clauses {
		for _, tc := range c.Tests {
			var f *facts.Facts
			if f, err = facts.DecodeBytes(tc.Facts, ""); err != nil {
				continue
			}
			fy := int64(tc.FY)
			if fy == 0 {
				fy = int64(tc.At.Year())
			}
			want := append([]Decision(nil), evE.Decide(f, tc.At, fy)...)
			for name, ev := range map[string]*Evaluator{"recompiled": evS, "shared": evN} {
				got := ev.Decide(f, tc.At, fy)
				for i := range want {
					if got[i] != want[i] {
						w, _ := json.Marshal(want[i])
						g, _ := json.Marshal(got[i])
						t.Fatalf("%s engine, test %s/%s, clause %s: %s, want %s", name, c.ID, tc.Name, e.Clauses[i].ID, g, w)
					}
				}
			}
			n++
		}
	}
	if n < 300 {
		t.Fatalf("compared %d test subjects only", n)
	}
	for i, c := range e.Clauses {
		if c.Index != i {
			t.Fatalf("reforming renumbered the library's clause %s", c.ID)
		}
	}
}

// TestReformRemoveAdd: removing a clause drops it and only it; adding a
// clause appends it and relinks the rest.
func TestReformRemoveAdd(t *testing.T) {
	e := loadLibrary(t)
	c0 := e.Clauses[0]
	r, err := e.Reform(nil, []string{c0.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Clauses) != len(e.Clauses)-1 {
		t.Fatalf("%d clauses after removing one of %d", len(r.Clauses), len(e.Clauses))
	}
	if _, ok := r.ClauseByID(c0.ID); ok {
		t.Fatal("the removed clause is still there")
	}
	add := *c0.Clause
	add.ID = "added-copy"
	r, err = e.Reform(nil, nil, []*policy.Clause{&add})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := r.ClauseByID("added-copy"); !ok || c.Index != len(e.Clauses) {
		t.Fatalf("the added clause: %v", ok)
	}
	if _, err := e.Reform(map[string]*policy.Clause{"nope": c0.Clause}, nil, nil); err == nil {
		t.Error("changing an unknown clause was accepted")
	}
}
