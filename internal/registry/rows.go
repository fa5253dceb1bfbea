// Package registry turns tables of subjects (主体库 import sheets, CSV or
// Excel) into facts documents, validating every cell: 统一社会信用代码 by its
// check character (GB 32100-2015), regions against GB/T 2260, industries
// against GB/T 4754, numbers, dates and vocabulary. Each problem is reported
// with its row, column and value; the caller decides whether anything is
// imported when some rows are bad.
package registry

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/region"
)

// Column is one column of the import template.
type Column struct {
	key   string // facts field (JSON name)
	title string // the header, as in the template
	kind  string // text, id, uscc, subject_kind, region, industry, date, year, source, wan, wan_signed, count
	must  bool
	note  string // shown in the template's second row
}

// Columns is the import template, in order. A row is one subject's profile
// and, when 年度 is given, that year's figures; a subject with several
// years takes several rows.
var Columns = []Column{
	{"id", "主体编号", "id", false, "可空：空时用统一社会信用代码"},
	{"uscc", "统一社会信用代码", "uscc", false, "18位，企业必填"},
	{"name", "名称", "text", true, "必填"},
	{"kind", "主体类型", "subject_kind", true, "企业、高校院所、科研机构、个人……"},
	{"region", "所在地区代码", "region", true, "GB/T 2260 六位代码，如 620602"},
	{"industry", "所属行业代码", "industry", false, "GB/T 4754，如 C26、I65"},
	{"established", "成立日期", "date", false, "YYYY-MM-DD"},
	{"year", "年度", "year", false, "填写年度数据时必填"},
	{"source", "数据来源", "source", false, "税务部门、统计部门、企业自报……"},
	{"revenue", "营业收入（万元）", "wan", false, ""},
	{"sales", "销售收入（万元）", "wan", false, ""},
	{"main_revenue", "主营业务收入（万元）", "wan", false, ""},
	{"rd_expense", "研发费用（万元）", "wan", false, ""},
	{"rd_internal", "研发经费内部支出（万元）", "wan", false, ""},
	{"assets", "资产总额（万元）", "wan", false, ""},
	{"liabilities", "负债总额（万元）", "wan", false, ""},
	{"net_profit", "净利润（万元）", "wan_signed", false, "亏损填负数"},
	{"employees", "从业人员（人）", "count", false, ""},
	{"rd_staff", "研发人员（人）", "count", false, ""},
	{"st_staff", "科技人员（人）", "count", false, ""},
}

// Template is the import template: the header row, and a second table
// explaining each column.
func Template() (header [][]string, notes [][]string) {
	var h []string
	notes = [][]string{{"列", "必填", "说明"}}
	for _, c := range Columns {
		h = append(h, c.title)
		must := ""
		if c.must {
			must = "是"
		}
		notes = append(notes, []string{c.title, must, c.note})
	}
	return [][]string{h}, notes
}

// RowError is one problem in the sheet. Row counts from 1 (the header).
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column,omitempty"`
	Value  string `json:"value,omitempty"`
	Msg    string `json:"message"`
}

func (e RowError) String() string {
	s := fmt.Sprintf("第%d行", e.Row)
	if e.Column != "" {
		s += "「" + e.Column + "」"
	}
	if e.Value != "" {
		s += "（" + e.Value + "）"
	}
	return s + "：" + e.Msg
}

// Doc is one subject's facts document built from its rows.
type Doc struct {
	ID   string
	Rows []int
	JSON []byte
}

// MaxRows bounds a sheet.
const MaxRows = 200_000

