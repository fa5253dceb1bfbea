// Package demo generates a deterministic demonstration population (演示数据):
// plausible enterprises, institutes and people across the jurisdictions of
// the policy library, such that every clause has subjects who are entitled
// and subjects who just miss.
//
// The population is built from the library's own test cases, which sit on
// both sides of every clause's bounds: the first len(scenarios) subjects
// replay them exactly (so the coverage is guaranteed, not hoped for), later
// ones vary their figures. Each subject gets a name, a 统一社会信用代码 with a
// valid check character, an industry and a founding date, none of which any
// clause condition reads.
package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/region"
	"kechuang/internal/rules"
)

// Scenario is one test case of the library usable as a demo subject: its
// facts, evaluated at its date in the year of that date.
type Scenario struct {
	Clause string
	Want   string // the test's expected outcome
	At     policy.Date
	Facts  map[string]any
}

// Scenarios collects the clause tests that can stand as subjects, in
// library order, then the pools' tests (whole candidates for a pool, such
// as a 肥乡 enterprise one condition short of 高新技术企业; Clause names the
// pool as pool:<id>).
func Scenarios(eng *rules.Engine) []Scenario {
	var out []Scenario
	add := func(id string, t *policy.Test) {
		if t.FY != 0 && t.FY != t.At.Year() {
			return // evaluated in another fiscal year than its date's: a facts file cannot say so
		}
		var m map[string]any
		if json.Unmarshal(t.Facts, &m) != nil {
			return
		}
		out = append(out, Scenario{Clause: id, Want: t.Want.Outcome, At: t.At, Facts: m})
	}
	for _, c := range eng.Clauses {
		for _, t := range c.Tests {
			add(c.ID, t)
		}
	}
	for _, p := range eng.Pools {
		for _, t := range p.Tests {
			add(rules.PoolStandardID(p.ID), t)
		}
	}
	return out
}

