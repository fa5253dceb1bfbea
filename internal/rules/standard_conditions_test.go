package rules_test

import (
	"testing"

	"kechuang/internal/demo"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// TestStandardConditionsAgreeWithCEL: over a demo population, evaluated at
// each subject's date and at the end of its year, every criterion of every
// standard evaluated by the compiled closures agrees with the cel-go
// interpreter (unknown facts as CEL unknowns) — but for one difference of
// the reference: cel-go's unknowns are attributes (subject.size,
// cur.revenue, item.date), so inside exists(), all() and filter() it reads
// an element's unknown field as the field's zero value, where the compiled
// closures answer unknown (recognitions.exists(r, … && r.valid_until >= at)
// with valid_until not given). Where the two differ, the compiled answer
// must be unknown, and cel-go's must be the compiled answer for the same
// subject with every element field known.
func TestStandardConditionsAgreeWithCEL(t *testing.T) {
	files, err := policy.LoadDir("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.Compile(files)
	if err != nil {
		t.Fatal(err)
	}
	n := 1500
	if testing.Short() {
		n = 300
	}
	docs, err := demo.Generate(eng, n, 5)
	if err != nil {
		t.Fatal(err)
	}
	crit := eng.Criteria()
	if len(crit) != eng.CriteriaCount() || len(crit) == 0 {
		t.Fatalf("Criteria lists %d, CriteriaCount says %d", len(crit), eng.CriteriaCount())
	}
	ev := eng.NewEvaluator()
	got, want, zero := make([]rules.Truth, len(crit)), make([]rules.Truth, len(crit)), make([]rules.Truth, len(crit))
	counts := map[rules.Truth]int{}
	zeroRead := 0
	for _, d := range docs {
		f, err := facts.DecodeBytes(d, "")
		if err != nil {
			t.Fatal(err)
		}
		at, _ := policy.ParseDate(f.AsOf)
		for _, at := range []policy.Date{at, policy.Date(at.Year()*10000 + 1231)} {
			ev.StandardConditions(f, at, false, got)
			ev.StandardConditions(f, at, true, want)
			ev.StandardConditions(elementsKnown(f), at, false, zero)
			for i, c := range crit {
				if got[i] != want[i] {
					if got[i] != rules.TruthUnknown || zero[i] != want[i] {
						t.Fatalf("subject %s at %s, criterion %s: compiled %d, cel-go %d (compiled with every element field known: %d)",
							f.Subject.ID, at, c.Name(), got[i], want[i], zero[i])
					}
					zeroRead++
				}
				counts[got[i]]++
			}
		}
	}
	for _, tr := range []rules.Truth{rules.TruthTrue, rules.TruthFalse, rules.TruthUnknown} {
		if counts[tr] == 0 {
			t.Errorf("no criterion came out %d over %d subjects: the test proves little (%v)", tr, n, counts)
		}
	}
	t.Logf("%d subjects × 2 dates × %d criteria: %v (0 n/a, 1 false, 2 true, 3 unknown, 4 error); "+
		"%d unknown where cel-go read an unknown element field as zero", n, len(crit), counts, zeroRead)
}

// elementsKnown is f with every field of every list element marked known,
// as cel-go reads the elements of a list inside exists(), all() and filter().
func elementsKnown(f *facts.Facts) *facts.Facts {
	g := *f
	g.Recognitions = known(f.Recognitions, func(x *facts.Recognition) *facts.Mask { return &x.Known })
	g.Awards = known(f.Awards, func(x *facts.Award) *facts.Mask { return &x.Known })
	g.IP = known(f.IP, func(x *facts.IPItem) *facts.Mask { return &x.Known })
	g.Contests = known(f.Contests, func(x *facts.Contest) *facts.Mask { return &x.Known })
	g.Agreements = known(f.Agreements, func(x *facts.Agreement) *facts.Mask { return &x.Known })
	g.Projects = known(f.Projects, func(x *facts.Project) *facts.Mask { return &x.Known })
	g.Appointments = known(f.Appointments, func(x *facts.Appointment) *facts.Mask { return &x.Known })
	g.Pools = known(f.Pools, func(x *facts.PoolEntry) *facts.Mask { return &x.Known })
	g.Incidents = known(f.Incidents, func(x *facts.Incident) *facts.Mask { return &x.Known })
	return &g
}

func known[T any](xs []T, mask func(*T) *facts.Mask) []T {
	out := append([]T(nil), xs...)
	for i := range out {
		*mask(&out[i]) = ^facts.Mask(0)
	}
	return out
}

// TestStandardConditions: a few hand-made subjects against the criteria
// named, compiled and cel-go alike.
func TestStandardConditions(t *testing.T) {
	files, err := policy.LoadDir("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.Compile(files)
	if err != nil {
		t.Fatal(err)
	}
	index := map[string]int{}
	for _, c := range eng.Criteria() {
		index[c.Name()] = c.Index
	}
	tests := []struct {
		name  string
		facts string
		at    policy.Date
		want  map[string]rules.Truth
	}{
		{
			name:  "person: no standard applies",
			facts: `{"subject": {"id": "p", "kind": "person", "region": "620602"}}`,
			at:    20250601,
			want: map[string]rules.Truth{
				"stsme-2017/resident": rules.TruthNotApplicable,
				"hte-2016/field":      rules.TruthNotApplicable,
			},
		},
		{
			name: "enterprise, figures of 2024 read at 2025-06-01",
			facts: `{"subject": {"id": "e", "kind": "enterprise", "region": "620602", "resident": true},
				"annual": [{"year": 2024, "employees": 501, "sales": 10000000}]}`,
			at: 20250601,
			want: map[string]rules.Truth{
				"stsme-2017/resident":       rules.TruthTrue,
				"stsme-2017/employees":      rules.TruthFalse,
				"stsme-2017/sales":          rules.TruthTrue,
				"stsme-2017/assets":         rules.TruthUnknown, // not given
				"stsme-2017/not-restricted": rules.TruthUnknown,
				"stsme-2017/no-incident":    rules.TruthTrue, // none on record
				"hte-2016/field":            rules.TruthTrue, // no condition: left to experts
			},
		},
		{
			name: "the same at 2025-12-31: reads 2025, of which nothing is known",
			facts: `{"subject": {"id": "e", "kind": "enterprise", "region": "620602", "resident": true},
				"annual": [{"year": 2024, "employees": 501, "sales": 10000000}]}`,
			at: 20251231,
			want: map[string]rules.Truth{
				"stsme-2017/employees": rules.TruthUnknown,
				"stsme-2017/sales":     rules.TruthUnknown,
			},
		},
	}
	ev := eng.NewEvaluator()
	out := make([]rules.Truth, eng.CriteriaCount())
	for _, tt := range tests {
		f, err := facts.DecodeBytes([]byte(tt.facts), tt.name)
		if err != nil {
			t.Fatal(err)
		}
		for _, useCEL := range []bool{false, true} {
			ev.StandardConditions(f, tt.at, useCEL, out)
			for name, want := range tt.want {
				i, ok := index[name]
				if !ok {
					t.Fatalf("no criterion %s", name)
				}
				if got := out[i]; got != want {
					t.Errorf("%s (cel-go %v): %s is %d, want %d", tt.name, useCEL, name, got, want)
				}
			}
		}
	}
}
