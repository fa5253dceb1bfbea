package web

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/fulfil"
	"kechuang/internal/money"
	"kechuang/internal/pool"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// TestBrowserPool walks 肥乡's officer through the 高新技术企业培育库 in
// chromium, on SQLite and on PostgreSQL: from the pool page to the first
// candidate (one condition short of 高新技术企业), an invitation the
// enterprise accepts from its own 我的培育库, the two approval steps — the
// second admits it and makes the 3万元 proposal of 二（二） — an officer and
// a 一企一策 plan, and a dated follow-up note with next steps, which the
// enterprise then reads on its membership page.
//
// Screenshots go to artifacts/screenshots (docs/pools.md uses them).
func TestBrowserPool(t *testing.T) {
	chromium(t)
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			db, _ := storetest.Open(t, engine)
			f := newFixtureOn(t, db, 300, nil)
			// a 肥乡 enterprise meeting every computable 高企 condition: the closest candidate
			candidate, err := os.ReadFile("../../examples/feixiang-hte-candidate.json")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.db.PutFacts(context.Background(), candidate, store.Entry{Source: "import", By: "test"}); err != nil {
				t.Fatal(err)
			}
			base := f.srv.URL
			name := func(n string) string {
				if engine == store.SQLite {
					return "pool-" + n
				}
				return "pool-pg-" + n
			}
			var subject, loc, poolText, memberText, historyText, caseText, firmText, casesLink string
			var memberID int64
			memberURL := func() string { return base + "/pool-members/" + strconv.FormatInt(memberID, 10) }
			// act submits the membership page's form for act, filling fields.
			act := func(a pool.Act, fill map[string]string) chromedp.Tasks {
				tasks := chromedp.Tasks{
					chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(memberURL()).Do(ctx) }),
					chromedp.WaitVisible(`form.act-` + string(a) + ` button`),
				}
				for sel, v := range fill {
					tasks = append(tasks, chromedp.SetValue(`form.act-`+string(a)+` `+sel, v))
				}
				var said string
				return append(tasks, navigating(chromedp.Click(`form.act-`+string(a)+` button`)), chromedp.WaitVisible(`main p[role]`),
					chromedp.Text(`main p[role]`, &said), chromedp.ActionFunc(func(context.Context) error {
						if !strings.HasPrefix(said, "已办理") {
							t.Errorf("%s was refused: %s", pool.ActZh(a), said)
							return errs.E(errs.Conflict, "%s", said)
						}
						return nil
					}))
			}
			signOut := navigating(chromedp.Click(`form[action="/logout"] button`))
			err = runInBrowser(t,
				signIn(base, "staff-fx"),
				navigating(chromedp.Click(`nav a[href="/console/pools"]`)),
				chromedp.WaitVisible(`#pools`),
				navigating(chromedp.Click(`#pools a[href="/console/pools/fx_hte_pool"]`)),
				chromedp.WaitVisible(`#candidates`),
				chromedp.Text(`main`, &poolText),
				shot(t, name("candidates")),
				chromedp.AttributeValue(`#candidates tbody tr:first-child input[name=subject]`, "value", &subject, nil),
				navigating(chromedp.Click(`#candidates tbody tr:first-child button`)),
				chromedp.WaitVisible(`p.ok`),
				chromedp.Location(&loc),
				chromedp.ActionFunc(func(context.Context) error {
					m := regexp.MustCompile(`/pool-members/(\d+)`).FindStringSubmatch(loc)
					if m == nil {
						t.Fatalf("after the invitation the browser is at %s", loc)
					}
					memberID, _ = strconv.ParseInt(m[1], 10, 64)
					// the candidate's own account, to accept and to read its record
					err := f.db.CreateUser(context.Background(), auth.User{ID: "ent-fx-cand", Role: auth.Enterprise, Subject: subject}, testPassword, "test")
					if errs.KindOf(err) == errs.Conflict {
						err = nil
					}
					return err
				}),
				signOut,
				signIn(base, "ent-fx-cand"),
				navigating(chromedp.Click(`nav a[href="/me/pools"]`)),
				chromedp.WaitVisible(`a[href^="/pool-members/"]`),
				shot(t, name("enterprise-invited")),
				navigating(chromedp.Click(`a[href^="/pool-members/"]`)),
				act(pool.ApplyAct, map[string]string{`textarea[name=note]`: "同意入库，愿意接受培育"}),
				signOut,
				signIn(base, "staff-fx"),
				act(pool.Pass, nil), // 对照入库标准审核
				act(pool.Pass, nil), // 审批入库: admits
				chromedp.WaitVisible(`#member-cases a`),
				chromedp.AttributeValue(`#member-cases a`, "href", &casesLink, nil),
				act(pool.Assign, map[string]string{`input[name=officer]`: "王科长", `textarea[name=note]`: "一企一策：补足近三年研发费用比例至5%以上，规范研发费用辅助账"}),
				act(pool.Note, map[string]string{`textarea[name=note]`: "上门辅导研发费用归集，企业已建立辅助账", `input[name=next]`: "提交2026年度研发费用专项审计报告",
					`input[name=next_date]`: "2027-01-15"}),
				chromedp.Text(`main`, &memberText),
				chromedp.Text(`#member-history`, &historyText),
				shot(t, name("member")),
				chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(base + casesLink).Do(ctx) }),
				chromedp.WaitVisible(`#basis`),
				chromedp.Text(`main`, &caseText),
				shot(t, name("proposal")),
				signOut,
				signIn(base, "ent-fx-cand"),
				chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(memberURL()).Do(ctx) }),
				chromedp.WaitVisible(`#member-history`),
				chromedp.Text(`main`, &firmText),
				shot(t, name("enterprise-member")),
			)
			if err != nil {
				t.Fatal(err)
			}
			if subject != "e-fx-7" {
				t.Errorf("the first candidate is %s, want e-fx-7 (examples/feixiang-hte-candidate.json, admissible at distance 0)", subject)
			}
			for _, want := range []string{"按《高新技术企业认定管理办法》设立的入库标准", "地方配置", "符合入库标准", "邀请入库"} {
				if !strings.Contains(poolText, want) {
					t.Errorf("the pool page lacks %q", want)
				}
			}
			for _, want := range []string{"已入库", "王科长", "2027-01-15", "一企一策：补足近三年研发费用比例"} {
				if !strings.Contains(memberText, want) {
					t.Errorf("the membership page lacks %q", want)
				}
			}
			for _, want := range []string{"邀请入库", "申请入库", "审核通过（区科技和工业信息化局对照入库标准审核）", "审核通过（区科技和工业信息化局审批入库）", "上门辅导研发费用归集", "提交2026年度研发费用专项审计报告"} {
				if !strings.Contains(historyText, want) {
					t.Errorf("the history lacks %q:\n%s", want, historyText)
				}
			}
			for _, want := range []string{"3万元", "免申即享", "高新技术企业培育库入库企业培育资金", "对培育入库企业,每家企业给予3万元培育资金"} {
				if !strings.Contains(caseText, want) {
					t.Errorf("the proposal's page lacks %q", want)
				}
			}
			for _, want := range []string{"已入库", "王科长", "上门辅导研发费用归集", "提交2026年度研发费用专项审计报告"} {
				if !strings.Contains(firmText, want) {
					t.Errorf("the enterprise's view of its membership lacks %q", want)
				}
			}
			// the store agrees with what the pages showed
			cs, err := f.db.Cases(context.Background(), store.CaseFilter{Subject: subject, Clause: "fx-hte-pool"})
			if err != nil || len(cs) != 1 || cs[0].Computed != money.Exact(3_000_000) || cs[0].Route != fulfil.RouteAuto || cs[0].FY != 2026 {
				t.Errorf("the proposal: %v %+v", err, cs)
			}
		})
	}
}
