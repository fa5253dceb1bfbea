package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/store"
)

// authzCase says how to exercise a route for the authorisation test:
// public routes serve no stored data; the others are tried as every account.
type authzCase struct {
	public bool
	write  bool   // needs the CSRF token
	body   string // for {id} routes: %s is the subject id
	// fulfil: a fulfilment route, whose ids are cases, batches, payments or
	// clauses; TestFulfilmentEndToEnd exercises it as each kind of account.
	fulfil bool
	// pools: a pool route, exercised as each kind of account by TestPoolsAPI;
	// indicators: a 监测评价 route, by TestIndicatorsAPI; challenges: a
	// 揭榜挂帅 route, by TestChallengesAPI and TestChallengeReviewAPI.
	pools, indicators, challenges bool
}

// authz must name every route: a new route without a case fails the test.
var authz = map[string]authzCase{
	"GET /api/v1/health":                {public: true},
	"GET /api/v1/openapi.yaml":          {public: true},
	"GET /api/v1/documents":             {public: true},
	"GET /api/v1/clauses/{id}":          {public: true},
	"GET /api/v1/standards":             {public: true},
	"GET /api/v1/standards/{id}":        {public: true},
	"POST /api/v1/evaluate":             {public: true},
	"POST /api/v1/ladder":               {public: true},
	"POST /api/v1/session":              {public: true},
	"DELETE /api/v1/session":            {write: true},
	"GET /api/v1/subjects":              {},
	"GET /api/v1/subjects/{id}":         {},
	"GET /api/v1/subjects/{id}/history": {},
	"PUT /api/v1/subjects/{id}/facts":   {write: true, body: `{"subject": {"id": %q, "kind": "enterprise", "region": "%s", "name": "改"}}`},
	"POST /api/v1/subjects/{id}/report": {write: true},

	"GET /api/v1/cases":                       {fulfil: true},
	"GET /api/v1/cases/{id}":                  {fulfil: true},
	"POST /api/v1/cases/{id}/actions":         {fulfil: true},
	"POST /api/v1/proposals":                  {fulfil: true},
	"POST /api/v1/subjects/{id}/applications": {fulfil: true},
	"PUT /api/v1/clauses/{id}/fulfilment":     {fulfil: true},
	"GET /api/v1/envelopes":                   {fulfil: true},
	"POST /api/v1/envelopes":                  {fulfil: true},
	"GET /api/v1/batches":                     {fulfil: true},
	"POST /api/v1/batches":                    {fulfil: true},
	"GET /api/v1/batches/{id}":                {fulfil: true},
	"POST /api/v1/batches/{id}/confirmation":  {fulfil: true},
	"GET /api/v1/batches/{id}/export":         {fulfil: true},
	"GET /api/v1/ledger":                      {fulfil: true},
	"POST /api/v1/payments/{id}/reversal":     {fulfil: true},

	"GET /api/v1/pools":                      {pools: true},
	"GET /api/v1/pools/{id}":                 {pools: true},
	"GET /api/v1/pools/{id}/candidates":      {pools: true},
	"GET /api/v1/pools/{id}/members":         {pools: true},
	"POST /api/v1/pools/{id}/members":        {pools: true},
	"GET /api/v1/pool-members/{id}":          {pools: true},
	"POST /api/v1/pool-members/{id}/actions": {pools: true},

	"GET /api/v1/indicators":        {indicators: true},
	"POST /api/v1/indicator-values": {indicators: true},

	"GET /api/v1/challenges":                              {challenges: true},
	"POST /api/v1/challenges":                             {challenges: true},
	"GET /api/v1/challenges/{id}":                         {challenges: true},
	"POST /api/v1/challenges/{id}/actions":                {challenges: true},
	"POST /api/v1/challenges/{id}/review":                 {challenges: true},
	"GET /api/v1/challenges/{id}/projects/{bid}":          {challenges: true},
	"POST /api/v1/challenges/{id}/projects/{bid}/actions": {challenges: true},
}

type account struct {
	c    *http.Client
	csrf string
}

