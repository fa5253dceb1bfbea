package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/registry"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// subjectFor loads the subject named in the path after checking the
// account may read it. An enterprise asking for another subject, and staff
// asking for one outside their jurisdiction or for one that does not exist,
// get the same refusal: the answer does not tell whether it exists.
func (s *Server) subjectFor(q *req) (f *facts.Facts, v int, err error) {
	u := *q.user
	if _, ok := auth.RegionScope(u); !ok && u.Role != auth.Enterprise {
		return nil, 0, errs.E(errs.Permission, "%s", q.lang.T("err.no-subjects"))
	}
	err = auth.CheckSubject(u, auth.Read, q.r.PathValue("id"), func() (auth.Subject, error) {
		if f, v, err = s.Store.Facts(q.r.Context(), q.r.PathValue("id")); err != nil {
			return auth.Subject{}, err
		}
		return auth.Subject{ID: f.Subject.ID, Region: f.Subject.Region}, nil
	})
	if err != nil {
		return nil, 0, err
	}
	return f, v, nil
}

// evalDate is the date a report is made at: ?at=, else the facts' as_of,
// else today in Asia/Shanghai.
func (s *Server) evalDate(q *req, f *facts.Facts) (policy.Date, error) {
	at := q.r.URL.Query().Get("at")
	if at == "" {
		at = f.AsOf
	}
	if at == "" {
		return policy.DateOf(s.now()), nil
	}
	d, err := policy.ParseDate(at)
	if err != nil {
		return 0, errs.At(errs.Pos{Path: "at"}, "%q is not a date: write it as YYYY-MM-DD", at)
	}
	return d, nil
}

type checkupData struct {
	Facts       *facts.Facts
	Version     int
	At          string
	Report      *rules.Report
	Ladder      *rules.Ladder
	Entitled    []rules.ClauseResult
	Projected   []rules.ClauseResult
	NeedsFacts  []rules.ClauseResult
	Near        []rules.ClauseResult // not entitled, with a near miss
	Blocked     []rules.ClauseResult
	Excluded    []rules.ClauseResult
	NotEntitled []rules.ClauseResult
	Failed      []rules.ClauseResult
	Staff       bool
	CanWrite    bool
	Saved       bool
}

// checkup is 政策体检: every clause in force for the subject, with amount,
// citation, explanation, missing facts and near misses, and the ladder.
// Statuses the subject qualifies for by the national standards but holds no
// certificate for are shown as projected, apart from the totals.
func (s *Server) checkup(q *req) error {
	f, v, err := s.subjectFor(q)
	if err != nil {
		return err
	}
	at, err := s.evalDate(q, f)
	if err != nil {
		return err
	}
	ev := s.Engine.NewEvaluator()
	rep := ev.EvaluateAssessed(f, at, int64(at.Year()))
	d := checkupData{Facts: f, Version: v, At: at.String(), Report: rep, Ladder: ev.Ladder(f, at), Staff: q.user.Role != auth.Enterprise,
		CanWrite: auth.CanSubject(*q.user, auth.Write, auth.Subject{ID: f.Subject.ID, Region: f.Subject.Region}) == nil,
		Saved:    q.r.URL.Query().Get("saved") != ""}
	for _, c := range rep.Clauses {
		switch c.Outcome {
		case rules.Entitled:
			if c.Projected {
				d.Projected = append(d.Projected, c)
			} else {
				d.Entitled = append(d.Entitled, c)
			}
		case rules.NeedsFacts:
			d.NeedsFacts = append(d.NeedsFacts, c)
		case rules.Blocked:
			d.Blocked = append(d.Blocked, c)
		case rules.Excluded:
			d.Excluded = append(d.Excluded, c)
		case rules.NotEntitled:
			if len(c.NearMisses) > 0 {
				d.Near = append(d.Near, c)
			} else {
				d.NotEntitled = append(d.NotEntitled, c)
			}
		default:
			d.Failed = append(d.Failed, c)
		}
	}
	return s.render(q, http.StatusOK, "checkup", q.lang.T("checkup.title")+" · "+f.Subject.Name, "checkup", d)
}

type factsData struct {
	Facts    *facts.Facts
	Version  int
	Years    []yearRow
	Columns  []string // annual figure labels, in template order
	Lists    []listView
	History  []store.FactVersion
	Staff    bool
	CanWrite bool
}

type yearRow struct {
	Year   int64
	Source string
	Cells  []string
}

type listView struct {
	Key     string
	Columns []string
	Rows    [][]string
}

// subjectFacts shows the subject's profile, yearly figures with their
// sources, every recorded list, and the history of versions.
func (s *Server) subjectFacts(q *req) error {
	f, v, err := s.subjectFor(q)
	if err != nil {
		return err
	}
	hist, err := s.Store.History(q.r.Context(), f.Subject.ID)
	if err != nil {
		return err
	}
	d := factsData{Facts: f, Version: v, Staff: q.user.Role != auth.Enterprise,
		CanWrite: auth.CanSubject(*q.user, auth.Write, auth.Subject{ID: f.Subject.ID, Region: f.Subject.Region}) == nil}
	// Yearly figures: the import template's columns, so the page and the sheet agree.
	rows := registry.Encode([]*facts.Facts{f})
	first := 0
	for i, col := range registry.Columns {
		if col.Key() == "year" {
			first = i
		}
	}
	d.Columns = rows[0][first+2:]
	for _, r := range rows[1:] {
		if r[first] == "" {
			continue
		}
		var y int64
		json.Unmarshal([]byte(r[first]), &y)
		d.Years = append(d.Years, yearRow{Year: y, Source: r[first+1], Cells: r[first+2:]})
	}
	// Lists, shown as recorded in the current version.
	var raw map[string]json.RawMessage
	if len(hist) > 0 {
		json.Unmarshal(hist[len(hist)-1].Facts, &raw)
	}
	for _, key := range []string{"recognitions", "awards", "ip", "contests", "agreements", "projects", "appointments", "pools", "incidents", "assessments"} {
		var items []map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw[key]))
		dec.UseNumber() // money in fen stays an integer
		if err := dec.Decode(&items); err != nil || len(items) == 0 {
			continue
		}
		lv := listView{Key: key}
		seen := map[string]bool{}
		for _, it := range items {
			for k := range it {
				if !seen[k] {
					seen[k] = true
					lv.Columns = append(lv.Columns, k)
				}
			}
		}
		sortColumns(lv.Columns)
		for _, it := range items {
			var row []string
			for _, c := range lv.Columns {
				row = append(row, cell(it[c]))
			}
			lv.Rows = append(lv.Rows, row)
		}
		d.Lists = append(d.Lists, lv)
	}
	d.History = slices.Clone(hist)
	slices.Reverse(d.History) // newest first
	return s.render(q, http.StatusOK, "facts", q.lang.T("facts.title")+" · "+f.Subject.Name, "facts", d)
}
