package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/fulfil/service"
	"kechuang/internal/indicator"
	"kechuang/internal/pool"
	"kechuang/internal/sheet"
	"kechuang/internal/store"
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
	Links        map[string]*linkView     // indicator id → the policies meant to move it
}

// linkView is what the clauses and pools meant to move an indicator have
// done in the jurisdiction: money committed and paid and beneficiaries per
// clause, members per pool, and the subjects reached, each counted once.
type linkView struct {
	Clauses  []linkedClause
	Pools    []linkedPool
	Subjects int
}

type linkedClause struct {
	indicator.Link
	Money service.ClauseMoney
}

type linkedPool struct {
	indicator.Link
	Members int // admitted or graduated
}

// indicatorJurisdictions are the jurisdictions whose documents set targets.
func (s *Server) indicatorJurisdictions() []string {
	var out []string
	for _, t := range s.indicators.Targets {
		if !slices.Contains(out, t.Region) {
			out = append(out, t.Region)
		}
	}
	for _, r := range s.indicators.Rows {
		if !slices.Contains(out, r.Table.Doc.Jurisdiction) {
			out = append(out, r.Table.Doc.Jurisdiction)
		}
	}
	slices.Sort(out)
	return out
}

func (s *Server) indicatorCards(q *req) (*indicatorsData, error) {
	j := q.r.URL.Query().Get("j")
	if j == "" {
		j = q.user.Jurisdiction
		if q.user.Role == auth.Admin {
			j = s.indicatorJurisdictions()[0]
		}
	}
	if q.user.Role != auth.Admin && !auth.Reaches(q.user.Jurisdiction, j) {
		return nil, errs.E(errs.Permission, "%s不在本账号的辖区内", regionFull(j))
	}
	if _, err := strconv.Atoi(j); err != nil || len(j) != 6 {
		return nil, errs.At(errs.Pos{Path: "j"}, "jurisdiction %q: a six-digit GB/T 2260 code", j)
	}
	now := s.now().In(Shanghai).Year()
	var subjects []*facts.Facts
	loaded := false
	observe := func(in *indicator.Indicator, j string) ([]indicator.Observation, error) {
		var out []indicator.Observation
		if in.Computed != "" {
			if !loaded {
				if err := s.Store.EachFacts(q.r.Context(), store.Filter{Region: regionPrefix(j)}, func(f *facts.Facts) error {
					subjects = append(subjects, f)
					return nil
				}); err != nil {
					return nil, err
				}
				loaded = true
			}
			for y := now - 5; y < now; y++ {
				c, err := indicator.Compute(s.Engine, in, subjects, j, y)
				if err != nil {
					return nil, err
				}
				if in.Computed == "tech_contracts" && len(c.Subjects) == 0 {
					continue // nobody reported the year's contracts: no value, not zero
				}
				out = append(out, indicator.Observation{Point: indicator.Point{Year: y, Value: c.Float()}, Source: "kechuang 按主体库计算：" + in.Caliber, Vintage: "computed"})
			}
		}
		stored, err := s.Store.IndicatorValues(q.r.Context(), in.ID, j, false)
		if err != nil {
			return nil, err
		}
		for _, v := range stored {
			f, err := strconv.ParseFloat(v.Value, 64)
			if err != nil {
				return nil, errs.E(errs.Internal, "stored value %d: %v", v.ID, err)
			}
			out = append(out, indicator.Observation{Point: indicator.Point{Year: v.Period, Value: f}, Source: v.Source, Vintage: v.Vintage, By: v.EnteredBy})
		}
		return out, nil
	}
	// The pipeline: members admitted to the pools that graduate into the
	// indicator, at the pools' historical pass rate (graduated ÷ left); no
	// history, no rate — nothing is assumed.
	pipelines := func(in *indicator.Indicator, j string) *indicator.Pipeline {
		var admitted, graduated, left int
		for _, id := range in.Pools {
			ms, err := s.Store.Members(q.r.Context(), store.MemberFilter{Pool: id})
			if err != nil {
				return nil
			}
			for _, m := range ms {
				switch m.State {
				case pool.Admitted:
					if strings.HasPrefix(m.Region, regionPrefix(j)) {
						admitted++
					}
				case pool.Graduated:
					graduated++
					left++
				case pool.Removed:
					left++
				}
			}
		}
		if admitted == 0 || left == 0 {
			return nil
		}
		return &indicator.Pipeline{Candidates: admitted, Rate: float64(graduated) / float64(left),
			Note: fmt.Sprintf("培育库在库%d家 × 历史毕业率%d/%d", admitted, graduated, left)}
	}
	cards, err := s.indicators.Cards(j, now, observe, pipelines)
	if err != nil {
		return nil, err
	}
	rank := map[indicator.Status]int{indicator.OffTrack: 0, indicator.Attention: 1, "": 2, indicator.OnTrack: 3, indicator.Met: 4}
	slices.SortStableFunc(cards, func(a, b *indicator.Card) int { return rank[status(a)] - rank[status(b)] })
	d := &indicatorsData{Jurisdiction: j, Name: regionFull(j), Cards: cards, Counts: map[string]int{}, Charts: map[string]trendChart{}, Year: now}
	if q.user.Role == auth.Admin {
		d.Choices = s.indicatorJurisdictions()
	}
	d.Registry, d.Imported = s.indicators.Registry.List, q.r.URL.Query().Get("imported")
	d.CanEnter = mayEnterValues(*q.user, j) == nil
	for _, a := range s.assessments {
		if a.Jurisdiction != j {
			continue
		}
		if !loaded { // the counties' computed values need the subjects too
			if err := s.Store.EachFacts(q.r.Context(), store.Filter{Region: regionPrefix(j)}, func(f *facts.Facts) error {
				subjects = append(subjects, f)
				return nil
			}); err != nil {
				return nil, err
			}
			loaded = true
		}
		values := func(in *indicator.Indicator, county string, y int) (float64, bool) {
			stored, err := s.Store.IndicatorValues(q.r.Context(), in.ID, county, false)
			if err == nil {
				for _, v := range stored {
					if v.Period == y {
						f, err := strconv.ParseFloat(v.Value, 64)
						return f, err == nil
					}
				}
			}
			if in.Computed == "" {
				return 0, false
			}
			c, err := indicator.Compute(s.Engine, in, subjects, county, y)
			if err != nil || in.Computed == "tech_contracts" && len(c.Subjects) == 0 {
				return 0, false
			}
			return c.Float(), true
		}
		if d.Counties, err = a.Assess(s.indicators, cards, now-1, values); err != nil {
			return nil, err
		}
	}
	d.Links = map[string]*linkView{}
	for _, c := range cards {
		d.Counts[string(status(c))]++
		d.Charts[c.Indicator.ID] = trendOf(c)
		if lv, err := s.linked(q, c.Indicator, j); err != nil {
			return nil, err
		} else if lv != nil {
			d.Links[c.Indicator.ID] = lv
		}
	}
	return d, nil
}

