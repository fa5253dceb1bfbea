package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/fulfil"
	"kechuang/internal/fulfil/service"
	"kechuang/internal/money"
	"kechuang/internal/sheet"
	"kechuang/internal/store"
)

// Fulfilment pages (申报兑现): the enterprise's applications with their
// history and expected payment date, the application form (pre-filled,
// asking only what the registry lacks), the staff queues with ageing, the
// case page with the acts the viewer may do, the public 公示, the bureau's
// route and workflow per clause, budgets with the leaders' totals, and the
// finance bureau's disbursement batches. Every act goes through
// internal/fulfil/service, as the API's do.

func (s *Server) svc() *service.Service {
	return &service.Service{Engine: s.Engine, Store: s.Store, Now: s.Now}
}

// caseRow is a case in a list, with what the list shows of it.
type caseRow struct {
	*fulfil.Case
	Title    string
	Amount   string
	Expected string
	Ageing   int
	Overdue  bool
}

func (s *Server) row(c *fulfil.Case) caseRow {
	r := caseRow{Case: c, Title: c.Clause, Expected: c.Expected(s.now()), Ageing: c.Ageing(s.now()), Overdue: c.Overdue(s.now())}
	if rc, ok := s.Engine.ClauseByID(c.Clause); ok {
		r.Title = rc.Title
	}
	r.Amount = amountOf(c)
	return r
}

func amountOf(c *fulfil.Case) string {
	if a, ok := c.Amount(); ok {
		return a.String()
	}
	if c.Unspecified {
		return "待核定"
	}
	return c.Computed.String() + "（待核定）"
}

type myCasesData struct {
	Subject       string
	Cases         []caseRow
	Notifications []store.Notification
	Unseen        int
	Payments      []fulfil.Payment
}

// myCases is 我的申报: every case of the enterprise's subject, its
// notifications (marked read once shown) and its payments.
func (s *Server) myCases(q *req) error {
	if q.user.Role != auth.Enterprise {
		http.Redirect(q.w, q.r, "/console/cases", http.StatusSeeOther)
		return nil
	}
	ctx := q.r.Context()
	cs, err := s.Store.Cases(ctx, store.CaseFilter{Subject: q.user.Subject})
	if err != nil {
		return err
	}
	d := myCasesData{Subject: q.user.Subject}
	for _, c := range slices.Backward(cs) {
		d.Cases = append(d.Cases, s.row(c))
	}
	if d.Notifications, err = s.Store.Notifications(ctx, q.user.Subject, 20); err != nil {
		return err
	}
	for _, n := range d.Notifications {
		if !n.Seen {
			d.Unseen++
		}
	}
	if d.Payments, err = s.Store.Ledger(ctx, q.user.Subject, ""); err != nil {
		return err
	}
	if err := s.Store.MarkSeen(ctx, q.user.Subject); err != nil {
		return err
	}
	return s.render(q, http.StatusOK, "cases", q.lang.T("cases.title"), "cases", d)
}

// act is an action the viewer may take on a case, as a form; Label is a
// catalog key.
type act struct {
	Action fulfil.Action
	Label  string
	Reason bool // asks for a reason
	Fen    bool // asks for an amount
	Score  bool // may give a score
	Danger bool
}

type caseData struct {
	Row       caseRow
	Clause    string
	Quote     string
	DocTitle  string
	Section   string
	History   []store.CaseEvent
	Acts      []act
	Step      fulfil.StepDef
	Steps     []stepView
	Error     string
	Done      string
	Answers   []answerView
	CanObject bool
}

type stepView struct {
	Name, Role string
	Days       int
	State      string // done, current, todo
}

type answerView struct{ Label, Value string }

func (s *Server) pathID(q *req) (int64, error) {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, "%q is not a number", q.r.PathValue("id"))
	}
	return id, nil
}

