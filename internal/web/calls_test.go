package web

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kechuang/internal/store"
)

// TestCallsHTTP: a 揭榜挂帅 challenge taken all year is cut into a review
// batch over the page's form — the batch a closed challenge of its own,
// the challenge still open and listing it — and a 肥乡 call for national
// projects shows an enterprise of 肥乡, before it applies, the gate of
// 十（二） and what it found on its facts (2024: 615万元 of 2.12亿元, not
// blocked).
func TestCallsHTTP(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := newTestClock(time.Date(2025, 3, 3, 10, 0, 0, 0, Shanghai))
	f := newFixtureOn(t, db, 0, clock.Now)
	staff := f.login(t, "staff-ww")
	res := staff.postCSRF("/console/challenges", url.Values{"title": {"农产品精深加工"}, "problem": {"常年征集"}, "indicators": {"损耗率≤5%"}, "intake": {"rolling"},
		"total": {"500万元"}, "deadline": {"2025-12-31"}, "end_user": {"某农业公司"}, "issuer": {"市科技局"}, "clause": {"ww-challenge"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("drafting: %d %.300s", res.status, res.body)
	}
	path := res.location
	if res := staff.postCSRF(path+"/act", url.Values{"act": {"publish"}}); res.status != http.StatusSeeOther {
		t.Fatalf("publishing: %d", res.status)
	}
	ent := f.login(t, "ent-a")
	if page := ent.get(path).body; !strings.Contains(page, `id="bid-elig"`) || !strings.Contains(page, "没有申报门槛") {
		t.Error("the bid form does not say which gates apply")
	}
	form := url.Values{"lead_name": {"张工"}, "lead_age": {"38"}, "lead_title": {"高级工程师"},
		"budget_设备费": {"100万元"}, "budget_材料费": {"210万元"}, "budget_劳务费": {"100万元"}, "indirect": {"90万元"}, "attachments": {"实施方案", "承诺书"}}
	if res := ent.postCSRF(path+"/bids", form); res.status != http.StatusSeeOther {
		t.Fatalf("the bid: %d %.300s", res.status, res.body)
	}
	clock.Set(time.Date(2025, 4, 1, 10, 0, 0, 0, Shanghai))
	staff = f.login(t, "staff-ww")
	if res := staff.postCSRF(path+"/act", url.Values{"act": {"batch"}, "cutoff": {"2025-04-02"}}); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "晚于今天") {
		t.Errorf("a cutoff after today: %d", res.status)
	}
	res = staff.postCSRF(path+"/act", url.Values{"act": {"batch"}, "cutoff": {"2025-03-31"}})
	if res.status != http.StatusSeeOther || res.location == path {
		t.Fatalf("cutting the batch: %d %.300s", res.status, res.body)
	}
	batch := strings.SplitN(res.location, "?", 2)[0]
	page := staff.get(batch).body
	for _, want := range []string{"本批次属于", "（第1批）", "揭榜截止", "张工", `id="rev-assign"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the batch page lacks %q", want)
		}
	}
	page = staff.get(path).body
	for _, want := range []string{"已发榜", "第1批", "1 项申报", `id="act-batch"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the rolling challenge lacks %q", want)
		}
	}

	fx := f.login(t, "staff-fx")
	res = fx.postCSRF("/console/challenges", url.Values{"kind": {"call"}, "level": {"national"}, "title": {"国家重大科技专项申报推荐"}, "problem": {"推荐申报"}, "indicators": {"形成核心技术"},
		"total": {"500万元"}, "deadline": {"2025-06-30"}, "issuer": {"肥乡区科技和工业信息化局"}, "clause": {"fx-national-major"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("drafting the call: %d %.300s", res.status, res.body)
	}
	call := res.location
	if res := fx.postCSRF(call+"/act", url.Values{"act": {"publish"}}); res.status != http.StatusSeeOther {
		t.Fatalf("publishing the call: %d %.300s", res.status, res.body)
	}
	page = f.login(t, "ent-fx").get(call).body
	for _, want := range []string{"申报指南", "十（二）", "对上年度研发投入强度低于1%的企业,不得申报市级以上科技项目", "不受限"} {
		if !strings.Contains(page, want) {
			t.Errorf("the call's page for a 肥乡 enterprise lacks %q", want)
		}
	}
}
