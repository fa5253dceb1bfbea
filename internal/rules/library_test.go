package rules

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"kechuang/internal/coverage"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// TestLibrary runs every clause's and gate's own tests, and requires every
// amount-bearing sentence of the sources to be accounted for.
func TestLibrary(t *testing.T) {
	eng := loadLibrary(t)
	fails, n := eng.RunTests()
	for _, f := range append(fails, eng.UntestedBoundaries()...) {
		t.Error(f.Error())
	}
	if n == 0 {
		t.Fatal("the library has no tests")
	}
	for _, c := range eng.Clauses {
		if len(c.Tests) < 2 {
			t.Errorf("%s: clause %s has %d tests; every clause needs tests on both sides of its conditions", c.Pos, c.ID, len(c.Tests))
		}
	}
	for _, f := range eng.Files {
		sents, l := coverage.Analyze(f)
		for _, e := range l {
			t.Error(e)
		}
		for _, s := range sents {
			if !s.Accounted() {
				t.Errorf("%s:%d: amount-bearing sentence not accounted for: %s", f.Document.Source, s.Line, s.Text)
			}
		}
	}
}

func exampleFacts(t testing.TB, name string) *facts.Facts {
	t.Helper()
	data, err := os.ReadFile("../../examples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := facts.DecodeBytes(data, name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func richSubject(t testing.TB) (*facts.Facts, policy.Date) {
	ents, _ := os.ReadDir("../../examples")
	var best *facts.Facts
	var bestN int
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue // examples/reforms/
		}
		f := exampleFacts(t, e.Name())
		n := len(f.Annual) + len(f.Recognitions) + len(f.Awards) + len(f.IP) + len(f.Projects) + len(f.Contests) + len(f.Agreements) + len(f.Pools) + len(f.Appointments)
		if best == nil || n > bestN {
			best, bestN = f, n
		}
	}
	at := policy.Date(20241231)
	if best.AsOf != "" {
		d, _ := facts.ParseDate(best.AsOf)
		at = policy.Date(d.Year()*10000 + int(d.Month())*100 + d.Day())
	}
	return best, at
}

// TestDecideAllocatesNothing pins the compiled evaluator's hot path: after
// the first subject, deciding every clause allocates nothing.
func TestDecideAllocatesNothing(t *testing.T) {
	eng := loadLibrary(t)
	f, at := richSubject(t)
	ev := eng.NewEvaluator()
	fy := int64(at.Year())
	ev.Decide(f, at, fy)
	if n := testing.AllocsPerRun(200, func() { ev.Decide(f, at, fy) }); n != 0 {
		t.Errorf("Decide allocates %.1f times per subject, want 0", n)
	}
}

// BenchmarkDecide: one subject × every clause of the library.
func BenchmarkDecide(b *testing.B) {
	eng := loadLibrary(b)
	f, at := richSubject(b)
	ev := eng.NewEvaluator()
	fy := int64(at.Year())
	b.ReportAllocs()
	for b.Loop() {
		ev.Decide(f, at, fy)
	}
	b.ReportMetric(float64(len(eng.Clauses)), "clauses")
}

// BenchmarkEvaluate: the full report with explanations and near misses.
func BenchmarkEvaluate(b *testing.B) {
	eng := loadLibrary(b)
	f, at := richSubject(b)
	ev := eng.NewEvaluator()
	fy := int64(at.Year())
	b.ReportAllocs()
	for b.Loop() {
		ev.Evaluate(f, at, fy)
	}
}

// BenchmarkCELConditions: the same subject's conditions through the cel-go
// interpreter (the reference), for comparison with BenchmarkDecide.
func BenchmarkCELConditions(b *testing.B) {
	eng := loadLibrary(b)
	f, at := richSubject(b)
	fy := int64(at.Year())
	f.Prepare(fy)
	vars := map[string]any{"subject": &f.Subject, "fy": fy,
		"recognitions": f.Recognitions, "awards": f.Awards, "ip": f.IP, "contests": f.Contests,
		"agreements": f.Agreements, "projects": f.Projects, "appointments": f.Appointments, "pools": f.Pools}
	if a := f.AnnualOf(fy); a != nil {
		vars["cur"] = a
	} else {
		vars["cur"] = &facts.Annual{}
	}
	if a := f.AnnualOf(fy - 1); a != nil {
		vars["last"] = a
	} else {
		vars["last"] = &facts.Annual{}
	}
	items := map[string][]any{} // built outside the timed loop: CEL is not charged for it
	for _, l := range listVars {
		lv := listValue(f, l.name)
		for i := range lv.Len() {
			items[l.name] = append(items[l.name], lv.Index(i).Addr().Interface())
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range eng.Clauses {
			if !c.hasWhen {
				continue
			}
			if c.list == nil {
				c.ref.Eval(vars)
				continue
			}
			for _, it := range items[c.list.name] {
				vars["item"] = it
				c.ref.Eval(vars)
			}
		}
	}
}

// listValue is the facts list named list, for the CEL benchmark's activation.
func listValue(f *facts.Facts, list string) reflect.Value {
	return reflect.ValueOf(f).Elem().FieldByIndex(listField(list))
}
