package rules

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"unsafe"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// A Table is a population in columns (列存): for every subject the date and
// fiscal year it is evaluated at, and for every fact a clause condition
// reads, one typed column with a state per row (known or unknown). Facts
// lists (recognitions, projects …) become item tables, one row per item
// with its owner's row. The column-at-a-time evaluator (Columnar) reads
// only these; the subjects themselves are kept for the rows that need the
// one-subject evaluator (amounts, gates, exclusion, and the parts of a
// condition the vector lowering leaves to the compiled closures).
//
// A table is read-only once built, and shared by every goroutine of a run.
// For gives the table with the columns another engine (a reform) needs
// added, leaving t as it is.
type Table struct {
	Subjects []*facts.Facts
	At       []policy.Date
	FY       []int64

	atStr            []string
	atYear           []int64
	fyStart, fyEnd   []string // "YYYY-01-01", "YYYY-12-31" of the row's fiscal year
	cur, last, last2 []*facts.Annual
	region           []string
	kind             []string
	regionNum        []int32 // the region as a number when it is six digits, else -1
	kindCode         []uint8 // index in kinds
	kinds            []string

	cols     []*column // by column id (colRegistry); nil: not built
	criteria bool      // holds the columns of the standards' criteria too (NewCriteriaTable)
	items    map[*listInfo]*itemTable
}

// column is one fact over every row of a table: a value and a state
// (triT known, triU unknown) per row; booleans hold their truth value
// (triT, triF or triU) in b.
type column struct {
	i  []int64
	d  []float64
	s  []string
	b  []tri
	st []tri
}

// itemTable is one facts list of every subject: item rows in subject order,
// start[r]…start[r+1] being subject r's items.
type itemTable struct {
	list  *listInfo
	owner []int32
	index []int32 // position in the subject's list
	start []int32
	date  []string
	dnum  []int32 // date as YYYYMMDD when it has the form YYYY-MM-DD, else -1
	year  []int64
	to    []string // appointments: the end of service
	cols  []*column
}

// colKey names a column: where the access starts (subject, cur, last,
// last2, or an item of a list) and the field.
type colKey struct {
	base base
	list *listInfo
	off  uintptr
}

type colSpec struct {
	key   colKey
	field reflect.StructField
	bit   facts.Mask
}

// colRegistry numbers the columns every compiled vector kernel reads, over
// all engines (a reform adds its own).
var colRegistry struct {
	sync.Mutex
	ids   map[colKey]int
	specs []colSpec
}

func columnID(acc access) int {
	colRegistry.Lock()
	defer colRegistry.Unlock()
	k := colKey{base: acc.base, off: acc.off}
	if acc.base == bElem {
		k.list = acc.list
	}
	if id, ok := colRegistry.ids[k]; ok {
		return id
	}
	if colRegistry.ids == nil {
		colRegistry.ids = map[colKey]int{}
	}
	id := len(colRegistry.specs)
	colRegistry.ids[k] = id
	colRegistry.specs = append(colRegistry.specs, colSpec{key: k, field: acc.field, bit: acc.bit})
	return id
}

func colSpecOf(id int) colSpec {
	colRegistry.Lock()
	defer colRegistry.Unlock()
	return colRegistry.specs[id]
}

// NewTable puts subjects in columns for engine e, each evaluated at the date
// and fiscal year dateOf gives. Lists and columns are built for what e's
// clauses read; the subjects are prepared for their fiscal year
// (facts.Prepare).
func NewTable(e *Engine, subjects []*facts.Facts, dateOf func(*facts.Facts) (policy.Date, int64)) *Table {
	return newTable(e, subjects, dateOf, false)
}

// NewCriteriaTable is NewTable with the columns the national standards'
// criteria read as well (for Columnar.Criteria); dateOf should give the
// fiscal year the standards read, StandardFY of the date.
func NewCriteriaTable(e *Engine, subjects []*facts.Facts, dateOf func(*facts.Facts) (policy.Date, int64)) *Table {
	return newTable(e, subjects, dateOf, true)
}

