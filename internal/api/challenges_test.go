package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/money"
	"kechuang/internal/project"
	prsvc "kechuang/internal/project/service"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// TestChallengesAPI: a 武威 officer drafts and publishes a challenge over
// HTTP; a visitor lists and reads it with its award (四（一）3); an
// enterprise asks; who may do what.
func TestChallengesAPI(t *testing.T) {
	db, _ := storetest.Open(t, store.SQLite)
	users := []auth.User{{ID: "ww-staff", Role: auth.Staff, Jurisdiction: "620600"}, {ID: "fx-staff", Role: auth.Staff, Jurisdiction: "130407"}}
	fx := newFulfilFixture(t, db, users) // its clock: 2025-03-03, while 武威's document is in force
	if err := db.CreateUser(t.Context(), auth.User{ID: "firm", Role: auth.Enterprise, Subject: "demo-000001"}, "long enough pw", "t"); err != nil {
		t.Fatal(err)
	}
	ww, fxs, firm := signIn(t, fx.base, "ww-staff"), signIn(t, fx.base, "fx-staff"), signIn(t, fx.base, "firm")
	anon := &client{t: t, base: fx.base, c: &http.Client{}}
	body := map[string]any{"title": "荒漠区光伏板自清洁技术", "problem": "风沙导致发电效率下降", "indicators": []string{"效率恢复≥95%"},
		"total": "500万元", "deadline": "2025-12-31", "end_user": "某新能源公司", "issuer": "市科技局", "clause": "ww-challenge"}
	if s, _ := anon.do("POST", "/api/v1/challenges", body, nil); s != 403 {
		t.Errorf("a visitor drafts: %d", s)
	}
	if s, _ := firm.do("POST", "/api/v1/challenges", body, nil); s != 403 {
		t.Errorf("an enterprise drafts: %d", s)
	}
	var c struct {
		ID      int64
		Version int
		State   string
	}
	s, b := ww.do("POST", "/api/v1/challenges", body, nil)
	if s != 201 || json.Unmarshal([]byte(b), &c) != nil || c.State != "draft" {
		t.Fatalf("draft: %d %s", s, b)
	}
	path := fmt.Sprintf("/api/v1/challenges/%d", c.ID)
	if s, _ := anon.do("GET", path, nil, nil); s != 404 {
		t.Errorf("a visitor reads the draft: %d", s)
	}
	if s, _ := fxs.do("POST", path+"/actions", map[string]any{"act": "publish", "version": 1}, nil); s != 404 {
		t.Errorf("肥乡 staff publish it: %d", s)
	}
	ww.must("POST", path+"/actions", map[string]any{"act": "publish", "version": 1}, nil)
	var got struct {
		State string
		Award struct {
			Interval struct{ Min, Max int64 }
			Section  string
		}
	}
	anon.must("GET", path, nil, &got)
	if got.State != "published" || got.Award.Interval.Min != 50_000_000 || got.Award.Interval.Max != 100_000_000 || got.Award.Section != "四（一）3" {
		t.Errorf("the public challenge: %+v", got)
	}
	var list struct{ Challenges []struct{ ID int64 } }
	anon.must("GET", "/api/v1/challenges?region=620600", nil, &list)
	if len(list.Challenges) != 1 {
		t.Errorf("the public list: %+v", list)
	}
	firm.must("POST", path+"/actions", map[string]any{"act": "ask", "version": 2, "text": "是否接受联合揭榜？"}, nil)
	if s, _ := firm.do("POST", path+"/actions", map[string]any{"act": "withdraw", "version": 3, "text": "x"}, nil); s != 403 {
		t.Errorf("an enterprise withdraws: %d", s)
	}
	if s, _ := ww.do("POST", path+"/actions", map[string]any{"act": "answer", "version": 2, "text": "接受", "index": 0}, nil); s != 409 {
		t.Errorf("a stale answer: %d", s)
	}
	if s, b := ww.do("POST", path+"/actions", map[string]any{"act": "batch", "version": 3, "cutoff": "2025-03-01"}, nil); s != 409 || !strings.Contains(b, "不是常年受理") {
		t.Errorf("a batch of a fixed-window challenge: %d %s", s, b)
	}

	// taken all year: a review batch needs bids submitted by its cutoff
	body["intake"], body["title"] = "rolling", "常年征集：农产品精深加工"
	var rolling struct{ ID int64 }
	if s, b := ww.do("POST", "/api/v1/challenges", body, nil); s != 201 || json.Unmarshal([]byte(b), &rolling) != nil {
		t.Fatalf("a rolling draft: %d %s", s, b)
	}
	rpath := fmt.Sprintf("/api/v1/challenges/%d", rolling.ID)
	ww.must("POST", rpath+"/actions", map[string]any{"act": "publish", "version": 1}, nil)
	if s, b := ww.do("POST", rpath+"/actions", map[string]any{"act": "batch", "version": 2, "cutoff": "2025-03-03"}, nil); s != 409 || !strings.Contains(b, "没有待评审的申报") {
		t.Errorf("a batch with no bid: %d %s", s, b)
	}
}

