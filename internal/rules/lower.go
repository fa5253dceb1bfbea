package rules

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"unsafe"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// tri is a three-valued truth value, also used as the state of a value:
// triT means known (ok), triU unknown, triE an evaluation error.
type tri uint8

const (
	triF tri = iota
	triT
	triU
	triE
)

// maxSlots bounds the nesting of item and comprehension variables.
const maxSlots = 6

// State is what one evaluation needs; it is reused across clauses and
// subjects so that evaluation allocates nothing.
type State struct {
	F         *facts.Facts
	FY        int64
	Cur, Last *facts.Annual
	Last2     *facts.Annual // the year before last: 近三个会计年度 reads cur, last and last2
	At        string        // the evaluation date, YYYY-MM-DD
	AtDate    policy.Date
	idx       [maxSlots]int // slot 0: item; 1…: comprehension variables
}

type (
	boolFn func(*State) tri
	intFn  func(*State) (int64, tri)
	dblFn  func(*State) (float64, tri)
	strFn  func(*State) (string, tri)
)

type vtype uint8

const (
	tBool vtype = iota + 1
	tInt
	tDouble
	tString
	tFactsList // a facts list (top-level) usable in exists/all/size
	tConstList // a list literal of constants, for `in`
)

func (t vtype) String() string {
	return [...]string{"?", "bool", "int", "double", "string", "list", "list literal"}[t]
}

// value is a lowered expression.
type value struct {
	t vtype
	b boolFn
	i intFn
	d dblFn
	s strFn

	list    *listInfo // tFactsList
	consts  []any     // tConstList elements (int64, float64, string)
	isConst bool
	ci      int64
	cd      float64
	cs      string
}

// Ref is a fact an expression reads: shown in explanations and reported when
// unknown.
type Ref struct {
	Path string // CEL path, e.g. last.rd_intensity, item.amount
	acc  access
}

// base says where an access starts.
type base uint8

const (
	bSubject base = iota
	bCur
	bLast
	bLast2
	bElem
)

// listInfo locates a facts list inside facts.Facts.
type listInfo struct {
	name     string
	elem     reflect.Type
	off      uintptr // offset of the slice in facts.Facts
	size     uintptr // element size
	knownOff uintptr // offset of the element's Known mask
	yearOff  uintptr // offset of the element's (derived) year
	dateOff  uintptr // offset of its date ("from" for appointments)
}

type access struct {
	base  base
	slot  int
	list  *listInfo
	off   uintptr
	bit   facts.Mask
	field reflect.StructField
}

type sliceHdr struct {
	data     unsafe.Pointer
	len, cap int
}

var lists = func() map[string]*listInfo {
	ft := reflect.TypeOf(facts.Facts{})
	out := map[string]*listInfo{}
	for _, l := range listVars {
		for i := range ft.NumField() {
			f := ft.Field(i)
			if f.Tag.Get("cel") == l.name {
				k, _ := l.elem.FieldByName("Known")
				y, _ := fieldByCEL(l.elem, "year")
				d, ok := fieldByCEL(l.elem, "date")
				if !ok {
					d, _ = fieldByCEL(l.elem, "from")
				}
				out[l.name] = &listInfo{name: l.name, elem: l.elem, off: f.Offset, size: l.elem.Size(), knownOff: k.Offset, yearOff: y.Offset, dateOff: d.Offset}
			}
		}
	}
	return out
}()

// listField is the index path of a facts list field in facts.Facts.
func listField(name string) []int {
	ft := reflect.TypeOf(facts.Facts{})
	for i := range ft.NumField() {
		if ft.Field(i).Tag.Get("cel") == name {
			return []int{i}
		}
	}
	panic("no facts list " + name)
}

func (l *listInfo) hdr(s *State) *sliceHdr {
	return (*sliceHdr)(unsafe.Add(unsafe.Pointer(s.F), l.off))
}

// Len returns the length of the list in s.
func (l *listInfo) Len(s *State) int { return l.hdr(s).len }

