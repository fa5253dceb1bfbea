package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/project"
	"kechuang/internal/store"
)

// projectData is a granted project's page (项目执行): its payment plan as
// the ledger stands, the task book, changes, acceptance and closure, with
// the forms the team and the bureau act by.
type projectData struct {
	C          *project.Challenge
	G          *project.Grant
	Plan       []planRow
	Staff      bool
	Team       bool
	Others     []project.Grant // 赛马: the other teams still executing, for a stop's funds
	Reportable []int           // milestones the team may report on
	Checkable  []int           // milestones the bureau may check (reported, not passed, in order)
	CanAccept  bool
	Pending    int // the pending change's index, -1 for none
	Categories []string
	Causes     [][2]string
	Lead       project.Member
	Members    string // the team's other members, a line each, for the change form
	History    []store.ChallengeEvent
	Done       string
	Error      string
}

// planRow is one installment of the plan and where it stands.
type planRow struct {
	Year  int
	Fen   money.Fen
	State string // paid, batched, held, due, cut
}

// Zh names the row's state.
func (r planRow) Zh() string { return planStateZh(r.State) }

func (s *Server) projectPage(q *req) error {
	return s.showProject(q, http.StatusOK, q.r.URL.Query().Get("done"), "")
}

func (s *Server) showProject(q *req, status int, done, msg string) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.E(errs.NotFound, "没有编号为 %q 的榜单", q.r.PathValue("id"))
	}
	c, g, hist, err := s.challengeSvc().Project(q.r.Context(), *q.user, id, q.r.PathValue("bid"))
	if err != nil {
		return err
	}
	d := projectData{C: c, G: g, Done: done, Error: msg, Pending: -1, Categories: bidCategories, Causes: causes}
	d.Staff = q.user.Role == auth.Admin || q.user.Role == auth.Staff && policy.Covers(q.user.Jurisdiction, c.Region)
	d.Team = q.user.Role == auth.Enterprise && q.user.Subject == g.Lead
	prefix := fmt.Sprintf("项目 %s（", g.Bid)
	for _, e := range hist {
		if strings.HasPrefix(e.Text, prefix) || strings.Contains(e.Text, "申报 "+g.Bid+"（") {
			d.History = append(d.History, e)
		}
	}
	if d.Plan, err = s.planRows(q, g); err != nil {
		return err
	}
	for _, o := range c.Review.Grants {
		if o.Bid != g.Bid && !o.State.Final() {
			d.Others = append(d.Others, o)
		}
	}
	last := len(g.Milestones) - 1
	for i, m := range g.Milestones {
		if m.Result != "passed" && !g.State.Final() {
			d.Reportable = append(d.Reportable, i)
		}
	}
	for i, m := range g.Milestones[:last] {
		if m.Result == "passed" {
			continue
		}
		if m.Report != "" && !g.State.Final() {
			d.Checkable = append(d.Checkable, i)
		}
		break // in order: the first not passed
	}
	d.CanAccept = !g.State.Final() && g.Milestones[last].Report != "" && g.Milestones[last].Result != "passed" && len(d.Checkable) == 0 &&
		!slices.ContainsFunc(g.Milestones[:last], func(m project.Milestone) bool { return m.Result != "passed" })
	for i, ch := range g.Changes {
		if ch.State == "pending" {
			d.Pending = i
		}
	}
	if l, ok := g.LeadPerson(); ok {
		d.Lead = l
	}
	var ms []string
	for _, m := range g.Team {
		if m.Role != "lead" {
			ms = append(ms, fmt.Sprintf("%s,%d,%s,%s", m.Name, m.Age, m.Title, m.Person))
		}
	}
	d.Members = strings.Join(ms, "\n")
	return s.render(q, status, "project", c.Title+" · "+q.lang.T("proj.n", g.Bid), "challenges", d)
}

