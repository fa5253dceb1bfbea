package score

import (
	"math/big"
	"strings"
	"testing"

	"kechuang/internal/errs"
)

const goodYAML = `id: test-set
name: 测试指标体系
note: 地方配置：测试
indicators:
  - id: rd-expense
    name: 研发费用
    group: 技术创新
    expr: last.rd_expense
    weight: 15
    norm: percentile
  - id: rd-intensity
    name: 研发投入强度
    group: 技术创新
    expr: last.rd_intensity
    weight: 10
    norm: standard
    standard: 5%
    cap: 12
`

func TestLoad(t *testing.T) {
	s, err := Load([]byte(goodYAML), "set.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Indicators) != 2 || s.Indicators[1].Standard.Cmp(big.NewRat(1, 20)) != 0 || s.Indicators[1].Cap != 12 || s.Indicators[0].Direction != "" {
		t.Errorf("loaded %+v", s.Indicators)
	}
	for _, tt := range []struct{ in, want string }{
		{"3", "3"}, {"0.05", "1/20"}, {"5%", "1/20"}, {"12.5％", "1/8"}, {"500万元", "500000000"}, {"1.5万", "1500000"},
	} {
		y := strings.Replace(goodYAML, "standard: 5%", "standard: "+tt.in, 1)
		s, err := Load([]byte(y), "set.yaml")
		if err != nil {
			t.Errorf("standard %s: %v", tt.in, err)
			continue
		}
		if got := s.Indicators[1].Standard.RatString(); got != tt.want {
			t.Errorf("standard %s = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestLoadErrors: every error names file:line:col and the field path.
func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"weight not a number", "weight: 15", "weight: many", "set.yaml:9:13: indicators[0].weight: weight must be a whole number of points"},
		{"negative weight", "weight: 15", "weight: -2", "set.yaml:9:13: indicators[0].weight: weight -2"},
		{"missing weight", "    weight: 15\n", "", "set.yaml:5:5: indicators[0].weight: indicator \"rd-expense\" needs a weight"},
		{"unknown key", "    norm: percentile\n", "    norm: percentile\n    wieght: 3\n", "set.yaml:11:5: indicators[0].wieght: unknown key \"wieght\""},
		{"duplicate key", "    norm: percentile\n", "    norm: percentile\n    norm: minmax\n", "set.yaml:11:5: indicators[0].norm: key \"norm\" appears twice"},
		{"bad norm", "norm: percentile", "norm: zscore", "set.yaml:10:11: indicators[0].norm: norm \"zscore\""},
		{"bad direction", "norm: percentile", "norm: percentile\n    direction: up", "set.yaml:11:16: indicators[0].direction: direction \"up\""},
		{"bad standard", "standard: 5%", "standard: 5e9", "set.yaml:17:15: indicators[1].standard: standard value of indicator \"rd-intensity\": \"5e9\" is not a number"},
		{"zero standard", "standard: 5%", "standard: 0", "set.yaml:17:15: indicators[1].standard: indicator \"rd-intensity\" has norm standard and needs a positive standard value"},
		{"missing standard", "    standard: 5%\n", "", "set.yaml:11:5: indicators[1].standard: indicator \"rd-intensity\" has norm standard"},
		{"standard on percentile", "norm: percentile", "norm: percentile\n    standard: 3", "indicators[0].standard: indicator \"rd-expense\" has a standard value but norm percentile"},
		{"lower standard", "    standard: 5%\n", "    standard: 5%\n    direction: lower\n", "set.yaml:18:16: indicators[1].direction"},
		{"cap above weight", "norm: percentile", "norm: percentile\n    cap: 20", "set.yaml:11:10: indicators[0].cap: cap 20 of indicator \"rd-expense\" is above its weight 15"},
		{"zero cap", "cap: 12", "cap: 0", "set.yaml:18:10: indicators[1].cap: cap must be at least 1"},
		{"duplicate id", "id: rd-intensity", "id: rd-expense", "set.yaml:11:9: indicators[1].id: indicator id \"rd-expense\" is used twice"},
		{"bad id", "id: rd-expense", "id: RD Expense", "set.yaml:5:9: indicators[0].id: indicator id \"RD Expense\""},
		{"no name", "    name: 研发费用\n", "", "indicators[0].name: indicator \"rd-expense\" needs a name"},
		{"no group", "    group: 技术创新\n    expr: last.rd_expense", "    expr: last.rd_expense", "indicators[0].group"},
		{"no expr", "    expr: last.rd_expense\n", "", "indicators[0].expr: indicator \"rd-expense\" needs an expression"},
		{"expr not text", "expr: last.rd_expense", "expr: [a, b]", "set.yaml:8:11: indicators[0].expr: expr must be text, not a list"},
		{"no note", "note: 地方配置：测试\n", "", "set.yaml:1:1: note: the indicator set needs a note"},
		{"bad set id", "id: test-set", "id: X", "set.yaml:1:5: id: the indicator set id \"X\""},
		{"indicators not a list", "indicators:\n", "indicators: 3\nother:\n", "set.yaml:4:13: indicators: indicators must be a list"},
		{"indicator not a mapping", "  - id: rd-expense\n", "  - 7\n  - id: rd-expense\n", "set.yaml:5:5: indicators[0]: an indicator must be a mapping"},
		{"not YAML", "name: 测试指标体系", "name: [unclosed", "set.yaml:1: not valid YAML"}, // yaml.v3 reports an unclosed flow sequence a line early
		{"bad indentation", "note: 地方配置：测试", "note: 地方配置：测试\n  x: 1", "set.yaml:4: not valid YAML"},
		{"two documents", "note: 地方配置：测试\n", "note: 地方配置：测试\n---\nid: again\n", "one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(goodYAML, tt.old) {
				t.Fatalf("%q is not in the base file", tt.old)
			}
			_, err := Load([]byte(strings.Replace(goodYAML, tt.old, tt.new, 1)), "set.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error\n%v\nwant one containing\n%s", err, tt.want)
			}
			if errs.KindOf(err) != errs.Invalid {
				t.Errorf("kind %v, want invalid", errs.KindOf(err))
			}
		})
	}
	if _, err := Load(nil, "empty.yaml"); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty file: %v", err)
	}
}

