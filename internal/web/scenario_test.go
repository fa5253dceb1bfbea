package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/hanzi"
	"kechuang/internal/match"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/registry"
	"kechuang/internal/rules"
	"kechuang/internal/sheet"
	"kechuang/internal/store"
)

// Scenario tests: HTTP requests against a real server on a temporary
// SQLite database, checking what each page says against the engine.

func TestCheckupShowsTheReport(t *testing.T) {
	f := newFixture(t, 0)
	c := f.login(t, "ent-a")
	res := c.get("/subjects/" + wwA)
	if res.status != 200 {
		t.Fatalf("status %d", res.status)
	}
	facts0, _, err := f.db.Facts(context.Background(), wwA)
	if err != nil {
		t.Fatal(err)
	}
	at, _ := policy.ParseDate(facts0.AsOf)
	rep := f.eng.NewEvaluator().EvaluateAssessed(facts0, at, int64(at.Year()))
	entitled := 0
	for _, cr := range rep.Clauses {
		if cr.Outcome != rules.Entitled || cr.Projected {
			continue
		}
		entitled++
		// Each entitlement: its amount, its explanation and a link to its sentence.
		for _, want := range []string{cr.Amount.Text, `href="/clauses/` + cr.Clause + `#q-` + cr.Clause + `"`, htmlEscape(cr.Explanation)} {
			if !strings.Contains(res.body, want) {
				t.Errorf("the checkup does not show %q for %s", want, cr.Clause)
			}
		}
	}
	if entitled < 5 {
		t.Fatalf("the example is entitled to %d clauses: the test proves little", entitled)
	}
	if !strings.Contains(res.body, fmt.Sprintf(`可享受的政策 <small>(%d)</small>`, entitled)) {
		t.Errorf("the checkup does not count %d entitlements", entitled)
	}
	for _, tot := range rep.Totals {
		if !strings.Contains(res.body, tot.Amount.Text) {
			t.Errorf("total %s %d %s missing", tot.Payer, tot.BudgetYear, tot.Amount.Text)
		}
	}
	// Near misses: the R&D tier upgrade the CLI shows (需≥2,000万元).
	if !strings.Contains(res.body, "差800万元") {
		t.Error("the near miss on the R&D tier is not shown")
	}
	// Another date: the report at ?at= is a different evaluation, and a bad date is a clear error.
	if r := c.get("/subjects/" + wwA + "?at=2020-01-01"); r.status != 200 || strings.Contains(r.body, fmt.Sprintf(`可享受的政策 <small>(%d)</small>`, entitled)) {
		t.Errorf("?at=2020-01-01: status %d, same report", r.status)
	}
	if r := c.get("/subjects/" + wwA + "?at=2024-13-01"); r.status != 422 || !strings.Contains(r.body, "YYYY-MM-DD") {
		t.Errorf("?at=2024-13-01: status %d", r.status)
	}
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;")
	return r.Replace(s)
}

