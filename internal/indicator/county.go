package indicator

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"io/fs"
	"math"
	"slices"

	"go.yaml.in/yaml/v3"

	"kechuang/internal/errs"
)

//go:embed assessments/*.yaml
var assessmentFS embed.FS

// CountyAssessment is a configurable scoring of a jurisdiction's counties
// against its targets (督导考核): each item an indicator with a weight and a
// method — attainment, the county's value ÷ what the city's path requires
// that year (shares and ratios); or growth, the county's year-on-year
// growth ÷ the yearly rate the city's compound path requires (counts) —
// each capped, weighted into a score out of 100. The documents say that
// counties are assessed, never how: the configuration is local, and its
// Local text says so.
type CountyAssessment struct {
	ID           string   `yaml:"id"`
	Name         string   `yaml:"name"`
	Jurisdiction string   `yaml:"jurisdiction"`
	Section      string   `yaml:"section"`
	Quote        string   `yaml:"quote"` // the sentence that calls for the assessment
	Local        string   `yaml:"local"` // who set the method, and that it is local
	Counties     []string `yaml:"counties"`
	Cap          float64  `yaml:"cap"` // an item's ratio is capped here (e.g. 1.2)
	Items        []struct {
		Indicator string  `yaml:"indicator"`
		Weight    float64 `yaml:"weight"`
		Method    string  `yaml:"method"` // attainment, growth
	} `yaml:"items"`
}

// LoadAssessments reads the embedded county assessments and checks them
// against lib: known indicators with a path for the jurisdiction, weights
// summing to 100, a cap of at least 1.
func LoadAssessments(lib *Library) ([]*CountyAssessment, error) {
	paths, _ := fs.Glob(assessmentFS, "assessments/*.yaml")
	var out []*CountyAssessment
	var l errs.List
	for _, p := range paths {
		b, _ := fs.ReadFile(assessmentFS, p)
		var doc struct {
			Assessments []*CountyAssessment `yaml:"assessments"`
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&doc); err != nil {
			l = append(l, errs.At(errs.Pos{File: p}, "not a valid assessment file: %v", err))
			continue
		}
		for _, a := range doc.Assessments {
			bad := func(format string, args ...any) {
				l = append(l, errs.At(errs.Pos{File: p, Path: a.ID}, format, args...))
			}
			if a.Local == "" || a.Quote == "" {
				bad("an assessment quotes the sentence that calls for it and says who set its method (local)")
			}
			if a.Cap < 1 {
				bad("cap %v: at least 1", a.Cap)
			}
			sum := 0.0
			for _, it := range a.Items {
				sum += it.Weight
				if _, ok := lib.Registry.ByID(it.Indicator); !ok {
					bad("indicator %q is not in the registry", it.Indicator)
				}
				if it.Method != "attainment" && it.Method != "growth" {
					bad("method %q: attainment or growth", it.Method)
				}
			}
			if math.Abs(sum-100) > 1e-9 {
				bad("the weights sum to %v, not 100", sum)
			}
			out = append(out, a)
		}
	}
	if len(l) > 0 {
		return nil, l
	}
	return out, nil
}

// CountyItem is one indicator of one county's score.
type CountyItem struct {
	Indicator *Indicator
	Method    string
	Value     float64 // the county's value in the year
	Reference float64 // what it is measured against: the city path's value (attainment) or its yearly rate (growth)
	Measure   float64 // the county's value (attainment) or growth (growth)
	Ratio     float64 // Measure ÷ Reference, capped
	Points    float64 // Ratio × weight
	Missing   string  // why it could not be scored (0 points)
}

// CountyRow is a county's place.
type CountyRow struct {
	County     string
	Score      float64
	Rank       int
	PrevRank   int // 0: not ranked the year before
	Items      []CountyItem
	Strengths  []string // the items with the highest ratios
	Weaknesses []string // and the lowest
}

// CountyRanking is an assessment's result for a year.
type CountyRanking struct {
	Assessment *CountyAssessment
	Year       int
	Rows       []CountyRow
}

// Values gives a county's value of an indicator for a year (ok false: none).
type Values func(in *Indicator, region string, year int) (float64, bool)

