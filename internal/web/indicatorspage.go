package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/indicator"
	isvc "kechuang/internal/indicator/service"
	"kechuang/internal/sheet"
)

// 监测评价: one page per jurisdiction with a card for every indicator its
// documents set targets for — status as a traffic light, the target with
// its sentence, the latest value with its source and vintage, the required
// path, and the forecast with its probability — and an ECharts trend chart
// per card (actual, path, forecast band, target). Printable; the table
// exports to .xlsx.

type trendSeries struct {
	Name  string     `json:"name"`
	Style string     `json:"style"` // actual, path, low, high, target
	Data  []*float64 `json:"data"`
}

type trendChart struct {
	Kind       string        `json:"kind"` // trend
	Categories []string      `json:"categories"`
	Series     []trendSeries `json:"series"`
	Unit       string        `json:"unit"`
}

type indicatorsData struct {
	Jurisdiction string
	Name         string
	Choices      []string // jurisdictions with targets, for the admin's choice
	Cards        []*indicator.Card
	Counts       map[string]int // status → cards
	Charts       map[string]trendChart
	Year         int
	Registry     []*indicator.Indicator // for the entry form
	Imported     string
	CanEnter     bool
	Counties     *indicator.CountyRanking // 县区评价, where the jurisdiction has one
	Links        map[string]*isvc.Links   // indicator id → the policies meant to move it
	UsedBy       map[string][]string      // indicator id → the jurisdictions whose documents set targets for it
}

func (s *Server) indicatorSvc() *isvc.Service {
	return &isvc.Service{Engine: s.Engine, Lib: s.indicators, Assessments: s.assessments, Store: s.Store, Now: s.Now}
}

func (s *Server) indicatorCards(q *req) (*indicatorsData, error) {
	svc := s.indicatorSvc()
	dash, err := svc.Dashboard(q.r.Context(), *q.user, q.r.URL.Query().Get("j"))
	if err != nil {
		return nil, err
	}
	j := dash.Jurisdiction
	d := &indicatorsData{Jurisdiction: j, Name: regionFull(j), Cards: dash.Cards, Counts: map[string]int{}, Charts: map[string]trendChart{},
		Year: dash.Year, Counties: dash.Counties, Links: dash.Links, Registry: s.indicators.Registry.List,
		Imported: q.r.URL.Query().Get("imported"), CanEnter: isvc.MayEnter(*q.user, j) == nil}
	if q.user.Role == auth.Admin {
		d.Choices = svc.Jurisdictions()
	}
	for st, n := range dash.Counts {
		d.Counts[string(st)] = n
	}
	d.UsedBy = map[string][]string{}
	for _, c := range dash.Cards {
		d.Charts[c.Indicator.ID] = trendOf(c)
		d.UsedBy[c.Indicator.ID] = s.indicators.Jurisdictions(c.Indicator.ID)
	}
	return d, nil
}

// trendOf is a card's chart: years from the first observation to the
// target year; actual values, the path, the forecast band and the goals.
func trendOf(c *indicator.Card) trendChart {
	ch := trendChart{Kind: "trend", Unit: c.Indicator.Unit}
	t := c.Target()
	if t == nil {
		return ch
	}
	first := t.Year
	for _, o := range c.Observed {
		first = min(first, o.Year)
	}
	years := t.Year - first + 1
	val := func(v float64) *float64 { r := indicator.Round(v, 4); return &r }
	actual, path, low, high, goal := make([]*float64, years), make([]*float64, years), make([]*float64, years), make([]*float64, years), make([]*float64, years)
	for y := first; y <= t.Year; y++ {
		ch.Categories = append(ch.Categories, strconv.Itoa(y))
	}
	for _, o := range c.Observed {
		if o.Year <= t.Year {
			actual[o.Year-first] = val(o.Value)
		}
	}
	if c.Path != nil {
		for y := c.Path.Base.Year; y <= t.Year; y++ {
			if y >= first {
				path[y-first] = val(c.Path.At(y))
			}
		}
	}
	if f := c.Forecast; f != nil && !math.IsNaN(f.Mean) {
		low[t.Year-first], high[t.Year-first] = val(f.Low), val(f.High)
	}
	for _, g := range c.Goals {
		if g.Year >= first && !g.PerYear && !g.Change {
			goal[g.Year-first] = val(g.Value)
		}
	}
	ch.Series = []trendSeries{{"实际值", "actual", actual}, {"规划路径", "path", path}, {"预测下限（80%）", "low", low}, {"预测上限（80%）", "high", high}, {"目标值", "target", goal}}
	return ch
}

