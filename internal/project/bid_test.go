package project

import (
	"strings"
	"testing"

	"kechuang/internal/money"
	"kechuang/internal/rules"
	"kechuang/internal/rules/rulestest"
)

func aBid() *Bid {
	return &Bid{ID: "b1", Challenge: 1, Lead: "u1", Region: "620602", Partners: []string{"u2"},
		Team:      []Member{{Person: "p1", Name: "张工", Age: 38, Title: "高级工程师", Role: "lead"}, {Person: "p2", Name: "李博士", Age: 52, Title: "研究员", Role: "member"}},
		Budget:    BidBudget{Categories: map[string]money.Fen{"设备费": wan(100), "材料费": wan(200), "劳务费": wan(100)}, Equipment: "设备费", Indirect: wan(90)},
		Documents: []string{"实施方案", "承诺书"}}
}

// TestCheckSubmission: a bid to a published 武威 challenge of 500万元 —
// direct 400万元 (equipment 100万元), indirect 90万元 under the 90万元
// ceiling (30% of 300万元), total 490万元 — is short of the total; the
// problems are named, the ceiling and the award computed.
func TestCheckSubmission(t *testing.T) {
	eng := rulestest.Library(t)
	c := draft()
	c.State, c.Deadline = Published, "2025-06-30"
	b := aBid()
	s := CheckSubmission(eng, &c, b, "2025-03-03", "ww-indirect-cost-limit", []string{"实施方案", "承诺书"})
	if len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Error(), "低于榜单要求的科技投入总额") {
		t.Fatalf("problems %v, want the total only", s.Problems)
	}
	if s.Indirect == nil || !s.Indirect.OK || s.Indirect.Ceiling.Interval.Max != wan(90) {
		t.Errorf("indirect: %+v", s.Indirect)
	}
	if s.Award == nil || s.Award.Outcome != rules.Entitled || s.Award.Interval.Min != wan(49) || s.Award.Interval.Max != wan(98) {
		t.Errorf("award on 490万元: %+v", s.Award)
	}
	b.Budget.Categories["材料费"] = wan(210) // total 500万元; the ceiling rises to 93万元
	if s := CheckSubmission(eng, &c, b, "2025-03-03", "ww-indirect-cost-limit", []string{"实施方案", "承诺书"}); len(s.Problems) != 0 {
		t.Errorf("a complete bid: %v", s.Problems)
	}
	b.Budget.Indirect = wan(93) + 1
	if s := CheckSubmission(eng, &c, b, "2025-03-03", "ww-indirect-cost-limit", nil); len(s.Problems) != 1 || !strings.Contains(s.Problems[0].Error(), "超出 0.01元") {
		t.Errorf("one fen over the ceiling: %v", s.Problems)
	}
	b.Team[1].Role = "lead"
	b.Documents = []string{"实施方案"}
	if s := CheckSubmission(eng, &c, b, "2025-07-01", "", []string{"实施方案", "承诺书"}); len(s.Problems) != 3 {
		t.Errorf("two leads, a missing attachment, past the deadline: %v", s.Problems)
	}
	if p := aBid().ForReview(); len(p.Units) != 2 || p.Units[0] != "u1" || len(p.People) != 2 {
		t.Errorf("parties: %+v", p)
	}
}
