package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserIndicators opens each jurisdiction's 监测评价 dashboard in
// chromium — 武威, 泰安, 临沂, 肥乡 — and saves a screenshot of each
// (artifacts/screenshots/indicators-<code>.png): cards with their traffic
// light, target and sentence, and a trend chart drawn per card.
func TestBrowserIndicators(t *testing.T) {
	chromium(t)
	f := newFixture(t, 300)
	base := f.srv.URL
	texts := map[string]*string{}
	drawn := map[string]*int{}
	tasks := chromedp.Tasks{signIn(base, "admin")}
	for _, j := range []string{"620600", "370900", "371300", "130407"} {
		var text string
		var n int
		texts[j], drawn[j] = &text, &n
		tasks = append(tasks,
			chromedp.Navigate(fmt.Sprintf("%s/console/indicators?j=%s", base, j)),
			chromedp.WaitVisible(`#ind-cards`),
			chromedp.Text(`main`, &text),
			chromedp.Evaluate(`document.querySelectorAll(".chart.drawn").length`, &n),
			shot(t, "indicators-"+j),
		)
	}
	if err := runInBrowser(t, tasks...); err != nil {
		t.Fatal(err)
	}
	ww := *texts["620600"]
	for _, want := range []string{"武威市", "高新技术企业数", "2025年 100家", "強科技行動主要指標", "待人工确认", "须人工确认", "基期", "县区评价", "凉州区", "地方配置"} {
		if !strings.Contains(ww, want) {
			t.Errorf("武威's dashboard lacks %q", want)
		}
	}
	for j, text := range texts {
		if strings.Count(*text, "目标：") == 0 {
			t.Errorf("the dashboard of %s shows no target", j)
		}
	}
	if len(VendorMissing()) == 0 && *drawn["620600"] == 0 {
		t.Error("no trend chart was drawn on 武威's dashboard")
	}
}
