package rules

import (
	"math"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"

	"kechuang/internal/policy"
)

// The vector lowering turns a checked condition into kernels that evaluate
// it over many rows at once: a selection vector of row numbers in, one
// value and state per selected row out. Scalar facts are read from the
// table's typed columns; && and || evaluate their right side only on the
// rows the left side leaves open (the selection narrows, as the closures
// short-circuit); comparisons of a column with a constant loop over the
// column directly. What it does not lower — comprehensions over lists,
// days(), growth(), size() and the string functions — is evaluated by the
// compiled closure of that part, row by row over the selection, so every
// condition the compiler accepts has a vector form with the same
// three-valued answers (TestColumnarAgrees, TestColumnarProperties).

type (
	vbool func(x *vx, sel []int32, out []tri)
	vint  func(x *vx, sel []int32, out []int64, st []tri)
	vdbl  func(x *vx, sel []int32, out []float64, st []tri)
	vstr  func(x *vx, sel []int32, out []string, st []tri)
)

// vval is a vector-lowered expression.
type vval struct {
	t vtype
	b vbool
	i vint
	d vdbl
	s vstr

	consts  []any // tConstList
	isConst bool
	ci      int64
	cd      float64
	cs      string
	cb      tri

	col      int  // ≥ 0: a plain column read (for the column-against-constant kernels)
	viaOwner bool // the column is the subject's, the rows items
}

// vecCond is a clause condition's vector form.
type vecCond struct {
	b         vbool
	cols      []int    // the columns it reads
	fallbacks []string // the parts evaluated by the closures, as CEL source
}

// vectorCondition lowers a clause's condition (already compiled to row,
// the closure) for Columnar. Should the vector lowering refuse a form,
// the whole condition runs as its closure over the selection.
func vectorCondition(x policy.Expr, list string, row boolFn) *vecCond {
	var li *listInfo
	if list != "" {
		li = lists[list]
	}
	if env, err := Env(list); err == nil {
		if checked, iss := env.Compile(x.Src); iss.Err() == nil {
			if vc, err := lowerVector(checked, x.Src, li); err == nil {
				return vc
			}
		}
	}
	return &vecCond{fallbacks: []string{"the whole condition"}, b: func(x *vx, sel []int32, out []tri) {
		for k, r := range sel {
			x.row(r)
			out[k] = row(&x.st)
		}
	}}
}

type vlowerer struct {
	a    *ast.AST
	src  string
	row  *lowerer // for the parts left to the closures
	item *listInfo
	cols map[int]bool
	out  *vecCond
}

// lowerVector lowers a checked condition (already accepted by lower) for
// the column-at-a-time evaluator.
func lowerVector(checked *cel.Ast, src string, item *listInfo) (vc *vecCond, err error) {
	defer func() {
		if r := recover(); r != nil {
			ce, ok := r.(*compileError)
			if !ok {
				panic(r)
			}
			vc, err = nil, ce
		}
	}()
	a := checked.NativeRep()
	vc = &vecCond{}
	l := &vlowerer{a: a, src: src, item: item, cols: map[int]bool{}, out: vc,
		row: &lowerer{a: a, src: src, item: item, seen: map[string]bool{}}}
	v := l.expr(a.Expr())
	if v.t != tBool {
		return nil, &compileError{msg: "condition is not a bool"}
	}
	vc.b = v.b
	for id := range l.cols {
		vc.cols = append(vc.cols, id)
	}
	return vc, nil
}

func (l *vlowerer) expr(e ast.Expr) vval {
	switch e.Kind() {
	case ast.LiteralKind:
		switch v := e.AsLiteral().(type) {
		case types.Bool:
			return vconstBool(boolTri(bool(v)))
		case types.Int:
			return vconstInt(int64(v))
		case types.Double:
			return vconstDouble(float64(v))
		case types.String:
			return vconstString(string(v))
		}
	case ast.IdentKind:
		switch e.AsIdent() {
		case "fy":
			return vval{t: tInt, col: -1, i: func(x *vx, sel []int32, out []int64, st []tri) {
				for k, r := range sel {
					out[k], st[k] = x.t.FY[x.subj(r)], triT
				}
			}}
		case "at_year":
			return vval{t: tInt, col: -1, i: func(x *vx, sel []int32, out []int64, st []tri) {
				for k, r := range sel {
					out[k], st[k] = x.t.atYear[x.subj(r)], triT
				}
			}}
		case "at":
			return vval{t: tString, col: -1, s: func(x *vx, sel []int32, out []string, st []tri) {
				for k, r := range sel {
					out[k], st[k] = x.t.atStr[x.subj(r)], triT
				}
			}}
		}
	case ast.SelectKind:
		if v, ok := l.selectExpr(e); ok {
			return v
		}
	case ast.ListKind:
		rv := l.row.expr(e)
		return vval{t: tConstList, consts: rv.consts, col: -1}
	case ast.CallKind:
		if v, ok := l.call(e); ok {
			return v
		}
	}
	return l.fallback(e)
}

