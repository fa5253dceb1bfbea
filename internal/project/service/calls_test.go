package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/money"
	"kechuang/internal/project"
	"kechuang/internal/rules/rulestest"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

func aBid() *project.Bid {
	return &project.Bid{Team: []project.Member{{Person: "p1", Name: "张工", Age: 38, Title: "高级工程师", Role: "lead"}},
		Budget:    project.BidBudget{Categories: map[string]money.Fen{"设备费": wan(100), "材料费": wan(210), "劳务费": wan(100)}, Equipment: "设备费", Indirect: wan(90)},
		Documents: []string{"实施方案", "承诺书"}}
}

// TestRollingIntake: a 揭榜挂帅 challenge taken all year (武威 四（一）4
// 常年受理、定期评审、科学评价、分批下达) stays open while the bureau cuts
// review batches: each takes the bids submitted up to its cutoff into a
// closed challenge of its own, reviewed as any; the next batch takes what
// came after; a cutoff in the future or not after the last is refused.
func TestRollingIntake(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		ctx := context.Background()
		now := time.Date(2025, 3, 3, 2, 0, 0, 0, time.UTC)
		s := &Service{Engine: rulestest.Library(t), Store: db, Now: func() time.Time { return now }}
		for _, id := range []string{"u1", "u2"} {
			if _, err := db.PutFacts(ctx, []byte(`{"subject": {"id": "`+id+`", "kind": "enterprise", "region": "620602"}}`), store.Entry{Source: "import", By: "t"}); err != nil {
				t.Fatal(err)
			}
		}
		ww := auth.User{ID: "ww", Role: auth.Staff, Jurisdiction: "620600"}
		c := &project.Challenge{Title: "农产品精深加工关键技术", Problem: "常年征集", Indicators: []string{"损耗率≤5%"}, Total: wan(500),
			Deadline: "2025-12-31", EndUser: "某农业公司", Issuer: "市科技局", Clause: "ww-challenge", Intake: "rolling"}
		id, err := s.Create(ctx, ww, c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Act(ctx, ww, id, 1, project.ChallengeAct{Act: "publish"}); err != nil {
			t.Fatal(err)
		}
		submit := func(u string, day time.Time) {
			t.Helper()
			now = day
			if _, err := s.Submit(ctx, auth.User{ID: u, Role: auth.Enterprise, Subject: u}, id, aBid()); err != nil {
				t.Fatalf("%s's bid: %v", u, err)
			}
		}
		submit("u1", time.Date(2025, 3, 10, 2, 0, 0, 0, time.UTC))
		submit("u2", time.Date(2025, 4, 2, 2, 0, 0, 0, time.UTC))
		if _, err := s.CutBatch(ctx, ww, id, 0, "2025-04-03"); errs.KindOf(err) != errs.Invalid {
			t.Errorf("a cutoff after today: %v", err)
		}
		b1, err := s.CutBatch(ctx, ww, id, 0, "2025-03-31")
		if err != nil {
			t.Fatal(err)
		}
		if b1.State != project.Closed || b1.Parent != id || b1.Batch != 1 || !strings.Contains(b1.Title, "第1批") {
			t.Errorf("batch 1: %+v", b1)
		}
		in1, _ := s.Bids(ctx, ww, b1.ID)
		left, _ := s.Bids(ctx, ww, id)
		if len(in1) != 1 || in1[0].Lead != "u1" || in1[0].Challenge != b1.ID || len(left) != 1 || left[0].Lead != "u2" {
			t.Fatalf("batch 1 took %d bids, %d left", len(in1), len(left))
		}
		call, _, _ := s.Get(ctx, &ww, id)
		if call.State != project.Published || len(call.Batches) != 1 || call.Batches[0].Bids != 1 || call.Batches[0].ID != b1.ID {
			t.Errorf("the call after batch 1: %s %+v", call.State, call.Batches)
		}
		if _, err := s.CutBatch(ctx, ww, id, 0, "2025-03-31"); errs.KindOf(err) != errs.Invalid {
			t.Errorf("a second batch with the same cutoff: %v", err)
		}
		// the batch is reviewed as a closed challenge: experts assigned to its bid
		experts := []project.Expert{{ID: "e1", Unit: "x1"}, {ID: "e2", Unit: "x2"}}
		if _, err := s.Review(ctx, ww, b1.ID, 0, project.ReviewAct{Act: "assign", Rubric: project.Rubric{Items: []project.RubricItem{{ID: "t", Name: "技术", Max: 100}}}, Experts: experts}, nil, 2, ""); err != nil {
			t.Errorf("reviewing batch 1: %v", err)
		}
		// u1 may bid again for the next batch; the next batch takes both
		submit("u1", time.Date(2025, 4, 20, 2, 0, 0, 0, time.UTC))
		now = time.Date(2025, 5, 1, 2, 0, 0, 0, time.UTC)
		if _, err := s.CutBatch(ctx, ww, id, 0, "2025-04-30"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CutBatch(ctx, ww, id, 0, "2025-05-01"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("a batch with nothing to review: %v", err)
		}
		call, _, _ = s.Get(ctx, &ww, id)
		if len(call.Batches) != 2 || call.Batches[1].N != 2 || call.Batches[1].Bids != 2 {
			t.Errorf("the call after batch 2: %+v", call.Batches)
		}
		fixed := &project.Challenge{Title: "x", Problem: "x", Indicators: []string{"x"}, Total: wan(500), Deadline: "2025-12-31", EndUser: "x", Issuer: "x", Clause: "ww-challenge"}
		fid, _ := s.Create(ctx, ww, fixed)
		s.Act(ctx, ww, fid, 1, project.ChallengeAct{Act: "publish"})
		if _, err := s.CutBatch(ctx, ww, fid, 0, "2025-04-30"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("batches of a fixed-window challenge: %v", err)
		}
	})
}

