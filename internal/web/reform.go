package web

import (
	"errors"
	"net/http"
	"runtime"
	"strings"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/match"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// Reform simulation (改革测算) in the console: the user picks a clause (its
// current amount and condition fill the form) or writes a reform, and sees
// what it would cost and who would gain or lose in their jurisdiction,
// against the library in force. Nothing is stored.

type reformData struct {
	Clauses []*rules.Clause // the clauses whose documents concern the account
	Clause  string
	Text    string
	Error   string
	Reform  *policy.Reform
	Result  *match.Comparison
	Scope   int // subjects in the account's jurisdiction
	Lines   []match.ClauseChange
	Totals  []match.TotalChange
	Changes []match.SubjectChange
	Gained  int
	Lost    int
	Shown   int
	Charts  map[string]chart
}

// maxReform bounds a reform's text.
const maxReform = 64 << 10

func (s *Server) reformClauses(q *req) []*rules.Clause {
	var out []*rules.Clause
	for _, c := range s.Engine.Clauses {
		if auth.CanClause(*q.user, auth.Read, clauseAuth(c)) == nil {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) reformForm(q *req) error {
	d := reformData{Clauses: s.reformClauses(q), Clause: q.r.URL.Query().Get("clause")}
	if d.Clause != "" {
		c, ok := s.Engine.ClauseByID(d.Clause)
		if !ok {
			return errs.E(errs.NotFound, "no clause %q", d.Clause)
		}
		f, err := s.file(c.Doc.ID)
		if err != nil {
			return err
		}
		if d.Text, err = policy.ReformTemplate(f, c.ID); err != nil {
			return err
		}
	}
	return s.render(q, http.StatusOK, "reform", q.lang.T("reform.title"), "reform", d)
}

func (s *Server) reformRun(q *req) error {
	d := reformData{Clauses: s.reformClauses(q), Text: q.r.PostFormValue("reform"), Clause: q.r.PostFormValue("clause")}
	if len(d.Text) > maxReform {
		return errs.At(errs.Pos{Path: "reform"}, "the reform is longer than %d KB", maxReform>>10)
	}
	rf, err := policy.ParseReform([]byte(d.Text), "reform", s.Engine.Files)
	var reformed *rules.Engine
	if err == nil {
		reformed, err = s.Engine.Reform(rf.Replace, rf.Remove, rf.Add)
	}
	if err != nil {
		if errs.KindOf(err) == errs.Internal {
			return err
		}
		d.Error = errorText(err)
		return s.render(q, http.StatusUnprocessableEntity, "reform", q.lang.T("reform.title"), "reform", d)
	}
	pop, err := s.Match.Population(q.r.Context())
	if err != nil {
		return err
	}
	latest, _, _ := s.Match.Latest() // the baseline, when it is of the population as it is now
	cmp, err := match.CompareWith(q.r.Context(), pop, latest, s.Engine, reformed, s.Match.At, s.Match.FY, s.PolicyVersion, s.now, runtime.GOMAXPROCS(0))
	if err != nil {
		return err
	}
	sc := scope(q)
	d.Reform, d.Result, d.Scope = rf, cmp, cmp.Base.SubjectsIn(sc)
	d.Lines = cmp.Clauses(sc, rf)
	d.Totals = cmp.Totals(sc)
	d.Changes, d.Gained, d.Lost = cmp.Changes(sc)
	d.Shown = min(len(d.Changes), 100)
	d.Changes = d.Changes[:d.Shown]
	// Chart: before and after per budget year and payer (lower bounds, 元).
	ch := chart{Kind: "bar", Unit: "元", Series: []series{{Name: q.lang.T("reform.before")}, {Name: q.lang.T("reform.after")}}}
	for _, t := range d.Totals {
		if t.Base == t.Reform {
			continue
		}
		ch.Categories = append(ch.Categories, t.Payer+" "+itoa64(t.BudgetYear))
		ch.Series[0].Data = append(ch.Series[0].Data, int64(t.Base.Min/money.Yuan))
		ch.Series[1].Data = append(ch.Series[1].Data, int64(t.Reform.Min/money.Yuan))
	}
	d.Charts = map[string]chart{"reform": ch}
	return s.render(q, http.StatusOK, "reform", q.lang.T("reform.title"), "reform", d)
}

// errorText is an error as lines for the page: each positioned problem on its own.
func errorText(err error) string {
	var l errs.List
	if errors.As(err, &l) {
		var lines []string
		for _, e := range l {
			lines = append(lines, e.Error())
		}
		return strings.Join(lines, "\n")
	}
	return err.Error()
}