// TestSourceHighlight: every clause, gate and standard quoting its own
// document is anchored and marked in the document view, and the clause page
// marks exactly its sentence.
func TestSourceHighlight(t *testing.T) {
	f := newFixture(t, 0)
	c := f.anon(t)
	mark := regexp.MustCompile(`<mark class="sel"[^>]*>([^<]*)</mark>`)
	for _, file := range f.eng.Files {
		if file.Source == "" {
			continue
		}
		res := c.get("/policies/" + file.Document.ID)
		if res.status != 200 {
			t.Fatalf("%s: status %d", file.Document.ID, res.status)
		}
		for _, cl := range file.Clauses {
			if cl.Citation.Doc != "" {
				continue
			}
			if n := strings.Count(res.body, `<a id="q-`+cl.ID+`"></a>`); n != 1 {
				t.Errorf("%s: clause %s has %d anchors in the source, want one", file.Document.ID, cl.ID, n)
			}
		}
		for _, g := range file.Gates {
			if !strings.Contains(res.body, `<a id="q-`+g.ID+`"></a>`) {
				t.Errorf("%s: gate %s has no anchor in the source", file.Document.ID, g.ID)
			}
		}
	}
	for _, cl := range f.eng.Clauses {
		res := c.get("/clauses/" + cl.ID)
		var got strings.Builder
		for _, m := range mark.FindAllStringSubmatch(res.body, -1) {
			got.WriteString(m[1])
		}
		marked := hanzi.Fold(unescape(got.String()))
		if !strings.Contains(marked, hanzi.Fold(cl.Citation.Quote)) {
			t.Errorf("clause %s: marked %q, want its quote %q", cl.ID, marked, cl.Citation.Quote)
		}
	}
	// Selecting a clause in the document marks its sentence.
	res := c.get("/policies/wuwei-2022?clause=" + wwClause)
	var sel strings.Builder
	for _, m := range mark.FindAllStringSubmatch(res.body, -1) {
		sel.WriteString(unescape(m[1]))
	}
	if !strings.Contains(hanzi.Fold(sel.String()), hanzi.Fold("對新認定的高新技術企業給予20萬元一次性補助")) {
		t.Errorf("selected clause %s: marked %q", wwClause, sel.String())
	}
}

func unescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&#43;", "+").Replace(s)
}

// TestFactsHistory: the facts page shows every version; a correction does
// not erase the old value.
func TestFactsHistory(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	b, err := os.ReadFile("../../examples/wuwei-enterprise.json")
	if err != nil {
		t.Fatal(err)
	}
	corrected := bytes.Replace(b, []byte(`"name": "甘肃武威绿源精细化工科技股份有限公司"`), []byte(`"name": "甘肃武威绿源化工股份有限公司"`), 1)
	if _, err := f.db.PutFacts(ctx, corrected, store.Entry{Source: "entry", By: "staff-ww", Note: "更正名称"}); err != nil {
		t.Fatal(err)
	}
	res := f.login(t, "ent-a").get("/subjects/" + wwA + "/facts")
	for _, want := range []string{"甘肃武威绿源化工股份有限公司", "更正名称", "staff-ww", "fixture", "<td>2</td>", "<td>1</td>", "年度数据", "研发费用（万元）"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("the facts page does not show %q", want)
		}
	}
	h, err := f.db.History(ctx, wwA)
	if err != nil || len(h) != 2 || !bytes.Contains(h[0].Facts, []byte("绿源精细化工")) {
		t.Errorf("history after a correction: %d versions, err %v", len(h), err)
	}
}

