package project

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"kechuang/internal/errs"
	"kechuang/internal/policy"
)

// ExecState is where a granted project stands (项目执行).
type ExecState string

const (
	Executing ExecState = "executing" // 执行中
	Stopped   ExecState = "stopped"   // 终止支持: a 赛马 team not continued at a gate
	Accepted  ExecState = "accepted"  // 通过结题验收
	Failed    ExecState = "failed"    // 未通过验收，按一般程序结题
	Tolerated ExecState = "tolerated" // 予以容错结题，不纳入科研失信
)

// Zh names a state in Chinese.
func (s ExecState) Zh() string {
	switch s {
	case "", Executing:
		return "执行中"
	case Stopped:
		return "终止支持"
	case Accepted:
		return "通过验收"
	case Failed:
		return "未通过验收"
	case Tolerated:
		return "容错结题"
	}
	return string(s)
}

// Final reports whether the project is closed.
func (s ExecState) Final() bool { return s != "" && s != Executing }

// Milestone kinds: a node of the task book (考核节点), the mid-term
// evaluation (中期评估 — 武威 asks to simplify it: one at most) and the
// final acceptance by the end user (结题验收), always last.
const (
	Node       = "node"
	MidTerm    = "midterm"
	Acceptance = "acceptance"
)

// Milestone is one checkpoint of a project's task book (任务书), set when
// it is granted. Release names the installment of the payment plan (its
// index, 1 for the second year's) that is held until the milestone passes:
// the money of a 赛马 team follows the gate's decision.
type Milestone struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Due      string `json:"due"`
	Release  int    `json:"release,omitempty"`
	Report   string `json:"report,omitempty"` // the team's report (进展报告, 结题报告)
	Reported string `json:"reported,omitempty"`
	Result   string `json:"result,omitempty"` // passed, failed
	Opinion  string `json:"opinion,omitempty"`
	By       string `json:"by,omitempty"`
	At       string `json:"at,omitempty"`
}

// KindZh names a milestone kind in Chinese.
func KindZh(k string) string {
	return map[string]string{Node: "考核节点", MidTerm: "中期评估", Acceptance: "结题验收"}[k]
}

// CheckMilestones says whether ms is a task book for a plan of n yearly
// installments: dated milestones in order ending with one acceptance, at
// most one mid-term evaluation, each installment after the first released
// by at most one of them, and once an installment is held every later one
// is held too (no year is paid ahead of a gate not yet passed).
func CheckMilestones(ms []Milestone, n int) error {
	var l errs.List
	bad := func(i int, field, format string, args ...any) {
		l = append(l, errs.At(errs.Pos{Path: fmt.Sprintf("milestones[%d].%s", i, field)}, format, args...))
	}
	if len(ms) == 0 || ms[len(ms)-1].Kind != Acceptance {
		l = append(l, errs.At(errs.Pos{Path: "milestones"}, "任务书以结题验收结束：最后一项须为结题验收"))
	}
	gate := map[int]int{}
	mid := 0
	for i, m := range ms {
		switch m.Kind {
		case Node:
		case MidTerm:
			if mid++; mid > 1 {
				bad(i, "kind", "简化项目中期评估：一个项目至多一次中期评估")
			}
		case Acceptance:
			if i != len(ms)-1 {
				bad(i, "kind", "结题验收只能是最后一项")
			}
		default:
			bad(i, "kind", "节点类型 %q：node（考核节点）、midterm（中期评估）或 acceptance（结题验收）", m.Kind)
		}
		if strings.TrimSpace(m.Name) == "" || utf8.RuneCountInString(m.Name) > 100 {
			bad(i, "name", "节点名称 1–100 字")
		}
		if _, err := policy.ParseDate(m.Due); err != nil {
			bad(i, "due", "完成日期 %q：YYYY-MM-DD", m.Due)
		} else if i > 0 && m.Due < ms[i-1].Due {
			bad(i, "due", "完成日期 %s 早于上一节点的 %s", m.Due, ms[i-1].Due)
		}
		if m.Release != 0 {
			if m.Release < 1 || m.Release >= n {
				bad(i, "release", "拨付计划共 %d 期：节点可控制第 2 至第 %d 期（填 1 至 %d），首期立项即拨", n, n, n-1)
			} else if j, dup := gate[m.Release]; dup {
				bad(i, "release", "第 %d 期已由第 %d 项节点控制", m.Release+1, j+1)
			} else {
				gate[m.Release] = i
			}
		}
	}
	if len(gate) > 0 {
		first := n
		for k := range gate {
			first = min(first, k)
		}
		for k := first; k < n; k++ {
			if _, ok := gate[k]; !ok {
				l = append(l, errs.At(errs.Pos{Path: "milestones"}, "第 %d 期受节点控制，其后的第 %d 期也须由节点控制：不得先于未通过的节点拨付", first+1, k+1))
			}
		}
		// An installment is released in plan order: the gates must come in
		// the order of the installments they hold.
		for k := first + 1; k < n; k++ {
			if gate[k] < gate[k-1] {
				l = append(l, errs.At(errs.Pos{Path: "milestones"}, "第 %d 期的节点排在第 %d 期的节点之前：按拨付顺序设置节点", k+1, k))
			}
		}
	}
	return l.Err()
}

