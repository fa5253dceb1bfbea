package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/registry"
	"kechuang/internal/store"
)

// Entering yearly figures (填报年度数据): the 政策体检 names the facts a clause
// still needs; the enterprise (marked 企业自报) or staff of its jurisdiction
// (marked 科技部门) enter a year's figures here. Each save is a new facts
// version — the old values stay in the history — and nothing is written
// unless every field is valid.

type figureField struct {
	Key, Title string
	Amount     bool // 万元; otherwise a count
	Value      string
	Error      string
	Source     string // where the stored value came from
}

type editData struct {
	Facts  *facts.Facts
	Year   int64
	Years  []int64
	Fields []figureField
	Note   string
	Errors int
}

// editYear is the year the form is for: ?year=, else the latest year with
// figures, else the year before the facts' date.
func (s *Server) editYear(q *req, f *facts.Facts) (int64, error) {
	if v := q.r.URL.Query().Get("year"); v != "" || q.r.PostFormValue("year") != "" {
		if v == "" {
			v = q.r.PostFormValue("year")
		}
		y, err := strconv.ParseInt(v, 10, 64)
		if err != nil || y < 1949 || y > int64(s.now().Year())+1 {
			return 0, errs.At(errs.Pos{Path: "year"}, "%q is not a year between 1949 and next year", v)
		}
		return y, nil
	}
	var y int64
	for _, a := range f.Annual {
		y = max(y, a.Year)
	}
	if y == 0 {
		at := policy.DateOf(s.now())
		if d, err := policy.ParseDate(f.AsOf); err == nil {
			at = d
		}
		y = int64(at.Year()) - 1
	}
	return y, nil
}

// subjectToWrite loads the subject after checking the account may change it.
func (s *Server) subjectToWrite(q *req) (*facts.Facts, error) {
	f, _, err := s.subjectFor(q)
	if err != nil {
		return nil, err
	}
	if err := auth.CanSubject(*q.user, auth.Write, auth.Subject{ID: f.Subject.ID, Region: f.Subject.Region}); err != nil {
		return nil, err
	}
	return f, nil
}

func (s *Server) editForm(q *req) error {
	f, err := s.subjectToWrite(q)
	if err != nil {
		return err
	}
	y, err := s.editYear(q, f)
	if err != nil {
		return err
	}
	d := editData{Facts: f, Year: y, Years: yearsOf(f, y)}
	var rec *facts.Annual
	for i := range f.Annual {
		if f.Annual[i].Year == y {
			rec = &f.Annual[i]
		}
	}
	encoded := registry.Encode([]*facts.Facts{f})
	for i, c := range registry.Columns {
		amount, _, ok := c.Figure()
		if !ok {
			continue
		}
		fd := figureField{Key: c.Key(), Title: c.Title(), Amount: amount}
		if rec != nil {
			for _, row := range encoded[1:] {
				if row[colIndex("year")] == strconv.FormatInt(y, 10) {
					fd.Value = trimWan(row[i])
				}
			}
			if fd.Value != "" {
				fd.Source = facts.TermZh("source", rec.SourceOf(c.Key()))
			}
		}
		d.Fields = append(d.Fields, fd)
	}
	return s.render(q, http.StatusOK, "edit", q.lang.T("edit.title"), "facts", d)
}

func colIndex(key string) int {
	return slices.IndexFunc(registry.Columns, func(c registry.Column) bool { return c.Key() == key })
}

// trimWan drops the trailing zeros of an exact 万元 figure: 1200.000000 → 1200.
func trimWan(v string) string {
	if strings.Contains(v, ".") {
		v = strings.TrimRight(strings.TrimRight(v, "0"), ".")
	}
	return v
}