func (s *Server) indicatorsPage(q *req) error {
	d, err := s.indicatorCards(q)
	if err != nil {
		return err
	}
	return s.render(q, http.StatusOK, "indicators", q.lang.T("ind.title"), "indicators", d)
}

func (s *Server) indicatorsExport(q *req) error {
	format := q.r.URL.Query().Get("format")
	if format != "csv" && format != "xlsx" {
		return errs.At(errs.Pos{Path: "format"}, "format is xlsx or csv, not %q", format)
	}
	d, err := s.indicatorCards(q)
	if err != nil {
		return err
	}
	rows := [][]string{{"指标", "单位", "目标年份", "目标值", "依据", "基期", "基期值", "最新年份", "最新值", "来源", "口径", "规划要求值", "进度比", "状态", "预测值", "预测区间（80%）", "达标概率", "待人工确认"}}
	num := func(v float64) string { return strconv.FormatFloat(indicator.Round(v, 4), 'f', -1, 64) }
	for _, c := range d.Cards {
		r := make([]string, len(rows[0]))
		r[0], r[1] = c.Indicator.Name, c.Indicator.Unit
		if t := c.Target(); t != nil {
			r[2], r[3], r[4] = strconv.Itoa(t.Year), num(t.Value), fmt.Sprintf("《%s》%s：%s", t.Doc.Title, t.Citation.Section, t.Citation.Quote)
		}
		if c.Base != nil {
			r[5], r[6] = strconv.Itoa(c.Base.Year), num(c.Base.Value)
		}
		if n := len(c.Observed); n > 0 {
			o := c.Observed[n-1]
			r[7], r[8], r[9] = strconv.Itoa(o.Year), num(o.Value), o.Source
		}
		r[10] = c.Indicator.Caliber
		if a := c.Latest; a != nil {
			r[11], r[13] = num(a.Required), a.Status.Zh()
			if !math.IsNaN(a.Ratio) {
				r[12] = fmt.Sprintf("%.0f%%", a.Ratio*100)
			}
		}
		if f := c.Forecast; f != nil {
			r[14], r[15] = num(f.Mean), num(f.Low)+"–"+num(f.High)
			if !math.IsNaN(f.Probability) {
				r[16] = fmt.Sprintf("%.0f%%", f.Probability*100)
			}
		}
		if len(c.Flags) > 0 {
			r[17] = c.Flags[0]
		}
		rows = append(rows, r)
	}
	return writeSheet(q, "indicators-"+d.Jurisdiction, format, sheet.Table{Name: "监测评价", Rows: rows})
}

// indicatorValue enters one value from the dashboard's form.
func (s *Server) indicatorValue(q *req) error {
	f := q.r.PostForm
	rows := [][]string{indicator.ValueColumns, {f.Get("indicator"), f.Get("region"), f.Get("period"), f.Get("value"), f.Get("source"), f.Get("vintage"), f.Get("note")}}
	es, err := indicator.ReadValues(rows, s.indicators.Registry)
	if err == nil && len(es) == 0 {
		err = errs.At(errs.Pos{Path: "indicator"}, "fill in the indicator, region, year, value, source and vintage")
	}
	if err == nil {
		err = s.indicatorSvc().Enter(q.r.Context(), *q.user, es)
	}
	if err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/console/indicators?j="+url.QueryEscape(es[0].Region)+"#card-"+es[0].Indicator, http.StatusSeeOther)
	return nil
}

// indicatorImport reads a values sheet (.xlsx or .csv laid out as
// indicator.ValueColumns) and stores every row, or none with every
// problem by row and column.
func (s *Server) indicatorImport(q *req) error {
	file, fh, err := q.r.FormFile("file")
	if err != nil {
		return errs.At(errs.Pos{Path: "file"}, "choose an .xlsx or .csv file with the columns %s", strings.Join(indicator.ValueColumns, "、"))
	}
	defer file.Close()
	rows, err := sheet.Read(filepath.Base(fh.Filename), file)
	if err != nil {
		return err
	}
	es, err := indicator.ReadValues(rows, s.indicators.Registry)
	if err == nil {
		err = s.indicatorSvc().Enter(q.r.Context(), *q.user, es)
	}
	if err != nil {
		return err
	}
	j := q.user.Jurisdiction
	if j == "" && len(es) > 0 {
		j = es[0].Region
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/console/indicators?j=%s&imported=%d", url.QueryEscape(j), len(es)), http.StatusSeeOther)
	return nil
}
