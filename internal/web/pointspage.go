package web

import (
	"fmt"
	"net/http"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/score"
	"kechuang/internal/sheet"
	"kechuang/internal/store"
)

// 企业创新积分 of the account's jurisdiction (the built-in indicator set, a
// local configuration): the ranked list with each group's points and what
// each enterprise lacks, exportable for financial institutions (创新积分贷).

type pointsData struct {
	Year     int64
	Industry string
	Ranking  *score.Ranking
	Rows     [][]string
	Shown    int
	Total    int
	Query    string
}

// pointsShown is how many enterprises the page lists.
const pointsShown = 100

func (s *Server) pointsRanking(q *req) (*score.Ranking, int64, string, error) {
	year, err := yearParam(q, int64(s.now().In(Shanghai).Year()))
	if err != nil {
		return nil, 0, "", err
	}
	industry := q.r.URL.Query().Get("industry")
	var subjects []*facts.Facts
	if err := s.Store.EachFacts(q.r.Context(), store.Filter{Region: scope(q), Kind: "enterprise"}, func(f *facts.Facts) error {
		subjects = append(subjects, f)
		return nil
	}); err != nil {
		return nil, 0, "", err
	}
	c, err := score.Compile(score.DefaultSet())
	if err != nil {
		return nil, 0, "", err
	}
	m, err := c.Collect(subjects, year, "")
	if err != nil {
		return nil, 0, "", err
	}
	region, name := "", "全部辖区"
	if q.user.Role != auth.Admin {
		region, name = q.user.Jurisdiction, regionFull(q.user.Jurisdiction)
	}
	if industry != "" {
		name += " " + industry
	}
	r, err := m.Score(score.Cohort{ID: region, Name: name, Region: region, Industry: industry}, nil)
	return r, year, industry, err
}

func (s *Server) points(q *req) error {
	r, year, industry, err := s.pointsRanking(q)
	if err != nil {
		return err
	}
	rows := r.Rows()
	d := pointsData{Year: year, Industry: industry, Ranking: r, Total: len(rows) - 1, Query: q.r.URL.RawQuery}
	d.Rows = rows[:min(len(rows), pointsShown+1)]
	d.Shown = len(d.Rows) - 1
	return s.render(q, http.StatusOK, "points", q.lang.T("points.title"), "points", d)
}

func (s *Server) pointsExport(q *req) error {
	format := q.r.URL.Query().Get("format")
	if format != "csv" && format != "xlsx" {
		return errs.At(errs.Pos{Path: "format"}, "format is xlsx or csv, not %q", format)
	}
	r, year, _, err := s.pointsRanking(q)
	if err != nil {
		return err
	}
	return writeSheet(q, fmt.Sprintf("innovation-points-%d", year), format, sheet.Table{Name: "创新积分", Rows: r.Rows()})
}