// fallback evaluates e by its compiled closure, row by row.
func (l *vlowerer) fallback(e ast.Expr) vval {
	rv := l.row.expr(e)
	if rv.isConst {
		switch rv.t {
		case tBool:
			return vconstBool(tri(rv.ci))
		case tInt:
			return vconstInt(rv.ci)
		case tDouble:
			return vconstDouble(rv.cd)
		case tString:
			return vconstString(rv.cs)
		}
	}
	l.out.fallbacks = append(l.out.fallbacks, l.text(e))
	v := vval{t: rv.t, col: -1}
	switch rv.t {
	case tBool:
		f := rv.b
		v.b = func(x *vx, sel []int32, out []tri) {
			for k, r := range sel {
				x.row(r)
				out[k] = f(&x.st)
			}
		}
	case tInt:
		v.i = rowValues(rv.i)
	case tDouble:
		v.d = rowValues(rv.d)
	case tString:
		v.s = rowValues(rv.s)
	default:
		l.row.fail(e, "%s cannot be evaluated over columns on its own", rv.t)
	}
	return v
}

// rowValues runs a value's compiled closure row by row over the selection.
func rowValues[T any](f func(*State) (T, tri)) func(x *vx, sel []int32, out []T, st []tri) {
	return func(x *vx, sel []int32, out []T, st []tri) {
		for k, r := range sel {
			x.row(r)
			out[k], st[k] = f(&x.st)
		}
	}
}

// fill writes a constant, known, into every selected row.
func fill[T any](v T) func(x *vx, sel []int32, out []T, st []tri) {
	return func(x *vx, sel []int32, out []T, st []tri) {
		for k := range sel {
			out[k], st[k] = v, triT
		}
	}
}

// text names e, for the list of parts left to the closures.
func (l *vlowerer) text(e ast.Expr) string {
	switch e.Kind() {
	case ast.CallKind:
		return strings.Trim(e.AsCall().FunctionName(), "_@") + "()"
	case ast.ComprehensionKind:
		return "exists/all/filter over " + l.row.expr(e.AsComprehension().IterRange()).list.name
	case ast.SelectKind:
		return "a comprehension variable's field"
	}
	return "expression"
}

func vconstBool(b tri) vval {
	return vval{t: tBool, isConst: true, cb: b, ci: int64(b), col: -1, b: func(x *vx, sel []int32, out []tri) {
		for k := range sel {
			out[k] = b
		}
	}}
}

func vconstInt(n int64) vval {
	return vval{t: tInt, isConst: true, ci: n, col: -1, i: fill(n)}
}

func vconstDouble(d float64) vval {
	return vval{t: tDouble, isConst: true, cd: d, col: -1, d: fill(d)}
}

func vconstString(s string) vval {
	return vval{t: tString, isConst: true, cs: s, col: -1, s: fill(s)}
}

// selectExpr lowers subject.x, cur.x, last.x, last2.x and item.x to column
// reads.
func (l *vlowerer) selectExpr(e ast.Expr) (vval, bool) {
	sel := e.AsSelect()
	if sel.IsTestOnly() || sel.Operand().Kind() != ast.IdentKind {
		return vval{}, false
	}
	switch sel.Operand().AsIdent() {
	case "subject", "cur", "last", "last2", "item":
	default:
		return vval{}, false // a comprehension variable: inside a fallback
	}
	rv := l.row.expr(e) // checks the field, and records the access
	var acc access
	for _, r := range l.row.refs {
		if r.Path == sel.Operand().AsIdent()+"."+sel.FieldName() {
			acc = r.acc
		}
	}
	id := columnID(acc)
	l.cols[id] = true
	via := l.item != nil && acc.base != bElem
	v := vval{t: rv.t, col: id, viaOwner: via}
	col := func(x *vx) *column {
		if acc.base == bElem {
			return x.it.cols[id]
		}
		return x.t.cols[id]
	}
	switch rv.t {
	case tInt:
		v.i = func(x *vx, sel []int32, out []int64, st []tri) { c := col(x); gather(x, sel, via, c.i, c.st, out, st) }
	case tDouble:
		v.d = func(x *vx, sel []int32, out []float64, st []tri) {
			c := col(x)
			gather(x, sel, via, c.d, c.st, out, st)
		}
	case tString:
		v.s = func(x *vx, sel []int32, out []string, st []tri) { c := col(x); gather(x, sel, via, c.s, c.st, out, st) }
	case tBool:
		v.b = func(x *vx, sel []int32, out []tri) { gather(x, sel, via, col(x).b, nil, out, nil) }
	default:
		return vval{}, false
	}
	return v, true
}

