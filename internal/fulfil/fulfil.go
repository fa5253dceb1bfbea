// Package fulfil carries an entitlement to a recorded payment (兑现): the two
// routes — 免申即享 (a proposal from the population run, confirmed by staff,
// when every fact the clause needs comes from an authoritative source) and
// 申报 (the enterprise applies on a form pre-filled from the registry) — the
// configurable workflow 提交 → 受理 → 初审 → 复核 → 公示 → 拨付, decisions on
// discretionary ranges, budget envelopes with their overflow rules, quotas,
// stacking (一事一奖, 就高不重复, top-ups that pay only the difference) and
// the idempotency keys of the disbursement ledger.
//
// It knows nothing of SQL or HTTP: the store keeps cases and the ledger and
// asks this package what a transition does; handlers are thin.
package fulfil

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// Route is how an entitlement reaches its payment.
type Route string

const (
	RouteAuto  Route = "auto"  // 免申即享: proposed from the registry, confirmed by staff
	RouteApply Route = "apply" // 申报: the enterprise applies
)

// Step is one step of the workflow.
type Step string

const (
	Submit  Step = "submit"  // 提交 (申报) or 确认 (免申即享: staff confirm the proposal)
	Accept  Step = "accept"  // 受理
	Review  Step = "review"  // 初审
	Recheck Step = "recheck" // 复核
	Notice  Step = "notice"  // 公示
	Pay     Step = "pay"     // 拨付
)

// Canonical is every step in the only order they may come.
var Canonical = []Step{Submit, Accept, Review, Recheck, Notice, Pay}

// StepDef is one configured step: who does it and in how many days.
type StepDef struct {
	Step       Step      `json:"step"`
	Role       auth.Role `json:"role"`
	Department string    `json:"department,omitempty"` // empty: any of the clause's 责任单位
	Days       int       `json:"days"`                 // deadline, calendar days from entering the step
}

// Workflow is the configured steps of a clause or a document.
type Workflow struct {
	Steps      []StepDef `json:"steps"`
	NoticeDays int       `json:"notice_days"` // 公示期, calendar days
}

// DefaultWorkflow is every step with the deadlines a bureau would promise:
// 受理 in 5 days, each review in 10, 公示 for 7 days, payment in 15.
func DefaultWorkflow() Workflow {
	return Workflow{NoticeDays: 7, Steps: []StepDef{
		{Step: Submit, Role: auth.Enterprise, Days: 30},
		{Step: Accept, Role: auth.Staff, Days: 5},
		{Step: Review, Role: auth.Staff, Days: 10},
		{Step: Recheck, Role: auth.Staff, Days: 10},
		{Step: Notice, Role: auth.Staff, Days: 3},
		{Step: Pay, Role: auth.Finance, Days: 15},
	}}
}

// Validate checks a workflow: steps in canonical order without repeats,
// starting with 提交 and ending with 拨付, each by a role that can do it.
func (w Workflow) Validate() error {
	var l errs.List
	if len(w.Steps) < 2 || w.Steps[0].Step != Submit || w.Steps[len(w.Steps)-1].Step != Pay {
		l = append(l, errs.E(errs.Invalid, "a workflow starts with 提交 (submit) and ends with 拨付 (pay)"))
	}
	last := -1
	for i, s := range w.Steps {
		k := slices.Index(Canonical, s.Step)
		switch {
		case k < 0:
			l = append(l, errs.At(errs.Pos{Path: fmt.Sprintf("steps[%d].step", i)}, "unknown step %q: one of submit, accept, review, recheck, notice, pay", s.Step))
			continue
		case k <= last:
			l = append(l, errs.At(errs.Pos{Path: fmt.Sprintf("steps[%d].step", i)}, "step %s (%s) is out of order or repeated: the order is 提交 → 受理 → 初审 → 复核 → 公示 → 拨付", s.Step, StepZh(s.Step)))
		}
		last = max(last, k)
		want := []auth.Role{auth.Staff, auth.Admin}
		switch s.Step {
		case Submit:
			want = []auth.Role{auth.Enterprise}
		case Pay:
			want = []auth.Role{auth.Finance, auth.Admin}
		}
		if !slices.Contains(want, s.Role) {
			l = append(l, errs.At(errs.Pos{Path: fmt.Sprintf("steps[%d].role", i)}, "step %s (%s) is done by %v, not %q", s.Step, StepZh(s.Step), want, s.Role))
		}
		if s.Days < 1 || s.Days > 365 {
			l = append(l, errs.At(errs.Pos{Path: fmt.Sprintf("steps[%d].days", i)}, "the deadline of step %s is %d days: give 1 to 365", s.Step, s.Days))
		}
	}
	if w.Has(Notice) && (w.NoticeDays < 1 || w.NoticeDays > 60) {
		l = append(l, errs.At(errs.Pos{Path: "notice_days"}, "公示期 is %d days: give 1 to 60", w.NoticeDays))
	}
	return l.Err()
}