// TestSubjectSearch: filters, paging without repeats, the htmx partial,
// and an export that imports back.
func TestSubjectSearch(t *testing.T) {
	f := newFixture(t, 400)
	c := f.login(t, "staff-ww")
	row := regexp.MustCompile(`<tr><td><a href="/subjects/([^"]+)">`)
	seen := map[string]bool{}
	next := "/console/subjects"
	pages := 0
	for next != "" {
		res := c.get(next)
		if res.status != 200 {
			t.Fatalf("%s: %d", next, res.status)
		}
		for _, m := range row.FindAllStringSubmatch(res.body, -1) {
			if seen[m[1]] {
				t.Fatalf("subject %s listed twice", m[1])
			}
			seen[m[1]] = true
		}
		pages++
		next = ""
		if m := regexp.MustCompile(`href="(/console/subjects\?[^"]*after=[^"]+)"`).FindStringSubmatch(res.body); m != nil {
			next = unescape(m[1])
		}
	}
	rows, err := f.db.Subjects(context.Background(), store.Filter{Region: "6206", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(rows) || pages < 2 {
		t.Errorf("paged through %d subjects in %d pages, want %d in at least 2", len(seen), pages, len(rows))
	}
	// Filters.
	res := c.get("/console/subjects?q=" + url.QueryEscape("绿源"))
	if got := row.FindAllStringSubmatch(res.body, -1); len(got) != 1 || got[0][1] != wwA {
		t.Errorf("q=绿源: %v", got)
	}
	res = c.get("/console/subjects?region=620622")
	for _, m := range row.FindAllStringSubmatch(res.body, -1) {
		if m[1] == wwA {
			t.Error("region=620622 (古浪) lists a 凉州 subject")
		}
	}
	// htmx asks for the results alone.
	req, _ := http.NewRequest("GET", c.base+"/console/subjects?q=x", nil)
	req.Header.Set("HX-Request", "true")
	if r := c.do(req); strings.Contains(r.body, "<html") || !strings.Contains(r.body, `id="results"`) {
		t.Error("the htmx request did not get the results fragment")
	}
	// Export, then read it back as an import sheet.
	for _, format := range []string{"xlsx", "csv"} {
		res := c.get("/console/subjects/export?format=" + format)
		if res.status != 200 {
			t.Fatalf("export %s: %d %s", format, res.status, res.body)
		}
		table, err := sheet.Read("x."+format, strings.NewReader(res.body))
		if err != nil {
			t.Fatal(err)
		}
		docs, report := registry.Decode(table)
		if len(report) != 0 {
			t.Fatalf("export %s does not import back: %v", format, report[0])
		}
		if len(docs) != len(rows) {
			t.Errorf("export %s: %d subjects, want %d", format, len(docs), len(rows))
		}
	}
}

// TestMatchList: the 免申即享 list of a clause agrees with the match run,
// exactly to the fen, and its export holds every row.
func TestMatchList(t *testing.T) {
	f := newFixture(t, 400)
	c := f.login(t, "staff-ww")
	cl, _ := f.eng.ClauseByID(wwClause)
	res0, err := match.Run(context.Background(), f.db, f.eng, 0, 0, 1, f.now)
	if err != nil {
		t.Fatal(err)
	}
	want := res0.Entitled(cl, "6206")
	if len(want) < 3 {
		t.Fatalf("only %d entitled to %s: the test proves little", len(want), wwClause)
	}
	var sum money.Interval
	for _, e := range want {
		sum = sum.Add(e.Amount)
	}
	page := c.get("/console/match/" + wwClause)
	if !strings.Contains(page.body, sum.String()) || !strings.Contains(page.body, fmt.Sprintf("<small>(%d)</small>", len(want))) {
		t.Errorf("the list page does not show %d subjects totalling %s", len(want), sum)
	}
	summary := c.get("/console/match")
	if !strings.Contains(summary.body, `/console/match/`+wwClause+`"`) {
		t.Error("the summary does not list the clause")
	}
	res := c.get("/console/match/" + wwClause + "/export?format=csv")
	table, err := sheet.Read("x.csv", strings.NewReader(res.body))
	if err != nil {
		t.Fatal(err)
	}
	if len(table) != len(want)+1 {
		t.Fatalf("export: %d rows, want %d and a header", len(table)-1, len(want))
	}
	var lo money.Fen
	for i, r := range table[1:] {
		if r[1] != want[i].Subject {
			t.Errorf("row %d: %s, want %s", i+1, r[1], want[i].Subject)
		}
		x, err := money.Parse(r[7] + "元")
		if err != nil {
			t.Fatalf("row %d: amount %q: %v", i+1, r[7], err)
		}
		lo += x
	}
	if lo != sum.Min {
		t.Errorf("export sums to %s, the list to %s", lo, sum.Min)
	}
	// xlsx: two sheets, the list and those needing facts.
	x := c.get("/console/match/" + wwClause + "/export?format=xlsx")
	if x.status != 200 || x.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("xlsx export: %d %s", x.status, x.header.Get("Content-Type"))
	}
}

func (f *fixture) now() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, Shanghai) }