// ptr returns the address of the accessed struct and whether the field is known.
func (a *access) ptr(s *State) (unsafe.Pointer, bool) {
	switch a.base {
	case bSubject:
		return unsafe.Pointer(&s.F.Subject), s.F.Subject.Known&a.bit != 0
	case bCur, bLast, bLast2:
		y := s.Cur
		switch a.base {
		case bLast:
			y = s.Last
		case bLast2:
			y = s.Last2
		}
		if y == nil {
			return nil, false
		}
		return unsafe.Pointer(y), y.Known&a.bit != 0
	}
	h := a.list.hdr(s)
	p := unsafe.Add(h.data, uintptr(s.idx[a.slot])*a.list.size)
	return p, *(*facts.Mask)(unsafe.Add(p, a.list.knownOff))&a.bit != 0
}

// inRange reports whether a list reference points at an element: outside the
// evaluation of its exists()/all() (or of its item) the index may be stale.
func (r Ref) inRange(s *State) bool {
	return r.acc.base != bElem || s.idx[r.acc.slot] < r.acc.list.Len(s)
}

// Known reports whether the referenced fact is known in s (for reports).
func (r Ref) Known(s *State) bool {
	if !r.inRange(s) {
		return true // a comprehension variable: its items' facts are reported per item
	}
	_, ok := r.acc.ptr(s)
	return ok
}

// Value returns the referenced fact's value in s, for explanations.
func (r Ref) Value(s *State) any {
	if !r.inRange(s) {
		return nil
	}
	p, ok := r.acc.ptr(s)
	if !ok {
		return nil
	}
	return reflect.NewAt(r.acc.field.Type, unsafe.Add(p, r.acc.off)).Elem().Interface()
}

// compileError is a lowering error at an expression offset.
type compileError struct {
	offset int
	msg    string
}

func (e *compileError) Error() string { return e.msg }

// lowerer lowers one checked CEL AST.
type lowerer struct {
	a      *ast.AST
	src    string
	item   *listInfo
	scopes []scopeVar
	refs   []Ref
	seen   map[string]bool
}

type scopeVar struct {
	name string
	list *listInfo
	slot int
}

func lower(checked *cel.Ast, src string, item *listInfo) (v value, refs []Ref, err error) {
	defer func() {
		if r := recover(); r != nil {
			ce, ok := r.(*compileError)
			if !ok {
				panic(r)
			}
			err = ce
		}
	}()
	l := &lowerer{a: checked.NativeRep(), src: src, item: item, seen: map[string]bool{}}
	v = l.expr(l.a.Expr())
	return v, l.refs, nil
}

func (l *lowerer) fail(e ast.Expr, format string, args ...any) {
	loc := l.a.SourceInfo().GetStartLocation(e.ID())
	off := int(l.a.SourceInfo().ComputeOffset(int32(loc.Line()), int32(loc.Column())))
	panic(&compileError{offset: max(off, 0), msg: fmt.Sprintf(format, args...)})
}

func (l *lowerer) expr(e ast.Expr) value {
	switch e.Kind() {
	case ast.LiteralKind:
		return l.literal(e)
	case ast.IdentKind:
		name := e.AsIdent()
		if name == "fy" {
			return value{t: tInt, i: func(s *State) (int64, tri) { return s.FY, triT }}
		}
		if name == "at" {
			return value{t: tString, s: func(s *State) (string, tri) { return s.At, triT }}
		}
		if name == "at_year" {
			return value{t: tInt, i: func(s *State) (int64, tri) { return int64(s.AtDate.Year()), triT }}
		}
		if li, ok := lists[name]; ok {
			return value{t: tFactsList, list: li}
		}
		l.fail(e, "%s cannot be used on its own here: select a field, e.g. %s.kind", name, name)
	case ast.SelectKind:
		return l.selectExpr(e)
	case ast.CallKind:
		return l.call(e)
	case ast.ComprehensionKind:
		return l.comprehension(e)
	case ast.ListKind:
		var consts []any
		for _, el := range e.AsList().Elements() {
			v := l.expr(el)
			if !v.isConst {
				l.fail(el, "list elements must be constants (used with `in`)")
			}
			switch v.t {
			case tInt:
				consts = append(consts, v.ci)
			case tDouble:
				consts = append(consts, v.cd)
			case tString:
				consts = append(consts, v.cs)
			default:
				l.fail(el, "list elements must be numbers or strings")
			}
		}
		return value{t: tConstList, consts: consts}
	}
	l.fail(e, "this kind of expression is not supported by the compiled evaluator (see docs/policy-format.md for the supported subset)")
	return value{}
}

