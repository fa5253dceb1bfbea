// Package service runs 揭榜挂帅 challenge lists over the library and the
// store: staff of a jurisdiction draft and publish challenges, answer
// questions, withdraw or close them; anyone reads a published challenge
// with its answered questions and the award its clause gives; signed-in
// enterprises and institutes ask. The web pages call it.
package service

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/fulfil"
	fsvc "kechuang/internal/fulfil/service"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/project"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// Service is the challenge lists over one library and one store.
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

func (s *Service) today() string { return project.Today(s.now()) }

// staffChallenge loads challenge id for a review step or a grant by u, who
// must be staff of its jurisdiction (denied says what the step is), seen at
// version (0: any).
func (s *Service) staffChallenge(ctx context.Context, u auth.User, id int64, version int, denied string) (*project.Challenge, error) {
	c, _, err := s.Store.Challenge(ctx, id)
	if err != nil {
		return nil, err
	}
	if !staffOf(u, c.Region) {
		if !c.Public() {
			return nil, errs.E(errs.NotFound, "没有编号为 %d 的榜单", id)
		}
		return nil, errs.E(errs.Permission, "%s", denied)
	}
	if version != 0 && version != c.Version {
		return nil, errs.E(errs.Conflict, "榜单 %d 刚刚已被他人办理（您看到的是第 %d 版，现在是第 %d 版）：请刷新后再操作", id, version, c.Version)
	}
	return c, nil
}

func staffOf(u auth.User, region string) bool {
	return u.Role == auth.Admin || u.Role == auth.Staff && policy.Covers(u.Jurisdiction, region)
}

// Create drafts a challenge in u's jurisdiction.
func (s *Service) Create(ctx context.Context, u auth.User, c *project.Challenge) (int64, error) {
	if u.Role != auth.Staff && u.Role != auth.Admin {
		return 0, errs.E(errs.Permission, "榜单由科技部门工作人员发布")
	}
	if c.Region == "" {
		c.Region = u.Jurisdiction
	}
	if !staffOf(u, c.Region) {
		return 0, errs.At(errs.Pos{Path: "region"}, "%s不在本账号的辖区内", c.Region)
	}
	if _, ok := s.Engine.ClauseByID(c.Clause); !ok {
		return 0, errs.At(errs.Pos{Path: "clause"}, "the policy library has no clause %q", c.Clause)
	}
	c.State = project.Draft
	return s.Store.CreateChallenge(ctx, c, u.ID)
}

