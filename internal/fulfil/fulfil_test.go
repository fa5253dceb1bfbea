package fulfil

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

// ---------------------------------------------------------------------------
// Workflow.Validate

func TestWorkflowValidate(t *testing.T) {
	def := DefaultWorkflow()
	steps := func(ss ...StepDef) Workflow { return Workflow{Steps: ss, NoticeDays: 7} }
	sub := StepDef{Step: Submit, Role: auth.Enterprise, Days: 30}
	acc := StepDef{Step: Accept, Role: auth.Staff, Days: 5}
	rev := StepDef{Step: Review, Role: auth.Staff, Days: 10}
	not := StepDef{Step: Notice, Role: auth.Staff, Days: 3}
	pay := StepDef{Step: Pay, Role: auth.Finance, Days: 15}
	tests := []struct {
		name  string
		w     Workflow
		paths []string // "" for an error without a path; nil: valid
		msg   string   // in the first error
	}{
		{"default", def, nil, ""},
		{"shortest: submit and pay", steps(sub, pay), nil, ""},
		{"admin may review and pay", steps(sub, StepDef{Step: Review, Role: auth.Admin, Days: 1}, StepDef{Step: Pay, Role: auth.Admin, Days: 365}), nil, ""},
		{"no notice: notice_days unchecked", Workflow{Steps: []StepDef{sub, acc, pay}}, nil, ""},
		{"out of order", steps(sub, rev, acc, pay), []string{"steps[2].step"}, "out of order"},
		{"repeated", steps(sub, acc, acc, pay), []string{"steps[2].step"}, "repeated"},
		{"unknown step", steps(sub, StepDef{Step: "audit", Role: auth.Staff, Days: 5}, pay), []string{"steps[1].step"}, "unknown step"},
		{"missing submit", steps(acc, pay), []string{""}, "提交"},
		{"missing pay", steps(sub, acc), []string{""}, "拨付"},
		{"empty", Workflow{}, []string{""}, "提交"},
		{"submit by staff", steps(StepDef{Step: Submit, Role: auth.Staff, Days: 30}, pay), []string{"steps[0].role"}, "enterprise"},
		{"accept by an enterprise", steps(sub, StepDef{Step: Accept, Role: auth.Enterprise, Days: 5}, pay), []string{"steps[1].role"}, "受理"},
		{"review by finance", steps(sub, StepDef{Step: Review, Role: auth.Finance, Days: 5}, pay), []string{"steps[1].role"}, "初审"},
		{"review by an expert", steps(sub, StepDef{Step: Review, Role: auth.Expert, Days: 5}, pay), []string{"steps[1].role"}, "初审"},
		{"pay by staff", steps(sub, StepDef{Step: Pay, Role: auth.Staff, Days: 15}), []string{"steps[1].role"}, "拨付"},
		{"zero days", steps(sub, StepDef{Step: Accept, Role: auth.Staff, Days: 0}, pay), []string{"steps[1].days"}, "1 to 365"},
		{"366 days", steps(sub, acc, StepDef{Step: Pay, Role: auth.Finance, Days: 366}), []string{"steps[2].days"}, "1 to 365"},
		{"negative days", steps(StepDef{Step: Submit, Role: auth.Enterprise, Days: -1}, pay), []string{"steps[0].days"}, "-1 days"},
		{"notice for 0 days", Workflow{Steps: []StepDef{sub, not, pay}}, []string{"notice_days"}, "公示期"},
		{"notice for 61 days", Workflow{Steps: []StepDef{sub, not, pay}, NoticeDays: 61}, []string{"notice_days"}, "公示期"},
		{"several at once", Workflow{Steps: []StepDef{
			{Step: Accept, Role: auth.Enterprise, Days: 0},
			{Step: Submit, Role: auth.Enterprise, Days: 5},
			{Step: Notice, Role: auth.Staff, Days: 3},
		}}, []string{"", "steps[0].role", "steps[0].days", "steps[1].step", "notice_days"}, "提交"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.w.Validate()
			if tt.paths == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors at %q", tt.paths)
			}
			if k := errs.KindOf(err); k != errs.Invalid {
				t.Errorf("kind %v, want invalid", k)
			}
			if got := errPaths(t, err); !slices.Equal(got, tt.paths) {
				t.Errorf("error paths %q, want %q:\n%v", got, tt.paths, err)
			}
			var l errs.List
			if errors.As(err, &l) && !strings.Contains(l[0].Msg, tt.msg) {
				t.Errorf("first error %q does not mention %q", l[0].Msg, tt.msg)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Apply

var (
	// 武威: the clause's document is the city's; 市科技局 is responsible.
	testClause = Clause{Auth: auth.Clause{ID: "ww-test", Jurisdiction: "620600", Responsible: []string{"市科技局", "市财政局"}}}

	staffA   = auth.User{ID: "staff-a", Role: auth.Staff, Jurisdiction: "620600", Department: "市科技局"}
	staffB   = auth.User{ID: "staff-b", Role: auth.Staff, Jurisdiction: "620602", Department: "市科技局"}  // 凉州区 account, same department
	staffX   = auth.User{ID: "staff-x", Role: auth.Staff, Jurisdiction: "620600", Department: "市教育局"}  // not a responsible unit
	staffGS  = auth.User{ID: "staff-gs", Role: auth.Staff, Jurisdiction: "130407", Department: "市科技局"} // another jurisdiction (肥乡)
	fin      = auth.User{ID: "fin-1", Role: auth.Finance, Jurisdiction: "620600", Department: "市财政局"}
	admin    = auth.User{ID: "root", Role: auth.Admin}
	ent      = auth.User{ID: "ent-e1", Role: auth.Enterprise, Subject: "e1"}
	entOther = auth.User{ID: "ent-e2", Role: auth.Enterprise, Subject: "e2"}
)

// day0 is 2024-03-01 10:00 in Shanghai.
var day0 = time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)

func on(n int) time.Time { return day0.AddDate(0, 0, n) }

func dayStr(n int) string { return on(n).In(Shanghai).Format("2006-01-02") }

func newTestCase(r Route, amount money.Interval) *Case {
	c := &Case{ID: 42, Clause: "ww-test", Subject: "e1", SubjectName: "测试企业", FY: 2024, Route: r,
		Workflow: DefaultWorkflow(), Computed: amount}
	Start(c, day0)
	return c
}

// apply acts on c with the version the actor sees (the current one).
func apply(c *Case, cl Clause, a Action, by auth.User, reason string, now time.Time) (Transition, error) {
	return Apply(c, cl, Act{Action: a, By: by, Reason: reason, Version: c.Version}, now, 0)
}

func must(t *testing.T, c *Case, a Action, by auth.User, reason string, now time.Time) Transition {
	t.Helper()
	tr, err := apply(c, testClause, a, by, reason, now)
	if err != nil {
		t.Fatalf("%s by %s at %s (step %s, %s): %v", a, by.ID, c.CurrentStep().Step, c.Status, now.Format(time.DateOnly), err)
	}
	return tr
}

// refused checks that err has kind k and, when path is not empty, that it is
// positioned at path; the case must be unchanged.
func refused(t *testing.T, err error, k errs.Kind, path, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want a %v error", k)
	}
	if got := errs.KindOf(err); got != k {
		t.Errorf("kind %v, want %v: %v", got, k, err)
	}
	if path != "" {
		var e *errs.Error
		if !errors.As(err, &e) || e.Pos.Path != path {
			t.Errorf("error %q is not at path %q", err, path)
		}
	}
	if msg != "" && !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not mention %q", err, msg)
	}
}

