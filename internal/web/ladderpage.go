package web

import (
	"fmt"
	"net/http"
	"strconv"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/ladder"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// The ladder of the account's jurisdiction (梯次培育): enterprises per rung at
// the end of each year, the year's flows between rungs (which reconcile with
// the counts), and for each next rung the closest candidates with what each
// lacks — 小升高 among them.

type ladderRow struct {
	Rung, Name string
	Counts     []int
}

type ladderFlow struct {
	From, To string
	N        int
}

type ladderCands struct {
	Rung, Name string
	Total      int
	List       []ladder.Candidate
}

type ladderData struct {
	Year       int64
	Years      []int64
	Subjects   int
	Rows       []ladderRow
	Flows      []ladderFlow
	Candidates []ladderCands
}

// ladderShown is how many candidates a rung lists.
const ladderShown = 20

func (s *Server) ladderPage(q *req) error {
	year, err := yearParam(q, int64(s.now().In(Shanghai).Year()-1))
	if err != nil {
		return err
	}
	var subjects []*facts.Facts
	if err := s.Store.EachFacts(q.r.Context(), store.Filter{Region: scope(q), Kind: "enterprise"}, func(f *facts.Facts) error {
		subjects = append(subjects, f)
		return nil
	}); err != nil {
		return err
	}
	l, err := ladder.Build(s.Engine, subjects, year-3, year)
	if err != nil {
		return errs.E(errs.Invalid, "%v", err)
	}
	if p := l.Reconcile(); len(p) > 0 {
		return errs.E(errs.Internal, "the ladder does not reconcile: %v", p)
	}
	d := ladderData{Year: year, Years: l.Years, Subjects: len(subjects)}
	rungs := append([]string{ladder.None}, rules.Rungs...)
	for _, r := range rungs {
		row := ladderRow{Rung: r, Name: ladder.RungZh(r)}
		for _, y := range l.Years {
			row.Counts = append(row.Counts, l.Counts[y][r])
		}
		d.Rows = append(d.Rows, row)
	}
	for _, from := range rungs {
		for _, to := range rungs {
			if n := l.Flows[year][[2]string{from, to}]; n > 0 {
				d.Flows = append(d.Flows, ladderFlow{ladder.RungZh(from), ladder.RungZh(to), n})
			}
		}
	}
	at, _ := policy.ParseDate(fmt.Sprintf("%04d-12-31", year))
	cands := ladder.Candidates(s.Engine, subjects, at)
	for _, r := range rules.Rungs {
		if list := cands[r]; len(list) > 0 {
			d.Candidates = append(d.Candidates, ladderCands{Rung: r, Name: ladder.RungZh(r), Total: len(list), List: list[:min(ladderShown, len(list))]})
		}
	}
	return s.render(q, http.StatusOK, "ladder", q.lang.T("poplad.title"), "ladder", d)
}

// yearParam reads the page's ?year= (2000–2100), or gives def.
func yearParam(q *req, def int64) (int64, error) {
	y := q.r.URL.Query().Get("year")
	if y == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(y, 10, 64)
	if err != nil || n < 2000 || n > 2100 {
		return 0, errs.At(errs.Pos{Path: "year"}, "%q is not a year: write four digits", y)
	}
	return n, nil
}
