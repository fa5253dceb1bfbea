package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// TestBrowserChallenge: 武威's officer drafts a 揭榜挂帅 challenge on the
// list page and publishes it — the award its clause gives (四（一）3: 10%—20%
// of 500万元) is on the page with its sentence — an enterprise asks a
// question, the officer answers, and a visitor reads the answered question.
// Screenshots: artifacts/screenshots/challenge-*.png.
func TestBrowserChallenge(t *testing.T) {
	chromium(t)
	// in 2025, while 武威's document (to 2025-12-31) is in force
	db, _ := storetest.Open(t, store.SQLite)
	clock := newTestClock(time.Date(2025, 3, 3, 9, 0, 0, 0, Shanghai))
	f := newFixtureOn(t, db, 0, clock.Now)
	base := f.srv.URL
	var loc, published, public, bids, ranked, notice, grants string
	signOut := navigating(chromedp.Click(`form[action="/logout"] button`))
	act := func(sel string, fill map[string]string) chromedp.Tasks {
		tasks := chromedp.Tasks{chromedp.WaitVisible(sel + ` button`)}
		for k, v := range fill {
			tasks = append(tasks, chromedp.SetValue(sel+` `+k, v))
		}
		return append(tasks, navigating(chromedp.Click(sel+` button`)), chromedp.WaitVisible(`p.ok`))
	}
	err := runInBrowser(t,
		signIn(base, "staff-ww"),
		navigating(chromedp.Click(`nav a[href="/challenges"]`)),
		chromedp.WaitVisible(`#challenges`),
		chromedp.Click(`#chal-new summary`),
		chromedp.SetValue(`#chal-new input[name=title]`, "荒漠区光伏板自清洁技术"),
		chromedp.SetValue(`#chal-new input[name=issuer]`, "武威某新能源公司"),
		chromedp.SetValue(`#chal-new input[name=end_user]`, "武威某新能源公司"),
		chromedp.SetValue(`#chal-new input[name=total]`, "500万元"),
		chromedp.SetValue(`#chal-new input[name=deadline]`, "2025-06-30"),
		chromedp.SetValue(`#chal-new textarea[name=problem]`, "风沙导致光伏板发电效率下降"),
		chromedp.SetValue(`#chal-new textarea[name=indicators]`, "清洁后效率恢复≥95%\n无水清洁"),
		navigating(chromedp.Click(`#chal-new button`)),
		chromedp.WaitVisible(`form.act-publish`),
		chromedp.Location(&loc),
		act(`form.act-publish`, nil),
		chromedp.Text(`main`, &published),
		shot(t, "challenge-published"),
		signOut,
		signIn(base, "ent-a"),
		chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(loc).Do(ctx) }),
		act(`form.act-ask`, map[string]string{`input[name=text]`: "是否接受高校与企业联合揭榜？"}),
		// the enterprise bids: direct 410万元 (equipment 100万元), indirect 90万元 ≤ 30% × 310万元 = 93万元
		chromedp.SetValue(`#bid-form input[name=lead_name]`, "张工"),
		chromedp.SetValue(`#bid-form input[name=lead_age]`, "38"),
		chromedp.SetValue(`#bid-form input[name=lead_title]`, "高级工程师"),
		chromedp.SetValue(`#bid-form textarea[name=members]`, "李博士,52,研究员"),
		chromedp.SetValue(`#bid-form input[name="budget_设备费"]`, "100万元"),
		chromedp.SetValue(`#bid-form input[name="budget_材料费"]`, "210万元"),
		chromedp.SetValue(`#bid-form input[name="budget_劳务费"]`, "100万元"),
		chromedp.SetValue(`#bid-form input[name=indirect]`, "90万元"),
		chromedp.Click(`#bid-form input[value="实施方案"]`),
		chromedp.Click(`#bid-form input[value="承诺书"]`),
		navigating(chromedp.Click(`#bid-form button`)),
		chromedp.WaitVisible(`#bid-list`),
		shot(t, "challenge-bid"),
		signOut,
		signIn(base, "staff-ww"),
		chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(loc).Do(ctx) }),
		act(`form.act-answer`, map[string]string{`input[name=text]`: "接受，牵头单位须在本市注册"}),
		chromedp.Text(`#bid-list`, &bids),
		signOut,
		chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(loc).Do(ctx) }),
		chromedp.WaitVisible(`#chal-qa`),
		chromedp.Text(`main`, &public),
		shot(t, "challenge-public"),
		// the deadline passes: the bureau closes the challenge and reviews the bid
		chromedp.ActionFunc(func(context.Context) error { clock.Set(time.Date(2025, 7, 1, 9, 0, 0, 0, Shanghai)); return nil }),
		signIn(base, "staff-ww"),
		chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(loc).Do(ctx) }),
		act(`form.act-close`, nil),
		act(`#rev-assign`, map[string]string{`textarea[name=experts]`: "王建军,王建军,武威市科技局\ne2,李教授,兰州大学\ne3,赵研究员,甘肃省科学院", `input[name=per]`: "2"}),
		chromedp.WaitVisible(`#rev-excluded`),
		act(`#rev-score`, map[string]string{`input[name=item_tech]`: "36", `input[name=item_team]`: "27", `input[name=item_budget]`: "13", `input[name=item_use]`: "12"}),
		act(`#rev-score`, map[string]string{`input[name=item_tech]`: "34", `input[name=item_team]`: "25", `input[name=item_budget]`: "14", `input[name=item_use]`: "13"}),
		act(`#rev-rank`, map[string]string{`input[name=budget]`: "100万元"}),
		chromedp.Text(`#review`, &ranked),
		shot(t, "challenge-review"),
		act(`#rev-publicise`, map[string]string{`input[name=from]`: "2025-07-02", `input[name=to]`: "2025-07-08"}),
		signOut,
		chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(loc).Do(ctx) }),
		chromedp.WaitVisible(`#rev-ranking`),
		chromedp.Text(`main`, &notice),
		shot(t, "challenge-notice"),
		// the 公示 is over: the bureau grants 80万元, paid 4:3:3 from 2025
		chromedp.ActionFunc(func(context.Context) error { clock.Set(time.Date(2025, 7, 9, 9, 0, 0, 0, Shanghai)); return nil }),
		signIn(base, "staff-ww"),
		chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(loc).Do(ctx) }),
		act(`form.rev-grant`, map[string]string{`input[name=amount]`: "80万元", `input[name=reason]`: "局务会集体研究"}),
		chromedp.WaitVisible(`#rev-grants`),
		chromedp.Text(`#rev-grants`, &grants),
		shot(t, "challenge-grant"),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"已发榜", "50万元–100万元", "四（一）3", "清洁后效率恢复≥95%"} {
		if !strings.Contains(published, want) {
			t.Errorf("the published challenge lacks %q", want)
		}
	}
	for _, want := range []string{"是否接受高校与企业联合揭榜？", "接受，牵头单位须在本市注册"} {
		if !strings.Contains(public, want) {
			t.Errorf("the public page lacks %q", want)
		}
	}
	for _, want := range []string{"张工（38岁，高级工程师）", "500万元", "90万元", "≤ 93万元", "50万元–100万元"} {
		if !strings.Contains(bids, want) {
			t.Errorf("the bureau's list of bids lacks %q:\n%s", want, bids)
		}
	}
	// 王建军 is ent-a's 科技专员 in the registry: excluded, so e2 and e3 review (88 and 86: 87.00; totals shown in order)
	for _, want := range []string{"专家 王建军 回避申报", "存在任职关系", "87.00", "86、88", "拟资助", "100万元"} {
		if !strings.Contains(ranked, want) {
			t.Errorf("the review lacks %q:\n%s", want, ranked)
		}
	}
	for _, want := range []string{"2025-07-02 至 2025-07-08", "87.00", "甘肃武威绿源精细化工科技股份有限公司"} {
		if !strings.Contains(notice, want) {
			t.Errorf("the public notice lacks %q", want)
		}
	}
	for _, want := range []string{"80万元", "2025年 32万元；2026年 24万元；2027年 24万元", "局务会集体研究", "事项"} {
		if !strings.Contains(grants, want) {
			t.Errorf("the grant lacks %q:\n%s", want, grants)
		}
	}
	if strings.Contains(notice, "李教授") || strings.Contains(notice, "王建军") {
		t.Error("the public sees the experts")
	}
	if strings.Contains(public, "张工") {
		t.Error("the public sees the bids")
	}
	if strings.Contains(public, "办理记录") {
		t.Error("the public sees the bureau's history")
	}
}