// casePage shows one case: what it pays and why, the facts it rests on with
// their sources, each step with its deadline, the history, the expected
// payment date, and the acts this account may do now.
func (s *Server) casePage(q *req) error {
	id, err := s.pathID(q)
	if err != nil {
		return err
	}
	return s.showCase(q, id, http.StatusOK, "")
}

func (s *Server) showCase(q *req, id int64, status int, msg string) error {
	c, hist, err := s.svc().Case(q.r.Context(), *q.user, id)
	if err != nil {
		return err
	}
	rc, _ := s.Engine.ClauseByID(c.Clause)
	d := caseData{Row: s.row(c), Clause: c.Clause, History: hist, Step: c.CurrentStep(), Error: msg, Done: q.r.URL.Query().Get("done")}
	if rc != nil {
		d.Quote, d.DocTitle, d.Section = rc.Citation.Quote, rc.Doc.Title, rc.Citation.Section
	}
	for i, st := range c.Workflow.Steps {
		v := stepView{Name: fulfil.StepZh(st.Step), Role: q.lang.T("role." + string(st.Role)), Days: st.Days, State: "todo"}
		switch {
		case i < c.Step || c.Status == fulfil.Paid:
			v.State = "done"
		case i == c.Step && !c.Final():
			v.State = "current"
		}
		if st.Step == fulfil.Notice {
			v.Days = c.Workflow.NoticeDays
		}
		if st.Step == fulfil.Submit && c.Route == fulfil.RouteAuto {
			v.Name, v.Role = "确认", q.lang.T("role.staff") // 免申即享: staff confirm the proposal
		}
		d.Steps = append(d.Steps, v)
	}
	for _, a := range service.Asks {
		if v, ok := c.Answers[a.Name]; ok {
			d.Answers = append(d.Answers, answerView{a.Label, v})
		}
	}
	if rc != nil {
		d.Acts = s.actsFor(*q.user, c, fulfil.ClauseOf(rc))
	}
	return s.render(q, status, "case", fmt.Sprintf("%s %d", q.lang.T("case.title"), c.ID), "cases", d)
}

// actsFor lists what u may do to c now (the store checks again when it is done).
func (s *Server) actsFor(u auth.User, c *fulfil.Case, cl fulfil.Clause) []act {
	if c.Final() {
		return nil
	}
	st := c.CurrentStep()
	var out []act
	may := c.MayAct(cl, u) == nil
	switch {
	case c.Status == fulfil.Objected:
		if may {
			out = append(out, act{Action: fulfil.Dismiss, Label: "act.dismiss", Reason: true},
				act{Action: fulfil.Uphold, Label: "act.uphold", Reason: true, Danger: true})
		}
	case st.Step == fulfil.Submit:
		if may && c.Route == fulfil.RouteAuto {
			out = append(out, act{Action: fulfil.Approve, Label: "act.confirm"})
		}
		if may && c.Route == fulfil.RouteApply {
			out = append(out, act{Action: fulfil.Approve, Label: "act.resubmit"})
		}
	case st.Step == fulfil.Pay:
	case may:
		label := "act." + string(st.Step)
		if c.Decidable() && !c.Exact() {
			out = append(out, act{Action: fulfil.Decide, Label: "act.decide", Reason: true, Fen: true})
		}
		out = append(out, act{Action: fulfil.Approve, Label: label, Score: st.Step == fulfil.Review || st.Step == fulfil.Recheck})
		if st.Step != fulfil.Notice {
			out = append(out, act{Action: fulfil.Return, Label: "act.return", Reason: true},
				act{Action: fulfil.Reject, Label: "act.reject", Reason: true, Danger: true})
		}
	}
	if st.Step == fulfil.Notice && c.Status == fulfil.Open {
		out = append(out, act{Action: fulfil.Object, Label: "act.object", Reason: true})
	}
	return out
}

