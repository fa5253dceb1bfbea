package project

import (
	"testing"

	"kechuang/internal/money"
)

func TestYoung(t *testing.T) {
	for age, want := range map[int]bool{0: false, 30: true, 44: true, 45: true, 46: false} {
		if Young(age) != want {
			t.Errorf("Young(%d) = %v, want %v (45岁以下 includes 45)", age, !want, want)
		}
	}
}

func TestPortfolio(t *testing.T) {
	grant := func(bid string, age int, at string, state ExecState, accepted, closed string) Grant {
		g := Grant{Bid: bid, Age: age, At: at, Fen: 50 * money.Wan, State: state, Closed: closed}
		if accepted != "" {
			g.Accepted = &Accept{Passed: state == Accepted, At: accepted}
		}
		return g
	}
	cs := []*Challenge{
		{ID: 1, State: Draft},
		{ID: 2, State: Published, Published: "2025-03-01"},
		{ID: 3, State: Withdrawn, Published: "2025-02-01"},
		{ID: 4, State: Closed, Published: "2025-01-10"},
		{ID: 5, State: Closed, Published: "2024-03-01", Review: &Review{Grants: []Grant{
			grant("a", 38, "2024-07-09", Accepted, "2026-06-25", ""),
			grant("b", 45, "2024-07-09", Tolerated, "2026-06-25", "2026-07-01")}}},
		{ID: 6, State: Closed, Published: "2024-04-01", Review: &Review{Grants: []Grant{grant("c", 46, "2024-08-01", Executing, "", "")}}},
		{ID: 7, State: Closed, Published: "2024-05-01", Review: &Review{Grants: []Grant{grant("d", 50, "2025-01-05", Failed, "2026-01-01", "2026-01-05")}}},
	}
	p := NewPortfolio(cs)
	want := map[int64]string{1: "draft", 2: "open", 3: "withdrawn", 4: "review", 5: "solved", 6: "attack", 7: "unsolved"}
	for _, pr := range p.Problems {
		if pr.State != want[pr.Challenge.ID] {
			t.Errorf("challenge %d: %s, want %s", pr.Challenge.ID, pr.State, want[pr.Challenge.ID])
		}
	}
	if p.Problems[4].Solved != "2026-06-25" || p.Problems[4].Teams != 2 || len(p.Projects) != 4 {
		t.Errorf("solved %q, teams %d, %d projects", p.Problems[4].Solved, p.Problems[4].Teams, len(p.Projects))
	}
	got := map[int]Year{}
	for _, y := range p.Years {
		got[y.Year] = y
	}
	wantYears := map[int]Year{
		2024: {Year: 2024, Published: 3, Granted: 3, Fen: 150 * money.Wan, Young: 2},
		2025: {Year: 2025, Published: 3, Granted: 1, Fen: 50 * money.Wan},
		2026: {Year: 2026, Solved: 1, Closed: 2},
	}
	if len(got) != len(wantYears) {
		t.Fatalf("years %+v", p.Years)
	}
	for y, w := range wantYears {
		if got[y] != w {
			t.Errorf("%d: %+v, want %+v", y, got[y], w)
		}
	}
	if p.Years[0].Year != 2024 {
		t.Errorf("years not ascending: %+v", p.Years)
	}
}

// TestYoungShare: the share in tenths of a percent rounded half up, and the
// comparison with a target done exactly (不低于 includes the bound).
func TestYoungShare(t *testing.T) {
	tests := []struct {
		young, granted int
		tenths         int64
		ok, at50       bool
	}{
		{0, 0, 0, false, false},
		{1, 2, 500, true, true},  // exactly 50%
		{1, 3, 333, true, false}, // 33.33…%
		{2, 3, 667, true, true},  // 66.66…% rounds up
		{1, 8, 125, true, false}, // 12.5% exactly
		{1, 16, 63, true, false}, // 6.25% → 6.3% (half up)
		{499, 1000, 499, true, false},
		{3, 3, 1000, true, true},
	}
	for _, tt := range tests {
		y := Year{Young: tt.young, Granted: tt.granted}
		tenths, ok := y.YoungShare()
		if tenths != tt.tenths || ok != tt.ok || y.YoungAtLeast(50) != tt.at50 {
			t.Errorf("%d of %d: %d‰ %v, ≥50%% %v; want %d‰ %v, %v", tt.young, tt.granted, tenths, ok, y.YoungAtLeast(50), tt.tenths, tt.ok, tt.at50)
		}
	}
}