// TestSessionAndErrors: cookies, headers, sign-in failures, language, and
// error pages in the user's language.
func TestSessionAndErrors(t *testing.T) {
	f := newFixture(t, 0)
	c := f.anon(t)
	res := c.post("/login", url.Values{"id": {"ent-a"}, "password": {testPassword}, "next": {"https://evil.example/"}})
	if res.status != 303 || res.location != "/subjects/"+wwA {
		t.Errorf("sign-in with an outside next: %d → %q, want /subjects/%s", res.status, res.location, wwA)
	}
	var cookie string
	for _, h := range res.header.Values("Set-Cookie") {
		if strings.HasPrefix(h, SessionCookie+"=") {
			cookie = h
		}
	}
	if !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
		t.Errorf("session cookie %q", cookie)
	}
	page := c.get("/policies")
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"} {
		if page.header.Get(h) != want {
			t.Errorf("%s: %q", h, page.header.Get(h))
		}
	}
	if !strings.Contains(page.header.Get("Content-Security-Policy"), "script-src") && !strings.Contains(page.header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Error("no content security policy")
	}
	// Wrong passwords: one answer, whether the account exists or not.
	a := f.anon(t)
	r1 := a.post("/login", url.Values{"id": {"ent-b"}, "password": {"nope nope nope"}})
	r2 := a.post("/login", url.Values{"id": {"nobody"}, "password": {"nope nope nope"}})
	if r1.status != 401 || r2.status != 401 || !strings.Contains(r1.body, "账号或密码错误") || !strings.Contains(r2.body, "账号或密码错误") {
		t.Errorf("failed sign-ins: %d, %d", r1.status, r2.status)
	}
	// English, by the switcher.
	e := f.anon(t)
	sw := e.get("/lang/en?next=/policies")
	if sw.status != 303 || sw.location != "/policies" {
		t.Errorf("language switch: %d %q", sw.status, sw.location)
	}
	if p := e.get("/policies"); !strings.Contains(p.body, `<html lang="en">`) || !strings.Contains(p.body, "Policy library") {
		t.Error("the English catalog is not used after switching")
	}
	if p := e.get("/nope"); p.status != 404 || !strings.Contains(p.body, "Not found") {
		t.Errorf("English 404: %d", p.status)
	}
	if p := f.anon(t).get("/nope"); p.status != 404 || !strings.Contains(p.body, "未找到") {
		t.Errorf("Chinese 404: %d", p.status)
	}
}