// caseAct does one act posted from the case page and returns to it; a
// refusal shows the page again with the reason, in the error's status.
func (s *Server) caseAct(q *req) error {
	id, err := s.pathID(q)
	if err != nil {
		return err
	}
	f := q.r.PostForm
	v, _ := strconv.Atoi(f.Get("version"))
	a := fulfil.Act{Action: fulfil.Action(f.Get("action")), By: *q.user, Reason: strings.TrimSpace(f.Get("reason")), Version: v}
	if t := strings.TrimSpace(f.Get("amount")); t != "" {
		if a.Fen, err = money.Parse(t); err != nil {
			return s.showCase(q, id, http.StatusUnprocessableEntity, fmt.Sprintf("金额 %q 看不懂：写成 25万元 或 250000元", t))
		}
	}
	if t := strings.TrimSpace(f.Get("score")); t != "" {
		if a.Score, err = strconv.ParseInt(t, 10, 64); err != nil {
			return s.showCase(q, id, http.StatusUnprocessableEntity, "评审得分写 0 到 100 的整数")
		}
	}
	if _, err := s.svc().Act(q.r.Context(), id, a); err != nil {
		if errs.KindOf(err) == errs.Internal {
			return err
		}
		// The case again, with why the act was refused (an account that
		// may not see the case gets the refusal page from showCase).
		return s.showCase(q, id, errs.HTTPStatus(errs.KindOf(err)), errText(err))
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/cases/%d?done=%s", id, url.QueryEscape(fulfil.ActionZh(a.Action))), http.StatusSeeOther)
	return nil
}

// errText is an error's message for the user, without the wrapping.
func errText(err error) string {
	var l errs.List
	var e *errs.Error
	switch {
	case errors.As(err, &l):
		var ms []string
		for _, x := range l {
			ms = append(ms, x.Msg)
		}
		return strings.Join(ms, "；")
	case errors.As(err, &e):
		return e.Msg
	}
	return err.Error()
}

type applyData struct {
	Form    *service.Form
	Subject *facts.Facts
	Values  map[string]string
	Error   string
	Fields  map[string]string // field → its error
}

func (s *Server) applyForm(q *req) error {
	f, _, err := s.subjectFor(q)
	if err != nil {
		return err
	}
	if q.user.Role != auth.Enterprise {
		return errs.E(errs.Permission, "申报由企业本身提交")
	}
	at, err := s.evalDate(q, f)
	if err != nil {
		return err
	}
	form, err := s.svc().FormFor(q.r.Context(), f, q.r.PathValue("clause"), at, int64(at.Year()))
	if err != nil {
		return err
	}
	return s.render(q, http.StatusOK, "apply", q.lang.T("apply.title"), "cases", applyData{Form: form, Subject: f, Values: map[string]string{}})
}

func (s *Server) applySubmit(q *req) error {
	f, v, err := s.subjectFor(q)
	if err != nil {
		return err
	}
	at, err := s.evalDate(q, f)
	if err != nil {
		return err
	}
	answers := map[string]string{}
	for _, a := range service.Asks {
		answers[a.Name] = strings.TrimSpace(q.r.PostFormValue(a.Name))
	}
	ids, err := s.svc().Apply(q.r.Context(), *q.user, f, v, q.r.PathValue("clause"), at, int64(at.Year()), answers)
	if err != nil {
		k := errs.KindOf(err)
		if k == errs.Internal || k == errs.Permission || k == errs.NotFound {
			return err
		}
		form, ferr := s.svc().FormFor(q.r.Context(), f, q.r.PathValue("clause"), at, int64(at.Year()))
		if ferr != nil {
			return ferr
		}
		d := applyData{Form: form, Subject: f, Values: answers, Error: errText(err), Fields: map[string]string{}}
		var l errs.List
		if errors.As(err, &l) {
			for _, e := range l {
				d.Fields[e.Pos.Path] = e.Msg
			}
		}
		return s.render(q, errs.HTTPStatus(k), "apply", q.lang.T("apply.title"), "cases", d)
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/cases/%d?done=%s", ids[0], url.QueryEscape("提交")), http.StatusSeeOther)
	return nil
}

// queueRows is how many cases the queue lists (longest waiting first).
const queueRows = 500

type queueData struct {
	Rows       []caseRow
	Total      int // cases matching, of which Rows are the longest waiting
	Steps      []stepCount
	Filter     string
	Overdue    int
	Proposed   string
	CanPropose bool
}

type stepCount struct {
	Step  fulfil.Step
	Name  string
	Count int
	Late  int
}

// queue is the staff's and finance's worklist: open cases of their
// jurisdiction by step, with how long each has waited and whether it is
// past its deadline; ?step= narrows it.
func (s *Server) queue(q *req) error {
	scope, _ := auth.RegionScope(*q.user)
	cs, err := s.Store.Cases(q.r.Context(), store.CaseFilter{Region: scope, Open: q.r.URL.Query().Get("all") == "", Limit: store.All})
	if err != nil {
		return err
	}
	d := queueData{Filter: q.r.URL.Query().Get("step"), Proposed: q.r.URL.Query().Get("proposed"),
		CanPropose: q.user.Role == auth.Staff || q.user.Role == auth.Admin}
	counts := map[fulfil.Step]*stepCount{}
	for _, st := range fulfil.Canonical {
		counts[st] = &stepCount{Step: st, Name: fulfil.StepZh(st)}
	}
	for _, c := range cs {
		rc, ok := s.Engine.ClauseByID(c.Clause)
		if !ok || service.CanSee(*q.user, c, fulfil.ClauseOf(rc)) != nil {
			continue
		}
		r := s.row(c)
		st := c.CurrentStep().Step
		if !c.Final() {
			counts[st].Count++
			if r.Overdue {
				counts[st].Late++
				d.Overdue++
			}
		}
		if d.Filter != "" && string(st) != d.Filter {
			continue
		}
		d.Rows = append(d.Rows, r)
	}
	slices.SortStableFunc(d.Rows, func(a, b caseRow) int { return b.Ageing - a.Ageing })
	if d.Total = len(d.Rows); len(d.Rows) > queueRows {
		d.Rows = d.Rows[:queueRows] // the longest waiting; the counts above cover all
	}
	for _, st := range fulfil.Canonical {
		d.Steps = append(d.Steps, *counts[st])
	}
	return s.render(q, http.StatusOK, "queue", q.lang.T("queue.title"), "queue", d)
}

// propose makes the 免申即享 proposals of the account's jurisdiction.
func (s *Server) propose(q *req) error {
	ids, err := s.svc().Propose(q.r.Context(), *q.user, "", 0, 0)
	if err != nil {
		return err
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/console/cases?proposed=%d", len(ids)), http.StatusSeeOther)
	return nil
}

type noticeRow struct {
	caseRow
	Section string
	Doc     string
}

// notice is the public 公示: per payee, the clause, the facts it rests on
// and the amount, for the days the workflow sets; a signed-in reader may
// raise an objection (异议) on the case page.
func (s *Server) notice(q *req) error {
	cs, err := s.Store.Cases(q.r.Context(), store.CaseFilter{Step: fulfil.Notice, Open: true, Limit: store.All})
	if err != nil {
		return err
	}
	var rows []noticeRow
	for _, c := range cs {
		if c.Status == fulfil.Returned {
			continue
		}
		r := noticeRow{caseRow: s.row(c)}
		if rc, ok := s.Engine.ClauseByID(c.Clause); ok {
			r.Section, r.Doc = rc.Citation.Section, rc.Doc.Title
		}
		rows = append(rows, r)
	}
	return s.render(q, http.StatusOK, "notice", q.lang.T("notice.title"), "notice", rows)
}

// objectForm lets any signed-in reader object to an item of the 公示.
func (s *Server) noticeObject(q *req) error {
	id, err := s.pathID(q)
	if err != nil {
		return err
	}
	c, _, err := s.Store.Case(q.r.Context(), id)
	if err != nil {
		return err
	}
	_, err = s.Store.ActOnCase(q.r.Context(), id, fulfil.Act{Action: fulfil.Object, By: *q.user, Reason: strings.TrimSpace(q.r.PostFormValue("reason")), Version: c.Version}, fulfil.Clause{})
	if err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/notice?objected="+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

type settingsData struct {
	Lines []settingLine
	Docs  []settingLine // documents the account may configure: every clause without its own setting follows
	Saved string
}

type settingLine struct {
	Kind                    string // clause or doc: the form's field
	ID, Title, Doc, Section string
	Config                  service.Config
	CanAct                  bool
}

// settings lists the clauses of the account's reach with their route and
// workflow, and lets the responsible staff change them.
func (s *Server) settings(q *req) error {
	st, err := s.Store.Settings(q.r.Context())
	if err != nil {
		return err
	}
	d := settingsData{Saved: q.r.URL.Query().Get("saved")}
	for _, f := range s.Engine.Files {
		doc := f.Document
		if q.user.Role == auth.Finance || !s.mayConfigureDoc(*q.user, doc.ID) {
			continue
		}
		k := service.Config{Route: fulfil.RouteApply, Workflow: fulfil.DefaultWorkflow()}
		if x, ok := st["doc:"+doc.ID]; ok {
			k = service.Config{Route: x.Route, Workflow: x.Workflow, From: x.Scope}
		}
		d.Docs = append(d.Docs, settingLine{Kind: "doc", ID: doc.ID, Title: doc.Title, Config: k, CanAct: true})
	}
	for _, c := range s.Engine.Clauses {
		if c.Kind == "limit" || auth.CanClause(*q.user, auth.Read, clauseAuth(c)) != nil {
			continue
		}
		d.Lines = append(d.Lines, settingLine{Kind: "clause", ID: c.ID, Title: c.Title, Doc: c.Doc.Title, Section: c.Citation.Section, Config: service.ConfigOf(st, c),
			CanAct: q.user.Role != auth.Finance && auth.CanClause(*q.user, auth.Write, clauseAuth(c)) == nil})
	}
	return s.render(q, http.StatusOK, "fulfil_settings", q.lang.T("settings.title"), "settings", d)
}

// mayConfigureDoc reports whether u may set document doc's route and
// workflow: u may act on every payment clause of it.
func (s *Server) mayConfigureDoc(u auth.User, doc string) bool {
	n := 0
	for _, c := range s.Engine.Clauses {
		if c.Doc.ID != doc || c.Kind == "limit" {
			continue
		}
		if auth.CanClause(u, auth.Write, clauseAuth(c)) != nil {
			return false
		}
		n++
	}
	return n > 0
}

func (s *Server) saveSetting(q *req) error {
	if q.user.Role != auth.Staff && q.user.Role != auth.Admin {
		return errs.E(errs.Permission, "兑现方式由科技部门设置")
	}
	f := q.r.PostForm
	scope, anchor := "", ""
	var units []string // the 责任单位 a step may be given to
	if doc := f.Get("doc"); doc != "" {
		if !s.mayConfigureDoc(*q.user, doc) {
			return errs.E(errs.Permission, "文件 %s 的兑现方式由负责其全部条款的部门设置", doc)
		}
		scope, anchor = "doc:"+doc, "d-"+doc
	} else {
		c, ok := s.Engine.ClauseByID(f.Get("clause"))
		if !ok {
			return errs.At(errs.Pos{Path: "clause"}, "没有条款 %q", f.Get("clause"))
		}
		if err := auth.CanClause(*q.user, auth.Write, clauseAuth(c)); err != nil {
			return err
		}
		scope, anchor = "clause:"+c.ID, "s-"+c.ID
		units = c.Responsible
	}
	w := fulfil.DefaultWorkflow()
	var kept []fulfil.StepDef
	for _, st := range w.Steps {
		if st.Step != fulfil.Submit && st.Step != fulfil.Pay && f.Get("skip_"+string(st.Step)) != "" {
			continue
		}
		if v := strings.TrimSpace(f.Get("days_" + string(st.Step))); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return errs.At(errs.Pos{Path: "days_" + string(st.Step)}, "%s环节的时限 %q 不是天数：写整数", fulfil.StepZh(st.Step), v)
			}
			st.Days = n
		}
		if d := strings.TrimSpace(f.Get("dept_" + string(st.Step))); d != "" && st.Step != fulfil.Submit {
			if scope[:4] == "doc:" || (len(units) > 0 && !slices.Contains(units, d)) {
				return errs.At(errs.Pos{Path: "dept_" + string(st.Step)}, "%s环节的办理部门 %q 不是该条款的责任单位（%s）", fulfil.StepZh(st.Step), d, strings.Join(units, "、"))
			}
			st.Department = d
		}
		kept = append(kept, st)
	}
	w.Steps = kept
	if v := strings.TrimSpace(f.Get("notice_days")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return errs.At(errs.Pos{Path: "notice_days"}, "公示天数 %q 不是天数：写整数", v)
		}
		w.NoticeDays = n
	}
	if err := s.Store.PutSetting(q.r.Context(), store.Setting{Scope: scope, Route: fulfil.Route(f.Get("route")), Workflow: w, By: q.user.ID}); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/console/fulfilment?saved="+url.QueryEscape(scope)+"#"+anchor, http.StatusSeeOther)
	return nil
}

type budgetData struct {
	Envelopes []store.EnvelopeUse
	Overview  *service.Overview
	Payers    []string
	Finance   bool
	Year      int
	Committed money.Fen
	Paid      money.Fen
}

// budget shows the envelopes with what is paid from each, the money
// committed and paid per policy, payer and year (for leaders), and the
// next year's budget list; finance adds envelopes here.
func (s *Server) budget(q *req) error {
	ctx := q.r.Context()
	sv := s.svc()
	es, err := sv.Envelopes(ctx, *q.user)
	if err != nil {
		return err
	}
	o, err := sv.Overview(ctx, *q.user)
	if err != nil {
		return err
	}
	d := budgetData{Envelopes: es, Overview: o, Finance: q.user.Role == auth.Finance || q.user.Role == auth.Admin, Year: s.now().In(Shanghai).Year()}
	for _, p := range sv.Payers() {
		if sv.MayPay(*q.user, p) == nil {
			d.Payers = append(d.Payers, p)
		}
	}
	for _, t := range o.Totals {
		d.Committed += t.Committed
		d.Paid += t.Paid
	}
	return s.render(q, http.StatusOK, "budget", q.lang.T("budget.title"), "budget", d)
}

func (s *Server) saveEnvelope(q *req) error {
	if q.user.Role != auth.Finance && q.user.Role != auth.Admin {
		return errs.E(errs.Permission, "预算由财政部门设置")
	}
	f := q.r.PostForm
	e := fulfil.Envelope{Name: f.Get("name"), Payer: f.Get("payer"), Clause: f.Get("clause"), Tag: f.Get("tag"), Rule: fulfil.Rule(f.Get("rule"))}
	e.Year, _ = strconv.ParseInt(f.Get("year"), 10, 64)
	var err error
	if e.Fen, err = money.Parse(f.Get("amount")); err != nil {
		return errs.At(errs.Pos{Path: "amount"}, "预算金额 %q 看不懂：写成 500万元", f.Get("amount"))
	}
	if _, err := s.svc().PutEnvelope(q.r.Context(), *q.user, e); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, "/console/budget", http.StatusSeeOther)
	return nil
}

