package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"kechuang/internal/auth"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// TestIndicatorsAPI: 武威's cards as JSON with the table's baseline and
// targets; values entered over the API become a card's latest; who may
// read and enter.
func TestIndicatorsAPI(t *testing.T) {
	db, _ := storetest.Open(t, store.SQLite)
	users := []auth.User{
		{ID: "ww-staff", Role: auth.Staff, Jurisdiction: "620600"},
		{ID: "fx-staff", Role: auth.Staff, Jurisdiction: "130407"},
		{ID: "ent", Role: auth.Enterprise, Subject: "x"},
		{ID: "admin", Role: auth.Admin},
	}
	fx := newFulfilFixture(t, db, users[:2])
	c := map[string]*client{}
	for _, u := range users[:2] {
		c[u.ID] = signIn(t, fx.base, u.ID)
	}
	anon := &client{t: t, base: fx.base, c: &http.Client{}}
	if s, _ := anon.do("GET", "/api/v1/indicators", nil, nil); s != 403 {
		t.Errorf("anonymous: %d", s)
	}
	if s, _ := c["fx-staff"].do("GET", "/api/v1/indicators?j=620600", nil, nil); s != 403 {
		t.Errorf("肥乡 staff reading 武威: %d", s)
	}
	if s, _ := c["ww-staff"].do("GET", "/api/v1/indicators?j=62", nil, nil); s != 422 {
		t.Errorf("a bad code: %d", s)
	}
	body := map[string]any{"values": []map[string]string{{"indicator": "全社會研發經費投入強度", "region": "620600", "year": "2024", "value": "1.1", "source": "2024年统计公报", "vintage": "最终"}}}
	if s, b := c["fx-staff"].do("POST", "/api/v1/indicator-values", body, nil); s != 422 || !strings.Contains(b, "不在本账号的辖区") {
		t.Errorf("肥乡 staff entering a 武威 value: %d %s", s, b)
	}
	if s, b := c["ww-staff"].do("POST", "/api/v1/indicator-values", body, nil); s != 201 {
		t.Fatalf("entering: %d %s", s, b)
	}
	var d struct {
		Jurisdiction string
		Cards        []struct {
			Indicator string
			Status    string
			Base      *struct{ Year int }
			Target    *struct {
				Year  int
				Value float64
				Quote string
			}
			Observed []struct {
				Year    int
				Value   float64
				Vintage string
			}
			Flags []string
		}
	}
	s, b := c["ww-staff"].do("GET", "/api/v1/indicators", nil, nil)
	if s != 200 || json.Unmarshal([]byte(b), &d) != nil || d.Jurisdiction != "620600" {
		t.Fatalf("武威's cards: %d %.300s", s, b)
	}
	found := 0
	for _, card := range d.Cards {
		switch card.Indicator {
		case "rd_intensity_region":
			found++
			last := card.Observed[len(card.Observed)-1]
			if card.Base == nil || card.Base.Year != 2020 || last.Year != 2024 || last.Value != 1.1 || last.Vintage != "final" || card.Status == "" {
				t.Errorf("研发投入强度: %+v", card)
			}
		case "fiscal_st_share_county":
			found++
			if len(card.Flags) == 0 {
				t.Errorf("the incomplete row is not flagged: %+v", card)
			}
		case "hte_count":
			found++
			if card.Target == nil || card.Target.Year != 2025 || card.Target.Value != 100 || card.Target.Quote == "" {
				t.Errorf("高企 target: %+v", card.Target)
			}
		}
	}
	if found != 3 {
		t.Errorf("found %d of the three cards looked for in %d", found, len(d.Cards))
	}
}
