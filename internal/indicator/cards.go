package indicator

import (
	"fmt"
	"slices"
	"sort"
	"strconv"

	"kechuang/internal/policy"
)

// Observation is a value of an indicator for a year with where it is from.
type Observation struct {
	Point
	Source  string // 统计公报, kechuang 计算, 《…》主要指标表 …
	Vintage string // preliminary, final, computed, document
	By      string
}

// Goal is one target of a card: the document's, with its citation.
type Goal struct {
	Year     int
	Value    float64
	Text     string // the value as written, with its unit
	Bound    string
	Citation policy.Citation
	Doc      *policy.Document
	Source   string // target id, or table id and row
	PerYear  bool
	Change   bool
}

// Card is one indicator of a jurisdiction against its targets: the
// baseline, what has been observed, the required path, where the latest
// observation stands, and the forecast for the target year.
type Card struct {
	Indicator    *Indicator
	Jurisdiction string
	Goals        []Goal // ascending by year; the last is the card's target
	Observed     []Observation
	Base         *Observation // the path's starting point: the last observation before the first goal's year
	Path         *Trajectory
	Milestones   []Milestone
	Latest       *Assessment
	Forecast     *Forecast
	Flags        []string // what a person must look at (an incomplete table row, a target without a baseline …)
	Err          string   // why the path or forecast could not be drawn
}

// Target is the card's final goal.
func (c *Card) Target() *Goal {
	if len(c.Goals) == 0 {
		return nil
	}
	return &c.Goals[len(c.Goals)-1]
}

// Observe returns the observations of indicator in for jurisdiction j.
type Observe func(in *Indicator, j string) ([]Observation, error)

// Pipelines returns what the platform knows will add to indicator in for
// jurisdiction j by the target year (nil: nothing known).
type Pipelines func(in *Indicator, j string) *Pipeline

// Cards builds the cards of jurisdiction j (a GB/T 2260 code): every
// indicator with a level target for j in the targets or the tables, its
// observations from observe and the tables' actual values, at year now.
// Yearly or increase targets (每年, 净增) are shown as goals but drive no
// path: the path is drawn between levels.
func (lib *Library) Cards(j string, now int, observe Observe, pipelines Pipelines) ([]*Card, error) {
	byInd := map[string]*Card{}
	var order []string
	card := func(in *Indicator) *Card {
		c, ok := byInd[in.ID]
		if !ok {
			c = &Card{Indicator: in, Jurisdiction: j}
			byInd[in.ID] = c
			order = append(order, in.ID)
		}
		return c
	}
	tableObs := map[string][]Observation{}
	for _, r := range lib.Rows {
		if r.Table.Doc.Jurisdiction != j {
			continue
		}
		c := card(r.Indicator)
		if r.Row.Incomplete {
			c.Flags = append(c.Flags, r.Row.Ambiguity(r.Table))
			continue
		}
		for _, v := range r.Row.Values {
			f, err := strconv.ParseFloat(v.Value, 64)
			if err != nil {
				return nil, fmt.Errorf("table %s row %d: %v", r.Table.ID, r.Row.No, err)
			}
			src := fmt.Sprintf("《%s》%s第%d行", r.Table.Doc.Title, r.Table.Title, r.Row.No)
			if v.Kind == "actual" {
				o := Observation{Point: Point{v.Year, f}, Source: src, Vintage: "document"}
				if v.Marked != "" {
					o.Source += "（" + v.Marked + "：" + strconv.Itoa(v.Year) + "年数据）"
				}
				tableObs[r.Indicator.ID] = append(tableObs[r.Indicator.ID], o)
				continue
			}
			c.Goals = append(c.Goals, Goal{Year: v.Year, Value: f, Text: v.Value + r.Indicator.Unit, Bound: "at_least", Doc: r.Table.Doc,
				Citation: r.Table.Citation, Source: fmt.Sprintf("%s/%d", r.Table.ID, r.Row.No)})
		}
	}
	for _, t := range lib.Targets {
		if t.Region != j {
			continue
		}
		f, err := strconv.ParseFloat(t.Value, 64)
		if err != nil {
			return nil, fmt.Errorf("target %s: %v", t.ID, err)
		}
		c := card(t.Indicator)
		c.Goals = append(c.Goals, Goal{Year: t.Year, Value: f, Text: t.Value + t.Indicator.Unit, Bound: t.Bound, Citation: t.Citation,
			Doc: t.Doc, Source: t.ID, PerYear: t.PerYear, Change: t.Change})
	}
	var out []*Card
	for _, id := range order {
		c := byInd[id]
		obs, err := observe(c.Indicator, j)
		if err != nil {
			return nil, err
		}
		c.Observed = merge(tableObs[id], obs)
		var pl *Pipeline
		if pipelines != nil {
			pl = pipelines(c.Indicator, j)
		}
		c.draw(pl)
		out = append(out, c)
	}
	return out, nil
}

