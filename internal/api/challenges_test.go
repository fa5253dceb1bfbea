package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"kechuang/internal/auth"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// TestChallengesAPI: a 武威 officer drafts and publishes a challenge over
// HTTP; a visitor lists and reads it with its award (四（一）3); an
// enterprise asks; who may do what.
func TestChallengesAPI(t *testing.T) {
	db, _ := storetest.Open(t, store.SQLite)
	users := []auth.User{{ID: "ww-staff", Role: auth.Staff, Jurisdiction: "620600"}, {ID: "fx-staff", Role: auth.Staff, Jurisdiction: "130407"}}
	fx := newFulfilFixture(t, db, users) // its clock: 2025-03-03, while 武威's document is in force
	if err := db.CreateUser(t.Context(), auth.User{ID: "firm", Role: auth.Enterprise, Subject: "demo-000001"}, "long enough pw", "t"); err != nil {
		t.Fatal(err)
	}
	ww, fxs, firm := signIn(t, fx.base, "ww-staff"), signIn(t, fx.base, "fx-staff"), signIn(t, fx.base, "firm")
	anon := &client{t: t, base: fx.base, c: &http.Client{}}
	body := map[string]any{"title": "荒漠区光伏板自清洁技术", "problem": "风沙导致发电效率下降", "indicators": []string{"效率恢复≥95%"},
		"total": "500万元", "deadline": "2025-12-31", "end_user": "某新能源公司", "issuer": "市科技局", "clause": "ww-challenge"}
	if s, _ := anon.do("POST", "/api/v1/challenges", body, nil); s != 403 {
		t.Errorf("a visitor drafts: %d", s)
	}
	if s, _ := firm.do("POST", "/api/v1/challenges", body, nil); s != 403 {
		t.Errorf("an enterprise drafts: %d", s)
	}
	var c struct {
		ID      int64
		Version int
		State   string
	}
	s, b := ww.do("POST", "/api/v1/challenges", body, nil)
	if s != 201 || json.Unmarshal([]byte(b), &c) != nil || c.State != "draft" {
		t.Fatalf("draft: %d %s", s, b)
	}
	path := fmt.Sprintf("/api/v1/challenges/%d", c.ID)
	if s, _ := anon.do("GET", path, nil, nil); s != 404 {
		t.Errorf("a visitor reads the draft: %d", s)
	}
	if s, _ := fxs.do("POST", path+"/actions", map[string]any{"act": "publish", "version": 1}, nil); s != 404 {
		t.Errorf("肥乡 staff publish it: %d", s)
	}
	ww.must("POST", path+"/actions", map[string]any{"act": "publish", "version": 1}, nil)
	var got struct {
		State string
		Award struct {
			Interval struct{ Min, Max int64 }
			Section  string
		}
	}
	anon.must("GET", path, nil, &got)
	if got.State != "published" || got.Award.Interval.Min != 50_000_000 || got.Award.Interval.Max != 100_000_000 || got.Award.Section != "四（一）3" {
		t.Errorf("the public challenge: %+v", got)
	}
	var list struct{ Challenges []struct{ ID int64 } }
	anon.must("GET", "/api/v1/challenges?region=620600", nil, &list)
	if len(list.Challenges) != 1 {
		t.Errorf("the public list: %+v", list)
	}
	firm.must("POST", path+"/actions", map[string]any{"act": "ask", "version": 2, "text": "是否接受联合揭榜？"}, nil)
	if s, _ := firm.do("POST", path+"/actions", map[string]any{"act": "withdraw", "version": 3, "text": "x"}, nil); s != 403 {
		t.Errorf("an enterprise withdraws: %d", s)
	}
	if s, _ := ww.do("POST", path+"/actions", map[string]any{"act": "answer", "version": 2, "text": "接受", "index": 0}, nil); s != 409 {
		t.Errorf("a stale answer: %d", s)
	}
}
