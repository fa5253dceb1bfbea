package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"kechuang/internal/fulfil"
	"kechuang/internal/store"
)

const wwBName = "古浪县祁连磨坊食品有限公司" // wwB's name in the demo registry

// granted takes a 揭榜挂帅 challenge of 2025 over HTTP from drafting to
// two granted projects (赛马: both bids above the funding line), each
// 50万元 paid 4:3:3 by year under testBook, and returns the challenge's
// path and the bids of wwA and wwB. The clock ends on 2025-07-09.
func granted(t *testing.T, f *fixture, clock *testClock) (path, bidA, bidB string) {
	t.Helper()
	clock.Set(time.Date(2025, 3, 3, 10, 0, 0, 0, Shanghai))
	staff := f.login(t, "staff-ww")
	path = publishWithBids(t, f, staff, url.Values{"title": {"光伏板自清洁"}, "problem": {"风沙天气下光伏板积灰"}, "indicators": {"效率恢复≥95%\n连续运行≥180天"},
		"total": {"500万元"}, "deadline": {"2025-06-30"}, "end_user": {"某光伏电站"}, "issuer": {"市科技局"}, "clause": {"ww-challenge"}}, "ent-a", "ent-b")
	clock.Set(time.Date(2025, 7, 1, 10, 0, 0, 0, Shanghai))
	staff = f.login(t, "staff-ww")
	if res := staff.postCSRF(path+"/act", url.Values{"act": {"close"}}); res.status != http.StatusSeeOther {
		t.Fatalf("closing: %d %.300s", res.status, res.body)
	}
	experts := "王建军,王建军,武威市科技局\ne2,李教授,兰州大学\ne3,赵研究员,甘肃省科学院\ne4,钱高工,某设计院"
	if res := staff.postCSRF(path+"/review", url.Values{"act": {"assign"}, "experts": {experts}, "per": {"2"}, "spread": {"20"}, "rubric": {defaultRubric}}); res.status != http.StatusSeeOther {
		t.Fatalf("assigning: %d %.500s", res.status, res.body)
	}
	enterSheets(t, staff, path, "甘肃武威绿源精细化工科技股份有限公司")
	if res := staff.postCSRF(path+"/review", url.Values{"act": {"rank"}, "budget": {"200万元"}, "pass": {"60"}, "teams": {"0"}}); res.status != http.StatusSeeOther {
		t.Fatalf("ranking: %d %.500s", res.status, res.body)
	}
	if res := staff.postCSRF(path+"/review", url.Values{"act": {"publicise"}, "from": {"2025-07-02"}, "to": {"2025-07-08"}}); res.status != http.StatusSeeOther {
		t.Fatalf("公示: %d %.500s", res.status, res.body)
	}
	clock.Set(time.Date(2025, 7, 9, 10, 0, 0, 0, Shanghai))
	staff = f.login(t, "staff-ww")
	page := staff.get(path).body
	bid := func(name string) string {
		m := regexp.MustCompile(`name="bid" value="([0-9]+)">\s*<strong>` + name).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no grant form for %s's bid", name)
		}
		return m[1]
	}
	bidA, bidB = bid("甘肃武威绿源精细化工科技股份有限公司"), bid(wwBName)
	for _, b := range []string{bidA, bidB} {
		grant := url.Values{"act": {"grant"}, "bid": {b}, "amount": {"50万元"}, "shares": {"4,3,3"}, "reason": {"赛马：两个团队并行攻关"}, "milestones": {testBook}}
		if res := staff.postCSRF(path+"/review", grant); res.status != http.StatusSeeOther {
			t.Fatalf("granting %s: %d %.500s", b, res.status, res.body)
		}
	}
	return path, bidA, bidB
}

