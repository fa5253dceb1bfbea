package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestIndicatorValues: staff enter a value on the dashboard's form and it
// becomes the card's latest; a sheet with one bad row imports nothing and
// names the row and column; a good sheet imports every row; a value
// outside the account's jurisdiction is refused.
func TestIndicatorValues(t *testing.T) {
	f := newFixture(t, 0)
	ctx := context.Background()
	c := f.login(t, "staff-ww")
	form := url.Values{"indicator": {"rd_intensity_region"}, "region": {"620600"}, "period": {"2024"}, "value": {"0.95"}, "source": {"2024年统计公报"}, "vintage": {"最终"}}
	if res := c.postCSRF("/console/indicators/values", form); res.status != http.StatusSeeOther {
		t.Fatalf("entering a value: %d %s", res.status, res.body)
	}
	vs, err := f.db.IndicatorValues(ctx, "rd_intensity_region", "620600", false)
	if err != nil || len(vs) != 1 || vs[0].Value != "0.95" || vs[0].EnteredBy != "staff-ww" || vs[0].Vintage != "final" {
		t.Fatalf("stored: %+v %v", vs, err)
	}
	page := c.get("/console/indicators?j=620600")
	if !strings.Contains(page.body, "最新：2024年 0.95") {
		t.Errorf("the card does not show the entered value as its latest")
	}
	// the 高企 card lists the clauses meant to move it, with the fixture's 免申即享 case of wwA
	if !strings.Contains(page.body, "关联政策（受益主体 1 家") || !strings.Contains(page.body, "新认定（含整体迁入）高新技术企业一次性补助") ||
		!strings.Contains(page.body, "武威市高新技术企业培育库") {
		t.Errorf("the 高企 card does not show its linked policies")
	}
	form.Set("region", "130407")
	if res := c.postCSRF("/console/indicators/values", form); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "不在本账号的辖区") {
		t.Errorf("a 肥乡 value entered by a 武威 officer: %d", res.status)
	}
	upload := func(csv string) response {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		w.WriteField("csrf", c.csrf)
		fw, _ := w.CreateFormFile("file", "values.csv")
		fw.Write([]byte(csv))
		w.Close()
		req, _ := http.NewRequest("POST", c.base+"/console/indicators/import", &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		return c.do(req)
	}
	head := "指标,地区代码,年份,数值,来源,版本,备注\n"
	res := upload(head + "技术合同成交额,620600,2023,16.2,技术合同登记,最终,\n技术合同成交额,620600,2024,十八,技术合同登记,最终,\n")
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "3:4") {
		t.Errorf("a sheet with a bad row: %d, the report should name row 3 column 4: %.400s", res.status, res.body)
	}
	if vs, _ := f.db.IndicatorValues(ctx, "tech_contract_value", "620600", false); len(vs) != 0 {
		t.Errorf("part of a refused sheet was stored: %+v", vs)
	}
	if res := upload(head + "技术合同成交额,620600,2023,16.2,技术合同登记,最终,\n技术合同成交额,620600,2024,18.5亿元,技术合同登记,初步,\n"); res.status != http.StatusSeeOther {
		t.Fatalf("a good sheet: %d %.300s", res.status, res.body)
	}
	if vs, _ := f.db.IndicatorValues(ctx, "tech_contract_value", "620600", false); len(vs) != 2 || vs[1].Value != "18.5" {
		t.Errorf("imported: %+v", vs)
	}
}

// TestChallengeBidHTTP: an enterprise bids on the fixture's published
// challenge over plain HTTP (no browser): a bid with a problem is refused
// naming it, a good one is stored and listed for the bureau with its
// lead's age and title, and not shown to another enterprise.
func TestChallengeBidHTTP(t *testing.T) {
	f := newFixture(t, 0)
	path := fmt.Sprintf("/challenges/%d", f.challenge)
	firm := f.login(t, "ent-a")
	form := url.Values{"lead_name": {"张工"}, "lead_age": {"38"}, "lead_title": {"高级工程师"}, "members": {"李博士,52,研究员"},
		"budget_设备费": {"100万元"}, "budget_材料费": {"210万元"}, "budget_劳务费": {"100万元"}, "indirect": {"90万元"}, "attachments": {"实施方案"}}
	if res := firm.postCSRF(path+"/bids", form); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "缺少附件：承诺书") {
		t.Errorf("a bid without 承诺书: %d", res.status)
	}
	form["attachments"] = []string{"实施方案", "承诺书"}
	if res := firm.postCSRF(path+"/bids", form); res.status != http.StatusSeeOther {
		t.Fatalf("a good bid: %d %.500s", res.status, res.body)
	}
	if res := firm.postCSRF(path+"/bids", form); res.status != http.StatusConflict {
		t.Errorf("a second bid: %d", res.status)
	}
	staff := f.login(t, "staff-ww").get(path)
	if !strings.Contains(staff.body, "张工（38岁，高级工程师）") || !strings.Contains(staff.body, `id="bid-list"`) {
		t.Errorf("the bureau does not see the bid")
	}
	if other := f.login(t, "ent-b").get(path); strings.Contains(other.body, "张工") {
		t.Errorf("another enterprise sees the bid")
	}
}
