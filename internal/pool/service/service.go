// Package service runs the cultivation pools (培育库) over the compiled
// library and the store: it finds candidates in the population, starts
// memberships, checks who may act on them, and — when the last approval
// step admits a member — records the admission as a fact (a pool entry,
// source 科技部门) and makes the fulfilment cases the pool's money clause
// pays for it (肥乡 高企培育库: 3万元 per admitted enterprise), all in one
// transaction. The web pages and the JSON API both call it.
package service

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/fulfil"
	fsvc "kechuang/internal/fulfil/service"
	"kechuang/internal/policy"
	"kechuang/internal/pool"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// Service is the pools over one compiled library and one store.
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

func (s *Service) today() policy.Date { return policy.DateOf(s.now().In(pool.Shanghai)) }

// Info is a pool with where its document stands and its membership counts.
type Info struct {
	*rules.Pool
	InForce bool               // its document is in force today: it admits
	Counts  map[pool.State]int // memberships by state
}

// Pools lists the pools whose document concerns u: staff and finance of a
// jurisdiction the pool's covers or lies within, enterprises of its region.
func (s *Service) Pools(ctx context.Context, u auth.User) ([]Info, error) {
	var out []Info
	for _, p := range s.Engine.Pools {
		if s.reach(u, p) != nil {
			continue
		}
		ms, err := s.Store.Members(ctx, store.MemberFilter{Pool: p.ID, Region: s.scope(u)})
		if err != nil {
			return nil, err
		}
		in := Info{Pool: p, InForce: inForce(p, s.today()), Counts: map[pool.State]int{}}
		for _, m := range ms {
			in.Counts[m.State]++
		}
		out = append(out, in)
	}
	return out, nil
}

func inForce(p *rules.Pool, d policy.Date) bool {
	return d >= p.Doc.ValidFrom && (p.Doc.ValidTo == 0 || d <= p.Doc.ValidTo)
}

// scope is the region prefix of what u may see ("" for all; an enterprise
// sees only its own memberships, filtered by subject).
func (s *Service) scope(u auth.User) string {
	p, _ := auth.RegionScope(u)
	return p
}

func (s *Service) reach(u auth.User, p *rules.Pool) error {
	switch u.Role {
	case auth.Admin:
		return nil
	case auth.Staff, auth.Finance:
		if auth.Reaches(u.Jurisdiction, p.Doc.Jurisdiction) {
			return nil
		}
	case auth.Enterprise:
		return nil // pools are public; its memberships are its own
	}
	return errs.E(errs.Permission, "%s不在本账号的辖区内", p.Title)
}

// Pool returns the pool id for u.
func (s *Service) Pool(u auth.User, id string) (*rules.Pool, error) {
	p, ok := s.Engine.PoolByID(id)
	if !ok {
		return nil, errs.E(errs.NotFound, "没有培育库 %s", id)
	}
	return p, s.reach(u, p)
}

func mayManage(u auth.User, p *rules.Pool) error {
	if u.Role != auth.Staff && u.Role != auth.Admin {
		return errs.E(errs.Permission, "培育库由%s的科技部门工作人员管理", p.Doc.JurisdictionName)
	}
	if u.Role == auth.Staff && !auth.Reaches(u.Jurisdiction, p.Doc.Jurisdiction) {
		return errs.E(errs.Permission, "%s不在本账号的辖区内", p.Title)
	}
	return nil
}

// dateOf is the date a subject is measured at: the date of its facts (as
// of), or today.
func (s *Service) dateOf(f *facts.Facts) policy.Date {
	if d, err := policy.ParseDate(f.AsOf); err == nil && f.AsOf != "" {
		return d
	}
	return s.today()
}

// Candidate is a subject measured against a pool.
type Candidate struct {
	Subject rules.SubjectInfo
	At      string
	Check   *rules.PoolCheck
}

