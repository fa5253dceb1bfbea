package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/region"
	"kechuang/internal/registry"
	"kechuang/internal/sheet"
	"kechuang/internal/store"
)

// The bureau console (科技局工作台): staff, finance and admin accounts, each
// limited to its jurisdiction (auth.RegionScope).

// scope is the GB/T 2260 prefix the account's lists are limited to.
func scope(q *req) string {
	p, _ := auth.RegionScope(*q.user)
	return p
}

// regionOption is a choice of the region filter.
type regionOption struct {
	Code, Name string
	Depth      int
}

// regionOptions lists the regions the filter offers: the account's
// jurisdiction and every division under it (GB/T 2260), or, for an account
// without one (admin), the regions that hold subjects and the cities and
// provinces above them.
func (s *Server) regionOptions(q *req) ([]regionOption, error) {
	var codes []string
	if j := q.user.Jurisdiction; j != "" {
		codes = region.Under(j)
	} else {
		held, err := s.Store.Regions(q.r.Context(), "")
		if err != nil {
			return nil, err
		}
		set := map[string]bool{}
		for _, c := range held {
			if len(c) == 6 {
				set[c], set[c[:4]+"00"], set[c[:2]+"0000"] = true, true, true
			}
		}
		for c := range set {
			codes = append(codes, c)
		}
		slices.Sort(codes)
	}
	out := make([]regionOption, 0, len(codes))
	for _, c := range codes {
		name := region.Name(c)
		if name == "" {
			name = c
		}
		out = append(out, regionOption{Code: c, Name: name, Depth: len(trimRegion(c))/2 - 1})
	}
	return out, nil
}

// trimRegion is the prefix a code stands for: 620600 → 6206.
func trimRegion(code string) string {
	switch {
	case strings.HasSuffix(code, "0000"):
		return code[:2]
	case strings.HasSuffix(code, "00"):
		return code[:4]
	}
	return code
}

type subjectsData struct {
	Rows    []store.SubjectRow
	Q       string
	Region  string
	Kind    string
	Regions []regionOption
	Kinds   []facts.Term
	Next    string // the After of the next page, if there is one
	Limit   int
	Query   string // the filter as a query string, for export links
}

const pageSize = 50

// filter reads the subject filter from the query, narrowed to the
// account's jurisdiction.
func filterOf(q *req) (store.Filter, error) {
	v := q.r.URL.Query()
	fl := store.Filter{Kind: v.Get("kind"), Query: strings.TrimSpace(v.Get("q")), After: v.Get("after"), Limit: pageSize}
	var err error
	asked := trimRegion(v.Get("region"))
	if fl.Region, err = auth.Narrow(scope(q), asked); err != nil {
		return fl, err
	}
	return fl, nil
}

// subjects is the subject search (主体查询) with filters; with htmx the
// results table is replaced as the user types.
func (s *Server) subjects(q *req) error {
	fl, err := filterOf(q)
	if err != nil {
		return err
	}
	fl.Limit = pageSize + 1
	rows, err := s.Store.Subjects(q.r.Context(), fl)
	if err != nil {
		return err
	}
	v := q.r.URL.Query()
	d := subjectsData{Q: fl.Query, Region: v.Get("region"), Kind: fl.Kind, Limit: pageSize, Kinds: facts.Vocab["subject_kind"]}
	if len(rows) > pageSize {
		rows = rows[:pageSize]
		d.Next = rows[len(rows)-1].ID
	}
	d.Rows = rows
	if d.Regions, err = s.regionOptions(q); err != nil {
		return err
	}
	keep := v
	keep.Del("after")
	d.Query = keep.Encode()
	return s.render(q, http.StatusOK, "subjects", q.lang.T("subjects.title"), "subjects", d)
}

// exportSubjects writes the filtered subjects (all pages) as .xlsx or CSV
// in the import template's layout, so a sheet can be corrected and imported.
func (s *Server) exportSubjects(q *req) error {
	fl, err := filterOf(q)
	if err != nil {
		return err
	}
	format := q.r.URL.Query().Get("format")
	if format != "csv" && format != "xlsx" {
		return errs.At(errs.Pos{Path: "format"}, "format must be xlsx or csv")
	}
	fl.After = ""
	var all []*facts.Facts
	if err := s.Store.EachFacts(q.r.Context(), fl, func(f *facts.Facts) error {
		all = append(all, f)
		return nil
	}); err != nil {
		return err
	}
	return writeSheet(q, "subjects", format, sheet.Table{Name: "主体", Rows: registry.Encode(all)})
}

// writeSheet sends tables as a download.
func writeSheet(q *req, name, format string, tables ...sheet.Table) error {
	ct := map[string]string{"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[format]
	q.w.Header().Set("Content-Type", ct)
	q.w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+"."+format))
	return sheet.Write(q.w, format, tables...)
}

func atoi(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}
