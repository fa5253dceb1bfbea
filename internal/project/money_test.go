package project

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/rules/rulestest"
)

func wan(n int64) money.Fen { return money.Fen(n * 1_000_000) }

func project(kind, region string, total, direct, equipment, indirect money.Fen) Project {
	d, _ := policy.ParseDate("2024-06-01")
	return Project{Kind: kind, Level: "city", Role: "lead", Date: d,
		Budget:  Budget{Total: total, Direct: direct, Equipment: equipment, Indirect: indirect},
		Subject: facts.Subject{ID: "u", Kind: "enterprise", Region: region}}
}

// TestChallengeAward: 武威 四（一）3 — a 揭榜挂帅 project totalling at least
// 300万元 gets 10%—20% of its total, at most 100万元 a project — at and
// around each bound, with the sentence it rests on.
func TestChallengeAward(t *testing.T) {
	eng := rulestest.Library(t)
	for _, tc := range []struct {
		name     string
		total    money.Fen
		outcome  rules.Outcome
		min, max money.Fen
	}{
		{"just under 300万元: not eligible", wan(300) - 1, rules.NotEntitled, 0, 0},
		{"exactly 300万元 (不低于: included)", wan(300), rules.Entitled, wan(30), wan(60)},
		{"500万元: 50万–100万元", wan(500), rules.Entitled, wan(50), wan(100)},
		{"500万元 and 1分: the top is capped at 100万元", wan(500) + 1, rules.Entitled, wan(50), wan(100)},
		{"1000万元: 100万元 at both ends", wan(1000), rules.Entitled, wan(100), wan(100)},
		{"3000万元: still 100万元", wan(3000), rules.Entitled, wan(100), wan(100)},
	} {
		a, err := Evaluate(eng, "ww-challenge", project("challenge", "620602", tc.total, 0, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if a.Outcome != tc.outcome || a.Interval.Min != tc.min || a.Interval.Max != tc.max {
			t.Errorf("%s: %s %s–%s, want %s %s–%s", tc.name, a.Outcome, a.Interval.Min, a.Interval.Max, tc.outcome, tc.min, tc.max)
		}
		if a.Section != "四（一）3" || !strings.Contains(a.Quote, "10%—20%") {
			t.Errorf("%s: cited %s %q", tc.name, a.Section, a.Quote)
		}
	}
	// 泰安 二（三）6: up to 500万元 a project, decided by the bureau
	ta := project("challenge", "370902", wan(2000), 0, 0, 0)
	ta.Date, _ = policy.ParseDate("2024-10-01") // after the document's 2024-08-15
	a, _ := Evaluate(eng, "ta24-challenge", ta)
	if a.Outcome != rules.Entitled || a.Interval.Min != 0 || a.Interval.Max != wan(500) {
		t.Errorf("泰安: %+v", a)
	}
	for _, tc := range []struct {
		chosen money.Fen
		ok     bool
	}{{wan(500), true}, {wan(500) + 1, false}, {0, true}, {-1, false}} {
		if err := Decide(a, tc.chosen); (err == nil) != tc.ok {
			t.Errorf("deciding %s of 0–500万元: %v", tc.chosen, err)
		}
	}
	// outside the jurisdiction the clause does not apply
	if a, _ := Evaluate(eng, "ww-challenge", project("challenge", "370902", wan(500), 0, 0, 0)); a.Outcome == rules.Entitled {
		t.Errorf("a 泰安 unit under 武威's clause: %+v", a)
	}
}

// TestIndirectCeiling: 武威 四（一）5 — indirect costs at most 30% of direct
// minus equipment up to 500万元, 25% of the part to 1000万元, 20% beyond;
// a budget at the ceiling passes, one fen over fails with the excess.
func TestIndirectCeiling(t *testing.T) {
	eng := rulestest.Library(t)
	for _, tc := range []struct {
		name              string
		direct, equipment money.Fen
		ceiling           money.Fen
	}{
		{"base exactly 500万元", wan(500), 0, wan(150)},
		{"base 500万元 + 1元", wan(500) + 100, 0, wan(150) + 25},
		{"base exactly 1000万元", wan(1100), wan(100), wan(150) + wan(125)},
		{"base 1000万元 + 1元", wan(1000) + 100, 0, wan(275) + 20},
		{"base 2000万元", wan(2500), wan(500), wan(275) + wan(200)},
	} {
		p := project("sti_plan", "620602", 0, tc.direct, tc.equipment, tc.ceiling)
		ch, err := CheckIndirect(eng, "ww-indirect-cost-limit", p)
		if err != nil {
			t.Fatal(err)
		}
		if !ch.OK || ch.Ceiling.Interval.Max != tc.ceiling || ch.Ceiling.Section != "四（一）5" {
			t.Errorf("%s: ceiling %s (ok %v), want %s", tc.name, ch.Ceiling.Interval.Max, ch.OK, tc.ceiling)
		}
		p.Budget.Indirect++
		if ch, _ := CheckIndirect(eng, "ww-indirect-cost-limit", p); ch.OK || ch.Excess != 1 {
			t.Errorf("%s: one fen over passed: %+v", tc.name, ch)
		}
	}
	bad := project("sti_plan", "620602", 0, wan(100), wan(200), 0)
	if _, err := CheckIndirect(eng, "ww-indirect-cost-limit", bad); err == nil || !strings.Contains(err.Error(), "设备费") {
		t.Errorf("equipment above direct costs: %v", err)
	}
}

func TestStage(t *testing.T) {
	got, err := Stage(wan(500), 2024, []int64{4, 3, 3})
	if err != nil || len(got) != 3 || got[0].Fen != wan(200) || got[1].Fen != wan(150) || got[2] != (Installment{2026, wan(150)}) {
		t.Errorf("500万元 at 40/30/30: %+v %v", got, err)
	}
	// 1元 (100 fen) in three equal shares: 34, 33, 33 — the earlier year first
	if got, _ := Stage(100, 2024, []int64{1, 1, 1}); got[0].Fen != 34 || got[1].Fen != 33 || got[2].Fen != 33 {
		t.Errorf("100 fen in thirds: %+v", got)
	}
	for _, bad := range [][]int64{nil, {1, 0}, {-1, 2}} {
		if _, err := Stage(100, 2024, bad); err == nil {
			t.Errorf("shares %v were accepted", bad)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		amount := money.Fen(rapid.Int64Range(0, 1<<50).Draw(t, "amount"))
		n := rapid.IntRange(1, 10).Draw(t, "n")
		shares := make([]int64, n)
		for i := range shares {
			shares[i] = rapid.Int64Range(1, 100).Draw(t, "share")
		}
		got, err := Stage(amount, 2024, shares)
		if err != nil {
			t.Fatal(err)
		}
		var sum money.Fen
		var total int64
		for _, s := range shares {
			total += s
		}
		for i, in := range got {
			sum += in.Fen
			// each part is within one fen of its exact share
			exact := float64(amount) * float64(shares[i]) / float64(total)
			if float64(in.Fen) < exact-1 || float64(in.Fen) > exact+1 || in.Year != 2024+i {
				t.Fatalf("part %d: %s, exact %.2f", i, in.Fen, exact)
			}
		}
		if sum != amount {
			t.Fatalf("parts sum to %s, not %s", sum, amount)
		}
	})
}
