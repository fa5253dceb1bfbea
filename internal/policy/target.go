package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"kechuang/internal/errs"
	"kechuang/internal/hanzi"
)

// Target is one target a document sets (目标): an indicator of the
// registry (internal/indicator), the value to reach by a year, as the
// sentence that sets it says. Values are decimal text as written ("1.5",
// "800"); the indicator package reads them exactly.
type Target struct {
	ID        string
	Indicator string // registry id
	Name      string // the document's own name for the indicator (an alias may differ from the registry's)
	Year      int
	Value     string
	Unit      string // as the document writes it (%, 家, 亿元); must be the indicator's unit
	Bound     string // at_least (达到, 以上, 不低于), about (左右), at_most (以内, 不超过)
	PerYear   bool   // a yearly target (每年…): Year is the last year it runs to
	Change    bool   // the value is an increase over the year before (净增, 新增), not a level
	Region    string // GB/T 2260 of what the target covers (default: the document's jurisdiction)
	Citation  Citation
	Notes     string
	Pos       errs.Pos

	Doc *Document
}

// Bounds a target may take.
var targetBounds = []string{"at_least", "about", "at_most"}

// Table is a table of indicators a document prints (武威's 强科技行动主要指标):
// its rows as the source has them, each cell a value for a column — an
// actual value of a year, or a target for a year — unless a mark moves it
// to another year (加*号为2020年数据). A row with fewer values than columns is
// Incomplete: which column each value belongs to is for a person to decide,
// and the loader assigns none.
type Table struct {
	ID       string
	Title    string
	Citation Citation
	Columns  []TableColumn
	Marks    []TableMark
	Rows     []*TableRow
	Pos      errs.Pos

	Doc *Document
}

// TableColumn is one value column: actual (实际值) or target (目标值) for a year.
type TableColumn struct {
	Label string
	Kind  string // actual, target
	Year  int
}

// TableMark is a footnote mark that changes a cell's year.
type TableMark struct {
	Mark  string
	Year  int
	Quote string // the footnote, verbatim
}

// TableRow is one row, as printed.
type TableRow struct {
	No        int
	Group     string // 指标类型, where the row shows one
	Name      string
	Unit      string // as printed; empty where the source prints none
	Indicator string // registry id
	Cells     []string
	Pos       errs.Pos

	// Set by the loader.
	Incomplete bool        // fewer cells than columns: not assigned
	Values     []CellValue // the cells assigned to their columns (none when Incomplete)
}

// CellValue is a cell read for its column.
type CellValue struct {
	Column int
	Kind   string // actual, target
	Year   int    // the column's, or the mark's
	Value  string // without the mark
	Marked string // the mark, if any
}

var decimalRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

func (r *reader) target(n *yaml.Node, doc *Document) *Target {
	m := r.mapping(n, "target", "!id", "!indicator", "!name", "!year", "!value", "unit", "bound", "per_year", "change", "region",
		"!citation", "notes")
	t := &Target{
		ID:        r.id(m["id"], "target id"),
		Indicator: r.str(m["indicator"], "indicator"),
		Name:      r.str(m["name"], "name"),
		Value:     r.str(m["value"], "value"),
		Unit:      r.str(m["unit"], "unit"),
		Bound:     r.str(m["bound"], "bound"),
		Region:    r.str(m["region"], "region"),
		Citation:  r.citation(m["citation"]),
		Notes:     r.prose(m["notes"], "notes"),
		Pos:       r.pos(n),
		Doc:       doc,
	}
	if m["year"] != nil {
		t.Year = r.intVal(m["year"], "year")
		if t.Year < 2000 || t.Year > 2100 {
			r.fail(m["year"], "year %d: give the year the target is for (2000–2100)", t.Year)
		}
	}
	if m["value"] != nil && !decimalRE.MatchString(t.Value) {
		r.fail(m["value"], "value %q must be a number as the document writes it (digits, one decimal point); the unit goes in unit", t.Value)
	}
	if t.Bound == "" {
		t.Bound = "at_least"
	}
	if !slices.Contains(targetBounds, t.Bound) {
		r.fail(m["bound"], "bound %q must be at_least (达到, 以上), about (左右) or at_most (以内, 不超过)", t.Bound)
	}
	for key, dst := range map[string]*bool{"per_year": &t.PerYear, "change": &t.Change} {
		if v := m[key]; v != nil {
			switch v.Value {
			case "true":
				*dst = true
			case "false":
			default:
				r.fail(v, "%s must be true or false", key)
			}
		}
	}
	if t.Region == "" {
		t.Region = doc.Jurisdiction
	} else if !regexp.MustCompile(`^[1-9][0-9]{5}$`).MatchString(t.Region) {
		r.fail(m["region"], "region %q must be a six-digit GB/T 2260 code", t.Region)
	}
	return t
}