// gather copies the selected rows of a column (values, and states unless
// st is nil) into out and ost; via reads the rows' owners (item rows
// reading their subject's column).
func gather[T any](x *vx, sel []int32, via bool, vals []T, st []tri, out []T, ost []tri) {
	for k, r := range sel {
		if via {
			r = x.it.owner[r]
		}
		out[k] = vals[r]
		if st != nil {
			ost[k] = st[r]
		}
	}
}

func (l *vlowerer) call(e ast.Expr) (vval, bool) {
	c := e.AsCall()
	fn := c.FunctionName()
	args := c.Args()
	if c.IsMemberFunction() {
		return vval{}, false
	}
	switch fn {
	case "_&&_", "_||_":
		a, b := l.expr(args[0]), l.expr(args[1])
		if fn == "_&&_" {
			return vval{t: tBool, col: -1, b: vand(a.b, b.b)}, true
		}
		return vval{t: tBool, col: -1, b: vor(a.b, b.b)}, true
	case "!_":
		a := l.expr(args[0])
		return vval{t: tBool, col: -1, b: func(x *vx, sel []int32, out []tri) {
			a.b(x, sel, out)
			for k, v := range out[:len(sel)] {
				switch v {
				case triT:
					out[k] = triF
				case triF:
					out[k] = triT
				}
			}
		}}, true
	case "_?_:_":
		return l.ternary(l.expr(args[0]), l.expr(args[1]), l.expr(args[2]))
	case "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_":
		return l.compare(fn, l.expr(args[0]), l.expr(args[1]))
	case "_+_", "_-_", "_*_", "_/_", "_%_":
		a, b := l.expr(args[0]), l.expr(args[1])
		if a.t != tInt || b.t != tInt {
			return vval{}, false
		}
		f := intOps[fn]
		return vval{t: tInt, col: -1, i: func(x *vx, sel []int32, out []int64, st []tri) {
			m := x.ar.mark()
			yv, ys := x.ar.ints(len(sel)), x.ar.tris(len(sel))
			a.i(x, sel, out, st)
			b.i(x, sel, yv, ys)
			for k := range sel {
				if s := worst(st[k], ys[k]); s != triT {
					out[k], st[k] = 0, s
					continue
				}
				r, ok := f(out[k], yv[k])
				if !ok {
					out[k], st[k] = 0, triE
					continue
				}
				out[k] = r
			}
			x.ar.release(m)
		}}, true
	case "@in":
		a, list := l.expr(args[0]), l.expr(args[1])
		if list.t != tConstList {
			return vval{}, false
		}
		return l.in(a, list.consts)
	case "wan", "yi", "yuan":
		a := l.expr(args[0])
		if a.t != tInt {
			return vval{}, false
		}
		k := map[string]int64{"wan": 1_000_000, "yi": 10_000_000_000, "yuan": 100}[fn]
		if a.isConst {
			return vconstInt(a.ci * k), true // the compiler refused an overflow
		}
		return vval{t: tInt, col: -1, i: func(x *vx, sel []int32, out []int64, st []tri) {
			a.i(x, sel, out, st)
			for j := range sel {
				if st[j] != triT {
					out[j] = 0
					continue
				}
				v := out[j]
				r := v * k
				if v != 0 && r/v != k {
					out[j], st[j] = 0, triE
					continue
				}
				out[j] = r
			}
		}}, true
	case "pct":
		a := l.expr(args[0])
		switch {
		case a.isConst && a.t == tInt:
			return vconstDouble(float64(a.ci) / 100), true
		case a.isConst && a.t == tDouble:
			return vconstDouble(a.cd / 100), true
		}
	}
	return vval{}, false
}

// vand is Kleene conjunction as andFn computes it; b runs only on the rows
// where a is not false.
func vand(a, b vbool) vbool { return vlogic(a, b, triF) }