// rank orders candidates: admissible, then awaiting a person's judgement,
// then awaiting facts, then by distance from the standard, then id.
func rank(a, b Candidate) int {
	return cmp.Or(cmp.Compare(a.Check.Admission, b.Check.Admission), cmp.Compare(a.Check.Distance, b.Check.Distance),
		cmp.Compare(len(a.Check.Lacks), len(b.Check.Lacks)), cmp.Compare(a.Subject.ID, b.Subject.ID))
}

// Candidates measures every subject of the pool's jurisdiction within u's
// reach that has no open membership and has not graduated, and returns the
// first limit by rank with the number at each admission outcome.
func (s *Service) Candidates(ctx context.Context, u auth.User, id string, limit int) ([]Candidate, map[rules.Admission]int, error) {
	p, err := s.Pool(u, id)
	if err != nil {
		return nil, nil, err
	}
	if err := mayManage(u, p); err != nil {
		return nil, nil, err
	}
	prefix, err := auth.Narrow(s.scope(u), policy.RegionPrefix(p.Doc.Jurisdiction))
	if err != nil {
		prefix = s.scope(u) // the officer's county within the pool's city
	}
	open, err := s.Store.Members(ctx, store.MemberFilter{Pool: p.ID, Open: true})
	if err != nil {
		return nil, nil, err
	}
	skip := map[string]bool{}
	for _, m := range open {
		skip[m.Subject] = true
	}
	// Rank on outcomes and counts alone (a brief evaluator writes no
	// texts), then measure the ones shown again in full.
	ev := s.Engine.NewEvaluator()
	ev.SetBrief(true)
	var out []Candidate
	var subjects []*facts.Facts
	counts := map[rules.Admission]int{}
	fl := store.Filter{Region: prefix}
	if len(p.Beneficiary) == 1 {
		fl.Kind = p.Beneficiary[0] // read only what can be a candidate
	}
	err = s.Store.EachFacts(ctx, fl, func(f *facts.Facts) error {
		if skip[f.Subject.ID] || !slices.Contains(p.Beneficiary, f.Subject.Kind) || !policy.Covers(p.Doc.Jurisdiction, f.Subject.Region) {
			return nil
		}
		at := s.dateOf(f)
		c := ev.CheckPool(p, f, at)
		if c.Admission == rules.AdmissionNotApplicable || c.Graduated != "" {
			return nil
		}
		counts[c.Admission]++
		out = append(out, Candidate{Subject: rules.SubjectInfo{ID: f.Subject.ID, Name: f.Subject.Name, Kind: f.Subject.Kind, Region: f.Subject.Region}, At: at.String(), Check: c})
		subjects = append(subjects, f)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return rank(out[a], out[b]) })
	if limit > 0 && len(order) > limit {
		order = order[:limit]
	}
	full := s.Engine.NewEvaluator()
	shown := make([]Candidate, len(order))
	for k, i := range order {
		c := out[i]
		at, _ := policy.ParseDate(c.At)
		c.Check = full.CheckPool(p, subjects[i], at)
		shown[k] = c
	}
	return shown, counts, nil
}

// Check measures subject id against pool p now (at the date of its facts).
func (s *Service) Check(ctx context.Context, p *rules.Pool, id string) (*rules.PoolCheck, *facts.Facts, int, error) {
	f, v, err := s.Store.Facts(ctx, id)
	if err != nil {
		return nil, nil, 0, err
	}
	return s.Engine.NewEvaluator().CheckPool(p, f, s.dateOf(f)), f, v, nil
}

