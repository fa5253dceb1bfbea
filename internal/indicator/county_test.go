package indicator

import (
	"os"
	"strings"
	"testing"

	"kechuang/internal/hanzi"
)

// TestCountyAssessment scores 武威's four counties on synthetic values:
// attainment against the city's path (or its target where there is no
// path), growth against the path's yearly rate, each item capped at 1.2,
// weights to 100; ranks, the rank change from the year before, and each
// county's strengths and weaknesses.
func TestCountyAssessment(t *testing.T) {
	lib := library(t)
	as, err := LoadAssessments(lib)
	if err != nil || len(as) == 0 {
		t.Fatalf("%v %v", as, err)
	}
	a := as[0]
	src, _ := os.ReadFile("../../policies/source/002_e8e5995f61b7636d.txt")
	if !strings.Contains(hanzi.Fold(string(src)), hanzi.Fold(a.Quote)) || !strings.Contains(a.Local, "地方配置") {
		t.Errorf("the assessment does not quote its source or say it is local: %q", a.Quote)
	}
	cards, err := lib.Cards("620600", 2026, func(*Indicator, string) ([]Observation, error) { return nil, nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]map[int]map[string]float64{ // county → year → indicator → value
		"620602": {2023: {"fiscal_st_share_county": 1.0, "rd_intensity_region": 0.9, "hte_count": 20, "sme_tech_count": 40},
			2024: {"fiscal_st_share_county": 1.3, "rd_intensity_region": 1.5, "hte_count": 26, "sme_tech_count": 52}},
		"620621": {2023: {"fiscal_st_share_county": 0.5, "rd_intensity_region": 0.4, "hte_count": 5, "sme_tech_count": 10},
			2024: {"fiscal_st_share_county": 0.6, "rd_intensity_region": 0.5, "hte_count": 5, "sme_tech_count": 11}},
		"620622": {2023: {"fiscal_st_share_county": 0.9, "rd_intensity_region": 1.0, "hte_count": 8, "sme_tech_count": 15},
			2024: {"fiscal_st_share_county": 0.9, "rd_intensity_region": 1.0, "hte_count": 9, "sme_tech_count": 18}},
		"620623": {2024: {"fiscal_st_share_county": 0.2, "rd_intensity_region": 0.3, "hte_count": 2}}, // no 2023: no growth
	}
	values := func(in *Indicator, county string, y int) (float64, bool) {
		v, ok := vals[county][y][in.ID]
		return v, ok
	}
	r, err := a.Assess(lib, cards, 2024, values)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Rows) != 4 || r.Rows[0].County != "620602" || r.Rows[0].Rank != 1 || r.Rows[3].County != "620623" {
		t.Fatalf("ranking: %+v", r.Rows)
	}
	top := r.Rows[0]
	for _, it := range top.Items {
		if it.Ratio > a.Cap+1e-12 {
			t.Errorf("%s: ratio %v above the cap", it.Indicator.ID, it.Ratio)
		}
	}
	// 凉州 2024: 县区财政科技支出 1.3% ÷ the city's 1% target (no path: the row is incomplete) → capped 1.2
	if it := top.Items[0]; it.Indicator.ID != "fiscal_st_share_county" || it.Reference != 1 || it.Ratio != 1.2 || it.Points != 36 {
		t.Errorf("凉州 fiscal item: %+v", it)
	}
	// 研发投入强度 1.5% against the path 0.62 (2020) → 1.5 (2025) at 2024: 1.324, so 1.5/1.324
	if it := top.Items[1]; !near(it.Reference, 0.62+(1.5-0.62)*4/5, 1e-9) || !near(it.Ratio, 1.5/1.324, 1e-9) {
		t.Errorf("凉州 R&D item: %+v", it)
	}
	// 高企 growth 26/20 − 1 = 30% over the path's 59 → 100 yearly rate ≈ 14.1%: capped
	if it := top.Items[2]; !near(it.Measure, 0.3, 1e-9) || it.Ratio != 1.2 {
		t.Errorf("凉州 高企 item: %+v", it)
	}
	if len(top.Strengths) != 2 || top.Score <= r.Rows[1].Score {
		t.Errorf("凉州: %+v", top)
	}
	tz := r.Rows[3]
	if tz.Items[3].Missing == "" || tz.Items[2].Missing == "" || len(tz.Weaknesses) != 2 || tz.PrevRank != 0 {
		t.Errorf("天祝 (no 2023 values): %+v", tz)
	}
	if mq := r.Rows[2]; mq.County != "620621" || mq.PrevRank != 3 {
		t.Errorf("民勤: rank %d, the year before %d", mq.Rank, mq.PrevRank)
	}
}
