package policy

import (
	"errors"
	"strings"
	"testing"

	"kechuang/internal/errs"
	"kechuang/internal/money"
)

const testSource = "四、支持政策\n對新認定的高新技術企業給予20萬元一次性補助。\n对年度研发经费内部支出1亿元以上的,给予100万元;2000万元以上1亿元以下的,给予50万元。\n"

func parse(t *testing.T, yml string) (*File, error) {
	t.Helper()
	return Parse([]byte(yml), "p.yaml", func(string) (string, error) { return testSource, nil })
}

const header = `document:
  id: t-doc
  title: 测试文件
  issuer: 测试市人民政府
  jurisdiction: "620600"
  published: 2022-09-15
  valid_from: 2022-09-15
  source: s.txt
`

func clauseYAML(extra string) string {
	return header + `clauses:
  - id: t-hte
    title: 新认定高企
    citation: {section: 四（二）7, quote: 对新认定的高新技术企业给予20万元一次性补助}
    beneficiary: [enterprise]
    level: city
    payer: 市级财政
` + extra
}

const okTests = `    tests:
      - name: x
        at: 2024-12-31
        facts: {subject: {id: a, kind: enterprise, region: "620602"}}
        want: {outcome: entitled, amount: 20万元}
`

func firstErr(t *testing.T, err error) *errs.Error {
	t.Helper()
	var l errs.List
	if errors.As(err, &l) && len(l) > 0 {
		return l[0]
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return e
	}
	t.Fatalf("want a positioned error, got %v", err)
	return nil
}