func newTable(e *Engine, subjects []*facts.Facts, dateOf func(*facts.Facts) (policy.Date, int64), criteria bool) *Table {
	n := len(subjects)
	t := &Table{Subjects: subjects, At: make([]policy.Date, n), FY: make([]int64, n),
		atStr: make([]string, n), atYear: make([]int64, n), fyStart: make([]string, n), fyEnd: make([]string, n),
		cur: make([]*facts.Annual, n), last: make([]*facts.Annual, n), last2: make([]*facts.Annual, n),
		region: make([]string, n), kind: make([]string, n), regionNum: make([]int32, n), kindCode: make([]uint8, n),
		items: map[*listInfo]*itemTable{}, criteria: criteria}
	kinds := map[string]uint8{}
	dates := map[policy.Date]string{}
	years := map[int64][2]string{}
	for r, f := range subjects {
		at, fy := dateOf(f)
		f.Prepare(fy)
		t.At[r], t.FY[r], t.atYear[r] = at, fy, int64(at.Year())
		s, ok := dates[at]
		if !ok {
			s = at.String()
			dates[at] = s
		}
		t.atStr[r] = s
		y, ok := years[fy]
		if !ok {
			y = [2]string{fmt.Sprintf("%04d-01-01", fy), fmt.Sprintf("%04d-12-31", fy)}
			years[fy] = y
		}
		t.fyStart[r], t.fyEnd[r] = y[0], y[1]
		t.cur[r], t.last[r], t.last2[r] = f.AnnualOf(fy), f.AnnualOf(fy-1), f.AnnualOf(fy-2)
		t.region[r], t.kind[r] = f.Subject.Region, f.Subject.Kind
		t.regionNum[r] = regionNumber(f.Subject.Region)
		k, ok := kinds[f.Subject.Kind]
		if !ok {
			k = uint8(min(len(t.kinds), 255))
			if k < 255 {
				kinds[f.Subject.Kind] = k
				t.kinds = append(t.kinds, f.Subject.Kind)
			}
		}
		t.kindCode[r] = k // 255: a kind beyond the first 255, compared by name
	}
	t.prepare(e)
	return t
}

// dateNumber is a date of the form YYYY-MM-DD as the number YYYYMMDD, else
// -1. Such strings compare as their numbers do, whether or not the date
// exists (2024-02-30), so the window checks can compare numbers.
func dateNumber(s string) int32 {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return -1
	}
	n := int32(0)
	for i := range 10 {
		if i == 4 || i == 7 {
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int32(s[i]-'0')
	}
	return n
}

// regionNumber is a six-digit region code as a number, else -1.
func regionNumber(s string) int32 {
	if len(s) != 6 {
		return -1
	}
	n := int32(0)
	for i := range 6 {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int32(s[i]-'0')
	}
	return n
}

// Len is the number of subjects.
func (t *Table) Len() int { return len(t.Subjects) }

// For returns t if it holds every column and list engine e reads, else a
// copy of t that does (sharing t's columns); t is not changed, so runs
// reading it meanwhile are undisturbed.
func (t *Table) For(e *Engine) *Table {
	if t.has(e) {
		return t
	}
	c := *t
	c.cols = slices.Clone(t.cols)
	c.items = map[*listInfo]*itemTable{}
	for li, it := range t.items {
		ci := *it
		ci.cols = slices.Clone(it.cols)
		c.items[li] = &ci
	}
	c.prepare(e)
	return &c
}

func (t *Table) has(e *Engine) bool {
	for _, c := range e.Clauses {
		if c.list != nil && t.items[c.list] == nil {
			return false
		}
	}
	for _, vc := range e.vectors(t.criteria) {
		for _, id := range vc.cols {
			sp := colSpecOf(id)
			cols := t.cols
			if sp.key.base == bElem {
				it := t.items[sp.key.list]
				if it == nil {
					return false
				}
				cols = it.cols
			}
			if id >= len(cols) || cols[id] == nil {
				return false
			}
		}
	}
	return true
}

// prepare builds the item tables and columns engine e reads that t does not
// have yet.
func (t *Table) prepare(e *Engine) {
	for _, c := range e.Clauses {
		if c.list != nil {
			t.itemsOf(c.list)
		}
	}
	for _, vc := range e.vectors(t.criteria) {
		for _, id := range vc.cols {
			t.build(id)
		}
	}
}

// vectors lists the vector forms of e's clause conditions and, with
// criteria set, of its standards' criteria.
func (e *Engine) vectors(criteria bool) []*vecCond {
	var out []*vecCond
	for _, c := range e.Clauses {
		if c.vec != nil {
			out = append(out, c.vec)
		}
	}
	for _, s := range e.Standards {
		if !criteria {
			break
		}
		for _, cs := range [2][]*criterion{s.requires, s.routes} {
			for _, c := range cs {
				if c.vec != nil {
					out = append(out, c.vec)
				}
			}
		}
	}
	return out
}

