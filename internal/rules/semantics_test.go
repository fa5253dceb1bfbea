package rules

import (
	"strings"
	"testing"

	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

func semantics(t *testing.T) *Engine {
	t.Helper()
	f, err := policy.LoadFile("testdata/semantics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile([]*policy.File{f})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestSemantics runs the synthetic policy's tests: ties and gaps decided by
// 民法典 第1259条 words, progressive brackets, discretionary intervals with
// caps, staged top-ups, recurring and per-unit amounts, matching, windows,
// gates, exclusion of a second payment for one event, and jurisdiction.
func TestSemantics(t *testing.T) {
	eng := semantics(t)
	fails, n := eng.RunTests()
	if n < 20 {
		t.Fatalf("only %d tests ran", n)
	}
	for _, f := range append(fails, eng.UntestedBoundaries()...) {
		t.Error(f)
	}
}

func TestReportExplainsAndTotals(t *testing.T) {
	eng := semantics(t)
	f, err := facts.DecodeBytes([]byte(`{"subject": {"id": "a", "name": "测试公司", "kind": "enterprise", "region": "620602", "above_scale": true},
	  "annual": [{"year": 2023, "revenue": "1000万元", "rd_expense": "8万元", "rd_internal": "1200万元"}],
	  "projects": [{"id": "p", "kind": "challenge", "level": "city", "total": "400万元", "date": "2024-01-01"}],
	  "recognitions": [{"id": "r", "kind": "high_tech_enterprise", "level": "national", "event": "new", "date": "2024-03-01"},
	                   {"id": "c", "kind": "innovation_consortium", "level": "city", "event": "new", "date": "2024-02-01"}]}`), "t.json")
	if err != nil {
		t.Fatal(err)
	}
	r := eng.NewEvaluator().Evaluate(f, 20240630, 2024)
	byID := map[string]ClauseResult{}
	for _, c := range r.Clauses {
		byID[c.Clause] = c
	}
	ch := byID["sem-challenge"]
	if ch.Outcome != Blocked || ch.Gate == nil || len(ch.NearMisses) != 1 {
		t.Fatalf("sem-challenge = %+v, want blocked with one near miss", ch)
	}
	// 0.8% of 1000万元: 2万元 more R&D reaches 1%.
	if nm := ch.NearMisses[0]; nm.Gap != "2万元" || !strings.Contains(nm.Text, "再投入研发费用2万元") {
		t.Errorf("near miss = %+v, want a gap of 2万元", nm)
	}
	if c := byID["sem-new"]; c.Outcome != Entitled || c.BudgetYear != 2025 || !strings.Contains(c.Explanation, "列入2025年（次年）预算") {
		t.Errorf("sem-new = %+v", c)
	}
	if c := byID["sem-new-dup"]; c.Outcome != Excluded || c.ExcludedBy != "sem-new" {
		t.Errorf("sem-new-dup = %+v, want excluded by sem-new", c)
	}
	if c := byID["sem-rd"]; c.Outcome != Entitled || c.Amount.Text != "10万元" || !strings.Contains(c.Explanation, "落在「500万元以上2,000万元以下」档") {
		t.Errorf("sem-rd = %+v", c)
	}
	rec := byID["sem-recurring"]
	if len(rec.Schedule) != 3 || rec.Schedule[2].Year != 2026 || rec.Schedule[0].Amount.Text != "不低于50万元" {
		t.Errorf("recurring schedule = %+v", rec.Schedule)
	}
	// Totals per payer and budget year: 2024 holds the R&D tier and the
	// first instalment; 2025 the 高企 award (next year's budget) and the second.
	want := map[int64]money.Interval{
		2024: {Min: 10*money.Wan + 50*money.Wan, Max: 10*money.Wan + 50*money.Wan, Open: true},
		2025: {Min: 20*money.Wan + 50*money.Wan, Max: 20*money.Wan + 50*money.Wan, Open: true},
		2026: {Min: 50 * money.Wan, Max: 50 * money.Wan, Open: true},
	}
	if len(r.Totals) != 3 {
		t.Fatalf("totals = %+v", r.Totals)
	}
	for _, tot := range r.Totals {
		w := want[tot.BudgetYear]
		if tot.Amount.MinFen != int64(w.Min) || tot.Amount.Open != w.Open {
			t.Errorf("total %d = %+v, want %v", tot.BudgetYear, tot.Amount, w)
		}
	}
}

// Explaining every clause of the synthetic policy for subjects with and
// without the lists it loops over must not fail (a nil list behind an
// exists() variable once crashed the explanation).
func TestExplainNeverPanics(t *testing.T) {
	eng := semantics(t)
	for _, js := range []string{
		`{"subject": {"id": "a", "kind": "enterprise", "region": "620602"}}`,
		`{"subject": {"id": "a", "kind": "enterprise", "region": "620602"}, "ip": [{"id": "g", "kind": "invention_patent", "date": "2024-01-01"}], "awards": [{"id": "w", "kind": "other", "level": "city", "date": "2020-01-01"}]}`,
	} {
		f, err := facts.DecodeBytes([]byte(js), "t.json")
		if err != nil {
			t.Fatal(err)
		}
		r := eng.NewEvaluator().Evaluate(f, 20240630, 2024)
		if len(r.Clauses) == 0 {
			t.Fatal("no clauses reported")
		}
	}
}
