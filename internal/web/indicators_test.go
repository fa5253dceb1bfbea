package web

import (
	"bytes"
	"context"
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