func (l *lowerer) literal(e ast.Expr) value {
	switch v := e.AsLiteral().(type) {
	case types.Bool:
		b := triF
		if v {
			b = triT
		}
		return value{t: tBool, b: func(*State) tri { return b }, isConst: true, ci: int64(b)}
	case types.Int:
		return constInt(int64(v))
	case types.Double:
		return constDouble(float64(v))
	case types.String:
		return constString(string(v))
	}
	l.fail(e, "literal of type %s is not supported", e.AsLiteral().Type())
	return value{}
}

func constInt(n int64) value {
	return value{t: tInt, i: func(*State) (int64, tri) { return n, triT }, isConst: true, ci: n}
}

func constDouble(d float64) value {
	return value{t: tDouble, d: func(*State) (float64, tri) { return d, triT }, isConst: true, cd: d}
}

func constString(s string) value {
	return value{t: tString, s: func(*State) (string, tri) { return s, triT }, isConst: true, cs: s}
}

func (l *lowerer) selectExpr(e ast.Expr) value {
	sel := e.AsSelect()
	if sel.IsTestOnly() {
		l.fail(e, "has() is not supported: every fact is known or unknown, and unknown facts are reported")
	}
	op := sel.Operand()
	if op.Kind() != ast.IdentKind {
		l.fail(e, "only one level of field selection is supported (e.g. item.kind)")
	}
	name := op.AsIdent()
	var acc access
	var st reflect.Type
	switch name {
	case "subject":
		acc.base, st = bSubject, reflect.TypeOf(facts.Subject{})
	case "cur":
		acc.base, st = bCur, reflect.TypeOf(facts.Annual{})
	case "last":
		acc.base, st = bLast, reflect.TypeOf(facts.Annual{})
	case "last2":
		acc.base, st = bLast2, reflect.TypeOf(facts.Annual{})
	case "item":
		if l.item == nil {
			l.fail(e, "item is only defined in clauses with for_each")
		}
		acc.base, acc.slot, acc.list, st = bElem, 0, l.item, l.item.elem
	default:
		found := false
		for i := len(l.scopes) - 1; i >= 0; i-- {
			if l.scopes[i].name == name {
				sv := l.scopes[i]
				acc.base, acc.slot, acc.list, st = bElem, sv.slot, sv.list, sv.list.elem
				found = true
				break
			}
		}
		if !found {
			l.fail(e, "unknown variable %s", name)
		}
	}
	field, ok := fieldByCEL(st, sel.FieldName())
	if !ok {
		l.fail(e, "%s has no field %s", name, sel.FieldName())
	}
	acc.off, acc.field = field.Offset, field
	acc.bit = 1 << uint(field.Index[0])
	path := name + "." + sel.FieldName()
	if !l.seen[path] {
		l.seen[path] = true
		l.refs = append(l.refs, Ref{Path: path, acc: acc})
	}
	a := &acc
	off := acc.off
	switch field.Type.Kind() {
	case reflect.Int64:
		return value{t: tInt, i: func(s *State) (int64, tri) {
			p, ok := a.ptr(s)
			if !ok {
				return 0, triU
			}
			return *(*int64)(unsafe.Add(p, off)), triT
		}}
	case reflect.Float64:
		return value{t: tDouble, d: func(s *State) (float64, tri) {
			p, ok := a.ptr(s)
			if !ok {
				return 0, triU
			}
			return *(*float64)(unsafe.Add(p, off)), triT
		}}
	case reflect.String:
		return value{t: tString, s: func(s *State) (string, tri) {
			p, ok := a.ptr(s)
			if !ok {
				return "", triU
			}
			return *(*string)(unsafe.Add(p, off)), triT
		}}
	case reflect.Bool:
		return value{t: tBool, b: func(s *State) tri {
			p, ok := a.ptr(s)
			if !ok {
				return triU
			}
			if *(*bool)(unsafe.Add(p, off)) {
				return triT
			}
			return triF
		}}
	}
	l.fail(e, "field %s of type %s cannot be used in conditions", sel.FieldName(), field.Type)
	return value{}
}