func unchanged(t *testing.T, c *Case, before Case) {
	t.Helper()
	if c.Version != before.Version || c.Step != before.Step || c.Status != before.Status || c.Route != before.Route || c.Reason != before.Reason {
		t.Errorf("a refused act changed the case: version %d→%d, step %d→%d, status %s→%s", before.Version, c.Version, before.Step, c.Step, before.Status, c.Status)
	}
}

func TestStart(t *testing.T) {
	c := newTestCase(RouteAuto, money.Exact(5*money.Wan))
	if c.Status != Open || c.Version != 1 || c.Step != 0 || c.CurrentStep().Step != Submit {
		t.Errorf("started case: status %s, version %d, step %d", c.Status, c.Version, c.Step)
	}
	if c.StepSince != "2024-03-01T02:00:00Z" || c.Created != c.StepSince || c.Updated != c.Created {
		t.Errorf("StepSince %s, Created %s, Updated %s", c.StepSince, c.Created, c.Updated)
	}
	if c.Due != "2024-03-31" {
		t.Errorf("Due %s, want 30 days from 2024-03-01", c.Due)
	}
}

// 免申即享: staff confirm the proposal at 提交; then 受理, 初审, 复核 (by
// another person), 公示 (only after it ends) and 拨付 (only by a batch).
func TestApplyAutoRoute(t *testing.T) {
	c := newTestCase(RouteAuto, money.Exact(5*money.Wan))

	// 提交/确认: staff of a responsible unit in the jurisdiction only.
	for _, u := range []auth.User{ent, staffX, staffGS} {
		before := *c
		_, err := apply(c, testClause, Approve, u, "", on(1))
		refused(t, err, errs.Permission, "", "")
		unchanged(t, c, before)
	}
	steps := []struct {
		by   auth.User
		at   int
		from Step
		to   Step
	}{
		{staffA, 1, Submit, Accept},
		{staffA, 2, Accept, Review},
		{staffA, 3, Review, Recheck},
		{staffB, 4, Recheck, Notice},
	}
	for i, s := range steps {
		v := c.Version
		tr := must(t, c, Approve, s.by, "", on(s.at))
		if tr.FromStep != s.from || tr.ToStep != s.to || tr.Status != Open || tr.By != s.by.ID || tr.Case != 42 || tr.Action != Approve {
			t.Errorf("step %d: transition %+v, want %s → %s by %s", i, tr, s.from, s.to, s.by.ID)
		}
		if c.Version != v+1 || c.CurrentStep().Step != s.to || c.Status != Open {
			t.Errorf("step %d: case at %s, %s, version %d", i, c.CurrentStep().Step, c.Status, c.Version)
		}
		if want := on(s.at).UTC().Format(time.RFC3339); c.StepSince != want || c.Updated != want || tr.At != want {
			t.Errorf("step %d: StepSince %s, Updated %s, At %s, want %s", i, c.StepSince, c.Updated, tr.At, want)
		}
		if want := addDays(dayStr(s.at), c.CurrentStep().Days); s.to != Notice && c.Due != want {
			t.Errorf("step %d: due %s, want %s", i, c.Due, want)
		}
	}
	if c.Reviewer != staffA.ID {
		t.Errorf("Reviewer %q, want the 初审 person %q", c.Reviewer, staffA.ID)
	}
	// 公示: 7 days from 2024-03-05 to 2024-03-11, then 3 days to move on.
	if c.NoticeFrom != "2024-03-05" || c.NoticeUntil != "2024-03-11" || c.Due != "2024-03-14" {
		t.Errorf("notice %s–%s due %s, want 2024-03-05–2024-03-11 due 2024-03-14", c.NoticeFrom, c.NoticeUntil, c.Due)
	}
	for _, n := range []int{4, 10} { // first and last day of the notice
		before := *c
		_, err := apply(c, testClause, Approve, staffA, "", on(n))
		refused(t, err, errs.Conflict, "", "公示期至 2024-03-11 止")
		unchanged(t, c, before)
	}
	must(t, c, Approve, staffA, "", on(11))
	if c.CurrentStep().Step != Pay || c.CurrentStep().Role != auth.Finance {
		t.Fatalf("after 公示 the case is at %s", c.CurrentStep().Step)
	}
	// 拨付 happens through a batch, never by approving the case.
	for _, u := range []auth.User{fin, admin} {
		before := *c
		_, err := apply(c, testClause, Approve, u, "", on(12))
		refused(t, err, errs.Invalid, "", "拨付批次")
		unchanged(t, c, before)
	}
	// Nor can a case at 拨付 be returned or rejected.
	_, err := apply(c, testClause, Return, fin, "补正", on(12))
	refused(t, err, errs.Conflict, "", "不能退回")
	_, err = apply(c, testClause, Reject, fin, "不符合", on(12))
	refused(t, err, errs.Conflict, "", "")
	if c.Version != 6 {
		t.Errorf("version %d after five approvals, want 6", c.Version)
	}
}

