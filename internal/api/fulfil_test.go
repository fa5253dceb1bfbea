package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/demo"
	"kechuang/internal/facts"
	"kechuang/internal/fulfil"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// pick is a clause and a demo subject entitled to it on the given route:
// for 免申即享 every fact authoritative, for 申报 any.
type pick struct {
	clause  *rules.Clause
	subject *facts.Facts
	claims  []rules.Claim
}

// choose finds, in the demo population, a 武威 clause paid by 武威市级财政
// with one paid event and a subject entitled to it whose facts are all
// authoritative (auto) or not (apply), skipping clause skip.
func choose(t *testing.T, eng *rules.Engine, docs [][]byte, auto bool, skip string) pick {
	t.Helper()
	ev := eng.NewEvaluator()
	var subjects []*facts.Facts
	for _, d := range docs {
		f, err := facts.DecodeBytes(d, "demo")
		if err != nil {
			t.Fatal(err)
		}
		subjects = append(subjects, f)
	}
	for _, c := range eng.Clauses {
		if c.ID == skip || c.Payer != "武威市级财政" || c.Kind == "limit" || c.Quota != nil || len(c.Responsible) == 0 ||
			c.Amount == nil || c.Amount.Kind == "recurring" {
			continue
		}
		for _, f := range subjects {
			if !strings.HasPrefix(f.Subject.Region, "6206") || f.Subject.Kind != "enterprise" {
				continue
			}
			at, _ := policy.ParseDate(f.AsOf)
			d, cl := ev.Claims(c, f, at, int64(at.Year()))
			if d.Outcome != rules.Entitled || len(cl) != 1 || cl[0].Unspecified {
				continue
			}
			if ok, _ := fulfil.AutoBasis(cl[0].Facts); ok == auto && len(cl[0].Facts) > 0 {
				return pick{c, f, cl}
			}
		}
	}
	t.Fatalf("no demo subject entitled to a 武威 clause with auto=%v", auto)
	return pick{}
}