// planRows are g's installments as its fulfilment case and the ledger
// stand: paid, in a batch, held by a milestone, due, or cut when the
// project closed.
func (s *Server) planRows(q *req, g *project.Grant) ([]planRow, error) {
	k, _, err := s.Store.Case(q.r.Context(), g.Case)
	if err != nil {
		return nil, err
	}
	ps, err := s.Store.Ledger(q.r.Context(), k.Subject, "")
	if err != nil {
		return nil, err
	}
	state := map[int64]string{}
	for _, p := range ps {
		if p.Case == k.ID && p.Kind == "payment" {
			state[p.Year] = p.State
		}
	}
	var out []planRow
	for i, in := range g.Plan {
		r := planRow{Year: in.Year, Fen: in.Fen, State: "due"}
		switch {
		case state[int64(in.Year)] != "":
			r.State = state[int64(in.Year)]
		case k.Ended != "" && (i >= len(k.Schedule)):
			r.State = "cut"
		case i < len(k.Schedule) && k.Schedule[i].Held, k.Schedule == nil && slices.Contains(k.Hold, i):
			r.State = "held"
		}
		out = append(out, r)
	}
	return out, nil
}

// projectAct performs an act from the project page's forms.
func (s *Server) projectAct(q *req) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.E(errs.NotFound, "没有编号为 %q 的榜单", q.r.PathValue("id"))
	}
	bid := q.r.PathValue("bid")
	f := q.r.PostForm
	again := func(msg string) error { return s.showProject(q, http.StatusUnprocessableEntity, "", msg) }
	v, _ := strconv.Atoi(f.Get("version"))
	idx, _ := strconv.Atoi(f.Get("index"))
	a := project.ExecAct{Act: f.Get("act"), Index: idx, Text: f.Get("text"), Passed: f.Get("passed") == "yes", To: f.Get("to")}
	switch a.Act {
	case "accept":
		c, _, _, err := s.challengeSvc().Project(q.r.Context(), *q.user, id, bid)
		if err != nil {
			return err
		}
		for i := range c.Indicators {
			a.Accept.Met = append(a.Accept.Met, f.Get(fmt.Sprintf("met_%d", i)) == "yes")
		}
		a.Accept.Signatory, a.Accept.Agree, a.Accept.Opinion = strings.TrimSpace(f.Get("signatory")), f.Get("agree") == "yes", strings.TrimSpace(f.Get("text"))
		a.Accept.Financial, a.Accept.Audit = f.Get("financial") == "yes", strings.TrimSpace(f.Get("audit"))
	case "change":
		a.Change = project.Change{Kind: f.Get("kind"), Text: strings.TrimSpace(f.Get("text")), Due: strings.TrimSpace(f.Get("due"))}
		switch a.Change.Kind {
		case "budget":
			b, err := budgetForm(f)
			if err != nil {
				return again(err.Error())
			}
			a.Change.Budget = &b
		case "team":
			t, err := teamForm(f)
			if err != nil {
				return again(err.Error())
			}
			a.Change.Team = t
		}
	case "tolerance":
		a.Case = project.ToleranceCase{ProcedureComplete: f.Get("procedure") == "yes", Cause: f.Get("cause"), Misconduct: f.Get("misconduct") == "yes"}
		for _, line := range strings.Split(f.Get("diligence"), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				a.Case.Diligence = append(a.Case.Diligence, line)
			}
		}
		for i, line := range strings.Split(f.Get("reviews"), "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			parts := strings.Split(strings.ReplaceAll(line, "，", ","), ",")
			method := map[string]string{"同行评议": "peer", "市场评议": "market", "专家评议": "expert", "peer": "peer", "market": "market", "expert": "expert"}[strings.TrimSpace(parts[0])]
			confirm, known := map[string]bool{"确认": true, "不确认": false}[strings.TrimSpace(parts[min(1, len(parts)-1)])]
			if len(parts) < 2 || method == "" || !known {
				return again(fmt.Sprintf("评议第%d行应为“同行评议|市场评议|专家评议,确认|不确认[,评议人]”", i+1))
			}
			r := project.ToleranceReview{Method: method, Confirm: confirm}
			if len(parts) > 2 {
				r.By = strings.TrimSpace(parts[2])
			}
			a.Case.Reviews = append(a.Case.Reviews, r)
		}
	}
	if _, err := s.challengeSvc().Execute(q.r.Context(), *q.user, id, v, bid, a); err != nil {
		if k := errs.KindOf(err); k == errs.Internal || k == errs.NotFound {
			return err
		}
		return s.showProject(q, errs.HTTPStatus(errs.KindOf(err)), "", errText(err))
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/challenges/%d/projects/%s?done=%s", id, url.PathEscape(bid), url.QueryEscape(execActZh[a.Act])), http.StatusSeeOther)
	return nil
}