// 申报: only the enterprise itself submits (with its answers); the rest as
// for 免申即享. A range amount must be decided before 初审 passes.
func TestApplyApplyRoute(t *testing.T) {
	c := newTestCase(RouteApply, money.Interval{Min: 20 * money.Wan, Max: 30 * money.Wan})
	for _, u := range []auth.User{entOther, staffA, admin} {
		before := *c
		_, err := Apply(c, testClause, Act{Action: Approve, By: u, Version: c.Version}, on(1), 0)
		refused(t, err, errs.Permission, "", "企业本身")
		unchanged(t, c, before)
	}
	answers := map[string]string{"rd_staff": "12"}
	tr, err := Apply(c, testClause, Act{Action: Approve, By: ent, Answers: answers, Version: c.Version}, on(1), 0)
	if err != nil {
		t.Fatal(err)
	}
	if tr.ToStep != Accept || c.Answers["rd_staff"] != "12" {
		t.Errorf("submitted to %s with answers %v", tr.ToStep, c.Answers)
	}
	// After submitting, the enterprise cannot do the bureau's steps.
	_, err = apply(c, testClause, Approve, ent, "", on(2))
	refused(t, err, errs.Permission, "", "受理")
	// Finance cannot do a staff step either; an admin can.
	_, err = apply(c, testClause, Approve, fin, "", on(2))
	refused(t, err, errs.Permission, "", "受理")
	must(t, c, Approve, admin, "", on(2))

	// 初审: the range 20—30万 must be decided first.
	before := *c
	_, err = apply(c, testClause, Approve, staffA, "", on(3))
	refused(t, err, errs.Invalid, "fen", "初审通过前先确定金额")
	unchanged(t, c, before)

	decide := func(f money.Fen, reason string, by auth.User) (Transition, error) {
		return Apply(c, testClause, Act{Action: Decide, By: by, Fen: f, Reason: reason, Version: c.Version}, on(3), 0)
	}
	bad := []struct {
		name   string
		fen    money.Fen
		reason string
		by     auth.User
		kind   errs.Kind
		path   string
		msg    string
	}{
		{"below the range", 20*money.Wan - 1, "评审得分", staffA, errs.Invalid, "fen", "低于文件规定的下限"},
		{"above the range", 30*money.Wan + 1, "评审得分", staffA, errs.Invalid, "fen", "超过文件规定的上限"},
		{"zero", 0, "评审得分", staffA, errs.Invalid, "fen", "大于零"},
		{"negative", -money.Wan, "评审得分", staffA, errs.Invalid, "fen", "大于零"},
		{"no reason", 25 * money.Wan, "  ", staffA, errs.Invalid, "reason", "理由"},
		{"not a responsible unit", 25 * money.Wan, "评审得分", staffX, errs.Permission, "", ""},
		{"the enterprise", 25 * money.Wan, "评审得分", ent, errs.Permission, "", ""},
	}
	for _, b := range bad {
		t.Run("decide "+b.name, func(t *testing.T) {
			before := *c
			_, err := decide(b.fen, b.reason, b.by)
			refused(t, err, b.kind, b.path, b.msg)
			unchanged(t, c, before)
			if c.Decided != nil {
				t.Errorf("a refused decision was recorded: %+v", c.Decided)
			}
		})
	}
	for _, f := range []money.Fen{20 * money.Wan, 30 * money.Wan, 25 * money.Wan} { // both bounds are inside; the last one stands
		v := c.Version
		tr, err := decide(f, "评审得分85分，按区间中值", staffA)
		if err != nil {
			t.Fatalf("decide %s: %v", f, err)
		}
		if c.Version != v+1 || tr.ToStep != Review || !strings.Contains(tr.Note, f.String()) {
			t.Errorf("decide %s: version %d, transition %+v", f, c.Version, tr)
		}
	}
	if d := c.Decided; d == nil || d.Fen != 25*money.Wan || d.By != staffA.ID || d.Reason != "评审得分85分，按区间中值" || d.At != on(3).UTC().Format(time.RFC3339) {
		t.Fatalf("decision %+v", c.Decided)
	}
	if f, ok := c.Amount(); !ok || f != 25*money.Wan {
		t.Errorf("Amount() = %s, %v", f, ok)
	}
	must(t, c, Approve, staffA, "", on(3))

	// 复核: not the person who passed 初审 (unless admin); a decision may
	// still be revised here.
	before = *c
	_, err = apply(c, testClause, Approve, staffA, "", on(4))
	refused(t, err, errs.Permission, "", "复核须由初审以外的人员办理")
	unchanged(t, c, before)
	if _, err := decide(26*money.Wan, "复核调整", staffB); err != nil {
		t.Errorf("decide at 复核: %v", err)
	}
	must(t, c, Approve, staffB, "", on(4))
	if c.CurrentStep().Step != Notice {
		t.Fatalf("at %s, want 公示", c.CurrentStep().Step)
	}
	// No deciding once the decisive step (复核) has passed.
	_, err = decide(27*money.Wan, "改", staffA)
	refused(t, err, errs.Conflict, "", "复核通过之前")
	must(t, c, Approve, staffA, "", on(11))
	if c.CurrentStep().Step != Pay {
		t.Errorf("at %s, want 拨付", c.CurrentStep().Step)
	}
	if f, _ := c.Amount(); f != 26*money.Wan {
		t.Errorf("amount %s, want the 复核 decision 26万", f)
	}
}

// A review score (评审得分, the rank under rank_cut) is given when passing
// 初审 or 复核, between 0 and 100, and may be revised at 复核.
func TestApplyScore(t *testing.T) {
	c := newTestCase(RouteAuto, money.Exact(money.Wan))
	score := func(by auth.User, s int64) (Transition, error) {
		return Apply(c, testClause, Act{Action: Approve, By: by, Score: s, Version: c.Version}, on(1), 0)
	}
	_, err := score(staffA, 80)
	refused(t, err, errs.Invalid, "score", "初审或复核")
	if c.Score != 0 || c.CurrentStep().Step != Submit {
		t.Fatalf("a refused score at 提交 was recorded: %d, at %s", c.Score, c.CurrentStep().Step)
	}
	must(t, c, Approve, staffA, "", on(1))
	must(t, c, Approve, staffA, "", on(1))
	for _, s := range []int64{-1, 101} {
		before := *c
		_, err := score(staffA, s)
		refused(t, err, errs.Invalid, "score", "0 到 100")
		unchanged(t, c, before)
	}
	tr, err := score(staffA, 85)
	if err != nil {
		t.Fatal(err)
	}
	if c.Score != 85 || !strings.Contains(tr.Note, "85") || tr.ToStep != Recheck {
		t.Errorf("score %d, transition %+v", c.Score, tr)
	}
	if _, err := score(staffB, 100); err != nil {
		t.Fatal(err)
	}
	if c.Score != 100 {
		t.Errorf("score %d after 复核, want 100", c.Score)
	}
	// Passing 公示 leaves the score and dates the case's place in the queue.
	must(t, c, Approve, staffA, "", on(8))
	if c.Score != 100 || c.PayReady() != on(8).UTC().Format(time.RFC3339) {
		t.Errorf("at 拨付: score %d, PayReady %q", c.Score, c.PayReady())
	}
	if !slices.Equal(c.Schedule, []Installment{{Year: c.BudgetYear, Fen: money.Wan}}) {
		t.Errorf("schedule %v", c.Schedule)
	}
}

