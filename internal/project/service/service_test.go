package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/fulfil"
	"kechuang/internal/money"
	"kechuang/internal/project"
	"kechuang/internal/rules"
	"kechuang/internal/rules/rulestest"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// TestChallengeList walks a 武威 challenge on both engines: drafted and
// seen only by its bureau, published with its award computed by 四（一）3,
// a question asked by an enterprise and answered, seen by the public once
// answered, withdrawn with a reason; stale and foreign acts refused.
func TestChallengeList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		ctx := context.Background()
		s := &Service{Engine: rulestest.Library(t), Store: db, Now: func() time.Time { return time.Date(2025, 3, 3, 2, 0, 0, 0, time.UTC) }}
		ww := auth.User{ID: "ww", Role: auth.Staff, Jurisdiction: "620600"}
		fx := auth.User{ID: "fx", Role: auth.Staff, Jurisdiction: "130407"}
		firm := auth.User{ID: "firm", Role: auth.Enterprise, Subject: "x"}
		c := &project.Challenge{Title: "高寒日光温室智能控温", Problem: "冬季夜间温度波动大", Indicators: []string{"夜间温差≤2℃"}, Total: money.Fen(500_000_000),
			Deadline: "2025-06-30", EndUser: "某农业公司", Issuer: "市科技局", Clause: "ww-challenge"}
		id, err := s.Create(ctx, ww, c)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Get(ctx, &firm, id); errs.KindOf(err) != errs.NotFound {
			t.Errorf("an enterprise reads a draft: %v", err)
		}
		if _, err := s.Act(ctx, fx, id, 0, project.ChallengeAct{Act: "publish"}); errs.KindOf(err) != errs.NotFound {
			t.Errorf("肥乡 staff publish 武威's draft: %v", err)
		}
		c, err = s.Act(ctx, ww, id, 1, project.ChallengeAct{Act: "publish"})
		if err != nil || c.State != project.Published || c.Published != "2025-03-03" {
			t.Fatalf("publish: %+v %v", c, err)
		}
		a, err := s.Award(c)
		if err != nil || a.Outcome != rules.Entitled || a.Interval.Min != 50_000_00*10 || a.Interval.Max != 100_000_00*10 || a.Section != "四（一）3" {
			t.Errorf("award: %+v %v", a, err)
		}
		if _, err := s.Act(ctx, firm, id, 2, project.ChallengeAct{Act: "ask", Text: "是否接受联合揭榜？"}); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.Get(ctx, nil, id); len(got.QA) != 0 {
			t.Errorf("an unanswered question is public: %+v", got.QA)
		}
		if _, err := s.Act(ctx, ww, id, 2, project.ChallengeAct{Act: "answer", Text: "接受", Index: 0}); errs.KindOf(err) != errs.Conflict {
			t.Errorf("a stale act: %v", err)
		}
		if _, err := s.Act(ctx, ww, id, 3, project.ChallengeAct{Act: "answer", Text: "接受，牵头单位须在本市注册", Index: 0}); err != nil {
			t.Fatal(err)
		}
		got, _, _ := s.Get(ctx, nil, id)
		if len(got.QA) != 1 || got.QA[0].Answer == "" {
			t.Errorf("the answered question: %+v", got.QA)
		}
		if _, err := s.Act(ctx, firm, id, 4, project.ChallengeAct{Act: "withdraw", Text: "x"}); errs.KindOf(err) != errs.Permission {
			t.Errorf("an enterprise withdraws: %v", err)
		}
		c, err = s.Act(ctx, ww, id, 4, project.ChallengeAct{Act: "withdraw", Text: "需求方已自行解决"})
		if err != nil || c.State != project.Withdrawn {
			t.Fatalf("withdraw: %+v %v", c, err)
		}
		_, hist, _ := s.Get(ctx, &ww, id)
		if len(hist) != 5 {
			t.Errorf("history: %+v", hist)
		}
		if list, _ := s.List(ctx, nil, "620600"); len(list) != 1 {
			t.Errorf("the public list: %d", len(list))
		}
	})
}