// TestImportPage: a sheet with a bad cell and rows outside the account's
// jurisdiction imports nothing and reports each by row and column; asked
// to, it imports the valid subjects only.
func TestImportPage(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	b, err := os.ReadFile("../../examples/wuwei-enterprise.json")
	if err != nil {
		t.Fatal(err)
	}
	ex, err := facts.DecodeBytes(b, "")
	if err != nil {
		t.Fatal(err)
	}
	rows := registry.Encode([]*facts.Facts{ex})
	col := map[string]int{}
	for i, c := range registry.Columns {
		col[c.Key()] = i
	}
	line := func(edit map[string]string) []string {
		r := slices.Clone(rows[1])
		for k, v := range edit {
			r[col[k]] = v
		}
		return r
	}
	table := [][]string{rows[0],
		line(map[string]string{"id": "ww-new-1", "name": "武威新企业"}),                // row 2: valid
		line(map[string]string{"id": "ww-new-2", "uscc": "91620602710264182X"}),   // row 3: bad check character
		line(map[string]string{"id": "fx-new-1", "region": "130407", "uscc": ""}), // row 4: 肥乡, outside 武威
		line(map[string]string{"id": fxA, "uscc": ""}),                            // row 5: a stored 肥乡 subject moved into 武威
	}
	var csv bytes.Buffer
	if err := sheet.Write(&csv, "csv", sheet.Table{Name: "主体", Rows: table}); err != nil {
		t.Fatal(err)
	}
	c := f.login(t, "staff-ww")
	upload := func(validOnly bool) response {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		w.WriteField("csrf", c.csrf)
		if validOnly {
			w.WriteField("valid_only", "1")
		}
		fw, _ := w.CreateFormFile("file", "主体.csv")
		fw.Write(csv.Bytes())
		w.Close()
		req, _ := http.NewRequest("POST", c.base+"/console/import", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		return c.do(req)
	}
	res := upload(false)
	if res.status != 422 {
		t.Fatalf("a sheet with bad rows: status %d", res.status)
	}
	for _, want := range []string{"发现 3 处错误，未导入任何数据", `<td class="num">3</td><td>统一社会信用代码</td>`, `<td class="num">4</td><td>所在地区代码</td>`, `<td class="num">5</td><td>所在地区代码</td>`, "不在本账号辖区（620600）内"} {
		if !strings.Contains(res.body, want) {
			t.Errorf("the report does not show %q", want)
		}
	}
	if _, _, err := f.db.Facts(ctx, "ww-new-1"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("a sheet with bad rows imported something: %v", err)
	}
	res = upload(true)
	if res.status != 200 || !strings.Contains(res.body, "已导入其余 1 个无误的主体") {
		t.Fatalf("valid only: %d", res.status)
	}
	if g, _, err := f.db.Facts(ctx, "ww-new-1"); err != nil || g.Subject.Name != "武威新企业" {
		t.Fatalf("the valid subject was not imported: %v", err)
	}
	for _, id := range []string{"ww-new-2", "fx-new-1"} {
		if _, _, err := f.db.Facts(ctx, id); errs.KindOf(err) != errs.NotFound {
			t.Errorf("%s was imported: %v", id, err)
		}
	}
	if g, _, _ := f.db.Facts(ctx, fxA); g.Subject.Region != "130407" {
		t.Errorf("武威 staff moved a 肥乡 subject to %s", g.Subject.Region)
	}
	// The template downloads and reads back as a sheet with the template's header.
	tpl := c.get("/console/import/template?format=xlsx")
	got, err := sheet.Read("t.xlsx", strings.NewReader(tpl.body))
	if err != nil || !slices.Equal(got[0], rows[0]) {
		t.Errorf("template: %v %v", err, got)
	}
}

// TestEnterFigures: an enterprise enters a year's figures; a wrong field
// saves nothing; a valid save is a new version marked self-declared, an
// emptied field becomes unknown, and the old values stay in the history.
func TestEnterFigures(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	c := f.login(t, "ent-a")
	form := c.get("/subjects/" + wwA + "/facts/edit?year=2023")
	if form.status != 200 || !strings.Contains(form.body, `name="rd_expense" value="1136"`) {
		t.Fatalf("the form does not show the stored 2023 研发费用 (1136万元): %d", form.status)
	}
	before, _ := f.db.History(ctx, wwA)
	bad := c.postCSRF("/subjects/"+wwA+"/facts/edit", url.Values{"year": {"2023"}, "rd_expense": {"1136"}, "revenue": {"五亿"}, "employees": {"-3"}})
	if bad.status != 422 || !strings.Contains(bad.body, "有 2 项填写有误，未保存任何数据") || !strings.Contains(bad.body, "五亿") {
		t.Fatalf("wrong fields: status %d", bad.status)
	}
	if h, _ := f.db.History(ctx, wwA); len(h) != len(before) {
		t.Fatal("a form with wrong fields saved a version")
	}
	// Keep every figure but change 研发费用 and clear 销售收入.
	vals := url.Values{"year": {"2023"}}
	for _, m := range regexp.MustCompile(`name="([a-z_]+)" value="([^"]*)"`).FindAllStringSubmatch(form.body, -1) {
		vals.Set(m[1], m[2])
	}
	vals.Set("rd_expense", "1,250.5")
	vals.Set("sales", "")
	vals.Set("csrf", c.csrf)
	res := c.post("/subjects/"+wwA+"/facts/edit", vals)
	if res.status != 303 || !strings.HasPrefix(res.location, "/subjects/"+wwA+"?saved=") {
		t.Fatalf("save: %d %s %s", res.status, res.location, res.body)
	}
	g, v, err := f.db.Facts(ctx, wwA)
	if err != nil || v != len(before)+1 {
		t.Fatalf("after saving: version %d, %v", v, err)
	}
	var a *facts.Annual
	for i := range g.Annual {
		if g.Annual[i].Year == 2023 {
			a = &g.Annual[i]
		}
	}
	if a == nil || a.RDExpense != 12_505_000_00 || a.SourceOf("rd_expense") != "self" {
		t.Fatalf("2023 研发费用: %+v", a)
	}
	if a.Known.Has(facts.KnownBit("Annual", "sales")) {
		t.Error("the cleared 销售收入 is still known")
	}
	if a.SourceOf("revenue") == "self" {
		t.Error("an unchanged figure was marked self-declared")
	}
	h, _ := f.db.History(ctx, wwA)
	if last := h[len(h)-1]; last.Source != "self" || last.By != "ent-a" || !bytes.Contains(h[len(h)-2].Facts, []byte(`"rd_expense": "1136万元"`)) {
		t.Errorf("history: source %s by %s; the old value kept: %v", last.Source, last.By, bytes.Contains(h[len(h)-2].Facts, []byte("1136万元")))
	}
	if page := c.get(res.location); !strings.Contains(page.body, fmt.Sprintf("已保存为第 %d 版", v)) {
		t.Error("the check-up does not confirm the save")
	}
}

// TestReformPage: a reform raising one clause's amount shows the extra cost
// and the subjects it reaches, within the account's jurisdiction only; a
// reform with a mistake is shown with its position.
func TestReformPage(t *testing.T) {
	f := newFixture(t, 300)
	reform := "title: 高企奖励提高到30万元\nchanges:\n  - clause: ww-hte-new\n    amount:\n      fixed: 30万元\n"
	ww := f.login(t, "staff-ww")
	form := ww.get("/console/reform?clause=" + wwClause)
	if !strings.Contains(form.body, "clause: ww-hte-new") || !strings.Contains(form.body, "fixed: 20万元") {
		t.Errorf("the form is not filled with the clause's current amount")
	}
	res := ww.postCSRF("/console/reform", url.Values{"reform": {reform}})
	if res.status != 200 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	cl, _ := f.eng.ClauseByID(wwClause)
	base, err := match.Run(context.Background(), f.db, f.eng, 0, 0, 1, f.now)
	if err != nil {
		t.Fatal(err)
	}
	n := len(base.Entitled(cl, "6206"))
	if n < 2 {
		t.Fatalf("%d entitled: the test proves little", n)
	}
	want := money.Delta(money.Exact(money.Fen(n)*20*money.Wan), money.Exact(money.Fen(n)*30*money.Wan))
	for _, w := range []string{want, "+10万元", "绿源", "修改 ww-hte-new"} {
		if !strings.Contains(res.body, htmlEscape(w)) {
			t.Errorf("the simulation does not show %q", w)
		}
	}
	fx := f.login(t, "staff-fx")
	if r := fx.postCSRF("/console/reform", url.Values{"reform": {reform}}); r.status != 200 || strings.Contains(r.body, "绿源") || strings.Contains(r.body, htmlEscape("+10万元")) {
		t.Errorf("肥乡 staff see 武威's changes: %d", r.status)
	}
	bad := ww.postCSRF("/console/reform", url.Values{"reform": {"title: x\nchanges:\n  - clause: ww-hte-new\n    when: subject.name > 3\n"}})
	if bad.status != 422 || !strings.Contains(bad.body, "reform:4:") {
		t.Errorf("a reform with a type error: %d", bad.status)
	}
}
