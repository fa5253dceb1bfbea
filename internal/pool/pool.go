// Package pool is the membership lifecycle of a cultivation pool (培育库):
// a candidate the population run finds is invited, or applies; staff review
// the application step by step (the pool's 审批程序) and admit it, or decline
// with a reason; an admitted member is followed up (一企一策: an officer, a
// plan, dated notes with next steps) until it graduates — reaches the target
// status — or is removed with a reason. Every act is an Event; the store
// keeps them, the audit log records them and the enterprise sees them.
//
// The package knows nothing of SQL or HTTP: Apply validates an act against
// the member's state and the pool's definition and returns the event.
package pool

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kechuang/internal/errs"
	"kechuang/internal/policy"
)

// State is where a membership stands.
type State string

const (
	Invited   State = "invited"   // 已邀请: staff invited a candidate to apply
	Applied   State = "applied"   // 已申请: the enterprise (or staff for it) applied; waits for the first step
	Reviewing State = "reviewing" // 审核中: passed some steps, waits for the next
	Admitted  State = "admitted"  // 已入库
	Graduated State = "graduated" // 已毕业: reached the target status
	Removed   State = "removed"   // 已移出, with a reason
	Declined  State = "declined"  // 未予入库, with a reason (or the invitation was declined)
)

// States lists every state, in lifecycle order.
var States = []State{Invited, Applied, Reviewing, Admitted, Graduated, Removed, Declined}

// Open reports whether the membership is still in the pool's hands (a
// subject has at most one open membership per pool).
func (s State) Open() bool { return s == Invited || s == Applied || s == Reviewing || s == Admitted }

// Zh is the state in Chinese.
func (s State) Zh() string {
	return map[State]string{Invited: "已邀请", Applied: "已申请", Reviewing: "审核中", Admitted: "已入库",
		Graduated: "已毕业", Removed: "已移出", Declined: "未予入库"}[s]
}

// Act is what someone does to a membership.
type Act string

const (
	Invite   Act = "invite"   // staff: make the membership, invite the candidate
	ApplyAct Act = "apply"    // the enterprise, or staff on its behalf
	Pass     Act = "pass"     // staff: the current approval step is passed (the last one admits)
	Decline  Act = "decline"  // staff: not admitted, with a reason; or the enterprise declines an invitation
	Assign   Act = "assign"   // staff: the officer and the plan (一企一策)
	Note     Act = "note"     // staff: a dated follow-up note with next steps
	Graduate Act = "graduate" // staff: reached the target status
	Remove   Act = "remove"   // staff: out of the pool, with a reason
)

// Member is one subject's membership of one pool.
type Member struct {
	ID          int64   `json:"id"`
	Pool        string  `json:"pool"`
	Subject     string  `json:"subject"`
	SubjectName string  `json:"subject_name"`
	Region      string  `json:"region"`
	State       State   `json:"state"`
	Step        int     `json:"step"`    // the approval step it waits for (Applied, Reviewing)
	Officer     string  `json:"officer"` // the assigned officer (责任人)
	Plan        string  `json:"plan"`    // the cultivation plan (一企一策)
	Invited     string  `json:"invited,omitempty"`
	Applied     string  `json:"applied,omitempty"`
	Admitted    string  `json:"admitted,omitempty"`  // the admission date, Asia/Shanghai
	Left        string  `json:"left,omitempty"`      // graduated, removed or declined on
	Reason      string  `json:"reason,omitempty"`    // why it was declined or removed, or how it graduated
	Entry       string  `json:"entry,omitempty"`     // the facts pool entry admission recorded
	Cases       []int64 `json:"cases,omitempty"`     // the fulfilment cases admission made
	NextDate    string  `json:"next_date,omitempty"` // the next follow-up due
	Version     int     `json:"version"`
}

// Event is one act on a membership, as kept in its history.
type Event struct {
	At       string `json:"at"` // RFC 3339, UTC
	By       string `json:"by"`
	Act      Act    `json:"act"`
	From     State  `json:"from"`
	To       State  `json:"to"`
	Step     string `json:"step,omitempty"` // the approval step passed
	Note     string `json:"note,omitempty"`
	Next     string `json:"next,omitempty"`      // next steps (下一步)
	NextDate string `json:"next_date,omitempty"` // by when
}

// Request is an act with what it carries.
type Request struct {
	Act      Act
	By       string
	Staff    bool   // the actor is staff of the pool's jurisdiction (the service checks who)
	Note     string // the note, the reason, or the plan
	Officer  string // Assign
	Next     string // Note: next steps
	NextDate string // Note: YYYY-MM-DD
}

// Shanghai is the zone dates are written in.
var Shanghai = time.FixedZone("CST", 8*3600)

func day(t time.Time) string { return t.In(Shanghai).Format("2006-01-02") }

const maxText = 4000

