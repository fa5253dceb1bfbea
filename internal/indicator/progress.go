package indicator

import (
	"fmt"
	"math"
	"sort"
)

// Indicator values are statistics, not money: they are read from their
// decimal text into float64, and every figure shown is rounded explicitly
// (Round). Money stays int64 fen everywhere else.

// Point is a value of an indicator for a year.
type Point struct {
	Year  int
	Value float64
}

// Trajectory is the path required from a baseline to a target (规划路径):
// linear, v(y) = v0 + (vT − v0)·(y − y0)/(yT − y0); or compound, v(y) =
// v0·(vT/v0)^((y − y0)/(yT − y0)), the constant yearly rate that reaches
// the target — which needs v0 and vT positive, so a compound path with a
// zero or negative end is drawn linear (Method says which was used).
type Trajectory struct {
	Base, Target Point
	Method       string // linear or compound, as drawn
}

// NewTrajectory draws the path from base to target by method.
func NewTrajectory(base, target Point, method string) (Trajectory, error) {
	if target.Year <= base.Year {
		return Trajectory{}, fmt.Errorf("the target year %d is not after the baseline year %d", target.Year, base.Year)
	}
	if method != "linear" && method != "compound" {
		return Trajectory{}, fmt.Errorf("trajectory %q: linear or compound", method)
	}
	if method == "compound" && (base.Value <= 0 || target.Value <= 0) {
		method = "linear"
	}
	return Trajectory{Base: base, Target: target, Method: method}, nil
}

// At is the value the path requires in year y.
func (t Trajectory) At(y int) float64 {
	f := float64(y-t.Base.Year) / float64(t.Target.Year-t.Base.Year)
	if t.Method == "compound" {
		return t.Base.Value * math.Pow(t.Target.Value/t.Base.Value, f)
	}
	return t.Base.Value + (t.Target.Value-t.Base.Value)*f
}

// Rate is the constant yearly growth rate of a compound path (0.1 = 10%).
func (t Trajectory) Rate() float64 {
	if t.Method != "compound" {
		return math.NaN()
	}
	return math.Pow(t.Target.Value/t.Base.Value, 1/float64(t.Target.Year-t.Base.Year)) - 1
}

// Milestone is a year's required value on the path: one the document sets
// (Set), or one it skipped, implied by the path (推算).
type Milestone struct {
	Point
	Set bool
}

// Milestones lists every year from the baseline's next to the target's,
// with the documents' own intermediate targets (set) where they give one.
func (t Trajectory) Milestones(set []Point) []Milestone {
	given := map[int]float64{}
	for _, p := range set {
		given[p.Year] = p.Value
	}
	var out []Milestone
	for y := t.Base.Year + 1; y <= t.Target.Year; y++ {
		if v, ok := given[y]; ok {
			out = append(out, Milestone{Point{y, v}, true})
		} else if y == t.Target.Year {
			out = append(out, Milestone{t.Target, true})
		} else {
			out = append(out, Milestone{Point{y, t.At(y)}, false})
		}
	}
	return out
}

// Status is how an indicator stands against its path.
type Status string

const (
	OnTrack   Status = "on_track"        // 进度正常
	Attention Status = "needs_attention" // 需关注
	OffTrack  Status = "off_track"       // 滞后
	Met       Status = "met"             // 已达目标
)

// Zh names a status in Chinese.
func (s Status) Zh() string {
	return map[Status]string{OnTrack: "进度正常", Attention: "需关注", OffTrack: "进度滞后", Met: "已达目标"}[s]
}

// Thresholds are the ratios of observed to required progress that divide
// the statuses: at least OnTrack is on track, at least Attention needs
// attention, below it is off track.
type Thresholds struct{ OnTrack, Attention float64 }

// DefaultThresholds: 95% of the required progress is on track, 80% needs attention.
var DefaultThresholds = Thresholds{OnTrack: 0.95, Attention: 0.80}

// Assessment is an observation measured against the path.
type Assessment struct {
	Observed Point
	Required float64 // the path's value in the observed year
	Ratio    float64 // observed progress ÷ required progress since the baseline (NaN when none is required yet)
	Status   Status
}

// Assess measures observation o against path t for an indicator of
// direction (up: more is better): progress is o − v0 and required progress
// R(o.year) − v0, each signed so that moving towards the target counts
// positive. A target already reached is Met; with no progress required
// yet, holding the baseline is on track.
func Assess(t Trajectory, o Point, direction string, th Thresholds) Assessment {
	a := Assessment{Observed: o, Required: t.At(o.Year)}
	sign := 1.0
	if direction == "down" {
		sign = -1
	}
	if sign*(o.Value-t.Target.Value) >= 0 {
		a.Status, a.Ratio = Met, math.NaN()
		return a
	}
	req := sign * (a.Required - t.Base.Value)
	got := sign * (o.Value - t.Base.Value)
	if req <= 0 {
		a.Ratio = math.NaN()
		if got >= 0 {
			a.Status = OnTrack
		} else {
			a.Status = OffTrack
		}
		return a
	}
	a.Ratio = got / req
	switch {
	case a.Ratio >= th.OnTrack:
		a.Status = OnTrack
	case a.Ratio >= th.Attention:
		a.Status = Attention
	default:
		a.Status = OffTrack
	}
	return a
}