// An admin may pass 复核 after passing 初审 (a one-person instance).
func TestApplyAdminRechecksOwnReview(t *testing.T) {
	c := newTestCase(RouteAuto, money.Exact(money.Wan))
	for i := range 4 {
		must(t, c, Approve, admin, "", on(i))
	}
	if c.CurrentStep().Step != Notice || c.Reviewer != admin.ID {
		t.Errorf("at %s, reviewer %s", c.CurrentStep().Step, c.Reviewer)
	}
}

func TestApplyDecideExactOrUnspecified(t *testing.T) {
	c := newTestCase(RouteAuto, money.Exact(5*money.Wan))
	must(t, c, Approve, staffA, "", on(0))
	must(t, c, Approve, staffA, "", on(0))
	_, err := Apply(c, testClause, Act{Action: Decide, By: staffA, Fen: 6 * money.Wan, Reason: "多给", Version: c.Version}, on(0), 0)
	refused(t, err, errs.Invalid, "", "无需裁量")

	// 文件未规定具体数额: any positive amount, with a reason.
	u := newTestCase(RouteAuto, money.Interval{})
	u.Unspecified = true
	// Not at 提交 (确认).
	_, err = Apply(u, testClause, Act{Action: Decide, By: staffA, Fen: money.Wan, Reason: "按规定", Version: u.Version}, on(0), 0)
	refused(t, err, errs.Conflict, "", "")
	must(t, u, Approve, staffA, "", on(0))
	must(t, u, Approve, staffA, "", on(0))
	_, err = apply(u, testClause, Approve, staffA, "", on(0))
	refused(t, err, errs.Invalid, "fen", "文件未规定具体数额")
	if _, err := Apply(u, testClause, Act{Action: Decide, By: staffA, Fen: 123 * money.Wan, Reason: "按规定", Version: u.Version}, on(0), 0); err != nil {
		t.Fatal(err)
	}
	must(t, u, Approve, staffA, "", on(0))

	// An open range ("不低于50万元"): no upper bound.
	o := newTestCase(RouteAuto, money.Interval{Min: 50 * money.Wan, Open: true})
	must(t, o, Approve, staffA, "", on(0))
	must(t, o, Approve, staffA, "", on(0))
	if _, err := Apply(o, testClause, Act{Action: Decide, By: staffA, Fen: 500 * money.Wan, Reason: "项目规模", Version: o.Version}, on(0), 0); err != nil {
		t.Errorf("open range: %v", err)
	}
	_, err = Apply(o, testClause, Act{Action: Decide, By: staffA, Fen: 49 * money.Wan, Reason: "项目规模", Version: o.Version}, on(0), 0)
	refused(t, err, errs.Invalid, "fen", "下限")
}

func TestApplyStaleVersion(t *testing.T) {
	c := newTestCase(RouteAuto, money.Exact(5*money.Wan))
	must(t, c, Approve, staffA, "", on(1))
	for _, a := range []Action{Approve, Return, Reject, Decide} {
		before := *c
		_, err := Apply(c, testClause, Act{Action: a, By: staffA, Reason: "理由", Fen: money.Wan, Version: c.Version - 1}, on(2), 0)
		refused(t, err, errs.Conflict, "", "请刷新")
		unchanged(t, c, before)
		_, err = Apply(c, testClause, Act{Action: a, By: staffA, Reason: "理由", Fen: money.Wan, Version: c.Version + 1}, on(2), 0)
		refused(t, err, errs.Conflict, "", "刷新")
	}
}

func TestApplyReturnRejectNeedReason(t *testing.T) {
	for _, a := range []Action{Return, Reject} {
		for _, reason := range []string{"", " \t\n"} {
			c := newTestCase(RouteAuto, money.Exact(5*money.Wan))
			must(t, c, Approve, staffA, "", on(1))
			before := *c
			_, err := apply(c, testClause, a, staffA, reason, on(2))
			refused(t, err, errs.Invalid, "reason", "理由")
			unchanged(t, c, before)
		}
	}
}

