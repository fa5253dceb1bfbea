package rules_test

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"kechuang/internal/demo"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

func demoSubjects(t testing.TB, eng *rules.Engine, n int, seed uint64) []*facts.Facts {
	docs, err := demo.Generate(eng, n, seed)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*facts.Facts, len(docs))
	for i, d := range docs {
		if out[i], err = facts.DecodeBytes(d, ""); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func asOf(f *facts.Facts) (policy.Date, int64) {
	at, _ := policy.ParseDate(f.AsOf)
	return at, int64(at.Year())
}

// compareColumnar checks Columnar against the one-subject evaluator on
// every subject of pop: each clause's condition against
// Evaluator.Conditions (and, with cel set, the cel-go interpreter), and
// DecideFrom on the columnar answers against Decide, decision by decision.
// It returns how many conditions were true, unknown and in error.
func compareColumnar(t interface{ Fatalf(string, ...any) }, eng *rules.Engine, pop []*facts.Facts, dateOf func(*facts.Facts) (policy.Date, int64), cel bool) (counts [5]int) {
	tab := rules.NewTable(eng, pop, dateOf)
	nc := len(eng.Clauses)
	got := make([]rules.Truth, len(pop)*nc)
	// Two halves, as two goroutines would take them.
	half := len(pop) / 2
	eng.NewColumnar(tab).Conditions(0, half, got[:half*nc])
	eng.NewColumnar(tab).Conditions(half, len(pop), got[half*nc:])
	ev, dv := eng.NewEvaluator(), eng.NewEvaluator()
	want, ref := make([]rules.Truth, nc), make([]rules.Truth, nc)
	for i, f := range pop {
		at, fy := tab.At[i], tab.FY[i]
		g := got[i*nc : (i+1)*nc]
		ev.Conditions(f, at, fy, false, want)
		if cel {
			ev.Conditions(f, at, fy, true, ref)
		}
		for c, cl := range eng.Clauses {
			if g[c] != want[c] {
				t.Fatalf("subject %s at %s, clause %s: columnar %d, compiled %d", f.Subject.ID, at, cl.ID, g[c], want[c])
			}
			if cel && g[c] != ref[c] {
				t.Fatalf("subject %s at %s, clause %s: columnar %d, cel-go %d", f.Subject.ID, at, cl.ID, g[c], ref[c])
			}
			counts[g[c]]++
		}
		full := slices.Clone(dv.Decide(f, at, fy))
		from := ev.DecideFrom(f, at, fy, g)
		for c, cl := range eng.Clauses {
			if full[c] != from[c] {
				t.Fatalf("subject %s at %s, clause %s: DecideFrom %+v, Decide %+v", f.Subject.ID, at, cl.ID, from[c], full[c])
			}
		}
		if !rules.Candidate(g) {
			for c, d := range full {
				if d.Outcome == rules.Entitled || d.Outcome == rules.NeedsFacts {
					t.Fatalf("subject %s: no candidate, but clause %s is %s", f.Subject.ID, eng.Clauses[c].ID, d.Outcome)
				}
			}
		}
	}
	return counts
}

// compareCriteria checks Columnar.Criteria against
// Evaluator.StandardConditions on every subject of pop, each at the date
// dateOf gives (the standards reading their own fiscal year), and returns
// the answers' counts.
func compareCriteria(t interface{ Fatalf(string, ...any) }, eng *rules.Engine, pop []*facts.Facts, dateOf func(*facts.Facts) (policy.Date, int64)) (counts [5]int) {
	tab := rules.NewCriteriaTable(eng, pop, func(f *facts.Facts) (policy.Date, int64) {
		at, _ := dateOf(f)
		return at, rules.StandardFY(at)
	})
	nk := eng.CriteriaCount()
	got := make([]rules.Truth, len(pop)*nk)
	eng.NewColumnar(tab).Criteria(0, len(pop), got)
	ev := eng.NewEvaluator()
	want := make([]rules.Truth, nk)
	crit := eng.Criteria()
	for i, f := range pop {
		ev.StandardConditions(f, tab.At[i], false, want)
		for k := range want {
			if g := got[i*nk+k]; g != want[k] {
				t.Fatalf("subject %s at %s, criterion %s: columnar %d, compiled %d", f.Subject.ID, tab.At[i], crit[k].Name(), g, want[k])
			}
			counts[want[k]]++
		}
	}
	return counts
}

// TestColumnarAgrees: over demo populations, the column-at-a-time
// evaluator gives every clause's condition exactly as the compiled
// closures and the cel-go interpreter do, and deciding from its answers
// gives Decide's decisions.
func TestColumnarAgrees(t *testing.T) {
	eng := compileLibrary(t)
	n := 4000
	if testing.Short() {
		n = 800
	}
	pop := demoSubjects(t, eng, n, 3)
	c := compareColumnar(t, eng, pop, asOf, true)
	if c[rules.TruthTrue] == 0 || c[rules.TruthFalse] == 0 || c[rules.TruthUnknown] == 0 {
		t.Fatalf("answers %v: the test proves little", c)
	}
	t.Logf("%d subjects: %d n/a, %d false, %d true, %d unknown, %d error", len(pop), c[0], c[1], c[2], c[3], c[4])
	k := compareCriteria(t, eng, pop, asOf)
	if k[rules.TruthTrue] == 0 || k[rules.TruthFalse] == 0 || k[rules.TruthUnknown] == 0 {
		t.Fatalf("criteria %v: the test proves little", k)
	}
	t.Logf("criteria: %d n/a, %d false, %d true, %d unknown, %d error", k[0], k[1], k[2], k[3], k[4])
	// One date for all, at the end of a year, and a fiscal year of its own.
	for _, at := range []policy.Date{20241231, 20230630} {
		compareColumnar(t, eng, pop, func(*facts.Facts) (policy.Date, int64) { return at, int64(at.Year()) }, false)
	}
}

// TestColumnarProperties draws random populations — demo subjects whose
// facts are made unknown, extreme or scaled at random, evaluated at random
// dates — and checks Columnar against the one-subject evaluator on each.
func TestColumnarProperties(t *testing.T) {
	eng := compileLibrary(t)
	docs, err := demo.Generate(eng, 600, 9)
	if err != nil {
		t.Fatal(err)
	}
	var counts, crit [5]int
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 200).Draw(rt, "subjects")
		first := rapid.IntRange(0, len(docs)-1).Draw(rt, "first")
		pop := make([]*facts.Facts, n)
		dates := map[*facts.Facts]policy.Date{}
		for i := range pop {
			f, err := facts.DecodeBytes(docs[(first+i)%len(docs)], "")
			if err != nil {
				rt.Fatal(err)
			}
			mutate(rt, reflect.ValueOf(f).Elem(), fmt.Sprint(i))
			at, _ := policy.ParseDate(f.AsOf)
			y := at.Year() + rapid.IntRange(-2, 1).Draw(rt, fmt.Sprint("year", i))
			md := rapid.SampledFrom([]int{101, 630, 1231}).Draw(rt, fmt.Sprint("day", i))
			dates[f] = policy.Date(y*10000 + md)
			pop[i] = f
		}
		c := compareColumnar(rt, eng, pop, func(f *facts.Facts) (policy.Date, int64) {
			return dates[f], int64(dates[f].Year())
		}, false)
		k := compareCriteria(rt, eng, pop, func(f *facts.Facts) (policy.Date, int64) {
			return dates[f], int64(dates[f].Year())
		})
		for i := range counts {
			counts[i] += c[i]
			crit[i] += k[i]
		}
	})
	if counts[rules.TruthTrue] == 0 || counts[rules.TruthUnknown] == 0 || counts[rules.TruthFalse] == 0 {
		t.Fatalf("answers %v: the property proves little", counts)
	}
	if crit[rules.TruthError] == 0 || crit[rules.TruthTrue] == 0 {
		t.Fatalf("criteria answers %v: the property proves little", crit)
	}
	t.Logf("answers compared: %d n/a, %d false, %d true, %d unknown, %d error", counts[0], counts[1], counts[2], counts[3], counts[4])
	t.Logf("criteria compared: %d n/a, %d false, %d true, %d unknown, %d error", crit[0], crit[1], crit[2], crit[3], crit[4])
}