// Get returns a challenge u may read: a public one to anyone, a draft to
// the staff of its jurisdiction.
func (s *Service) Get(ctx context.Context, u *auth.User, id int64) (*project.Challenge, []store.ChallengeEvent, error) {
	c, hist, err := s.Store.Challenge(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !c.Public() && (u == nil || !staffOf(*u, c.Region)) {
		return nil, nil, errs.E(errs.NotFound, "没有编号为 %d 的榜单", id)
	}
	if u == nil || !staffOf(*u, c.Region) {
		var public []project.QA // the public sees questions once answered
		for _, q := range c.QA {
			if q.Answer != "" {
				public = append(public, q)
			}
		}
		c.QA, hist = public, nil
		// the public sees the ranking once it is put up for 公示, never the
		// experts, their sheets or the exclusions
		if r := c.Review; r != nil {
			c.Review = nil
			if r.Notice != nil {
				c.Review = &project.Review{Ranking: r.Ranking, Line: r.Line, Notice: r.Notice}
				for _, g := range r.Grants {
					c.Review.Grants = append(c.Review.Grants, g.Public())
				}
			}
		}
	}
	return c, hist, nil
}

// List lists the challenges of region: staff of it see drafts too.
func (s *Service) List(ctx context.Context, u *auth.User, region string) ([]*project.Challenge, error) {
	return s.Store.Challenges(ctx, policy.RegionPrefix(region), u == nil || !staffOf(*u, region))
}

// Act performs an act on challenge id seen at version.
func (s *Service) Act(ctx context.Context, u auth.User, id int64, version int, a project.ChallengeAct) (*project.Challenge, error) {
	c, _, err := s.Store.Challenge(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.Public() && !staffOf(u, c.Region) {
		return nil, errs.E(errs.NotFound, "没有编号为 %d 的榜单", id)
	}
	if version != 0 && version != c.Version {
		return nil, errs.E(errs.Conflict, "榜单 %d 刚刚已被他人办理（您看到的是第 %d 版，现在是第 %d 版）：请刷新后再操作", id, version, c.Version)
	}
	a.By, a.Staff, a.Today = u.ID, staffOf(u, c.Region), s.today()
	if a.Act == "ask" && u.Role != auth.Enterprise && !a.Staff {
		return nil, errs.E(errs.Permission, "提问须以企业或科研单位账号登录")
	}
	prev := c.Version
	if err := project.ApplyChallenge(c, a); err != nil {
		return nil, err
	}
	if err := s.Store.UpdateChallenge(ctx, c, prev, store.ChallengeEvent{Actor: u.ID, Act: a.Act, Text: a.Text}); err != nil {
		return nil, err
	}
	return c, nil
}

// Award is what the challenge's clause gives a project of its total in
// its jurisdiction, as of its publication (or today).
func (s *Service) Award(c *project.Challenge) (project.Amount, error) {
	d := c.Published
	if d == "" {
		d = s.today()
	}
	at, err := policy.ParseDate(d)
	if err != nil {
		return project.Amount{}, err
	}
	// a bidder of the jurisdiction (the clause reads the undertaking unit's region)
	p := project.Project{Kind: c.ProjectKindOf(), Level: c.LevelOf(), Role: "lead", Date: at,
		Budget: project.Budget{Total: c.Total}, Subject: facts.Subject{ID: "bidder", Kind: "enterprise", Region: c.Region}}
	return project.Evaluate(s.Engine, c.Clause, p)
}

// indirectClause is the limit clause on indirect costs (tagged 间接费用) of
// the document whose clause c is, or "".
func (s *Service) indirectClause(clause string) string {
	c, ok := s.Engine.ClauseByID(clause)
	if !ok {
		return ""
	}
	for _, l := range s.Engine.Clauses {
		if l.Kind == "limit" && l.Doc.ID == c.Doc.ID && slices.Contains(l.Tags, "间接费用") {
			return l.ID
		}
	}
	return ""
}

// Submit checks enterprise u's bid for challenge id and stores it, or
// returns every problem (nothing stored). The lead is u's own unit.
func (s *Service) Submit(ctx context.Context, u auth.User, id int64, b *project.Bid) (*project.Submission, error) {
	if u.Role != auth.Enterprise {
		return nil, errs.E(errs.Permission, "揭榜由企业或科研单位以本单位账号提交")
	}
	c, _, err := s.Get(ctx, &u, id)
	if err != nil {
		return nil, err
	}
	f, _, err := s.Store.Facts(ctx, u.Subject)
	if err != nil {
		return nil, err
	}
	b.Challenge, b.Lead, b.LeadName, b.Region, b.Submitted = id, u.Subject, f.Subject.Name, f.Subject.Region, s.today()
	sub := project.CheckSubmission(s.Engine, c, b, s.today(), s.indirectClause(c.Clause), project.DefaultAttachments)
	_, gates := project.Eligibility(s.Engine, f, c, s.today())
	sub.Problems = append(gates, sub.Problems...)
	if len(sub.Problems) > 0 {
		var l errs.List
		for _, p := range sub.Problems {
			var e *errs.Error
			if errors.As(p, &e) {
				l = append(l, e)
			} else {
				l = append(l, errs.E(errs.Invalid, "%v", p))
			}
		}
		return &sub, l
	}
	ch := &project.Checked{}
	if in := sub.Indirect; in != nil {
		ceiling := in.Ceiling.Interval.Max
		ch.IndirectCeiling, ch.IndirectBasis = &ceiling, "《"+in.Ceiling.Document+"》"+in.Ceiling.Section
	}
	if a := sub.Award; a != nil {
		ch.Award, ch.AwardOutcome, ch.AwardBasis = a.Interval, a.Outcome.String(), "《"+a.Document+"》"+a.Section
	}
	b.Checked = ch
	if _, err := s.Store.CreateBid(ctx, b, u.ID); err != nil {
		return nil, err
	}
	return &sub, nil
}

// Bids lists challenge id's bids for u: every one to the staff of its
// jurisdiction, an enterprise its own.
func (s *Service) Bids(ctx context.Context, u auth.User, id int64) ([]*project.Bid, error) {
	c, _, err := s.Get(ctx, &u, id)
	if err != nil {
		return nil, err
	}
	bs, err := s.Store.Bids(ctx, id)
	if err != nil {
		return nil, err
	}
	if staffOf(u, c.Region) {
		return bs, nil
	}
	var own []*project.Bid
	for _, b := range bs {
		if u.Role == auth.Enterprise && b.Lead == u.Subject {
			own = append(own, b)
		}
	}
	return own, nil
}

// Parties are who make bid b: the lead and co-applicant units, the team.
func Parties(b *project.Bid) project.Parties {
	p := project.Parties{ID: b.ID, Units: append([]string{b.Lead}, b.Partners...)}
	for _, m := range b.Team {
		if m.Person != "" {
			p.People = append(p.People, m.Person)
		}
	}
	return p
}

// Assign proposes reviewers for challenge id's bids: per experts of field
// ("" any) for each bid from experts, none tied to the bid through the
// registry (appointments in force today in the facts of the bidders' and
// the experts' units) or through declared ties. Staff of the challenge's
// jurisdiction only. Excluded pairs are returned with their reasons so the
// assignment can be checked and kept with the review file.
func (s *Service) Assign(ctx context.Context, u auth.User, id int64, experts []project.Expert, declared []project.Tie, per int, field string) (*project.Assignment, error) {
	c, err := s.staffChallenge(ctx, u, id, 0, "评审专家由榜单所在辖区的科技部门指派")
	if err != nil {
		return nil, err
	}
	return s.assign(ctx, c, experts, declared, per, field)
}

func (s *Service) assign(ctx context.Context, c *project.Challenge, experts []project.Expert, declared []project.Tie, per int, field string) (*project.Assignment, error) {
	id := c.ID
	bs, err := s.Store.Bids(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, errs.E(errs.Conflict, "榜单 %d 还没有揭榜申请，无需指派专家", id)
	}
	units := map[string]bool{}
	var parties []project.Parties
	for _, b := range bs {
		p := Parties(b)
		parties = append(parties, p)
		for _, x := range p.Units {
			units[x] = true
		}
	}
	for _, e := range experts {
		if e.Unit != "" {
			units[e.Unit] = true
		}
	}
	var subjects []*facts.Facts
	for _, x := range slices.Sorted(maps.Keys(units)) {
		f, _, err := s.Store.Facts(ctx, x)
		if errs.KindOf(err) == errs.NotFound {
			continue // a unit outside the registry has no recorded ties
		}
		if err != nil {
			return nil, err
		}
		subjects = append(subjects, f)
	}
	at, err := policy.ParseDate(s.today())
	if err != nil {
		return nil, err
	}
	ties := append(project.TiesFromFacts(subjects, at), declared...)
	return project.Assign(experts, parties, ties, per, field)
}

// Review performs a review step on closed challenge id seen at version
// (0: any): assign computes who reviews which bid from a.Experts and the
// declared ties (per experts each, of field); rank takes each bid's
// request as the most its award may be. Staff of the challenge's
// jurisdiction only.
func (s *Service) Review(ctx context.Context, u auth.User, id int64, version int, a project.ReviewAct, declared []project.Tie, per int, field string) (*project.Challenge, error) {
	c, err := s.staffChallenge(ctx, u, id, version, "评审由榜单所在辖区的科技部门组织")
	if err != nil {
		return nil, err
	}
	a.By, a.Today = u.ID, s.today()
	var leads, names map[string]string
	switch a.Act {
	case "assign":
		if a.Assignment, err = s.assign(ctx, c, a.Experts, declared, per, field); err != nil {
			return nil, err
		}
	case "rank":
		bs, err := s.Store.Bids(ctx, id)
		if err != nil {
			return nil, err
		}
		a.Asked, leads, names = map[string]money.Fen{}, map[string]string{}, map[string]string{}
		for _, b := range bs {
			leads[b.ID], names[b.ID] = b.Lead, b.LeadName
			if b.Checked != nil && b.Checked.AwardOutcome == "entitled" {
				a.Asked[b.ID] = b.Checked.Award.Max
			}
		}
	}
	prev := c.Version
	if err := project.ApplyReview(c, a); err != nil {
		return nil, err
	}
	if a.Act == "rank" {
		for i := range c.Review.Ranking {
			r := &c.Review.Ranking[i]
			r.Lead, r.Name = leads[r.Bid], names[r.Bid]
		}
	}
	var text string
	switch r := c.Review; a.Act {
	case "assign":
		text = fmt.Sprintf("指派 %d 名专家评审 %d 项申报，因利益冲突回避 %d 对", len(a.Experts), len(r.Assigned.Reviewers), len(r.Assigned.Excluded))
	case "score":
		text = "专家 " + a.Sheet.Expert + " 对申报 " + a.Sheet.Bid + " 的评分表"
	case "rank":
		text = fmt.Sprintf("排序 %d 项，拟资助 %d 项（资助资金 %s）", len(r.Ranking), len(r.Funded()), r.Line.Budget)
	case "publicise":
		text = "公示 " + r.Notice.From + " 至 " + r.Notice.To
	}
	if err := s.Store.UpdateChallenge(ctx, c, prev, store.ChallengeEvent{Actor: u.ID, Act: "review." + a.Act, Text: text}); err != nil {
		return nil, err
	}
	return c, nil
}

// Grant awards funded bid bidID of challenge id once its 公示 is over
// (立项资助): the project is recorded in the bidder's facts (科技部门, the
// 揭榜挂帅 project with its total, direct and equipment costs, dated today),
// the challenge's clause evaluated on them gives the award, fen is checked
// against it (Decide: within the interval the clause allows) and the case
// is made in the fulfilment flow with the decided amount, the reason and
// the yearly shares the ledger will pay it by — all in one transaction.
func (s *Service) Grant(ctx context.Context, u auth.User, id int64, version int, bidID string, fen money.Fen, reason string, shares []int64, ms []project.Milestone) (*project.Challenge, *fulfil.Case, error) {
	c, err := s.staffChallenge(ctx, u, id, version, "立项资助由榜单所在辖区的科技部门办理")
	if err != nil {
		return nil, nil, err
	}
	today := s.today()
	if err := project.CheckGrant(c, bidID, fen, reason, shares, today); err != nil {
		return nil, nil, err
	}
	if err := project.CheckMilestones(ms, len(shares)); err != nil {
		return nil, nil, err
	}
	if ms[0].Due < today {
		return nil, nil, errs.At(errs.Pos{Path: "milestones[0].due"}, "第一个节点的完成日期 %s 早于立项日期 %s", ms[0].Due, today)
	}
	bs, err := s.Store.Bids(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(bs, func(b *project.Bid) bool { return b.ID == bidID })
	if i < 0 {
		return nil, nil, errs.E(errs.NotFound, "榜单 %d 没有申报 %s", id, bidID)
	}
	b := bs[i]
	raw, factVersion, err := s.Store.FactsDoc(ctx, b.Lead)
	if err != nil {
		return nil, nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, nil, errs.E(errs.Internal, "facts of %s: %v", b.Lead, err)
	}
	at, err := policy.ParseDate(today)
	if err != nil {
		return nil, nil, err
	}
	event := fmt.Sprintf("challenge-%d", c.ID)
	p := c.ProjectOf(b.Budget, b.Interest, b.Lead, b.Region, at)
	ps, _ := doc["projects"].([]any)
	doc["projects"] = append(ps, p.Item(event))
	newDoc, err := json.Marshal(doc)
	if err != nil {
		return nil, nil, errs.E(errs.Internal, "facts of %s: %v", b.Lead, err)
	}
	nf, err := facts.DecodeBytes(newDoc, b.Lead)
	if err != nil {
		return nil, nil, err
	}
	cl, ok := s.Engine.ClauseByID(c.Clause)
	if !ok {
		return nil, nil, errs.E(errs.Internal, "榜单 %d 的条款 %s 不在政策库中", c.ID, c.Clause)
	}
	fy := int64(at.Year())
	d, claims := s.Engine.NewEvaluator().Claims(cl, nf, at, fy)
	k := slices.IndexFunc(claims, func(x rules.Claim) bool { return x.Event == event })
	if k < 0 {
		return nil, nil, errs.E(errs.Conflict, "按《%s》%s，该项目立项时不予资助：%s", cl.Doc.Title, cl.Citation.Section, d.Outcome.Zh())
	}
	claim := claims[k]
	amt := project.Amount{Clause: cl.ID, Document: cl.Doc.Title, Section: cl.Citation.Section, Outcome: rules.Entitled, Interval: claim.Amount}
	if err := project.Decide(amt, fen); err != nil {
		return nil, nil, err
	}
	settings, err := s.Store.Settings(ctx)
	if err != nil {
		return nil, nil, err
	}
	kase := fulfil.NewCase(cl, nf.Subject.ID, nf.Subject.Name, nf.Subject.Region, fy, claim, fulfil.RouteAuto, fsvc.ConfigOf(settings, cl).Workflow, factVersion+1,
		fmt.Sprintf("揭榜挂帅项目“%s”立项资助：《%s》%s：%s", c.Title, cl.Doc.Title, cl.Citation.Section, cl.Citation.Quote))
	kase.Decided = &fulfil.Decision{Fen: fen, Reason: reason, By: u.ID, At: today}
	kase.Shares = slices.Clone(shares)
	kase.Hold = project.Held(ms)
	fulfil.Start(kase, s.now())
	plan, _ := project.Stage(fen, int(kase.BudgetYear), shares)
	for _, p := range plan {
		kase.Planned = append(kase.Planned, fulfil.Installment{Year: int64(p.Year), Fen: p.Fen})
	}
	prev := c.Version
	c.Review.Grants = append(c.Review.Grants, project.Grant{Bid: b.ID, Lead: b.Lead, Name: b.LeadName, Age: leadAge(b), Fen: fen, Shares: slices.Clone(shares), Plan: plan, Reason: reason, By: u.ID, At: today,
		State: project.Executing, Milestones: slices.Clone(ms), Team: slices.Clone(b.Team), Budget: b.Budget})
	a := store.Admission{Doc: newDoc, Version: factVersion, Entry: store.Entry{Source: "sti", By: u.ID, Note: fmt.Sprintf("揭榜挂帅项目立项：榜单 %d“%s”", c.ID, c.Title)}, Cases: []*fulfil.Case{kase}}
	if err := s.Store.GrantChallenge(ctx, c, prev, store.ChallengeEvent{Actor: u.ID, Act: "grant", Text: fmt.Sprintf("申报 %s（%s）立项资助 %s，按 %s 分年度拨付：%s", b.ID, cmp.Or(b.LeadName, b.Lead), fen, sharesText(shares), reason)}, a); err != nil {
		return nil, nil, err
	}
	return c, kase, nil
}

// leadAge is the age of b's lead researcher (0 if none is named).
func leadAge(b *project.Bid) int {
	if m, ok := b.LeadPerson(); ok {
		return m.Age
	}
	return 0
}

// sharesText shows yearly shares as a ratio, 4:3:3.
func sharesText(shares []int64) string {
	parts := make([]string, len(shares))
	for i, x := range shares {
		parts[i] = strconv.FormatInt(x, 10)
	}
	return strings.Join(parts, ":")
}

// Project returns challenge id with its granted project bid for u: the
// staff of its jurisdiction and the project's lead unit see it.
func (s *Service) Project(ctx context.Context, u auth.User, id int64, bid string) (*project.Challenge, *project.Grant, []store.ChallengeEvent, error) {
	c, hist, err := s.Store.Challenge(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	g := c.Review.Grant(bid)
	if g == nil || !staffOf(u, c.Region) && !(u.Role == auth.Enterprise && u.Subject == g.Lead) {
		return nil, nil, nil, errs.E(errs.NotFound, "榜单 %d 没有立项项目 %s", id, bid)
	}
	if !staffOf(u, c.Region) {
		hist = nil
	}
	return c, g, hist, nil
}

// Execute performs act a on the project granted to bid of challenge id,
// seen at version (0: any): the task book's reports and checks, changes,
// the end user's acceptance, a 赛马 stop, closure under 容错 or by the
// ordinary procedure. What the act does to the money — an installment
// released, the unpaid rest cut, the funds moved to the team continued —
// is done to the fulfilment cases in the same transaction, and a 容错 file
// that finds misconduct records it in the lead unit's facts (科研严重失信).
func (s *Service) Execute(ctx context.Context, u auth.User, id int64, version int, bid string, a project.ExecAct) (*project.Challenge, error) {
	c, g, _, err := s.Project(ctx, u, id, bid)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != c.Version {
		return nil, errs.E(errs.Conflict, "榜单 %d 刚刚已被他人办理（您看到的是第 %d 版，现在是第 %d 版）：请刷新后再操作", id, version, c.Version)
	}
	today := s.today()
	a.Staff, a.Team, a.By, a.Today = staffOf(u, c.Region), u.Role == auth.Enterprise && u.Subject == g.Lead, u.ID, today
	a.Indicators, a.Lump, a.Case.Level = len(c.Indicators), c.Lump, c.LevelOf()
	at, err := policy.ParseDate(today)
	if err != nil {
		return nil, err
	}
	if a.Act == "decide-change" {
		a.Budget = func(b project.BidBudget) error {
			_, err := project.BudgetCheck(s.Engine, s.indirectClause(c.Clause), c.ProjectOf(b, 0, g.Lead, c.Region, at))
			return err
		}
	}
	var tolDoc string
	if a.Act == "tolerance" {
		cl, ok := s.Engine.ClauseByID(c.Clause)
		if !ok || cl.Doc.ID != project.ToleranceDoc {
			return nil, errs.E(errs.Invalid, "榜单 %d 依据的文件没有容错条款：容错按《武威市强科技行动实施方案（2022—2025年）》四（一）6 办理，只适用于依据该文件的项目", c.ID)
		}
		tolDoc = cl.Doc.Title
	}
	var to *project.Grant
	if a.Act == "stop" && a.To != "" {
		if to = c.Review.Grant(a.To); to == nil || to.State.Final() {
			return nil, errs.At(errs.Pos{Path: "to"}, "剩余资金转入的 %s 不是本榜单执行中的立项项目", a.To)
		}
	}
	prev := c.Version
	ef, err := project.ApplyExec(g, a)
	if err != nil {
		return nil, err
	}
	if g.Tolerance != nil && g.Tolerance.Decision.Document == "" {
		g.Tolerance.Decision.Document = tolDoc
	}
	var changes []store.CaseChange
	for _, i := range ef.Release {
		m := slices.IndexFunc(g.Milestones, func(m project.Milestone) bool { return m.Release == i })
		note := fmt.Sprintf("“%s”通过，第 %d 期（%d年 %s）解除暂停，随年度批次拨付", g.Milestones[m].Name, i+1, g.Plan[i].Year, g.Plan[i].Fen)
		changes = append(changes, store.CaseChange{Case: g.Case, Action: "released", Do: func(k *fulfil.Case, _, _ func(int) bool) (string, error) {
			return note, k.Release(i)
		}})
	}
	if ef.Cut {
		why := fmt.Sprintf("项目%s（%s）：%s", g.State.Zh(), today, cmp.Or(strings.TrimSpace(a.Text), g.State.Zh()))
		changes = append(changes, store.CaseChange{Case: g.Case, Action: "ended", Do: func(k *fulfil.Case, inLedger, paid func(int) bool) (string, error) {
			freed, err := k.Cut(inLedger, paid, why)
			g.Freed = freed
			return fmt.Sprintf("%s；未拨付的 %s 不再拨付", why, freed), err
		}})
		if to != nil {
			changes = append(changes, store.CaseChange{Case: to.Case, Action: "topped", Do: func(k *fulfil.Case, inLedger, _ func(int) bool) (string, error) {
				if g.Freed == 0 {
					return "", errs.E(errs.Conflict, "申报 %s 已没有未拨付的资金可转入", g.Bid)
				}
				reason := fmt.Sprintf("赛马：申报 %s 终止支持，剩余 %s 转入", g.Bid, g.Freed)
				if err := k.Top(g.Freed, inLedger, fulfil.Decision{Reason: reason, By: u.ID, At: today}); err != nil {
					return "", err
				}
				g.MovedTo = to.Bid
				to.Fen += g.Freed
				to.Plan[len(to.Plan)-1].Fen += g.Freed
				return reason + "，计入最后一期", nil
			}})
		}
	}
	var rec *store.Admission
	if ef.Record {
		raw, v, err := s.Store.FactsDoc(ctx, g.Lead)
		if err != nil {
			return nil, err
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, errs.E(errs.Internal, "facts of %s: %v", g.Lead, err)
		}
		is, _ := doc["incidents"].([]any)
		doc["incidents"] = append(is, map[string]any{"id": fmt.Sprintf("challenge-%d-%s", c.ID, g.Bid), "kind": "misconduct", "date": today, "source": "sti"})
		nd, err := json.Marshal(doc)
		if err != nil {
			return nil, errs.E(errs.Internal, "facts of %s: %v", g.Lead, err)
		}
		rec = &store.Admission{Doc: nd, Version: v, Entry: store.Entry{Source: "sti", By: u.ID, Note: fmt.Sprintf("科研严重失信：榜单 %d 项目 %s 容错不予认定（%s）", c.ID, g.Bid, strings.Join(g.Tolerance.Decision.Reasons, "；"))}}
	}
	if err := s.Store.ExecuteChallenge(ctx, c, prev, store.ChallengeEvent{Actor: u.ID, Act: "project." + a.Act, Text: execText(g, a)}, changes, rec); err != nil {
		return nil, err
	}
	return c, nil
}

// execText says what an act on project g did, for the challenge's history.
func execText(g *project.Grant, a project.ExecAct) string {
	head := fmt.Sprintf("项目 %s（%s）", g.Bid, cmp.Or(g.Name, g.Lead))
	switch a.Act {
	case "report":
		return fmt.Sprintf("%s提交“%s”报告", head, g.Milestones[a.Index].Name)
	case "check":
		m := g.Milestones[a.Index]
		return fmt.Sprintf("%s“%s”检查%s：%s", head, m.Name, map[bool]string{true: "通过", false: "未通过"}[m.Result == "passed"], m.Opinion)
	case "accept":
		return fmt.Sprintf("%s结题验收%s（验收用户签署人 %s）：%s", head, map[bool]string{true: "通过", false: "未通过"}[g.Accepted.Passed], g.Accepted.Signatory, g.Accepted.Opinion)
	case "change":
		ch := g.Changes[len(g.Changes)-1]
		return fmt.Sprintf("%s申请%s：%s", head, project.ChangeZh(ch.Kind), ch.Text)
	case "decide-change":
		ch := g.Changes[a.Index]
		return fmt.Sprintf("%s%s申请%s：%s", head, project.ChangeZh(ch.Kind), map[string]string{"approved": "获批准", "refused": "未获批准"}[ch.State], ch.Opinion)
	case "stop":
		return fmt.Sprintf("%s终止支持：%s", head, g.Close)
	case "tolerance":
		d := g.Tolerance.Decision
		if d.Granted {
			return fmt.Sprintf("%s按武威 %s 予以容错，不纳入科研失信", head, d.Section)
		}
		return fmt.Sprintf("%s不予容错：%s", head, strings.Join(d.Reasons, "；"))
	case "fail":
		return fmt.Sprintf("%s按一般程序结题：%s", head, g.Close)
	}
	return head
}

// CutBatch cuts a review batch of rolling call id seen at version (常年受理、
// 定期评审、分批下达): the bids submitted up to cutoff move to a closed
// challenge of their own, reviewed and granted as any, while the call
// stays open for the next batch. It returns the batch.
func (s *Service) CutBatch(ctx context.Context, u auth.User, id int64, version int, cutoff string) (*project.Challenge, error) {
	c, err := s.staffChallenge(ctx, u, id, version, "分批评审由申报指南所在辖区的科技部门办理")
	if err != nil {
		return nil, err
	}
	if err := project.CheckBatch(c, cutoff, s.today()); err != nil {
		return nil, err
	}
	child := project.NewBatch(c, len(c.Batches)+1, cutoff)
	if _, err := s.Store.CutBatch(ctx, c, c.Version, child, store.ChallengeEvent{Actor: u.ID, Act: "batch"}); err != nil {
		return nil, err
	}
	return child, nil
}