// vor is orFn over rows; b runs only where a is not true.
func vor(a, b vbool) vbool { return vlogic(a, b, triT) }

// vlogic is && (absorb false) or || (absorb true) with CEL's commutative
// error handling: the absorbing value wins, then unknown, then error.
func vlogic(a, b vbool, absorb tri) vbool {
	other := triT
	if absorb == triT {
		other = triF
	}
	return func(x *vx, sel []int32, out []tri) {
		a(x, sel, out)
		m := x.ar.mark()
		sub, pos := x.ar.sel(len(sel)), x.ar.sel(len(sel))
		n := 0
		for k, v := range out[:len(sel)] {
			if v != absorb {
				sub[n], pos[n] = sel[k], int32(k)
				n++
			}
		}
		if n > 0 {
			y := x.ar.tris(n)
			b(x, sub[:n], y)
			for j, k := range pos[:n] {
				xv, yv := out[k], y[j]
				switch {
				case yv == absorb:
					out[k] = absorb
				case xv == triU || yv == triU:
					out[k] = triU
				case xv == triE || yv == triE:
					out[k] = triE
				default:
					out[k] = other
				}
			}
		}
		x.ar.release(m)
	}
}

// split runs c over sel and the branch kernels on the rows it sends to
// them (true: then, false: else); fill writes the rows c leaves unknown or
// in error.
func split(x *vx, c vbool, sel []int32, then, els func(sub []int32, pos []int32), fill func(k int, st tri)) {
	m := x.ar.mark()
	cv := x.ar.tris(len(sel))
	c(x, sel, cv)
	for _, want := range [2]tri{triT, triF} {
		sub, pos := x.ar.sel(len(sel)), x.ar.sel(len(sel))
		n := 0
		for k, v := range cv {
			if v == want {
				sub[n], pos[n] = sel[k], int32(k)
				n++
			}
		}
		if n > 0 {
			if want == triT {
				then(sub[:n], pos[:n])
			} else {
				els(sub[:n], pos[:n])
			}
		}
	}
	for k, v := range cv {
		if v == triU || v == triE {
			fill(k, v)
		}
	}
	x.ar.release(m)
}

func (l *vlowerer) ternary(c, a, b vval) (vval, bool) {
	if a.t != b.t || c.t != tBool {
		return vval{}, false
	}
	switch a.t {
	case tBool:
		return vval{t: tBool, col: -1, b: func(x *vx, sel []int32, out []tri) {
			branch := func(f vbool) func(sub, pos []int32) {
				return func(sub, pos []int32) {
					m := x.ar.mark()
					y := x.ar.tris(len(sub))
					f(x, sub, y)
					for j, k := range pos {
						out[k] = y[j]
					}
					x.ar.release(m)
				}
			}
			split(x, c.b, sel, branch(a.b), branch(b.b), func(k int, st tri) { out[k] = st })
		}}, true
	case tInt:
		return vval{t: tInt, col: -1, i: func(x *vx, sel []int32, out []int64, st []tri) {
			branch := func(f vint) func(sub, pos []int32) {
				return func(sub, pos []int32) {
					m := x.ar.mark()
					y, ys := x.ar.ints(len(sub)), x.ar.tris(len(sub))
					f(x, sub, y, ys)
					for j, k := range pos {
						out[k], st[k] = y[j], ys[j]
					}
					x.ar.release(m)
				}
			}
			split(x, c.b, sel, branch(a.i), branch(b.i), func(k int, s tri) { out[k], st[k] = 0, s })
		}}, true
	}
	return vval{}, false
}