// Start makes a membership: staff invite a candidate (act Invite), or an
// enterprise — or staff on its behalf — applies (act pool.ApplyAct).
func (s *Service) Start(ctx context.Context, u auth.User, poolID, subjectID string, act pool.Act, note string) (*pool.Member, error) {
	p, err := s.Pool(u, poolID)
	if err != nil {
		return nil, err
	}
	if act != pool.Invite && act != pool.ApplyAct {
		return nil, errs.E(errs.Invalid, "入库从邀请或申请开始，不是“%s”", pool.ActZh(act))
	}
	staff := u.Role == auth.Staff || u.Role == auth.Admin
	if staff {
		if err := mayManage(u, p); err != nil {
			return nil, err
		}
	} else if u.Role != auth.Enterprise || act != pool.ApplyAct {
		return nil, errs.E(errs.Permission, "企业可申请入库；邀请由科技部门工作人员发出")
	}
	if !inForce(p, s.today()) {
		return nil, errs.E(errs.Conflict, "《%s》有效期至%s，%s已不再受理入库", p.Doc.Title, p.Doc.ValidTo, p.Title)
	}
	f, _, err := s.Store.Facts(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	if err := auth.CanSubject(u, auth.Write, auth.Subject{ID: f.Subject.ID, Region: f.Subject.Region}); err != nil {
		return nil, err
	}
	if !policy.Covers(p.Doc.Jurisdiction, f.Subject.Region) {
		return nil, errs.E(errs.Invalid, "%s（%s）不在%s的范围内", f.Subject.Name, f.Subject.Region, p.Title)
	}
	if !slices.Contains(p.Beneficiary, f.Subject.Kind) {
		return nil, errs.E(errs.Invalid, "%s只接收%s，%s是%s", p.Title, kinds(p.Beneficiary), f.Subject.Name, facts.TermZh("subject_kind", f.Subject.Kind))
	}
	m := &pool.Member{Pool: p.ID, Subject: f.Subject.ID, SubjectName: f.Subject.Name, Region: f.Subject.Region}
	ev, err := pool.Apply(p.Pool, m, pool.Request{Act: act, By: u.ID, Staff: staff, Note: note}, s.now())
	if err != nil {
		return nil, err
	}
	if _, err := s.Store.CreateMember(ctx, m, ev); err != nil {
		return nil, err
	}
	return m, nil
}

func kinds(ks []string) string {
	zh := make([]string, len(ks))
	for i, k := range ks {
		zh[i] = facts.TermZh("subject_kind", k)
	}
	return strings.Join(zh, "、")
}

// CanSee decides whether u may see membership m: its own enterprise, staff
// and finance whose jurisdiction covers the subject, admin.
func CanSee(u auth.User, m *pool.Member) error {
	return auth.CanSubject(u, auth.Read, auth.Subject{ID: m.Subject, Region: m.Region})
}

// Member returns a membership u may see, with its history and pool.
func (s *Service) Member(ctx context.Context, u auth.User, id int64) (*pool.Member, []pool.Event, *rules.Pool, error) {
	m, hist, err := s.Store.Member(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := CanSee(u, m); err != nil {
		return nil, nil, nil, errs.E(errs.NotFound, "没有编号为 %d 的入库记录", id) // not even whether it exists
	}
	p, ok := s.Engine.PoolByID(m.Pool)
	if !ok {
		return nil, nil, nil, errs.E(errs.Internal, "入库记录 %d 所属的培育库 %s 已不在政策库中", id, m.Pool)
	}
	return m, hist, p, nil
}

// Memberships lists subject id's memberships, for u (the enterprise itself or staff over it).
func (s *Service) Memberships(ctx context.Context, u auth.User, id string) ([]*pool.Member, error) {
	if err := auth.CheckSubject(u, auth.Read, id, func() (auth.Subject, error) {
		f, _, err := s.Store.Facts(ctx, id)
		if err != nil {
			return auth.Subject{}, err
		}
		return auth.Subject{ID: f.Subject.ID, Region: f.Subject.Region}, nil
	}); err != nil {
		return nil, err
	}
	return s.Store.Members(ctx, store.MemberFilter{Subject: id})
}

// Exit is a reason an admitted member may leave the pool now, found on its
// current facts: it has reached the target status (graduate), a removal
// rule holds (remove), or it no longer meets the criteria (criteria). Staff
// decide; nothing leaves the pool by itself.
type Exit struct {
	Kind string // graduate, remove, criteria
	Text string
}

// Exits measures pool p's admitted members in ms again and returns, by
// membership id, the exits the facts suggest.
func (s *Service) Exits(ctx context.Context, p *rules.Pool, ms []*pool.Member) (map[int64]Exit, error) {
	out := map[int64]Exit{}
	ev := s.Engine.NewEvaluator()
	for _, m := range ms {
		if m.State != pool.Admitted {
			continue
		}
		f, _, err := s.Store.Facts(ctx, m.Subject)
		if err != nil {
			return nil, err
		}
		c := ev.CheckPool(p, f, s.dateOf(f))
		switch {
		case c.Graduated != "":
			out[m.ID] = Exit{Kind: "graduate", Text: p.GraduateTitle(c.Graduated)}
		case len(c.Remove) > 0:
			out[m.ID] = Exit{Kind: "remove", Text: c.Remove[0].Title}
		case c.Admission == rules.NotAdmissible || c.Admission == rules.AdmissionNotApplicable:
			out[m.ID] = Exit{Kind: "criteria", Text: "不再符合入库标准：" + strings.Join(c.Lacks, "；")}
		}
	}
	return out, nil
}

// Members lists pool id's memberships within u's reach.
func (s *Service) Members(ctx context.Context, u auth.User, id string, state pool.State) ([]*pool.Member, error) {
	p, err := s.Pool(u, id)
	if err != nil {
		return nil, err
	}
	if err := mayManage(u, p); err != nil && u.Role != auth.Finance {
		return nil, err
	}
	return s.Store.Members(ctx, store.MemberFilter{Pool: p.ID, Region: s.scope(u), State: state})
}

// Act performs r on membership id, seen at version (0: whatever is current).
// The pass of the last approval step admits: see admit.
func (s *Service) Act(ctx context.Context, u auth.User, id int64, version int, r pool.Request) (*pool.Member, error) {
	m, _, p, err := s.Member(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if version != 0 && version != m.Version {
		return nil, errs.E(errs.Conflict, "入库记录 %d 刚刚已被他人办理（您看到的是第 %d 版，现在是第 %d 版）：请刷新后再操作", id, version, m.Version)
	}
	r.By = u.ID
	r.Staff = u.Role == auth.Staff || u.Role == auth.Admin
	if r.Staff {
		if err := mayManage(u, p); err != nil {
			return nil, err
		}
	} else if u.Role != auth.Enterprise || u.Subject != m.Subject {
		return nil, errs.E(errs.Permission, "本账号不能办理此入库记录")
	}
	prev := m.Version
	before := *m
	ev, err := pool.Apply(p.Pool, m, r, s.now())
	if err != nil {
		return nil, err
	}
	if m.State == pool.Admitted && before.State != pool.Admitted {
		if err := s.admit(ctx, p, &before, m, prev, &ev); err != nil {
			return nil, err
		}
		return m, nil
	}
	if err := s.Store.UpdateMember(ctx, m, prev, ev); err != nil {
		return nil, err
	}
	return m, nil
}

// admit records an admission: the criteria are checked again on the
// subject's current facts (a person's judgement of the criteria that need
// one is the officer's pass, recorded as an assessment); the pool entry
// is added to the facts (source sti: the bureau's own decision, so the
// proposal it makes is 免申即享); and the money clause is evaluated on the
// new facts to make its cases.
func (s *Service) admit(ctx context.Context, p *rules.Pool, before, m *pool.Member, prev int, ev *pool.Event) error {
	today := s.today()
	if !inForce(p, today) {
		return errs.E(errs.Conflict, "《%s》有效期至%s，%s已不再入库", p.Doc.Title, p.Doc.ValidTo, p.Title)
	}
	n, err := s.Store.AdmittedIn(ctx, p.ID, today.Year())
	if err != nil {
		return err
	}
	if err := pool.Capacity(p.Pool, n); err != nil {
		return err
	}
	doc, version, err := s.Store.FactsDoc(ctx, m.Subject)
	if err != nil {
		return err
	}
	f, err := facts.DecodeBytes(doc, m.Subject)
	if err != nil {
		return err
	}
	check := s.Engine.NewEvaluator().CheckPool(p, f, s.dateOf(f))
	switch check.Admission {
	case rules.NotAdmissible:
		return errs.E(errs.Conflict, "%s不符合%s入库标准：%s", m.SubjectName, p.Title, strings.Join(check.Lacks, "；"))
	case rules.AdmissionNeedsFacts:
		return errs.E(errs.Conflict, "入库前请补充%s的事实：%s", m.SubjectName, strings.Join(check.Missing, "、"))
	case rules.AdmissionNotApplicable:
		return errs.E(errs.Conflict, "%s不适用于%s", p.Title, m.SubjectName)
	}
	var raw map[string]any
	if err := json.Unmarshal(doc, &raw); err != nil {
		return errs.E(errs.Internal, "facts of %s: %v", m.Subject, err)
	}
	m.Entry = fmt.Sprintf("pool-%d", m.ID)
	entry := map[string]any{"id": m.Entry, "pool": p.ID, "level": p.Level, "date": today.String(), "source": "sti"}
	pools, _ := raw["pools"].([]any)
	raw["pools"] = append(pools, entry)
	var judged []string
	for _, c := range p.Criteria {
		if c.Expert == "" || !slices.ContainsFunc(check.Criteria.Conditions, func(r rules.ConditionResult) bool { return r.ID == c.ID && r.State.String() == "review" }) {
			continue
		}
		as, _ := raw["assessments"].([]any)
		raw["assessments"] = append(as, map[string]any{"id": fmt.Sprintf("pool-%d-%s", m.ID, c.ID), "standard": rules.PoolStandardID(p.ID),
			"item": c.ID, "met": true, "by": ev.By, "date": today.String(), "source": "sti"})
		judged = append(judged, c.Title)
	}
	if len(judged) > 0 {
		ev.Note = strings.TrimSpace(ev.Note + " 审核认定：" + strings.Join(judged, "；"))
	}
	newDoc, err := json.Marshal(raw)
	if err != nil {
		return errs.E(errs.Internal, "facts of %s: %v", m.Subject, err)
	}
	nf, err := facts.DecodeBytes(newDoc, m.Subject)
	if err != nil {
		return err
	}
	var cases []*fulfil.Case
	if p.Clause != "" {
		cases, err = s.cases(ctx, p, nf, version+1, m.Entry, today, ev)
		if err != nil {
			return err
		}
	}
	a := store.Admission{Doc: newDoc, Version: version, Entry: store.Entry{Source: "pool", By: ev.By, Note: fmt.Sprintf("%s入库（入库记录 %d）", p.Title, m.ID)}, Cases: cases}
	if _, err := s.Store.AdmitMember(ctx, m, prev, *ev, a); err != nil {
		*m = *before
		return err
	}
	return nil
}

// cases evaluates the pool's money clause on the admitted facts and makes
// a case for the claim of the new entry.
func (s *Service) cases(ctx context.Context, p *rules.Pool, f *facts.Facts, factVersion int, entry string, today policy.Date, ev *pool.Event) ([]*fulfil.Case, error) {
	c, ok := s.Engine.ClauseByID(p.Clause)
	if !ok {
		return nil, errs.E(errs.Internal, "培育库 %s 的兑现条款 %s 不在政策库中", p.ID, p.Clause)
	}
	settings, err := s.Store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	fy := int64(today.Year())
	d, claims := s.Engine.NewEvaluator().Claims(c, f, today, fy)
	var out []*fulfil.Case
	for _, cl := range claims {
		if cl.Event != entry {
			continue
		}
		k := fulfil.NewCase(c, f.Subject.ID, f.Subject.Name, f.Subject.Region, fy, cl, fulfil.RouteAuto, fsvc.ConfigOf(settings, c).Workflow, factVersion,
			fmt.Sprintf("《%s》%s：%s", c.Doc.Title, c.Citation.Section, c.Citation.Quote))
		fulfil.Start(k, s.now())
		out = append(out, k)
	}
	if len(out) == 0 {
		ev.Note = strings.TrimSpace(ev.Note + fmt.Sprintf(" 未生成“%s”兑现建议：%s", c.Title, d.Outcome.Zh()))
	}
	return out, nil
}