var execActZh = map[string]string{"report": "提交报告", "check": "节点检查", "accept": "结题验收", "change": "变更申请", "decide-change": "变更审核",
	"stop": "终止支持", "tolerance": "容错认定", "fail": "一般程序结题"}

// causes are the 容错 cause categories of 武威 四（一）6 for the form.
var causes = [][2]string{{"route", "技术路线选择有误"}, {"market", "受市场风险影响"}, {"economy", "经济形势发生重大变化"}, {"other", "其他原因"}}

// planStateZh names a plan row's state.
func planStateZh(s string) string {
	return map[string]string{"paid": "已拨付", "batched": "拨付批次中", "held": "待节点通过", "due": "随年度批次拨付", "cut": "不再拨付"}[s]
}

// portfolioData is the project library page (项目库): the dynamic list of
// problems, the granted projects, and by year what was published, granted
// and solved against the documents' targets.
type portfolioData struct {
	Region string
	P      project.Portfolio
	Years  []portfolioYear
	Goals  []portfolioGoal // the targets these figures are measured against
}

type portfolioYear struct {
	project.Year
	SolvedGoal *portfolioGoal // 泰安: ≥10 a year
	YoungGoal  *portfolioGoal // 武威: ≥50%
	YoungShare string         // n/total as a percentage with one decimal, "—" for none
	YoungMet   bool
	SolvedMet  bool
}

// portfolioGoal is a yearly target of the library with its sentence.
type portfolioGoal struct {
	Indicator string
	Value     int64 // 项, or %
	Unit      string
	From, To  int // the years it runs
	Doc       string
	Section   string
	Quote     string
}

// portfolioIndicators are the registry indicators the portfolio measures:
// problems solved a year (key_core_tech_solved) and the share of projects
// led by researchers aged 45 or under (young_researcher_led_project_share).
var portfolioIndicators = []string{"key_core_tech_solved", "young_researcher_led_project_share"}

func (s *Server) portfolio(q *req) error {
	region := q.r.URL.Query().Get("region")
	if region == "" {
		region = q.user.Jurisdiction
	}
	cs, err := s.challengeSvc().List(q.r.Context(), q.user, region)
	if err != nil {
		return err
	}
	d := portfolioData{Region: region, P: project.NewPortfolio(cs)}
	for _, t := range s.indicators.Targets {
		if !slices.Contains(portfolioIndicators, t.Indicator.ID) || !t.PerYear || region != "" && !policy.Covers(t.Region, region) && !policy.Covers(region, t.Region) {
			continue
		}
		v, err := strconv.ParseInt(t.Value, 10, 64)
		if err != nil {
			continue // the two targets are whole numbers; another form is for the indicators page
		}
		d.Goals = append(d.Goals, portfolioGoal{Indicator: t.Indicator.ID, Value: v, Unit: t.Unit, From: t.Doc.Published.Year(), To: t.Year,
			Doc: t.Doc.Title, Section: t.Citation.Section, Quote: t.Citation.Quote})
	}
	goal := func(ind string, y int) *portfolioGoal {
		for i := range d.Goals {
			if g := &d.Goals[i]; g.Indicator == ind && y >= g.From && y <= g.To {
				return g
			}
		}
		return nil
	}
	for _, y := range d.P.Years {
		py := portfolioYear{Year: y, SolvedGoal: goal("key_core_tech_solved", y.Year), YoungGoal: goal("young_researcher_led_project_share", y.Year), YoungShare: "—"}
		if tenths, ok := y.YoungShare(); ok {
			py.YoungShare = fmt.Sprintf("%d.%d%%", tenths/10, tenths%10)
			py.YoungMet = py.YoungGoal != nil && y.YoungAtLeast(py.YoungGoal.Value)
		}
		py.SolvedMet = py.SolvedGoal != nil && int64(y.Solved) >= py.SolvedGoal.Value
		d.Years = append(d.Years, py)
	}
	return s.render(q, http.StatusOK, "portfolio", q.lang.T("port.title"), "challenges", d)
}
