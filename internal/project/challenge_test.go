package project

import (
	"reflect"
	"strings"
	"testing"

	"kechuang/internal/errs"
)

func draft() Challenge {
	return Challenge{Title: "高寒地区日光温室智能控温技术", Problem: "冬季夜间温度波动大", Indicators: []string{"夜间温差≤2℃", "能耗降低20%"},
		Total: wan(500), Deadline: "2026-12-31", EndUser: "武威某农业公司", Issuer: "市科技局", Region: "620600", Clause: "ww-challenge", State: Draft}
}

func TestChallengeLifecycle(t *testing.T) {
	staff := func(act, text string) ChallengeAct {
		return ChallengeAct{Act: act, By: "officer", Staff: true, Text: text, Today: "2026-12-04"}
	}
	for _, tc := range []struct {
		name string
		from func() Challenge
		act  ChallengeAct
		kind errs.Kind
		to   ChallengeState
	}{
		{"publish", draft, staff("publish", ""), 0, Published},
		{"an enterprise cannot publish", draft, ChallengeAct{Act: "publish", By: "firm", Today: "2026-12-04"}, errs.Permission, Draft},
		{"publish without indicators", func() Challenge { c := draft(); c.Indicators = nil; return c }, staff("publish", ""), errs.Invalid, Draft},
		{"publish after the deadline", func() Challenge { c := draft(); c.Deadline = "2026-12-03"; return c }, staff("publish", ""), errs.Invalid, Draft},
		{"ask", func() Challenge { c := draft(); c.State = Published; return c }, ChallengeAct{Act: "ask", By: "firm", Text: "是否接受联合揭榜？", Today: "2026-12-05"}, 0, Published},
		{"ask a draft", draft, ChallengeAct{Act: "ask", By: "firm", Text: "?", Today: "2026-12-05"}, errs.Conflict, Draft},
		{"answer a question that is not there", func() Challenge { c := draft(); c.State = Published; return c }, staff("answer", "可以"), errs.Invalid, Published},
		{"withdraw needs a reason", func() Challenge { c := draft(); c.State = Published; return c }, staff("withdraw", ""), errs.Invalid, Published},
		{"withdraw", func() Challenge { c := draft(); c.State = Published; return c }, staff("withdraw", "需求方已自行解决"), 0, Withdrawn},
		{"close before the deadline", func() Challenge { c := draft(); c.State = Published; return c }, staff("close", ""), errs.Conflict, Published},
		{"close after the deadline", func() Challenge { c := draft(); c.State = Published; c.Deadline = "2026-12-01"; return c }, staff("close", ""), 0, Closed},
	} {
		c := tc.from()
		before := tc.from()
		err := ApplyChallenge(&c, tc.act)
		if tc.kind != 0 {
			if errs.KindOf(err) != tc.kind || !reflect.DeepEqual(c, before) {
				t.Errorf("%s: %v (kind %v), changed %v", tc.name, err, errs.KindOf(err), !reflect.DeepEqual(c, before))
			}
			continue
		}
		if err != nil || c.State != tc.to {
			t.Errorf("%s: %v, state %s", tc.name, err, c.State)
		}
	}
	c := draft()
	c.State = Published
	if err := ApplyChallenge(&c, ChallengeAct{Act: "ask", By: "firm", Text: "是否接受联合揭榜？", Today: "2026-12-05"}); err != nil {
		t.Fatal(err)
	}
	if err := ApplyChallenge(&c, ChallengeAct{Act: "answer", By: "officer", Staff: true, Text: "接受，牵头单位须在本市注册", Index: 0, Today: "2026-12-06"}); err != nil {
		t.Fatal(err)
	}
	if q := c.QA[0]; q.Answer == "" || q.AnsweredBy != "officer" || q.Answered != "2026-12-06" {
		t.Errorf("the answer: %+v", q)
	}
}

// TestLumpOnlyForCalls: 经费包干制 (武威 四（一）5) is for calls of 自然科学基金、
// 青年科技基金项目和软科学项目, not a 揭榜挂帅 challenge.
func TestLumpOnlyForCalls(t *testing.T) {
	c := draft()
	c.Lump = true
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "lump") {
		t.Errorf("a 包干 challenge: %v", err)
	}
	c.Kind = "call"
	if err := c.Validate(); err != nil {
		t.Errorf("a 包干 call: %v", err)
	}
}