func (l *vlowerer) compare(op string, a, b vval) (vval, bool) {
	if a.t != b.t {
		return vval{}, false
	}
	switch a.t {
	case tInt:
		if b.isConst {
			kc := b.ci
			if a.col >= 0 {
				return vval{t: tBool, col: -1, b: intColConst(l, a, op, kc)}, true
			}
			return vval{t: tBool, col: -1, b: func(x *vx, sel []int32, out []tri) {
				m := x.ar.mark()
				xv, xs := x.ar.ints(len(sel)), x.ar.tris(len(sel))
				a.i(x, sel, xv, xs)
				for k := range sel {
					if xs[k] != triT {
						out[k] = xs[k]
						continue
					}
					out[k] = cmpResult(op, cmpInt(xv[k], kc))
				}
				x.ar.release(m)
			}}, true
		}
		return vval{t: tBool, col: -1, b: func(x *vx, sel []int32, out []tri) {
			m := x.ar.mark()
			xv, xs := x.ar.ints(len(sel)), x.ar.tris(len(sel))
			yv, ys := x.ar.ints(len(sel)), x.ar.tris(len(sel))
			a.i(x, sel, xv, xs)
			b.i(x, sel, yv, ys)
			for k := range sel {
				if s := worst(xs[k], ys[k]); s != triT {
					out[k] = s
					continue
				}
				out[k] = cmpResult(op, cmpInt(xv[k], yv[k]))
			}
			x.ar.release(m)
		}}, true
	case tDouble:
		return vval{t: tBool, col: -1, b: func(x *vx, sel []int32, out []tri) {
			m := x.ar.mark()
			xv, xs := x.ar.dbls(len(sel)), x.ar.tris(len(sel))
			yv, ys := x.ar.dbls(len(sel)), x.ar.tris(len(sel))
			a.d(x, sel, xv, xs)
			b.d(x, sel, yv, ys)
			for k := range sel {
				if s := worst(xs[k], ys[k]); s != triT {
					out[k] = s
					continue
				}
				p, q := xv[k], yv[k]
				if math.IsNaN(p) || math.IsNaN(q) {
					out[k] = boolTri(op == "_!=_")
					continue
				}
				c := 0
				if p < q {
					c = -1
				} else if p > q {
					c = 1
				}
				out[k] = cmpResult(op, c)
			}
			x.ar.release(m)
		}}, true
	case tString:
		if b.isConst && (op == "_==_" || op == "_!=_") {
			return l.in(a, []any{b.cs}, op == "_!=_")
		}
		return vval{t: tBool, col: -1, b: func(x *vx, sel []int32, out []tri) {
			m := x.ar.mark()
			xv, xs := x.ar.strs(len(sel)), x.ar.tris(len(sel))
			yv, ys := x.ar.strs(len(sel)), x.ar.tris(len(sel))
			a.s(x, sel, xv, xs)
			b.s(x, sel, yv, ys)
			for k := range sel {
				if s := worst(xs[k], ys[k]); s != triT {
					out[k] = s
					continue
				}
				out[k] = cmpResult(op, strings.Compare(xv[k], yv[k]))
			}
			x.ar.release(m)
		}}, true
	case tBool:
		if op != "_==_" && op != "_!=_" {
			return vval{}, false
		}
		return vval{t: tBool, col: -1, b: func(x *vx, sel []int32, out []tri) {
			m := x.ar.mark()
			y := x.ar.tris(len(sel))
			a.b(x, sel, out)
			b.b(x, sel, y)
			for k := range sel {
				if s := worst(triOK(out[k]), triOK(y[k])); s != triT {
					out[k] = s
					continue
				}
				if op == "_==_" {
					out[k] = boolTri(out[k] == y[k])
				} else {
					out[k] = boolTri(out[k] != y[k])
				}
			}
			x.ar.release(m)
		}}, true
	}
	return vval{}, false
}

// intColConst compares an int column with a constant, reading the column
// in place.
func intColConst(l *vlowerer, a vval, op string, k int64) vbool {
	id, via, elem := a.col, a.viaOwner, l.item != nil && !a.viaOwner
	var test func(v int64) bool
	switch op {
	case "_==_":
		test = func(v int64) bool { return v == k }
	case "_!=_":
		test = func(v int64) bool { return v != k }
	case "_<_":
		test = func(v int64) bool { return v < k }
	case "_<=_":
		test = func(v int64) bool { return v <= k }
	case "_>_":
		test = func(v int64) bool { return v > k }
	default:
		test = func(v int64) bool { return v >= k }
	}
	return func(x *vx, sel []int32, out []tri) {
		var c *column
		if elem {
			c = x.it.cols[id]
		} else {
			c = x.t.cols[id]
		}
		for j, r := range sel {
			if via {
				r = x.it.owner[r]
			}
			if s := c.st[r]; s != triT {
				out[j] = s
				continue
			}
			out[j] = boolTri(test(c.i[r]))
		}
	}
}

