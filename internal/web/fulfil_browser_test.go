package web

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kechuang/internal/fulfil"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// clock is a test's movable "now" (公示 lasts days).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) chromedp.Action {
	return chromedp.ActionFunc(func(context.Context) error {
		c.mu.Lock()
		c.t = c.t.Add(d)
		c.mu.Unlock()
		return nil
	})
}

// applyClause is a 武威 clause wwA is entitled to, paid by 武威市级财政 for one
// event, handled by 市科技局, other than wwClause (which goes 免申即享).
func applyClause(t *testing.T, eng *rules.Engine, db *store.DB) *rules.Clause {
	f, _, err := db.Facts(context.Background(), wwA)
	if err != nil {
		t.Fatal(err)
	}
	at, _ := policy.ParseDate(f.AsOf)
	ev := eng.NewEvaluator()
	for _, c := range eng.Clauses {
		if c.ID == wwClause || c.Payer != "武威市级财政" || c.Quota != nil || c.Amount == nil || c.Amount.Kind == "recurring" || !hasDept(c, "市科技局") {
			continue
		}
		if d, cl := ev.Claims(c, f, at, int64(at.Year())); d.Outcome == rules.Entitled && len(cl) == 1 && !cl[0].Unspecified {
			return c
		}
	}
	t.Fatalf("%s is entitled to no other 武威 clause", wwA)
	return nil
}

func hasDept(c *rules.Clause, d string) bool {
	for _, r := range c.Responsible {
		if r == d {
			return true
		}
	}
	return false
}

