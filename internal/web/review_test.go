package web

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"kechuang/internal/store"
)

// TestChallengeReviewHTTP runs a challenge's review over plain HTTP as the
// bureau does it: two bids, the deadline passes, experts assigned with the
// registry's 科技专员 of one bidder (王建军, in its facts) and a declared
// relation excluded, every sheet entered, the ranking with its funding
// line, then 公示 — which the public then sees, without the experts.
func TestChallengeReviewHTTP(t *testing.T) {
	const wwAName = "甘肃武威绿源精细化工科技股份有限公司" // wwA's name, shown for its bid
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := newTestClock(time.Date(2026, 11, 22, 10, 0, 0, 0, Shanghai))
	f := newFixtureOn(t, db, 0, clock.Now)
	// a challenge of 2025, while 武威's document (2022—2025) is in force
	clock.Set(time.Date(2025, 3, 3, 10, 0, 0, 0, Shanghai))
	staff := f.login(t, "staff-ww")
	path := publishWithBids(t, f, staff, url.Values{"title": {"光伏板自清洁"}, "problem": {"风沙天气下光伏板积灰"}, "indicators": {"效率恢复≥95%"},
		"total": {"500万元"}, "deadline": {"2025-06-30"}, "end_user": {"某光伏电站"}, "issuer": {"市科技局"}, "clause": {"ww-challenge"}}, "ent-a", "ent-b")
	experts := "王建军,王建军,武威市科技局\ne2,李教授,兰州大学\ne3,赵研究员,甘肃省科学院\ne4,钱高工,某设计院"
	assign := url.Values{"act": {"assign"}, "experts": {experts}, "declared": {"e4," + wwB + ",曾任该公司顾问"}, "per": {"2"}, "spread": {"20"}, "rubric": {defaultRubric}}
	if res := staff.postCSRF(path+"/review", assign); res.status != http.StatusConflict || !strings.Contains(res.body, "评审在揭榜截止后进行") {
		t.Errorf("a review before the deadline: %d", res.status)
	}
	clock.Set(time.Date(2025, 7, 1, 10, 0, 0, 0, Shanghai))
	staff = f.login(t, "staff-ww") // the earlier session has expired
	if res := staff.postCSRF(path+"/act", url.Values{"act": {"close"}}); res.status != http.StatusSeeOther {
		t.Fatalf("closing: %d %.300s", res.status, res.body)
	}
	bad := url.Values{}
	for k, v := range assign {
		bad[k] = v
	}
	bad["rubric"] = []string{"tech,技术方案,60\nteam,团队,30"}
	if res := staff.postCSRF(path+"/review", bad); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "sum to 90, not 100") {
		t.Errorf("a rubric of 90 points: %d", res.status)
	}
	if res := staff.postCSRF(path+"/review", assign); res.status != http.StatusSeeOther {
		t.Fatalf("assigning: %d %.500s", res.status, res.body)
	}
	page := staff.get(path)
	for _, want := range []string{"专家 王建军 回避申报", "专家与 " + wwA + " 存在任职关系", "专家 e4 回避申报", "专家本人申报：曾任该公司顾问", `id="rev-score"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the review page lacks %q", want)
		}
	}
	// enter every pending sheet: wwA's bid gets 90s, wwB's 70s
	enterSheets(t, staff, path, wwAName)
	if res := staff.postCSRF(path+"/review", url.Values{"act": {"rank"}, "budget": {"100万元"}, "pass": {"60.5"}, "teams": {"0"}}); res.status != http.StatusSeeOther {
		t.Fatalf("ranking: %d %.500s", res.status, res.body)
	}
	page = staff.get(path)
	for _, want := range []string{`id="rev-ranking"`, "90.00", "70.00", "超出剩余资金", `id="rev-publicise"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the ranked page lacks %q", want)
		}
	}
	if pub := f.anon(t).get(path); strings.Contains(pub.body, `id="rev-ranking"`) {
		t.Error("the public sees the ranking before 公示")
	}
	if res := staff.postCSRF(path+"/review", url.Values{"act": {"publicise"}, "from": {"2025-07-02"}, "to": {"2025-07-08"}}); res.status != http.StatusSeeOther {
		t.Fatalf("公示: %d %.500s", res.status, res.body)
	}
	if res := staff.postCSRF(path+"/review", url.Values{"act": {"grant"}, "bid": {"1"}, "amount": {"80万元"}, "shares": {"4,3,3"}, "reason": {"集体研究"}}); res.status != http.StatusConflict || !strings.Contains(res.body, "期满后方可立项资助") {
		t.Errorf("a grant during the 公示: %d", res.status)
	}
	clock.Set(time.Date(2025, 7, 9, 10, 0, 0, 0, Shanghai))
	staff = f.login(t, "staff-ww")
	m := regexp.MustCompile(`name="bid" value="([0-9]+)">\s*<strong>` + wwAName).FindStringSubmatch(staff.get(path).body)
	if m == nil {
		t.Fatal("no grant form for the funded bid")
	}
	grant := url.Values{"act": {"grant"}, "bid": {m[1]}, "amount": {"120万元"}, "shares": {"4,3,3"}, "reason": {"集体研究"}, "milestones": {testBook}}
	if res := staff.postCSRF(path+"/review", grant); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "四（一）3") {
		t.Errorf("120万元, over the clause's 100万元: %d", res.status)
	}
	grant["amount"] = []string{"80万元"}
	if res := staff.postCSRF(path+"/review", grant); res.status != http.StatusSeeOther {
		t.Fatalf("granting: %d %.500s", res.status, res.body)
	}
	page = staff.get(path)
	cm := regexp.MustCompile(`<a href="(/cases/[0-9]+)">`).FindStringSubmatch(page.body)
	if !strings.Contains(page.body, "2025年 32万元；2026年 24万元；2027年 24万元") || cm == nil || strings.Contains(page.body, `class="inline-form rev-grant"`) {
		t.Fatalf("the granted page: the plan by year, the case, no second form")
	}
	if kase := staff.get(cm[1]); kase.status != http.StatusOK || !strings.Contains(kase.body, "80万元") || !strings.Contains(kase.body, "集体研究") {
		t.Errorf("the fulfilment case %s: %d", cm[1], kase.status)
	}
	pub := f.anon(t).get(path)
	if !strings.Contains(pub.body, `id="rev-ranking"`) || !strings.Contains(pub.body, "2025-07-02 至 2025-07-08") || strings.Contains(pub.body, "王建军") || strings.Contains(pub.body, "李教授") {
		t.Errorf("the public page after 公示: ranking and period shown, experts hidden")
	}
}