// Generate returns n facts documents (JSON), the same for the same seed.
func Generate(eng *rules.Engine, n int, seed uint64) ([][]byte, error) {
	sc := Scenarios(eng)
	if len(sc) == 0 {
		return nil, fmt.Errorf("the policy library has no usable test cases to build subjects from")
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([][]byte, 0, n)
	for i := range n {
		s := sc[i%len(sc)]
		m := deepCopy(s.Facts).(map[string]any)
		if i >= len(sc) {
			vary(m, rng)
		}
		subj, _ := m["subject"].(map[string]any)
		if subj == nil {
			subj = map[string]any{}
			m["subject"] = subj
		}
		subj["id"] = fmt.Sprintf("demo-%06d", i+1)
		dress(subj, rng)
		sourced(m, i)
		m["as_of"] = s.At.String()
		m["schema"] = facts.SchemaVersion
		doc, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		if _, err := facts.DecodeBytes(doc, subj["id"].(string)); err != nil {
			return nil, fmt.Errorf("demo subject %d (from a test of %s) does not decode: %v", i+1, s.Clause, err)
		}
		out = append(out, doc)
	}
	return out, nil
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

// moneyFields are the annual and event amounts vary scales.
var moneyFields = []string{"revenue", "sales", "rd_expense", "rd_internal", "rd_super_deduction", "tech_contracts",
	"rd_domestic", "total_income", "ht_income", "main_revenue", "cost_expense", "assets", "liabilities", "equity_raised",
	"total", "granted", "equipment", "direct", "interest", "amount"}

// vary scales the money of a scenario by a factor between 0.800 and 1.250
// (integer per mille, rounded down to the fen), so later subjects spread
// around the bounds the tests sit on.
func vary(m map[string]any, rng *rand.Rand) {
	permille := int64(800 + rng.IntN(451))
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if slices.Contains(moneyFields, k) {
					if fen, ok := fenOf(e); ok {
						x[k] = fen * permille / 1000
						continue
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(m)
}

func fenOf(v any) (int64, bool) {
	switch x := v.(type) {
	case float64:
		return int64(x), true
	case string:
		if f, err := money.Parse(x); err == nil {
			return int64(f), true
		}
	}
	return 0, false
}

var (
	cities = map[string]string{"6206": "武威", "1304": "邯郸", "3709": "泰安", "3713": "临沂"}
	trades = []struct{ word, industry string }{
		{"精密机械", "C34"}, {"新材料", "C26"}, {"生物科技", "C27"}, {"电子科技", "C39"}, {"智能装备", "C35"},
		{"软件", "I65"}, {"农业科技", "A01"}, {"检测技术", "M74"}, {"新能源", "D44"}, {"食品", "C14"},
	}
	forms    = []string{"有限公司", "股份有限公司", "科技有限公司"}
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "孙", "马"}
	given    = []string{"伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超"}
)

// dress gives a subject a name, a 统一社会信用代码 and, for an enterprise, an
// industry and a founding date, unless its scenario set them.
func dress(s map[string]any, rng *rand.Rand) {
	region, _ := s["region"].(string)
	kind, _ := s["kind"].(string)
	// A county's subjects mostly carry its name (凉州区 → 凉州…), the rest the city's.
	place := "武威"
	for prefix, city := range cities {
		if strings.HasPrefix(region, prefix) {
			place = city
		}
	}
	if county := shortName(region); county != "" && rng.IntN(4) != 0 {
		place = county
	}
	t := trades[rng.IntN(len(trades))]
	if _, ok := s["name"]; !ok {
		switch kind {
		case "person":
			s["name"] = surnames[rng.IntN(len(surnames))] + given[rng.IntN(len(given))] + given[rng.IntN(len(given))]
		case "enterprise":
			form := forms[rng.IntN(len(forms))]
			if strings.HasSuffix(t.word, "科技") || strings.HasSuffix(t.word, "技术") {
				form = strings.TrimPrefix(form, "科技") // 生物科技有限公司, not 生物科技科技有限公司
			}
			s["name"] = place + t.word + form
		default:
			s["name"] = place + t.word + "研究院"
		}
	}
	if kind == "person" {
		return
	}
	if _, ok := s["uscc"]; !ok && len(region) == 6 {
		s["uscc"] = uscc(region, rng)
	}
	if kind != "enterprise" {
		return
	}
	if _, ok := s["industry"]; !ok {
		s["industry"] = t.industry
	}
	if _, ok := s["established"]; !ok {
		s["established"] = fmt.Sprintf("%04d-%02d-%02d", 2005+rng.IntN(17), 1+rng.IntN(12), 1+rng.IntN(28))
	}
}

// itemSource is where each list's records come from in the demo: the
// authority that issues them.
var itemSource = map[string]string{
	"recognitions": "certificate", "awards": "sti", "ip": "certificate", "contests": "sti",
	"agreements": "sti", "projects": "sti", "appointments": "sti", "pools": "sti", "incidents": "market",
}

// sourced records where a subject's facts came from, where its scenario did
// not say: the register (市场监管) for the subject, the tax bureau for its
// annual figures — except every fifth subject's, which are self-declared
// (企业自报), so that the demo has 免申即享 proposals and applications both —
// and the issuing authority for each record. No clause reads a source, so
// no outcome changes; fulfilment reads them (免申即享 needs authoritative data).
func sourced(m map[string]any, i int) {
	if subj, ok := m["subject"].(map[string]any); ok && subj["source"] == nil {
		subj["source"] = "market"
	}
	annual := "tax"
	if i%5 == 4 {
		annual = "self"
	}
	for list, src := range itemSource {
		items, _ := m[list].([]any)
		for _, it := range items {
			if r, ok := it.(map[string]any); ok && r["source"] == nil {
				r["source"] = src
			}
		}
	}
	years, _ := m["annual"].([]any)
	for _, y := range years {
		if r, ok := y.(map[string]any); ok && r["source"] == nil {
			r["source"] = annual
		}
	}
}

// shortName is a county's name as firms use it: 凉州区 → 凉州, 天祝藏族自治县 → 天祝;
// "" for a city or province code.
func shortName(code string) string {
	if len(code) != 6 || strings.HasSuffix(code, "00") {
		return ""
	}
	n := region.Name(code)
	for _, suffix := range []string{"藏族自治县", "自治县", "区", "县", "市"} {
		if strings.HasSuffix(n, suffix) && len([]rune(n)) > len([]rune(suffix))+1 {
			return strings.TrimSuffix(n, suffix)
		}
	}
	return n
}

// uscc makes a 统一社会信用代码 for an enterprise (登记管理部门 9, 类别 1) in
// region, with a valid check character.
func uscc(region string, rng *rand.Rand) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	b := []byte("91" + region)
	for len(b) < 17 {
		b = append(b, alphabet[rng.IntN(len(alphabet))])
	}
	c, _ := facts.USCCCheckChar(string(b))
	return string(append(b, c))
}

// Subjects is Generate's population decoded, for tests and benchmarks that
// evaluate it in memory.
func Subjects(eng *rules.Engine, n int, seed uint64) ([]*facts.Facts, error) {
	docs, err := Generate(eng, n, seed)
	if err != nil {
		return nil, err
	}
	out := make([]*facts.Facts, len(docs))
	for i, d := range docs {
		if out[i], err = facts.DecodeBytes(d, fmt.Sprintf("demo subject %d", i+1)); err != nil {
			return nil, err
		}
	}
	return out, nil
}