// A return sends the case back to the enterprise, which resubmits it as an
// application (a 免申即享 proposal in doubt becomes a 申报).
func TestApplyReturn(t *testing.T) {
	c := newTestCase(RouteAuto, money.Exact(5*money.Wan))
	// Nothing to return at 提交.
	_, err := apply(c, testClause, Return, staffA, "补正", on(0))
	refused(t, err, errs.Conflict, "", "不能退回")
	must(t, c, Approve, staffA, "", on(0))
	must(t, c, Approve, staffA, "", on(1))
	// Another unit's staff cannot return it.
	_, err = apply(c, testClause, Return, staffX, "材料不全", on(2))
	refused(t, err, errs.Permission, "", "")
	tr := must(t, c, Return, staffA, "请补充研发人员名单", on(2))
	if c.Status != Returned || c.Step != 0 || c.Route != RouteApply || c.Reason != "请补充研发人员名单" {
		t.Errorf("returned case: %s at %d, route %s, reason %q", c.Status, c.Step, c.Route, c.Reason)
	}
	if tr.FromStep != Review || tr.ToStep != Submit || tr.Status != Returned || tr.Reason != "请补充研发人员名单" {
		t.Errorf("transition %+v", tr)
	}
	if c.Due != addDays(dayStr(2), 30) {
		t.Errorf("due %s, want 30 days to resubmit", c.Due)
	}
	// Now only the enterprise resubmits.
	_, err = apply(c, testClause, Approve, staffA, "", on(3))
	refused(t, err, errs.Permission, "", "企业本身")
	_, err = Apply(c, testClause, Act{Action: Approve, By: ent, Answers: map[string]string{"rd_staff": "8"}, Version: c.Version}, on(3), 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != Open || c.CurrentStep().Step != Accept || c.Answers["rd_staff"] != "8" {
		t.Errorf("resubmitted: %s at %s, answers %v", c.Status, c.CurrentStep().Step, c.Answers)
	}
}

func TestApplyReject(t *testing.T) {
	c := newTestCase(RouteApply, money.Exact(5*money.Wan))
	_, err := apply(c, testClause, Reject, staffA, "不符合", on(0))
	refused(t, err, errs.Conflict, "", "")
	must(t, c, Approve, ent, "", on(0))
	tr := must(t, c, Reject, staffA, "不属于本市注册企业", on(1))
	if c.Status != Rejected || !c.Final() || tr.Status != Rejected || c.Reason != "不属于本市注册企业" {
		t.Errorf("rejected: %s (final %v), transition %+v", c.Status, c.Final(), tr)
	}
	// Final: nothing more.
	for _, a := range []Action{Approve, Return, Reject, Object, Decide} {
		_, err := Apply(c, testClause, Act{Action: a, By: admin, Reason: "再议", Fen: money.Wan, Version: c.Version}, on(2), 0)
		refused(t, err, errs.Conflict, "", "不予支持")
	}
	if c.Expected(on(2)) != "" || c.Overdue(on(365)) {
		t.Error("a final case has an expected date or is overdue")
	}
}

func TestApplyUnknownAction(t *testing.T) {
	c := newTestCase(RouteAuto, money.Exact(money.Wan))
	_, err := apply(c, testClause, "escalate", staffA, "", on(0))
	refused(t, err, errs.Invalid, "", "unknown action")
}

// toNotice brings a fresh case to 公示, entered on day n.
func toNotice(t *testing.T, n int) *Case {
	t.Helper()
	c := newTestCase(RouteAuto, money.Exact(5*money.Wan))
	must(t, c, Approve, staffA, "", on(n))
	must(t, c, Approve, staffA, "", on(n))
	must(t, c, Approve, staffA, "", on(n))
	must(t, c, Approve, staffB, "", on(n))
	if c.CurrentStep().Step != Notice {
		t.Fatalf("at %s, want 公示", c.CurrentStep().Step)
	}
	return c
}

func TestApplyNoticeObjection(t *testing.T) {
	t.Run("object, dismiss: the notice is extended by the days paused", func(t *testing.T) {
		c := toNotice(t, 0) // 2024-03-01 to 2024-03-07
		if c.NoticeUntil != "2024-03-07" {
			t.Fatalf("NoticeUntil %s", c.NoticeUntil)
		}
		// No objection without a reason, or from the wrong place.
		_, err := apply(c, testClause, Object, staffA, "", on(2))
		refused(t, err, errs.Invalid, "reason", "")
		_, err = apply(c, testClause, Dismiss, staffA, "不成立", on(2))
		refused(t, err, errs.Conflict, "", "没有待处理的异议")

		tr := must(t, c, Object, ent, "数据有误", on(2)) // anyone may object during 公示
		if c.Status != Objected || c.PausedAt != "2024-03-03" || c.Reason != "数据有误" || tr.Status != Objected || tr.ToStep != Notice {
			t.Errorf("objected: %s paused %s reason %q; %+v", c.Status, c.PausedAt, c.Reason, tr)
		}
		// Paused: not even after the original end.
		before := *c
		_, err = apply(c, testClause, Approve, staffA, "", on(8))
		refused(t, err, errs.Conflict, "", "异议")
		unchanged(t, c, before)
		_, err = apply(c, testClause, Object, ent, "再次异议", on(3))
		refused(t, err, errs.Conflict, "", "只能对公示中的事项提出异议")
		// Deciding an objection is staff's, with a reason.
		_, err = apply(c, testClause, Dismiss, ent, "不成立", on(5))
		refused(t, err, errs.Permission, "", "")
		_, err = apply(c, testClause, Dismiss, staffA, "", on(5))
		refused(t, err, errs.Invalid, "reason", "")

		tr = must(t, c, Dismiss, staffA, "经核实数据无误", on(5)) // paused 03-03 to 03-06: 3 days back
		if c.Status != Open || c.PausedAt != "" || c.NoticeUntil != "2024-03-10" {
			t.Errorf("dismissed: %s, paused %q, notice until %s (want 2024-03-10)", c.Status, c.PausedAt, c.NoticeUntil)
		}
		if !strings.Contains(tr.Note, "2024-03-10") {
			t.Errorf("note %q does not give the new end", tr.Note)
		}
		_, err = apply(c, testClause, Approve, staffA, "", on(9)) // 03-10, the new last day
		refused(t, err, errs.Conflict, "", "2024-03-10")
		must(t, c, Approve, staffA, "", on(10))
		if c.CurrentStep().Step != Pay {
			t.Errorf("at %s", c.CurrentStep().Step)
		}
	})
	t.Run("dismissed the same day: nothing to give back", func(t *testing.T) {
		c := toNotice(t, 0)
		must(t, c, Object, ent, "数据有误", on(6))
		must(t, c, Dismiss, staffA, "不成立", on(6))
		if c.NoticeUntil != "2024-03-07" {
			t.Errorf("NoticeUntil %s", c.NoticeUntil)
		}
	})
	t.Run("uphold rejects", func(t *testing.T) {
		c := toNotice(t, 0)
		must(t, c, Object, entOther, "该企业已迁出", on(1))
		tr := must(t, c, Uphold, staffA, "经核实已迁出", on(3))
		if c.Status != Rejected || !c.Final() || tr.Status != Rejected || c.Reason != "经核实已迁出" || c.PausedAt != "" {
			t.Errorf("upheld: %s final %v reason %q", c.Status, c.Final(), c.Reason)
		}
	})
	t.Run("no objection after the notice", func(t *testing.T) {
		c := toNotice(t, 0)
		must(t, c, Object, ent, "最后一天", on(6))
		c2 := toNotice(t, 0)
		_, err := apply(c2, testClause, Object, ent, "晚了", on(7))
		refused(t, err, errs.Conflict, "", "公示期已于 2024-03-07 结束")
	})
	t.Run("no objection outside 公示", func(t *testing.T) {
		c := newTestCase(RouteAuto, money.Exact(money.Wan))
		_, err := apply(c, testClause, Object, ent, "异议", on(0))
		refused(t, err, errs.Conflict, "", "只能对公示中的事项提出异议")
		_, err = apply(c, testClause, Uphold, staffA, "成立", on(0))
		refused(t, err, errs.Conflict, "", "没有待处理的异议")
	})
}

// A step's Department restricts it to one unit (an admin excepted).
func TestApplyStepDepartment(t *testing.T) {
	c := newTestCase(RouteAuto, money.Exact(money.Wan))
	c.Workflow.Steps[1].Department = "市财政局"
	must(t, c, Approve, staffA, "", on(0))
	_, err := apply(c, testClause, Approve, staffA, "", on(0))
	refused(t, err, errs.Permission, "", "市财政局")
	must(t, c, Approve, admin, "", on(0))
}

// ---------------------------------------------------------------------------
// Expected, Ageing, Overdue

func TestDeadlines(t *testing.T) {
	c := newTestCase(RouteApply, money.Exact(money.Wan))
	tests := []struct {
		n       int
		ageing  int
		overdue bool
	}{
		{0, 0, false}, {1, 1, false}, {29, 29, false}, {30, 30, false}, {31, 31, true}, {400, 400, true},
	}
	for _, tt := range tests {
		if got := c.Ageing(on(tt.n)); got != tt.ageing {
			t.Errorf("Ageing on day %d = %d, want %d", tt.n, got, tt.ageing)
		}
		if got := c.Overdue(on(tt.n)); got != tt.overdue {
			t.Errorf("Overdue on day %d (due %s) = %v, want %v", tt.n, c.Due, got, tt.overdue)
		}
	}
	// Late evening in Shanghai is already the next day there.
	late := time.Date(2024, 3, 31, 16, 30, 0, 0, time.UTC) // 2024-04-01 00:30 CST
	if !c.Overdue(late) || c.Ageing(late) != 31 {
		t.Errorf("at 2024-04-01 00:30 Shanghai: overdue %v, ageing %d", c.Overdue(late), c.Ageing(late))
	}
	// A bad StepSince ages nothing.
	bad := *c
	bad.StepSince = "yesterday"
	if bad.Ageing(on(5)) != 0 {
		t.Error("Ageing of an unparsable StepSince")
	}
}

// Expected is the payment date if every remaining step takes its full
// deadline: doing each step on its last allowed day must land the 拨付
// deadline exactly on the date promised at the start — and on the date
// Expected gives at any point along the way.
func TestExpectedFullDeadlines(t *testing.T) {
	for _, w := range []Workflow{
		DefaultWorkflow(),
		{NoticeDays: 1, Steps: []StepDef{{Step: Submit, Role: auth.Enterprise, Days: 1}, {Step: Notice, Role: auth.Staff, Days: 1}, {Step: Pay, Role: auth.Finance, Days: 1}}},
		{Steps: []StepDef{{Step: Submit, Role: auth.Enterprise, Days: 10}, {Step: Review, Role: auth.Staff, Days: 7}, {Step: Pay, Role: auth.Finance, Days: 20}}},
	} {
		c := &Case{ID: 1, Subject: "e1", Route: RouteAuto, Workflow: w, Computed: money.Exact(money.Wan)}
		Start(c, day0)
		promised := c.Expected(day0)
		if promised == "" {
			t.Fatal("no expected date")
		}
		for c.CurrentStep().Step != Pay {
			if got := c.Expected(day0); got != promised {
				t.Errorf("%v: at %s (due %s) Expected %s, promised %s", stepsOf(w), c.CurrentStep().Step, c.Due, got, promised)
			}
			last, err := time.ParseInLocation(time.DateOnly, c.Due, Shanghai)
			if err != nil {
				t.Fatal(err)
			}
			by := staffA
			if c.CurrentStep().Step == Recheck {
				by = staffB
			}
			must(t, c, Approve, by, "", last.Add(12*time.Hour))
		}
		if c.Due != promised {
			t.Errorf("%v: every step on its last day gives 拨付 due %s; Expected promised %s", stepsOf(w), c.Due, promised)
		}
		if got := c.Expected(day0); got != c.Due {
			t.Errorf("%v: at 拨付 Expected %s, due %s", stepsOf(w), got, c.Due)
		}
		// Once behind, the expectation counts from today.
		if got, want := c.Expected(on(365)), dayStr(365); got != want {
			t.Errorf("overdue: Expected %s, want today %s", got, want)
		}
	}
}

func stepsOf(w Workflow) []Step {
	var out []Step
	for _, s := range w.Steps {
		out = append(out, s.Step)
	}
	return out
}

// ---------------------------------------------------------------------------
// Ledger

func TestYuan(t *testing.T) {
	tests := []struct {
		f    money.Fen
		want string
	}{
		{0, "0.00"},
		{1, "0.01"},
		{10, "0.10"},
		{99, "0.99"},
		{100, "1.00"},
		{101, "1.01"},
		{2000 * money.Yuan, "2000.00"},
		{5 * money.Wan, "50000.00"},
		{123456789, "1234567.89"},
		{money.Yi, "100000000.00"},
		{-1, "-0.01"},
		{-99, "-0.99"},
		{-100, "-1.00"},
		{-5*money.Wan - 5, "-50000.05"},
	}
	for _, tt := range tests {
		if got := Yuan(tt.f); got != tt.want {
			t.Errorf("Yuan(%d) = %q, want %q", int64(tt.f), got, tt.want)
		}
	}
}

func TestExportRows(t *testing.T) {
	b := Batch{ID: 9, Payer: "武威市级财政", Year: 2024, State: "open", Count: 3, Fen: 55*money.Wan + 1}
	ps := []Payment{
		{ID: 1, Key: PaymentKey("ww-a", "e1", "r1", 0, 2024), Case: 11, Batch: 9, Subject: "e1", SubjectName: "甲公司", USCC: "91620600MA00000001", Clause: "ww-a", Payer: b.Payer, Year: 2024, Fen: 30 * money.Wan, Kind: "payment"},
		{ID: 2, Key: PaymentKey("ww-b", "e2", "", 2024, 2024), Case: 12, Batch: 9, Subject: "e2", SubjectName: "乙公司", Clause: "ww-b", Payer: b.Payer, Year: 2024, Fen: 20 * money.Wan, Kind: "payment", Note: "按比例核减"},
		{ID: 3, Key: PaymentKey("ww-c", "e3", "g1", 0, 2024), Case: 13, Batch: 9, Subject: "e3", SubjectName: "丙研究院", Clause: "ww-c", Payer: b.Payer, Year: 2024, Fen: 5*money.Wan + 1, Kind: "payment"},
	}
	rows := ExportRows(b, ps)
	if len(rows) != len(ps)+2 {
		t.Fatalf("%d rows for %d payments", len(rows), len(ps))
	}
	if !slices.Equal(rows[0], ExportHeader) {
		t.Errorf("header %v", rows[0])
	}
	col := func(name string) int { return slices.Index(ExportHeader, name) }
	var sum int64
	for i, r := range rows[1 : len(rows)-1] {
		if len(r) != len(ExportHeader) {
			t.Fatalf("row %d has %d columns", i+1, len(r))
		}
		p := ps[i]
		if r[col("序号")] != strconv.Itoa(i+1) || r[col("批次")] != "9" || r[col("支付键")] != p.Key || r[col("收款单位")] != p.SubjectName ||
			r[col("金额（分）")] != strconv.FormatInt(int64(p.Fen), 10) || r[col("金额（元）")] != Yuan(p.Fen) || r[col("事项编号")] != strconv.FormatInt(p.Case, 10) || r[col("说明")] != p.Note {
			t.Errorf("row %d: %v", i+1, r)
		}
		n, _ := strconv.ParseInt(r[col("金额（分）")], 10, 64)
		sum += n
	}
	total := rows[len(rows)-1]
	if len(total) != len(ExportHeader) || total[0] != "合计" || total[col("支付键")] != "3 笔" || total[col("支付单位")] != b.Payer || total[col("预算年度")] != "2024" {
		t.Errorf("total row %v", total)
	}
	if total[col("金额（分）")] != strconv.FormatInt(sum, 10) || total[col("金额（分）")] != strconv.FormatInt(int64(b.Fen), 10) {
		t.Errorf("total %s fen, rows sum to %d, batch %d", total[col("金额（分）")], sum, b.Fen)
	}
	if total[col("金额（元）")] != "550000.01" {
		t.Errorf("total %s 元", total[col("金额（元）")])
	}
	// An empty batch still has its header and a zero total.
	rows = ExportRows(Batch{ID: 1}, nil)
	if len(rows) != 2 || rows[1][col("金额（分）")] != "0" || rows[1][col("金额（元）")] != "0.00" || rows[1][col("支付键")] != "0 笔" {
		t.Errorf("empty batch: %v", rows)
	}
}

// cleanLedger is two batches, one confirmed, with a reversed payment.
func cleanLedger() ([]Payment, map[int64]money.Fen, []Batch) {
	k1 := PaymentKey("ww-a", "e1", "r1", 0, 2024)
	k2 := PaymentKey("ww-b", "e2", "", 2024, 2024)
	k3 := PaymentKey("ww-c", "e3", "g1", 0, 2024)
	ps := []Payment{
		{ID: 1, Key: k1, Case: 11, Batch: 1, Fen: 30 * money.Wan, Kind: "payment", State: "paid"},
		{ID: 2, Key: k2, Case: 12, Batch: 1, Fen: 20 * money.Wan, Kind: "payment", State: "paid"},
		{ID: 3, Key: k3, Case: 13, Batch: 2, Fen: 5 * money.Wan, Kind: "payment", State: "batched"},
		{ID: 4, Key: ReversalKey(k2), Case: 12, Fen: -20 * money.Wan, Kind: "reversal", Reverses: 2, State: "paid"},
	}
	due := map[int64]money.Fen{11: 30 * money.Wan, 12: 20 * money.Wan, 13: 5 * money.Wan}
	bs := []Batch{
		{ID: 1, State: "confirmed", Count: 2, Fen: 50 * money.Wan},
		{ID: 2, State: "open", Count: 1, Fen: 5 * money.Wan},
		{ID: 3, State: "filling"}, // still being written: not checked
	}
	return ps, due, bs
}

func TestReconcile(t *testing.T) {
	ps, due, bs := cleanLedger()
	r := Reconcile(ps, due, bs)
	if len(r.Problems) != 0 {
		t.Fatalf("clean ledger: %q", r.Problems)
	}
	if r.Payments != 3 || r.Reversals != 1 || r.Paid != 30*money.Wan || r.Batched != 5*money.Wan {
		t.Errorf("clean ledger: %+v", r)
	}
	if got := Reconcile(nil, nil, nil); len(got.Problems) != 0 || got.Payments != 0 {
		t.Errorf("empty ledger: %+v", got)
	}

	tests := []struct {
		name string
		edit func(ps *[]Payment, due map[int64]money.Fen, bs []Batch)
		want []string // each must appear in some problem
		n    int      // number of problems
	}{
		{"a key twice", func(ps *[]Payment, due map[int64]money.Fen, bs []Batch) {
			p := (*ps)[0]
			p.ID, p.Batch = 5, 2
			*ps = append(*ps, p)
			bs[1].Count, bs[1].Fen = 2, 35*money.Wan
			due[11] = 60 * money.Wan
		}, []string{"支付键 " + PaymentKey("ww-a", "e1", "r1", 0, 2024) + " 出现两次"}, 1},
		{"a reversal of the wrong amount", func(ps *[]Payment, due map[int64]money.Fen, bs []Batch) {
			(*ps)[3].Fen = -10 * money.Wan
		}, []string{"冲正 4 与支付 2 不对应"}, 1},
		{"a reversal of a payment not yet paid", func(ps *[]Payment, due map[int64]money.Fen, bs []Batch) {
			(*ps)[3].Reverses, (*ps)[3].Fen, (*ps)[3].Case = 3, -5*money.Wan, 13
		}, []string{"冲正 4 与支付 3 不对应"}, 1},
		{"a reversal of nothing", func(ps *[]Payment, due map[int64]money.Fen, bs []Batch) {
			(*ps)[3].Reverses = 99
		}, []string{"冲正 4 指向不存在的支付 99"}, 1},
		{"the same payment reversed twice", func(ps *[]Payment, due map[int64]money.Fen, bs []Batch) {
			r := (*ps)[3]
			r.ID, r.Key = 5, r.Key+"|again"
			*ps = append(*ps, r)
		}, []string{"冲正 5 与支付 2 不对应"}, 1},
		{"a batch total off by a fen", func(ps *[]Payment, due map[int64]money.Fen, bs []Batch) {
			bs[0].Fen++
		}, []string{"批次 1 记 2 笔", "明细为 2 笔"}, 1},
		{"a batch count off", func(ps *[]Payment, due map[int64]money.Fen, bs []Batch) {
			bs[1].Count = 2
		}, []string{"批次 2 记 2 笔"}, 1},
		{"a case paid more than due", func(ps *[]Payment, due map[int64]money.Fen, bs []Batch) {
			due[11] = 25 * money.Wan
		}, []string{"事项 11 已付 30万元，超过应付 25万元"}, 1},
		{"a reversed case is not overpaid by its first payment", func(ps *[]Payment, due map[int64]money.Fen, bs []Batch) {
			due[12] = 0 // after the reversal case 12 nets to zero
		}, nil, 0},
		{"a zero payment", func(ps *[]Payment, due map[int64]money.Fen, bs []Batch) {
			(*ps)[2].Fen = 0
			bs[1].Fen = 0
		}, []string{"支付 3 金额 0元 不为正"}, 1},
		{"an unknown kind", func(ps *[]Payment, due map[int64]money.Fen, bs []Batch) {
			(*ps)[2].Kind = "refund"
			bs[1].Count, bs[1].Fen = 0, 0
		}, []string{`支付 3 类型 "refund" 不对`}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, due, bs := cleanLedger()
			tt.edit(&ps, due, bs)
			r := Reconcile(ps, due, bs)
			if len(r.Problems) != tt.n {
				t.Errorf("%d problems, want %d: %q", len(r.Problems), tt.n, r.Problems)
			}
			for _, w := range tt.want {
				if !slices.ContainsFunc(r.Problems, func(p string) bool { return strings.Contains(p, w) }) {
					t.Errorf("no problem mentions %q: %q", w, r.Problems)
				}
			}
		})
	}
}