// Held lists the installments a task book holds at the grant (their indexes).
func Held(ms []Milestone) []int {
	var out []int
	for _, m := range ms {
		if m.Release > 0 {
			out = append(out, m.Release)
		}
	}
	slices.Sort(out)
	return out
}

// Change is a change to a project in execution (项目变更), asked by the
// team and decided by the bureau: an extension (延期) of the acceptance
// date, a budget shift between categories (预算调剂) within the same total,
// or a change of the team (人员变更).
type Change struct {
	Kind     string     `json:"kind"` // extension, budget, team
	Text     string     `json:"text"` // the reason
	Due      string     `json:"due,omitempty"`
	Budget   *BidBudget `json:"budget,omitempty"`
	Team     []Member   `json:"team,omitempty"`
	By       string     `json:"by"`
	At       string     `json:"at"`
	State    string     `json:"state"` // pending, approved, refused
	Opinion  string     `json:"opinion,omitempty"`
	Decider  string     `json:"decider,omitempty"`
	Decided  string     `json:"decided,omitempty"`
	Replaced string     `json:"replaced,omitempty"` // what it replaced, for the record
}

// ChangeZh names a change kind in Chinese.
func ChangeZh(k string) string {
	return map[string]string{"extension": "延期", "budget": "预算调剂", "team": "人员变更"}[k]
}

// Accept is the 结题验收: the end user's acceptance of the result (验收用户
// 意见) — each technical indicator met or not, who signed for the end user,
// whether it accepts — and the financial acceptance (财务验收: the audit of
// the spending), which a project under 经费包干制 does not have (武威
// 四（一）5 “經費包干項目只進行技術驗收和績效驗收,不再進行財務驗收”).
type Accept struct {
	Met       []bool `json:"met"` // per Challenge.Indicators
	Signatory string `json:"signatory"`
	Agree     bool   `json:"agree"`
	Opinion   string `json:"opinion"`
	Financial bool   `json:"financial"`       // 财务验收通过
	Audit     string `json:"audit,omitempty"` // the financial acceptance's opinion (审计报告、经费决算)
	Passed    bool   `json:"passed"`
	By        string `json:"by"`
	At        string `json:"at"`
}

// Tolerance is a failed project's 容错 file: the case and its decision.
type Tolerance struct {
	Case     ToleranceCase     `json:"case"`
	Decision ToleranceDecision `json:"decision"`
	By       string            `json:"by"`
	At       string            `json:"at"`
}

// ExecAct is an act on a granted project.
type ExecAct struct {
	Act        string // report, check, accept, change, decide-change, stop, tolerance, fail
	Staff      bool   // the bureau of the challenge's region
	Team       bool   // the lead unit of the bid
	By         string
	Today      string
	Index      int    // report, check: the milestone; decide-change: the change
	Text       string // report text, opinion, reason
	Passed     bool   // check, decide-change (approve)
	Accept     Accept
	Change     Change
	To         string // stop: the continued bid the remaining funds go to ("" : back to the budget)
	Case       ToleranceCase
	Budget     func(BidBudget) error // decide-change (budget): the indirect-cost check of the new budget
	Indicators int                   // accept: how many indicators the challenge has
	Lump       bool                  // accept: the project is under 经费包干制 (no financial acceptance)
}

// Effect is what an act does to the money and the record: installments
// released, the unpaid rest cut (a stop's ExecAct.To says where it goes),
// a 失信 record made.
type Effect struct {
	Release []int // installment indexes released
	Cut     bool  // the unpaid installments are cut (终止拨付)
	Record  bool  // a 科研失信 record is made (misconduct found in a 容错 file)
}

