package web

import (
	"net/http"

	"kechuang/internal/auth"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/score"
	"kechuang/internal/store"
)

// 榜单 of the account's jurisdiction: each shipped board (score.Boards)
// published for the year with its method and the sentence that calls for
// it, and how it changed from the year before (新上榜, 落榜, 名次变化).

type boardView struct {
	Board    score.ShippedBoard
	DocTitle string
	Edition  *score.Edition
	Changes  score.Changes
	Rows     [][]string
}

type boardsData struct {
	Year   int64
	Boards []boardView
}

func (s *Server) boards(q *req) error {
	year, err := yearParam(q, int64(s.now().In(Shanghai).Year()-1))
	if err != nil {
		return err
	}
	d := boardsData{Year: year}
	for _, b := range score.Boards() {
		if q.user.Role != auth.Admin && !auth.Reaches(q.user.Jurisdiction, b.Jurisdiction) {
			continue
		}
		prefix, err := auth.Narrow(scope(q), policy.RegionPrefix(b.Jurisdiction))
		if err != nil {
			continue
		}
		var subjects []*facts.Facts
		if err := s.Store.EachFacts(q.r.Context(), store.Filter{Region: prefix, Kind: "enterprise"}, func(f *facts.Facts) error {
			subjects = append(subjects, f)
			return nil
		}); err != nil {
			return err
		}
		prev, err := b.Publish(subjects, year-1, "")
		if err != nil {
			return err
		}
		cur, err := b.Publish(subjects, year, "")
		if err != nil {
			return err
		}
		ch := score.Diff(prev, cur)
		v := boardView{Board: b, Edition: cur, Changes: ch, Rows: cur.Rows(ch)}
		for _, f := range s.Engine.Files {
			if f.Document.ID == b.Document {
				v.DocTitle = f.Document.Title
			}
		}
		d.Boards = append(d.Boards, v)
	}
	return s.render(q, http.StatusOK, "boards", q.lang.T("boards.title"), "boards", d)
}