// TestBrowserFulfilment drives both routes in chromium, on SQLite and on
// PostgreSQL, from proposal or application to a paid ledger entry:
//
//   - 免申即享: staff confirm the proposal the fixture made for wwA's 高新技术企业
//     award, 受理, 初审 (with a score) and — as a second person — 复核; the
//     item is on the public 公示 with the facts it rests on; after the
//     notice 公示期满 moves it to 拨付; finance sets the year's envelope, makes
//     the batch and confirms it; the enterprise sees 已拨付 and the payment.
//   - 申报: the enterprise follows 申报 from its 政策体检 to a form pre-filled
//     from the registry that asks only contact, bank and 承诺; staff take it
//     through the same steps (deciding the amount when the document gives a
//     range); finance pays it.
//
// Screenshots go to artifacts/screenshots (docs/fulfilment.md uses them).
func TestBrowserFulfilment(t *testing.T) {
	chromium(t)
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			db, _ := storetest.Open(t, engine)
			ck := &clock{t: time.Date(2025, 3, 3, 9, 0, 0, 0, Shanghai)}
			f := newFixtureOn(t, db, 100, ck.now)
			base := f.srv.URL
			other := applyClause(t, f.eng, f.db)
			shotName := func(n string) string {
				if engine == store.SQLite {
					return "fulfil-" + n
				}
				return "fulfil-pg-" + n
			}
			caseURL := func(id *int64) string { return fmt.Sprintf("%s/cases/%d", base, *id) }
			// act presses the act's button on the case page (filling the
			// reason, amount or score given) and waits for the page after it.
			act := func(id *int64, action string, fill map[string]string) chromedp.Tasks {
				tasks := chromedp.Tasks{
					chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(caseURL(id)).Do(ctx) }),
					chromedp.WaitVisible(`form.act-` + action + ` button`),
				}
				for name, v := range fill {
					tasks = append(tasks, chromedp.SetValue(`form.act-`+action+` input[name=`+name+`]`, v))
				}
				return append(tasks, navigating(chromedp.Click(`form.act-`+action+` button`)), chromedp.WaitVisible(`p.ok`))
			}
			signOut := navigating(chromedp.Click(`form[action="/logout"] button`))
			autoID := f.caseA
			var applyID int64
			var noticeText, queueText, batchText, mineText, formText, applyCase, paidApply, basis string
			var fields []string
			steps := chromedp.Tasks{
				// 免申即享, by staff.
				signIn(base, "staff-ww"),
				chromedp.Navigate(base + "/console/cases"),
				chromedp.WaitVisible(`#queue`),
				chromedp.Text(`main`, &queueText),
				shot(t, shotName("staff-queue")),
				act(&autoID, "approve", nil), // 确认
				shot(t, shotName("staff-case-confirmed")),
				act(&autoID, "approve", nil),                              // 受理
				act(&autoID, "approve", map[string]string{"score": "90"}), // 初审
				signOut,
				signIn(base, "staff-ww2"),
				act(&autoID, "approve", nil), // 复核
				chromedp.Navigate(base + "/notice"),
				chromedp.WaitVisible(fmt.Sprintf(`#n-%d`, autoID)),
				chromedp.Text(fmt.Sprintf(`#n-%d`, autoID), &noticeText),
				shot(t, shotName("public-notice")),
				ck.add(8 * 24 * time.Hour),
				signIn(base, "staff-ww"),
				act(&autoID, "approve", nil), // 公示期满 → 拨付
				shot(t, shotName("staff-case-at-pay")),
				signOut,

				// 申报, by the enterprise.
				signIn(base, "ent-a"),
				chromedp.Navigate(base + "/subjects/" + wwA),
				chromedp.WaitVisible(`#c-` + other.ID + ` a.apply`),
				navigating(chromedp.Click(`#c-` + other.ID + ` a.apply`)),
				chromedp.WaitVisible(`#apply-form`),
				chromedp.Text(`main`, &formText),
				chromedp.Evaluate(`[...document.querySelectorAll("#apply-form input:not([type=hidden])")].map(e => e.name)`, &fields),
				shot(t, shotName("enterprise-apply-form")),
				chromedp.SendKeys(`#apply-form input[name=contact]`, "王伟"),
				chromedp.SendKeys(`#apply-form input[name=phone]`, "0935-2212345"),
				chromedp.SendKeys(`#apply-form input[name=bank]`, "甘肃银行武威分行"),
				chromedp.SendKeys(`#apply-form input[name=account]`, "62280000000000012"),
				chromedp.Click(`#apply-form input[name=pledge]`),
				navigating(chromedp.Click(`#apply-form button[type=submit]`)),
				chromedp.WaitVisible(`p.ok`),
				chromedp.Text(`main`, &applyCase),
				chromedp.Evaluate(`+location.pathname.split("/").pop()`, &applyID),
				shot(t, shotName("enterprise-applied")),
				signOut,
				signIn(base, "staff-ww"),
				act(&applyID, "approve", nil), // 受理
			}
			// A range is decided before 初审 passes.
			var decide bool
			steps = append(steps,
				chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(caseURL(&applyID)).Do(ctx) }),
				chromedp.WaitVisible(`form.act-approve`),
				chromedp.Evaluate(`!!document.querySelector("form.act-decide")`, &decide),
				chromedp.ActionFunc(func(ctx context.Context) error {
					if !decide {
						return nil
					}
					c, _, err := f.db.Case(ctx, applyID)
					if err != nil {
						return err
					}
					return act(&applyID, "decide", map[string]string{"amount": c.Computed.Min.String(), "reason": "按评审意见取下限"}).Do(ctx)
				}),
				act(&applyID, "approve", map[string]string{"score": "85"}), // 初审
				signOut,
				signIn(base, "staff-ww2"),
				act(&applyID, "approve", nil), // 复核
				ck.add(8*24*time.Hour),
				signIn(base, "staff-ww"),
				act(&applyID, "approve", nil), // 公示期满
				signOut,

				// Finance pays both.
				signIn(base, "finance-ww"),
				chromedp.ActionFunc(func(ctx context.Context) error {
					// One batch of the latest budget year the two cases are
					// paid in (a batch takes every installment due up to its
					// year), under that year's envelope.
					var last int64
					for _, id := range []int64{autoID, applyID} {
						c, _, err := f.db.Case(ctx, id)
						if err != nil {
							return err
						}
						if c.CurrentStep().Step != fulfil.Pay {
							return fmt.Errorf("case %d is at %s, not 拨付", id, c.CurrentStep().Step)
						}
						last = max(last, c.Schedule[0].Year)
					}
					for _, y := range []int64{last} {
						if y != 2024 { // the fixture has 2024's envelope; finance sets this year's
							if err := chromedp.Run(ctx,
								chromedp.Navigate(base+"/console/budget"),
								chromedp.WaitVisible(`#envelope-form`),
								chromedp.SetValue(`#envelope-form input[name=year]`, fmt.Sprint(y)),
								chromedp.SetValue(`#envelope-form input[name=amount]`, "500万元"),
								chromedp.SetValue(`#envelope-form select[name=rule]`, "queue"),
								navigating(chromedp.Click(`#envelope-form button`)),
								chromedp.WaitVisible(`#envelopes`),
								shot(t, shotName("finance-budget")),
							); err != nil {
								return err
							}
						}
						if err := chromedp.Run(ctx,
							chromedp.Navigate(base+"/console/batches"),
							chromedp.WaitVisible(`#batch-form`),
							chromedp.SetValue(`#batch-form input[name=year]`, fmt.Sprint(y)),
							navigating(chromedp.Click(`#batch-form button`)),
							chromedp.WaitVisible(`#lines`),
							chromedp.Text(`main`, &batchText),
							shot(t, shotName("finance-batch")),
							navigating(chromedp.Click(`#confirm-form button`)),
							chromedp.WaitVisible(`#lines`),
							shot(t, shotName("finance-batch-confirmed")),
						); err != nil {
							return err
						}
					}
					return nil
				}),
				signOut,
				signIn(base, "ent-a"),
				chromedp.Navigate(base+"/me/cases"),
				chromedp.WaitVisible(`#my-cases`),
				chromedp.Text(`main`, &mineText),
				shot(t, shotName("enterprise-my-cases")),
				chromedp.ActionFunc(func(ctx context.Context) error { return chromedp.Navigate(caseURL(&applyID)).Do(ctx) }),
				chromedp.WaitVisible(`#basis`),
				chromedp.Text(`#basis`, &basis),
				chromedp.Text(`main`, &paidApply),
				shot(t, shotName("enterprise-case-paid")),
			)
			if err := runInBrowserOnce(t, steps); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"免申即享", "绿源"} {
				if !strings.Contains(queueText, want) {
					t.Errorf("the staff queue does not show %q", want)
				}
			}
			if !strings.Contains(noticeText, "绿源") || !strings.Contains(noticeText, "20万元") || !strings.Contains(noticeText, "公示期") {
				t.Errorf("the 公示 item: %q", noticeText)
			}
			for _, name := range fields {
				if name != "contact" && name != "phone" && name != "bank" && name != "account" && name != "pledge" {
					t.Errorf("the application form asks for %q, which the platform has", name)
				}
			}
			if len(fields) != 5 || !strings.Contains(formText, "已从主体库预填") {
				t.Errorf("the application form: fields %v: %q", fields, formText)
			}
			if !strings.Contains(applyCase, "受理") || !strings.Contains(applyCase, "预计到账") {
				t.Errorf("the submitted application: %q", applyCase)
			}
			if !strings.Contains(batchText, "支付键") || !strings.Contains(batchText, "绿源") {
				t.Errorf("the batch page: %q", batchText)
			}
			if strings.Count(mineText, "已拨付") < 2 || !strings.Contains(mineText, "已到账") {
				t.Errorf("the enterprise's cases after payment: %q", mineText)
			}
			if !strings.Contains(paidApply, "拨付到账") || basis == "" {
				t.Errorf("the paid application: %q", paidApply)
			}
			r, err := f.db.Reconcile(context.Background())
			if err != nil || len(r.Problems) > 0 {
				t.Errorf("reconciliation: %v %v", err, r.Problems)
			}
			ps, _ := f.db.Ledger(context.Background(), wwA, "")
			if len(ps) != 2 || ps[0].State != "paid" || ps[1].State != "paid" {
				t.Errorf("wwA's ledger: %+v", ps)
			}
		})
	}
}

// runInBrowserOnce runs steps that change data in one browser: unlike the
// read-only tests' runInBrowser they cannot simply be run again.
func runInBrowserOnce(t *testing.T, tasks chromedp.Tasks) error {
	return chromedp.Run(browser(t), tasks)
}
