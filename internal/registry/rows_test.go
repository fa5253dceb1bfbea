package registry

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"kechuang/internal/facts"
	"kechuang/internal/sheet"
)

var head = []string{"统一社会信用代码", "名称", "主体类型", "所在地区代码", "所属行业代码", "成立日期", "年度", "营业收入（万元）", "研发费用（万元）", "从业人员（人）", "净利润（万元）"}

// validUSCC makes a 统一社会信用代码 with a correct check character.
func validUSCC(region string, n int) string {
	s := fmt.Sprintf("91%s%09d", region, n)
	c, _ := facts.USCCCheckChar(s)
	return s + string(c)
}

func TestDecodeCells(t *testing.T) {
	good := validUSCC("620602", 1)
	for _, tt := range []struct {
		name   string
		row    []string
		column string // "" = no error
		msg    string
	}{
		{"ok", []string{good, "甲公司", "企业", "620602", "C26", "2015-03-01", "2024", "1,234.56", "60", "80", "-12.5"}, "", ""},
		{"kind by code", []string{good, "甲公司", "enterprise", "620602", "", "2015/3/1", "", "", "", "", ""}, "", ""},
		{"bad check character", []string{good[:17] + "0", "甲", "企业", "620602", "", "", "", "", "", "", ""}, "统一社会信用代码", "校验码应为"},
		{"unknown region", []string{good, "甲", "企业", "620699", "", "", "", "", "", "", ""}, "所在地区代码", "GB/T 2260"},
		{"division outside its section", []string{good, "甲", "企业", "620602", "C05", "", "", "", "", "", ""}, "所属行业代码", "not in section C"},
		{"not an industry code", []string{good, "甲", "企业", "620602", "制造业", "", "", "", "", "", ""}, "所属行业代码", "GB/T 4754"},
		{"bad date", []string{good, "甲", "企业", "620602", "", "2015-02-30", "", "", "", "", ""}, "成立日期", "不是日期"},
		{"figures without a year", []string{good, "甲", "企业", "620602", "", "", "", "100", "", "", ""}, "年度", "年度必填"},
		{"more than fen", []string{good, "甲", "企业", "620602", "", "", "2024", "1.0000001", "", "", ""}, "营业收入（万元）", "精确到分"},
		{"negative revenue", []string{good, "甲", "企业", "620602", "", "", "2024", "-1", "", "", ""}, "营业收入（万元）", "不能为负数"},
		{"bad count", []string{good, "甲", "企业", "620602", "", "", "2024", "", "", "十", ""}, "从业人员（人）", "非负整数"},
		{"unknown kind", []string{good, "甲", "公司", "620602", "", "", "", "", "", "", ""}, "主体类型", "不是可选值"},
		{"name missing", []string{good, "", "企业", "620602", "", "", "", "", "", "", ""}, "名称", "必填"},
		{"no id at all", []string{"", "甲", "企业", "620602", "", "", "", "", "", "", ""}, "主体编号", "至少填写一项"},
	} {
		docs, rep := Decode([][]string{head, tt.row})
		switch {
		case tt.column == "" && (len(rep) > 0 || len(docs) != 1):
			t.Errorf("%s: %v", tt.name, rep)
		case tt.column != "" && (len(rep) != 1 || rep[0].Row != 2 || rep[0].Column != tt.column || !strings.Contains(rep[0].Msg, tt.msg) || len(docs) != 0):
			t.Errorf("%s: report %v, docs %d; want one error in %s containing %q", tt.name, rep, len(docs), tt.column, tt.msg)
		}
	}
	docs, _ := Decode([][]string{head, {good, "甲公司", "企业", "620602", "C26", "2015-03-01", "2024", "1,234.56", "60", "80", "-12.5"}})
	f, err := facts.DecodeBytes(docs[0].JSON, "")
	if err != nil || f.Subject.ID != good || f.Annual[0].Revenue != 1_234_560_000 || f.Annual[0].NetProfit != -12_500_000 || f.Annual[0].Employees != 80 {
		t.Fatalf("decoded %v %+v", err, f)
	}
}

// Several rows of one subject are its years; they must agree on who it is.
func TestSubjectAcrossRows(t *testing.T) {
	u := validUSCC("130407", 2)
	docs, rep := Decode([][]string{head,
		{u, "乙公司", "企业", "130407", "", "", "2023", "100", "", "", ""},
		{u, "乙公司", "企业", "130407", "", "", "2024", "120", "", "", ""},
	})
	if len(rep) > 0 || len(docs) != 1 || len(docs[0].Rows) != 2 {
		t.Fatalf("two years: %v %+v", rep, docs)
	}
	_, rep = Decode([][]string{head,
		{u, "乙公司", "企业", "130407", "", "", "2023", "100", "", "", ""},
		{u, "丙公司", "企业", "130407", "", "", "2023", "120", "", "", ""},
	})
	if len(rep) != 2 || !strings.Contains(rep[0].Msg, "不一致") || !strings.Contains(rep[1].Msg, "重复") {
		t.Errorf("conflicting rows: %v", rep)
	}
}