// TestDefaultSet: the shipped set is labelled a local configuration, loads,
// compiles against the real facts environment and scores real facts.
func TestDefaultSet(t *testing.T) {
	s := DefaultSet()
	if !strings.Contains(s.Note, "地方配置") || !strings.Contains(s.Note, "非政策文件规定") {
		t.Errorf("the default set's note %q does not say it is a local configuration", s.Note)
	}
	if w := s.TotalWeight(); w != 100 {
		t.Errorf("default weights sum to %d, want 100", w)
	}
	if g := strings.Join(s.Groups(), ","); g != "技术创新,成长经营,获得支持" {
		t.Errorf("groups %s", g)
	}
	c, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	subjects := mustFacts(t,
		`{"subject": {"id": "hte", "kind": "enterprise", "name": "甲", "region": "620602", "industry": "C26"},
		  "annual": [{"year": 2023, "revenue": "8000万元"},
		             {"year": 2024, "revenue": "1亿元", "rd_expense": "600万元", "employees": 200, "rd_staff": 40, "tech_contracts": "300万元", "equity_raised": 0}],
		  "recognitions": [{"id": "r1", "kind": "high_tech_enterprise", "level": "national", "event": "new", "date": "2024-11-20"}],
		  "ip": [{"id": "p1", "kind": "invention_patent", "date": "2022-05-01"},
		         {"id": "p2", "kind": "utility_model", "date": "2023-05-01"},
		         {"id": "p3", "kind": "invention_patent", "date": "2026-01-01"}],
		  "projects": [{"id": "j1", "kind": "sti_plan", "level": "province", "date": "2025-03-01"}],
		  "awards": [{"id": "w1", "kind": "provincial_sti_award", "level": "province", "grade": 2, "date": "2025-06-01"}]}`,
		`{"subject": {"id": "small", "kind": "enterprise", "name": "乙", "region": "620602", "industry": "C26"},
		  "annual": [{"year": 2024, "revenue": "500万元", "rd_expense": "10万元", "employees": 0, "rd_staff": 0}]}`,
	)
	m, err := c.Collect(subjects, 2025, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Score(Cohort{ID: "liangzhou", Region: "620602"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := byID(r)
	hte := got["hte"]
	if hte.Rank != 1 || len(hte.Missing) != 0 {
		t.Errorf("hte: rank %d, missing %v", hte.Rank, hte.Missing)
	}
	raw := map[string]string{}
	for _, it := range hte.Items {
		raw[it.Indicator] = it.Raw.String()
	}
	for id, want := range map[string]string{
		"rd-expense": "600000000", "rd-intensity": "0.06", "rd-staff-share": "0.2", "invention-patents": "1", "class2-ip": "1",
		"high-tech": "是", "revenue-growth": "0.25", "recognitions": "1", "projects": "1", "awards": "1",
	} {
		if raw[id] != want {
			t.Errorf("hte %s = %s, want %s", id, raw[id], want)
		}
	}
	// small has no figures for 2023 (revenue growth) nor tech contracts and
	// equity raised; it still has a score.
	small := got["small"]
	if want := []string{"revenue-growth", "tech-contracts", "equity-raised"}; strings.Join(small.Missing, ",") != strings.Join(want, ",") {
		t.Errorf("small: missing %v, want %v", small.Missing, want)
	}
	for _, res := range r.Results {
		for _, it := range res.Items {
			if it.Raw.Status == Failed {
				t.Errorf("%s %s failed: %s", res.Subject.ID, it.Indicator, it.Raw.Reason)
			}
		}
	}
	// DefaultSet returns a copy: changing it leaves the next one alone.
	s.Indicators[0].Weight = 99
	if DefaultSet().Indicators[0].Weight == 99 {
		t.Error("DefaultSet shares its indicators")
	}
	if !strings.Contains(string(DefaultYAML()), "LOCAL CONFIGURATION") {
		t.Error("default.yaml does not say it is a local configuration")
	}
}

// TestDefaultNoDivisionByZero: revenue growth over a zero base is a failed
// value, listed as missing, not +Inf points.
func TestDefaultNoDivisionByZero(t *testing.T) {
	c, err := Compile(DefaultSet())
	if err != nil {
		t.Fatal(err)
	}
	f := mustFacts(t, `{"subject": {"id": "new", "kind": "enterprise", "region": "620602"},
	  "annual": [{"year": 2023, "revenue": 0}, {"year": 2024, "revenue": "100万元", "rd_expense": 0}]}`)
	m, err := c.Collect(f, 2025, "")
	if err != nil {
		t.Fatal(err)
	}
	j := -1
	for i, in := range m.Set.Indicators {
		if in.ID == "revenue-growth" {
			j = i
		}
	}
	if v := m.Values[0][j]; v.Status != Failed {
		t.Errorf("revenue growth over zero: %+v, want failed", v)
	}
}