// yearsOf offers the years with figures, the chosen one, and the five
// before the latest.
func yearsOf(f *facts.Facts, y int64) []int64 {
	set := map[int64]bool{y: true}
	top := y
	for _, a := range f.Annual {
		set[a.Year] = true
		top = max(top, a.Year)
	}
	for i := range int64(5) {
		set[top-i] = true
	}
	var out []int64
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

func (s *Server) editSave(q *req) error {
	f, err := s.subjectToWrite(q)
	if err != nil {
		return err
	}
	y, err := s.editYear(q, f)
	if err != nil {
		return err
	}
	u := *q.user
	source, entry := "sti", "entry"
	if u.Role == auth.Enterprise {
		source, entry = "self", "self"
	}
	d := editData{Facts: f, Year: y, Years: yearsOf(f, y), Note: strings.TrimSpace(q.r.PostFormValue("note"))}
	values := map[string]any{}
	for _, c := range registry.Columns {
		amount, signed, ok := c.Figure()
		if !ok {
			continue
		}
		fd := figureField{Key: c.Key(), Title: c.Title(), Amount: amount, Value: strings.TrimSpace(q.r.PostFormValue(c.Key()))}
		if fd.Value != "" {
			if v, msg := parseFigure(fd.Value, amount, signed, q); msg != "" {
				fd.Error = msg
				d.Errors++
			} else {
				values[c.Key()] = v
			}
		}
		d.Fields = append(d.Fields, fd)
	}
	if d.Errors > 0 {
		return s.render(q, http.StatusUnprocessableEntity, "edit", q.lang.T("edit.title"), "facts", d)
	}
	// The new version: the stored document with this year's figures replaced.
	hist, err := s.Store.History(q.r.Context(), f.Subject.ID)
	if err != nil {
		return err
	}
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(hist[len(hist)-1].Facts))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return errs.E(errs.Internal, "stored facts of %s: %v", f.Subject.ID, err)
	}
	annual, _ := doc["annual"].([]any)
	var rec map[string]any
	for _, a := range annual {
		if m, ok := a.(map[string]any); ok && fmt.Sprint(m["year"]) == strconv.FormatInt(y, 10) {
			rec = m
		}
	}
	if rec == nil {
		rec = map[string]any{"year": y}
		annual = append(annual, rec)
	}
	sources, _ := rec["sources"].(map[string]any)
	if sources == nil {
		sources = map[string]any{}
	}
	changed := 0
	for _, c := range registry.Columns {
		if _, _, ok := c.Figure(); !ok {
			continue
		}
		k := c.Key()
		v, given := values[k]
		old, had := rec[k]
		switch {
		case given && (!had || !sameFigure(old, v.(int64))):
			rec[k], sources[k] = v, source
			changed++
		case !given && had:
			delete(rec, k) // emptied: unknown again
			delete(sources, k)
			changed++
		}
	}
	if changed == 0 {
		http.Redirect(q.w, q.r, "/subjects/"+f.Subject.ID+"/facts", http.StatusSeeOther)
		return nil
	}
	if len(sources) > 0 {
		rec["sources"] = sources
	}
	doc["annual"] = annual
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	if _, err := facts.DecodeBytes(b, ""); err != nil {
		return err // the figures are valid one by one; the document must stay valid too
	}
	note := d.Note
	if note == "" {
		note = fmt.Sprintf("%d年度数据：%d项", y, changed)
	}
	if _, err := s.Store.PutFacts(q.r.Context(), b, store.Entry{Source: entry, By: u.ID, Note: note}); err != nil {
		return err
	}
	s.Match.Trigger() // the 免申即享 lists follow the new figures
	http.Redirect(q.w, q.r, "/subjects/"+f.Subject.ID+"?saved=1", http.StatusSeeOther)
	return nil
}

// sameFigure reports whether a stored figure (fen or a count as a number,
// or an amount written with its unit, "5.62亿元") equals v.
func sameFigure(old any, v int64) bool {
	switch x := old.(type) {
	case json.Number:
		n, err := x.Int64()
		return err == nil && n == v
	case string:
		f, err := money.Parse(x)
		return err == nil && int64(f) == v
	}
	return false
}

// parseFigure reads one figure: 万元 exactly to the fen, or a count.
func parseFigure(v string, amount, signed bool, q *req) (int64, string) {
	if !amount {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, q.lang.T("edit.err.count", v)
		}
		return n, ""
	}
	fen, err := money.Parse(strings.TrimSuffix(strings.TrimSuffix(v, "万元"), "万") + "万元")
	if err != nil {
		return 0, q.lang.T("edit.err.amount", v)
	}
	if fen < 0 && !signed {
		return 0, q.lang.T("edit.err.negative", v)
	}
	return int64(fen), ""
}