func status(c *indicator.Card) indicator.Status {
	if c.Latest == nil {
		return ""
	}
	return c.Latest.Status
}

func regionPrefix(j string) string {
	p := j
	for len(p) > 2 && p[len(p)-2:] == "00" {
		p = p[:len(p)-2]
	}
	return p
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

// mayEnterValues: staff and finance enter the values of their jurisdiction
// (finance: the fiscal ones it publishes); admin any.
func mayEnterValues(u auth.User, region string) error {
	switch {
	case u.Role == auth.Admin:
		return nil
	case u.Role == auth.Staff || u.Role == auth.Finance:
		if strings.HasPrefix(region, regionPrefix(u.Jurisdiction)) {
			return nil
		}
		return errs.At(errs.Pos{Path: "region"}, "%s不在本账号的辖区（%s）内", region, regionFull(u.Jurisdiction))
	}
	return errs.E(errs.Permission, "指标数值由科技、财政部门工作人员录入")
}

// storeEntries checks every entry's reach and stores them, all or none.
func (s *Server) storeEntries(q *req, es []indicator.Entry) error {
	vs := make([]store.IndicatorValue, len(es))
	for i, e := range es {
		if err := mayEnterValues(*q.user, e.Region); err != nil {
			return err
		}
		vs[i] = store.IndicatorValue{Indicator: e.Indicator, Region: e.Region, Period: e.Period, Value: e.Value, Source: e.Source,
			Vintage: e.Vintage, EnteredBy: q.user.ID, Note: e.Note}
	}
	return s.Store.PutIndicatorValues(q.r.Context(), vs)
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
		err = s.storeEntries(q, es)
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
		err = s.storeEntries(q, es)
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

// linked sums the clauses and pools that declare indicator in, for j.
func (s *Server) linked(q *req, in *indicator.Indicator, j string) (*linkView, error) {
	links := s.indicators.Links[in.ID]
	if len(links) == 0 {
		return nil, nil
	}
	lv := &linkView{}
	var ids []string
	var cls []indicator.Link
	for _, l := range links {
		if !auth.Reaches(j, l.Doc.Jurisdiction) {
			continue
		}
		switch l.Kind {
		case "clause":
			ids, cls = append(ids, l.ID), append(cls, l)
		case "pool":
			ms, err := s.Store.Members(q.r.Context(), store.MemberFilter{Pool: l.ID, Region: regionPrefix(j)})
			if err != nil {
				return nil, err
			}
			n := 0
			for _, m := range ms {
				if m.State == pool.Admitted || m.State == pool.Graduated {
					n++
				}
			}
			lv.Pools = append(lv.Pools, linkedPool{Link: l, Members: n})
		}
	}
	if len(ids) > 0 {
		money, subjects, err := s.svc().ByClause(q.r.Context(), *q.user, regionPrefix(j), ids)
		if err != nil {
			return nil, err
		}
		for i, m := range money {
			lv.Clauses = append(lv.Clauses, linkedClause{Link: cls[i], Money: m})
		}
		lv.Subjects = subjects
	}
	if len(lv.Clauses) == 0 && len(lv.Pools) == 0 {
		return nil, nil
	}
	return lv, nil
}
