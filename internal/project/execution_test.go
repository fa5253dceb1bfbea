package project

import (
	"strings"
	"testing"

	"kechuang/internal/money"
)

func taskBook() []Milestone {
	return []Milestone{
		{Kind: Node, Name: "小试", Due: "2025-12-31"},
		{Kind: MidTerm, Name: "中期评估", Due: "2026-06-30", Release: 1},
		{Kind: Acceptance, Name: "结题验收", Due: "2027-06-30", Release: 2},
	}
}

func TestCheckMilestones(t *testing.T) {
	tests := []struct {
		name string
		edit func(ms []Milestone) []Milestone
		n    int
		want string // "" ok, else part of the error
	}{
		{"task book", func(ms []Milestone) []Milestone { return ms }, 3, ""},
		{"no gates", func(ms []Milestone) []Milestone { ms[1].Release, ms[2].Release = 0, 0; return ms }, 3, ""},
		{"last gated only", func(ms []Milestone) []Milestone { ms[1].Release = 0; return ms }, 3, ""},
		{"first installment", func(ms []Milestone) []Milestone { ms[1].Release = 0; ms[0].Release = 0; ms[2].Release = 3; return ms }, 3, "第 2 至第 3 期"},
		{"gap", func(ms []Milestone) []Milestone { ms[2].Release = 0; return ms }, 3, "其后的第 3 期也须由节点控制"},
		{"twice", func(ms []Milestone) []Milestone { ms[2].Release = 1; return ms }, 3, "第 2 期已由第 2 项节点控制"},
		{"out of order", func(ms []Milestone) []Milestone { ms[1].Release, ms[2].Release = 2, 1; return ms }, 3, "按拨付顺序"},
		{"no acceptance", func(ms []Milestone) []Milestone { return ms[:2] }, 3, "最后一项须为结题验收"},
		{"two midterms", func(ms []Milestone) []Milestone { ms[0].Kind = MidTerm; return ms }, 3, "至多一次中期评估"},
		{"dates back", func(ms []Milestone) []Milestone { ms[1].Due = "2025-01-01"; return ms }, 3, "早于上一节点"},
		{"bad date", func(ms []Milestone) []Milestone { ms[0].Due = "2025-13-01"; return ms }, 3, "milestones[0].due"},
		{"kind", func(ms []Milestone) []Milestone { ms[0].Kind = "x"; return ms }, 3, "节点类型"},
		{"one installment", func(ms []Milestone) []Milestone { ms[1].Release, ms[2].Release = 0, 0; return ms }, 1, ""},
		{"gate on a one-year plan", func(ms []Milestone) []Milestone { ms[1].Release = 0; ms[2].Release = 1; return ms }, 1, "拨付计划共 1 期"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckMilestones(tt.edit(taskBook()), tt.n)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
	if got := Held(taskBook()); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Errorf("Held = %v, want [1 2]", got)
	}
}

func granted() *Grant {
	return &Grant{Bid: "b1", Fen: 80 * money.Wan, State: Executing, Milestones: taskBook(),
		Team:   []Member{{Name: "李青", Age: 38, Title: "高级工程师", Role: "lead"}},
		Budget: BidBudget{Categories: map[string]money.Fen{"设备费": 200 * money.Wan, "材料费": 200 * money.Wan}, Equipment: "设备费", Indirect: 50 * money.Wan}}
}

// TestExecution walks a project through its task book: a check needs the
// report, the gate's pass releases its installment, acceptance needs every
// node passed and each indicator, and a closed project takes no more acts.
func TestExecution(t *testing.T) {
	g := granted()
	staff := func(a ExecAct) ExecAct { a.Staff, a.By, a.Today = true, "staff", "2026-01-10"; return a }
	team := func(a ExecAct) ExecAct { a.Team, a.By, a.Today = true, "lead", "2026-01-05"; return a }
	steps := []struct {
		name string
		act  ExecAct
		want string
		ef   Effect
	}{
		{"check before report", staff(ExecAct{Act: "check", Index: 0, Passed: true, Text: "ok"}), "尚无进展报告", Effect{}},
		{"outsider report", ExecAct{Act: "report", Index: 0, Text: "x"}, "由揭榜单位提交", Effect{}},
		{"report", team(ExecAct{Act: "report", Index: 0, Text: "小试完成，收率 92%"}), "", Effect{}},
		{"team cannot check", team(ExecAct{Act: "check", Index: 0, Passed: true, Text: "ok"}), "项目主管部门", Effect{}},
		{"check out of order", staff(ExecAct{Act: "check", Index: 1, Passed: true, Text: "ok"}), "尚无进展报告", Effect{}},
		{"no opinion", staff(ExecAct{Act: "check", Index: 0, Passed: true}), "写明检查意见", Effect{}},
		{"node passes, nothing held", staff(ExecAct{Act: "check", Index: 0, Passed: true, Text: "达到节点要求"}), "", Effect{}},
		{"midterm report", team(ExecAct{Act: "report", Index: 1, Text: "中试完成"}), "", Effect{}},
		{"midterm fails", staff(ExecAct{Act: "check", Index: 1, Passed: false, Text: "产能未达标"}), "", Effect{}},
		{"report again", team(ExecAct{Act: "report", Index: 1, Text: "整改后产能达标"}), "", Effect{}},
		{"midterm passes, releases the 2nd", staff(ExecAct{Act: "check", Index: 1, Passed: true, Text: "整改到位"}), "", Effect{Release: []int{1}}},
		{"accept without report", staff(ExecAct{Act: "accept", Accept: Accept{Met: []bool{true, true}, Signatory: "王总", Agree: true, Opinion: "同意"}, Indicators: 2}), "尚无结题报告", Effect{}},
		{"final report", team(ExecAct{Act: "report", Index: 2, Text: "全部指标完成"}), "", Effect{}},
		{"indicators counted", staff(ExecAct{Act: "accept", Accept: Accept{Met: []bool{true}, Signatory: "王总", Agree: true, Opinion: "同意"}, Indicators: 2}), "有 2 项技术指标", Effect{}},
		{"no financial acceptance", staff(ExecAct{Act: "accept", Accept: Accept{Met: []bool{true, true}, Signatory: "王总", Agree: true, Opinion: "同意验收"}, Indicators: 2}), "财务验收意见", Effect{}},
		{"financial acceptance failed", staff(ExecAct{Act: "accept", Accept: Accept{Met: []bool{true, true}, Signatory: "王总", Agree: true, Opinion: "同意验收", Audit: "审计发现超支"}, Indicators: 2}), "", Effect{}},
		{"accepted, releases the 3rd", staff(ExecAct{Act: "accept", Accept: Accept{Met: []bool{true, true}, Signatory: "王总", Agree: true, Opinion: "同意验收", Financial: true, Audit: "审计报告无异议"}, Indicators: 2}), "", Effect{Release: []int{2}}},
		{"closed", staff(ExecAct{Act: "stop", Text: "x"}), "已通过验收", Effect{}},
	}
	for _, s := range steps {
		ef, err := ApplyExec(g, s.act)
		if s.want == "" && err != nil || s.want != "" && (err == nil || !strings.Contains(err.Error(), s.want)) {
			t.Fatalf("%s: error %v, want %q", s.name, err, s.want)
		}
		if len(ef.Release) != len(s.ef.Release) || len(ef.Release) > 0 && ef.Release[0] != s.ef.Release[0] || ef.Cut != s.ef.Cut {
			t.Fatalf("%s: effect %+v, want %+v", s.name, ef, s.ef)
		}
	}
	if g.State != Accepted || g.Accepted == nil || !g.Accepted.Passed || g.Milestones[2].Result != "passed" {
		t.Errorf("after acceptance: state %s, accepted %+v", g.State, g.Accepted)
	}
}

// TestAcceptanceFails: an indicator not met or the end user not agreeing
// fails the acceptance; the project then closes under 容错 (granted: no
// 失信 record) or by the ordinary procedure, its unpaid installments cut.
func TestAcceptanceFails(t *testing.T) {
	ready := func() *Grant {
		g := granted()
		for i := range g.Milestones[:2] {
			g.Milestones[i].Report, g.Milestones[i].Result = "done", "passed"
		}
		g.Milestones[2].Report = "结题报告"
		return g
	}
	staff := ExecAct{Staff: true, By: "staff", Today: "2027-07-01", Indicators: 2}
	tests := []struct {
		name  string
		acc   Accept
		close ExecAct
		state ExecState
		rec   bool
	}{
		{"indicator missed, 容错 granted", Accept{Met: []bool{true, false}, Signatory: "王总", Agree: true, Opinion: "纯度未达到", Financial: true, Audit: "无异议"},
			ExecAct{Act: "tolerance", Text: "技术路线", Case: ToleranceCase{Level: "city", ProcedureComplete: true, Cause: "route", Diligence: []string{"实验记录"}, Reviews: []ToleranceReview{{Method: "peer", Confirm: true, By: "同行专家组"}}}},
			Tolerated, false},
		{"end user refuses, 容错 refused for misconduct", Accept{Met: []bool{true, true}, Signatory: "王总", Agree: false, Opinion: "不同意", Financial: true, Audit: "无异议"},
			ExecAct{Act: "tolerance", Case: ToleranceCase{Level: "city", ProcedureComplete: true, Cause: "route", Diligence: []string{"x"}, Reviews: []ToleranceReview{{Method: "peer", Confirm: true}}, Misconduct: true}},
			Failed, true},
		{"ordinary closure", Accept{Met: []bool{false, false}, Signatory: "王总", Opinion: "未达到", Audit: "经费决算"},
			ExecAct{Act: "fail", Text: "指标均未达到"}, Failed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := ready()
			a := staff
			a.Act, a.Accept = "accept", tt.acc
			if ef, err := ApplyExec(g, a); err != nil || len(ef.Release) > 0 {
				t.Fatalf("accept: %+v %v", ef, err)
			}
			if g.Accepted.Passed || g.State != Executing {
				t.Fatalf("acceptance should fail: %+v, %s", g.Accepted, g.State)
			}
			c := tt.close
			c.Staff, c.By, c.Today, c.Indicators = true, "staff", "2027-07-10", 2
			ef, err := ApplyExec(g, c)
			if err != nil {
				t.Fatal(err)
			}
			if g.State != tt.state || !ef.Cut || ef.Record != tt.rec || g.Closed != "2027-07-10" {
				t.Errorf("state %s effect %+v closed %q, want %s record %v", g.State, ef, g.Closed, tt.state, tt.rec)
			}
		})
	}
	// 经费包干制: accepted on the indicators and the end user alone; a
	// financial acceptance is refused naming the sentence.
	g := ready()
	lump := ExecAct{Act: "accept", Staff: true, Lump: true, Indicators: 2, Accept: Accept{Met: []bool{true, true}, Signatory: "王总", Agree: true, Opinion: "同意"}}
	bad := lump
	bad.Accept.Audit = "审计报告"
	if _, err := ApplyExec(g, bad); err == nil || !strings.Contains(err.Error(), "不再进行财务验收") {
		t.Errorf("a financial acceptance of a 包干 project: %v", err)
	}
	if ef, err := ApplyExec(g, lump); err != nil || !g.Accepted.Passed || len(ef.Release) != 1 {
		t.Errorf("a 包干 project accepted without one: %+v %v", g.Accepted, err)
	}
	// 容错 before a failed acceptance is refused.
	g = ready()
	if _, err := ApplyExec(g, ExecAct{Act: "tolerance", Staff: true}); err == nil || !strings.Contains(err.Error(), "验收未通过后办理") {
		t.Errorf("tolerance before acceptance: %v", err)
	}
}