func (r *reader) table(n *yaml.Node, doc *Document) *Table {
	m := r.mapping(n, "table", "!id", "!title", "!citation", "!columns", "marks", "!rows")
	t := &Table{ID: r.id(m["id"], "table id"), Title: r.str(m["title"], "title"), Citation: r.citation(m["citation"]), Pos: r.pos(n), Doc: doc}
	for _, cn := range r.seq(m["columns"], "columns") {
		cm := r.mapping(cn, "column", "!label", "!kind", "!year")
		c := TableColumn{Label: r.str(cm["label"], "label"), Kind: r.str(cm["kind"], "kind"), Year: r.intVal(cm["year"], "year")}
		if cm["kind"] != nil && c.Kind != "actual" && c.Kind != "target" {
			r.fail(cm["kind"], "kind %q must be actual (实际值) or target (目标值)", c.Kind)
		}
		t.Columns = append(t.Columns, c)
	}
	for _, mn := range r.seq(m["marks"], "marks") {
		mm := r.mapping(mn, "mark", "!mark", "!year", "!quote")
		t.Marks = append(t.Marks, TableMark{Mark: r.str(mm["mark"], "mark"), Year: r.intVal(mm["year"], "year"), Quote: r.str(mm["quote"], "quote")})
	}
	seen := map[int]bool{}
	for _, rn := range r.seq(m["rows"], "rows") {
		rm := r.mapping(rn, "row", "!no", "group", "!name", "unit", "!indicator", "!cells")
		row := &TableRow{No: r.intVal(rm["no"], "no"), Group: r.str(rm["group"], "group"), Name: r.str(rm["name"], "name"),
			Unit: r.str(rm["unit"], "unit"), Indicator: r.str(rm["indicator"], "indicator"), Cells: r.strList(rm["cells"], "cells"), Pos: r.pos(rn)}
		if seen[row.No] {
			r.fail(rm["no"], "row %d appears twice in table %s", row.No, t.ID)
		}
		seen[row.No] = true
		r.readCells(rm["cells"], t, row)
		t.Rows = append(t.Rows, row)
	}
	return t
}

// readCells assigns a row's cells to the table's columns: one cell per
// column, a mark moving the cell to its year. Fewer cells than columns
// make the row Incomplete (nothing assigned: no guessing); more is an error.
func (r *reader) readCells(n *yaml.Node, t *Table, row *TableRow) {
	switch {
	case len(row.Cells) > len(t.Columns):
		r.fail(n, "row %d has %d values for %d columns", row.No, len(row.Cells), len(t.Columns))
		return
	case len(row.Cells) < len(t.Columns):
		row.Incomplete = true
	}
	var vals []CellValue
	for i, c := range row.Cells {
		v := CellValue{Column: i, Value: c}
		for _, mk := range t.Marks {
			if strings.HasSuffix(c, mk.Mark) {
				v.Value, v.Marked, v.Year = strings.TrimSuffix(c, mk.Mark), mk.Mark, mk.Year
			}
		}
		if !decimalRE.MatchString(v.Value) {
			r.fail(elem(n, i), "row %d value %q is not a number (a footnote mark must be one of the table's marks)", row.No, c)
			continue
		}
		if i < len(t.Columns) {
			v.Kind = t.Columns[i].Kind
			if v.Year == 0 {
				v.Year = t.Columns[i].Year
			}
		}
		vals = append(vals, v)
	}
	if !row.Incomplete {
		row.Values = vals
	}
}

// checkTables requires each table's title, row names, footnotes and cells
// to occur in the source (folded as quotes are): the rows are the source's.
func checkTables(f *File, src string) errs.List {
	var l errs.List
	has := func(s string) bool { q := hanzi.Fold(s); return q != "" && strings.Contains(src, q) }
	for _, t := range f.Tables {
		for _, mk := range t.Marks {
			if !has(mk.Quote) {
				l = append(l, errs.At(t.Pos, "table %s: footnote %q does not occur in %s", t.ID, mk.Quote, f.Document.Source))
			}
		}
		for _, row := range t.Rows {
			if !has(row.Name) {
				l = append(l, errs.At(row.Pos, "table %s row %d: name %q does not occur in %s: copy it verbatim", t.ID, row.No, row.Name, f.Document.Source))
			}
			for _, c := range row.Cells {
				if !has(c) {
					l = append(l, errs.At(row.Pos, "table %s row %d: value %q does not occur in %s", t.ID, row.No, c, f.Document.Source))
				}
			}
		}
	}
	return l
}

// Ambiguity says, in words, why an incomplete row is left to a person.
func (row *TableRow) Ambiguity(t *Table) string {
	if !row.Incomplete {
		return ""
	}
	labels := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		labels[i] = c.Label
	}
	return fmt.Sprintf("第%d行“%s”只有%d个数值（%s），表有%d列（%s）：数值属于哪一列须人工确认，未自动对应",
		row.No, row.Name, len(row.Cells), strings.Join(row.Cells, "、"), len(t.Columns), strings.Join(labels, "、"))
}