// TestSubmitBid: an enterprise's bid is checked and stored with what the
// check found (the ceiling of 武威 四（一）5 and the award of 四（一）3); a bid
// with problems stores nothing; a second bid of the same unit conflicts;
// staff see every bid, another enterprise none.
func TestSubmitBid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		ctx := context.Background()
		s := &Service{Engine: rulestest.Library(t), Store: db, Now: func() time.Time { return time.Date(2025, 3, 3, 2, 0, 0, 0, time.UTC) }}
		for _, id := range []string{"u1", "u2"} {
			if _, err := db.PutFacts(ctx, []byte(`{"subject": {"id": "`+id+`", "kind": "enterprise", "region": "620602"}}`), store.Entry{Source: "import", By: "t"}); err != nil {
				t.Fatal(err)
			}
		}
		ww := auth.User{ID: "ww", Role: auth.Staff, Jurisdiction: "620600"}
		firm := auth.User{ID: "firm", Role: auth.Enterprise, Subject: "u1"}
		other := auth.User{ID: "other", Role: auth.Enterprise, Subject: "u2"}
		c := &project.Challenge{Title: "光伏板自清洁", Problem: "风沙", Indicators: []string{"效率恢复≥95%"}, Total: money.Fen(500_000_000),
			Deadline: "2025-06-30", EndUser: "某公司", Issuer: "市科技局", Clause: "ww-challenge"}
		id, err := s.Create(ctx, ww, c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Act(ctx, ww, id, 1, project.ChallengeAct{Act: "publish"}); err != nil {
			t.Fatal(err)
		}
		bid := func(materials money.Fen) *project.Bid {
			return &project.Bid{Team: []project.Member{{Person: "p1", Name: "张工", Age: 38, Title: "高级工程师", Role: "lead"}},
				Budget:    project.BidBudget{Categories: map[string]money.Fen{"设备费": wan(100), "材料费": materials, "劳务费": wan(100)}, Equipment: "设备费", Indirect: wan(90)},
				Documents: []string{"实施方案", "承诺书"}}
		}
		if _, err := s.Submit(ctx, firm, id, bid(wan(200))); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("a bid short of the total: %v", err)
		}
		if bs, _ := s.Bids(ctx, ww, id); len(bs) != 0 {
			t.Fatalf("a refused bid was stored: %+v", bs)
		}
		if _, err := s.Submit(ctx, firm, id, bid(wan(210))); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Submit(ctx, firm, id, bid(wan(210))); errs.KindOf(err) != errs.Conflict {
			t.Errorf("a second bid of the same unit: %v", err)
		}
		bs, err := s.Bids(ctx, ww, id)
		if err != nil || len(bs) != 1 || bs[0].Lead != "u1" || bs[0].Checked == nil || *bs[0].Checked.IndirectCeiling != wan(93) ||
			bs[0].Checked.Award.Min != wan(50) || bs[0].Checked.Award.Max != wan(100) || bs[0].Checked.AwardOutcome != "entitled" {
			t.Fatalf("the stored bid: %+v %v", bs, err)
		}
		if bs, _ := s.Bids(ctx, other, id); len(bs) != 0 {
			t.Errorf("another enterprise sees %d bids", len(bs))
		}
		if bs, _ := s.Bids(ctx, firm, id); len(bs) != 1 {
			t.Errorf("the bidder sees %d bids", len(bs))
		}
		if _, err := s.Submit(ctx, ww, id, bid(wan(210))); errs.KindOf(err) != errs.Permission {
			t.Errorf("staff submit a bid: %v", err)
		}
	})
}

