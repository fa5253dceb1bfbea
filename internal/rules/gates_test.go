package rules

import (
	"testing"

	"kechuang/internal/facts"
)

// TestGatesFor: 肥乡 十（二） stops a 肥乡 enterprise whose 上年度研发投入强度
// is below 1% from applying for a city-level project — exactly 1% passes
// (低于 excludes the number) — never a district one, nor an enterprise of
// another region; without the year's figures it needs facts.
func TestGatesFor(t *testing.T) {
	eng := loadLibrary(t)
	subject := func(region, annual string) *facts.Facts {
		t.Helper()
		f, err := facts.DecodeBytes([]byte(`{"subject": {"id": "e1", "kind": "enterprise", "region": "`+region+`"}, "annual": [`+annual+`]}`), "t")
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	tests := []struct {
		name, region, annual, level string
		want                        string // the 肥乡 gate's outcome, "" for not applying
	}{
		{"0.99%", "130407", `{"year": 2024, "revenue": 100000000, "rd_expense": 990000}`, "city", "blocked"},
		{"exactly 1%", "130407", `{"year": 2024, "revenue": 100000000, "rd_expense": 1000000}`, "city", "not_blocked"},
		{"province level", "130407", `{"year": 2024, "revenue": 100000000, "rd_expense": 990000}`, "province", "blocked"},
		{"district level", "130407", `{"year": 2024, "revenue": 100000000, "rd_expense": 990000}`, "district", ""},
		{"no figures", "130407", ``, "city", "needs_facts"},
		{"another region", "620602", `{"year": 2024, "revenue": 100000000, "rd_expense": 990000}`, "city", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			for _, g := range eng.NewEvaluator().GatesFor(subject(tt.region, tt.annual), tt.level, 2025) {
				if g.Gate.ID == "fx-gate-rd-intensity" {
					got = g.Outcome
					if len(g.Reasons) == 0 {
						t.Error("no reasons")
					}
				}
			}
			if got != tt.want {
				t.Errorf("gate %q, want %q", got, tt.want)
			}
		})
	}
}