// ApplyExec performs a on granted project g, or says why not; g changes only
// when the act is allowed.
func ApplyExec(g *Grant, a ExecAct) (Effect, error) {
	var ef Effect
	text := strings.TrimSpace(a.Text)
	if utf8.RuneCountInString(text) > 4000 {
		return ef, errs.E(errs.Invalid, "文字不超过4000字")
	}
	if g.State.Final() {
		return ef, errs.E(errs.Conflict, "项目已%s，不再办理", g.State.Zh())
	}
	staff := func() error {
		if !a.Staff {
			return errs.E(errs.Permission, "此操作由项目主管部门（榜单所在辖区科技部门）办理")
		}
		return nil
	}
	milestone := func() (*Milestone, error) {
		if a.Index < 0 || a.Index >= len(g.Milestones) {
			return nil, errs.At(errs.Pos{Path: "milestone"}, "任务书没有第 %d 项节点", a.Index+1)
		}
		return &g.Milestones[a.Index], nil
	}
	switch a.Act {
	case "report":
		if !a.Team && !a.Staff {
			return ef, errs.E(errs.Permission, "进展报告由揭榜单位提交")
		}
		m, err := milestone()
		if err != nil {
			return ef, err
		}
		if m.Result == "passed" {
			return ef, errs.E(errs.Conflict, "“%s”已通过，不再提交报告", m.Name)
		}
		if text == "" {
			return ef, errs.At(errs.Pos{Path: "report"}, "请填写报告内容：完成了哪些任务、指标达到多少、经费使用情况")
		}
		m.Report, m.Reported, m.Result = text, a.Today, ""
	case "check":
		if err := staff(); err != nil {
			return ef, err
		}
		m, err := milestone()
		if err != nil {
			return ef, err
		}
		if m.Kind == Acceptance {
			return ef, errs.E(errs.Invalid, "结题验收由验收用户出具意见：请用“结题验收”办理")
		}
		if m.Result == "passed" {
			return ef, errs.E(errs.Conflict, "“%s”已通过", m.Name)
		}
		if m.Report == "" {
			return ef, errs.E(errs.Conflict, "“%s”尚无进展报告：揭榜单位提交后方可检查", m.Name)
		}
		for i := range a.Index {
			if p := g.Milestones[i]; p.Result != "passed" {
				return ef, errs.E(errs.Conflict, "前一节点“%s”尚未通过", p.Name)
			}
		}
		if text == "" {
			return ef, errs.At(errs.Pos{Path: "opinion"}, "写明检查意见")
		}
		m.Result, m.Opinion, m.By, m.At = "failed", text, a.By, a.Today
		if a.Passed {
			m.Result = "passed"
			if m.Release > 0 {
				ef.Release = []int{m.Release}
			}
		}
	case "accept":
		if err := staff(); err != nil {
			return ef, err
		}
		m := &g.Milestones[len(g.Milestones)-1]
		for _, p := range g.Milestones[:len(g.Milestones)-1] {
			if p.Result != "passed" {
				return ef, errs.E(errs.Conflict, "“%s”尚未通过：各节点通过后方可结题验收", p.Name)
			}
		}
		if m.Report == "" {
			return ef, errs.E(errs.Conflict, "尚无结题报告：揭榜单位提交后方可验收")
		}
		ac := a.Accept
		if len(ac.Met) != a.Indicators {
			return ef, errs.At(errs.Pos{Path: "met"}, "榜单有 %d 项技术指标，逐项写明是否达到（给了 %d 项）", a.Indicators, len(ac.Met))
		}
		if strings.TrimSpace(ac.Signatory) == "" {
			return ef, errs.At(errs.Pos{Path: "signatory"}, "写明验收用户的签署人")
		}
		if strings.TrimSpace(ac.Opinion) == "" {
			return ef, errs.At(errs.Pos{Path: "opinion"}, "写明验收意见")
		}
		switch {
		case a.Lump && (ac.Financial || strings.TrimSpace(ac.Audit) != ""):
			return ef, errs.At(errs.Pos{Path: "audit"}, "经费包干项目只进行技术验收和绩效验收，不再进行财务验收（武威 四（一）5）")
		case !a.Lump && strings.TrimSpace(ac.Audit) == "":
			return ef, errs.At(errs.Pos{Path: "audit"}, "写明财务验收意见（经费决算、审计报告）")
		}
		ac.Passed = ac.Agree && !slices.Contains(ac.Met, false) && (a.Lump || ac.Financial)
		ac.By, ac.At = a.By, a.Today
		g.Accepted = &ac
		m.Result, m.Opinion, m.By, m.At = "failed", ac.Opinion, a.By, a.Today
		if ac.Passed {
			m.Result = "passed"
			g.State = Accepted
			if m.Release > 0 {
				ef.Release = []int{m.Release}
			}
		}
	case "change":
		if !a.Team {
			return ef, errs.E(errs.Permission, "项目变更由揭榜单位申请")
		}
		ch := a.Change
		if slices.ContainsFunc(g.Changes, func(c Change) bool { return c.State == "pending" }) {
			return ef, errs.E(errs.Conflict, "已有一项变更申请待审核")
		}
		if strings.TrimSpace(ch.Text) == "" {
			return ef, errs.At(errs.Pos{Path: "reason"}, "写明变更理由")
		}
		switch ch.Kind {
		case "extension":
			last := g.Milestones[len(g.Milestones)-1]
			if _, err := policy.ParseDate(ch.Due); err != nil {
				return ef, errs.At(errs.Pos{Path: "due"}, "延期至 %q：YYYY-MM-DD", ch.Due)
			}
			if ch.Due <= last.Due {
				return ef, errs.At(errs.Pos{Path: "due"}, "延期至 %s 不晚于现在的结题日期 %s", ch.Due, last.Due)
			}
		case "budget":
			if ch.Budget == nil {
				return ef, errs.At(errs.Pos{Path: "budget"}, "给出调剂后的预算")
			}
			if ch.Budget.Total() != g.Budget.Total() {
				return ef, errs.At(errs.Pos{Path: "budget"}, "预算调剂不改变总额：调剂后 %s，原为 %s", ch.Budget.Total(), g.Budget.Total())
			}
		case "team":
			if len(ch.Team) == 0 || !slices.ContainsFunc(ch.Team, func(m Member) bool { return m.Role == "lead" }) {
				return ef, errs.At(errs.Pos{Path: "team"}, "变更后的团队须有一名揭榜负责人")
			}
		default:
			return ef, errs.At(errs.Pos{Path: "kind"}, "变更类型 %q：extension（延期）、budget（预算调剂）或 team（人员变更）", ch.Kind)
		}
		ch.By, ch.At, ch.State, ch.Opinion, ch.Decider, ch.Decided = a.By, a.Today, "pending", "", "", ""
		g.Changes = append(g.Changes, ch)
	case "decide-change":
		if err := staff(); err != nil {
			return ef, err
		}
		if a.Index < 0 || a.Index >= len(g.Changes) || g.Changes[a.Index].State != "pending" {
			return ef, errs.E(errs.Conflict, "没有待审核的第 %d 项变更", a.Index+1)
		}
		if text == "" {
			return ef, errs.At(errs.Pos{Path: "opinion"}, "写明审核意见")
		}
		ch := &g.Changes[a.Index]
		if a.Passed {
			switch ch.Kind {
			case "extension":
				last := &g.Milestones[len(g.Milestones)-1]
				ch.Replaced = last.Due
				last.Due = ch.Due
			case "budget":
				if a.Budget != nil {
					if err := a.Budget(*ch.Budget); err != nil {
						return ef, err
					}
				}
				ch.Replaced = budgetText(g.Budget)
				g.Budget = *ch.Budget
			case "team":
				ch.Replaced = teamText(g.Team)
				g.Team = slices.Clone(ch.Team)
			}
			ch.State = "approved"
		} else {
			ch.State = "refused"
		}
		ch.Opinion, ch.Decider, ch.Decided = text, a.By, a.Today
	case "stop":
		if err := staff(); err != nil {
			return ef, err
		}
		if text == "" {
			return ef, errs.At(errs.Pos{Path: "reason"}, "写明终止支持的理由（节点考核结果、赛马比较意见）")
		}
		if a.To == g.Bid {
			return ef, errs.At(errs.Pos{Path: "to"}, "剩余资金不能转给被终止的团队本身")
		}
		g.State, g.Closed, g.Close = Stopped, a.Today, text
		ef.Cut = true
	case "tolerance":
		if err := staff(); err != nil {
			return ef, err
		}
		if g.Accepted == nil || g.Accepted.Passed {
			return ef, errs.E(errs.Conflict, "容错适用于未实现预期目标的项目：先结题验收，验收未通过后办理")
		}
		c := a.Case
		c.Project = g.Bid
		d := DecideTolerance(c)
		g.Tolerance = &Tolerance{Case: c, Decision: d, By: a.By, At: a.Today}
		g.Closed, g.Close = a.Today, text
		g.State = Failed
		if d.Granted {
			g.State = Tolerated
		}
		ef.Cut, ef.Record = true, d.Record
	case "fail":
		if err := staff(); err != nil {
			return ef, err
		}
		if g.Accepted == nil || g.Accepted.Passed {
			return ef, errs.E(errs.Conflict, "结题验收未通过后方可按一般程序结题")
		}
		if text == "" {
			return ef, errs.At(errs.Pos{Path: "reason"}, "写明结题意见")
		}
		g.State, g.Closed, g.Close = Failed, a.Today, text
		ef.Cut = true
	default:
		return ef, errs.E(errs.Invalid, "项目执行没有“%s”这项操作", a.Act)
	}
	return ef, nil
}