// TestAssignFromRegistry: an expert tied to a bidder through the registry
// — an appointment in force in a bidder's facts, its legal representative,
// the expert's unit holding its shares, a team member employed at the
// expert's unit — or through a declaration is never assigned to that bid;
// an appointment that has ended is no tie.
func TestAssignFromRegistry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		ctx := context.Background()
		s := &Service{Engine: rulestest.Library(t), Store: db, Now: func() time.Time { return time.Date(2025, 3, 3, 2, 0, 0, 0, time.UTC) }}
		put := func(doc string) {
			t.Helper()
			if _, err := db.PutFacts(ctx, []byte(doc), store.Entry{Source: "import", By: "t"}); err != nil {
				t.Fatal(err)
			}
		}
		// e1 is 科技副总 of u1 (in force); e5 was, until 2024 (ended).
		put(`{"subject": {"id": "u1", "kind": "enterprise", "region": "620602"}, "appointments": [
			{"id": "a1", "kind": "tech_vp", "level": "city", "role": "person", "person": "e1", "from": "2024-01-01"},
			{"id": "a2", "kind": "tech_vp", "level": "city", "role": "person", "person": "e5", "from": "2022-01-01", "to": "2024-06-30"}]}`)
		// u2's legal representative is e6; x7, e7's unit, holds 35% of it.
		put(`{"subject": {"id": "u2", "kind": "enterprise", "region": "620602", "legal_rep": "e6"},
			"shareholders": [{"id": "s1", "holder": "x7", "name": "某投资公司", "share": "35%", "from": "2021-05-01", "source": "market"}]}`)
		// u2's lead researcher p2 is a 科技特派员 sent by institute inst, where e2 works.
		put(`{"subject": {"id": "inst", "kind": "institute", "region": "620602"}, "appointments": [
			{"id": "a3", "kind": "tech_commissioner", "level": "city", "role": "person", "person": "p2", "from": "2023-05-01"}]}`)
		ww := auth.User{ID: "ww", Role: auth.Staff, Jurisdiction: "620600"}
		c := &project.Challenge{Title: "光伏板自清洁", Problem: "风沙", Indicators: []string{"效率恢复≥95%"}, Total: money.Fen(500_000_000),
			Deadline: "2025-06-30", EndUser: "某公司", Issuer: "市科技局", Clause: "ww-challenge"}
		id, err := s.Create(ctx, ww, c)
		if err != nil {
			t.Fatal(err)
		}
		experts := []project.Expert{
			{ID: "e1", Name: "甲", Unit: "x1", Fields: []string{"新能源"}},
			{ID: "e2", Name: "乙", Unit: "inst", Fields: []string{"新能源"}},
			{ID: "e3", Name: "丙", Unit: "x3", Fields: []string{"新能源"}},
			{ID: "e4", Name: "丁", Unit: "x4", Fields: []string{"新能源"}},
			{ID: "e5", Name: "戊", Unit: "x5", Fields: []string{"新能源"}},
			{ID: "e6", Name: "己", Unit: "x6", Fields: []string{"新能源"}},
			{ID: "e7", Name: "庚", Unit: "x7", Fields: []string{"新能源"}},
		}
		declared := []project.Tie{{A: "e3", B: "u1", Kind: "declared", Source: "e3 的回避申报"}}
		if _, err := s.Assign(ctx, ww, id, experts, declared, 2, "新能源"); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("assigned reviewers to a challenge with no bids: %v", err)
		}
		if _, err := s.Act(ctx, ww, id, 1, project.ChallengeAct{Act: "publish"}); err != nil {
			t.Fatal(err)
		}
		bid := func(person string) *project.Bid {
			return &project.Bid{Team: []project.Member{{Person: person, Name: "张工", Age: 38, Title: "高级工程师", Role: "lead"}},
				Budget:    project.BidBudget{Categories: map[string]money.Fen{"设备费": wan(100), "材料费": wan(210), "劳务费": wan(100)}, Equipment: "设备费", Indirect: wan(90)},
				Documents: []string{"实施方案", "承诺书"}}
		}
		for subject, person := range map[string]string{"u1": "p1", "u2": "p2"} {
			if _, err := s.Submit(ctx, auth.User{ID: subject, Role: auth.Enterprise, Subject: subject}, id, bid(person)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Assign(ctx, auth.User{ID: "fx", Role: auth.Staff, Jurisdiction: "130407"}, id, experts, declared, 2, "新能源"); errs.KindOf(err) != errs.Permission {
			t.Errorf("staff of another jurisdiction assigned reviewers: %v", err)
		}
		a, err := s.Assign(ctx, ww, id, experts, declared, 2, "新能源")
		if err != nil {
			t.Fatal(err)
		}
		bs, _ := s.Bids(ctx, ww, id)
		byLead := map[string]string{}
		for _, b := range bs {
			byLead[b.Lead] = b.ID
		}
		never := map[string][]string{byLead["u1"]: {"e1", "e3"}, byLead["u2"]: {"e2", "e6", "e7"}}
		for bid, banned := range never {
			got := a.Reviewers[bid]
			if len(got) != 2 {
				t.Errorf("bid %s: %d reviewers %v", bid, len(got), got)
			}
			for _, e := range banned {
				if slices.Contains(got, e) {
					t.Errorf("bid %s was given conflicted expert %s: %v", bid, e, got)
				}
			}
		}
		excluded := map[string]string{}
		for _, x := range a.Excluded {
			excluded[x.Expert+"/"+x.Bid] = x.Kind
		}
		want := map[string]string{"e1/" + byLead["u1"]: "employment", "e3/" + byLead["u1"]: "declared", "e2/" + byLead["u2"]: "same_unit",
			"e6/" + byLead["u2"]: "legal_rep", "e7/" + byLead["u2"]: "shareholding"}
		if !maps.Equal(excluded, want) {
			t.Errorf("excluded %v, want %v (e5's ended appointment is no tie)", excluded, want)
		}
		// with only four experts free of u2's bid, five each cannot be met
		if _, err := s.Assign(ctx, ww, id, experts, declared, 5, "新能源"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("five reviewers each from a pool that cannot give them: %v", err)
		}
	})
}