// Has reports whether the workflow has step s.
func (w Workflow) Has(s Step) bool {
	return slices.ContainsFunc(w.Steps, func(d StepDef) bool { return d.Step == s })
}

// Decisive is the step whose approval decides the case — the last before
// 公示 or 拨付 (复核 in the default workflow): the amount must be known and
// the clause's quota must have room when it passes.
func (w Workflow) Decisive() Step {
	for i, s := range w.Steps {
		if (s.Step == Notice || s.Step == Pay) && i > 0 {
			return w.Steps[i-1].Step
		}
	}
	return Submit
}

var stepZh = map[Step]string{Submit: "提交", Accept: "受理", Review: "初审", Recheck: "复核", Notice: "公示", Pay: "拨付"}

// StepZh is a step's Chinese name.
func StepZh(s Step) string { return stepZh[s] }

// Status is where a case stands, besides its step.
type Status string

const (
	Open     Status = "open"     // waiting for its current step
	Returned Status = "returned" // 退回补正: back with the enterprise
	Objected Status = "objected" // 异议: paused during 公示
	Rejected Status = "rejected" // 不予支持 (final)
	Unfunded Status = "unfunded" // 预算排序未入围 (final for this year's envelope)
	Paid     Status = "paid"     // 已拨付 (final)
	Ended    Status = "ended"    // 终止拨付: a project stopped or closed, its unpaid installments cut (final)
)

var statusZh = map[Status]string{Open: "办理中", Returned: "退回补正", Objected: "公示异议处理中", Rejected: "不予支持", Unfunded: "预算未安排", Paid: "已拨付", Ended: "终止拨付"}

// StatusZh is a status's Chinese name.
func StatusZh(s Status) string { return statusZh[s] }

// Case is one entitlement on its way to payment (兑现事项): one clause, one
// subject, one event, one period — the same four that key its payments.
type Case struct {
	ID          int64
	Clause      string
	Title       string // the clause's title, for messages
	Subject     string
	SubjectName string
	Region      string
	Event       string // the item's id, "" for a clause paid once per fiscal year
	Chain       string // staged: the chain's first stage
	StackKey    string // what "one event pays once" counts over (StackKey)
	Period      int64  // fiscal year for yearly payments, 0 for one-off events
	FY          int64  // the fiscal year the entitlement was decided for
	Route       Route
	Step        int // index into Workflow.Steps of the step to do next
	Status      Status
	Workflow    Workflow

	Computed    money.Interval // what the clause gives
	Unspecified bool           // the document names no amount: the bureau sets it
	Decided     *Decision      // the value chosen in a discretionary range, with its reason
	Cumulative  money.Fen      // staged: the stage's cumulative total
	Payer       string
	BudgetYear  int64 // 列入次年预算: the year after FY
	Schedule    []Installment
	Shares      []int64         `json:",omitempty"` // 分年度按比例拨付: yearly shares of a project award (4, 3, 3), set when it is granted
	Planned     []Installment   `json:",omitempty"` // a project's payment plan, set at its grant and changed by 赛马 moves: the schedule at 拨付
	Hold        []int           `json:",omitempty"` // installments held at the grant until the project's milestones pass
	Ended       string          `json:",omitempty"` // why the unpaid installments were cut (终止拨付)
	Basis       []rules.FactUse // the facts it rests on, shown in 公示
	Explanation string
	Answers     map[string]string // what the enterprise supplied on the form (申报): only what the platform lacked
	FactVersion int

	StepSince   string // when the current step began (RFC 3339, UTC)
	Due         string // its deadline, YYYY-MM-DD (Asia/Shanghai)
	NoticeFrom  string // 公示 start and end dates, YYYY-MM-DD
	NoticeUntil string
	PausedAt    string // YYYY-MM-DD, while an objection stands
	Reason      string // the last return, rejection or objection reason
	Reviewer    string // who passed 初审: 复核 needs another person
	Score       int64  // 评审得分 (0–100) given at 初审 or 复核: the rank under a rank-and-cut budget
	Version     int
	Created     string
	Updated     string
}

