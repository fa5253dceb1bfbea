package web

import (
	"net/http"
	"strconv"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/match"
	"kechuang/internal/money"
	"kechuang/internal/rules"
	"kechuang/internal/sheet"
)

// The population match (批量匹配): for each clause, the subjects of the
// account's jurisdiction it pays — the 免申即享 candidate list — and the
// money per payer and budget year. It reads the latest run (match.Runner);
// staff start a new one after changing data.

type runInfo struct {
	Result   *match.Result
	Running  bool
	Err      string
	Subjects int // in the account's scope
}

func (s *Server) runInfo(q *req) runInfo {
	res, running, err := s.Match.Latest()
	ri := runInfo{Result: res, Running: running}
	if err != nil {
		ri.Err = err.Error()
	}
	if res != nil {
		ri.Subjects = res.SubjectsIn(scope(q))
	}
	return ri
}

type clauseLine struct {
	match.ClauseSummary
	Document string
	CanAct   bool
}

type matchData struct {
	Run      runInfo
	Lines    []clauseLine
	Totals   []match.Total
	Sum      money.Interval
	Entitled int
}

// clauseAuth is a clause as auth sees it.
func clauseAuth(c *rules.Clause) auth.Clause {
	return auth.Clause{ID: c.ID, Jurisdiction: c.Doc.Jurisdiction, Responsible: c.Responsible}
}

func (s *Server) matchSummary(q *req) error {
	d := matchData{Run: s.runInfo(q)}
	if res := d.Run.Result; res != nil {
		sc := scope(q)
		for _, cs := range res.Summary(s.Engine, sc) {
			if auth.CanClause(*q.user, auth.Read, clauseAuth(cs.Clause)) != nil {
				continue
			}
			d.Lines = append(d.Lines, clauseLine{ClauseSummary: cs, Document: cs.Clause.Doc.Title,
				CanAct: auth.CanClause(*q.user, auth.Write, clauseAuth(cs.Clause)) == nil})
			d.Entitled += cs.Entitled
		}
		d.Totals = res.Totals(s.Engine, sc)
		for _, t := range d.Totals {
			d.Sum = d.Sum.Add(t.Amount)
		}
	}
	return s.render(q, http.StatusOK, "match", q.lang.T("match.title"), "match", d)
}

// matchRun starts a new run in the background and returns to the summary;
// the summary says while it runs.
func (s *Server) matchRun(q *req) error {
	if q.user.Role == auth.Finance {
		return errs.E(errs.Permission, "%s", q.lang.T("match.run.forbidden"))
	}
	s.Match.Trigger()
	http.Redirect(q.w, q.r, "/console/match", http.StatusSeeOther)
	return nil
}

type matchClauseData struct {
	Run        runInfo
	Clause     *rules.Clause
	Entitled   []match.Entry
	NeedsFacts []match.Entry
	Shown      int // rows on this page
	Total      int
	Page       int // 1-based
	Pages      int
	First      int // index of the page's first row
	Sum        money.Interval
	CanAct     bool
	ActErr     string
}

// listPage is how many rows a list page shows.
const listPage = 100

func (s *Server) matchClauseOf(q *req) (*rules.Clause, *match.Result, error) {
	c, ok := s.Engine.ClauseByID(q.r.PathValue("clause"))
	if !ok {
		return nil, nil, errs.E(errs.NotFound, "no clause %q", q.r.PathValue("clause"))
	}
	if err := auth.CanClause(*q.user, auth.Read, clauseAuth(c)); err != nil {
		return nil, nil, err
	}
	res, _, _ := s.Match.Latest()
	if res == nil {
		return nil, nil, errs.E(errs.Conflict, "%s", q.lang.T("match.none"))
	}
	return c, res, nil
}

func (s *Server) matchClause(q *req) error {
	c, res, err := s.matchClauseOf(q)
	if err != nil {
		return err
	}
	sc := scope(q)
	d := matchClauseData{Run: s.runInfo(q), Clause: c, Entitled: res.Entitled(c, sc), NeedsFacts: res.NeedsFacts(c, sc)}
	for _, e := range d.Entitled {
		d.Sum = d.Sum.Add(e.Amount)
	}
	if err := auth.CanClause(*q.user, auth.Write, clauseAuth(c)); err != nil {
		d.ActErr = err.Error()
	} else {
		d.CanAct = true
	}
	// A page of the list at a time; the export holds it all.
	d.Total = len(d.Entitled)
	d.Pages = max(1, (d.Total+listPage-1)/listPage)
	d.Page = min(max(1, atoi(q.r.URL.Query().Get("page"), 1)), d.Pages)
	d.First = (d.Page - 1) * listPage
	d.Entitled = d.Entitled[d.First:min(d.First+listPage, d.Total)]
	d.Shown = len(d.Entitled)
	if len(d.NeedsFacts) > listPage {
		d.NeedsFacts = d.NeedsFacts[:listPage]
	}
	return s.render(q, http.StatusOK, "match_clause", c.Title, "match", d)
}

// matchExport downloads a clause's 免申即享 list (every entitled subject of
// the account's jurisdiction, and those needing facts on a second sheet):
// an act on the clause, so the account's department must be responsible.
func (s *Server) matchExport(q *req) error {
	c, res, err := s.matchClauseOf(q)
	if err != nil {
		return err
	}
	if err := auth.CanClause(*q.user, auth.Write, clauseAuth(c)); err != nil {
		return err
	}
	format := q.r.URL.Query().Get("format")
	if format != "csv" && format != "xlsx" {
		return errs.At(errs.Pos{Path: "format"}, "format must be xlsx or csv")
	}
	sc := scope(q)
	head := []string{"序号", "主体编号", "名称", "统一社会信用代码", "所在地区代码", "所在地区", "金额", "金额下限（元）", "金额上限（元）", "条款", "文件", "条款位置", "支付单位", "预算年度", "评估日期", "政策库版本"}
	rows := func(es []match.Entry) [][]string {
		out := [][]string{head}
		for i, e := range es {
			amt, lo, hi := e.Amount.String(), yuan(e.Amount.Min), yuan(e.Amount.Max)
			if e.Unspecified && e.Amount == (money.Interval{}) {
				amt, lo, hi = "金额未定（由主管部门确定）", "", ""
			}
			if e.Amount.Open {
				hi = ""
			}
			out = append(out, []string{strconv.Itoa(i + 1), e.Subject, e.Name, e.USCC, e.Region, regionFull(e.Region), amt, lo, hi,
				c.ID, c.Doc.Title, c.Citation.Section, c.Payer, strconv.FormatInt(rules.BudgetYear(c.Clause, res.FiscalYear), 10),
				res.At.String(), strconv.Itoa(res.PolicyVersion)})
		}
		return out
	}
	return writeSheet(q, "mianshen-"+c.ID, format,
		sheet.Table{Name: "免申即享名单", Rows: rows(res.Entitled(c, sc))},
		sheet.Table{Name: "需补充信息", Rows: rows(res.NeedsFacts(c, sc))})
}

// yuan writes fen as 元 with two decimals, for spreadsheets.
func yuan(f money.Fen) string {
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	return sign + strconv.FormatInt(int64(f/money.Yuan), 10) + "." + leftPad(strconv.FormatInt(int64(f%money.Yuan), 10))
}

func leftPad(s string) string {
	if len(s) < 2 {
		return "0" + s
	}
	return s
}
