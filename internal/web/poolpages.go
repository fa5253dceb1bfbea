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
	"kechuang/internal/pool"
	psvc "kechuang/internal/pool/service"
	"kechuang/internal/rules"
)

// Cultivation pool pages (培育库): the pools of the account's jurisdiction
// with their criteria beside the sentences they rest on; one pool's members
// and its candidates from the population, with an invitation for each; one
// membership's page — its approval steps, its standing against the criteria
// today, the acts open to the reader (审核, 入库, 一企一策 follow-up notes,
// graduation, removal) and its history, which the enterprise sees too.

func (s *Server) pools() *psvc.Service {
	return &psvc.Service{Engine: s.Engine, Store: s.Store, Now: s.Now}
}

// poolsShown is how many candidates a pool page lists.
const poolsShown = 30

type poolsData struct {
	Pools  []psvc.Info
	States []pool.State
}

func (s *Server) poolList(q *req) error {
	ps, err := s.pools().Pools(q.r.Context(), *q.user)
	if err != nil {
		return err
	}
	return s.render(q, http.StatusOK, "pools", q.lang.T("pools.title"), "pools", poolsData{Pools: ps, States: pool.States})
}

type poolData struct {
	Pool       *rules.Pool
	InForce    bool
	Members    []*pool.Member
	Exits      map[int64]psvc.Exit
	Candidates []psvc.Candidate
	Counts     map[string]int // admission outcome → candidates
	Total      int
	Done       string
	Error      string
}

func (s *Server) poolPage(q *req) error {
	return s.showPool(q, http.StatusOK, q.r.URL.Query().Get("done"), "")
}

func (s *Server) showPool(q *req, status int, done, msg string) error {
	ctx := q.r.Context()
	svc := s.pools()
	id := q.r.PathValue("id")
	p, err := svc.Pool(*q.user, id)
	if err != nil {
		return err
	}
	members, err := svc.Members(ctx, *q.user, id, "")
	if err != nil {
		return err
	}
	exits, err := svc.Exits(ctx, p, members)
	if err != nil {
		return err
	}
	d := poolData{Pool: p, Members: members, Exits: exits, Counts: map[string]int{}, Done: done, Error: msg}
	infos, err := svc.Pools(ctx, *q.user)
	if err != nil {
		return err
	}
	for _, in := range infos {
		if in.ID == p.ID {
			d.InForce = in.InForce
		}
	}
	if q.user.Role == auth.Staff || q.user.Role == auth.Admin {
		cands, counts, err := svc.Candidates(ctx, *q.user, id, poolsShown)
		if err != nil {
			return err
		}
		d.Candidates = cands
		for k, n := range counts {
			d.Counts[k.String()] = n
			d.Total += n
		}
	}
	return s.render(q, status, "pool", p.Title, "pools", d)
}

