package indicator

import (
	"math"
	"testing"

	"pgregory.net/rapid"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestTrajectory(t *testing.T) {
	lin, _ := NewTrajectory(Point{2021, 59}, Point{2025, 100}, "linear")
	cmp, _ := NewTrajectory(Point{2021, 59}, Point{2025, 100}, "compound")
	zero, _ := NewTrajectory(Point{2021, 0}, Point{2025, 8}, "compound")
	for _, tc := range []struct {
		name string
		tr   Trajectory
		year int
		want float64
	}{
		{"linear start", lin, 2021, 59},
		{"linear end", lin, 2025, 100},
		{"linear midway", lin, 2023, 79.5},
		{"compound end", cmp, 2025, 100},
		{"compound midway is the geometric mean", cmp, 2023, math.Sqrt(59 * 100)},
		{"compound from zero is drawn linear", zero, 2023, 4},
	} {
		if got := tc.tr.At(tc.year); !near(got, tc.want, 1e-9) {
			t.Errorf("%s: At(%d) = %v, want %v", tc.name, tc.year, got, tc.want)
		}
	}
	if zero.Method != "linear" {
		t.Errorf("a compound path from 0 is %s", zero.Method)
	}
	if r := cmp.Rate(); !near(math.Pow(1+r, 4)*59, 100, 1e-9) {
		t.Errorf("rate %v does not reach 100 in four years", r)
	}
	if _, err := NewTrajectory(Point{2025, 1}, Point{2025, 2}, "linear"); err == nil {
		t.Error("a target in the baseline year was accepted")
	}
	// 武威 高企: 59 (2021) → 70 (2022, set) → 100 (2025): 2023 and 2024 implied.
	ms := lin.Milestones([]Point{{2022, 70}})
	if len(ms) != 4 || !ms[0].Set || ms[0].Value != 70 || ms[1].Set || ms[2].Set || !ms[3].Set || ms[3].Value != 100 || !near(ms[1].Value, 79.5, 1e-9) {
		t.Errorf("milestones: %+v", ms)
	}
}

// TestStatusBoundaries: the ratio of observed to required progress at and
// around each threshold, for an indicator that should rise and one that
// should fall; a target reached is met; with nothing required yet, holding
// the baseline is on track.
func TestStatusBoundaries(t *testing.T) {
	up, _ := NewTrajectory(Point{2020, 0}, Point{2030, 100}, "linear")     // requires 50 by 2025
	down, _ := NewTrajectory(Point{2020, 100}, Point{2030, 0}, "linear")   // requires 50 by 2025
	flat, _ := NewTrajectory(Point{2020, 10}, Point{2030, 10.5}, "linear") // almost nothing required
	for _, tc := range []struct {
		name  string
		tr    Trajectory
		o     Point
		dir   string
		want  Status
		ratio float64
	}{
		{"exactly 95%", up, Point{2025, 47.5}, "up", OnTrack, 0.95},
		{"just under 95%", up, Point{2025, 47.49}, "up", Attention, 0.9498},
		{"exactly 80%", up, Point{2025, 40}, "up", Attention, 0.80},
		{"just under 80%", up, Point{2025, 39.99}, "up", OffTrack, 0.7998},
		{"ahead", up, Point{2025, 60}, "up", OnTrack, 1.2},
		{"went backwards", up, Point{2025, -5}, "up", OffTrack, -0.1},
		{"target reached early", up, Point{2025, 100}, "up", Met, math.NaN()},
		{"down: exactly 95%", down, Point{2025, 52.5}, "down", OnTrack, 0.95},
		{"down: just under 80%", down, Point{2025, 60.01}, "down", OffTrack, 0.7998},
		{"down: reached", down, Point{2025, 0}, "down", Met, math.NaN()},
		{"baseline year, held", up, Point{2020, 0}, "up", OnTrack, math.NaN()},
		{"baseline year, fell", up, Point{2020, -1}, "up", OffTrack, math.NaN()},
		{"flat path, slightly ahead", flat, Point{2025, 10.3}, "up", OnTrack, 1.2},
	} {
		a := Assess(tc.tr, tc.o, tc.dir, DefaultThresholds)
		ratioOK := (math.IsNaN(tc.ratio) && math.IsNaN(a.Ratio)) || near(a.Ratio, tc.ratio, 1e-9)
		if a.Status != tc.want || !ratioOK {
			t.Errorf("%s: %s ratio %v, want %s ratio %v", tc.name, a.Status, a.Ratio, tc.want, tc.ratio)
		}
	}
}

// TestPredictKnownTrends: forecasts of synthetic series with a known trend.
func TestPredictKnownTrends(t *testing.T) {
	linear := []Point{{2019, 10}, {2020, 12}, {2021, 14}, {2022, 16}, {2023, 18}}
	f, err := Predict(linear, 2025, "linear", 22, "up", nil)
	if err != nil || !near(f.Mean, 22, 1e-9) || f.SE != 0 || f.Probability != 1 {
		t.Errorf("an exact line: %+v %v", f, err)
	}
	if f, _ := Predict(linear, 2025, "linear", 22.01, "up", nil); f.Probability != 0 {
		t.Errorf("an exact line just short of the target: probability %v, want 0", f.Probability)
	}
	growth := []Point{{2020, 100}, {2021, 110}, {2022, 121}, {2023, 133.1}}
	f, _ = Predict(growth, 2025, "compound", 150, "up", nil)
	if !near(f.Mean, 161.051, 1e-6) || f.Probability != 1 && !near(f.Probability, 1, 1e-9) {
		t.Errorf("10%% a year: %+v", f)
	}
	// noise: the residuals give a band around the trend, and the probability is
	// one half exactly at the trend's value
	noisy := []Point{{2018, 10.3}, {2019, 11.8}, {2020, 14.4}, {2021, 15.7}, {2022, 18.2}, {2023, 19.6}}
	f, _ = Predict(noisy, 2025, "linear", 0, "up", nil)
	if !(f.Low < f.Mean && f.Mean < f.High) || f.SE <= 0 || !near(f.Mean, 23.7, 0.5) {
		t.Errorf("a noisy line: %+v", f)
	}
	if g, _ := Predict(noisy, 2025, "linear", f.Mean, "up", nil); !near(g.Probability, 0.5, 1e-9) {
		t.Errorf("at the trend's value: probability %v, want 0.5", g.Probability)
	}
	if g, _ := Predict(noisy, 2025, "linear", f.High, "up", nil); !near(g.Probability, 0.1, 1e-9) {
		t.Errorf("at the band's top: probability %v, want 0.1", g.Probability)
	}
	// a falling indicator: reaching at most the target
	if g, _ := Predict([]Point{{2020, 9}, {2021, 8}, {2022, 7}}, 2025, "linear", 4, "down", nil); g.Probability != 1 {
		t.Errorf("falling to 4: %+v", g)
	}
	// two points: no uncertainty, said so
	if g, _ := Predict([]Point{{2021, 59}, {2022, 70}}, 2025, "linear", 100, "up", nil); g.Probability != 1 || g.Note == "" || !near(g.Mean, 103, 1e-9) {
		t.Errorf("two points: %+v", g)
	}
	if _, err := Predict([]Point{{2021, 59}}, 2025, "linear", 100, "up", nil); err == nil {
		t.Error("one point was forecast")
	}
	// the pipeline: 40 candidates at a 50% pass rate add 20, and uncertainty
	pl := &Pipeline{Candidates: 40, Rate: 0.5}
	g, _ := Predict(linear, 2025, "linear", 40, "up", pl)
	if !near(g.Mean, 42, 1e-9) || g.High <= g.Mean || !(g.Probability > 0.5 && g.Probability < 1) {
		t.Errorf("with a pipeline: %+v", g)
	}
}

// TestPredictProperties: on random series, the probability of reaching a
// target never rises as the target rises, stays in [0, 1], and the band
// holds the mean.
func TestPredictProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(3, 8).Draw(t, "n")
		method := rapid.SampledFrom([]string{"linear", "compound"}).Draw(t, "method")
		var s []Point
		for i := range n {
			s = append(s, Point{2015 + i, float64(rapid.IntRange(1, 10000).Draw(t, "v")) / 10})
		}
		a := float64(rapid.IntRange(1, 20000).Draw(t, "a")) / 10
		b := a + float64(rapid.IntRange(0, 20000).Draw(t, "d"))/10
		fa, err := Predict(s, 2026, method, a, "up", nil)
		if err != nil {
			t.Fatal(err)
		}
		fb, _ := Predict(s, 2026, method, b, "up", nil)
		if fb.Probability > fa.Probability+1e-12 || fa.Probability < 0 || fa.Probability > 1 || !(fa.Low <= fa.Mean+1e-9 && fa.Mean <= fa.High+1e-9) {
			t.Fatalf("targets %v ≤ %v: probabilities %v, %v; band %v–%v–%v", a, b, fa.Probability, fb.Probability, fa.Low, fa.Mean, fa.High)
		}
	})
}
