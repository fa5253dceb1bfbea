package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kechuang/internal/match"
	"kechuang/internal/money"
	"kechuang/internal/region"
)

// The dashboard (数据看板): the latest population match of the account's
// jurisdiction, by payer and budget year, by document and by region, as
// tables (readable without JavaScript) and ECharts charts.

type bucket struct {
	Key, Name string
	Amount    money.Interval
	Count     int
}

// chart is what app.js draws; amounts in whole 元 (fen / 100, rounded
// down, for display only).
type chart struct {
	Kind       string   `json:"kind"` // bar, stacked
	Categories []string `json:"categories"`
	Series     []series `json:"series"`
	Unit       string   `json:"unit"`
}

type series struct {
	Name string  `json:"name"`
	Data []int64 `json:"data"`
}

type dashboardData struct {
	Run        runInfo
	Totals     []match.Total
	Sum        money.Interval
	Entitled   int
	Recipients int
	Documents  []bucket
	Regions    []bucket
	Charts     map[string]chart
}

func (s *Server) dashboard(q *req) error {
	d := dashboardData{Run: s.runInfo(q), Charts: map[string]chart{}}
	res := d.Run.Result
	if res == nil {
		return s.render(q, http.StatusOK, "dashboard", q.lang.T("dashboard.title"), "dashboard", d)
	}
	sc := scope(q)
	d.Totals = res.Totals(s.Engine, sc)
	for _, t := range d.Totals {
		d.Sum = d.Sum.Add(t.Amount)
	}
	agg := res.Memo("dashboard|"+sc, func() any { return s.aggregate(res, sc) }).(aggregate)
	d.Entitled, d.Recipients, d.Documents, d.Regions = agg.entitled, agg.recipients, agg.documents, agg.regions

	// Charts: budget years × payers, stacked.
	var years []string
	var payers []string
	for _, t := range d.Totals {
		y := itoa64(t.BudgetYear)
		if !slices.Contains(years, y) {
			years = append(years, y)
		}
		if !slices.Contains(payers, t.Payer) {
			payers = append(payers, t.Payer)
		}
	}
	by := chart{Kind: "stacked", Categories: years, Unit: "元"}
	for _, p := range payers {
		sr := series{Name: p, Data: make([]int64, len(years))}
		for _, t := range d.Totals {
			if t.Payer == p {
				sr.Data[slices.Index(years, itoa64(t.BudgetYear))] = int64(t.Amount.Min / money.Yuan)
			}
		}
		by.Series = append(by.Series, sr)
	}
	d.Charts["payers"] = by
	d.Charts["documents"] = bucketChart(d.Documents, q.lang.T("total.amount"))
	d.Charts["regions"] = bucketChart(d.Regions, q.lang.T("total.amount"))
	return s.render(q, http.StatusOK, "dashboard", q.lang.T("dashboard.title"), "dashboard", d)
}

// aggregate is the dashboard's figures for one jurisdiction, worked out
// once per match run.
type aggregate struct {
	entitled, recipients int
	documents, regions   []bucket
}

func (s *Server) aggregate(res *match.Result, sc string) aggregate {
	var a aggregate
	docs, regs := map[string]*bucket{}, map[string]*bucket{}
	recipients := map[string]bool{}
	// Regions one level below the account's: counties for a city, cities for a province.
	depth := min(len(sc)+2, 6)
	res.Each(sc, func(ci int, e *match.Entry) {
		c := s.Engine.Clauses[ci]
		if c.Kind != "payment" {
			return
		}
		a.entitled++
		recipients[e.Subject] = true
		add(docs, c.Doc.ID, c.Doc.Title, e.Amount)
		key := e.Region[:depth]
		add(regs, key, regionName(key), e.Amount)
	})
	a.recipients = len(recipients)
	a.documents, a.regions = sortedBuckets(docs), sortedBuckets(regs)
	return a
}

func add(m map[string]*bucket, key, name string, iv money.Interval) {
	b, ok := m[key]
	if !ok {
		b = &bucket{Key: key, Name: name}
		m[key] = b
	}
	b.Amount = b.Amount.Add(iv)
	b.Count++
}

func sortedBuckets(m map[string]*bucket) []bucket {
	var out []bucket
	for _, b := range m {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b bucket) int {
		if a.Amount.Min != b.Amount.Min {
			if a.Amount.Min > b.Amount.Min {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

func bucketChart(bs []bucket, label string) chart {
	ch := chart{Kind: "bar", Unit: "元", Series: []series{{Name: label}}}
	for _, b := range bs {
		ch.Categories = append(ch.Categories, b.Name)
		ch.Series[0].Data = append(ch.Series[0].Data, int64(b.Amount.Min/money.Yuan))
	}
	return ch
}

// regionName names a region prefix (4 digits: a city; 2: a province).
func regionName(prefix string) string {
	code := prefix + strings.Repeat("0", 6-len(prefix))
	if n := region.Name(code); n != "" {
		return n
	}
	return code
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