// TestReviewToNotice walks a closed challenge's review: assignment free of
// conflicts, sheets only from the assigned, ranking only once every sheet
// is in, the funding line, then 公示 — the public seeing the ranking only
// then, never the experts.
func TestReviewToNotice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		ctx := context.Background()
		now := time.Date(2025, 3, 3, 2, 0, 0, 0, time.UTC)
		s := &Service{Engine: rulestest.Library(t), Store: db, Now: func() time.Time { return now }}
		for _, doc := range []string{
			`{"subject": {"id": "u1", "kind": "enterprise", "region": "620602"}, "appointments": [{"id": "a1", "kind": "tech_vp", "level": "city", "role": "person", "person": "e1", "from": "2024-01-01"}]}`,
			`{"subject": {"id": "u2", "kind": "enterprise", "region": "620602"}}`,
			`{"subject": {"id": "u3", "kind": "enterprise", "region": "620602"}}`,
		} {
			if _, err := db.PutFacts(ctx, []byte(doc), store.Entry{Source: "import", By: "t"}); err != nil {
				t.Fatal(err)
			}
		}
		ww := auth.User{ID: "ww", Role: auth.Staff, Jurisdiction: "620600"}
		c := &project.Challenge{Title: "光伏板自清洁", Problem: "风沙", Indicators: []string{"效率恢复≥95%"}, Total: money.Fen(500_000_000),
			Deadline: "2025-03-31", EndUser: "某公司", Issuer: "市科技局", Clause: "ww-challenge"}
		id, err := s.Create(ctx, ww, c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Act(ctx, ww, id, 0, project.ChallengeAct{Act: "publish"}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"u1", "u2", "u3"} {
			b := &project.Bid{Team: []project.Member{{Person: "p-" + u, Name: "张工", Age: 38, Title: "高级工程师", Role: "lead"}},
				Budget:    project.BidBudget{Categories: map[string]money.Fen{"设备费": wan(100), "材料费": wan(210), "劳务费": wan(100)}, Equipment: "设备费", Indirect: wan(90)},
				Documents: []string{"实施方案", "承诺书"}}
			if _, err := s.Submit(ctx, auth.User{ID: u, Role: auth.Enterprise, Subject: u}, id, b); err != nil {
				t.Fatal(err)
			}
		}
		experts := []project.Expert{{ID: "e1", Unit: "x1"}, {ID: "e2", Unit: "x2"}, {ID: "e3", Unit: "x3"}}
		rubric := project.Rubric{Items: []project.RubricItem{{ID: "tech", Name: "技术方案", Max: 60}, {ID: "team", Name: "团队能力", Max: 40}}}
		assign := project.ReviewAct{Act: "assign", Rubric: rubric, Experts: experts, Spread: 30}
		if _, err := s.Review(ctx, ww, id, 0, assign, nil, 2, ""); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("a review before the deadline: %v", err)
		}
		now = time.Date(2025, 4, 1, 2, 0, 0, 0, time.UTC)
		if _, err := s.Act(ctx, ww, id, 0, project.ChallengeAct{Act: "close"}); err != nil {
			t.Fatal(err)
		}
		c, err = s.Review(ctx, ww, id, 0, assign, nil, 2, "")
		if err != nil {
			t.Fatal(err)
		}
		bs, _ := s.Bids(ctx, ww, id)
		bidOf := map[string]string{}
		for _, b := range bs {
			bidOf[b.Lead] = b.ID
		}
		if got := c.Review.Assigned.Reviewers[bidOf["u1"]]; slices.Contains(got, "e1") || len(got) != 2 {
			t.Fatalf("u1's bid reviewers %v: e1 is u1's 科技副总", got)
		}
		score := func(e, lead string, tech, team int) error {
			_, err := s.Review(ctx, ww, id, 0, project.ReviewAct{Act: "score", Sheet: project.Sheet{Expert: e, Bid: bidOf[lead], Points: map[string]int{"tech": tech, "team": team}}}, nil, 0, "")
			return err
		}
		if err := score("e1", "u1", 50, 30); errs.KindOf(err) != errs.Permission {
			t.Errorf("a sheet from an expert not assigned (conflicted): %v", err)
		}
		if err := score("e2", "u1", 61, 30); errs.KindOf(err) != errs.Invalid {
			t.Errorf("61 points of 60: %v", err)
		}
		line := project.Line{Budget: wan(200), Pass: 60_00, Teams: 2}
		points := map[string][2]int{"u1": {55, 35}, "u2": {50, 30}, "u3": {30, 20}}
		first := true
		for _, lead := range []string{"u1", "u2", "u3"} {
			for _, e := range c.Review.Assigned.Reviewers[bidOf[lead]] {
				if err := score(e, lead, points[lead][0], points[lead][1]); err != nil {
					t.Fatal(err)
				}
				if first {
					first = false
					if _, err := s.Review(ctx, ww, id, 0, project.ReviewAct{Act: "rank", Line: line}, nil, 0, ""); errs.KindOf(err) != errs.Conflict {
						t.Errorf("ranked with sheets missing: %v", err)
					}
				}
			}
		}
		c, err = s.Review(ctx, ww, id, 0, project.ReviewAct{Act: "rank", Line: line}, nil, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range c.Review.Ranking {
			got = append(got, fmt.Sprintf("%d %s %s %s %v", r.Rank, r.Bid, r.Lead, r.Score(), r.Funded))
		}
		// each asks its award's most, 100万 (10%—20% of 500万, ≤100万): the 200万 covers two
		want := []string{"1 " + bidOf["u1"] + " u1 90.00 true", "2 " + bidOf["u2"] + " u2 80.00 true", "3 " + bidOf["u3"] + " u3 50.00 false"}
		if !slices.Equal(got, want) {
			t.Errorf("ranking %v, want %v", got, want)
		}
		if err := score("e2", "u2", 10, 10); errs.KindOf(err) != errs.Conflict {
			t.Errorf("a sheet changed after the ranking: %v", err)
		}
		pub, _, _ := s.Get(ctx, nil, id)
		if pub.Review != nil {
			t.Errorf("the public sees the review before 公示: %+v", pub.Review)
		}
		if _, err := s.Review(ctx, ww, id, 0, project.ReviewAct{Act: "publicise", From: "2025-04-02", To: "2025-03-30"}, nil, 0, ""); errs.KindOf(err) != errs.Invalid {
			t.Errorf("a notice ending before it starts: %v", err)
		}
		if _, err := s.Review(ctx, ww, id, 0, project.ReviewAct{Act: "publicise", From: "2025-04-02", To: "2025-04-08"}, nil, 0, ""); err != nil {
			t.Fatal(err)
		}
		pub, _, _ = s.Get(ctx, nil, id)
		if pub.Review == nil || len(pub.Review.Ranking) != 3 || pub.Review.Notice.To != "2025-04-08" || pub.Review.Experts != nil || pub.Review.Sheets != nil || pub.Review.Assigned != nil {
			t.Errorf("the public view after 公示: %+v", pub.Review)
		}
		if _, err := s.Review(ctx, auth.User{ID: "u1", Role: auth.Enterprise, Subject: "u1"}, id, 0, project.ReviewAct{Act: "publicise"}, nil, 0, ""); errs.KindOf(err) != errs.Permission {
			t.Errorf("a bidder acting on the review: %v", err)
		}

		// 立项资助 once the 公示 is over: the project enters u1's facts, the
		// clause gives 50万–100万元, 50万元 is decided, paid 4:3:3 by year
		grant := func(lead string, fen money.Fen, shares ...int64) (*project.Challenge, *fulfil.Case, error) {
			book, err := project.ParseMilestones("中期评估｜中试线建成｜2026-06-30｜第2期\n结题验收｜验收用户验收｜2027-06-30｜第3期")
			if err != nil {
				t.Fatal(err)
			}
			return s.Grant(ctx, ww, id, 0, bidOf[lead], fen, "集体研究确定", shares, book)
		}
		if _, _, err := grant("u1", wan(80), 4, 3, 3); errs.KindOf(err) != errs.Conflict {
			t.Errorf("a grant during the 公示: %v", err)
		}
		now = time.Date(2025, 4, 9, 2, 0, 0, 0, time.UTC)
		if _, _, err := grant("u3", wan(80), 4, 3, 3); errs.KindOf(err) != errs.Conflict {
			t.Errorf("a grant to a bid below the line: %v", err)
		}
		if _, _, err := grant("u1", wan(100)+1, 4, 3, 3); errs.KindOf(err) != errs.Invalid {
			t.Errorf("100万元 + 1分, over the clause's cap: %v", err)
		}
		if _, _, err := grant("u1", wan(80), 4, 0); errs.KindOf(err) != errs.Invalid {
			t.Errorf("a zero share: %v", err)
		}
		_, before, _ := db.Facts(ctx, "u1")
		c, k, err := grant("u1", wan(50), 4, 3, 3)
		if err != nil {
			t.Fatal(err)
		}
		g := c.Review.Grants[0]
		if g.Case == 0 || g.Case != k.ID || len(g.Plan) != 3 || g.Plan[0] != (project.Installment{Year: 2025, Fen: wan(20)}) || g.Plan[2] != (project.Installment{Year: 2027, Fen: wan(15)}) {
			t.Errorf("the grant: %+v", g)
		}
		stored, _, err := db.Case(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Clause != "ww-challenge" || stored.Subject != "u1" || stored.Event != fmt.Sprintf("challenge-%d", id) || stored.Decided == nil || stored.Decided.Fen != wan(50) ||
			!slices.Equal(stored.Shares, []int64{4, 3, 3}) || stored.Computed.Min != wan(50) || stored.Computed.Max != wan(100) {
			t.Errorf("the fulfilment case: %+v", stored)
		}
		f, after, _ := db.Facts(ctx, "u1")
		if after != before+1 || len(f.Projects) != 1 || f.Projects[0].Kind != "challenge" || f.Projects[0].Total != int64(wan(500)) {
			t.Errorf("u1's facts after the grant (v%d → v%d): %+v", before, after, f.Projects)
		}
		if _, _, err := grant("u1", wan(50), 4, 3, 3); errs.KindOf(err) != errs.Conflict {
			t.Errorf("a second grant of the same bid: %v", err)
		}
		if !slices.Equal(stored.Hold, []int{1, 2}) || g.State != project.Executing || len(g.Milestones) != 2 || len(g.Team) != 1 {
			t.Errorf("the task book holds the 2nd and 3rd years: hold %v, state %s, %d milestones", stored.Hold, g.State, len(g.Milestones))
		}
		execute(t, s, ctx, db, id, bidOf)
	})
}