// TestCallGate: 肥乡 十（二）“对上年度研发投入强度低于1%的企业,不得申报市级以上
// 科技项目” stops an enterprise of 肥乡 at 0.99% from applying to a call
// for national projects, names the sentence, and stores nothing; at exactly
// 1% it applies; without last year's figures it is told what to record.
func TestCallGate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		ctx := context.Background()
		s := &Service{Engine: rulestest.Library(t), Store: db, Now: func() time.Time { return time.Date(2025, 3, 3, 2, 0, 0, 0, time.UTC) }}
		facts := map[string]string{
			"low":  `{"year": 2024, "revenue": 100000000, "rd_expense": 990000}`,
			"one":  `{"year": 2024, "revenue": 100000000, "rd_expense": 1000000}`,
			"none": ``,
		}
		for id, annual := range facts {
			if _, err := db.PutFacts(ctx, []byte(`{"subject": {"id": "`+id+`", "kind": "enterprise", "region": "130407"}, "annual": [`+annual+`]}`), store.Entry{Source: "import", By: "t"}); err != nil {
				t.Fatal(err)
			}
		}
		fx := auth.User{ID: "fx", Role: auth.Staff, Jurisdiction: "130407"}
		c := &project.Challenge{Kind: "call", Level: "national", Title: "国家重大科技专项申报推荐", Problem: "推荐申报", Indicators: []string{"形成核心技术"},
			Total: wan(500), Deadline: "2025-06-30", Issuer: "肥乡区科技局", Clause: "fx-national-major"}
		id, err := s.Create(ctx, fx, c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Act(ctx, fx, id, 1, project.ChallengeAct{Act: "publish"}); err != nil {
			t.Fatalf("publishing a call without an end user: %v", err)
		}
		apply := func(u string) error {
			_, err := s.Submit(ctx, auth.User{ID: u, Role: auth.Enterprise, Subject: u}, id, aBid())
			return err
		}
		if err := apply("low"); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "十（二）") || !strings.Contains(err.Error(), "不得申报") {
			t.Errorf("0.99%%: %v", err)
		}
		if err := apply("none"); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "申报前须有以下记录") {
			t.Errorf("no figures: %v", err)
		}
		if err := apply("one"); err != nil {
			t.Errorf("exactly 1%%: %v", err)
		}
		if bs, _ := s.Bids(ctx, fx, id); len(bs) != 1 || bs[0].Lead != "one" {
			t.Errorf("stored bids: %d", len(bs))
		}
	})
}