// publishWithBids drafts the challenge of form as staff, publishes it, and
// has each of ents bid 500万元 (设备费 100万元, 材料费 210万元, 劳务费 100万元,
// 间接费用 90万元, lead aged 38); it returns the challenge's path.
func publishWithBids(t *testing.T, f *fixture, staff *client, form url.Values, ents ...string) string {
	t.Helper()
	res := staff.postCSRF("/console/challenges", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("drafting: %d %.300s", res.status, res.body)
	}
	path := res.location
	if res := staff.postCSRF(path+"/act", url.Values{"act": {"publish"}}); res.status != http.StatusSeeOther {
		t.Fatalf("publishing: %d %.300s", res.status, res.body)
	}
	for _, ent := range ents {
		bid := url.Values{"lead_name": {"张工-" + ent}, "lead_age": {"38"}, "lead_title": {"高级工程师"},
			"budget_设备费": {"100万元"}, "budget_材料费": {"210万元"}, "budget_劳务费": {"100万元"}, "indirect": {"90万元"}, "attachments": {"实施方案", "承诺书"}}
		if res := f.login(t, ent).postCSRF(path+"/bids", bid); res.status != http.StatusSeeOther {
			t.Fatalf("%s's bid: %d %.300s", ent, res.status, res.body)
		}
	}
	return path
}

// enterSheets enters every pending review sheet of the challenge at path:
// the bid of favoured (a lead unit's name) gets 90s, the others 70s. It
// fails if 王建军, wwA's 科技专员 in the registry, is ever given wwA's bid.
func enterSheets(t *testing.T, staff *client, path, favoured string) {
	t.Helper()
	const wwAName = "甘肃武威绿源精细化工科技股份有限公司"
	pair := regexp.MustCompile(`<option value="([0-9]+)/([^"]+)">申报 [0-9]+（([^）]+)）`)
	for i := 0; ; i++ {
		m := pair.FindStringSubmatch(staff.get(path).body)
		if m == nil {
			return
		}
		if i > 10 {
			t.Fatal("the sheets never run out")
		}
		if m[2] == "王建军" && m[3] == wwAName {
			t.Fatalf("王建军 was assigned to %s's bid", wwA)
		}
		pts := map[bool][]string{true: {"36", "27", "14", "13"}, false: {"28", "21", "11", "10"}}[m[3] == favoured]
		form := url.Values{"act": {"score"}, "pair": {m[1] + "/" + m[2]}, "item_tech": {pts[0]}, "item_team": {pts[1]}, "item_budget": {pts[2]}, "item_use": {pts[3]}}
		if res := staff.postCSRF(path+"/review", form); res.status != http.StatusSeeOther {
			t.Fatalf("sheet %v: %d %.500s", m[1:], res.status, res.body)
		}
	}
}

// testBook is the task book the tests grant with: the mid-term holds the
// second year's payment, the acceptance the third.
const testBook = "中期评估｜中试线建成｜2026-06-30｜第2期\n结题验收｜验收用户验收｜2027-06-30｜第3期"

// testClock is a clock a test moves (the deadline passes) while the
// server reads it from its goroutines.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.Set(t)
	return c
}

func (c *testClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }
func (c *testClock) Now() time.Time  { return time.Unix(0, c.ns.Load()).In(Shanghai) }