// in lowers `a in [constants]` (and a string == or != a constant, negate
// set for !=).
func (l *vlowerer) in(a vval, consts []any, negate ...bool) (vval, bool) {
	neg := len(negate) > 0 && negate[0]
	switch a.t {
	case tString:
		var ss []string
		for _, c := range consts {
			s, ok := c.(string)
			if !ok {
				return vval{}, false
			}
			ss = append(ss, s)
		}
		yes, no := triT, triF
		if neg {
			yes, no = triF, triT
		}
		if a.col >= 0 {
			id, via, elem := a.col, a.viaOwner, l.item != nil && !a.viaOwner
			return vval{t: tBool, col: -1, b: func(x *vx, sel []int32, out []tri) {
				var c *column
				if elem {
					c = x.it.cols[id]
				} else {
					c = x.t.cols[id]
				}
			rows:
				for j, r := range sel {
					if via {
						r = x.it.owner[r]
					}
					if s := c.st[r]; s != triT {
						out[j] = s
						continue
					}
					v := c.s[r]
					for _, w := range ss {
						if v == w {
							out[j] = yes
							continue rows
						}
					}
					out[j] = no
				}
			}}, true
		}
		return vval{t: tBool, col: -1, b: func(x *vx, sel []int32, out []tri) {
			m := x.ar.mark()
			xv, xs := x.ar.strs(len(sel)), x.ar.tris(len(sel))
			a.s(x, sel, xv, xs)
			member(xv, xs, ss, yes, no, out)
			x.ar.release(m)
		}}, true
	case tInt:
		if neg {
			return vval{}, false
		}
		var ns []int64
		for _, c := range consts {
			n, ok := c.(int64)
			if !ok {
				return vval{}, false
			}
			ns = append(ns, n)
		}
		return vval{t: tBool, col: -1, b: func(x *vx, sel []int32, out []tri) {
			m := x.ar.mark()
			xv, xs := x.ar.ints(len(sel)), x.ar.tris(len(sel))
			a.i(x, sel, xv, xs)
			member(xv, xs, ns, triT, triF, out)
			x.ar.release(m)
		}}, true
	}
	return vval{}, false
}

// member writes, for each value of xv that is known (xs), yes if it is one
// of set and no otherwise; an unknown or failed value keeps its state.
func member[T comparable](xv []T, xs []tri, set []T, yes, no tri, out []tri) {
rows:
	for j, v := range xv {
		if xs[j] != triT {
			out[j] = xs[j]
			continue
		}
		for _, w := range set {
			if v == w {
				out[j] = yes
				continue rows
			}
		}
		out[j] = no
	}
}

// vx is one goroutine's vector evaluation: the table, the item table whose
// rows are being evaluated (nil: subject rows), the state the closures of
// fallback parts read, and scratch space.
type vx struct {
	t   *Table
	it  *itemTable
	st  State
	cur int32 // subject whose state st holds, or -1
	ar  arena
}

// subj is the subject row of row r.
func (x *vx) subj(r int32) int32 {
	if x.it != nil {
		return x.it.owner[r]
	}
	return r
}

// row sets the closures' state to row r.
func (x *vx) row(r int32) {
	s := r
	if x.it != nil {
		s = x.it.owner[r]
		x.st.idx[0] = int(x.it.index[r])
	}
	if s == x.cur {
		return
	}
	t := x.t
	x.cur = s
	x.st.F, x.st.FY = t.Subjects[s], t.FY[s]
	x.st.Cur, x.st.Last, x.st.Last2 = t.cur[s], t.last[s], t.last2[s]
	x.st.At, x.st.AtDate = t.atStr[s], t.At[s]
}

// arena hands out scratch slices and takes them back in stack order, so
// that a run allocates only while it first grows.
type arena struct {
	t  []tri
	i  []int64
	d  []float64
	s  []string
	r  []int32
	at [5]int
}

type arenaMark [5]int

func (a *arena) mark() arenaMark      { return a.at }
func (a *arena) release(m arenaMark)  { a.at = m }
func (a *arena) tris(n int) []tri     { return take(&a.t, &a.at[0], n) }
func (a *arena) ints(n int) []int64   { return take(&a.i, &a.at[1], n) }
func (a *arena) dbls(n int) []float64 { return take(&a.d, &a.at[2], n) }
func (a *arena) strs(n int) []string  { return take(&a.s, &a.at[3], n) }
func (a *arena) sel(n int) []int32    { return take(&a.r, &a.at[4], n) }

// take returns n elements of *buf from *top on. When *buf is too small it
// is replaced by a larger one; slices already handed out keep the old one.
func take[T any](buf *[]T, top *int, n int) []T {
	if *top+n > len(*buf) {
		*buf = make([]T, max(2*len(*buf), *top+n, 1<<14))
	}
	s := (*buf)[*top : *top+n : *top+n]
	*top += n
	return s
}