func TestAuthorisationEveryRoute(t *testing.T) {
	store.SetBcryptCost(4)
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	subjects := map[string]string{"ww1": "620602", "mq1": "620621", "fx1": "130407"}
	for id, region := range subjects {
		doc := fmt.Sprintf(`{"as_of": "2024-12-31", "subject": {"id": %q, "kind": "enterprise", "name": "企业%s", "region": %q}}`, id, id, region)
		if _, err := db.PutFacts(ctx, []byte(doc), store.Entry{Source: "import", By: "setup"}); err != nil {
			t.Fatal(err)
		}
	}
	users := []auth.User{
		{ID: "ent-ww1", Role: auth.Enterprise, Subject: "ww1"},
		{ID: "staff-fx", Role: auth.Staff, Jurisdiction: "130407"},
		{ID: "staff-ww-city", Role: auth.Staff, Jurisdiction: "620600"},
		{ID: "staff-lz", Role: auth.Staff, Jurisdiction: "620602"},
		{ID: "finance-ww", Role: auth.Finance, Jurisdiction: "620600"},
		{ID: "expert", Role: auth.Expert},
		{ID: "admin", Role: auth.Admin},
	}
	for _, u := range users {
		if err := db.CreateUser(ctx, u, "long enough pw", "setup"); err != nil {
			t.Fatal(err)
		}
	}
	eng := library(t)
	pv, err := db.SavePolicyVersion(ctx, store.PolicyFiles{"lib": []byte("test")}, "setup", "")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Engine: eng, Store: db, PolicyVersion: pv, Now: func() time.Time { return time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) }}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	sp := loadSpec(t)

	login := func(id string) account {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		resp, err := c.Post(ts.URL+"/api/v1/session", "application/json", strings.NewReader(`{"id": "`+id+`", "password": "long enough pw"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ CSRF string }
		jsonDecode(t, resp.Body, &out)
		if resp.StatusCode != 200 || out.CSRF == "" {
			t.Fatalf("login %s: %d", id, resp.StatusCode)
		}
		return account{c, out.CSRF}
	}
	accounts := map[string]account{"anonymous": {c: &http.Client{}}}
	for _, u := range users {
		accounts[u.ID] = login(u.ID)
	}
	// who may read / write which subject, by the rules of internal/auth
	mayRead := func(user, subject string) bool {
		for _, u := range users {
			if u.ID == user {
				return auth.CanSubject(u, auth.Read, auth.Subject{ID: subject, Region: subjects[subject]}) == nil
			}
		}
		return false
	}
	mayWrite := func(user, subject string) bool {
		for _, u := range users {
			if u.ID == user {
				return auth.CanSubject(u, auth.Write, auth.Subject{ID: subject, Region: subjects[subject]}) == nil
			}
		}
		return false
	}
	do := func(a account, method, url, body string, csrf bool) (int, []byte, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		if csrf {
			req.Header.Set("X-CSRF-Token", a.csrf)
		}
		resp, err := a.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, resp.Header.Get("Content-Type")
	}

	for _, rt := range Routes {
		key := rt.Method + " " + rt.Path
		tc, ok := authz[key]
		if !ok {
			t.Errorf("route %s has no authorisation case: add it to authz", key)
			continue
		}
		if tc.public || tc.fulfil || tc.pools || tc.indicators || tc.challenges || key == "DELETE /api/v1/session" {
			continue
		}
		for name, a := range accounts {
			ids := []string{""}
			if strings.Contains(rt.Path, "{id}") {
				ids = []string{"ww1", "mq1", "fx1", "nobody"}
			}
			for _, id := range ids {
				url := ts.URL + strings.Replace(rt.Path, "{id}", id, 1)
				body := ""
				if tc.body != "" {
					body = fmt.Sprintf(tc.body, id, subjects[id])
				}
				want := 200
				switch {
				case name == "anonymous":
					want = 403
				case id == "nobody":
					want = 403
					if name == "admin" {
						want = 404
					}
				case id == "" && (name == "expert"):
					want = 403
				case id != "" && tc.write && rt.Method == "PUT" && !mayWrite(name, id):
					want = 403
				case id != "" && !mayRead(name, id):
					want = 403
				}
				status, b, ct := do(a, rt.Method, url, body, tc.write)
				if status != want {
					t.Errorf("%s as %s on %q: %d, want %d: %.200s", key, name, id, status, want, b)
					continue
				}
				checkContract(t, sp, rt.Method, rt.Path, status, ct, b)
				if tc.write && want == 200 && name != "anonymous" {
					// the same request without the CSRF token is refused
					if s2, _, _ := do(a, rt.Method, url, body, false); s2 != 403 {
						t.Errorf("%s as %s without X-CSRF-Token: %d, want 403", key, name, s2)
					}
				}
				if rt.Path == "/api/v1/subjects" && status == 200 {
					for sid := range subjects {
						if strings.Contains(string(b), `"`+sid+`"`) && !mayRead(name, sid) {
							t.Errorf("GET /api/v1/subjects as %s lists %s, outside its reach", name, sid)
						}
					}
				}
			}
		}
	}
	// Sign-out ends the session.
	a := accounts["staff-fx"]
	if s, _, _ := do(a, "DELETE", ts.URL+"/api/v1/session", "", true); s != 200 {
		t.Fatalf("sign out: %d", s)
	}
	if s, _, _ := do(a, "GET", ts.URL+"/api/v1/subjects", "", false); s != 403 {
		t.Errorf("after sign-out: %d, want 403", s)
	}
	// A report records the versions it used.
	evs, err := db.Evaluations(ctx, "ww1")
	if err != nil || len(evs) == 0 || evs[0].PolicyVersion != pv {
		t.Errorf("evaluations of ww1: %v %+v", err, evs)
	}
}

func jsonDecode(t *testing.T, r io.Reader, v any) {
	t.Helper()
	if err := json.NewDecoder(r).Decode(v); err != nil {
		t.Fatal(err)
	}
}