// mutate changes optional facts at random: unknown (known bit cleared,
// value zeroed as decoding leaves it), an extreme value, or a figure
// scaled; required fields, derived years and the lists' shape are kept.
func mutate(rt *rapid.T, v reflect.Value, path string) {
	t := v.Type()
	known := v.FieldByName("Known")
	for i := range t.NumField() {
		sf, fv := t.Field(i), v.Field(i)
		p := path + "." + sf.Name
		if fv.Kind() == reflect.Struct {
			mutate(rt, fv, p)
			continue
		}
		if fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct {
			for j := range fv.Len() {
				mutate(rt, fv.Index(j), fmt.Sprint(p, j))
			}
			continue
		}
		name := sf.Tag.Get("cel")
		if !known.IsValid() || name == "" || name == "-" || name == "year" || strings.Contains(sf.Tag.Get("kc"), "required") {
			continue
		}
		switch rapid.IntRange(0, 7).Draw(rt, p) {
		case 0:
			known.SetUint(known.Uint() &^ (1 << uint(i)))
			fv.SetZero()
		case 1, 3:
			switch fv.Kind() {
			case reflect.Int64:
				fv.SetInt(rapid.SampledFrom([]int64{math.MaxInt64, math.MinInt64, 0, -1, 1}).Draw(rt, p+"x"))
			case reflect.Bool:
				fv.SetBool(!fv.Bool())
			case reflect.String:
				if strings.Contains(sf.Tag.Get("kc"), "date") {
					fv.SetString(rapid.SampledFrom([]string{"2024-02-30", "", "2023-12-31", "2025-01-01"}).Draw(rt, p+"x"))
				}
			}
		case 2:
			if fv.Kind() == reflect.Int64 {
				fv.SetInt(fv.Int() * rapid.SampledFrom([]int64{0, 2, 10}).Draw(rt, p+"k") / 3)
			}
		}
	}
}

func compileLibrary(t testing.TB) *rules.Engine {
	files, err := policy.LoadDir("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.Compile(files)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}
