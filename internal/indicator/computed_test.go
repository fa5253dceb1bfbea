package indicator

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"kechuang/internal/demo"
	"kechuang/internal/facts"
	"kechuang/internal/rules/rulestest"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// direct counts, written without the engine: what each computed indicator
// means, read off the facts by hand.
func directHTE(subjects []*facts.Facts, prefix string, year int) int {
	end := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	n := 0
	for _, f := range subjects {
		if !strings.HasPrefix(f.Subject.Region, prefix) {
			continue
		}
		for _, r := range f.Recognitions {
			d, err := time.Parse("2006-01-02", r.Date)
			if r.Kind != "high_tech_enterprise" || r.Source == "assessed" || err != nil || d.After(end) {
				continue
			}
			until := d.AddDate(3, 0, -1) // 有效期三年
			if r.ValidUntil != "" {
				until, _ = time.Parse("2006-01-02", r.ValidUntil)
			}
			if !until.Before(end) {
				n++
				break
			}
		}
	}
	return n
}

func directSME(subjects []*facts.Facts, prefix string, year int) int {
	n := 0
	for _, f := range subjects {
		if !strings.HasPrefix(f.Subject.Region, prefix) {
			continue
		}
		for _, r := range f.Recognitions {
			if r.Kind == "sme_tech" && r.Source != "assessed" && strings.HasPrefix(r.Date, strconv.Itoa(year)+"-") {
				n++
				break
			}
		}
	}
	return n
}

// TestComputedMatchesDirectCount: on 3,000 demo subjects, each computed
// count equals a count made directly from the facts, for every
// jurisdiction of the five documents and several years.
func TestComputedMatchesDirectCount(t *testing.T) {
	eng := rulestest.Library(t)
	subjects, err := demo.Subjects(eng, 3000, 2)
	if err != nil {
		t.Fatal(err)
	}
	reg, _ := LoadRegistry()
	hte, _ := reg.ByID("hte_count")
	sme, _ := reg.ByID("sme_tech_count")
	nonzero := 0
	for _, region := range []string{"620600", "620602", "370900", "371300", "130407"} {
		prefix := strings.TrimRight(region, "0")
		if len(prefix)%2 == 1 {
			prefix += "0"
		}
		for year := 2021; year <= 2025; year++ {
			c, err := Compute(eng, hte, subjects, region, year)
			if err != nil {
				t.Fatal(err)
			}
			if want := directHTE(subjects, prefix, year); c.Float() != float64(want) || len(c.Subjects) != want {
				t.Errorf("高企 %s %d: computed %v, direct %d", region, year, c.Value, want)
			}
			s, _ := Compute(eng, sme, subjects, region, year)
			if want := directSME(subjects, prefix, year); s.Float() != float64(want) {
				t.Errorf("科技型中小企业 %s %d: computed %v, direct %d", region, year, s.Value, want)
			}
			if c.Float() > 0 {
				nonzero++
			}
		}
	}
	if nonzero < 5 {
		t.Errorf("only %d non-zero 高企 counts: the demo does not exercise the computation", nonzero)
	}
}

// TestComputedFollowsTheFacts: a new certificate stored as a new version
// of a subject's facts moves the count; technology contracts sum exactly
// into 亿元, leaving out and counting the subjects that reported none.
func TestComputedFollowsTheFacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		ctx := context.Background()
		eng := rulestest.Library(t)
		reg, _ := LoadRegistry()
		hte, _ := reg.ByID("hte_count")
		tc, _ := reg.ByID("tech_contract_value")
		put := func(doc string) {
			if _, err := db.PutFacts(ctx, []byte(doc), store.Entry{Source: "import", By: "test"}); err != nil {
				t.Fatal(err)
			}
		}
		load := func() []*facts.Facts {
			var out []*facts.Facts
			if err := db.EachFacts(ctx, store.Filter{Region: "6206"}, func(f *facts.Facts) error { out = append(out, f); return nil }); err != nil {
				t.Fatal(err)
			}
			return out
		}
		put(`{"subject": {"id": "a", "kind": "enterprise", "region": "620602"}, "annual": [{"year": 2024, "tech_contracts": "1.2亿元"}]}`)
		put(`{"subject": {"id": "b", "kind": "enterprise", "region": "620621"}, "annual": [{"year": 2024, "tech_contracts": "3500万元"}]}`)
		put(`{"subject": {"id": "c", "kind": "enterprise", "region": "620622"}, "annual": [{"year": 2024, "revenue": "1亿元"}]}`)
		c, _ := Compute(eng, hte, load(), "620600", 2024)
		if c.Float() != 0 {
			t.Fatalf("高企 before any certificate: %v", c.Value)
		}
		put(`{"subject": {"id": "b", "kind": "enterprise", "region": "620621"}, "annual": [{"year": 2024, "tech_contracts": "3500万元"}],
		  "recognitions": [{"id": "r1", "kind": "high_tech_enterprise", "level": "national", "event": "new", "date": "2024-11-20", "source": "certificate"}]}`)
		if c, _ = Compute(eng, hte, load(), "620600", 2024); c.Float() != 1 || c.Subjects[0] != "b" {
			t.Errorf("高企 after b's certificate: %v %v", c.Value, c.Subjects)
		}
		if c, _ = Compute(eng, hte, load(), "620602", 2024); c.Float() != 0 {
			t.Errorf("凉州 counts 民勤's 高企: %v", c.Value)
		}
		v, err := Compute(eng, tc, load(), "620600", 2024)
		if err != nil || v.Value.RatString() != "31/20" || v.Unknown != 1 || len(v.Subjects) != 2 {
			t.Errorf("技术合同成交额: %v (%s) unknown %d subjects %v, %v; want 1.55亿元 with one subject unreported", v.Value, v.Value.FloatString(4), v.Unknown, v.Subjects, err)
		}
	})
}
