package web

import (
	"context"
	"io"
	"kechuang/internal/pool"
	psvc "kechuang/internal/pool/service"
	"kechuang/internal/project"
	prsvc "kechuang/internal/project/service"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"kechuang/internal/api"
	"kechuang/internal/auth"
	"kechuang/internal/demo"
	"kechuang/internal/fulfil"
	"kechuang/internal/fulfil/service"
	"kechuang/internal/match"
	"kechuang/internal/money"
	"kechuang/internal/rules"
	"kechuang/internal/rules/rulestest"
	"kechuang/internal/store"
)

// testEngine is the bundled policy library, compiled once per test binary.
func testEngine(t testing.TB) *rules.Engine { return rulestest.Library(t) }

// fixture is a server on a real temporary SQLite database holding the
// bundled example subjects (known entitlements) and a demo population, the
// population match already run, and one account of each kind.
type fixture struct {
	srv *httptest.Server
	db  *store.DB
	eng *rules.Engine
	// Fulfilment: wwA's 免申即享 case of wwClause (waiting for staff to
	// confirm), and a batch (open) paying wwB's case, with its payment.
	caseA, caseB, batch, payment int64
	// Pools: fxA invited to 肥乡's 高企培育库 by its officer.
	member int64
	// 揭榜挂帅: a published 武威 challenge and a draft.
	challenge, draftChallenge int64
}

// The subjects the scenarios name: two 武威 enterprises in different
// counties, one 肥乡 enterprise and one 泰安 enterprise.
const (
	wwA = "ww-e-lvyuan"        // 凉州区 620602
	wwB = "ww-e-gulang-mofang" // 古浪县 620622
	fxA = "fx-e-ruichi"        // 肥乡区 130407
	taA = "ta-e-taishan-zhineng"
)

var testUsers = []auth.User{
	{ID: "ent-a", Role: auth.Enterprise, Subject: wwA},
	{ID: "ent-b", Role: auth.Enterprise, Subject: wwB},
	{ID: "ent-fx", Role: auth.Enterprise, Subject: fxA},
	{ID: "staff-ww", Role: auth.Staff, Jurisdiction: "620600", Department: "市科技局"},
	{ID: "staff-ww2", Role: auth.Staff, Jurisdiction: "620600", Department: "市科技局"},
	{ID: "staff-ww-market", Role: auth.Staff, Jurisdiction: "620600", Department: "市市场监管局"},
	{ID: "staff-lz", Role: auth.Staff, Jurisdiction: "620602", Department: "市科技局"},
	{ID: "staff-fx", Role: auth.Staff, Jurisdiction: "130407", Department: "区科技和工业信息化局"},
	{ID: "finance-ww", Role: auth.Finance, Jurisdiction: "620600", Department: "市财政局"},
	{ID: "expert", Role: auth.Expert},
	{ID: "admin", Role: auth.Admin},
}

const testPassword = "long enough pw"

func newFixture(t testing.TB, demoN int) *fixture {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return newFixtureOn(t, db, demoN, nil)
}