// poolInvite starts a membership from the pool page: an invitation, or an
// application staff make for the enterprise (act=apply).
func (s *Server) poolInvite(q *req) error {
	act := pool.Invite
	if q.r.PostFormValue("act") == string(pool.ApplyAct) {
		act = pool.ApplyAct
	}
	subject := strings.TrimSpace(q.r.PostFormValue("subject"))
	m, err := s.pools().Start(q.r.Context(), *q.user, q.r.PathValue("id"), subject, act, strings.TrimSpace(q.r.PostFormValue("note")))
	if err != nil {
		if k := errs.KindOf(err); k == errs.Internal || k == errs.Permission {
			return err
		}
		return s.showPool(q, errs.HTTPStatus(errs.KindOf(err)), "", errText(err))
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/pool-members/%d?done=%s", m.ID, url.QueryEscape(pool.ActZh(act))), http.StatusSeeOther)
	return nil
}

type poolStep struct {
	Title, By, Local, State string // State: done, current, todo
}

type poolAct struct {
	Act                 pool.Act
	Label               string
	Note, Reason        bool   // a free text (optional) or a reason (required)
	Officer, Next, Plan bool   // assign: officer and plan; note: next steps and date
	Value               string // a suggested text
	Danger              bool
}

type memberData struct {
	M       *pool.Member
	Pool    *rules.Pool
	History []pool.Event
	Steps   []poolStep
	Check   *rules.PoolCheck
	Acts    []poolAct
	Staff   bool
	Done    string
	Error   string
}

func (s *Server) memberPage(q *req) error {
	return s.showMember(q, http.StatusOK, q.r.URL.Query().Get("done"), "")
}

func (s *Server) memberID(q *req) (int64, error) {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, "没有编号为 %q 的入库记录", q.r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) showMember(q *req, status int, done, msg string) error {
	id, err := s.memberID(q)
	if err != nil {
		return err
	}
	svc := s.pools()
	m, hist, p, err := svc.Member(q.r.Context(), *q.user, id)
	if err != nil {
		return err
	}
	staff := q.user.Role == auth.Staff || q.user.Role == auth.Admin
	d := memberData{M: m, Pool: p, History: hist, Staff: staff, Done: done, Error: msg}
	for i, st := range p.Steps {
		state := "todo"
		switch {
		case m.State == pool.Admitted || m.State == pool.Graduated || m.State == pool.Removed || i < m.Step:
			state = "done"
		case i == m.Step && (m.State == pool.Applied || m.State == pool.Reviewing):
			state = "current"
		}
		d.Steps = append(d.Steps, poolStep{Title: st.Title, By: st.By, Local: st.Local, State: state})
	}
	if m.State.Open() {
		if d.Check, _, _, err = svc.Check(q.r.Context(), p, m.Subject); err != nil {
			return err
		}
	}
	if staff || q.user.Subject == m.Subject {
		d.Acts = memberActs(p, m, staff, d.Check)
	}
	return s.render(q, status, "member", p.Title+" · "+m.SubjectName, "pools", d)
}

// memberActs are the forms the member page offers: the acts pool.Acts
// allows the reader, with what each asks for.
func memberActs(p *rules.Pool, m *pool.Member, staff bool, c *rules.PoolCheck) []poolAct {
	var out []poolAct
	for _, a := range pool.Acts(p.Pool, m, staff) {
		pa := poolAct{Act: a, Label: pool.ActZh(a)}
		switch a {
		case pool.ApplyAct:
			pa.Note = true
		case pool.Pass:
			pa.Note = true
			pa.Label = "审核通过：" + p.Steps[m.Step].Title
			if m.Step == len(p.Steps)-1 {
				pa.Label += "（入库）"
			}
		case pool.Decline:
			pa.Reason, pa.Danger = staff, true
			if !staff {
				pa.Label = "谢绝邀请"
			}
		case pool.Assign:
			pa.Officer, pa.Plan, pa.Value = true, true, m.Plan
			if pa.Value == "" && p.FollowUp != nil {
				pa.Value = p.FollowUp.Plan
			}
		case pool.Note:
			pa.Note, pa.Next = true, true
		case pool.Graduate:
			pa.Reason = true
			if c != nil && c.Graduated != "" {
				pa.Value = p.GraduateTitle(c.Graduated)
			}
		case pool.Remove:
			pa.Reason, pa.Danger = true, true
			if c != nil && len(c.Remove) > 0 {
				pa.Value = c.Remove[0].Title
			}
		}
		out = append(out, pa)
	}
	return out
}

func (s *Server) memberAct(q *req) error {
	id, err := s.memberID(q)
	if err != nil {
		return err
	}
	f := q.r.PostForm
	v, _ := strconv.Atoi(f.Get("version"))
	r := pool.Request{Act: pool.Act(f.Get("act")), Note: strings.TrimSpace(f.Get("note")), Officer: strings.TrimSpace(f.Get("officer")),
		Next: strings.TrimSpace(f.Get("next")), NextDate: strings.TrimSpace(f.Get("next_date"))}
	if _, err := s.pools().Act(q.r.Context(), *q.user, id, v, r); err != nil {
		if k := errs.KindOf(err); k == errs.Internal || k == errs.NotFound {
			return err
		}
		return s.showMember(q, errs.HTTPStatus(errs.KindOf(err)), "", errText(err))
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/pool-members/%d?done=%s", id, url.QueryEscape(pool.ActZh(r.Act))), http.StatusSeeOther)
	return nil
}

type myPool struct {
	Pool    *rules.Pool
	InForce bool
	Member  *pool.Member // the open or latest membership, or nil
	Check   *rules.PoolCheck
}

type myPoolsData struct {
	Subject string
	Pools   []myPool
	Error   string
}

// myPools is the enterprise's view: every pool it may enter, where it
// stands against the criteria, and its memberships.
func (s *Server) myPools(q *req) error {
	return s.showMyPools(q, http.StatusOK, "")
}

func (s *Server) showMyPools(q *req, status int, msg string) error {
	if q.user.Role != auth.Enterprise {
		return errs.E(errs.Permission, "“我的培育库”是企业账号的页面；工作人员请在“培育库”中查看")
	}
	ctx := q.r.Context()
	svc := s.pools()
	ms, err := svc.Memberships(ctx, *q.user, q.user.Subject)
	if err != nil {
		return err
	}
	infos, err := svc.Pools(ctx, *q.user)
	if err != nil {
		return err
	}
	d := myPoolsData{Subject: q.user.Subject, Error: msg}
	for _, in := range infos {
		c, f, _, err := svc.Check(ctx, in.Pool, q.user.Subject)
		if err != nil {
			return err
		}
		if !slices.Contains(in.Beneficiary, f.Subject.Kind) || c.Admission == rules.AdmissionNotApplicable && !in.InForce {
			continue
		}
		mp := myPool{Pool: in.Pool, InForce: in.InForce, Check: c}
		for _, m := range ms { // newest first
			if m.Pool == in.ID {
				mp.Member = m
				break
			}
		}
		if c.Admission == rules.AdmissionNotApplicable && mp.Member == nil {
			continue // another jurisdiction's pool
		}
		d.Pools = append(d.Pools, mp)
	}
	return s.render(q, status, "mypools", q.lang.T("mypools.title"), "mypools", d)
}

// myPoolApply is the enterprise's application to a pool.
func (s *Server) myPoolApply(q *req) error {
	if q.user.Role != auth.Enterprise {
		return errs.E(errs.Permission, "申请入库由企业本身提交；工作人员请在培育库页面代为登记")
	}
	m, err := s.pools().Start(q.r.Context(), *q.user, q.r.PathValue("id"), q.user.Subject, pool.ApplyAct, strings.TrimSpace(q.r.PostFormValue("note")))
	if err != nil {
		if k := errs.KindOf(err); k == errs.Internal || k == errs.NotFound {
			return err
		}
		return s.showMyPools(q, errs.HTTPStatus(errs.KindOf(err)), errText(err))
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/pool-members/%d?done=%s", m.ID, url.QueryEscape(pool.ActZh(pool.ApplyAct))), http.StatusSeeOther)
	return nil
}
