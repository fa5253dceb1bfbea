package api

import (
	"math"
	"net/http"

	"kechuang/internal/errs"
	"kechuang/internal/indicator"
	isvc "kechuang/internal/indicator/service"
)

// 监测评价 routes: a jurisdiction's dashboard as JSON, and entering values.
// Both go through internal/indicator/service, as the web page does.
var indicatorRoutes = []route{
	{"GET", "/api/v1/indicators", (*Server).indicators},
	{"POST", "/api/v1/indicator-values", (*Server).putIndicatorValues},
}

func init() { Routes = append(Routes, indicatorRoutes...) }

func (s *Server) indicatorSvc() (*isvc.Service, error) {
	c := &s.indicatorLib
	c.once.Do(func() {
		reg, err := indicator.LoadRegistry()
		if err != nil {
			c.err = err
			return
		}
		if c.lib, c.err = indicator.NewLibrary(reg, s.Engine.Files); c.err == nil {
			c.as, c.err = indicator.LoadAssessments(c.lib)
		}
	})
	if c.err != nil {
		return nil, c.err
	}
	return &isvc.Service{Engine: s.Engine, Lib: c.lib, Assessments: c.as, Store: s.Store, Now: s.Now}, nil
}

// num is a figure as JSON: null where it is not a number.
func num(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	r := indicator.Round(v, 6)
	return &r
}

// CardJSON is a card as the API shows it.
type CardJSON struct {
	Indicator   string            `json:"indicator"`
	Name        string            `json:"name"`
	Unit        string            `json:"unit"`
	Status      string            `json:"status"` // on_track, needs_attention, off_track, met, or "" (not assessed)
	StatusZh    string            `json:"status_zh"`
	Ratio       *float64          `json:"ratio"`
	Required    *float64          `json:"required"`
	Target      *GoalJSON         `json:"target"`
	Goals       []GoalJSON        `json:"goals"`
	Base        *ObservationJSON  `json:"base"`
	Observed    []ObservationJSON `json:"observed"`
	Path        string            `json:"path,omitempty"` // linear, compound
	Forecast    *ForecastJSON     `json:"forecast,omitempty"`
	Flags       []string          `json:"flags,omitempty"`
	Beneficiary *int              `json:"beneficiaries,omitempty"` // of the linked clauses, each counted once
}

// GoalJSON is a target with its sentence.
type GoalJSON struct {
	Year     int     `json:"year"`
	Value    float64 `json:"value"`
	Bound    string  `json:"bound"`
	Document string  `json:"document"`
	Section  string  `json:"section"`
	Quote    string  `json:"quote"`
	PerYear  bool    `json:"per_year,omitempty"`
	Change   bool    `json:"change,omitempty"`
}

// ObservationJSON is a value with its source.
type ObservationJSON struct {
	Year    int     `json:"year"`
	Value   float64 `json:"value"`
	Source  string  `json:"source"`
	Vintage string  `json:"vintage"`
}

// ForecastJSON is a forecast for the target year.
type ForecastJSON struct {
	Year        int      `json:"year"`
	Mean        *float64 `json:"mean"`
	Low         *float64 `json:"low"`
	High        *float64 `json:"high"`
	Probability *float64 `json:"probability"`
	Note        string   `json:"note,omitempty"`
}

func (s *Server) indicators(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, false)
	if err != nil {
		return err
	}
	svc, err := s.indicatorSvc()
	if err != nil {
		return err
	}
	d, err := svc.Dashboard(r.Context(), u, r.URL.Query().Get("j"))
	if err != nil {
		return err
	}
	cards := []CardJSON{}
	goal := func(g indicator.Goal) GoalJSON {
		return GoalJSON{Year: g.Year, Value: g.Value, Bound: g.Bound, Document: g.Doc.ID, Section: g.Citation.Section, Quote: g.Citation.Quote, PerYear: g.PerYear, Change: g.Change}
	}
	for _, c := range d.Cards {
		j := CardJSON{Indicator: c.Indicator.ID, Name: c.Indicator.Name, Unit: c.Indicator.Unit, Status: string(isvc.Status(c)), Flags: c.Flags, Goals: []GoalJSON{}, Observed: []ObservationJSON{}}
		j.StatusZh = isvc.Status(c).Zh()
		for _, g := range c.Goals {
			j.Goals = append(j.Goals, goal(g))
		}
		if t := c.Target(); t != nil {
			g := goal(*t)
			j.Target = &g
		}
		for _, o := range c.Observed {
			j.Observed = append(j.Observed, ObservationJSON{Year: o.Year, Value: o.Value, Source: o.Source, Vintage: o.Vintage})
		}
		if b := c.Base; b != nil {
			j.Base = &ObservationJSON{Year: b.Year, Value: b.Value, Source: b.Source, Vintage: b.Vintage}
		}
		if c.Path != nil {
			j.Path = c.Path.Method
		}
		if a := c.Latest; a != nil {
			j.Ratio, j.Required = num(a.Ratio), num(a.Required)
		}
		if f := c.Forecast; f != nil {
			j.Forecast = &ForecastJSON{Year: f.Year, Mean: num(f.Mean), Low: num(f.Low), High: num(f.High), Probability: num(f.Probability), Note: f.Note}
		}
		if l := d.Links[c.Indicator.ID]; l != nil {
			n := l.Subjects
			j.Beneficiary = &n
		}
		cards = append(cards, j)
	}
	out := map[string]any{"jurisdiction": d.Jurisdiction, "year": d.Year, "cards": cards}
	if d.Counties != nil {
		rows := []map[string]any{}
		for _, r := range d.Counties.Rows {
			rows = append(rows, map[string]any{"county": r.County, "score": r.Score, "rank": r.Rank, "previous_rank": r.PrevRank,
				"strengths": r.Strengths, "weaknesses": r.Weaknesses})
		}
		out["counties"] = map[string]any{"assessment": d.Counties.Assessment.ID, "year": d.Counties.Year, "method": d.Counties.Assessment.Local, "rows": rows}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) putIndicatorValues(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, true)
	if err != nil {
		return err
	}
	var req struct {
		Values []struct {
			Indicator string `json:"indicator"`
			Region    string `json:"region"`
			Year      string `json:"year"`
			Value     string `json:"value"`
			Source    string `json:"source"`
			Vintage   string `json:"vintage"`
			Note      string `json:"note"`
		} `json:"values"`
	}
	if err := decodeBody(r, &req, `{"values": [{"indicator", "region", "year", "value", "source", "vintage": "初步" or "最终", "note"?}]}`); err != nil {
		return err
	}
	svc, err := s.indicatorSvc()
	if err != nil {
		return err
	}
	rows := [][]string{indicator.ValueColumns}
	for _, v := range req.Values {
		rows = append(rows, []string{v.Indicator, v.Region, v.Year, v.Value, v.Source, v.Vintage, v.Note})
	}
	es, err := indicator.ReadValues(rows, svc.Lib.Registry)
	if err != nil {
		return err
	}
	if len(es) == 0 {
		return errs.At(errs.Pos{Path: "$.values"}, "no values given")
	}
	if err := svc.Enter(r.Context(), u, es); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"stored": len(es)})
}