// Pipeline is what the platform knows will add to a count: candidates (in a
// 培育库, say) each succeeding with a historical rate.
type Pipeline struct {
	Candidates int
	Rate       float64 // 0–1
	Note       string  // where the figures come from
}

// Forecast is the value expected in the target year with its uncertainty
// and the probability of meeting the target.
type Forecast struct {
	Year        int
	Mean        float64 // the trend's value, plus the pipeline's expected additions
	Low, High   float64 // the 80% prediction band
	SE          float64 // standard error of the prediction (in logs for compound)
	Probability float64 // of reaching the target (NaN when it cannot be estimated)
	Points      int     // observations the trend rests on
	Method      string  // linear or compound
	Pipeline    *Pipeline
	Note        string
}

// z80 is the standard normal quantile of 90%: the 80% band is ±z80·SE.
const z80 = 1.2815515655446004

// Predict fits a trend to series by ordinary least squares — on the values
// (linear) or on their logarithms (compound: a constant growth rate) — and
// forecasts year. The prediction's standard error is s·√(1 + 1/n + (x −
// x̄)²/Sxx) with s the residuals' standard deviation (n − 2 degrees of
// freedom); the probability of reaching target (at least, or at most for
// direction down) is read from the normal distribution. A pipeline adds
// its expected successes n·p to the mean and their binomial variance
// n·p·(1 − p) to the uncertainty (on a linear scale). With two points the
// trend has no residuals: the band collapses and the probability is 1 or 0
// by the trend alone, which the note says.
func Predict(series []Point, year int, method string, target float64, direction string, pl *Pipeline) (Forecast, error) {
	pts := append([]Point(nil), series...)
	sort.Slice(pts, func(i, j int) bool { return pts[i].Year < pts[j].Year })
	f := Forecast{Year: year, Points: len(pts), Method: method, Pipeline: pl, Probability: math.NaN()}
	if len(pts) < 2 {
		return f, fmt.Errorf("a forecast needs at least two years of values, not %d", len(pts))
	}
	logs := method == "compound"
	for _, p := range pts {
		if logs && p.Value <= 0 {
			logs, f.Method = false, "linear" // a zero or negative value has no logarithm
			f.Note = "含非正值，按线性趋势外推"
		}
	}
	n := float64(len(pts))
	var sx, sy float64
	ys := make([]float64, len(pts))
	for i, p := range pts {
		ys[i] = p.Value
		if logs {
			ys[i] = math.Log(p.Value)
		}
		sx += float64(p.Year)
		sy += ys[i]
	}
	mx, my := sx/n, sy/n
	var sxx, sxy float64
	for i, p := range pts {
		dx := float64(p.Year) - mx
		sxx += dx * dx
		sxy += dx * (ys[i] - my)
	}
	if sxx == 0 {
		return f, fmt.Errorf("the values are all for year %d: no trend", pts[0].Year)
	}
	b := sxy / sxx
	a := my - b*mx
	pred := a + b*float64(year)
	var sse float64
	for i, p := range pts {
		r := ys[i] - (a + b*float64(p.Year))
		sse += r * r
	}
	s := 0.0
	if len(pts) > 2 {
		s = math.Sqrt(sse / (n - 2))
	} else {
		f.Note = joinNote(f.Note, "仅两年数据，无法估计不确定性")
	}
	dx := float64(year) - mx
	se := s * math.Sqrt(1+1/n+dx*dx/sxx)
	mean, lo, hi := pred, pred-z80*se, pred+z80*se
	if logs {
		mean, lo, hi = math.Exp(pred), math.Exp(lo), math.Exp(hi)
	}
	// On a linear scale from here: the pipeline's additions.
	lin := se
	if logs {
		lin = mean * se // delta method: sd of exp(X) ≈ exp(μ)·σ
	}
	if pl != nil && pl.Candidates > 0 {
		add := float64(pl.Candidates) * pl.Rate
		v := float64(pl.Candidates) * pl.Rate * (1 - pl.Rate)
		mean += add
		lin = math.Sqrt(lin*lin + v)
		lo, hi = mean-z80*lin, mean+z80*lin
	}
	f.Mean, f.Low, f.High, f.SE = mean, lo, hi, se
	sign := 1.0
	if direction == "down" {
		sign = -1
	}
	switch {
	case lin == 0:
		f.Probability = 0
		if sign*(mean-target) >= 0 {
			f.Probability = 1
		}
	case logs && (pl == nil || pl.Candidates == 0):
		f.Probability = normalCDF(sign * (pred - math.Log(target)) / se)
	default:
		f.Probability = normalCDF(sign * (mean - target) / lin)
	}
	return f, nil
}

func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "；" + b
}

// Round rounds v to d decimals, halves away from zero, for display.
func Round(v float64, d int) float64 {
	p := math.Pow(10, float64(d))
	return math.Round(v*p) / p
}
