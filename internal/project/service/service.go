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
	return project.Evaluate(s.Engine, c.Clause, project.Project{Kind: "challenge", Level: "city", Role: "lead", Date: at,
		Budget: project.Budget{Total: c.Total}, Subject: facts.Subject{ID: "bidder", Kind: "enterprise", Region: c.Region}})
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
func (s *Service) Grant(ctx context.Context, u auth.User, id int64, version int, bidID string, fen money.Fen, reason string, shares []int64) (*project.Challenge, *fulfil.Case, error) {
	c, err := s.staffChallenge(ctx, u, id, version, "立项资助由榜单所在辖区的科技部门办理")
	if err != nil {
		return nil, nil, err
	}
	today := s.today()
	if err := project.CheckGrant(c, bidID, fen, reason, shares, today); err != nil {
		return nil, nil, err
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
	p := project.Project{Kind: "challenge", Level: "city", Role: "lead", Date: at,
		Budget: project.Budget{Total: b.Budget.Total(), Direct: b.Budget.Direct(), Equipment: b.Budget.Categories[b.Budget.Equipment]}}
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
	fulfil.Start(kase, s.now())
	plan, _ := project.Stage(fen, int(kase.BudgetYear), shares)
	prev := c.Version
	c.Review.Grants = append(c.Review.Grants, project.Grant{Bid: b.ID, Lead: b.Lead, Fen: fen, Shares: slices.Clone(shares), Plan: plan, Reason: reason, By: u.ID, At: today})
	a := store.Admission{Doc: newDoc, Version: factVersion, Entry: store.Entry{Source: "sti", By: u.ID, Note: fmt.Sprintf("揭榜挂帅项目立项：榜单 %d“%s”", c.ID, c.Title)}, Cases: []*fulfil.Case{kase}}
	if err := s.Store.GrantChallenge(ctx, c, prev, store.ChallengeEvent{Actor: u.ID, Act: "grant", Text: fmt.Sprintf("申报 %s（%s）立项资助 %s，按 %s 分年度拨付：%s", b.ID, cmp.Or(b.LeadName, b.Lead), fen, sharesText(shares), reason)}, a); err != nil {
		return nil, nil, err
	}
	return c, kase, nil
}

// sharesText shows yearly shares as a ratio, 4:3:3.
func sharesText(shares []int64) string {
	parts := make([]string, len(shares))
	for i, x := range shares {
		parts[i] = strconv.FormatInt(x, 10)
	}
	return strings.Join(parts, ":")
}
