package rules

import (
	"strings"
	"testing"

	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

// TestLibraryPools: the library holds each pool of the five documents, in
// the document that sets it up, every criterion either quoting its source
// (checked by the loader) or saying who set it, every admitting pool with
// tests on both sides; the 肥乡 高企培育库 triggers the 3万元 clause.
func TestLibraryPools(t *testing.T) {
	eng := loadLibrary(t)
	want := map[string]string{
		"fx_sme_pool": "feixiang-2023", "fx_hte_pool": "feixiang-2023", "fx_leading_pool": "feixiang-2023",
		"fx_platform_pool": "feixiang-2023", "fx_incubator_pool": "feixiang-2023",
		"ww_hte_pool": "wuwei-2022", "ta_future_pool": "taian-2024", "ly_hte_pool": "linyi-2021",
	}
	if len(eng.Pools) != len(want) {
		t.Errorf("the library has %d pools, want %d", len(eng.Pools), len(want))
	}
	for _, p := range eng.Pools {
		doc, ok := want[p.ID]
		if !ok || p.Doc.ID != doc {
			t.Errorf("pool %s in %s, want it in %q", p.ID, p.Doc.ID, doc)
		}
		if _, ok := facts.TermOf("pool", p.ID); !ok {
			t.Errorf("pool %s is not in the facts vocabulary", p.ID)
		}
		if p.Citation.Quote == "" || len(p.Steps) == 0 || len(p.Graduate) == 0 {
			t.Errorf("pool %s lacks its citation, steps or graduation rule", p.ID)
		}
		for _, c := range append(append(p.Criteria, p.Graduate...), p.Remove...) {
			if (c.Citation.Quote == "") == (c.Local == "") {
				t.Errorf("pool %s criterion %s: quote %q, local %q — exactly one is needed", p.ID, c.ID, c.Citation.Quote, c.Local)
			}
		}
		outcomes := map[string]bool{}
		for _, tc := range p.Tests {
			outcomes[tc.Want.Outcome] = true
		}
		if !outcomes["admissible"] || !(outcomes["not_admissible"] || outcomes["needs_review"]) {
			t.Errorf("pool %s: tests cover %v; want an admissible subject and one that is not", p.ID, outcomes)
		}
	}
	p, _ := eng.PoolByID("fx_hte_pool")
	c, ok := eng.ClauseByID(p.Clause)
	if !ok || c.ForEach != "pools" || c.Amount.Kind != "fixed" || c.Amount.Fixed != money.Fen(3_000_000) {
		t.Errorf("fx_hte_pool triggers %q: %+v", p.Clause, c)
	}
}

// TestPoolDistanceBoundary: 肥乡's 高企培育库 admits a subject failing at
// most two of the 高新技术企业 standard's conditions (within: 2) — two is
// in, three is out — and one whose standard reads an unknown fact waits
// for the facts.
func TestPoolDistanceBoundary(t *testing.T) {
	eng := loadLibrary(t)
	p, _ := eng.PoolByID("fx_hte_pool")
	base := `{"subject": {"id": "e1", "kind": "enterprise", "region": "130407", "established": "2018-03-01", "resident": true},
	 "annual": [
	  {"year": 2022, "sales": "3000万元", "rd_expense": "60万元", "rd_domestic": "60万元", "assets": "5000万元", "liabilities": "2000万元", "conversions": 2},
	  {"year": 2023, "sales": "3600万元", "rd_expense": "70万元", "rd_domestic": "70万元", "assets": "6000万元", "liabilities": "2200万元", "conversions": 2},
	  {"year": 2024, "sales": "4000万元", "rd_expense": "80万元", "rd_domestic": "80万元", "employees": 100, "st_staff": ST,
	   "total_income": "4100万元", "ht_income": "HT", "assets": "7000万元", "liabilities": "2400万元", "conversions": 2}],
	 "ip": [{"id": "p1", "kind": "invention_patent", "date": "2021-05-01", "acquired": "own"}], "recognitions": [], "incidents": []}`
	ev := eng.NewEvaluator()
	at, _ := policy.ParseDate("2025-06-01")
	for _, tt := range []struct {
		name, st, ht string
		distance     int
		want         Admission
	}{
		{"one short (R&D ratio)", "12", "3000万元", 1, Admissible},
		{"two short (R&D ratio, 科技人员 9%)", "9", "3000万元", 2, Admissible},
		{"three short (and 高新收入 58.5%)", "9", "2400万元", 3, NotAdmissible},
		{"科技人员 unknown", "null", "3000万元", 1, AdmissionNeedsFacts},
	} {
		doc := strings.NewReplacer("ST", tt.st, "HT", tt.ht).Replace(base)
		f, err := facts.DecodeBytes([]byte(doc), "")
		if err != nil {
			t.Fatal(err)
		}
		c := ev.CheckPool(p, f, at)
		if c.Distance != tt.distance || c.Admission != tt.want {
			t.Errorf("%s: distance %d admission %s, want %d %s; lacks %v missing %v", tt.name, c.Distance, c.Admission, tt.distance, tt.want, c.Lacks, c.Missing)
		}
	}
}