func TestChanges(t *testing.T) {
	g := granted()
	team := func(c Change) ExecAct {
		return ExecAct{Act: "change", Team: true, By: "lead", Today: "2026-03-01", Change: c}
	}
	decide := func(i int, ok bool) ExecAct {
		return ExecAct{Act: "decide-change", Staff: true, By: "staff", Today: "2026-03-05", Index: i, Passed: ok, Text: "同意"}
	}
	shifted := BidBudget{Categories: map[string]money.Fen{"设备费": 150 * money.Wan, "材料费": 250 * money.Wan}, Equipment: "设备费", Indirect: 50 * money.Wan}
	steps := []struct {
		name string
		act  ExecAct
		want string
	}{
		{"no reason", team(Change{Kind: "extension", Due: "2027-12-31"}), "写明变更理由"},
		{"not later", team(Change{Kind: "extension", Due: "2027-06-30", Text: "设备到货延迟"}), "不晚于现在的结题日期"},
		{"extension", team(Change{Kind: "extension", Due: "2027-12-31", Text: "设备到货延迟"}), ""},
		{"one pending at a time", team(Change{Kind: "team", Team: g.Team, Text: "x"}), "待审核"},
		{"staff cannot ask", ExecAct{Act: "change", Staff: true, Change: Change{Kind: "team"}}, "由揭榜单位申请"},
		{"approve", decide(0, true), ""},
		{"budget total changes", team(Change{Kind: "budget", Budget: &BidBudget{Categories: map[string]money.Fen{"设备费": 1}}, Text: "调剂"}), "不改变总额"},
		{"budget", team(Change{Kind: "budget", Budget: &shifted, Text: "材料涨价"}), ""},
		{"approve budget", decide(1, true), ""},
		{"team without lead", team(Change{Kind: "team", Team: []Member{{Name: "赵", Role: "member"}}, Text: "调离"}), "揭榜负责人"},
		{"team", team(Change{Kind: "team", Team: []Member{{Name: "周明", Age: 41, Title: "研究员", Role: "lead"}}, Text: "原负责人调离"}), ""},
		{"refuse", decide(2, false), ""},
		{"decided already", decide(2, true), "没有待审核"},
	}
	for _, s := range steps {
		_, err := ApplyExec(g, s.act)
		if s.want == "" && err != nil || s.want != "" && (err == nil || !strings.Contains(err.Error(), s.want)) {
			t.Fatalf("%s: error %v, want %q", s.name, err, s.want)
		}
	}
	if g.Milestones[2].Due != "2027-12-31" || g.Changes[0].Replaced != "2027-06-30" {
		t.Errorf("extension: due %s, replaced %q", g.Milestones[2].Due, g.Changes[0].Replaced)
	}
	if g.Budget.Categories["材料费"] != 250*money.Wan || !strings.Contains(g.Changes[1].Replaced, "材料费 200万元") {
		t.Errorf("budget: %v, replaced %q", g.Budget.Categories, g.Changes[1].Replaced)
	}
	if l, _ := g.LeadPerson(); l.Name != "李青" || g.Changes[2].State != "refused" {
		t.Errorf("refused team change applied: lead %s, state %s", l.Name, g.Changes[2].State)
	}
}