// TestTransferCall: 泰安 二（七）18 “采取“竞争立项”方式,给予贷款贴息支持,单个项目市级财政
// 贴息不超过300万元” as a call whose projects are recorded as 成果转化项目
// (transfer): each bid states its loan's interest, the award is 0 to the
// interest, capped at 300万元; after review and 公示 the grant records the
// project with its interest in the bidder's facts and decides within it.
func TestTransferCall(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		ctx := context.Background()
		now := time.Date(2025, 3, 3, 2, 0, 0, 0, time.UTC)
		s := &Service{Engine: rulestest.Library(t), Store: db, Now: func() time.Time { return now }}
		for _, id := range []string{"t1", "t2"} {
			if _, err := db.PutFacts(ctx, []byte(`{"subject": {"id": "`+id+`", "kind": "enterprise", "region": "370902"}}`), store.Entry{Source: "import", By: "t"}); err != nil {
				t.Fatal(err)
			}
		}
		ta := auth.User{ID: "ta", Role: auth.Staff, Jurisdiction: "370900"}
		c := &project.Challenge{Kind: "call", ProjectKind: "transfer", Title: "重大科技成果转化项目竞争立项", Problem: "成果转化", Indicators: []string{"形成新产品"},
			Total: wan(500), Deadline: "2025-04-30", Issuer: "泰安市科技局", Clause: "ta24-transfer-interest"}
		id, err := s.Create(ctx, ta, c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Act(ctx, ta, id, 1, project.ChallengeAct{Act: "publish"}); err != nil {
			t.Fatal(err)
		}
		interest := map[string]money.Fen{"t1": wan(120), "t2": wan(400)}
		for u, fen := range interest {
			b := aBid()
			b.Interest = fen
			if _, err := s.Submit(ctx, auth.User{ID: u, Role: auth.Enterprise, Subject: u}, id, b); err != nil {
				t.Fatalf("%s's bid: %v", u, err)
			}
		}
		bs, _ := s.Bids(ctx, ta, id)
		max := map[string]money.Fen{"t1": wan(120), "t2": wan(300)}
		for _, b := range bs {
			if b.Checked == nil || b.Checked.AwardOutcome != "entitled" || b.Checked.Award.Min != 0 || b.Checked.Award.Max != max[b.Lead] {
				t.Errorf("%s's award: %+v", b.Lead, b.Checked)
			}
		}
		now = time.Date(2025, 5, 1, 2, 0, 0, 0, time.UTC)
		if _, err := s.Act(ctx, ta, id, 0, project.ChallengeAct{Act: "close"}); err != nil {
			t.Fatal(err)
		}
		rubric := project.Rubric{Items: []project.RubricItem{{ID: "t", Name: "技术", Max: 100}}}
		c, err = s.Review(ctx, ta, id, 0, project.ReviewAct{Act: "assign", Rubric: rubric, Experts: []project.Expert{{ID: "e1", Unit: "x1"}, {ID: "e2", Unit: "x2"}}}, nil, 2, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			for _, e := range c.Review.Assigned.Reviewers[b.ID] {
				if _, err := s.Review(ctx, ta, id, 0, project.ReviewAct{Act: "score", Sheet: project.Sheet{Expert: e, Bid: b.ID, Points: map[string]int{"t": 80}}}, nil, 0, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := s.Review(ctx, ta, id, 0, project.ReviewAct{Act: "rank", Line: project.Line{Budget: wan(1000), Pass: 60_00}}, nil, 0, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Review(ctx, ta, id, 0, project.ReviewAct{Act: "publicise", From: "2025-05-01", To: "2025-05-07"}, nil, 0, ""); err != nil {
			t.Fatal(err)
		}
		now = time.Date(2025, 5, 8, 2, 0, 0, 0, time.UTC)
		book, _ := project.ParseMilestones("结题验收｜验收｜2026-12-31")
		for _, b := range bs {
			if b.Lead != "t2" {
				continue
			}
			if _, _, err := s.Grant(ctx, ta, id, 0, b.ID, wan(300)+1, "集体研究", []int64{1}, book); errs.KindOf(err) != errs.Invalid {
				t.Errorf("300万元 + 1分: %v", err)
			}
			_, k, err := s.Grant(ctx, ta, id, 0, b.ID, wan(300), "集体研究", []int64{1}, book)
			if err != nil {
				t.Fatal(err)
			}
			f, _, _ := db.Facts(ctx, "t2")
			if len(f.Projects) != 1 || f.Projects[0].Kind != "transfer" || f.Projects[0].Interest != int64(wan(400)) || k.Decided.Fen != wan(300) {
				t.Errorf("the grant: facts %+v, case %+v", f.Projects, k.Decided)
			}
		}
	})
}
