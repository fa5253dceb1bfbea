package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"kechuang/internal/auth"
	"kechuang/internal/fulfil"
	"kechuang/internal/pool"
	"kechuang/internal/rules"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// TestPoolsAPI drives 肥乡's 高企培育库 over the JSON API on both engines:
// the ranked candidates, an application staff make for the closest, the
// two approval steps (the second admits and makes the 3万元 proposal), a
// follow-up note; who may see and do what; stale and malformed acts.
func TestPoolsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		users := []auth.User{
			{ID: "fx-staff", Role: auth.Staff, Jurisdiction: "130407"},
			{ID: "ww-staff", Role: auth.Staff, Jurisdiction: "620600"},
			{ID: "ww-fin", Role: auth.Finance, Jurisdiction: "620600"},
			{ID: "expert", Role: auth.Expert},
			{ID: "admin", Role: auth.Admin},
		}
		fx := newFulfilFixture(t, db, users)
		c := map[string]*client{}
		for _, u := range users {
			c[u.ID] = signIn(t, fx.base, u.ID)
		}
		anon := &client{t: t, base: fx.base, c: &http.Client{}}

		var list struct{ Pools []PoolJSON }
		c["fx-staff"].must("GET", "/api/v1/pools", nil, &list)
		if len(list.Pools) != 5 || list.Pools[1].ID != "fx_hte_pool" || list.Pools[1].Clause != "fx-hte-pool" || list.Pools[1].Criteria[1].Local == "" {
			t.Fatalf("肥乡's pools: %+v", list.Pools)
		}
		c["admin"].must("GET", "/api/v1/pools", nil, &list)
		if len(list.Pools) != 8 {
			t.Errorf("the admin sees %d pools, want the 8 of the five documents", len(list.Pools))
		}
		for _, tc := range []struct {
			who    *client
			method string
			path   string
			want   int
		}{
			{anon, "GET", "/api/v1/pools", 403},
			{c["ww-staff"], "GET", "/api/v1/pools/fx_hte_pool", 403},
			{c["ww-staff"], "GET", "/api/v1/pools/fx_hte_pool/candidates", 403},
			{c["ww-fin"], "GET", "/api/v1/pools/ww_hte_pool/candidates", 403},
			{c["ww-fin"], "GET", "/api/v1/pools/ww_hte_pool/members", 200},
			{c["fx-staff"], "GET", "/api/v1/pools/nope", 404},
			{c["fx-staff"], "GET", "/api/v1/pools/fx_hte_pool/candidates?limit=0", 422},
			{c["fx-staff"], "GET", "/api/v1/pools/fx_hte_pool/members?state=limbo", 422},
		} {
			if s, b := tc.who.do(tc.method, tc.path, nil, nil); s != tc.want {
				t.Errorf("%s %s: %d, want %d: %s", tc.method, tc.path, s, tc.want, b)
			}
		}

		var cands struct {
			Candidates []struct {
				Subject   struct{ ID string }
				Admission string
				Distance  int
			}
			Counts map[string]int
		}
		c["fx-staff"].must("GET", "/api/v1/pools/fx_hte_pool/candidates?limit=5", nil, &cands)
		if len(cands.Candidates) == 0 || cands.Candidates[0].Admission != rules.Admissible.String() || cands.Counts["admissible"] == 0 {
			t.Fatalf("candidates: %+v", cands)
		}
		subject := cands.Candidates[0].Subject.ID
		if s, b := c["ww-staff"].do("POST", "/api/v1/pools/fx_hte_pool/members", map[string]any{"subject": subject, "act": "invite"}, nil); s != 403 {
			t.Errorf("a 武威 officer inviting into a 肥乡 pool: %d %s", s, b)
		}
		var m pool.Member
		if s, b := c["fx-staff"].do("POST", "/api/v1/pools/fx_hte_pool/members", map[string]any{"subject": subject, "act": "apply", "note": "企业书面申请"}, nil); s != 201 || json.Unmarshal([]byte(b), &m) != nil {
			t.Fatalf("apply for %s: %d %s", subject, s, b)
		}
		if s, _ := c["fx-staff"].do("POST", "/api/v1/pools/fx_hte_pool/members", map[string]any{"subject": subject, "act": "invite"}, nil); s != 409 {
			t.Errorf("a second membership: %d, want 409", s)
		}
		path := fmt.Sprintf("/api/v1/pool-members/%d", m.ID)
		if s, _ := c["fx-staff"].do("POST", path+"/actions", map[string]any{"act": "pass"}, nil); s != 422 {
			t.Errorf("an act without the version: %d, want 422", s)
		}
		c["fx-staff"].must("POST", path+"/actions", map[string]any{"act": "pass", "version": m.Version}, &m)
		if s, _ := c["fx-staff"].do("POST", path+"/actions", map[string]any{"act": "pass", "version": m.Version - 1}, nil); s != 409 {
			t.Errorf("an act on a stale version: %d, want 409", s)
		}
		c["fx-staff"].must("POST", path+"/actions", map[string]any{"act": "pass", "version": m.Version}, &m)
		if m.State != pool.Admitted || len(m.Cases) != 1 {
			t.Fatalf("after the last step: %+v", m)
		}
		c["fx-staff"].must("POST", path+"/actions", map[string]any{"act": "note", "version": m.Version, "note": "电话回访", "next": "补充知识产权", "next_date": "2025-04-01"}, &m)

		var k CaseJSON
		c["fx-staff"].must("GET", fmt.Sprintf("/api/v1/cases/%d", m.Cases[0]), nil, &k)
		if k.Clause != "fx-hte-pool" || k.Route != fulfil.RouteAuto || k.Amount == nil || *k.Amount != 3_000_000 {
			t.Errorf("the proposal: %+v", k)
		}

		// the enterprise sees its membership; others do not
		if err := db.CreateUser(context.Background(), auth.User{ID: "ent", Role: auth.Enterprise, Subject: subject}, "long enough pw", "test"); err != nil {
			t.Fatal(err)
		}
		var mj struct {
			History []pool.Event
			Acts    []pool.Act
			Check   map[string]any
		}
		signIn(t, fx.base, "ent").must("GET", path, nil, &mj)
		if len(mj.History) != 4 || mj.History[3].Next != "补充知识产权" || len(mj.Acts) != 0 || mj.Check == nil {
			t.Errorf("the enterprise's view: %+v", mj)
		}
		for who, want := range map[string]int{"ww-staff": 404, "expert": 404, "ww-fin": 404, "admin": 200} {
			if s, _ := c[who].do("GET", path, nil, nil); s != want {
				t.Errorf("GET the membership as %s: %d, want %d", who, s, want)
			}
		}
	})
}