// newFixtureOn builds the fixture on db (either engine) with the clock now
// (nil: a fixed day).
func newFixtureOn(t testing.TB, db *store.DB, demoN int, now func() time.Time) *fixture {
	store.SetBcryptCost(4)
	ctx := context.Background()
	eng := testEngine(t)
	var docs [][]byte
	for _, name := range []string{"wuwei-enterprise", "wuwei-near-miss", "feixiang-enterprise", "taian-enterprise"} {
		b, err := os.ReadFile("../../examples/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b)
	}
	if demoN > 0 {
		more, err := demo.Generate(eng, demoN, 3)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, more...)
	}
	if _, err := db.PutFactsBatch(ctx, docs, store.Entry{Source: "import", By: "fixture"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range testUsers {
		if err := db.CreateUser(ctx, u, testPassword, "fixture"); err != nil {
			t.Fatal(err)
		}
	}
	if now == nil {
		now = func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, Shanghai) }
	}
	db.SetClock(now)
	runner := &match.Runner{DB: db, Engine: eng, PolicyVersion: 1, Now: now}
	if _, err := runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := New(&Server{Engine: eng, Store: db, PolicyVersion: 1, Match: runner, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	a := &api.Server{Engine: eng, Store: db, PolicyVersion: 1, Now: now}
	mux := http.NewServeMux()
	mux.Handle("/api/", a.Handler())
	mux.Handle("/", w.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv, db: db, eng: eng}
	f.fulfilment(t, now)
	return f
}

// fulfilment sets wwClause to 免申即享 and proposes its cases; puts a case
// of wwB at 拨付 under an envelope and makes its batch.
func (f *fixture) fulfilment(t testing.TB, now func() time.Time) {
	ctx := context.Background()
	admin := auth.User{ID: "admin", Role: auth.Admin}
	if err := f.db.PutSetting(ctx, store.Setting{Scope: "clause:" + wwClause, Route: fulfil.RouteAuto, Workflow: fulfil.DefaultWorkflow(), By: "fixture"}); err != nil {
		t.Fatal(err)
	}
	sv := &service.Service{Engine: f.eng, Store: f.db, Now: now}
	if _, err := sv.Propose(ctx, admin, "", 0, 0); err != nil {
		t.Fatal(err)
	}
	cs, err := f.db.Cases(ctx, store.CaseFilter{Subject: wwA, Clause: wwClause})
	if err != nil || len(cs) != 1 || cs[0].Route != fulfil.RouteAuto {
		t.Fatalf("the fixture's 免申即享 case of %s: %v %+v", wwA, err, cs)
	}
	f.caseA = cs[0].ID
	c := &fulfil.Case{Clause: wwPatentClause, Subject: wwB, SubjectName: "古浪魔方", Region: "620622", Event: "fixture", FY: 2024, Route: fulfil.RouteApply,
		Workflow: fulfil.DefaultWorkflow(), Computed: money.Exact(50_000_00), Payer: "武威市级财政", BudgetYear: 2024, StackKey: "fixture"}
	fulfil.Start(c, now())
	c.Step = len(c.Workflow.Steps) - 1
	c.Schedule = []fulfil.Installment{{Year: 2024, Fen: 50_000_00}}
	ids, err := f.db.CreateCases(ctx, "fixture", []*fulfil.Case{c})
	if err != nil {
		t.Fatal(err)
	}
	f.caseB = ids[0]
	if _, err := f.db.PutEnvelope(ctx, fulfil.Envelope{Payer: "武威市级财政", Year: 2024, Fen: 1_000_000_00, Rule: fulfil.RankCut}, "fixture"); err != nil {
		t.Fatal(err)
	}
	plan, err := f.db.CreateBatch(ctx, "fixture", "武威市级财政", 2024, sv.Tags)
	if err != nil || plan.Batch.Count != 1 {
		t.Fatalf("the fixture's batch: %v %+v", err, plan.Batch)
	}
	f.batch = plan.Batch.ID
	_, ps, _, _ := f.db.Batch(ctx, f.batch)
	f.payment = ps[0].ID
	pv := &psvc.Service{Engine: f.eng, Store: f.db, Now: now}
	m, err := pv.Start(ctx, auth.User{ID: "staff-fx", Role: auth.Staff, Jurisdiction: "130407"}, "fx_hte_pool", fxA, pool.Invite, "fixture")
	if err != nil {
		t.Fatalf("the fixture's pool membership: %v", err)
	}
	f.member = m.ID
	chs := &prsvc.Service{Engine: f.eng, Store: f.db, Now: now}
	ww := auth.User{ID: "staff-ww", Role: auth.Staff, Jurisdiction: "620600"}
	for i, title := range []string{"高寒日光温室智能控温", "草拟中的榜单"} {
		c := &project.Challenge{Title: title, Problem: "冬季夜间温度波动大", Indicators: []string{"夜间温差≤2℃"}, Total: money.Exact(500_000_000).Min,
			Deadline: "2027-06-30", EndUser: "某农业公司", Issuer: "市科技局", Clause: "ww-challenge"}
		id, err := chs.Create(ctx, ww, c)
		if err != nil {
			t.Fatalf("the fixture's challenge: %v", err)
		}
		if i == 1 {
			f.draftChallenge = id
			continue
		}
		if _, err := chs.Act(ctx, ww, id, 1, project.ChallengeAct{Act: "publish"}); err != nil {
			t.Fatalf("publishing the fixture's challenge: %v", err)
		}
		f.challenge = id
	}
}

// client is a browser-like client: a cookie jar, no automatic redirects.
type client struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string
}

func (f *fixture) anon(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: f.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login signs in through the form and keeps the CSRF token pages carry.
func (f *fixture) login(t testing.TB, id string) *client {
	c := f.anon(t)
	res := c.post("/login", url.Values{"id": {id}, "password": {testPassword}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("login %s: status %d: %s", id, res.status, res.body)
	}
	page := c.get("/policies")
	m := csrfRE.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("login %s: no CSRF token on the page", id)
	}
	c.csrf = m[1]
	return c
}

type response struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{status: res.StatusCode, body: string(b), location: res.Header.Get("Location"), header: res.Header}
}

func (c *client) get(path string) response {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "zh-CN")
	return c.do(req)
}

// getLang gets path with the language cookie set to lang.
func (c *client) getLang(path, lang string) response {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: LangCookie, Value: lang})
	return c.do(req)
}

func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// postCSRF posts a form with the session's token, as the page's form does.
func (c *client) postCSRF(path string, form url.Values) response {
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", c.csrf)
	return c.post(path, form)
}

func newServer(t testing.TB, h http.Handler) *httptest.Server {
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}