// Assess scores every county for year, ranks them (equal scores share a
// rank), and compares with the year before. The city's path comes from the
// cards of its jurisdiction (cards).
func (a *CountyAssessment) Assess(lib *Library, cards []*Card, year int, values Values) (*CountyRanking, error) {
	paths := map[string]*Trajectory{}
	targets := map[string]float64{}
	for _, c := range cards {
		if c.Path != nil {
			paths[c.Indicator.ID] = c.Path
		}
		if t := c.Target(); t != nil {
			targets[c.Indicator.ID] = t.Value
		}
	}
	score := func(y int) ([]CountyRow, error) {
		var rows []CountyRow
		for _, county := range a.Counties {
			row := CountyRow{County: county}
			for _, it := range a.Items {
				in, _ := lib.Registry.ByID(it.Indicator)
				ci := CountyItem{Indicator: in, Method: it.Method}
				path := paths[in.ID]
				target, hasTarget := targets[in.ID]
				v, ok := values(in, county, y)
				switch {
				case path == nil && !(it.Method == "attainment" && hasTarget):
					ci.Missing = "市级目标没有规划路径"
				case !ok:
					ci.Missing = fmt.Sprintf("缺少%d年数值", y)
				case it.Method == "attainment":
					// against the path's value for the year, or — where the city
					// has a target but no path (no baseline) — the target itself
					ci.Value, ci.Measure, ci.Reference = v, v, target
					if path != nil {
						ci.Reference = path.At(y)
					}
					ci.Ratio = ratio(v, ci.Reference, in.Direction)
				default:
					prev, ok := values(in, county, y-1)
					r := path.Rate()
					switch {
					case !ok:
						ci.Missing = fmt.Sprintf("缺少%d年数值，无法计算增速", y-1)
					case math.IsNaN(r) || r <= 0:
						ci.Missing = "市级路径不是按年均增速绘制，或不要求增长"
					case prev <= 0:
						ci.Value, ci.Reference = v, r
						if v > 0 {
							ci.Ratio = a.Cap // from nothing to something: full marks
						}
					default:
						ci.Value, ci.Measure, ci.Reference = v, v/prev-1, r
						ci.Ratio = ci.Measure / r
					}
				}
				if ci.Missing == "" {
					ci.Ratio = math.Max(0, math.Min(a.Cap, ci.Ratio))
					ci.Points = ci.Ratio * it.Weight
				}
				row.Score += ci.Points
				row.Items = append(row.Items, ci)
			}
			row.Score = Round(row.Score, 2)
			rows = append(rows, row)
		}
		slices.SortStableFunc(rows, func(x, z CountyRow) int {
			return cmp.Or(cmp.Compare(z.Score, x.Score), cmp.Compare(x.County, z.County))
		})
		for i := range rows {
			rows[i].Rank = i + 1
			if i > 0 && rows[i].Score == rows[i-1].Score {
				rows[i].Rank = rows[i-1].Rank
			}
		}
		return rows, nil
	}
	cur, err := score(year)
	if err != nil {
		return nil, err
	}
	prev, _ := score(year - 1)
	before := map[string]int{}
	for _, r := range prev {
		if r.Score > 0 {
			before[r.County] = r.Rank
		}
	}
	for i := range cur {
		cur[i].PrevRank = before[cur[i].County]
		strengthsAndWeaknesses(&cur[i])
	}
	return &CountyRanking{Assessment: a, Year: year, Rows: cur}, nil
}

// ratio is v over reference, inverted for an indicator that should fall.
func ratio(v, ref float64, direction string) float64 {
	if direction == "down" {
		if v <= 0 {
			return math.Inf(1)
		}
		return ref / v
	}
	if ref == 0 {
		return math.Inf(1)
	}
	return v / ref
}

// strengthsAndWeaknesses names the two items with the highest ratios and
// the two with the lowest (an item that could not be scored is a weakness).
func strengthsAndWeaknesses(r *CountyRow) {
	items := slices.Clone(r.Items)
	slices.SortStableFunc(items, func(x, z CountyItem) int { return cmp.Compare(z.Ratio, x.Ratio) })
	for i, it := range items {
		if i < 2 && it.Missing == "" && it.Ratio >= 1 {
			r.Strengths = append(r.Strengths, it.Indicator.Name)
		}
	}
	for i := len(items) - 1; i >= 0 && len(r.Weaknesses) < 2; i-- {
		if it := items[i]; it.Missing != "" || it.Ratio < 1 {
			r.Weaknesses = append(r.Weaknesses, it.Indicator.Name)
		}
	}
}