func TestHeader(t *testing.T) {
	_, rep := Decode([][]string{{"名称", "名称", "电话"}})
	var msgs []string
	for _, e := range rep {
		msgs = append(msgs, e.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"「名称」：列重复", "「电话」：不是模板中的列", "「主体类型」：缺少必填列", "「所在地区代码」：缺少必填列"} {
		if !strings.Contains(all, want) {
			t.Errorf("header report lacks %q:\n%s", want, all)
		}
	}
}

// A 10,000-row workbook with some bad rows: the report names exactly those
// rows (row, column, value), and only the subjects without a bad row decode.
func TestLargeWorkbook(t *testing.T) {
	rows := [][]string{head}
	bad := map[int]string{}
	for i := range 10_000 {
		r := []string{validUSCC("370902", i), fmt.Sprintf("泰安企业%05d", i), "企业", "370902", "C34", "2012-06-01", "2024",
			fmt.Sprint(1000 + i), "50", "60", "30"}
		switch i % 997 {
		case 13:
			r[3] = "370999"
			bad[i+2] = "所在地区代码"
		case 500:
			r[7] = "一千"
			bad[i+2] = "营业收入（万元）"
		}
		rows = append(rows, r)
	}
	var buf bytes.Buffer
	if err := sheet.Write(&buf, "xlsx", sheet.Table{Name: "主体", Rows: rows}); err != nil {
		t.Fatal(err)
	}
	back, err := sheet.Read("big.xlsx", &buf)
	if err != nil {
		t.Fatal(err)
	}
	docs, rep := Decode(back)
	if len(rep) != len(bad) {
		t.Fatalf("%d errors, want %d: %v", len(rep), len(bad), rep[:min(5, len(rep))])
	}
	for _, e := range rep {
		if bad[e.Row] != e.Column || e.Value == "" {
			t.Fatalf("unexpected error %v", e)
		}
	}
	if len(docs) != 10_000-len(bad) {
		t.Fatalf("%d subjects decoded, want %d", len(docs), 10_000-len(bad))
	}
}

// FuzzDecode: no sheet makes Decode panic; every error is positioned; every
// subject it returns is a valid facts document.
func FuzzDecode(f *testing.F) {
	f.Add("统一社会信用代码,名称,主体类型,所在地区代码,年度,营业收入（万元）\n" + validUSCC("620602", 1) + ",甲,企业,620602,2024,1.5\n")
	f.Add("名称,名称\n,\n")
	f.Add("主体编号,名称,主体类型,所在地区代码,成立日期\nx,乙,个人,130407,2020年1月2日\n")
	f.Fuzz(func(t *testing.T, csv string) {
		rows, err := sheet.Read("f.csv", strings.NewReader(csv))
		if err != nil {
			return
		}
		docs, rep := Decode(rows)
		for _, e := range rep {
			if e.Row < 1 || e.Msg == "" {
				t.Fatalf("unpositioned error %+v", e)
			}
		}
		for _, d := range docs {
			if _, err := facts.DecodeBytes(d.JSON, d.ID); err != nil {
				t.Fatalf("returned an invalid document: %v", err)
			}
		}
	})
}

// Exported rows import back to the same profile and figures.
func TestEncodeRoundTrip(t *testing.T) {
	docs, rep := Decode([][]string{head,
		{validUSCC("620602", 9), "甲公司", "企业", "620602", "C26", "2015-03-01", "2023", "1,234.567891", "60", "80", "-0.01"},
		{validUSCC("620602", 9), "甲公司", "企业", "620602", "C26", "2015-03-01", "2024", "2000", "", "90", ""},
		{validUSCC("130407", 3), "乙公司", "企业", "130407", "", "", "", "", "", "", ""},
	})
	if len(rep) > 0 {
		t.Fatal(rep)
	}
	var fs []*facts.Facts
	for _, d := range docs {
		f, err := facts.DecodeBytes(d.JSON, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		fs = append(fs, f)
	}
	rows := Encode(fs)
	again, rep := Decode(rows)
	if len(rep) > 0 || len(again) != len(docs) {
		t.Fatalf("re-import: %v, %d docs", rep, len(again))
	}
	for i := range docs {
		if string(again[i].JSON) != string(docs[i].JSON) {
			t.Errorf("round trip changed %s:\n%s\n%s", docs[i].ID, docs[i].JSON, again[i].JSON)
		}
	}
	if got := wanText(-10_000); got != "-0.01" {
		t.Errorf("wanText(-10000) = %s", got)
	}
}