type client struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func (c *client) do(method, path string, body any, out any) (int, string) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	if method != "GET" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	// Every answer holds to openapi.yaml: its status documented for the
	// route, its JSON carrying the required fields.
	if route := routeOf(method, strings.SplitN(path, "?", 2)[0]); route == "" {
		c.t.Errorf("%s %s matches no route", method, path)
	} else {
		checkContract(c.t, contract(c.t), method, route, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	if out != nil && resp.StatusCode == 200 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode, string(b)
}

// routeOf is the route pattern path matches ("" for none).
func routeOf(method, path string) string {
	got := strings.Split(path, "/")
	for _, rt := range Routes {
		want := strings.Split(rt.Path, "/")
		if rt.Method != method || len(want) != len(got) {
			continue
		}
		ok := true
		for i := range want {
			ok = ok && (want[i] == got[i] || strings.HasPrefix(want[i], "{"))
		}
		if ok {
			return rt.Path
		}
	}
	return ""
}

var (
	specOnce sync.Once
	theSpec  spec
)

func contract(t *testing.T) spec {
	specOnce.Do(func() { theSpec = loadSpec(t) })
	return theSpec
}

// must does a request that must succeed.
func (c *client) must(method, path string, body any, out any) {
	c.t.Helper()
	if status, b := c.do(method, path, body, out); status != 200 {
		c.t.Fatalf("%s %s: %d %s", method, path, status, b)
	}
}

func signIn(t *testing.T, base, id string) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: base, c: &http.Client{Jar: jar}}
	var out struct{ CSRF string }
	resp, err := c.c.Post(base+"/api/v1/session", "application/json", strings.NewReader(`{"id": "`+id+`", "password": "long enough pw"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 {
		t.Fatalf("sign in %s: %d", id, resp.StatusCode)
	}
	c.csrf = out.CSRF
	return c
}

// fixture is a server over the demo population on one engine, with a
// clock the test moves (公示 lasts days).
type fixture struct {
	db    *store.DB
	eng   *rules.Engine
	docs  [][]byte
	base  string
	mu    sync.Mutex
	clock time.Time
}

func (f *fixture) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.clock }
func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.clock = f.clock.Add(d)
	f.mu.Unlock()
}

func newFulfilFixture(t *testing.T, db *store.DB, users []auth.User) *fixture {
	t.Helper()
	store.SetBcryptCost(4)
	ctx := context.Background()
	eng := library(t)
	docs, err := demo.Generate(eng, len(demo.Scenarios(eng)), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutFactsBatch(ctx, docs, store.Entry{Source: "demo", By: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if err := db.CreateUser(ctx, u, "long enough pw", "setup"); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{db: db, eng: eng, docs: docs, clock: time.Date(2025, 3, 3, 9, 0, 0, 0, fulfil.Shanghai)}
	srv := &Server{Engine: eng, Store: db, Now: f.now}
	db.SetClock(f.now)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	f.base = ts.URL
	return f
}

// Both routes, on both engines, over HTTP: a 免申即享 proposal confirmed by
// staff, and an application the enterprise submits, each through 受理, 初审,
// 复核 (another person), 公示 (7 days) and 拨付 to a paid, reconciled ledger
// entry; the batch exported as CSV and .xlsx; a repeated batch pays nothing.
func TestFulfilmentEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		eng := library(t)
		docs, _ := demo.Generate(eng, len(demo.Scenarios(eng)), 1)
		auto := choose(t, eng, docs, true, "")
		apply := choose(t, eng, docs, false, auto.clause.ID)
		dept := func(c *rules.Clause) string { return c.Responsible[0] }
		users := []auth.User{
			{ID: "staff1", Role: auth.Staff, Jurisdiction: "620600", Department: dept(auto.clause)},
			{ID: "staff2", Role: auth.Staff, Jurisdiction: "620600", Department: dept(auto.clause)},
			{ID: "staff3", Role: auth.Staff, Jurisdiction: "620600", Department: dept(apply.clause)},
			{ID: "staff4", Role: auth.Staff, Jurisdiction: "620600", Department: dept(apply.clause)},
			{ID: "fx-staff", Role: auth.Staff, Jurisdiction: "130407", Department: dept(auto.clause)},
			{ID: "fin", Role: auth.Finance, Jurisdiction: "620600", Department: "市财政局"},
			{ID: "fx-fin", Role: auth.Finance, Jurisdiction: "130407"},
			{ID: "ent-auto", Role: auth.Enterprise, Subject: auto.subject.Subject.ID},
			{ID: "ent-apply", Role: auth.Enterprise, Subject: apply.subject.Subject.ID},
			{ID: "expert", Role: auth.Expert},
			{ID: "admin", Role: auth.Admin},
		}
		fx := newFulfilFixture(t, db, users)
		c := map[string]*client{}
		for _, u := range users {
			c[u.ID] = signIn(t, fx.base, u.ID)
		}
		anon := &client{t: t, base: fx.base, c: &http.Client{}}

		// The bureau sets the auto clause to 免申即享; the other stays 申报 (the default).
		c["staff1"].must("PUT", "/api/v1/clauses/"+auto.clause.ID+"/fulfilment", map[string]any{"route": "auto"}, nil)
		if s, b := c["fx-staff"].do("PUT", "/api/v1/clauses/"+auto.clause.ID+"/fulfilment", map[string]any{"route": "auto"}, nil); s != 403 {
			t.Errorf("肥乡 staff set a 武威 clause: %d %s", s, b)
		}
		if s, b := c["staff1"].do("PUT", "/api/v1/clauses/"+auto.clause.ID+"/fulfilment", map[string]any{"route": "auto",
			"workflow": map[string]any{"steps": []map[string]any{{"step": "pay", "role": "finance", "days": 5}}}}, nil); s != 422 || !strings.Contains(b, "提交") {
			t.Errorf("a workflow without 提交: %d %s", s, b)
		}

		// 免申即享: the proposal run makes the case; running it again makes none.
		var prop struct{ Created []int64 }
		c["staff1"].must("POST", "/api/v1/proposals", map[string]any{"region": "6206"}, &prop)
		if len(prop.Created) == 0 {
			t.Fatal("no proposals")
		}
		var again struct{ Created []int64 }
		c["staff1"].must("POST", "/api/v1/proposals", map[string]any{"region": "6206"}, &again)
		if len(again.Created) != 0 {
			t.Errorf("a second proposal run made %d more cases", len(again.Created))
		}
		var mine struct{ Cases []CaseJSON }
		c["ent-auto"].must("GET", "/api/v1/cases", nil, &mine)
		autoCase := findCase(t, mine.Cases, auto.clause.ID)
		if autoCase.Route != fulfil.RouteAuto || autoCase.Step != fulfil.Submit || len(autoCase.Basis.([]any)) == 0 || autoCase.Expected == "" {
			t.Fatalf("the proposal as its enterprise sees it: %+v", autoCase)
		}
		// Who may see it: its enterprise, 武威 staff; not another enterprise, 肥乡 staff, experts or anyone signed out.
		for id, want := range map[string]int{"ent-apply": 403, "fx-staff": 403, "expert": 403, "staff1": 200, "fin": 200, "admin": 200} {
			if s, _ := c[id].do("GET", fmt.Sprintf("/api/v1/cases/%d", autoCase.ID), nil, nil); s != want {
				t.Errorf("GET case as %s: %d, want %d", id, s, want)
			}
		}
		if s, _ := anon.do("GET", fmt.Sprintf("/api/v1/cases/%d", autoCase.ID), nil, nil); s != 403 {
			t.Errorf("GET case signed out: %d", s)
		}
		// The enterprise cannot confirm its own proposal.
		if s, _ := c["ent-auto"].do("POST", fmt.Sprintf("/api/v1/cases/%d/actions", autoCase.ID), map[string]any{"action": "approve", "version": autoCase.Version}, nil); s != 403 {
			t.Errorf("the enterprise confirmed its own 免申即享 proposal: %d", s)
		}
		fx.walk(t, c, autoCase.ID, "staff1", "staff2", auto)

		// 申报: the enterprise applies; the form asks only what the registry lacks.
		ans := map[string]string{"contact": "王伟", "phone": "0935-1234567", "bank": "甘肃银行武威分行", "account": "6228000000000001", "pledge": "同意"}
		if s, b := c["ent-apply"].do("POST", "/api/v1/subjects/"+apply.subject.Subject.ID+"/applications",
			map[string]any{"clause": apply.clause.ID, "answers": map[string]string{"contact": "王伟", "revenue": "1亿"}}, nil); s != 422 || !strings.Contains(b, "phone") || !strings.Contains(b, "企业信息") {
			t.Errorf("an application missing answers or asking registry data: %d %s", s, b)
		}
		if s, _ := c["ent-auto"].do("POST", "/api/v1/subjects/"+apply.subject.Subject.ID+"/applications", map[string]any{"clause": apply.clause.ID, "answers": ans}, nil); s != 403 {
			t.Errorf("another enterprise applied for this one: %d", s)
		}
		var app struct{ Created []int64 }
		c["ent-apply"].must("POST", "/api/v1/subjects/"+apply.subject.Subject.ID+"/applications", map[string]any{"clause": apply.clause.ID, "answers": ans}, &app)
		if len(app.Created) != 1 {
			t.Fatalf("application: %v", app.Created)
		}
		if s, b := c["ent-apply"].do("POST", "/api/v1/subjects/"+apply.subject.Subject.ID+"/applications", map[string]any{"clause": apply.clause.ID, "answers": ans}, nil); s != 409 {
			t.Errorf("applying twice for the same event: %d %s", s, b)
		}
		fx.walk(t, c, app.Created[0], "staff3", "staff4", apply)

		var led struct {
			Payments       []PaymentJSON
			Reconciliation struct {
				Payments int
				PaidFen  int64 `json:"paid_fen"`
				Problems []string
			}
		}
		c["fin"].must("GET", "/api/v1/ledger", nil, &led)
		want := int64(0)
		for _, p := range []pick{auto, apply} {
			want += int64(p.claims[0].Amount.Min)
		}
		if len(led.Payments) != 2 || led.Reconciliation.Payments != 2 || led.Reconciliation.PaidFen != want || len(led.Reconciliation.Problems) != 0 {
			t.Fatalf("ledger: %+v", led)
		}
		var own struct{ Payments []PaymentJSON }
		c["ent-apply"].must("GET", "/api/v1/ledger", nil, &own)
		if len(own.Payments) != 1 || own.Payments[0].Subject != apply.subject.Subject.ID {
			t.Errorf("the enterprise's ledger: %+v", own.Payments)
		}
		var other struct{ Payments []PaymentJSON }
		c["fx-fin"].must("GET", "/api/v1/ledger", nil, &other)
		if len(other.Payments) != 0 {
			t.Errorf("肥乡 finance sees 武威 payments: %+v", other.Payments)
		}
		if s, _ := c["staff1"].do("GET", "/api/v1/ledger", nil, nil); s != 403 {
			t.Errorf("staff read the ledger: %d", s)
		}
		// Paging: one case a page, in id order.
		var p1, p2 struct{ Cases []CaseJSON }
		c["admin"].must("GET", "/api/v1/cases?limit=1", nil, &p1)
		c["admin"].must("GET", fmt.Sprintf("/api/v1/cases?limit=1&after=%d", p1.Cases[0].ID), nil, &p2)
		if len(p1.Cases) != 1 || len(p2.Cases) != 1 || p2.Cases[0].ID <= p1.Cases[0].ID {
			t.Errorf("paging: %+v then %+v", p1.Cases, p2.Cases)
		}
		if s, _ := c["admin"].do("GET", "/api/v1/cases?limit=0", nil, nil); s != 422 {
			t.Errorf("limit=0: %d", s)
		}
		// Batches: finance of 武威 sees both, 肥乡's none; staff may read; experts may not.
		for who, n := range map[string]int{"fin": 2, "fx-fin": 0, "staff1": 2} {
			var bl struct{ Batches []BatchJSON }
			c[who].must("GET", "/api/v1/batches", nil, &bl)
			if len(bl.Batches) != n {
				t.Errorf("GET /api/v1/batches as %s: %d batches, want %d", who, len(bl.Batches), n)
			}
		}
		if s, _ := c["expert"].do("GET", "/api/v1/batches", nil, nil); s != 403 {
			t.Errorf("GET /api/v1/batches as an expert: %d", s)
		}
		// Budgets and reversals of another jurisdiction's payer are out of reach.
		if s, _ := c["fx-fin"].do("POST", "/api/v1/envelopes", map[string]any{"payer": "武威市级财政", "year": 2030, "fen": 100, "rule": "queue"}, nil); s != 403 {
			t.Errorf("肥乡 finance set a 武威 envelope: %d", s)
		}
		var envs struct{ Envelopes []EnvelopeJSON }
		c["fx-fin"].must("GET", "/api/v1/envelopes", nil, &envs)
		if len(envs.Envelopes) != 0 {
			t.Errorf("肥乡 finance sees 武威 envelopes: %+v", envs.Envelopes)
		}
		if s, _ := c["fx-fin"].do("POST", fmt.Sprintf("/api/v1/payments/%d/reversal", led.Payments[0].ID), map[string]any{"reason": "x"}, nil); s != 403 {
			t.Errorf("肥乡 finance reversed a 武威 payment: %d", s)
		}
		// A reversal is a compensating entry, once.
		c["fin"].must("POST", fmt.Sprintf("/api/v1/payments/%d/reversal", led.Payments[0].ID), map[string]any{"reason": "退汇"}, nil)
		if s, _ := c["fin"].do("POST", fmt.Sprintf("/api/v1/payments/%d/reversal", led.Payments[0].ID), map[string]any{"reason": "again"}, nil); s != 409 {
			t.Errorf("a second reversal: %d", s)
		}
		c["fin"].must("GET", "/api/v1/ledger", nil, &led)
		if len(led.Payments) != 3 || led.Reconciliation.PaidFen != want-int64(led.Payments[0].Fen) || len(led.Reconciliation.Problems) != 0 {
			t.Errorf("ledger after the reversal: %+v", led)
		}
	})
}

func findCase(t *testing.T, cs []CaseJSON, clause string) CaseJSON {
	t.Helper()
	for _, c := range cs {
		if c.Clause == clause {
			return c
		}
	}
	t.Fatalf("no case of %s among %d", clause, len(cs))
	return CaseJSON{}
}

// walk takes case id from its first staff step to paid: 确认/受理, 初审 by
// first, 复核 by second, 公示 (objection refused once the notice has run),
// then a batch under an envelope, exported and confirmed.
func (fx *fixture) walk(t *testing.T, c map[string]*client, id int64, first, second string, p pick) {
	t.Helper()
	get := func() CaseJSON {
		var k CaseJSON
		c["admin"].must("GET", fmt.Sprintf("/api/v1/cases/%d", id), nil, &k)
		return k
	}
	act := func(who string, body map[string]any) (int, string) {
		body["version"] = get().Version
		return c[who].do("POST", fmt.Sprintf("/api/v1/cases/%d/actions", id), body, nil)
	}
	for get().Step != fulfil.Review {
		if s, b := act(first, map[string]any{"action": "approve"}); s != 200 {
			t.Fatalf("approve at %s: %d %s", get().Step, s, b)
		}
	}
	if s, b := act(first, map[string]any{"action": "return"}); s != 422 || !strings.Contains(b, "reason") {
		t.Errorf("a return without a reason: %d %s", s, b)
	}
	if k := get(); k.Amount == nil { // a discretionary range: decide it, with the reason
		lo := int64(p.claims[0].Amount.Min)
		if s, b := act(first, map[string]any{"action": "decide", "fen": lo - 1, "reason": "低于下限"}); s != 422 || !strings.Contains(b, "下限") {
			t.Errorf("a decision below the range: %d %s", s, b)
		}
		if s, b := act(first, map[string]any{"action": "decide", "fen": lo, "reason": "按评审意见取下限"}); s != 200 {
			t.Fatalf("decide: %d %s", s, b)
		}
		if k := get(); k.Amount == nil || int64(*k.Amount) != lo || k.Decided == nil || k.Decided.Reason != "按评审意见取下限" {
			t.Fatalf("the decision is not recorded: %+v", k)
		}
	}
	if s, b := act(first, map[string]any{"action": "approve", "score": 88}); s != 200 {
		t.Fatalf("初审: %d %s", s, b)
	}
	if s, b := act(first, map[string]any{"action": "approve"}); s != 403 || !strings.Contains(b, "复核") {
		t.Errorf("复核 by the person who did 初审: %d %s", s, b)
	}
	if s, b := act(second, map[string]any{"action": "approve"}); s != 200 {
		t.Fatalf("复核: %d %s", s, b)
	}
	k := get()
	if k.Step != fulfil.Notice || k.NoticeUntil == "" {
		t.Fatalf("after 复核: %+v", k)
	}
	if s, b := act(first, map[string]any{"action": "approve"}); s != 409 || !strings.Contains(b, "公示期") {
		t.Errorf("leaving 公示 early: %d %s", s, b)
	}
	fx.advance(8 * 24 * time.Hour)
	for id := range c { // sessions last less than a 公示: sign in again
		c[id] = signIn(t, fx.base, id)
	}
	if s, b := act(first, map[string]any{"action": "object", "reason": "晚了"}); s != 409 {
		t.Errorf("an objection after the notice: %d %s", s, b)
	}
	if s, b := act(first, map[string]any{"action": "approve"}); s != 200 {
		t.Fatalf("公示期满: %d %s", s, b)
	}
	k = get()
	if k.Step != fulfil.Pay || k.Amount == nil || len(k.Schedule) != 1 {
		t.Fatalf("at 拨付: %+v", k)
	}
	year := k.Schedule[0].Year
	if s, _ := c["fx-fin"].do("POST", "/api/v1/batches", map[string]any{"payer": "武威市级财政", "year": year}, nil); s != 403 {
		t.Errorf("肥乡 finance made a 武威 batch: %d", s)
	}
	if s, _ := c[first].do("POST", "/api/v1/batches", map[string]any{"payer": "武威市级财政", "year": year}, nil); s != 403 {
		t.Errorf("staff made a batch: %d", s)
	}
	c["fin"].must("POST", "/api/v1/envelopes", map[string]any{"payer": "武威市级财政", "year": year, "fen": 100_000_000_00, "rule": "queue"}, nil)
	var b BatchJSON
	c["fin"].must("POST", "/api/v1/batches", map[string]any{"payer": "武威市级财政", "year": year}, &b)
	if b.Count != 1 || b.Fen != *k.Amount || b.Payments[0].Case != id || b.Payments[0].State != "batched" {
		t.Fatalf("batch: %+v", b)
	}
	if s, body := c["fin"].do("POST", "/api/v1/batches", map[string]any{"payer": "武威市级财政", "year": year}, nil); s != 422 {
		t.Errorf("a repeated batch: %d %s", s, body)
	}
	s, csv := c["fin"].do("GET", fmt.Sprintf("/api/v1/batches/%d/export?format=csv", b.ID), nil, nil)
	if s != 200 || !strings.Contains(csv, b.Payments[0].Key) || !strings.Contains(csv, "合计") || !strings.Contains(csv, fulfil.Yuan(b.Fen)) {
		t.Errorf("CSV export: %d %s", s, csv)
	}
	if s, x := c["fin"].do("GET", fmt.Sprintf("/api/v1/batches/%d/export", b.ID), nil, nil); s != 200 || !strings.HasPrefix(x, "PK") {
		t.Errorf("xlsx export: %d", s)
	}
	c["fin"].must("POST", fmt.Sprintf("/api/v1/batches/%d/confirmation", b.ID), nil, &b)
	if b.State != "confirmed" || b.Payments[0].State != "paid" {
		t.Fatalf("confirmed batch: %+v", b)
	}
	k = get()
	if k.Status != fulfil.Paid || k.Expected != "" {
		t.Fatalf("after confirmation: %+v", k)
	}
	var hist []string
	for _, h := range k.History {
		hist = append(hist, h.Action)
	}
	if !slices.Contains(hist, "batched") || hist[len(hist)-1] != "paid" {
		t.Errorf("history: %v", hist)
	}
}

// Two staff approving the same case at the same moment over HTTP: exactly
// one gets 200, the other 409 with a message that says to refresh.
func TestConcurrentApproveHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		eng := library(t)
		docs, _ := demo.Generate(eng, len(demo.Scenarios(eng)), 1)
		auto := choose(t, eng, docs, true, "")
		users := []auth.User{
			{ID: "s1", Role: auth.Staff, Jurisdiction: "620600", Department: auto.clause.Responsible[0]},
			{ID: "s2", Role: auth.Staff, Jurisdiction: "620600", Department: auto.clause.Responsible[0]},
		}
		fx := newFulfilFixture(t, db, users)
		s1, s2 := signIn(t, fx.base, "s1"), signIn(t, fx.base, "s2")
		s1.must("PUT", "/api/v1/clauses/"+auto.clause.ID+"/fulfilment", map[string]any{"route": "auto"}, nil)
		var prop struct{ Created []int64 }
		s1.must("POST", "/api/v1/proposals", map[string]any{"region": "6206"}, &prop)
		if len(prop.Created) < 2 {
			t.Fatalf("%d proposals: the test needs at least two cases", len(prop.Created))
		}
		for _, id := range prop.Created[:min(len(prop.Created), 6)] {
			var k CaseJSON
			s1.must("GET", fmt.Sprintf("/api/v1/cases/%d", id), nil, &k)
			var wg sync.WaitGroup
			status := make([]int, 2)
			body := make([]string, 2)
			start := make(chan struct{})
			for i, cl := range []*client{s1, s2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					status[i], body[i] = cl.do("POST", fmt.Sprintf("/api/v1/cases/%d/actions", id), map[string]any{"action": "approve", "version": k.Version}, nil)
				}()
			}
			close(start)
			wg.Wait()
			slices.Sort(status)
			if status[0] != 200 || status[1] != 409 {
				t.Fatalf("case %d: statuses %v, want one 200 and one 409: %v", id, status, body)
			}
			loser := body[0]
			if !strings.Contains(body[0], "conflict") {
				loser = body[1]
			}
			if !strings.Contains(loser, "刷新") {
				t.Errorf("the conflict does not tell the user what to do: %s", loser)
			}
		}
	})
}