// TestChallengeExecutionHTTP runs two 赛马 projects of one challenge over
// plain HTTP from their grant to the end: each fulfilment case walked to
// 拨付, the first year paid by the 2025 batch while the later years wait
// for their gates (a 2026 batch finds nothing to pay), the mid-term passed
// and the second year paid, an extension asked and approved; then wwA's
// project accepted by the end user and paid in full, and wwB's failing its
// acceptance and closed under 容错 — its third year cut, no 失信 record.
func TestChallengeExecutionHTTP(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	clock := newTestClock(time.Date(2026, 11, 22, 10, 0, 0, 0, Shanghai))
	f := newFixtureOn(t, db, 0, clock.Now)
	path, bidA, bidB := granted(t, f, clock)
	projA, projB := path+"/projects/"+bidA, path+"/projects/"+bidB

	staff := f.login(t, "staff-ww")
	bad := url.Values{"act": {"grant"}, "bid": {bidA}, "amount": {"50万元"}, "shares": {"4,3,3"}, "reason": {"x"}, "milestones": {"结题验收｜验收"}}
	if res := staff.postCSRF(path+"/review", bad); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "每行写") {
		t.Errorf("a task book line without its date: %d", res.status)
	}
	if res := f.login(t, "ent-b").get(projA); res.status != http.StatusNotFound {
		t.Errorf("wwB reading wwA's project: %d", res.status)
	}
	page := f.login(t, "ent-a").get(projA)
	for _, want := range []string{`id="proj-plan"`, "待节点通过", "中试线建成", `id="proj-report"`, `id="proj-change"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("wwA's project page lacks %q", want)
		}
	}
	if strings.Contains(page.body, `id="proj-check"`) || strings.Contains(page.body, `id="proj-stop"`) {
		t.Error("the team is offered the bureau's forms")
	}

	// Each case through its workflow to 拨付, then the 2025 batch.
	cases := map[string]int64{}
	c, _, _ := db.Challenge(ctx, idOf(t, path))
	for _, g := range c.Review.Grants {
		cases[g.Bid] = g.Case
	}
	for _, b := range []string{bidA, bidB} {
		toPay(t, f, clock, cases[b])
	}
	pay(t, f, 2025, http.StatusSeeOther)
	for _, p := range []string{projA, projB} {
		if got := planText(t, f.login(t, "staff-ww"), p); got != "2025 20万元 已拨付|2026 15万元 待节点通过|2027 15万元 待节点通过" {
			t.Errorf("%s after the 2025 batch: %s", p, got)
		}
	}
	clock.Set(time.Date(2026, 3, 1, 10, 0, 0, 0, Shanghai))
	if body := pay(t, f, 2026, http.StatusUnprocessableEntity); !strings.Contains(body, "2 笔项目款项待任务书节点通过后拨付") { // both second years are held
		t.Errorf("a 2026 batch before the mid-term: %.300s", body)
	}

	// 2026: the mid-term reports, the checks, an extension.
	clock.Set(time.Date(2026, 6, 20, 10, 0, 0, 0, Shanghai))
	for ent, p := range map[string]string{"ent-a": projA, "ent-b": projB} {
		if res := execAct(t, f.login(t, ent), p, url.Values{"act": {"report"}, "index": {"0"}, "text": {"中试线建成，效率恢复 96%"}}); res.status != http.StatusSeeOther {
			t.Fatalf("%s's mid-term report: %d %.400s", ent, res.status, res.body)
		}
	}
	if res := execAct(t, f.login(t, "ent-a"), projA, url.Values{"act": {"check"}, "index": {"0"}, "passed": {"yes"}, "text": {"自评通过"}}); res.status != http.StatusForbidden {
		t.Errorf("the team checking its own mid-term: %d", res.status)
	}
	staff = f.login(t, "staff-ww")
	for _, p := range []string{projA, projB} {
		if res := execAct(t, staff, p, url.Values{"act": {"check"}, "index": {"0"}, "passed": {"yes"}, "text": {"中期评估通过"}}); res.status != http.StatusSeeOther {
			t.Fatalf("the mid-term check of %s: %d %.400s", p, res.status, res.body)
		}
	}
	if res := execAct(t, f.login(t, "ent-a"), projA, url.Values{"act": {"change"}, "kind": {"extension"}, "due": {"2027-09-30"}, "text": {"验收用户电站检修，推迟验收"}}); res.status != http.StatusSeeOther {
		t.Fatalf("asking for an extension: %d %.400s", res.status, res.body)
	}
	staff = f.login(t, "staff-ww")
	if res := execAct(t, staff, projA, url.Values{"act": {"decide-change"}, "index": {"0"}, "passed": {"yes"}, "text": {"同意延期"}}); res.status != http.StatusSeeOther {
		t.Fatalf("approving the extension: %d %.400s", res.status, res.body)
	}
	if page := staff.get(projA).body; !strings.Contains(page, "2027-09-30") || !strings.Contains(page, "原为：2027-06-30") {
		t.Error("the extension is not shown on the task book")
	}
	pay(t, f, 2026, http.StatusSeeOther)

	// 2027: wwA accepted by the end user; wwB not, and closed under 容错.
	clock.Set(time.Date(2027, 6, 25, 10, 0, 0, 0, Shanghai))
	for ent, p := range map[string]string{"ent-a": projA, "ent-b": projB} {
		if res := execAct(t, f.login(t, ent), p, url.Values{"act": {"report"}, "index": {"1"}, "text": {"结题报告：两项指标的实测数据"}}); res.status != http.StatusSeeOther {
			t.Fatalf("%s's final report: %d %.400s", ent, res.status, res.body)
		}
	}
	staff = f.login(t, "staff-ww")
	if res := execAct(t, staff, projA, url.Values{"act": {"accept"}, "met_0": {"yes"}, "text": {"同意验收"}, "agree": {"yes"}}); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "签署人") {
		t.Errorf("an acceptance without the end user's signatory: %d", res.status)
	}
	if res := execAct(t, staff, projA, url.Values{"act": {"accept"}, "met_0": {"yes"}, "met_1": {"yes"}, "signatory": {"电站站长 刘明"}, "agree": {"yes"}, "text": {"两项指标均达到，同意验收"}, "financial": {"yes"}, "audit": {"经费决算审计无异议"}}); res.status != http.StatusSeeOther {
		t.Fatalf("wwA's acceptance: %d %.400s", res.status, res.body)
	}
	if res := execAct(t, staff, projB, url.Values{"act": {"accept"}, "met_0": {"yes"}, "signatory": {"电站站长 刘明"}, "agree": {"yes"}, "text": {"连续运行仅 120 天"}, "financial": {"yes"}, "audit": {"经费决算审计无异议"}}); res.status != http.StatusSeeOther {
		t.Fatalf("wwB's acceptance: %d %.400s", res.status, res.body)
	}
	if page := staff.get(projB).body; !strings.Contains(page, "结题验收未通过") || !strings.Contains(page, `id="proj-tolerance"`) {
		t.Fatal("wwB's failed acceptance: no 容错 form")
	}
	tol := url.Values{"act": {"tolerance"}, "procedure": {"yes"}, "cause": {"route"}, "diligence": {"实验原始记录（2025—2027）\n年度进展报告\n专项审计报告"},
		"reviews": {"同行评议,确认,省内同行专家组"}, "text": {"涂层技术路线在风沙环境下寿命不足"}}
	typo := url.Values{}
	for k, v := range tol {
		typo[k] = v
	}
	typo.Set("reviews", "同行评议,确定,省内同行专家组")
	if res := execAct(t, staff, projB, typo); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "评议第1行") {
		t.Errorf("a review neither 确认 nor 不确认: %d", res.status)
	}
	if res := execAct(t, staff, projB, tol); res.status != http.StatusSeeOther {
		t.Fatalf("wwB's 容错: %d %.400s", res.status, res.body)
	}
	pay(t, f, 2027, http.StatusSeeOther)

	if got := planText(t, staff, projA); got != "2025 20万元 已拨付|2026 15万元 已拨付|2027 15万元 已拨付" {
		t.Errorf("wwA's plan at the end: %s", got)
	}
	if got := planText(t, staff, projB); got != "2025 20万元 已拨付|2026 15万元 已拨付|2027 15万元 不再拨付" {
		t.Errorf("wwB's plan at the end: %s", got)
	}
	page = staff.get(projB)
	for _, want := range []string{"容错结题", "予以容错，不纳入科研失信范畴", "四（一）6", "《武威市强科技行动实施方案（2022—2025年）》", "未拨付 15万元 不再拨付"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("wwB's closed project lacks %q", want)
		}
	}
	ka, _, _ := db.Case(ctx, cases[bidA])
	kb, _, _ := db.Case(ctx, cases[bidB])
	if ka.Status != fulfil.Paid || kb.Status != fulfil.Ended || !strings.Contains(kb.Ended, "容错") {
		t.Errorf("the cases at the end: wwA %s, wwB %s %q", ka.Status, kb.Status, kb.Ended)
	}
	fb, _, _ := db.Facts(ctx, wwB)
	for _, in := range fb.Incidents {
		if in.Kind == "misconduct" {
			t.Errorf("wwB has a 失信 record after 容错: %+v", in)
		}
	}
	// the portfolio: the problem solved in 2027, both 2025 projects led by 38-year-olds (武威's ≥50% met)
	port := staff.get("/console/projects").body
	for _, want := range []string{"已解决", "2027-06-25", "2/2（100.0%） / ≥50%", "达到", "45歲以下科研人員主持市級科技計劃項目的比例不低于50%", "通过验收", "容错结题"} {
		if !strings.Contains(port, want) {
			t.Errorf("the portfolio lacks %q", want)
		}
	}
	if !regexp.MustCompile(`<td>2027</td><td class="num">0</td><td class="num">0</td><td class="num money">0元</td>\s*<td class="num">1</td>`).MatchString(port) {
		t.Error("the portfolio's 2027 row does not count one problem solved")
	}
	pub := f.anon(t).get(path).body
	for _, want := range []string{"通过验收", "容错结题"} {
		if !strings.Contains(pub, want) {
			t.Errorf("the public challenge page lacks %q", want)
		}
	}
	if strings.Contains(pub, "赛马：两个团队并行攻关") || strings.Contains(pub, "/projects/") {
		t.Error("the public sees the grants' reasons or links to the projects")
	}
}

// toPay walks case id through its workflow to 拨付 as the bureau does:
// 确认, 受理, 初审 by staff-ww, 复核 by staff-ww2, then 公示 for its days.
func toPay(t *testing.T, f *fixture, clock *testClock, id int64) {
	t.Helper()
	act := func(c *client) {
		t.Helper()
		k, _, err := f.db.Case(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"action": {"approve"}, "version": {fmt.Sprint(k.Version)}}
		if k.CurrentStep().Step == fulfil.Review {
			form.Set("score", "85")
		}
		if res := c.postCSRF(fmt.Sprintf("/cases/%d/act", id), form); res.status != http.StatusSeeOther {
			t.Fatalf("case %d at %s: %d %.400s", id, k.CurrentStep().Step, res.status, res.body)
		}
	}
	staff := f.login(t, "staff-ww")
	act(staff)
	act(staff)
	act(staff)
	act(f.login(t, "staff-ww2"))
	clock.Set(clock.Now().AddDate(0, 0, 8))
	act(f.login(t, "staff-ww"))
	if k, _, _ := f.db.Case(context.Background(), id); k.CurrentStep().Step != fulfil.Pay {
		t.Fatalf("case %d is at %s, not 拨付", id, k.CurrentStep().Step)
	}
}

// pay has finance set the year's envelope and make and confirm its batch;
// want is the batch's answer (422: nothing to pay), whose page it returns.
func pay(t *testing.T, f *fixture, year int, want int) string {
	t.Helper()
	fin := f.login(t, "finance-ww")
	if res := fin.postCSRF("/console/budget/envelopes", url.Values{"payer": {"武威市级财政"}, "year": {fmt.Sprint(year)}, "amount": {"500万元"}, "rule": {"queue"}}); res.status != http.StatusSeeOther {
		t.Fatalf("the %d envelope: %d %.400s", year, res.status, res.body)
	}
	res := fin.postCSRF("/console/batches", url.Values{"payer": {"武威市级财政"}, "year": {fmt.Sprint(year)}})
	if res.status != want {
		t.Fatalf("the %d batch: %d, want %d: %.400s", year, res.status, want, res.body)
	}
	if want != http.StatusSeeOther {
		return res.body
	}
	conf := fin.postCSRF(res.location+"/confirm", nil)
	if conf.status != http.StatusSeeOther {
		t.Fatalf("confirming the %d batch: %d %.400s", year, conf.status, conf.body)
	}
	return conf.body
}

// planText reads a project page's payment plan: "year amount state|…".
func planText(t *testing.T, c *client, path string) string {
	t.Helper()
	body := c.get(path).body
	i := strings.Index(body, `id="proj-plan"`)
	if i < 0 {
		t.Fatalf("%s has no plan", path)
	}
	body = body[i : strings.Index(body[i:], "</table>")+i]
	row := regexp.MustCompile(`<td>第[0-9]+期</td><td>([0-9]+)</td><td class="num money">([^<]+)</td><td>([^<]+)</td>`)
	var out []string
	for _, m := range row.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+" "+m[2]+" "+m[3])
	}
	return strings.Join(out, "|")
}

// execAct posts an act to a project page with the challenge's version.
func execAct(t *testing.T, c *client, path string, form url.Values) response {
	t.Helper()
	m := regexp.MustCompile(`name="version" value="([0-9]+)"`).FindStringSubmatch(c.get(path).body)
	if m != nil {
		form.Set("version", m[1])
	}
	return c.postCSRF(path, form)
}

// idOf is a challenge path's id.
func idOf(t *testing.T, path string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path, "/challenges/%d", &id); err != nil {
		t.Fatalf("challenge path %q: %v", path, err)
	}
	return id
}