func fieldByCEL(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Tag.Get("cel") == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func (l *lowerer) call(e ast.Expr) value {
	c := e.AsCall()
	fn := c.FunctionName()
	args := c.Args()
	if c.IsMemberFunction() {
		args = append([]ast.Expr{c.Target()}, args...)
	}
	switch fn {
	case "_&&_", "_||_":
		a, b := l.want(args[0], tBool), l.want(args[1], tBool)
		if fn == "_&&_" {
			return value{t: tBool, b: andFn(a.b, b.b)}
		}
		return value{t: tBool, b: orFn(a.b, b.b)}
	case "!_":
		a := l.want(args[0], tBool)
		return value{t: tBool, b: func(s *State) tri {
			switch v := a.b(s); v {
			case triT:
				return triF
			case triF:
				return triT
			default:
				return v
			}
		}}
	case "_?_:_":
		c, a, b := l.want(args[0], tBool), l.expr(args[1]), l.expr(args[2])
		return l.ternary(e, c, a, b)
	case "-_":
		a := l.expr(args[0])
		switch a.t {
		case tInt:
			return value{t: tInt, i: func(s *State) (int64, tri) {
				v, st := a.i(s)
				if st != triT {
					return 0, st
				}
				if v == math.MinInt64 {
					return 0, triE
				}
				return -v, triT
			}}
		case tDouble:
			return value{t: tDouble, d: func(s *State) (float64, tri) { v, st := a.d(s); return -v, st }}
		}
	case "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_":
		return l.compare(e, fn, l.expr(args[0]), l.expr(args[1]))
	case "_+_", "_-_", "_*_", "_/_", "_%_":
		return l.arith(e, fn, l.expr(args[0]), l.expr(args[1]))
	case "@in":
		return l.in(e, l.expr(args[0]), l.expr(args[1]))
	case "days":
		a, b := l.want(args[0], tString), l.want(args[1], tString)
		return value{t: tInt, i: func(s *State) (int64, tri) {
			x, sa := a.s(s)
			y, sb := b.s(s)
			if st := worst(sa, sb); st != triT {
				return 0, st
			}
			n, ok := Days(x, y)
			if !ok {
				return 0, triE
			}
			return n, triT
		}}
	case "growth":
		a, b, c := l.want(args[0], tInt), l.want(args[1], tInt), l.want(args[2], tInt)
		return value{t: tDouble, d: func(s *State) (float64, tri) {
			x, sa := a.i(s)
			y, sb := b.i(s)
			z, sc := c.i(s)
			if st := worst(worst(sa, sb), sc); st != triT {
				return 0, st
			}
			return Growth(x, y, z), triT
		}}
	case "size":
		if cnt, ok := l.count(args[0]); ok {
			return cnt
		}
		a := l.expr(args[0])
		if a.t == tFactsList {
			li := a.list
			return value{t: tInt, i: func(s *State) (int64, tri) { return int64(li.Len(s)), triT }}
		}
		if a.t == tString {
			return value{t: tInt, i: func(s *State) (int64, tri) {
				v, st := a.s(s)
				return int64(len([]rune(v))), st
			}}
		}
	case "startsWith", "endsWith", "contains":
		a, b := l.want(args[0], tString), l.want(args[1], tString)
		f := map[string]func(string, string) bool{"startsWith": strings.HasPrefix, "endsWith": strings.HasSuffix, "contains": strings.Contains}[fn]
		return value{t: tBool, b: func(s *State) tri {
			x, sa := a.s(s)
			y, sb := b.s(s)
			if st := worst(sa, sb); st != triT {
				return st
			}
			return boolTri(f(x, y))
		}}
	case "int":
		a := l.expr(args[0])
		switch a.t {
		case tInt:
			return a
		case tDouble:
			return value{t: tInt, i: func(s *State) (int64, tri) {
				v, st := a.d(s)
				if st != triT {
					return 0, st
				}
				if math.IsNaN(v) || v >= 9.223372036854775807e18 || v <= -9.223372036854775808e18 {
					return 0, triE
				}
				return int64(v), triT
			}}
		}
	case "double":
		a := l.expr(args[0])
		switch a.t {
		case tDouble:
			return a
		case tInt:
			return value{t: tDouble, d: func(s *State) (float64, tri) { v, st := a.i(s); return float64(v), st }}
		}
	case "wan", "yi", "yuan":
		a := l.want(args[0], tInt)
		k := map[string]int64{"wan": 1_000_000, "yi": 10_000_000_000, "yuan": 100}[fn]
		if a.isConst {
			r := a.ci * k
			if a.ci != 0 && r/a.ci != k {
				l.fail(e, "%s(%d) overflows", fn, a.ci)
			}
			return constInt(r)
		}
		return value{t: tInt, i: func(s *State) (int64, tri) {
			v, st := a.i(s)
			if st != triT {
				return 0, st
			}
			r := v * k
			if v != 0 && r/v != k {
				return 0, triE
			}
			return r, triT
		}}
	case "pct":
		a := l.expr(args[0])
		switch {
		case a.isConst && a.t == tInt:
			return constDouble(float64(a.ci) / 100)
		case a.isConst && a.t == tDouble:
			return constDouble(a.cd / 100)
		case a.t == tInt:
			return value{t: tDouble, d: func(s *State) (float64, tri) { v, st := a.i(s); return float64(v) / 100, st }}
		case a.t == tDouble:
			return value{t: tDouble, d: func(s *State) (float64, tri) { v, st := a.d(s); return v / 100, st }}
		}
	}
	l.fail(e, "%s is not supported by the compiled evaluator (see docs/policy-format.md for the supported subset)", strings.Trim(fn, "_@"))
	return value{}
}

func (l *lowerer) want(e ast.Expr, t vtype) value {
	v := l.expr(e)
	if v.t != t {
		l.fail(e, "expected %s, found %s", t, v.t)
	}
	return v
}

func boolTri(b bool) tri {
	if b {
		return triT
	}
	return triF
}

// worst combines value states: an error wins over unknown.
func worst(a, b tri) tri {
	if a == triE || b == triE {
		return triE
	}
	if a == triU || b == triU {
		return triU
	}
	return triT
}

// andFn is Kleene conjunction, with CEL's commutative error handling: false
// absorbs everything, then unknown, then error.
func andFn(a, b boolFn) boolFn {
	return func(s *State) tri {
		x := a(s)
		if x == triF {
			return triF
		}
		y := b(s)
		switch {
		case y == triF:
			return triF
		case x == triU || y == triU:
			return triU
		case x == triE || y == triE:
			return triE
		}
		return triT
	}
}

func orFn(a, b boolFn) boolFn {
	return func(s *State) tri {
		x := a(s)
		if x == triT {
			return triT
		}
		y := b(s)
		switch {
		case y == triT:
			return triT
		case x == triU || y == triU:
			return triU
		case x == triE || y == triE:
			return triE
		}
		return triF
	}
}

func (l *lowerer) ternary(e ast.Expr, c, a, b value) value {
	if a.t != b.t {
		l.fail(e, "both branches of ?: must have the same type")
	}
	switch a.t {
	case tBool:
		return value{t: tBool, b: func(s *State) tri {
			switch c.b(s) {
			case triT:
				return a.b(s)
			case triF:
				return b.b(s)
			case triU:
				return triU
			}
			return triE
		}}
	case tInt:
		return value{t: tInt, i: func(s *State) (int64, tri) {
			switch cv := c.b(s); cv {
			case triT:
				return a.i(s)
			case triF:
				return b.i(s)
			default:
				return 0, cv
			}
		}}
	case tDouble:
		return value{t: tDouble, d: func(s *State) (float64, tri) {
			switch cv := c.b(s); cv {
			case triT:
				return a.d(s)
			case triF:
				return b.d(s)
			default:
				return 0, cv
			}
		}}
	case tString:
		return value{t: tString, s: func(s *State) (string, tri) {
			switch cv := c.b(s); cv {
			case triT:
				return a.s(s)
			case triF:
				return b.s(s)
			default:
				return "", cv
			}
		}}
	}
	l.fail(e, "?: of %s is not supported", a.t)
	return value{}
}

func cmpResult(op string, c int) tri {
	switch op {
	case "_==_":
		return boolTri(c == 0)
	case "_!=_":
		return boolTri(c != 0)
	case "_<_":
		return boolTri(c < 0)
	case "_<=_":
		return boolTri(c <= 0)
	case "_>_":
		return boolTri(c > 0)
	}
	return boolTri(c >= 0)
}

func (l *lowerer) compare(e ast.Expr, op string, a, b value) value {
	if a.t != b.t {
		l.fail(e, "cannot compare %s with %s: convert one side with int() or double()", a.t, b.t)
	}
	switch a.t {
	case tInt:
		if b.isConst { // the common case: a fact against a constant
			k := b.ci
			return value{t: tBool, b: func(s *State) tri {
				x, st := a.i(s)
				if st != triT {
					return st
				}
				return cmpResult(op, cmpInt(x, k))
			}}
		}
		return value{t: tBool, b: func(s *State) tri {
			x, sa := a.i(s)
			y, sb := b.i(s)
			if st := worst(sa, sb); st != triT {
				return st
			}
			return cmpResult(op, cmpInt(x, y))
		}}
	case tDouble:
		return value{t: tBool, b: func(s *State) tri {
			x, sa := a.d(s)
			y, sb := b.d(s)
			if st := worst(sa, sb); st != triT {
				return st
			}
			if math.IsNaN(x) || math.IsNaN(y) {
				return boolTri(op == "_!=_")
			}
			c := 0
			if x < y {
				c = -1
			} else if x > y {
				c = 1
			}
			return cmpResult(op, c)
		}}
	case tString:
		return value{t: tBool, b: func(s *State) tri {
			x, sa := a.s(s)
			y, sb := b.s(s)
			if st := worst(sa, sb); st != triT {
				return st
			}
			return cmpResult(op, strings.Compare(x, y))
		}}
	case tBool:
		if op != "_==_" && op != "_!=_" {
			l.fail(e, "booleans can only be compared with == and !=")
		}
		return value{t: tBool, b: func(s *State) tri {
			x, y := a.b(s), b.b(s)
			if st := worst(triOK(x), triOK(y)); st != triT {
				return st
			}
			if op == "_==_" {
				return boolTri(x == y)
			}
			return boolTri(x != y)
		}}
	}
	l.fail(e, "cannot compare values of type %s", a.t)
	return value{}
}

// triOK turns a truth value into a value state.
func triOK(t tri) tri {
	if t == triF {
		return triT
	}
	return t
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func (l *lowerer) arith(e ast.Expr, op string, a, b value) value {
	if a.t != b.t {
		l.fail(e, "cannot combine %s with %s: convert one side with int() or double()", a.t, b.t)
	}
	switch a.t {
	case tInt:
		f := intOps[op]
		return value{t: tInt, i: func(s *State) (int64, tri) {
			x, sa := a.i(s)
			y, sb := b.i(s)
			if st := worst(sa, sb); st != triT {
				return 0, st
			}
			r, ok := f(x, y)
			if !ok {
				return 0, triE
			}
			return r, triT
		}}
	case tDouble:
		if op == "_%_" {
			l.fail(e, "%% is not defined on doubles")
		}
		return value{t: tDouble, d: func(s *State) (float64, tri) {
			x, sa := a.d(s)
			y, sb := b.d(s)
			if st := worst(sa, sb); st != triT {
				return 0, st
			}
			switch op {
			case "_+_":
				return x + y, triT
			case "_-_":
				return x - y, triT
			case "_*_":
				return x * y, triT
			}
			return x / y, triT
		}}
	}
	l.fail(e, "arithmetic on %s is not supported", a.t)
	return value{}
}

// intOps follow CEL: overflow and division by zero are errors; division and
// remainder truncate toward zero.
var intOps = map[string]func(x, y int64) (int64, bool){
	"_+_": func(x, y int64) (int64, bool) {
		r := x + y
		return r, !((x > 0 && y > 0 && r < 0) || (x < 0 && y < 0 && r >= 0))
	},
	"_-_": func(x, y int64) (int64, bool) {
		r := x - y
		return r, !((x >= 0 && y < 0 && r < 0) || (x < 0 && y > 0 && r >= 0))
	},
	"_*_": func(x, y int64) (int64, bool) {
		if x == 0 || y == 0 {
			return 0, true
		}
		r := x * y
		if r/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
			return 0, false
		}
		return r, true
	},
	"_/_": func(x, y int64) (int64, bool) {
		if y == 0 || (x == math.MinInt64 && y == -1) {
			return 0, false
		}
		return x / y, true
	},
	"_%_": func(x, y int64) (int64, bool) {
		if y == 0 || (x == math.MinInt64 && y == -1) {
			return 0, false
		}
		return x % y, true
	},
}

func (l *lowerer) in(e ast.Expr, a, list value) value {
	if list.t != tConstList {
		l.fail(e, "`in` needs a list of constants on the right, e.g. item.level in ['national', 'province']")
	}
	switch a.t {
	case tString:
		var ss []string
		for _, c := range list.consts {
			s, ok := c.(string)
			if !ok {
				l.fail(e, "the list mixes types")
			}
			ss = append(ss, s)
		}
		return value{t: tBool, b: func(s *State) tri {
			x, st := a.s(s)
			if st != triT {
				return st
			}
			for _, c := range ss {
				if c == x {
					return triT
				}
			}
			return triF
		}}
	case tInt:
		var ns []int64
		for _, c := range list.consts {
			n, ok := c.(int64)
			if !ok {
				l.fail(e, "the list mixes types")
			}
			ns = append(ns, n)
		}
		return value{t: tBool, b: func(s *State) tri {
			x, st := a.i(s)
			if st != triT {
				return st
			}
			for _, c := range ns {
				if c == x {
					return triT
				}
			}
			return triF
		}}
	}
	l.fail(e, "`in` on %s is not supported", a.t)
	return value{}
}

// comprehension lowers the exists() and all() macros over facts lists.
// count lowers size(list.filter(x, p)): how many items of a facts list
// satisfy p. An item whose p is unknown makes the count unknown.
func (l *lowerer) count(e ast.Expr) (value, bool) {
	if e.Kind() != ast.ComprehensionKind {
		return value{}, false
	}
	c := e.AsComprehension()
	step := c.LoopStep()
	if c.HasIterVar2() || c.AccuInit().Kind() != ast.ListKind || step.Kind() != ast.CallKind ||
		step.AsCall().FunctionName() != "_?_:_" {
		return value{}, false
	}
	rng := l.expr(c.IterRange())
	if rng.t != tFactsList {
		l.fail(e, "filter() is supported over facts lists (recognitions, ip, …) only")
	}
	slot := len(l.scopes) + 1
	if slot >= maxSlots {
		l.fail(e, "filter() nests too deeply")
	}
	l.scopes = append(l.scopes, scopeVar{name: c.IterVar(), list: rng.list, slot: slot})
	pred := l.want(step.AsCall().Args()[0], tBool).b
	l.scopes = l.scopes[:len(l.scopes)-1]
	li := rng.list
	return value{t: tInt, i: func(s *State) (int64, tri) {
		var n int64
		res := triT
		saved := s.idx[slot]
		for i := range li.Len(s) {
			s.idx[slot] = i
			switch pred(s) {
			case triT:
				n++
			case triU:
				res = triU
			case triE:
				if res != triU {
					res = triE
				}
			}
		}
		s.idx[slot] = saved
		return n, res
	}}, true
}

func (l *lowerer) comprehension(e ast.Expr) value {
	c := e.AsComprehension()
	if c.HasIterVar2() {
		l.fail(e, "two-variable comprehensions are not supported")
	}
	rng := l.expr(c.IterRange())
	if rng.t != tFactsList {
		l.fail(e, "exists() and all() are supported over facts lists (recognitions, awards, …) only")
	}
	init := c.AccuInit()
	step := c.LoopStep()
	if init.Kind() != ast.LiteralKind || step.Kind() != ast.CallKind || len(step.AsCall().Args()) != 2 {
		l.fail(e, "only the exists() and all() macros are supported")
	}
	isExists := init.AsLiteral() == types.False
	fn := step.AsCall().FunctionName()
	if (isExists && fn != "_||_") || (!isExists && fn != "_&&_") {
		l.fail(e, "only the exists() and all() macros are supported")
	}
	slot := len(l.scopes) + 1
	if slot >= maxSlots {
		l.fail(e, "exists()/all() nest too deeply")
	}
	l.scopes = append(l.scopes, scopeVar{name: c.IterVar(), list: rng.list, slot: slot})
	pred := l.want(step.AsCall().Args()[1], tBool).b
	l.scopes = l.scopes[:len(l.scopes)-1]
	li := rng.list
	if isExists {
		return value{t: tBool, b: func(s *State) tri {
			res := triF
			n := li.Len(s)
			saved := s.idx[slot]
			for i := range n {
				s.idx[slot] = i
				switch pred(s) {
				case triT:
					s.idx[slot] = saved
					return triT
				case triU:
					res = triU
				case triE:
					if res != triU {
						res = triE
					}
				}
			}
			s.idx[slot] = saved
			return res
		}}
	}
	return value{t: tBool, b: func(s *State) tri {
		res := triT
		n := li.Len(s)
		saved := s.idx[slot]
		for i := range n {
			s.idx[slot] = i
			switch pred(s) {
			case triF:
				s.idx[slot] = saved
				return triF
			case triU:
				res = triU
			case triE:
				if res != triU {
					res = triE
				}
			}
		}
		s.idx[slot] = saved
		return res
	}}
}