// merge joins observations by year. A stored value (entered or imported:
// final or preliminary) replaces the document's for its year; a value
// kechuang computed fills only the years that have neither — the
// document's published figure is not overwritten by a count of what the
// platform happens to hold.
func merge(doc, more []Observation) []Observation {
	by := map[int]Observation{}
	for _, o := range doc {
		by[o.Year] = o
	}
	for _, o := range more {
		if _, ok := by[o.Year]; ok && o.Vintage == "computed" {
			continue
		}
		if prev, ok := by[o.Year]; ok && prev.Vintage != "document" && prev.Vintage != "computed" && o.Vintage == "computed" {
			continue
		}
		by[o.Year] = o
	}
	out := make([]Observation, 0, len(by))
	for _, o := range by {
		out = append(out, o)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Year < out[k].Year })
	return out
}

// draw sets the card's path, milestones, latest assessment and forecast.
func (c *Card) draw(pl *Pipeline) {
	var levels []Goal
	for _, g := range c.Goals {
		if !g.PerYear && !g.Change {
			levels = append(levels, g)
		}
	}
	sort.SliceStable(c.Goals, func(i, k int) bool { return c.Goals[i].Year < c.Goals[k].Year })
	sort.SliceStable(levels, func(i, k int) bool { return levels[i].Year < levels[k].Year })
	// one level goal a year: where the table and a sentence both set one, the first listed (the table's)
	levels = slices.CompactFunc(levels, func(a, b Goal) bool { return a.Year == b.Year })
	if len(levels) == 0 {
		c.Err = "只有年度增量目标，未绘制路径"
		return
	}
	final := levels[len(levels)-1]
	for i := len(c.Observed) - 1; i >= 0; i-- {
		if c.Observed[i].Year < levels[0].Year {
			o := c.Observed[i]
			c.Base = &o
			break
		}
	}
	if c.Base == nil {
		c.Flags = append(c.Flags, "没有早于首个目标年份的观测值：无法确定基期，请录入基期数值")
		return
	}
	path, err := NewTrajectory(c.Base.Point, Point{final.Year, final.Value}, c.Indicator.Trajectory)
	if err != nil {
		c.Err = err.Error()
		return
	}
	c.Path = &path
	var set []Point
	for _, g := range levels[:len(levels)-1] {
		set = append(set, Point{g.Year, g.Value})
	}
	c.Milestones = path.Milestones(set)
	if n := len(c.Observed); n > 0 && c.Observed[n-1].Year > c.Base.Year {
		last := c.Observed[n-1]
		a := Assess(path, last.Point, c.Indicator.Direction, DefaultThresholds)
		// against the document's own milestone of that year, where it set one
		for _, m := range c.Milestones {
			if m.Year == last.Year && m.Set && m.Year < final.Year {
				part, _ := NewTrajectory(c.Base.Point, m.Point, c.Indicator.Trajectory)
				a = Assess(part, last.Point, c.Indicator.Direction, DefaultThresholds)
			}
		}
		c.Latest = &a
	}
	var pts []Point
	for _, o := range c.Observed {
		pts = append(pts, o.Point)
	}
	if len(pts) >= 2 && !(len(c.Observed) > 0 && c.Observed[len(c.Observed)-1].Year >= final.Year) {
		f, err := Predict(pts, final.Year, c.Indicator.Trajectory, final.Value, c.Indicator.Direction, pl)
		if err == nil {
			c.Forecast = &f
		} else {
			c.Err = err.Error()
		}
	}
}