func TestParseMilestones(t *testing.T) {
	tests := []struct {
		text string
		want []Milestone
		err  string
	}{
		{"考核节点｜小试完成｜2025-12-31\n中期评估|中试线建成|2026-06-30|第2期\n\n结题验收｜交付验收｜2027-06-30｜3\n",
			[]Milestone{{Kind: Node, Name: "小试完成", Due: "2025-12-31"}, {Kind: MidTerm, Name: "中试线建成", Due: "2026-06-30", Release: 1}, {Kind: Acceptance, Name: "交付验收", Due: "2027-06-30", Release: 2}}, ""},
		{"acceptance|done|2027-06-30|", []Milestone{{Kind: Acceptance, Name: "done", Due: "2027-06-30"}}, ""},
		{"结题验收｜交付", nil, "1:1: milestones"},
		{"验收｜a｜2027-01-01\n里程碑｜b｜2027-01-02", nil, "2:1: milestones"},
		{"验收｜a｜2027-01-01｜第1期", nil, "1:4: milestones"},
		{"验收｜a｜2027-01-01｜二", nil, "首期立项即拨"},
	}
	for _, tt := range tests {
		got, err := ParseMilestones(tt.text)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseMilestones(%q) error %v, want %q", tt.text, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Fatalf("ParseMilestones(%q) = %+v, %v", tt.text, got, err)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("line %d: %+v, want %+v", i+1, got[i], tt.want[i])
			}
		}
	}
}

// FuzzMilestones: the task book parser never panics, and what it accepts
// reads back the same from its own text.
func FuzzMilestones(f *testing.F) {
	f.Add("考核节点｜小试完成｜2025-12-31\n中期评估|中试线建成|2026-06-30|第2期\n结题验收｜交付验收｜2027-06-30｜3")
	f.Add("验收｜a｜2027-01-01｜第1期")
	f.Add("||||\n|")
	f.Fuzz(func(t *testing.T, text string) {
		ms, err := ParseMilestones(text)
		if err != nil {
			return
		}
		again, err := ParseMilestones(MilestonesText(ms))
		if err != nil {
			t.Fatalf("own text refused: %v\n%s", err, MilestonesText(ms))
		}
		if len(again) != len(ms) {
			t.Fatalf("round trip: %d milestones, then %d", len(ms), len(again))
		}
		for i := range ms {
			if again[i] != ms[i] {
				t.Fatalf("round trip line %d: %+v, then %+v", i+1, ms[i], again[i])
			}
		}
	})
}
