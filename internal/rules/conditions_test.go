package rules_test

import (
	"testing"

	"kechuang/internal/demo"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// TestConditionsAgreeWithCEL: over a demo population, every applicable
// clause's condition evaluated by the compiled closures agrees with the
// cel-go interpreter (unknown facts as CEL unknowns) — the check the
// population benchmark makes before timing either.
func TestConditionsAgreeWithCEL(t *testing.T) {
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
	ev := eng.NewEvaluator()
	got, want := make([]rules.Truth, len(eng.Clauses)), make([]rules.Truth, len(eng.Clauses))
	compared, met := 0, 0
	for _, d := range docs {
		f, err := facts.DecodeBytes(d, "")
		if err != nil {
			t.Fatal(err)
		}
		at, _ := policy.ParseDate(f.AsOf)
		ev.Conditions(f, at, int64(at.Year()), false, got)
		ev.Conditions(f, at, int64(at.Year()), true, want)
		for i, c := range eng.Clauses {
			if got[i] != want[i] {
				t.Fatalf("subject %s, clause %s: compiled %d, cel-go %d", f.Subject.ID, c.ID, got[i], want[i])
			}
			if got[i] != rules.TruthNotApplicable {
				compared++
			}
			if got[i] == rules.TruthTrue {
				met++
			}
		}
	}
	if compared < n || met == 0 {
		t.Fatalf("compared %d conditions, %d met: the test proves little", compared, met)
	}
	t.Logf("%d subjects, %d conditions compared, %d met", n, compared, met)
}
