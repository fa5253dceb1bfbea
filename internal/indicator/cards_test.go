package indicator

import (
	"strings"
	"testing"
)

// TestWuweiCards: 武威's cards from its table — the 2021 actual (or 2020's,
// for a * value) is the baseline, the 2022 target a set milestone, 2023 and
// 2024 implied, the 2025 target the end; observations from the store or
// computed replace none of the document's; the incomplete row is flagged.
func TestWuweiCards(t *testing.T) {
	lib := library(t)
	observed := map[string][]Observation{
		"hte_count":           {{Point: Point{2022, 68}, Vintage: "computed"}, {Point: Point{2023, 80}, Vintage: "computed"}, {Point: Point{2024, 91}, Vintage: "computed"}},
		"st_innovation_index": {{Point: Point{2022, 45}, Vintage: "final"}},
	}
	cards, err := lib.Cards("620600", 2026, func(in *Indicator, j string) ([]Observation, error) { return observed[in.ID], nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]*Card{}
	for _, c := range cards {
		by[c.Indicator.ID] = c
	}
	if len(by) < 15 {
		t.Errorf("%d cards, want one for each of the table's 15 indicators", len(by))
	}
	hte := by["hte_count"]
	if hte == nil || hte.Base == nil || hte.Base.Year != 2021 || hte.Base.Value != 59 || hte.Target().Year != 2025 || hte.Target().Value != 100 {
		t.Fatalf("高企 card: %+v", hte)
	}
	if len(hte.Milestones) != 4 || !hte.Milestones[0].Set || hte.Milestones[0].Value != 70 || hte.Milestones[1].Set {
		t.Errorf("高企 milestones: %+v", hte.Milestones)
	}
	// 2024: 91 against the compound path 59 → 100 (2024 requires about 89.2): on track
	if hte.Latest == nil || hte.Latest.Observed.Year != 2024 || hte.Latest.Status != OnTrack {
		t.Errorf("高企 latest: %+v", hte.Latest)
	}
	if hte.Forecast == nil || hte.Forecast.Year != 2025 || hte.Forecast.Points != 4 {
		t.Errorf("高企 forecast: %+v", hte.Forecast)
	}
	// the * value is 2020's: the baseline of 综合科技创新水平指数 is 2020, 42.92
	idx := by["st_innovation_index"]
	if idx.Base == nil || idx.Base.Year != 2020 || idx.Base.Value != 42.92 || !strings.Contains(idx.Base.Source, "2020年数据") {
		t.Errorf("综合科技创新水平指数 baseline: %+v", idx.Base)
	}
	// 2022: 45 against the document's own 2022 milestone 50 (from 42.92 in 2020): 29% of the way — off track
	if idx.Latest == nil || idx.Latest.Status != OffTrack {
		t.Errorf("综合科技创新水平指数 latest: %+v", idx.Latest)
	}
	// the pipeline: 12 admitted to the 高企培育库 at a 50% history adds 6 to the forecast
	with, _ := lib.Cards("620600", 2026, func(in *Indicator, j string) ([]Observation, error) { return observed[in.ID], nil },
		func(in *Indicator, j string) *Pipeline {
			if in.ID == "hte_count" {
				return &Pipeline{Candidates: 12, Rate: 0.5}
			}
			return nil
		})
	for _, c := range with {
		if c.Indicator.ID == "hte_count" && (c.Forecast == nil || c.Forecast.Pipeline == nil || !near(c.Forecast.Mean, hte.Forecast.Mean+6, 1e-9)) {
			t.Errorf("with the pipeline: %+v, without: %+v", c.Forecast, hte.Forecast)
		}
	}
	county := by["fiscal_st_share_county"]
	if county == nil || len(county.Flags) == 0 || !strings.Contains(county.Flags[0], "须人工确认") || county.Path != nil {
		t.Errorf("the incomplete row's card: %+v", county)
	}
}
