package project

import (
	"testing"

	"kechuang/internal/money"
)

var rubric = Rubric{Items: []RubricItem{{"tech", "技术先进性", 40}, {"team", "团队能力", 30}, {"plan", "实施方案", 30}}}

func sheet(expert, bid string, tech, team, plan int) Sheet {
	return Sheet{Expert: expert, Bid: bid, Points: map[string]int{"tech": tech, "team": team, "plan": plan}}
}

func TestAgree(t *testing.T) {
	cs, err := Agree(rubric, []Sheet{
		// five experts: 60, 70, 75, 80, 99 → drop 60 and 99, mean of 70, 75, 80 = 75.00
		sheet("e1", "b1", 20, 20, 20), sheet("e2", "b1", 30, 20, 20), sheet("e3", "b1", 30, 25, 20), sheet("e4", "b1", 30, 25, 25), sheet("e5", "b1", 40, 30, 29),
		// three experts: 70, 71, 71 → 70.666… → 70.67 (half up)
		sheet("e1", "b2", 30, 20, 20), sheet("e2", "b2", 30, 21, 20), sheet("e3", "b2", 30, 20, 21),
	}, 20)
	if err != nil {
		t.Fatal(err)
	}
	if c := cs["b1"]; c.Centi != 7500 || len(c.Dropped) != 2 || !c.Split || c.Experts != 5 {
		t.Errorf("b1: %+v", c)
	}
	if c := cs["b2"]; c.Centi != 7067 || c.Score() != "70.67" || c.Split || len(c.Dropped) != 0 {
		t.Errorf("b2: %+v", c)
	}
	for _, bad := range []Sheet{sheet("e9", "b1", 41, 20, 20), {Expert: "e9", Bid: "b1", Points: map[string]int{"tech": 1}}, {Expert: "e9", Bid: "b1", Points: map[string]int{"tech": 1, "team": 1, "plan": 1, "luck": 5}}} {
		if _, err := Agree(rubric, []Sheet{bad}, 20); err == nil {
			t.Errorf("a bad sheet was accepted: %+v", bad)
		}
	}
	if err := (Rubric{Items: []RubricItem{{"a", "甲", 50}, {"b", "乙", 49}}}).Validate(); err == nil {
		t.Error("a rubric of 99 points was accepted")
	}
}

// TestFundingLine: bids funded in rank order while the score passes, the
// budget lasts and the number of teams allows; an exact fit is funded, one
// fen over is not, and nothing below the line is funded.
func TestFundingLine(t *testing.T) {
	cs := map[string]Consensus{"a": {Bid: "a", Centi: 9000}, "b": {Bid: "b", Centi: 8000}, "c": {Bid: "c", Centi: 8000}, "d": {Bid: "d", Centi: 7000}, "e": {Bid: "e", Centi: 5999}}
	asked := map[string]money.Fen{"a": wan(200), "b": wan(150), "c": wan(100), "d": wan(50), "e": wan(10)}
	funded := func(rs []Ranked) (out []string) {
		for _, r := range rs {
			if r.Funded {
				out = append(out, r.Bid)
			}
		}
		return
	}
	rs := FundingLine(cs, asked, wan(450), 6000, 0)
	if got := funded(rs); len(got) != 3 || got[0] != "a" || got[1] != "c" || got[2] != "b" {
		t.Errorf("450万元 exactly: funded %v, want a, c (smaller request first on the tie), b", got)
	}
	if rs[1].Rank != 2 || rs[2].Rank != 2 || rs[3].Rank != 4 || rs[3].Funded || rs[3].Why == "" {
		t.Errorf("ranks and the line: %+v", rs)
	}
	if got := funded(FundingLine(cs, asked, wan(450)-1, 6000, 0)); len(got) != 2 {
		t.Errorf("one fen short of the third: funded %v", got)
	}
	if got := funded(FundingLine(cs, asked, wan(1000), 6000, 2)); len(got) != 2 {
		t.Errorf("two teams (赛马): funded %v", got)
	}
	// the pass mark is inclusive: 70.00 with a pass of 70.00 is funded, 59.99 against 60.00 is not
	all := FundingLine(cs, asked, wan(1000), 7000, 0)
	if got := funded(all); len(got) != 4 || all[4].Funded || all[4].Why == "" {
		t.Errorf("pass 70.00: funded %v, last %+v", got, all[4])
	}
	// a bid the clause gives nothing (the document out of force) is passed over without drawing the line
	asked["a"] = 0
	rs = FundingLine(cs, asked, wan(300), 6000, 0)
	if got := funded(rs); len(got) != 3 || got[0] != "c" || got[1] != "b" || got[2] != "d" || rs[0].Why != "按政策条款无资助金额" {
		t.Errorf("a bid asking nothing: funded %v, first %+v", got, rs[0])
	}
}