func (t *Table) itemsOf(li *listInfo) *itemTable {
	if it, ok := t.items[li]; ok {
		return it
	}
	n := 0
	for _, f := range t.Subjects {
		n += (*sliceHdr)(unsafe.Add(unsafe.Pointer(f), li.off)).len
	}
	it := &itemTable{list: li, owner: make([]int32, 0, n), index: make([]int32, 0, n), start: make([]int32, len(t.Subjects)+1),
		date: make([]string, 0, n), dnum: make([]int32, 0, n), year: make([]int64, 0, n)}
	if li.name == "appointments" {
		it.to = make([]string, 0, n)
	}
	for r, f := range t.Subjects {
		it.start[r] = int32(len(it.owner))
		h := (*sliceHdr)(unsafe.Add(unsafe.Pointer(f), li.off))
		for i := range h.len {
			p := unsafe.Add(h.data, uintptr(i)*li.size)
			it.owner = append(it.owner, int32(r))
			it.index = append(it.index, int32(i))
			d := *(*string)(unsafe.Add(p, li.dateOff))
			it.date, it.dnum = append(it.date, d), append(it.dnum, dateNumber(d))
			it.year = append(it.year, *(*int64)(unsafe.Add(p, li.yearOff)))
			if it.to != nil {
				it.to = append(it.to, *(*string)(unsafe.Add(p, apptTo)))
			}
		}
	}
	it.start[len(t.Subjects)] = int32(len(it.owner))
	t.items[li] = it
	return it
}

// build makes column id (of the subject table or of a list's item table).
func (t *Table) build(id int) {
	sp := colSpecOf(id)
	if sp.key.base == bElem {
		it := t.itemsOf(sp.key.list)
		if id < len(it.cols) && it.cols[id] != nil {
			return
		}
		c := newColumn(sp.field.Type.Kind(), len(it.owner))
		li := sp.key.list
		for row := range it.owner {
			f := t.Subjects[it.owner[row]]
			h := (*sliceHdr)(unsafe.Add(unsafe.Pointer(f), li.off))
			p := unsafe.Add(h.data, uintptr(it.index[row])*li.size)
			c.set(row, p, sp, *(*facts.Mask)(unsafe.Add(p, li.knownOff))&sp.bit != 0)
		}
		it.cols = setCol(it.cols, id, c)
		return
	}
	if id < len(t.cols) && t.cols[id] != nil {
		return
	}
	c := newColumn(sp.field.Type.Kind(), len(t.Subjects))
	for r, f := range t.Subjects {
		switch sp.key.base {
		case bSubject:
			c.set(r, unsafe.Pointer(&f.Subject), sp, f.Subject.Known&sp.bit != 0)
		default:
			y := t.cur[r]
			switch sp.key.base {
			case bLast:
				y = t.last[r]
			case bLast2:
				y = t.last2[r]
			}
			if y == nil {
				c.set(r, nil, sp, false)
			} else {
				c.set(r, unsafe.Pointer(y), sp, y.Known&sp.bit != 0)
			}
		}
	}
	t.cols = setCol(t.cols, id, c)
}

func setCol(cols []*column, id int, c *column) []*column {
	for len(cols) <= id {
		cols = append(cols, nil)
	}
	cols[id] = c
	return cols
}

func newColumn(k reflect.Kind, n int) *column {
	c := &column{st: make([]tri, n)}
	switch k {
	case reflect.Int64:
		c.i = make([]int64, n)
	case reflect.Float64:
		c.d = make([]float64, n)
	case reflect.String:
		c.s = make([]string, n)
	case reflect.Bool:
		c.b = make([]tri, n)
	}
	return c
}

// set stores row r from the struct at p (nil: the record is absent).
func (c *column) set(r int, p unsafe.Pointer, sp colSpec, known bool) {
	if !known || p == nil {
		c.st[r] = triU
		if c.b != nil {
			c.b[r] = triU
		}
		return
	}
	c.st[r] = triT
	q := unsafe.Add(p, sp.key.off)
	switch {
	case c.i != nil:
		c.i[r] = *(*int64)(q)
	case c.d != nil:
		c.d[r] = *(*float64)(q)
	case c.s != nil:
		c.s[r] = *(*string)(q)
	case c.b != nil:
		c.b[r] = boolTri(*(*bool)(q))
	}
}

// Bytes is the memory the table's own arrays take (the subjects' facts,
// which strings point into, not counted).
func (t *Table) Bytes() int64 {
	n := int64(len(t.Subjects))
	b := n * (8 + 4 + 8 + 16*5 + 8*4 + 16)
	colBytes := func(c *column) int64 {
		if c == nil {
			return 0
		}
		return int64(len(c.st)) + int64(len(c.i))*8 + int64(len(c.d))*8 + int64(len(c.s))*16 + int64(len(c.b))
	}
	for _, c := range t.cols {
		b += colBytes(c)
	}
	for _, it := range t.items {
		b += int64(len(it.owner))*(4+4+16+4+8) + int64(len(it.to))*16 + int64(len(it.start))*4
		for _, c := range it.cols {
			b += colBytes(c)
		}
	}
	return b
}