func TestParseOK(t *testing.T) {
	f, err := parse(t, clauseYAML("    amount: {fixed: 20万元}\n"+okTests))
	if err != nil {
		t.Fatal(err)
	}
	c := f.Clauses[0]
	if c.Amount.Fixed != 20*money.Wan || c.Budget != "this_year" || c.Kind != "payment" || len(c.Tests) != 1 {
		t.Errorf("clause = %+v", c)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name      string
		yml       string
		line, col int
		msg       string
	}{
		{"unknown key", clauseYAML("    amount: {fixed: 20万元}\n    amout: 1\n" + okTests), 17, 5, `unknown key "amout"`},
		{"no unit", clauseYAML("    amount: {fixed: 20}\n" + okTests), 16, 21, "has no unit"},
		{"two primitives", clauseYAML("    amount: {fixed: 20万元, range: [1万元, 2万元]}\n" + okTests), 16, 13, "exactly one"},
		{"quote", strings.Replace(clauseYAML("    amount: {fixed: 20万元}\n"+okTests), "给予20万元", "给予30万元", 1), 12, 39, "does not occur"},
		{"yaml syntax", header + "clauses: [\n", 9, 0, "not valid YAML"},
		{"ambiguous quote", strings.Replace(clauseYAML("    amount: {fixed: 20万元}\n"+okTests), "对新认定的高新技术企业给予20万元一次性补助}", "万元}", 1), 12, 39, "occurs 4 times"},
		{"bad date", strings.Replace(clauseYAML("    amount: {fixed: 20万元}\n"+okTests), "2024-12-31", "2024-13-31", 1), 19, 13, "not a date"},
		{"test facts", strings.Replace(clauseYAML("    amount: {fixed: 20万元}\n"+okTests), "kind: enterprise", "kind: firm", 1), 20, 16, "$.subject.kind"},
		{"rate without round", clauseYAML("    amount: {rate: {rate: 5%, of: last.revenue}}\n" + okTests), 16, 20, `required key "round"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.yml)
			if err == nil {
				t.Fatal("no error")
			}
			e := firstErr(t, err)
			if e.Pos.File != "p.yaml" || e.Pos.Line != tt.line || (tt.col > 0 && e.Pos.Col != tt.col) || !strings.Contains(e.Error(), tt.msg) {
				t.Errorf("got %q at %d:%d, want line %d col %d containing %q", e.Error(), e.Pos.Line, e.Pos.Col, tt.line, tt.col, tt.msg)
			}
		})
	}
}

func brackets(tiers, ties, gaps string) string {
	return clauseYAML(`    amount:
      brackets:
        of: last.rd_internal
        tiers:
` + tiers + ties + gaps + okTests)
}

func TestBracketChecks(t *testing.T) {
	hi := "          - {from: 1亿元, from_word: 以上, amount: 100万元}\n"
	mid := "          - {from: 2000万元, from_word: 以上, to: 1亿元, to_word: 以下, amount: 50万元}\n"
	midExcl := "          - {from: 2000万元, from_word: 以上, to: 1亿元, to_word: 不满, amount: 50万元}\n"
	tie := "        ties:\n          - {at: 1亿元, winner: upper, note: 就高}\n"
	gap := "        gaps:\n          - {from: 0元, to: 2000万元, note: 不补}\n"
	tests := []struct {
		name, yml, msg string
	}{
		{"undeclared tie (民法典: 以上 and 以下 both include)", brackets(hi+mid, "", gap), "falls in two tiers"},
		{"undeclared gap", brackets(hi+midExcl, "", ""), "no tier covers 0元 to 2,000万元"},
		{"overlap", brackets(hi+"          - {from: 2000万元, from_word: 以上, to: 2亿元, to_word: 以下, amount: 50万元}\n", "", gap), "tiers overlap"},
		{"unknown word", brackets("          - {from: 1亿元, from_word: 开外, amount: 100万元}\n", "", "        gaps:\n          - {from: 0元, to: 1亿元, note: x}\n"), "threshold word"},
		{"tie on nothing", brackets(hi+midExcl, tie, gap), "matches no bound"},
		{"top bounded", brackets("          - {from: 0元, from_word: 以上, to: 1亿元, to_word: 以下, amount: 1万元}\n", "", ""), "highest tier has an upper bound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.yml)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %v, want an error containing %q", err, tt.msg)
			}
		})
	}
	// Declared tie and gap: accepted, and the tie decides.
	f, err := parse(t, brackets(hi+mid, tie, gap))
	if err != nil {
		t.Fatal(err)
	}
	a := f.Clauses[0].Amount
	if !a.Tiers[0].FromIncl || !a.Tiers[0].ToIncl || a.Tiers[0].To == nil || *a.Tiers[0].To != money.Yi {
		t.Errorf("tiers not sorted or words not applied: %+v", a.Tiers[0])
	}
}

func TestThresholdWords(t *testing.T) {
	for w, want := range map[string]bool{"以上": true, "以下": true, "不低于": true, "不超过": true, "超过": false, "低于": false, "不满": false} {
		if got, ok := InclusiveWord(w); !ok || got != want {
			t.Errorf("InclusiveWord(%q) = %v, %v; want %v (民法典 第1259条)", w, got, ok, want)
		}
	}
}

func TestExprPositionInBlockScalar(t *testing.T) {
	yml := clauseYAML("    when: >-\n      subject.kind == 'enterprise' &&\n      last.revenu > 0\n    amount: {fixed: 20万元}\n" + okTests)
	f, err := parse(t, yml)
	if err != nil {
		t.Fatal(err)
	}
	w := f.Clauses[0].When
	off := strings.Index(w.Src, "last.revenu")
	p := w.At(len([]rune(w.Src[:off])))
	if p.Line != 18 || p.Col != 7 {
		t.Errorf("offset of last.revenu maps to %d:%d, want 18:7", p.Line, p.Col)
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		j, r string
		want bool
	}{
		{"620600", "620602", true}, {"620600", "620000", false}, {"130407", "130407", true},
		{"130407", "130408", false}, {"370900", "370902", true}, {"370000", "371302", true}, {"370900", "371302", false},
	}
	for _, tt := range tests {
		if got := Covers(tt.j, tt.r); got != tt.want {
			t.Errorf("Covers(%s, %s) = %v, want %v", tt.j, tt.r, got, tt.want)
		}
	}
}

// FuzzParse: no policy file makes the loader panic; errors are positioned.
func FuzzParse(f *testing.F) {
	f.Add([]byte(clauseYAML("    amount: {fixed: 20万元}\n" + okTests)))
	f.Add([]byte(brackets("          - {from: 1亿元, from_word: 以上, amount: 100万元}\n", "", "        gaps:\n          - {from: 0元, to: 1亿元, note: x}\n")))
	f.Add([]byte(header + "clauses: []\n"))
	f.Add([]byte("document: [\n"))
	f.Add([]byte(standardYAML("")))
	f.Add([]byte(standardYAML("    routes:\n      - {id: rt, title: 路, citation: {section: 四, quote: 给予50万元}, when: \"true\"}\n")))
	f.Add([]byte(clauseYAML("    amount: {staged: {of: item.level, previous_of: item.of, stages: [{key: city, cumulative: 10万元}]}}\n" + okTests)))
	f.Add([]byte(poolYAML())) // pools (pool_test.go)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Parse(data, "fuzz.yaml", func(string) (string, error) { return testSource, nil })
		if err == nil {
			return
		}
		var l errs.List
		var e *errs.Error
		if !errors.As(err, &l) && !errors.As(err, &e) {
			t.Fatalf("unpositioned error %T: %v", err, err)
		}
		if e != nil && e.Kind == errs.Internal {
			t.Fatalf("loader failed internally: %v", e)
		}
	})
}

// standardYAML is a small standard quoting testSource.
func standardYAML(extra string) string {
	return header + `standards:
  - id: t-std
    title: 测试标准
    status: high_tech_enterprise
    level: national
    beneficiary: [enterprise]
    citation: {section: 四, quote: 對新認定的高新技術企業給予20萬元一次性補助}
    requires:
      - id: big
        title: 研发经费1亿元以上
        citation: {section: 四, quote: 对年度研发经费内部支出1亿元以上的}
        when: cur.rd_internal >= yi(1)
` + extra + `    tests:
      - name: t
        at: 2024-12-31
        facts: {subject: {id: e, kind: enterprise, region: "620602"}}
        want: {outcome: needs_facts}
`
}

func TestParseStandards(t *testing.T) {
	for _, tt := range []struct {
		name, extra, wantErr string
	}{
		{"ok", "", ""},
		{"score", `    score:
      citation: {section: 四, quote: 给予50万元}
      at_least: 1
      groups:
        - id: gr
          title: 组
          max: 2
          items:
            - {id: it, title: 项, citation: {section: 四, quote: 给予100万元}, max: 2, bands: [{label: A, when: "true", points: [1, 2]}]}
`, ""},
		{"two pass rules", `    score:
      citation: {section: 四, quote: 给予50万元}
      at_least: 1
      above: 1
      groups: []
`, "exactly one pass rule"},
		{"items do not add up", `    score:
      citation: {section: 四, quote: 给予50万元}
      above: 1
      groups:
        - id: gr
          title: 组
          max: 5
          items:
            - {id: it, title: 项, citation: {section: 四, quote: 给予100万元}, max: 2, expert: x}
`, "add up to 2, not 5"},
		{"points above max", `    score:
      citation: {section: 四, quote: 给予50万元}
      above: 1
      groups:
        - id: gr
          title: 组
          max: 2
          items:
            - {id: it, title: 项, citation: {section: 四, quote: 给予100万元}, max: 2, bands: [{label: A, when: "true", points: 3}]}
`, "within 0…2"},
		{"quote not in source", `    routes:
      - {id: rt, title: 路, citation: {section: 四, quote: 不存在的句子}, when: "true"}
`, "does not occur"},
		{"route without when", `    routes:
      - {id: rt, title: 路, citation: {section: 四, quote: 给予50万元}, expert: x}
`, "needs a when"},
	} {
		_, err := parse(t, standardYAML(tt.extra))
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.wantErr)
		}
	}
}
