package opa

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

func compile(tb testing.TB) (*rules.Engine, *Library, string) {
	tb.Helper()
	eng, err := Compile(PoliciesDir)
	if err != nil {
		tb.Fatal(err)
	}
	lib, err := Generate(eng)
	if err != nil {
		tb.Fatal(err)
	}
	module, err := os.ReadFile(LibraryFile)
	if err != nil {
		tb.Fatal(err)
	}
	return eng, lib, string(module)
}

// TestLibraryUpToDate: library.rego is what the generator writes for the
// policy library as it is (go run ./gen).
func TestLibraryUpToDate(t *testing.T) {
	_, lib, module := compile(t)
	if module != lib.Rego {
		t.Fatalf("%s is out of date with the policy library or the generator: run go run ./gen", LibraryFile)
	}
	if len(lib.Clauses) == 0 || len(lib.Criteria) == 0 {
		t.Fatalf("%d clauses, %d criteria translated", len(lib.Clauses), len(lib.Criteria))
	}
}

// run evaluates pop with every engine, recording the answers.
func run(tb testing.TB, engines []Engine, pop *Population) []*Truths {
	tb.Helper()
	ctx := context.Background()
	var out []*Truths
	for _, e := range engines {
		r, err := e.Start(ctx, runtime.GOMAXPROCS(0))
		if err != nil {
			tb.Fatalf("%s: %v", e.Name, err)
		}
		t := NewTruths(pop)
		if err := r(ctx, pop, t); err != nil {
			tb.Fatalf("%s: %v", e.Name, err)
		}
		out = append(out, t)
	}
	return out
}

// TestAgree: kechuang, cel-go and OPA agree on every clause and criterion
// of 2,000 demo subjects (500 with -short).
func TestAgree(t *testing.T) {
	eng, lib, module := compile(t)
	n := 2000
	if testing.Short() {
		n = 500
	}
	pop, err := NewPopulation(eng, n)
	if err != nil {
		t.Fatal(err)
	}
	got := run(t, []Engine{Kechuang(eng), CELGo(eng), OPA(lib, module), Columnar(eng)}, pop)
	a, err := Agree(eng, pop, got[0], got[1], got[2], false)
	if err != nil {
		t.Fatal(err)
	}
	if err := Same(eng, pop, got[0], got[3]); err != nil {
		t.Fatalf("columnar and compiled: %v", err)
	}
	for _, m := range []map[rules.Truth]int{a.ClauseTruths, a.CriterionTruths} {
		if m[rules.TruthTrue] == 0 || m[rules.TruthFalse] == 0 || m[rules.TruthUnknown] == 0 {
			t.Errorf("the population does not exercise true, false and unknown: %v", a)
		}
	}
	t.Log(a)
}

// TestAgreeMutated: the same on demo subjects changed at random into what
// the demo data never holds — facts made unknown, figures large enough to
// overflow int64 arithmetic, dates that do not parse — so that every
// translation of an unknown and of an error is exercised too.
func TestAgreeMutated(t *testing.T) {
	eng, lib, module := compile(t)
	n := 3000
	if testing.Short() {
		n = 600
	}
	pop, err := NewPopulation(eng, n)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range pop.Subjects {
		s := &pop.Subjects[i]
		mutate(reflect.ValueOf(s.F).Elem(), rng)
		if i%2 == 1 {
			// At the end of the year, the standards read the year of the
			// subject's figures (rules.StandardFY).
			s.At = policy.Date(s.At.Year()*10000 + 1231)
		}
	}
	got := run(t, []Engine{Kechuang(eng), CELGo(eng), OPA(lib, module), Columnar(eng)}, pop)
	a, err := Agree(eng, pop, got[0], got[1], got[2], true)
	if err != nil {
		t.Fatal(err)
	}
	if err := Same(eng, pop, got[0], got[3]); err != nil {
		t.Fatalf("columnar and compiled: %v", err)
	}
	// The clauses' conditions have no arithmetic that can fail; the
	// criteria's have.
	if m := a.CriterionTruths; m[rules.TruthTrue] == 0 || m[rules.TruthFalse] == 0 || m[rules.TruthUnknown] == 0 || m[rules.TruthError] < 20 {
		t.Errorf("the mutations do not exercise true, false, unknown and error: %v", a)
	}
	t.Log(a)
}

// mutate changes the optional facts of a struct and of the structs it holds
// at random: one in four becomes unknown (its known bit cleared and its
// value zeroed, as facts.Decode leaves a fact not given), one in four an
// extreme value. Required fields, the derived year and the lists' shape
// are kept.
func mutate(v reflect.Value, rng *rand.Rand) {
	t := v.Type()
	known := v.FieldByName("Known")
	for i := range t.NumField() {
		sf, fv := t.Field(i), v.Field(i)
		if fv.Kind() == reflect.Struct {
			mutate(fv, rng)
			continue
		}
		if fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct {
			for j := range fv.Len() {
				mutate(fv.Index(j), rng)
			}
			continue
		}
		name := sf.Tag.Get("cel")
		// Required fields are never unknown, nor are derived ones (year,
		// class: computed from other fields) or absent_none ones (the decoder
		// marks them known: leaving one out says "none"); none is made
		// unknown, as that state cannot arise from any facts document.
		if !known.IsValid() || name == "" || name == "-" || sf.Tag.Get("json") == "-" || strings.Contains(sf.Tag.Get("kc"), "required") {
			continue
		}
		switch r := rng.IntN(20); {
		case r < 5:
			if strings.Contains(sf.Tag.Get("kc"), "absent_none") {
				break
			}
			known.SetUint(known.Uint() &^ (1 << uint(i)))
			fv.SetZero()
		case r < 10:
			switch fv.Kind() {
			case reflect.Int64:
				fv.SetInt([]int64{math.MaxInt64, math.MinInt64, 1 << 62, -(1 << 62), -1}[rng.IntN(5)])
			case reflect.String:
				if strings.Contains(sf.Tag.Get("kc"), "date") {
					fv.SetString([]string{"2024-02-30", "not a date", ""}[rng.IntN(3)])
				}
			case reflect.Bool:
				fv.SetBool(!fv.Bool())
			}
		}
	}
}
