package indicator

import (
	"regexp"
	"strconv"
	"strings"

	"kechuang/internal/errs"
)

// Entry is one value to store, read from a form or a sheet row.
type Entry struct {
	Indicator string
	Region    string
	Period    int
	Value     string
	Source    string
	Vintage   string // preliminary, final
	Note      string
}

// ValueColumns are the columns of a values sheet, in order (the header row
// must name them so: a sheet with other columns is refused, not guessed).
var ValueColumns = []string{"指标", "地区代码", "年份", "数值", "来源", "版本", "备注"}

var (
	numberRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	codeRE   = regexp.MustCompile(`^[1-9][0-9]{5}$`)
)

// vintages reads 版本.
var vintages = map[string]string{"初步": "preliminary", "preliminary": "preliminary", "最终": "final", "final": "final"}

// ReadValues reads a values sheet: the header row, then one value a row.
// 指标 is an id, a name or an alias of reg (繁/简 folded); 数值 a number in
// the indicator's unit (a trailing unit equal to the indicator's, or a %
// for a % indicator, is accepted and dropped); 版本 初步 or 最终. Every
// problem is reported with its row and column; the entries are returned
// only when there is none.
func ReadValues(rows [][]string, reg *Registry) ([]Entry, error) {
	if len(rows) == 0 {
		return nil, errs.At(errs.Pos{Line: 1}, "the sheet is empty: its first row names the columns %s", strings.Join(ValueColumns, "、"))
	}
	var l errs.List
	head := rows[0]
	for i, want := range ValueColumns {
		if i >= len(head) || strings.TrimSpace(head[i]) != want {
			got := ""
			if i < len(head) {
				got = head[i]
			}
			l = append(l, errs.At(errs.Pos{Line: 1, Col: i + 1}, "column %d is %q, want %q (the columns are %s)", i+1, got, want, strings.Join(ValueColumns, "、")))
		}
	}
	if len(l) > 0 {
		return nil, l
	}
	var out []Entry
	for r, row := range rows[1:] {
		line := r + 2
		cell := func(i int) string {
			if i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		if strings.Join(row, "") == "" {
			continue
		}
		bad := func(col int, format string, args ...any) {
			l = append(l, errs.At(errs.Pos{Line: line, Col: col + 1, Path: ValueColumns[col]}, format, args...))
		}
		e := Entry{Region: cell(1), Value: cell(3), Source: cell(4), Note: cell(6)}
		in, ok := reg.ByID(cell(0))
		if !ok {
			in, ok = reg.ByName(cell(0))
		}
		if !ok {
			bad(0, "%q is not an indicator of the registry (give its id or its name)", cell(0))
		} else {
			e.Indicator = in.ID
			if u := in.Unit; u != "" && strings.HasSuffix(e.Value, u) {
				e.Value = strings.TrimSpace(strings.TrimSuffix(e.Value, u))
			}
		}
		if !codeRE.MatchString(e.Region) {
			bad(1, "%q is not a six-digit GB/T 2260 code", e.Region)
		}
		y, err := strconv.Atoi(cell(2))
		if err != nil || y < 1949 || y > 2100 {
			bad(2, "%q is not a year", cell(2))
		}
		e.Period = y
		if !numberRE.MatchString(e.Value) {
			bad(3, "%q is not a number in the indicator's unit (no thousands separators)", cell(3))
		}
		if e.Source == "" {
			bad(4, "say where the value comes from (统计公报, 财政决算 …)")
		}
		if e.Vintage, ok = vintages[cell(5)]; !ok {
			bad(5, "%q: 初步 or 最终", cell(5))
		}
		out = append(out, e)
	}
	if len(l) > 0 {
		return nil, l
	}
	return out, nil
}