// Decode reads a sheet (first row: the template's headers) into one facts
// document per subject. Docs holds the subjects whose rows are all valid;
// every problem is in the report, and a subject with a bad row is left out
// entirely (so nothing half-correct is imported).
func Decode(sheet [][]string) (docs []Doc, report []RowError) {
	if len(sheet) == 0 {
		return nil, []RowError{{Row: 1, Msg: "the sheet is empty: the first row must hold the template's headers"}}
	}
	if len(sheet) > MaxRows+1 {
		return nil, []RowError{{Row: MaxRows + 2, Msg: fmt.Sprintf("more than %d rows: split the sheet", MaxRows)}}
	}
	idx, rep := header(sheet[0])
	if len(rep) > 0 {
		return nil, rep
	}
	type subject struct {
		profile map[string]any
		annual  []map[string]any
		years   map[int64]int // year → row
		rows    []int
		first   int
		bad     bool
	}
	subjects := map[string]*subject{}
	var order []string
	for i, raw := range sheet[1:] {
		rowNo := i + 2
		if blank(raw) {
			continue
		}
		cells := map[string]string{}
		for key, j := range idx {
			if j < len(raw) {
				cells[key] = strings.TrimSpace(strings.TrimPrefix(raw[j], "\ufeff"))
			}
		}
		prof, ann, errs := decodeRow(rowNo, cells)
		id := cells["id"]
		if id == "" {
			id = cells["uscc"]
		}
		if id == "" && len(errs) == 0 {
			errs = append(errs, RowError{Row: rowNo, Column: "主体编号", Msg: "主体编号和统一社会信用代码都为空：至少填写一项"})
		}
		s := subjects[id]
		if id != "" && s == nil {
			s = &subject{profile: prof, years: map[int64]int{}, first: rowNo}
			subjects[id] = s
			order = append(order, id)
		}
		if s != nil && len(errs) == 0 {
			for _, k := range []string{"name", "kind", "region", "uscc", "industry", "established"} {
				if prev, ok := s.profile[k]; ok && prof[k] != nil && prev != prof[k] {
					errs = append(errs, RowError{Row: rowNo, Column: titleOf(k), Value: fmt.Sprint(prof[k]),
						Msg: fmt.Sprintf("与第%d行同一主体的%s（%v）不一致", s.first, titleOf(k), prev)})
				} else if !ok && prof[k] != nil {
					s.profile[k] = prof[k]
				}
			}
			if ann != nil {
				y := ann["year"].(int64)
				if r, dup := s.years[y]; dup {
					errs = append(errs, RowError{Row: rowNo, Column: "年度", Value: fmt.Sprint(y), Msg: fmt.Sprintf("与第%d行重复：同一主体每个年度一行", r)})
				} else {
					s.years[y] = rowNo
					s.annual = append(s.annual, ann)
				}
			}
		}
		if s != nil {
			s.rows = append(s.rows, rowNo)
			if len(errs) > 0 {
				s.bad = true
			}
		}
		report = append(report, errs...)
	}
	for _, id := range order {
		s := subjects[id]
		if s.bad {
			continue
		}
		s.profile["id"] = id
		doc := map[string]any{"schema": facts.SchemaVersion, "subject": s.profile}
		if len(s.annual) > 0 {
			doc["annual"] = s.annual
		}
		b, err := json.Marshal(doc)
		if err == nil {
			_, err = facts.DecodeBytes(b, id)
		}
		if err != nil { // a combination the cells alone did not show
			report = append(report, RowError{Row: s.first, Msg: "主体 " + id + "：" + err.Error()})
			continue
		}
		docs = append(docs, Doc{ID: id, Rows: s.rows, JSON: b})
	}
	slices.SortStableFunc(report, func(a, b RowError) int { return a.Row - b.Row })
	return docs, report
}

func titleOf(key string) string {
	for _, c := range Columns {
		if c.key == key {
			return c.title
		}
	}
	return key
}