// The keys of a real schedule: each installment year has its own payment
// key, its reversal key differs from every payment key.
func TestPaymentKeysOfASchedule(t *testing.T) {
	seen := map[string]bool{}
	for year := int64(2024); year < 2027; year++ {
		k := PaymentKey("ww-innovation-consortium", "e1", "r1", 0, year)
		for _, x := range []string{k, ReversalKey(k)} {
			if seen[x] {
				t.Errorf("key %s twice", x)
			}
			seen[x] = true
		}
		if !strings.HasSuffix(ReversalKey(k), "|reversal") || !strings.HasPrefix(ReversalKey(k), k) {
			t.Errorf("ReversalKey(%s) = %s", k, ReversalKey(k))
		}
	}
	if got := PaymentKey("c", "s", "e", 2024, 2025); got != fmt.Sprintf("c|s|e|%d|%d", 2024, 2025) {
		t.Errorf("PaymentKey = %s", got)
	}
}

// A workflow without 初审 and 复核: the amount must still be decided, and
// the quota still holds, when its decisive step (here 受理) passes.
func TestDecisiveStepWithoutReview(t *testing.T) {
	w := Workflow{NoticeDays: 5, Steps: []StepDef{
		{Step: Submit, Role: auth.Enterprise, Days: 30},
		{Step: Accept, Role: auth.Staff, Days: 5},
		{Step: Notice, Role: auth.Staff, Days: 3},
		{Step: Pay, Role: auth.Finance, Days: 15},
	}}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	if w.Decisive() != Accept || DefaultWorkflow().Decisive() != Recheck {
		t.Fatalf("decisive steps: %s, %s", w.Decisive(), DefaultWorkflow().Decisive())
	}
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, Shanghai)
	c := &Case{ID: 1, Clause: "x", Subject: "s", Route: RouteAuto, Workflow: w, Computed: money.Interval{Min: 20 * money.Wan, Max: 30 * money.Wan}, BudgetYear: 2025}
	Start(c, now)
	staff := auth.User{ID: "a", Role: auth.Staff, Jurisdiction: "620600"}
	cl := Clause{Auth: auth.Clause{ID: "x", Jurisdiction: "620600"}, Quota: &policy.Quota{Min: 1, Max: 1}}
	if _, err := Apply(c, cl, Act{Action: Approve, By: staff, Version: c.Version}, now, 0); err != nil { // 确认
		t.Fatal(err)
	}
	if _, err := Apply(c, cl, Act{Action: Approve, By: staff, Version: c.Version}, now, 0); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("受理 passed with the amount undecided: %v", err)
	}
	if _, err := Apply(c, cl, Act{Action: Decide, By: staff, Fen: 25 * money.Wan, Reason: "中值", Version: c.Version}, now, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(c, cl, Act{Action: Approve, By: staff, Version: c.Version}, now, 1); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("受理 passed a full quota: %v", err)
	}
	if _, err := Apply(c, cl, Act{Action: Approve, By: staff, Version: c.Version}, now, 0); err != nil || c.CurrentStep().Step != Notice {
		t.Fatalf("受理: %v, at %s", err, c.CurrentStep().Step)
	}
	if _, err := Apply(c, cl, Act{Action: Decide, By: staff, Fen: 26 * money.Wan, Reason: "改", Version: c.Version}, now, 0); errs.KindOf(err) != errs.Conflict {
		t.Errorf("a decision after the decisive step: %v", err)
	}
}

