package web

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/inspector"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's chromium (headless, through the DevTools
// protocol) against a real server on a temporary database: an enterprise
// signs in and opens its 政策体检 and a citation's source; staff open the
// policy browser, search subjects live (htmx), read the dashboard (ECharts)
// and a 免申即享 list. Each step saves a screenshot under
// artifacts/screenshots (KECHUANG_ARTIFACTS to change).
//
// Without chromium the tests are skipped with a notice; .ci/run installs
// chromium and sets KECHUANG_REQUIRE_BROWSER=1, so CI fails instead.

func chromium(t *testing.T) string {
	for _, name := range []string{os.Getenv("KECHUANG_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "SKIPPED: browser tests need Debian's chromium (apt-get install chromium fonts-noto-cjk, or scripts/setup)"
	if os.Getenv("KECHUANG_REQUIRE_BROWSER") != "" {
		t.Fatal(msg + "; KECHUANG_REQUIRE_BROWSER is set")
	}
	fmt.Fprintln(os.Stderr, "\n*** "+msg+" ***")
	t.Skip(msg)
	return ""
}

func artifacts(t *testing.T) string {
	dir := os.Getenv("KECHUANG_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "artifacts", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts a headless chromium with the flags this machine needs
// (no sandbox as root, no background networking on a closed network).
func browser(t *testing.T) context.Context {
	exe := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 180*time.Second)
	t.Cleanup(cancel3)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// runInBrowser runs the steps in a new browser. Should the page's renderer
// crash or the browser go away mid-way (chromedp then answers "context
// canceled"; seen once under the load of the whole suite), it says so and
// runs the steps once more in a new browser: the steps only sign in and
// read, so running them again changes nothing. Any other failure, or a
// second one, is returned.
func runInBrowser(t *testing.T, tasks ...chromedp.Action) error {
	var err error
	for attempt := 1; attempt <= 2; attempt++ {
		ctx, cancel := context.WithCancel(browser(t))
		var crashed atomic.Bool
		chromedp.ListenTarget(ctx, func(ev any) {
			if _, ok := ev.(*inspector.EventTargetCrashed); ok {
				crashed.Store(true)
				cancel() // a crashed page answers nothing more: stop waiting for it
			}
		})
		err = chromedp.Run(ctx, tasks...)
		cancel()
		if err == nil {
			return nil
		}
		if !errors.Is(err, context.Canceled) && !crashed.Load() {
			return err
		}
		fmt.Fprintf(os.Stderr, "\n*** %s: the browser went away (%v; renderer crashed: %v) ***\n", t.Name(), err, crashed.Load())
	}
	return err
}

// shot saves a full-page screenshot.
func shot(t *testing.T, name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var png []byte
		if err := chromedp.FullScreenshot(&png, 100).Do(ctx); err != nil {
			return err
		}
		p := filepath.Join(artifacts(t), name+".png")
		t.Logf("screenshot %s", p)
		return os.WriteFile(p, png, 0o644)
	})
}

func signIn(base, id string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(base + "/login"),
		chromedp.WaitVisible(`input[name=id]`),
		chromedp.SendKeys(`input[name=id]`, id),
		chromedp.SendKeys(`input[name=password]`, testPassword),
		navigating(chromedp.Submit(`input[name=password]`)),
		chromedp.WaitVisible(`form[action="/logout"]`),
	}
}

// navigating runs an action that loads a new page (a form submitted, a link
// followed) and waits for that page's response, so that the next query does
// not run in the page being left.
func navigating(a chromedp.Action) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := chromedp.RunResponse(ctx, a)
		return err
	})
}