// Installment is one year's part of a case's payment (recurring awards pay
// one a year, 连续支持3年).
type Installment struct {
	Year int64     `json:"year"`
	Fen  money.Fen `json:"fen"`
	Held bool      `json:"held,omitempty"` // held until a project milestone passes (节点考核)
}

// Decision records the value chosen in a discretionary range ("10%—20%",
// "20—30万") or set where the document names none.
type Decision struct {
	Fen    money.Fen `json:"fen"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     string    `json:"at"`
}

// CurrentStep is the step the case waits for ("" once it has none).
func (c *Case) CurrentStep() StepDef {
	if c.Step < 0 || c.Step >= len(c.Workflow.Steps) {
		return StepDef{}
	}
	return c.Workflow.Steps[c.Step]
}

// PayReady is when the case entered 拨付 (RFC 3339), its place in a queued
// budget; "" before.
func (c *Case) PayReady() string {
	if c.CurrentStep().Step != Pay {
		return ""
	}
	return c.StepSince
}

// Final reports whether nothing more can happen to the case.
func (c *Case) Final() bool {
	return c.Status == Rejected || c.Status == Paid || c.Status == Unfunded || c.Status == Ended
}

// Exact reports whether the computed amount is one figure, with nothing to decide.
func (c *Case) Exact() bool { return !c.Unspecified && c.Computed.IsExact() }

// Amount is what the case pays: the decided value, or the computed one when exact.
func (c *Case) Amount() (money.Fen, bool) {
	if c.Decided != nil {
		return c.Decided.Fen, true
	}
	if c.Exact() {
		return c.Computed.Min, true
	}
	return 0, false
}

// Action is what someone does to a case.
type Action string

const (
	Approve Action = "approve" // complete the current step (提交/确认, 受理, 初审通过, 复核通过, 公示期满)
	Return  Action = "return"  // 退回补正, with a reason
	Reject  Action = "reject"  // 不予支持, with a reason
	Object  Action = "object"  // 异议 during 公示, with a reason: pauses the item
	Dismiss Action = "dismiss" // 异议不成立: 公示 resumes for the days it was paused
	Uphold  Action = "uphold"  // 异议成立: the case is rejected
	Decide  Action = "decide"  // record the value chosen in a range
)

// Act is one request to act on a case.
type Act struct {
	Action  Action
	By      auth.User
	Reason  string
	Fen     money.Fen         // Decide
	Score   int64             // Approve at 初审 or 复核: the review score (0: none given)
	Answers map[string]string // Approve at 提交 (申报): the form's answers
	Version int               // the version the actor saw: a stale one is a conflict
}

// Transition is what an act did, for the history and the notifications.
type Transition struct {
	Case     int64
	Action   Action
	FromStep Step
	ToStep   Step
	Status   Status
	By       string
	Reason   string
	At       string
	Note     string // e.g. the decided amount
}

// Shanghai is the time zone of every date kechuang shows.
var Shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

func day(t time.Time) string { return t.In(Shanghai).Format("2006-01-02") }

func addDays(d string, n int) string {
	t, err := time.ParseInLocation("2006-01-02", d, Shanghai)
	if err != nil {
		return d
	}
	return t.AddDate(0, 0, n).Format("2006-01-02")
}

func daysBetween(a, b string) int {
	ta, e1 := time.ParseInLocation("2006-01-02", a, Shanghai)
	tb, e2 := time.ParseInLocation("2006-01-02", b, Shanghai)
	if e1 != nil || e2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}

// Clause is what a transition needs to know of the clause: who is
// responsible (auth) and its quota.
type Clause struct {
	Auth  auth.Clause
	Quota *policy.Quota
	Years int // recurring awards (连续支持N年): installments; 0 or 1: one payment
}

// ClauseOf is what a transition needs of compiled clause c.
func ClauseOf(c *rules.Clause) Clause {
	cl := Clause{Auth: auth.Clause{ID: c.ID, Jurisdiction: c.Doc.Jurisdiction, Responsible: c.Responsible}, Quota: c.Quota}
	if c.Amount != nil && c.Amount.Kind == "recurring" {
		cl.Years = c.Amount.Years
	}
	return cl
}

// Apply performs act on c at now, changing c in place, and returns the
// transition to record. It checks who may act (the step's role, the
// clause's 责任单位, the enterprise's own subject), that the step's
// preconditions hold (a decided amount before 初审 passes, 公示期满, no
// standing objection, a second person for 复核), and that the actor saw the
// current version. quotaUsed is the number of cases of the same clause and
// year already past the decisive step (复核 by default; for clauses with a quota).
func Apply(c *Case, cl Clause, act Act, now time.Time, quotaUsed int) (Transition, error) {
	if act.Version != c.Version {
		return Transition{}, errs.E(errs.Conflict, "事项 %d 已被他人处理（当前为第 %d 版，您看到的是第 %d 版）：请刷新后查看最新状态再操作", c.ID, c.Version, act.Version)
	}
	if c.Final() {
		return Transition{}, errs.E(errs.Conflict, "事项 %d 已%s，不能再%s", c.ID, StatusZh(c.Status), actionZh[act.Action])
	}
	today := day(now)
	st := c.CurrentStep()
	tr := Transition{Case: c.ID, Action: act.Action, FromStep: st.Step, By: act.By.ID, Reason: act.Reason, At: now.UTC().Format(time.RFC3339)}
	needReason := func() error {
		if strings.TrimSpace(act.Reason) == "" {
			return errs.At(errs.Pos{Path: "reason"}, "%s需要填写理由：写明依据和需要补正的内容", actionZh[act.Action])
		}
		return nil
	}
	switch act.Action {
	case Approve:
		if err := c.mayDo(cl, act.By, st); err != nil {
			return tr, err
		}
		if c.Status == Objected {
			return tr, errs.E(errs.Conflict, "事项 %d 有未处理的异议，公示暂停：先认定异议是否成立", c.ID)
		}
		if act.Score != 0 && st.Step != Review && st.Step != Recheck {
			return tr, errs.At(errs.Pos{Path: "score"}, "评审得分在初审或复核时给出")
		}
		if act.Score < 0 || act.Score > 100 {
			return tr, errs.At(errs.Pos{Path: "score"}, "评审得分 %d 不对：0 到 100", act.Score)
		}
		switch st.Step {
		case Submit:
			if c.Status == Returned || c.Route == RouteApply {
				c.Answers = act.Answers
			}
		case Review:
			if _, ok := c.Amount(); !ok {
				return tr, errs.At(errs.Pos{Path: "fen"}, "金额为区间或文件未定（%s）：初审通过前先确定金额并写明理由", c.amountText())
			}
		case Notice:
			if today <= c.NoticeUntil {
				return tr, errs.E(errs.Conflict, "公示期至 %s 止（%s起%d天），期满后方可转入拨付", c.NoticeUntil, c.NoticeFrom, c.Workflow.NoticeDays)
			}
		case Pay:
			return tr, errs.E(errs.Invalid, "拨付由财政批次完成：将事项列入拨付批次并确认到账")
		}
		if st.Step == c.Workflow.Decisive() {
			if _, ok := c.Amount(); !ok {
				return tr, errs.At(errs.Pos{Path: "fen"}, "金额为区间或文件未定（%s）：%s通过前先确定金额并写明理由", c.amountText(), StepZh(st.Step))
			}
			if cl.Quota != nil && cl.Quota.Max > 0 && quotaUsed >= cl.Quota.Max {
				return tr, errs.E(errs.Conflict, "名额已满：该条款每年选择%d—%d户，%d年已有%d户通过%s", cl.Quota.Min, cl.Quota.Max, c.FY, quotaUsed, StepZh(st.Step))
			}
		}
		if st.Step == Recheck && c.Reviewer != "" && c.Reviewer == act.By.ID && act.By.Role != auth.Admin {
			return tr, errs.E(errs.Permission, "复核须由初审以外的人员办理（初审人：%s）", c.Reviewer)
		}
		if act.Score != 0 {
			c.Score = act.Score
			tr.Note = fmt.Sprintf("评审得分 %d", act.Score)
		}
		c.Status = Open
		c.enter(c.Step+1, now)
		if c.CurrentStep().Step == Pay {
			amt, _ := c.Amount()
			c.Schedule = Schedule(c.BudgetYear, amt, cl.Years)
			if len(c.Shares) > 0 {
				c.Schedule = Proportional(c.BudgetYear, amt, c.Shares)
			}
			if c.Planned != nil {
				c.Schedule = slices.Clone(c.Planned)
			}
			for _, i := range c.Hold {
				if i >= 0 && i < len(c.Schedule) {
					c.Schedule[i].Held = true
				}
			}
		}
	case Return:
		if err := needReason(); err != nil {
			return tr, err
		}
		if st.Step == Submit || st.Step == Pay {
			return tr, errs.E(errs.Conflict, "事项 %d 在%s环节，不能退回", c.ID, StepZh(st.Step))
		}
		if err := c.mayDo(cl, act.By, st); err != nil {
			return tr, err
		}
		// A return goes to the enterprise: a 免申即享 proposal whose data are
		// in doubt becomes an application the enterprise completes.
		c.Route = RouteApply
		c.Status = Returned
		c.enter(0, now)
		c.Reason = act.Reason
	case Reject:
		if err := needReason(); err != nil {
			return tr, err
		}
		if st.Step == Submit || st.Step == Pay {
			return tr, errs.E(errs.Conflict, "事项 %d 在%s环节，不能作不予支持处理", c.ID, StepZh(st.Step))
		}
		if err := c.mayDo(cl, act.By, st); err != nil {
			return tr, err
		}
		c.Status = Rejected
		c.Reason = act.Reason
	case Object:
		if err := needReason(); err != nil {
			return tr, err
		}
		if st.Step != Notice || c.Status != Open {
			return tr, errs.E(errs.Conflict, "只能对公示中的事项提出异议（事项 %d 在%s环节，%s）", c.ID, StepZh(st.Step), StatusZh(c.Status))
		}
		if today > c.NoticeUntil {
			return tr, errs.E(errs.Conflict, "公示期已于 %s 结束，不再受理异议", c.NoticeUntil)
		}
		c.Status = Objected
		c.PausedAt = today
		c.Reason = act.Reason
	case Dismiss, Uphold:
		if err := needReason(); err != nil {
			return tr, err
		}
		if c.Status != Objected {
			return tr, errs.E(errs.Conflict, "事项 %d 没有待处理的异议", c.ID)
		}
		if err := c.mayDo(cl, act.By, st); err != nil {
			return tr, err
		}
		if act.Action == Uphold {
			c.Status = Rejected
		} else {
			// The days the objection stood are given back to the notice.
			c.NoticeUntil = addDays(c.NoticeUntil, max(daysBetween(c.PausedAt, today), 0))
			c.Status = Open
			tr.Note = "公示顺延至 " + c.NoticeUntil
		}
		c.PausedAt = ""
		c.Reason = act.Reason
	case Decide:
		if !c.Decidable() {
			return tr, errs.E(errs.Conflict, "金额在审核环节确定，%s通过之前（事项 %d 在%s环节）", StepZh(c.Workflow.Decisive()), c.ID, StepZh(st.Step))
		}
		if err := c.mayDo(cl, act.By, st); err != nil {
			return tr, err
		}
		if err := needReason(); err != nil {
			return tr, err
		}
		if c.Exact() {
			return tr, errs.E(errs.Invalid, "金额已由文件确定为 %s，无需裁量", c.Computed.Min)
		}
		if err := c.inRange(act.Fen); err != nil {
			return tr, err
		}
		c.Decided = &Decision{Fen: act.Fen, Reason: act.Reason, By: act.By.ID, At: tr.At}
		tr.Note = "确定金额 " + act.Fen.String()
	default:
		return tr, errs.E(errs.Invalid, "unknown action %q", act.Action)
	}
	if act.Action == Approve && st.Step == Review {
		c.Reviewer = act.By.ID
	}
	c.Version++
	c.Updated = tr.At
	tr.ToStep, tr.Status = c.CurrentStep().Step, c.Status
	return tr, nil
}

var actionZh = map[Action]string{Approve: "办理", Return: "退回", Reject: "不予支持", Object: "提出异议", Dismiss: "认定异议不成立", Uphold: "认定异议成立", Decide: "确定金额"}

// ActionZh is an action's Chinese name.
func ActionZh(a Action) string { return actionZh[a] }

func (c *Case) amountText() string {
	if c.Unspecified {
		return "文件未规定具体数额"
	}
	return c.Computed.String()
}

func (c *Case) inRange(f money.Fen) error {
	p := errs.Pos{Path: "fen"}
	switch {
	case f <= 0:
		return errs.At(p, "金额须大于零")
	case c.Unspecified:
		return nil
	case f < c.Computed.Min:
		return errs.At(p, "%s 低于文件规定的下限 %s（区间 %s）", f, c.Computed.Min, c.Computed)
	case !c.Computed.Open && f > c.Computed.Max:
		return errs.At(p, "%s 超过文件规定的上限 %s（区间 %s）", f, c.Computed.Max, c.Computed)
	}
	return nil
}

// Decidable reports whether the case is at a step where an amount may be
// decided: a review step up to and including the decisive one.
func (c *Case) Decidable() bool {
	switch c.CurrentStep().Step {
	case Submit, Notice, Pay, "":
		return false
	}
	return c.Step <= slices.IndexFunc(c.Workflow.Steps, func(d StepDef) bool { return d.Step == c.Workflow.Decisive() })
}

// MayAct checks that u may do the step the case is at (its role, the
// clause's 责任单位, the step's department, the enterprise's own subject).
func (c *Case) MayAct(cl Clause, u auth.User) error { return c.mayDo(cl, u, c.CurrentStep()) }

// mayDo checks that u may do step st of c.
func (c *Case) mayDo(cl Clause, u auth.User, st StepDef) error {
	if st.Step == Submit {
		if c.Route == RouteApply {
			if u.Role == auth.Enterprise && u.Subject == c.Subject {
				return nil
			}
			return errs.E(errs.Permission, "申报由企业本身提交")
		}
		// 免申即享: staff confirm the proposal.
		return auth.CanClause(u, auth.Write, cl.Auth)
	}
	if u.Role != st.Role && u.Role != auth.Admin {
		return errs.E(errs.Permission, "%s环节由%s办理", StepZh(st.Step), roleZh[st.Role])
	}
	if err := auth.CanClause(u, auth.Write, cl.Auth); err != nil {
		return err
	}
	if st.Department != "" && u.Role != auth.Admin && u.Department != st.Department {
		return errs.E(errs.Permission, "%s环节由%s办理，本账号属%s", StepZh(st.Step), st.Department, u.Department)
	}
	return nil
}

var roleZh = map[auth.Role]string{auth.Enterprise: "企业", auth.Staff: "科技部门工作人员", auth.Finance: "财政部门", auth.Admin: "管理员", auth.Expert: "专家"}

// enter moves c to step i at now, setting the step's deadline and, for 公示,
// its period.
func (c *Case) enter(i int, now time.Time) {
	c.Step = i
	c.StepSince = now.UTC().Format(time.RFC3339)
	st := c.CurrentStep()
	c.Due = addDays(day(now), st.Days)
	if st.Step == Notice {
		c.NoticeFrom = day(now)
		c.NoticeUntil = addDays(c.NoticeFrom, c.Workflow.NoticeDays-1)
		c.Due = addDays(c.NoticeUntil, st.Days)
	}
}

// Start puts a new case at its first step: a 免申即享 proposal waits for
// staff to confirm it, an application for the enterprise to submit it.
func Start(c *Case, now time.Time) {
	c.Status = Open
	c.Version = 1
	c.Created = now.UTC().Format(time.RFC3339)
	c.Updated = c.Created
	c.enter(0, now)
}

// Expected is the date by which the case should be paid if every remaining
// step takes its full deadline: what the enterprise is told to expect.
func (c *Case) Expected(now time.Time) string {
	if c.Final() {
		return ""
	}
	d := c.Due
	if d == "" || d < day(now) {
		d = day(now)
	}
	for _, st := range c.Workflow.Steps[min(c.Step+1, len(c.Workflow.Steps)):] {
		n := st.Days
		if st.Step == Notice {
			n += c.Workflow.NoticeDays - 1 // as enter: the notice ends NoticeDays-1 days after it starts
		}
		d = addDays(d, n)
	}
	return d
}

// Ageing is how many days the case has waited at its current step.
func (c *Case) Ageing(now time.Time) int {
	t, err := time.Parse(time.RFC3339, c.StepSince)
	if err != nil {
		return 0
	}
	return daysBetween(day(t), day(now))
}

// Overdue reports whether the current step has passed its deadline.
func (c *Case) Overdue(now time.Time) bool { return !c.Final() && c.Due != "" && day(now) > c.Due }

// Message is what the enterprise is told of a transition of its case ("" for
// steps it need not hear about), in Chinese.
func Message(c *Case, tr Transition) string {
	name := c.Clause
	if c.Title != "" {
		name = "“" + c.Title + "”"
	}
	if c.Event != "" {
		name += "（" + c.EventLabel() + "）"
	}
	switch tr.Action {
	case "created":
		if c.Route == RouteAuto {
			return fmt.Sprintf("免申即享：根据主体库中的权威数据，您符合 %s，已生成兑现建议，无需申报，工作人员确认后办理。", name)
		}
		return fmt.Sprintf("您可申报 %s：表单已按主体库预填，只需补充所缺信息，请于 %s 前提交。", name, c.Due)
	case Approve:
		switch tr.ToStep {
		case Accept:
			return fmt.Sprintf("%s 已提交，等待受理（%s 前）。", name, c.Due)
		case Notice:
			return fmt.Sprintf("%s 已通过复核，进入公示：%s 至 %s。", name, c.NoticeFrom, c.NoticeUntil)
		case Pay:
			a, _ := c.Amount()
			return fmt.Sprintf("%s 公示期满，转入拨付，金额 %s，预计 %s 前到账。", name, a, c.Due)
		}
		return fmt.Sprintf("%s 已完成%s，进入%s环节。", name, StepZh(tr.FromStep), StepZh(tr.ToStep))
	case Return:
		return fmt.Sprintf("%s 被退回补正：%s。请修改后于 %s 前重新提交。", name, tr.Reason, c.Due)
	case Reject:
		return fmt.Sprintf("%s 不予支持：%s。", name, tr.Reason)
	case Object:
		return fmt.Sprintf("%s 在公示期间收到异议，公示暂停，核实后继续办理。", name)
	case Dismiss:
		return fmt.Sprintf("%s 的异议经核实不成立，%s。", name, tr.Note)
	case Uphold:
		return fmt.Sprintf("%s 的异议经核实成立，不予支持：%s。", name, tr.Reason)
	case Decide:
		return fmt.Sprintf("%s %s：%s。", name, tr.Note, tr.Reason)
	case "cut":
		return fmt.Sprintf("%s 本年度预算未能安排：%s", name, tr.Note)
	case "paid":
		return fmt.Sprintf("%s：%s。", name, tr.Note)
	}
	return ""
}