func blank(row []string) bool {
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// header maps the template's keys to column positions.
func header(row []string) (map[string]int, []RowError) {
	idx := map[string]int{}
	var rep []RowError
	for j, h := range row {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if h == "" {
			continue
		}
		i := slices.IndexFunc(Columns, func(c Column) bool { return c.title == h || c.key == h })
		if i < 0 {
			rep = append(rep, RowError{Row: 1, Column: h, Msg: "不是模板中的列：请使用下载的导入模板（kechuang import --template）"})
			continue
		}
		if _, dup := idx[Columns[i].key]; dup {
			rep = append(rep, RowError{Row: 1, Column: h, Msg: "列重复"})
			continue
		}
		idx[Columns[i].key] = j
	}
	for _, c := range Columns {
		if _, ok := idx[c.key]; !ok && c.must {
			rep = append(rep, RowError{Row: 1, Column: c.title, Msg: "缺少必填列"})
		}
	}
	return idx, rep
}

var wanRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]{1,6})?$`)

// decodeRow validates one row's cells into a subject profile and, with a
// year, an annual record.
func decodeRow(row int, cells map[string]string) (prof, ann map[string]any, out []RowError) {
	prof = map[string]any{}
	fail := func(c Column, v, format string, args ...any) {
		out = append(out, RowError{Row: row, Column: c.title, Value: v, Msg: fmt.Sprintf(format, args...)})
	}
	var figures map[string]any
	for _, c := range Columns {
		v := cells[c.key]
		if v == "" {
			if c.must {
				fail(c, "", "必填")
			}
			continue
		}
		switch c.kind {
		case "text":
			prof[c.key] = v
		case "id":
			if len(v) > 64 {
				fail(c, v, "不超过64个字符")
			}
		case "uscc":
			v = strings.ToUpper(v)
			if err := facts.CheckUSCC(v); err != nil {
				if len(v) != 18 {
					fail(c, v, "应为18位（现为%d位）", len([]rune(v)))
				} else if want, err2 := facts.USCCCheckChar(v[:17]); err2 == nil {
					fail(c, v, "校验码应为 %c 而不是 %c：有字符录入错误（GB 32100-2015）", want, v[17])
				} else {
					fail(c, v, "含有不允许的字符（只能是数字和除 I、O、Z、S、V 以外的大写字母）")
				}
				continue
			}
			prof[c.key] = v
		case "subject_kind", "source":
			enum := map[string]string{"subject_kind": "subject_kind", "source": "source"}[c.kind]
			code, ok := vocab(enum, v)
			if !ok {
				fail(c, v, "不是可选值：%s", choices(enum))
				continue
			}
			if c.key == "source" {
				figuresOf(&figures)["source"] = code
			} else {
				prof[c.key] = code
			}
		case "region":
			if !region.Valid(v) {
				fail(c, v, "不是 GB/T 2260 行政区划代码（六位数字，如 620602 凉州区）")
				continue
			}
			prof[c.key] = v
		case "industry":
			v = strings.ToUpper(v)
			if err := CheckIndustry(v); err != nil {
				fail(c, v, "%v", err)
				continue
			}
			prof[c.key] = v
		case "date":
			d, ok := normDate(v)
			if !ok {
				fail(c, v, "不是日期：请写成 2024-05-01")
				continue
			}
			prof[c.key] = d
		case "year":
			y, err := strconv.ParseInt(v, 10, 64)
			if err != nil || y < 1949 || y > 2100 {
				fail(c, v, "年度应为1949—2100之间的四位数字")
				continue
			}
			figuresOf(&figures)["year"] = y
		case "wan", "wan_signed":
			s := strings.ReplaceAll(v, ",", "")
			if !wanRE.MatchString(s) {
				fail(c, v, "应为以万元计的数字，最多6位小数（精确到分），如 1234.56")
				continue
			}
			if strings.HasPrefix(s, "-") && c.kind != "wan_signed" {
				fail(c, v, "不能为负数")
				continue
			}
			f, err := money.Parse(s + "万元")
			if err != nil {
				fail(c, v, "%v", err)
				continue
			}
			figuresOf(&figures)[c.key] = int64(f)
		case "count":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || n > 10_000_000 {
				fail(c, v, "应为非负整数")
				continue
			}
			figuresOf(&figures)[c.key] = n
		}
	}
	if figures != nil {
		if _, ok := figures["year"]; !ok {
			out = append(out, RowError{Row: row, Column: "年度", Msg: "填写了年度数据，年度必填"})
		} else {
			ann = figures
		}
	}
	return prof, ann, out
}

func figuresOf(m *map[string]any) map[string]any {
	if *m == nil {
		*m = map[string]any{}
	}
	return *m
}

// vocab accepts a code or its Chinese name.
func vocab(enum, v string) (string, bool) {
	for _, t := range facts.Vocab[enum] {
		if t.Code == v || t.Zh == v {
			return t.Code, true
		}
	}
	return "", false
}

func choices(enum string) string {
	var out []string
	for _, t := range facts.Vocab[enum] {
		out = append(out, t.Zh)
	}
	return strings.Join(out, "、")
}

var dateRE = regexp.MustCompile(`^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$`)

func normDate(v string) (string, bool) {
	m := dateRE.FindStringSubmatch(v)
	if m == nil {
		return "", false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	s := fmt.Sprintf("%04d-%02d-%02d", y, mo, d)
	if _, err := facts.ParseDate(s); err != nil {
		return "", false
	}
	return s, true
}

// Encode writes subjects as rows of the import template (header first): a
// row per year of figures, or one row for a subject without any. What the
// template has no column for (events, recognitions …) is not exported; the
// rows import back to the same profile and figures.
func Encode(subjects []*facts.Facts) [][]string {
	header, _ := Template()
	out := [][]string{header[0]}
	for _, f := range subjects {
		s := f.Subject
		base := map[string]string{
			"id": s.ID, "uscc": s.USCC, "name": s.Name, "kind": facts.TermZh("subject_kind", s.Kind),
			"region": s.Region, "industry": s.Industry, "established": s.Established,
		}
		if s.USCC == s.ID {
			base["id"] = ""
		}
		rows := []map[string]string{base}
		if len(f.Annual) > 0 {
			rows = rows[:0]
			for _, a := range f.Annual {
				r := map[string]string{}
				for k, v := range base {
					r[k] = v
				}
				r["year"] = strconv.FormatInt(a.Year, 10)
				if a.Source != "" {
					r["source"] = facts.TermZh("source", a.Source)
				}
				for _, c := range Columns {
					if c.kind != "wan" && c.kind != "wan_signed" && c.kind != "count" {
						continue
					}
					v, known := annualField(&a, c.key)
					if !known {
						continue
					}
					if c.kind == "count" {
						r[c.key] = strconv.FormatInt(v, 10)
					} else {
						r[c.key] = wanText(v)
					}
				}
				rows = append(rows, r)
			}
		}
		for _, r := range rows {
			line := make([]string, len(Columns))
			for i, c := range Columns {
				line[i] = r[c.key]
			}
			out = append(out, line)
		}
	}
	return out
}

// annualField reads a known figure of an annual record by its JSON name.
func annualField(a *facts.Annual, key string) (int64, bool) {
	bit := facts.KnownBit("Annual", key)
	if bit == 0 || !a.Known.Has(bit) {
		return 0, false
	}
	v := map[string]int64{
		"revenue": a.Revenue, "sales": a.Sales, "main_revenue": a.MainRevenue, "rd_expense": a.RDExpense,
		"rd_internal": a.RDInternal, "assets": a.Assets, "liabilities": a.Liabilities, "net_profit": a.NetProfit,
		"employees": a.Employees, "rd_staff": a.RDStaff, "st_staff": a.STStaff,
	}
	x, ok := v[key]
	return x, ok
}

// wanText writes fen as 万元 exactly: 123456789 → "123.456789".
func wanText(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	s := fmt.Sprintf("%s%d.%06d", sign, fen/1_000_000, fen%1_000_000)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Key is the column's facts field (JSON name).
func (c Column) Key() string { return c.key }

// Title is the column's header in the template.
func (c Column) Title() string { return c.title }

// Figure reports whether the column is a yearly figure: an amount in 万元
// (signed for net_profit) or a count.
func (c Column) Figure() (amount, signed bool, ok bool) {
	switch c.kind {
	case "wan":
		return true, false, true
	case "wan_signed":
		return true, true, true
	case "count":
		return false, false, true
	}
	return false, false, false
}
