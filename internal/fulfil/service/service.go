// Package service joins the rules, the store and the fulfilment workflow:
// it turns entitlements into cases (免申即享 proposals from the population,
// applications an enterprise starts), checks who may see and act on a case,
// and makes disbursement batches with the clauses' tags. The web pages and
// the JSON API both call it, so they cannot disagree.
package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/fulfil"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// Service is fulfilment over one compiled library and one store.
type Service struct {
	Engine *rules.Engine
	Store  *store.DB
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Config is the route and workflow in force for a clause, and where it comes from.
type Config struct {
	Route    fulfil.Route
	Workflow fulfil.Workflow
	From     string // the setting's scope, or "" for the default
}

// ConfigOf resolves a clause's configuration: its own setting, else its
// document's, else 申报 with the default workflow.
func ConfigOf(settings map[string]store.Setting, c *rules.Clause) Config {
	for _, k := range []string{"clause:" + c.ID, "doc:" + c.Doc.ID} {
		if st, ok := settings[k]; ok {
			return Config{Route: st.Route, Workflow: st.Workflow, From: k}
		}
	}
	return Config{Route: fulfil.RouteApply, Workflow: fulfil.DefaultWorkflow()}
}

func (s *Service) clause(id string) (*rules.Clause, error) {
	c, ok := s.Engine.ClauseByID(id)
	if !ok {
		return nil, errs.E(errs.NotFound, "没有条款 %s", id)
	}
	return c, nil
}

func explanation(c *rules.Clause) string {
	return fmt.Sprintf("《%s》%s：%s", c.Doc.Title, c.Citation.Section, c.Citation.Quote)
}

// Propose evaluates every stored subject in region (a GB/T 2260 prefix) at
// date at (0: each subject's as_of) for fiscal year fy (0: the date's year) against every clause set to 免申即享 and makes a
// case for each paid event not yet cased: a proposal staff confirm when
// every fact it rests on is authoritative, an invitation to apply (pre-filled)
// when some is not. It returns the new cases' ids.
func (s *Service) Propose(ctx context.Context, u auth.User, region string, at policy.Date, fy int64) (ids []int64, err error) {
	if u.Role != auth.Staff && u.Role != auth.Admin {
		return nil, errs.E(errs.Permission, "免申即享建议由科技部门工作人员生成")
	}
	scope, _ := auth.RegionScope(u)
	prefix, err := auth.Narrow(scope, region)
	if err != nil {
		return nil, err
	}
	settings, err := s.Store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	var auto []*rules.Clause
	cfg := map[string]Config{}
	for _, c := range s.Engine.Clauses {
		k := ConfigOf(settings, c)
		if k.Route == fulfil.RouteAuto && c.Kind != "limit" && auth.CanClause(u, auth.Write, fulfil.ClauseOf(c).Auth) == nil {
			auto = append(auto, c)
			cfg[c.ID] = k
		}
	}
	if len(auto) == 0 {
		return nil, errs.E(errs.Invalid, "没有设为免申即享、且本账号可办理的条款：先在“兑现设置”中把条款设为免申即享")
	}
	ev := s.Engine.NewEvaluator()
	now := s.now()
	var cs []*fulfil.Case
	err = s.Store.EachFacts(ctx, store.Filter{Region: prefix}, func(f *facts.Facts) error {
		at, fy := at, fy
		if at == 0 {
			if at, err = policy.ParseDate(f.AsOf); err != nil {
				at = policy.DateOf(now.In(fulfil.Shanghai))
			}
		}
		if fy == 0 {
			fy = int64(at.Year())
		}
		for _, c := range auto {
			d, claims := ev.Claims(c, f, at, fy)
			if d.Outcome != rules.Entitled {
				continue
			}
			for _, cl := range claims {
				k := fulfil.NewCase(c, f.Subject.ID, f.Subject.Name, f.Subject.Region, fy, cl, fulfil.RouteAuto, cfg[c.ID].Workflow, 0, explanation(c))
				fulfil.Start(k, now)
				cs = append(cs, k)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Store.CreateCases(ctx, u.ID, cs)
}

// Form is what an application needs: the entitlement as the registry
// shows it (facts read-only, with their sources) and what the enterprise
// must still supply.
type Form struct {
	Clause   *rules.Clause
	Config   Config
	Outcome  rules.Outcome
	Claims   []rules.Claim
	Missing  []string // facts the registry lacks for this clause (filled on the facts page)
	Asks     []Field  // what the form asks for: only what the platform has no record of
	Existing []*fulfil.Case
	At       policy.Date
	FY       int64
}

// Field is one thing an application form asks for.
type Field struct {
	Name, Label, Hint string
	Required          bool
}

// Asks is what every application asks for, because no registry holds it:
// who handles it and where the money goes, and the enterprise's 承诺.
var Asks = []Field{
	{Name: "contact", Label: "联系人", Required: true},
	{Name: "phone", Label: "联系电话", Required: true, Hint: "手机或座机"},
	{Name: "bank", Label: "开户银行", Required: true},
	{Name: "account", Label: "银行账号", Required: true, Hint: "对公账户"},
	{Name: "pledge", Label: "承诺所填信息真实、同一事项未重复申报", Required: true},
}

// FormFor prepares the application of subject f for clause id.
func (s *Service) FormFor(ctx context.Context, f *facts.Facts, id string, at policy.Date, fy int64) (*Form, error) {
	c, err := s.clause(id)
	if err != nil {
		return nil, err
	}
	settings, err := s.Store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	ev := s.Engine.NewEvaluator()
	d, claims := ev.Claims(c, f, at, fy)
	form := &Form{Clause: c, Config: ConfigOf(settings, c), Outcome: d.Outcome, Claims: claims, Asks: Asks, At: at, FY: fy}
	if d.Outcome == rules.NeedsFacts {
		rep := ev.Evaluate(f, at, fy)
		for _, r := range rep.Clauses {
			if r.Clause == c.ID {
				form.Missing = r.Missing
			}
		}
	}
	form.Existing, err = s.Store.Cases(ctx, store.CaseFilter{Subject: f.Subject.ID, Clause: c.ID})
	return form, err
}

// Apply submits an application (申报) of subject f for clause id: one case
// per paid event, pre-filled from the registry, with the answers to Asks.
// The subject must be entitled on its recorded facts; an event already
// cased is not applied for twice.
func (s *Service) Apply(ctx context.Context, u auth.User, f *facts.Facts, version int, id string, at policy.Date, fy int64, answers map[string]string) (ids []int64, err error) {
	if u.Role != auth.Enterprise || u.Subject != f.Subject.ID {
		return nil, errs.E(errs.Permission, "申报由企业本身提交")
	}
	form, err := s.FormFor(ctx, f, id, at, fy)
	if err != nil {
		return nil, err
	}
	var l errs.List
	for _, a := range Asks {
		if a.Required && strings.TrimSpace(answers[a.Name]) == "" {
			l = append(l, errs.At(errs.Pos{Path: a.Name}, "请填写%s", a.Label))
		}
	}
	for k := range answers {
		if !slices.ContainsFunc(Asks, func(a Field) bool { return a.Name == k }) {
			l = append(l, errs.At(errs.Pos{Path: k}, "表单没有 %q 一项：主体库已有的数据不在表单中填写，请在“企业信息”中更正", k))
		}
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	switch form.Outcome {
	case rules.Entitled:
	case rules.NeedsFacts:
		return nil, errs.E(errs.Invalid, "主体库缺少判断 %s 所需的数据：%s。请先在“企业信息”中补充，再申报", id, strings.Join(form.Missing, "、"))
	default:
		return nil, errs.E(errs.Invalid, "按主体库中的数据，本主体目前不符合 %s（%s）：不能申报", id, form.Outcome.Zh())
	}
	now := s.now()
	var cs []*fulfil.Case
	for _, cl := range form.Claims {
		k := fulfil.NewCase(form.Clause, f.Subject.ID, f.Subject.Name, f.Subject.Region, fy, cl, fulfil.RouteApply, form.Config.Workflow, version, explanation(form.Clause))
		fulfil.Start(k, now)
		cs = append(cs, k)
	}
	ids, err = s.Store.CreateCases(ctx, u.ID, cs)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, errs.E(errs.Conflict, "%s 的同一事项已经申报或已生成兑现建议：在“我的申报”中查看", id)
	}
	// Submitting is the enterprise's act on each new case: 提交.
	for _, cid := range ids {
		if _, err := s.Store.ActOnCase(ctx, cid, fulfil.Act{Action: fulfil.Approve, By: u, Answers: answers, Version: 1}, fulfil.ClauseOf(form.Clause)); err != nil {
			return ids, err
		}
	}
	return ids, nil
}

// CanSee decides whether u may see case c: its own enterprise, staff and
// finance of the case's jurisdiction who may read the clause, an admin.
func CanSee(u auth.User, c *fulfil.Case, cl fulfil.Clause) error {
	switch u.Role {
	case auth.Admin:
		return nil
	case auth.Enterprise:
		if u.Subject == c.Subject {
			return nil
		}
	case auth.Staff, auth.Finance:
		if auth.Reaches(u.Jurisdiction, c.Region) {
			return auth.CanClause(u, auth.Read, cl.Auth)
		}
	}
	return errs.E(errs.Permission, "没有编号为 %d 的兑现事项在本账号的范围内", c.ID)
}

// Case returns a case u may see, with its history.
func (s *Service) Case(ctx context.Context, u auth.User, id int64) (*fulfil.Case, []store.CaseEvent, error) {
	c, hist, err := s.Store.Case(ctx, id)
	if err != nil {
		if errs.KindOf(err) == errs.NotFound && u.Role != auth.Admin {
			return nil, nil, errs.E(errs.Permission, "没有编号为 %d 的兑现事项在本账号的范围内", id)
		}
		return nil, nil, err
	}
	rc, err := s.clause(c.Clause)
	if err != nil {
		return nil, nil, err
	}
	if err := CanSee(u, c, fulfil.ClauseOf(rc)); err != nil {
		return nil, nil, err
	}
	return c, hist, nil
}

// Act performs act on case id for act.By.
func (s *Service) Act(ctx context.Context, id int64, act fulfil.Act) (*fulfil.Case, error) {
	c, _, err := s.Case(ctx, act.By, id)
	if err != nil {
		return nil, err
	}
	rc, err := s.clause(c.Clause)
	if err != nil {
		return nil, err
	}
	return s.Store.ActOnCase(ctx, id, act, fulfil.ClauseOf(rc))
}

// Batch makes a disbursement batch of payer for year (finance only).
func (s *Service) Batch(ctx context.Context, u auth.User, payer string, year int64) (store.BatchPlan, error) {
	if u.Role != auth.Finance && u.Role != auth.Admin {
		return store.BatchPlan{}, errs.E(errs.Permission, "拨付批次由财政部门生成")
	}
	if year < 2000 || year > 2100 {
		return store.BatchPlan{}, errs.At(errs.Pos{Path: "year"}, "预算年度 %d 不对：写四位年份", year)
	}
	if err := s.MayPay(u, payer); err != nil {
		return store.BatchPlan{}, err
	}
	return s.Store.CreateBatch(ctx, u.ID, payer, year, s.Tags)
}

// MayPay checks that payer is a payer of the library in u's jurisdiction.
func (s *Service) MayPay(u auth.User, payer string) error {
	known := false
	for _, c := range s.Engine.Clauses {
		if c.Payer != payer {
			continue
		}
		known = true
		if u.Role == auth.Admin || auth.Reaches(u.Jurisdiction, c.Doc.Jurisdiction) {
			return nil
		}
	}
	if !known {
		return errs.At(errs.Pos{Path: "payer"}, "政策库中没有出资方 %q：可选 %s", payer, strings.Join(s.Payers(), "、"))
	}
	return errs.E(errs.Permission, "出资方 %s 不属本账号辖区（%s）", payer, u.Jurisdiction)
}

// Confirm records that finance paid batch id.
func (s *Service) Confirm(ctx context.Context, u auth.User, id int64) (fulfil.Batch, error) {
	if u.Role != auth.Finance && u.Role != auth.Admin {
		return fulfil.Batch{}, errs.E(errs.Permission, "到账确认由财政部门办理")
	}
	b, _, _, err := s.Store.Batch(ctx, id)
	if err != nil {
		return b, err
	}
	if err := s.MayPay(u, b.Payer); err != nil {
		return b, err
	}
	return s.Store.ConfirmBatch(ctx, id, u.ID)
}

// Reverse undoes payment id by a compensating entry (finance of the
// payer's jurisdiction only).
func (s *Service) Reverse(ctx context.Context, u auth.User, id int64, reason string) (fulfil.Payment, error) {
	if u.Role != auth.Finance && u.Role != auth.Admin {
		return fulfil.Payment{}, errs.E(errs.Permission, "冲正由财政部门办理")
	}
	p, err := s.Store.Payment(ctx, id)
	if err != nil {
		return p, err
	}
	if err := s.MayPay(u, p.Payer); err != nil {
		return fulfil.Payment{}, err
	}
	return s.Store.Reverse(ctx, id, u.ID, reason)
}

// Envelopes lists the budget envelopes of the payers in u's jurisdiction.
func (s *Service) Envelopes(ctx context.Context, u auth.User) ([]store.EnvelopeUse, error) {
	es, err := s.Store.Envelopes(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.EnvelopeUse
	for _, e := range es {
		if s.MayPay(u, e.Payer) == nil {
			out = append(out, e)
		}
	}
	return out, nil
}

// PutEnvelope sets a budget envelope of a payer in u's jurisdiction (finance only).
func (s *Service) PutEnvelope(ctx context.Context, u auth.User, e fulfil.Envelope) (int64, error) {
	if u.Role != auth.Finance && u.Role != auth.Admin {
		return 0, errs.E(errs.Permission, "预算由财政部门设置")
	}
	if err := s.MayPay(u, e.Payer); err != nil {
		return 0, err
	}
	if e.Clause != "" {
		if _, err := s.clause(e.Clause); err != nil {
			return 0, errs.At(errs.Pos{Path: "clause"}, "没有条款 %q", e.Clause)
		}
	}
	return s.Store.PutEnvelope(ctx, e, u.ID)
}

// Tags gives clause id's tags, for envelopes by tag.
func (s *Service) Tags(id string) []string {
	if c, ok := s.Engine.ClauseByID(id); ok {
		return c.Tags
	}
	return nil
}

// Payers lists every payer the library names, in library order.
func (s *Service) Payers() []string {
	var out []string
	for _, c := range s.Engine.Clauses {
		if c.Payer != "" && !slices.Contains(out, c.Payer) {
			out = append(out, c.Payer)
		}
	}
	return out
}

// Total is money committed and paid for one document, payer and budget year.
type Total struct {
	Document, DocumentID string
	Payer                string
	Year                 int64
	Cases                int
	Committed            money.Fen // approved (past 复核, not rejected or unfunded), in that year's installments
	Paid                 money.Fen // net of reversals
	Pending              int       // cases still at a step before 公示, amount not counted
}

// NextYear is one item of the next year's budget list (列入次年预算).
type NextYear struct {
	Case   *fulfil.Case
	Amount money.Fen
	Exact  bool
}

// Overview is what leaders see: money committed and paid per policy, payer
// and year, and the items the documents put into the next year's budget.
type Overview struct {
	Totals   []Total
	NextYear map[string][]NextYear // by "payer|year"
	Keys     []string
}

// Overview sums the cases and the ledger within u's reach.
func (s *Service) Overview(ctx context.Context, u auth.User) (*Overview, error) {
	scope, ok := auth.RegionScope(u)
	if !ok {
		return nil, errs.E(errs.Permission, "this account does not see fulfilment totals")
	}
	cs, err := s.Store.Cases(ctx, store.CaseFilter{Region: scope, Limit: store.All})
	if err != nil {
		return nil, err
	}
	ps, err := s.Store.Ledger(ctx, "", scope)
	if err != nil {
		return nil, err
	}
	paid := map[int64]map[int64]money.Fen{} // case → year → net paid
	for _, p := range ps {
		if p.State != "paid" {
			continue
		}
		if paid[p.Case] == nil {
			paid[p.Case] = map[int64]money.Fen{}
		}
		paid[p.Case][p.Year] += p.Fen
	}
	o := &Overview{NextYear: map[string][]NextYear{}}
	idx := map[string]int{}
	for _, c := range cs {
		rc, ok := s.Engine.ClauseByID(c.Clause)
		if !ok || CanSee(u, c, fulfil.ClauseOf(rc)) != nil {
			continue
		}
		add := func(year int64) *Total {
			k := fmt.Sprintf("%s|%s|%d", rc.Doc.ID, c.Payer, year)
			i, ok := idx[k]
			if !ok {
				i = len(o.Totals)
				idx[k] = i
				o.Totals = append(o.Totals, Total{Document: rc.Doc.Title, DocumentID: rc.Doc.ID, Payer: c.Payer, Year: year})
			}
			return &o.Totals[i]
		}
		t := add(c.BudgetYear)
		t.Cases++
		if approved(c) {
			for _, in := range c.Schedule {
				add(in.Year).Committed += in.Fen
			}
		} else if !c.Final() {
			t.Pending++
		}
		for y, f := range paid[c.ID] {
			add(y).Paid += f
		}
		if c.BudgetYear > c.FY && c.Status != fulfil.Rejected && c.Status != fulfil.Unfunded {
			a, exact := c.Amount()
			if !exact {
				a = c.Computed.Min
			}
			k := fmt.Sprintf("%s|%d", c.Payer, c.BudgetYear)
			if _, ok := o.NextYear[k]; !ok {
				o.Keys = append(o.Keys, k)
			}
			o.NextYear[k] = append(o.NextYear[k], NextYear{Case: c, Amount: a, Exact: exact})
		}
	}
	slices.SortFunc(o.Totals, func(a, b Total) int {
		return cmp.Or(cmp.Compare(a.Year, b.Year), strings.Compare(a.Payer, b.Payer), strings.Compare(a.Document, b.Document))
	})
	slices.Sort(o.Keys)
	return o, nil
}

// approved reports whether case c's money is committed: it has passed 复核
// (or is paid), and was neither rejected nor left unfunded.
func approved(c *fulfil.Case) bool {
	if c.Status == fulfil.Rejected || c.Status == fulfil.Unfunded {
		return false
	}
	return slices.Index(fulfil.Canonical, c.CurrentStep().Step) > slices.Index(fulfil.Canonical, fulfil.Recheck) || c.Status == fulfil.Paid
}

// ClauseMoney is what one clause has committed and paid within a region.
type ClauseMoney struct {
	Clause        string
	Committed     money.Fen // approved cases' schedules
	Paid          money.Fen // net of reversals, confirmed
	Cases         int
	Beneficiaries int // subjects with a case of the clause
}

// ByClause sums, for each of clauses, the cases and the ledger within
// region (a GB/T 2260 prefix within u's reach), and counts the subjects
// with a case of any of them — each subject once however many clauses pay
// it.
func (s *Service) ByClause(ctx context.Context, u auth.User, region string, clauses []string) (out []ClauseMoney, beneficiaries int, err error) {
	scope, ok := auth.RegionScope(u)
	if !ok {
		return nil, 0, errs.E(errs.Permission, "this account does not see fulfilment totals")
	}
	prefix, err := auth.Narrow(scope, region)
	if err != nil {
		return nil, 0, err
	}
	ps, err := s.Store.Ledger(ctx, "", prefix)
	if err != nil {
		return nil, 0, err
	}
	paid := map[int64]money.Fen{}
	for _, p := range ps {
		if p.State == "paid" {
			paid[p.Case] += p.Fen
		}
	}
	everyone := map[string]bool{}
	for _, id := range clauses {
		cs, err := s.Store.Cases(ctx, store.CaseFilter{Clause: id, Region: prefix, Limit: store.All})
		if err != nil {
			return nil, 0, err
		}
		m := ClauseMoney{Clause: id}
		subjects := map[string]bool{}
		for _, c := range cs {
			if c.Status == fulfil.Rejected {
				continue
			}
			m.Cases++
			subjects[c.Subject], everyone[c.Subject] = true, true
			if approved(c) {
				for _, in := range c.Schedule {
					m.Committed += in.Fen
				}
			}
			m.Paid += paid[c.ID]
		}
		m.Beneficiaries = len(subjects)
		out = append(out, m)
	}
	return out, len(everyone), nil
}