func TestBrowserEnterprise(t *testing.T) {
	f := newFixture(t, 200)
	base := f.srv.URL
	var h1, body, cite, marked string
	err := runInBrowser(t,
		signIn(base, "ent-a"),
		chromedp.WaitVisible(`article.result`),
		chromedp.Text(`h1`, &h1),
		chromedp.Text(`main`, &body),
		shot(t, "enterprise-checkup"),
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		shot(t, "enterprise-checkup-phone"),
		chromedp.EmulateViewport(1280, 900),
		// Follow the first entitlement's citation to its sentence in the source.
		chromedp.AttributeValue(`#entitled ~ article.result .cite a`, "href", &cite, nil),
		navigating(chromedp.Click(`#entitled ~ article.result .cite a`)),
		chromedp.WaitVisible(`mark.sel`),
		chromedp.Text(`mark.sel`, &marked),
		shot(t, "enterprise-citation"),
		chromedp.Navigate(base+"/subjects/"+wwA+"/facts/edit"),
		chromedp.WaitVisible(`input[name=rd_expense]`),
		shot(t, "enterprise-enter-figures"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h1, "政策体检") || !strings.Contains(h1, "绿源") {
		t.Errorf("checkup heading %q", h1)
	}
	for _, want := range []string{"可享受的政策", "20万元", "梯次培育位置", "武威市强科技行动实施方案"} {
		if !strings.Contains(body, want) {
			t.Errorf("the checkup does not show %q", want)
		}
	}
	if !strings.HasPrefix(cite, "/clauses/") || marked == "" {
		t.Errorf("citation %q led to highlighted text %q", cite, marked)
	}
}

func TestBrowserStaff(t *testing.T) {
	f := newFixture(t, 300)
	base := f.srv.URL
	var sel, rows, english, reform string
	var charts int
	tasks := chromedp.Tasks{
		signIn(base, "staff-ww"),
		chromedp.WaitVisible(`.summary`),
		// The policy browser: the clause list beside the source, the chosen clause's sentence marked.
		chromedp.Navigate(base + "/policies/wuwei-2022?clause=" + wwClause + "#q-" + wwClause),
		chromedp.WaitVisible(`mark.sel`),
		chromedp.Text(`mark.sel`, &sel),
		shot(t, "staff-policy-browser"),
		// Subject search: typing filters the table through htmx, without a page load.
		chromedp.Navigate(base + "/console/subjects"),
		chromedp.WaitVisible(`#results`),
		chromedp.SendKeys(`input[name=q]`, "绿源"),
		chromedp.WaitVisible(`//a[contains(., "绿源")]`),
		chromedp.Text(`#results tbody`, &rows),
		shot(t, "staff-subject-search"),
		chromedp.Navigate(base + "/console/match/" + wwClause),
		chromedp.WaitVisible(`table`),
		shot(t, "staff-match-list"),
	}
	tasks = append(tasks,
		// Reform simulation: load a clause, raise its amount, simulate.
		chromedp.Navigate(base+"/console/reform?clause="+wwClause),
		chromedp.WaitVisible(`textarea[name=reform]`),
		chromedp.SetValue(`textarea[name=reform]`, "title: 高企奖励提高到30万元\nchanges:\n  - clause: ww-hte-new\n    amount:\n      fixed: 30万元\n"),
		navigating(chromedp.Click(`form[method=post][action="/console/reform"] button[type=submit]`)),
		chromedp.WaitVisible(`section[aria-live] .kpi`),
		chromedp.Text(`section[aria-live]`, &reform),
		shot(t, "staff-reform"),
	)
	if len(VendorMissing()) == 0 {
		tasks = append(tasks,
			chromedp.Navigate(base+"/console"),
			chromedp.WaitVisible(`.chart.drawn svg`),
			chromedp.Evaluate(`document.querySelectorAll(".chart.drawn").length`, &charts),
			shot(t, "staff-dashboard"),
		)
	} else if os.Getenv("KECHUANG_REQUIRE_BROWSER") != "" {
		t.Fatalf("the npm assets are missing (%v): run make assets", VendorMissing())
	}
	tasks = append(tasks,
		navigating(chromedp.Click(`a[lang=en]`)),
		chromedp.WaitVisible(`//h1[contains(., "Dashboard")]`),
		chromedp.Text(`nav`, &english),
		shot(t, "staff-dashboard-english"),
	)
	if err := runInBrowser(t, tasks); err != nil {
		t.Fatal(err)
	}
	if sel == "" {
		t.Error("the selected clause's sentence is not marked")
	}
	if !strings.Contains(rows, "绿源") || strings.Contains(rows, "古浪") {
		t.Errorf("live search for 绿源 shows: %q", rows)
	}
	if len(VendorMissing()) == 0 && charts < 3 {
		t.Errorf("the dashboard drew %d charts, want 3", charts)
	}
	if !strings.Contains(reform, "+10万元") {
		t.Errorf("the reform page does not show the change per subject: %q", reform)
	}
	if !strings.Contains(english, "Policy library") {
		t.Errorf("English navigation: %q", english)
	}
}

// TestBrowserWithoutJavaScript: with scripts disabled, signing in, the
// 政策体检 and the subject search (a plain GET form) still work.
func TestBrowserWithoutJavaScript(t *testing.T) {
	f := newFixture(t, 100)
	base := f.srv.URL
	var body, rows string
	err := runInBrowser(t,
		emulation.SetScriptExecutionDisabled(true),
		signIn(base, "staff-ww"),
		chromedp.Navigate(base+"/subjects/"+wwA),
		chromedp.WaitVisible(`article.result`),
		chromedp.Text(`main`, &body),
		chromedp.Navigate(base+"/console/subjects"),
		chromedp.SendKeys(`input[name=q]`, "绿源"),
		navigating(chromedp.Submit(`input[name=q]`)),
		chromedp.WaitVisible(`//a[contains(., "绿源")]`),
		chromedp.Text(`#results tbody`, &rows),
		shot(t, "no-javascript-search"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "可享受的政策") {
		t.Error("the checkup does not read without JavaScript")
	}
	if !strings.Contains(rows, "绿源") {
		t.Errorf("search without JavaScript: %q", rows)
	}
}