type batchesData struct {
	Batches []fulfil.Batch
	Payers  []string
	Year    int
	Finance bool
	Waiting map[string]int // cases at 拨付 by payer
}

func (s *Server) batches(q *req) error {
	ctx := q.r.Context()
	bs, err := s.Store.Batches(ctx)
	if err != nil {
		return err
	}
	sv := s.svc()
	d := batchesData{Year: s.now().In(Shanghai).Year(), Finance: q.user.Role == auth.Finance || q.user.Role == auth.Admin, Waiting: map[string]int{}}
	for _, b := range bs {
		if sv.MayPay(*q.user, b.Payer) == nil {
			d.Batches = append(d.Batches, b)
		}
	}
	scope, _ := auth.RegionScope(*q.user)
	waiting, err := s.Store.Cases(ctx, store.CaseFilter{Region: scope, Step: fulfil.Pay, Status: fulfil.Open, Limit: store.All})
	if err != nil {
		return err
	}
	for _, c := range waiting {
		d.Waiting[c.Payer]++
	}
	for _, p := range sv.Payers() {
		if sv.MayPay(*q.user, p) == nil {
			d.Payers = append(d.Payers, p)
		}
	}
	return s.render(q, http.StatusOK, "batches", q.lang.T("batches.title"), "batches", d)
}