// execute runs the granted projects of TestReviewToNotice: a gate passed
// releases its year, a 赛马 stop moves the stopped team's unpaid funds to
// the continued team up to the clause's cap and ends its case, a budget
// shift over the indirect-cost ceiling is refused, and a failed project
// whose 容错 file shows misconduct gets a 失信 record.
func execute(t *testing.T, s *Service, ctx context.Context, db *store.DB, id int64, bidOf map[string]string) {
	t.Helper()
	ww := auth.User{ID: "s1", Role: auth.Staff, Jurisdiction: "620600"}
	u1 := auth.User{ID: "u1", Role: auth.Enterprise, Subject: "u1"}
	exec := func(u auth.User, bid string, a project.ExecAct) (*project.Challenge, error) {
		return s.Execute(ctx, u, id, 0, bid, a)
	}
	caseOf := func(lead string) *fulfil.Case {
		c, _, _ := db.Challenge(ctx, id)
		k, _, err := db.Case(ctx, c.Review.Grant(bidOf[lead]).Case)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	if _, _, _, err := s.Project(ctx, auth.User{ID: "u2", Role: auth.Enterprise, Subject: "u2"}, id, bidOf["u1"]); errs.KindOf(err) != errs.NotFound {
		t.Errorf("another bidder reads u1's project: %v", err)
	}
	if _, err := exec(ww, bidOf["u1"], project.ExecAct{Act: "report", Text: "x"}); err != nil {
		t.Fatalf("staff entering the team's report: %v", err)
	}
	if _, err := exec(u1, bidOf["u1"], project.ExecAct{Act: "check", Passed: true, Text: "ok"}); errs.KindOf(err) != errs.Permission {
		t.Errorf("the team checking its own milestone: %v", err)
	}
	if _, err := exec(ww, bidOf["u1"], project.ExecAct{Act: "check", Passed: true, Text: "中试线建成"}); err != nil {
		t.Fatal(err)
	}
	if k := caseOf("u1"); !slices.Equal(k.Hold, []int{2}) {
		t.Errorf("after the mid-term: hold %v, want [2]", k.Hold)
	}

	// 赛马: u2 is granted too, then stopped
	book, _ := project.ParseMilestones("中期评估｜中试线建成｜2026-06-30｜第2期\n结题验收｜验收用户验收｜2027-06-30｜第3期")
	if _, _, err := s.Grant(ctx, ww, id, 0, bidOf["u2"], wan(50), "集体研究确定", []int64{4, 3, 3}, book); err != nil {
		t.Fatal(err)
	}
	if _, err := exec(ww, bidOf["u2"], project.ExecAct{Act: "stop", Text: "中期比较落后", To: bidOf["u3"]}); errs.KindOf(err) != errs.Invalid {
		t.Errorf("moving the funds to a bid never granted: %v", err)
	}
	c, err := exec(ww, bidOf["u2"], project.ExecAct{Act: "stop", Text: "中期比较落后", To: bidOf["u1"]})
	if err != nil {
		t.Fatal(err)
	}
	g1, g2, k1, k2 := c.Review.Grant(bidOf["u1"]), c.Review.Grant(bidOf["u2"]), caseOf("u1"), caseOf("u2")
	if g2.State != project.Stopped || g2.Freed != wan(50) || g2.MovedTo != bidOf["u1"] || k2.Status != fulfil.Ended || k2.Ended == "" {
		t.Errorf("stopped: state %s freed %s moved to %q, case %s %q", g2.State, g2.Freed, g2.MovedTo, k2.Status, k2.Ended)
	}
	// u1 had 50万 (20万, 15万, 15万): now 100万, the clause's cap, the rest in its last year
	if g1.Fen != wan(100) || g1.Plan[2].Fen != wan(65) || k1.Decided.Fen != wan(100) || !strings.Contains(k1.Decided.Reason, "赛马") || len(k1.Planned) != 3 || k1.Planned[2].Fen != wan(65) {
		t.Errorf("continued: %s, plan %+v, case decided %+v", g1.Fen, g1.Plan, k1.Decided)
	}
	if _, err := exec(ww, bidOf["u1"], project.ExecAct{Act: "stop", Text: "x", To: bidOf["u2"]}); errs.KindOf(err) != errs.Invalid {
		t.Errorf("moving funds to a stopped team: %v", err)
	}

	// a budget shift into equipment lowers the indirect-cost ceiling below the 90万 asked
	shift := project.BidBudget{Categories: map[string]money.Fen{"设备费": wan(300), "材料费": wan(10), "劳务费": wan(100)}, Equipment: "设备费", Indirect: wan(90)}
	if _, err := exec(u1, bidOf["u1"], project.ExecAct{Act: "change", Change: project.Change{Kind: "budget", Budget: &shift, Text: "改购设备"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := exec(ww, bidOf["u1"], project.ExecAct{Act: "decide-change", Passed: true, Text: "同意"}); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "间接费用") {
		t.Errorf("approving a shift over the indirect ceiling: %v", err)
	}
	if _, err := exec(ww, bidOf["u1"], project.ExecAct{Act: "decide-change", Passed: false, Text: "间接费用超限，不予调剂"}); err != nil {
		t.Fatal(err)
	}

	// acceptance fails; the 容错 file shows misconduct: a 失信 record
	if _, err := exec(u1, bidOf["u1"], project.ExecAct{Act: "report", Index: 1, Text: "结题报告"}); err != nil {
		t.Fatal(err)
	}
	if _, err := exec(ww, bidOf["u1"], project.ExecAct{Act: "accept", Accept: project.Accept{Met: []bool{false}, Signatory: "王总", Agree: false, Opinion: "未达到", Financial: true, Audit: "审计无异议"}}); err != nil {
		t.Fatal(err)
	}
	tc := project.ToleranceCase{Level: "city", ProcedureComplete: true, Cause: "route", Diligence: []string{"实验记录"}, Reviews: []project.ToleranceReview{{Method: "peer", Confirm: true}}, Misconduct: true}
	c, err = exec(ww, bidOf["u1"], project.ExecAct{Act: "tolerance", Case: tc, Text: "数据造假查实"})
	if err != nil {
		t.Fatal(err)
	}
	f, _, _ := db.Facts(ctx, "u1")
	if g1 := c.Review.Grant(bidOf["u1"]); g1.State != project.Failed || len(f.Incidents) != 1 || f.Incidents[0].Kind != "misconduct" || !caseOf("u1").Final() {
		t.Errorf("a 容错 file with misconduct: state %s, incidents %+v", g1.State, f.Incidents)
	}
}

func wan(n int64) money.Fen { return money.Fen(n) * money.Wan }
