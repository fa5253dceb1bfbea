package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// TestBrowserProject runs the two 赛马 projects of a granted challenge in
// the browser from their grant to their ends: the bureau takes each
// fulfilment case through 确认, 受理, 初审, 复核 (a second officer) and
// 公示 to 拨付, finance sets the year's envelope and makes and confirms the
// 2025 batch; each team reports its mid-term on its project page, the
// bureau passes both, the 2026 batch pays the second years; the teams
// report their results, the bureau records the end user's acceptance —
// wwA's passes and the 2027 batch pays its last year, wwB's misses an
// indicator and the project is closed under 容错. The challenge up to the
// grant is made over HTTP (TestBrowserChallenge walks those pages in the
// browser). Screenshots: artifacts/screenshots/project-*.png.
func TestBrowserProject(t *testing.T) {
	chromium(t)
	db, _ := storetest.Open(t, store.SQLite)
	clock := newTestClock(time.Date(2025, 3, 3, 9, 0, 0, 0, Shanghai))
	f := newFixtureOn(t, db, 0, clock.Now)
	base := f.srv.URL
	path, bidA, bidB := granted(t, f, clock)
	projA, projB := base+path+"/projects/"+bidA, base+path+"/projects/"+bidB
	c, _, _ := db.Challenge(context.Background(), idOf(t, path))

	var teamPage, accepted, tolerated, paidA, portfolio, public string
	signOut := navigating(chromedp.Click(`form[action="/logout"] button`))
	at := func(d time.Time) chromedp.Action {
		return chromedp.ActionFunc(func(context.Context) error { clock.Set(d); return nil })
	}
	open := func(url string) chromedp.Action {
		return navigating(chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(url).Do(ctx) }))
	}
	submit := func(sel string, fill map[string]string, clicks ...string) chromedp.Tasks {
		tasks := chromedp.Tasks{chromedp.WaitVisible(sel + ` button[type=submit]`)}
		for k, v := range fill {
			tasks = append(tasks, chromedp.SetValue(sel+` `+k, v))
		}
		for _, c := range clicks {
			tasks = append(tasks, chromedp.Click(sel+` `+c))
		}
		return append(tasks, navigating(chromedp.Click(sel+` button[type=submit]`)), chromedp.WaitVisible(`p.ok`))
	}
	// caseToPay takes case id through its workflow on the case page.
	caseToPay := func(id int64) chromedp.Tasks {
		approve := func(fill map[string]string) chromedp.Tasks {
			return append(chromedp.Tasks{open(fmt.Sprintf("%s/cases/%d", base, id))}, submit(`form.act-approve`, fill)...)
		}
		return chromedp.Tasks{
			signIn(base, "staff-ww"), approve(nil), approve(nil), approve(map[string]string{`input[name=score]`: "85"}), signOut, // 确认, 受理, 初审
			signIn(base, "staff-ww2"), approve(nil), signOut, // 复核
			chromedp.ActionFunc(func(context.Context) error { clock.Set(clock.Now().AddDate(0, 0, 8)); return nil }),
			signIn(base, "staff-ww"), approve(nil), signOut, // 公示期满
		}
	}
	// payYear has finance set the year's envelope, then make and confirm its batch.
	payYear := func(y int) chromedp.Tasks {
		return chromedp.Tasks{
			signIn(base, "finance-ww"),
			open(base + "/console/budget"),
			chromedp.WaitVisible(`#envelope-form`),
			chromedp.SetValue(`#envelope-form input[name=year]`, fmt.Sprint(y)),
			chromedp.SetValue(`#envelope-form input[name=amount]`, "500万元"),
			chromedp.SetValue(`#envelope-form select[name=rule]`, "queue"),
			navigating(chromedp.Click(`#envelope-form button`)),
			chromedp.WaitVisible(`#envelopes`),
			open(base + "/console/batches"),
			chromedp.WaitVisible(`#batch-form`),
			chromedp.SetValue(`#batch-form input[name=year]`, fmt.Sprint(y)),
			navigating(chromedp.Click(`#batch-form button`)),
			chromedp.WaitVisible(`#lines`),
			navigating(chromedp.Click(`#confirm-form button`)),
			chromedp.WaitVisible(`#lines`),
			signOut,
		}
	}
	var walk chromedp.Tasks
	for _, g := range c.Review.Grants {
		walk = append(walk, caseToPay(g.Case))
	}
	err := runInBrowserOnce(t, chromedp.Tasks{
		walk,
		payYear(2025),
		// 2026: the mid-term
		at(time.Date(2026, 6, 20, 9, 0, 0, 0, Shanghai)),
		signIn(base, "ent-a"),
		open(projA),
		submit(`#proj-report`, map[string]string{`textarea[name=text]`: "中试线建成，效率恢复 96%，经费执行 41%"}),
		chromedp.Text(`main`, &teamPage),
		shot(t, "project-team"),
		signOut,
		signIn(base, "ent-b"),
		open(projB),
		submit(`#proj-report`, map[string]string{`textarea[name=text]`: "中试线建成，效率恢复 95%"}),
		signOut,
		signIn(base, "staff-ww"),
		open(projA),
		submit(`#proj-check`, map[string]string{`textarea[name=text]`: "中期评估通过，同意拨付第2期"}, `input[name=passed][value=yes]`),
		open(projB),
		submit(`#proj-check`, map[string]string{`textarea[name=text]`: "中期评估通过"}, `input[name=passed][value=yes]`),
		signOut,
		payYear(2026),
		// 2027: the results and the end user's acceptance
		at(time.Date(2027, 6, 25, 9, 0, 0, 0, Shanghai)),
		signIn(base, "ent-a"),
		open(projA),
		submit(`#proj-report`, map[string]string{`textarea[name=text]`: "结题报告：效率恢复 97%，连续运行 200 天"}),
		signOut,
		signIn(base, "ent-b"),
		open(projB),
		submit(`#proj-report`, map[string]string{`textarea[name=text]`: "结题报告：效率恢复 95%，连续运行 120 天"}),
		signOut,
		signIn(base, "staff-ww"),
		open(projA),
		submit(`#proj-accept`, map[string]string{`input[name=signatory]`: "电站站长 刘明", `textarea[name=text]`: "两项指标均达到，同意验收", `input[name=audit]`: "经费决算审计无异议"},
			`input[name=met_0]`, `input[name=met_1]`, `input[name=agree]`, `input[name=financial]`),
		chromedp.Text(`main`, &accepted),
		shot(t, "project-accepted"),
		open(projB),
		submit(`#proj-accept`, map[string]string{`input[name=signatory]`: "电站站长 刘明", `textarea[name=text]`: "连续运行仅 120 天，未达到 180 天", `input[name=audit]`: "经费决算审计无异议"},
			`input[name=met_0]`, `input[name=agree]`, `input[name=financial]`),
		submit(`#proj-tolerance`, map[string]string{`textarea[name=diligence]`: "实验原始记录（2025—2027）\n年度进展报告\n专项审计报告",
			`textarea[name=reviews]`: "同行评议,确认,省内同行专家组", `textarea[name=text]`: "涂层技术路线在风沙环境下寿命不足"}, `input[name=procedure]`),
		chromedp.Text(`main`, &tolerated),
		shot(t, "project-tolerance"),
		signOut,
		payYear(2027),
		signIn(base, "staff-ww"),
		open(projA),
		chromedp.Text(`#proj-plan`, &paidA),
		shot(t, "project-paid"),
		open(base + "/console/projects"),
		chromedp.WaitVisible(`#port-years`),
		chromedp.Text(`main`, &portfolio),
		shot(t, "project-portfolio"),
		signOut,
		open(base + path),
		chromedp.Text(`#rev-grants`, &public),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"已拨付", "待节点通过", "中试线建成，效率恢复 96%", "提交报告"} {
		if !strings.Contains(teamPage, want) {
			t.Errorf("the team's page after its report lacks %q", want)
		}
	}
	if strings.Contains(teamPage, "录入检查结论") || strings.Contains(teamPage, "终止支持") {
		t.Error("the team is offered the bureau's forms")
	}
	for _, want := range []string{"通过结题验收", "效率恢复≥95% ✓", "电站站长 刘明", "通过验收"} {
		if !strings.Contains(accepted, want) {
			t.Errorf("wwA's accepted project lacks %q", want)
		}
	}
	for _, want := range []string{"容错结题", "予以容错，不纳入科研失信范畴", "技术路线选择有误", "四（一）6", "未拨付 15万元 不再拨付", "不再拨付"} {
		if !strings.Contains(tolerated, want) {
			t.Errorf("wwB's project under 容错 lacks %q", want)
		}
	}
	if strings.Count(paidA, "已拨付") != 3 {
		t.Errorf("wwA's plan after the 2027 batch:\n%s", paidA)
	}
	for _, want := range []string{"项目信息库", "动态榜单", "已解决", "100.0%"} {
		if !strings.Contains(portfolio, want) {
			t.Errorf("the portfolio lacks %q", want)
		}
	}
	for _, want := range []string{"通过验收", "容错结题"} {
		if !strings.Contains(public, want) {
			t.Errorf("the public grants lack %q:\n%s", want, public)
		}
	}
}