func budgetText(b BidBudget) string {
	keys := make([]string, 0, len(b.Categories))
	for k := range b.Categories {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys)+1)
	for _, k := range keys {
		parts = append(parts, k+" "+b.Categories[k].String())
	}
	parts = append(parts, "间接费用 "+b.Indirect.String())
	return strings.Join(parts, "；")
}

func teamText(t []Member) string {
	parts := make([]string, len(t))
	for i, m := range t {
		parts[i] = fmt.Sprintf("%s（%d岁，%s）", m.Name, m.Age, m.Title)
	}
	return strings.Join(parts, "、")
}

// LeadPerson is the project's lead researcher (揭榜负责人) as the team now stands.
func (g *Grant) LeadPerson() (Member, bool) {
	i := slices.IndexFunc(g.Team, func(m Member) bool { return m.Role == "lead" })
	if i < 0 {
		return Member{}, false
	}
	return g.Team[i], true
}

// ParseMilestones reads a task book typed one milestone a line:
//
//	类型｜名称｜完成日期｜控制第几期
//	中期评估｜中试线建成｜2026-06-30｜第2期
//
// The type is 考核节点, 中期评估 or 结题验收 (or node, midterm,
// acceptance); the last column, which may be left out, names the
// installment the milestone holds (2 or 第2期). "|" and "｜" both separate.
// Errors say the line and the column.
func ParseMilestones(text string) ([]Milestone, error) {
	kinds := map[string]string{"考核节点": Node, "节点": Node, "node": Node, "中期评估": MidTerm, "midterm": MidTerm, "结题验收": Acceptance, "验收": Acceptance, "acceptance": Acceptance}
	var out []Milestone
	var l errs.List
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		at := func(col int, format string, args ...any) {
			l = append(l, errs.At(errs.Pos{Path: "milestones", Line: n + 1, Col: col}, format, args...))
		}
		cols := strings.Split(strings.ReplaceAll(line, "｜", "|"), "|")
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		if len(cols) < 3 || len(cols) > 4 {
			at(1, "每行写“类型｜名称｜完成日期｜控制第几期”，这一行有 %d 栏", len(cols))
			continue
		}
		m := Milestone{Kind: kinds[strings.ToLower(cols[0])], Name: cols[1], Due: cols[2]}
		if m.Kind == "" {
			at(1, "类型 %q：考核节点、中期评估或结题验收", cols[0])
		}
		if len(cols) == 4 && cols[3] != "" {
			v := strings.TrimSuffix(strings.TrimPrefix(cols[3], "第"), "期")
			k, err := strconv.Atoi(v)
			if err != nil || k < 2 || k > 10 {
				at(4, "控制第几期 %q：写 2 至 10（第2期）；首期立项即拨", cols[3])
			} else {
				m.Release = k - 1
			}
		}
		out = append(out, m)
	}
	if err := l.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// MilestonesText writes a task book back in the form ParseMilestones reads.
func MilestonesText(ms []Milestone) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s｜%s｜%s", KindZh(m.Kind), m.Name, m.Due)
		if m.Release > 0 {
			fmt.Fprintf(&b, "｜第%d期", m.Release+1)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Public is what anyone may read of a granted project (the 立项 result and
// how it stands): not the team's people, the reasons, reports or files.
func (g Grant) Public() Grant {
	return Grant{Bid: g.Bid, Lead: g.Lead, Name: g.Name, Fen: g.Fen, Shares: g.Shares, Plan: g.Plan, At: g.At, State: g.State, Closed: g.Closed}
}