// TestChallengeReviewAPI: the review of a closed challenge over JSON —
// assignment with a declared relation excluded, sheets, ranking and 公示 —
// and the public reading the ranking without the experts.
func TestChallengeReviewAPI(t *testing.T) {
	db, _ := storetest.Open(t, store.SQLite)
	users := []auth.User{{ID: "ww-staff", Role: auth.Staff, Jurisdiction: "620600"}, {ID: "fx-staff", Role: auth.Staff, Jurisdiction: "130407"}, {ID: "bidder", Role: auth.Enterprise, Subject: "bidder"}}
	fx := newFulfilFixture(t, db, users)
	ctx := t.Context()
	svc := &prsvc.Service{Engine: fx.eng, Store: db, Now: fx.now}
	wwu := auth.User{ID: "ww-staff", Role: auth.Staff, Jurisdiction: "620600"}
	if _, err := db.PutFacts(ctx, []byte(`{"subject": {"id": "bidder", "kind": "enterprise", "region": "620602"}}`), store.Entry{Source: "import", By: "t"}); err != nil {
		t.Fatal(err)
	}
	id, err := svc.Create(ctx, wwu, &project.Challenge{Title: "光伏板自清洁", Problem: "风沙", Indicators: []string{"效率恢复≥95%"}, Total: 500_000_000,
		Deadline: "2025-06-30", EndUser: "某公司", Issuer: "市科技局", Clause: "ww-challenge"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Act(ctx, wwu, id, 0, project.ChallengeAct{Act: "publish"}); err != nil {
		t.Fatal(err)
	}
	wan := func(n int64) money.Fen { return money.Fen(n * 1_000_000) }
	if _, err := svc.Submit(ctx, auth.User{ID: "bidder", Role: auth.Enterprise, Subject: "bidder"}, id, &project.Bid{
		Team:      []project.Member{{Person: "p1", Name: "张工", Age: 38, Title: "高级工程师", Role: "lead"}},
		Budget:    project.BidBudget{Categories: map[string]money.Fen{"设备费": wan(100), "材料费": wan(210), "劳务费": wan(100)}, Equipment: "设备费", Indirect: wan(90)},
		Documents: []string{"实施方案", "承诺书"}}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/challenges/%d", id)
	ww := signIn(t, fx.base, "ww-staff")
	assign := map[string]any{"act": "assign", "version": 3, "per": 2, "spread": 20,
		"rubric":   map[string]any{"items": []map[string]any{{"id": "tech", "name": "技术方案", "max": 60}, {"id": "team", "name": "团队", "max": 40}}},
		"experts":  []map[string]any{{"id": "e1", "unit": "u1"}, {"id": "e2", "unit": "u2"}, {"id": "e3", "unit": "u3"}},
		"declared": []map[string]any{{"a": "e1", "b": "bidder", "source": "曾任顾问"}}}
	if s, b := ww.do("POST", path+"/review", assign, nil); s != 409 {
		t.Errorf("a review while the challenge is open: %d %s", s, b)
	}
	fx.advance(120 * 24 * time.Hour) // past the deadline
	ww = signIn(t, fx.base, "ww-staff")
	ww.must("POST", path+"/actions", map[string]any{"act": "close", "version": 2}, nil)
	if s, _ := signIn(t, fx.base, "fx-staff").do("POST", path+"/review", assign, nil); s != 403 {
		t.Errorf("肥乡 staff assign: %d", s)
	}
	var got struct {
		Version int
		Review  struct {
			Assigned struct {
				Reviewers map[string][]string
				Excluded  []struct{ Expert, Kind, Detail string }
			}
			Ranking []struct {
				Lead   string
				Centi  int64
				Funded bool
			}
			Notice  *struct{ From, To string }
			Experts []any
		}
	}
	ww.must("POST", path+"/review", assign, &got)
	bid := ""
	for b := range got.Review.Assigned.Reviewers {
		bid = b
	}
	if rs := got.Review.Assigned.Reviewers[bid]; len(rs) != 2 || rs[0] != "e2" || rs[1] != "e3" ||
		len(got.Review.Assigned.Excluded) != 1 || got.Review.Assigned.Excluded[0].Kind != "declared" {
		t.Fatalf("the assignment: %+v", got.Review.Assigned)
	}
	if s, _ := ww.do("POST", path+"/review", map[string]any{"act": "score", "version": got.Version, "sheet": map[string]any{"expert": "e1", "bid": bid, "points": map[string]int{"tech": 50, "team": 30}}}, nil); s != 403 {
		t.Errorf("a sheet from the excluded expert: %d", s)
	}
	for _, e := range []string{"e2", "e3"} {
		ww.must("POST", path+"/review", map[string]any{"act": "score", "version": got.Version, "sheet": map[string]any{"expert": e, "bid": bid, "points": map[string]int{"tech": 50, "team": 31}}}, &got)
	}
	ww.must("POST", path+"/review", map[string]any{"act": "rank", "version": got.Version, "budget": "100万元", "pass": 6000, "teams": 1}, &got)
	if len(got.Review.Ranking) != 1 || got.Review.Ranking[0].Centi != 8100 || !got.Review.Ranking[0].Funded || got.Review.Ranking[0].Lead != "bidder" {
		t.Fatalf("the ranking: %+v", got.Review.Ranking)
	}
	if s, _ := ww.do("POST", path+"/review", map[string]any{"act": "publicise", "version": 1, "from": "2025-10-30", "to": "2025-11-05"}, nil); s != 409 {
		t.Errorf("a stale version: %d", s)
	}
	ww.must("POST", path+"/review", map[string]any{"act": "publicise", "version": got.Version, "from": "2025-10-30", "to": "2025-11-05"}, &got)
	grant := map[string]any{"act": "grant", "version": got.Version, "bid": bid, "amount": "80万元", "shares": []int{4, 3, 3}, "reason": "集体研究",
		"milestones": []map[string]any{{"kind": "midterm", "name": "中试线建成", "due": "2026-06-30", "release": 1}, {"kind": "acceptance", "name": "验收用户验收", "due": "2027-06-30", "release": 2}}}
	if s, b := ww.do("POST", path+"/review", grant, nil); s != 409 {
		t.Errorf("a grant before the 公示 is over: %d %s", s, b)
	}
	fx.advance(130 * 24 * time.Hour) // past 2025-11-05
	ww = signIn(t, fx.base, "ww-staff")
	grant["amount"] = "100.01万元"
	if s, _ := ww.do("POST", path+"/review", grant, nil); s != 422 {
		t.Errorf("over the clause's 100万元: %d", s)
	}
	grant["amount"] = "80万元"
	var granted struct {
		Case      int64
		Challenge struct {
			Review struct{ Grants []struct{ Case int64 } }
		}
	}
	ww.must("POST", path+"/review", grant, &granted)
	if granted.Case == 0 || len(granted.Challenge.Review.Grants) != 1 || granted.Challenge.Review.Grants[0].Case != granted.Case {
		t.Fatalf("the grant: %+v", granted)
	}
	var kase struct {
		Decided struct{ Fen int64 }
		Shares  []int64
	}
	ww.must("GET", fmt.Sprintf("/api/v1/cases/%d", granted.Case), nil, &kase)
	if kase.Decided.Fen != 80_000_000 || len(kase.Shares) != 3 {
		t.Errorf("the case over the API: %+v", kase)
	}

	// 项目执行 over JSON: the lead unit reports, the bureau checks the gate
	var proj struct {
		Version int
		Project project.Grant
	}
	ent := signIn(t, fx.base, "bidder")
	ent.must("GET", path+"/projects/"+bid, nil, &proj)
	if proj.Project.State != project.Executing || len(proj.Project.Milestones) != 2 {
		t.Fatalf("the project over the API: %+v", proj)
	}
	if s, _ := signIn(t, fx.base, "fx-staff").do("GET", path+"/projects/"+bid, nil, nil); s != 404 {
		t.Errorf("staff of another jurisdiction reading the project: %d", s)
	}
	acts := path + "/projects/" + bid + "/actions"
	if s, b := ent.do("POST", acts, map[string]any{"act": "check", "version": proj.Version, "passed": true, "text": "ok"}, nil); s != 403 {
		t.Errorf("the team checking its gate: %d %s", s, b)
	}
	ent.must("POST", acts, map[string]any{"act": "report", "version": proj.Version, "index": 0, "text": "中试线建成"}, &proj)
	if s, _ := ww.do("POST", acts, map[string]any{"act": "check", "version": proj.Version - 1, "index": 0, "passed": true, "text": "通过"}, nil); s != 409 {
		t.Errorf("a check on a stale version: %d", s)
	}
	if s, b := ww.do("POST", acts, map[string]any{"act": "check", "version": proj.Version, "index": 0, "passed": true}, nil); s != 422 || !strings.Contains(b, `"field":"opinion"`) {
		t.Errorf("a check without an opinion: %d %s", s, b)
	}
	ww.must("POST", acts, map[string]any{"act": "check", "version": proj.Version, "index": 0, "passed": true, "text": "中期评估通过"}, &proj)
	ww.must("GET", fmt.Sprintf("/api/v1/cases/%d", granted.Case), nil, &kase)
	var held struct{ Hold []int }
	ww.must("GET", fmt.Sprintf("/api/v1/cases/%d", granted.Case), nil, &held)
	if proj.Project.Milestones[0].Result != "passed" || len(held.Hold) != 1 || held.Hold[0] != 2 {
		t.Errorf("after the mid-term: %+v, case hold %v", proj.Project.Milestones[0], held.Hold)
	}

	anon := &client{t: t, base: fx.base, c: &http.Client{}}
	got.Review.Experts, got.Review.Notice = nil, nil
	anon.must("GET", path, nil, &got)
	if got.Review.Notice == nil || got.Review.Notice.To != "2025-11-05" || len(got.Review.Ranking) != 1 || got.Review.Experts != nil {
		t.Errorf("the public review: %+v", got.Review)
	}
}