// Apply performs r on m under pool p's definition at now and returns the
// event. m is changed only when the act is allowed; an error says what to
// do instead.
func Apply(p *policy.Pool, m *Member, r Request, now time.Time) (Event, error) {
	ev := Event{At: now.UTC().Format(time.RFC3339), By: r.By, Act: r.Act, From: m.State, Note: strings.TrimSpace(r.Note)}
	if utf8.RuneCountInString(ev.Note) > maxText || utf8.RuneCountInString(r.Next) > maxText || utf8.RuneCountInString(r.Officer) > 100 {
		return ev, errs.E(errs.Invalid, "文字过长：说明、下一步不超过%d字，责任人不超过100字", maxText)
	}
	staffOnly := func() error {
		if !r.Staff {
			return errs.E(errs.Permission, "此操作由%s的科技部门工作人员办理", p.Doc.JurisdictionName)
		}
		return nil
	}
	need := func(what string, states ...State) error {
		if !slices.Contains(states, m.State) {
			zh := make([]string, len(states))
			for i, s := range states {
				zh[i] = s.Zh()
			}
			return errs.E(errs.Conflict, "该企业在%s的状态是“%s”，%s只能在“%s”时办理", p.Title, m.State.Zh(), what, strings.Join(zh, "”或“"))
		}
		return nil
	}
	today := day(now)
	var err error
	switch r.Act {
	case Invite:
		if err = staffOnly(); err == nil && m.State != "" {
			err = errs.E(errs.Conflict, "该企业已在%s中（%s）", p.Title, m.State.Zh())
		}
		if err == nil {
			m.State, m.Invited = Invited, today
		}
	case ApplyAct:
		if m.State != "" {
			err = need("申请入库", Invited)
		}
		if err == nil {
			m.State, m.Applied, m.Step = Applied, today, 0
		}
	case Pass:
		if err = staffOnly(); err == nil {
			err = need("审核", Applied, Reviewing)
		}
		if err == nil {
			ev.Step = p.Steps[m.Step].Title
			m.Step++
			m.State = Reviewing
			if m.Step == len(p.Steps) {
				m.State, m.Admitted = Admitted, today
			}
		}
	case Decline:
		switch {
		case m.State == Invited && !r.Staff:
			// the enterprise declines the invitation; no reason required
			m.State, m.Left = Declined, today
			if ev.Note == "" {
				ev.Note = "企业谢绝入库邀请"
			}
		default:
			if err = staffOnly(); err == nil {
				err = need("不予入库", Invited, Applied, Reviewing)
			}
			if err == nil && ev.Note == "" {
				err = errs.E(errs.Invalid, "不予入库须写明理由（企业将看到）")
			}
			if err == nil {
				m.State, m.Left, m.Reason = Declined, today, ev.Note
			}
		}
	case Assign:
		if err = staffOnly(); err == nil {
			err = need("指定责任人和培育方案", Admitted)
		}
		if err == nil && strings.TrimSpace(r.Officer) == "" {
			err = errs.E(errs.Invalid, "请填写责任人（负责跟踪辅导的工作人员）")
		}
		if err == nil {
			m.Officer, m.Plan = strings.TrimSpace(r.Officer), ev.Note
			ev.Note = fmt.Sprintf("责任人：%s；培育方案：%s", m.Officer, m.Plan)
		}
	case Note:
		if err = staffOnly(); err == nil {
			err = need("记录跟踪辅导", Admitted)
		}
		if err == nil && ev.Note == "" {
			err = errs.E(errs.Invalid, "请填写跟踪辅导记录")
		}
		if err == nil && r.NextDate != "" {
			d, derr := policy.ParseDate(r.NextDate)
			switch {
			case derr != nil:
				err = errs.At(errs.Pos{Path: "next_date"}, "下次跟踪日期 %q 不是日期：写作 YYYY-MM-DD", r.NextDate)
			case d.String() < today:
				err = errs.At(errs.Pos{Path: "next_date"}, "下次跟踪日期 %s 早于今天 %s", d, today)
			}
		}
		if err == nil {
			ev.Next, ev.NextDate = strings.TrimSpace(r.Next), r.NextDate
			m.NextDate = r.NextDate
		}
	case Graduate:
		if err = staffOnly(); err == nil {
			err = need("毕业出库", Admitted)
		}
		if err == nil && ev.Note == "" {
			err = errs.E(errs.Invalid, "请写明毕业依据（如：2025年认定为高新技术企业，证书编号）")
		}
		if err == nil {
			m.State, m.Left, m.Reason = Graduated, today, ev.Note
		}
	case Remove:
		if err = staffOnly(); err == nil {
			err = need("移出", Admitted)
		}
		if err == nil && ev.Note == "" {
			err = errs.E(errs.Invalid, "移出须写明理由（企业将看到）")
		}
		if err == nil {
			m.State, m.Left, m.Reason = Removed, today, ev.Note
		}
	default:
		err = errs.E(errs.Invalid, "没有“%s”这项操作", r.Act)
	}
	if err != nil {
		return ev, err
	}
	ev.To = m.State
	return ev, nil
}

// ActZh names an act in Chinese.
func ActZh(a Act) string {
	return map[Act]string{Invite: "邀请入库", ApplyAct: "申请入库", Pass: "审核通过", Decline: "不予入库", Assign: "指定责任人和方案",
		Note: "跟踪辅导记录", Graduate: "毕业出库", Remove: "移出"}[a]
}

// Acts lists the acts open to staff (staff true) or to the enterprise on m.
func Acts(p *policy.Pool, m *Member, staff bool) []Act {
	var out []Act
	for _, a := range []Act{ApplyAct, Pass, Decline, Assign, Note, Graduate, Remove} {
		probe := *m
		if _, err := Apply(p, &probe, Request{Act: a, Staff: staff, Note: "x", Officer: "x"}, time.Now()); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// Capacity checks pool p's yearly capacity given how many were admitted in
// the year of today: the last step's pass must leave room.
func Capacity(p *policy.Pool, admittedThisYear int) error {
	if p.Capacity > 0 && admittedThisYear >= p.Capacity {
		return errs.E(errs.Conflict, "%s本年度已入库%d家，达到容量%d家", p.Title, admittedThisYear, p.Capacity)
	}
	return nil
}