// A project award granted with yearly shares (分年度按比例拨付) is scheduled
// by them on reaching 拨付, exactly: 100万元 at 4:3:3 is 40万, 30万, 30万
// from the budget year; 1元 at 1:1:1 puts the odd fen in the first year.
func TestScheduleByShares(t *testing.T) {
	for _, tc := range []struct {
		fen    money.Fen
		shares []int64
		want   []money.Fen
	}{
		{100 * money.Wan, []int64{4, 3, 3}, []money.Fen{40 * money.Wan, 30 * money.Wan, 30 * money.Wan}},
		{100, []int64{1, 1, 1}, []money.Fen{34, 33, 33}},
		{money.Wan, nil, []money.Fen{money.Wan}},
	} {
		c := newTestCase(RouteAuto, money.Exact(tc.fen))
		c.Shares = tc.shares
		// every step to 拨付: 复核 by another officer, 公示 over a week later
		for _, st := range []struct {
			by  auth.User
			day int
		}{{staffA, 1}, {staffA, 1}, {staffA, 1}, {staffB, 1}, {staffA, 8}} {
			must(t, c, Approve, st.by, "", on(st.day))
		}
		if c.CurrentStep().Step != Pay {
			t.Fatalf("at %s, not 拨付", c.CurrentStep().Step)
		}
		var got []money.Fen
		for i, ins := range c.Schedule {
			got = append(got, ins.Fen)
			if ins.Year != c.BudgetYear+int64(i) {
				t.Errorf("installment %d in %d, want %d", i, ins.Year, c.BudgetYear+int64(i))
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s by %v: %v, want %v", tc.fen, tc.shares, got, tc.want)
		}
	}
}