func (s *Server) createBatch(q *req) error {
	year, err := strconv.ParseInt(q.r.PostFormValue("year"), 10, 64)
	if err != nil && (q.user.Role == auth.Finance || q.user.Role == auth.Admin) { // others are refused by the service
		return errs.At(errs.Pos{Path: "year"}, "预算年度 %q 不对：写四位年份", q.r.PostFormValue("year"))
	}
	plan, err := s.svc().Batch(q.r.Context(), *q.user, q.r.PostFormValue("payer"), year)
	if err != nil {
		return err
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/console/batches/%d", plan.Batch.ID), http.StatusSeeOther)
	return nil
}

type batchData struct {
	Batch      fulfil.Batch
	Payments   []fulfil.Payment
	Allotments []store.AllotmentRow
	Finance    bool
	Reversed   map[int64]bool
}

func (s *Server) batchOf(q *req) (fulfil.Batch, []fulfil.Payment, []store.AllotmentRow, error) {
	id, err := s.pathID(q)
	if err != nil {
		return fulfil.Batch{}, nil, nil, err
	}
	b, ps, as, err := s.Store.Batch(q.r.Context(), id)
	if err != nil {
		return b, nil, nil, err
	}
	return b, ps, as, s.svc().MayPay(*q.user, b.Payer)
}

// batch shows a batch's lines, the allocation it made under each envelope
// with the reason for each case, and — for finance — export, confirmation
// and reversal.
func (s *Server) batch(q *req) error {
	b, ps, as, err := s.batchOf(q)
	if err != nil {
		return err
	}
	reversed, err := s.Store.Reversed(q.r.Context(), b.ID)
	if err != nil {
		return err
	}
	d := batchData{Batch: b, Payments: ps, Allotments: as, Finance: q.user.Role == auth.Finance || q.user.Role == auth.Admin, Reversed: reversed}
	return s.render(q, http.StatusOK, "batch", fmt.Sprintf("%s %d", q.lang.T("batch.title"), b.ID), "batches", d)
}

func (s *Server) batchExport(q *req) error {
	b, ps, _, err := s.batchOf(q)
	if err != nil {
		return err
	}
	format := q.r.URL.Query().Get("format")
	if format != "csv" && format != "xlsx" {
		return errs.At(errs.Pos{Path: "format"}, "format is xlsx or csv, not %q", format)
	}
	return writeSheet(q, fmt.Sprintf("batch-%d", b.ID), format, sheet.Table{Name: fmt.Sprintf("拨付批次%d", b.ID), Rows: fulfil.ExportRows(b, ps)})
}

func (s *Server) batchConfirm(q *req) error {
	id, err := s.pathID(q)
	if err != nil {
		return err
	}
	if _, err := s.svc().Confirm(q.r.Context(), *q.user, id); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/console/batches/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) paymentReverse(q *req) error {
	id, err := s.pathID(q)
	if err != nil {
		return err
	}
	p, err := s.svc().Reverse(q.r.Context(), *q.user, id, q.r.PostFormValue("reason"))
	if err != nil {
		return err
	}
	o, err := s.Store.Payment(q.r.Context(), p.Reverses)
	if err != nil {
		return err
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/console/batches/%d", o.Batch), http.StatusSeeOther)
	return nil
}
