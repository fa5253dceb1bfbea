package rules

import (
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"

	"kechuang/internal/errs"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

// Engine holds every clause and gate of a policy library, compiled.
type Engine struct {
	Files     []*policy.File
	Clauses   []*Clause
	Gates     []*Gate
	Standards []*Standard
	Pools     []*Pool
	byID      map[string]*Clause
}

// Clause is a compiled clause.
type Clause struct {
	*policy.Clause
	Index int
	list  *listInfo // for_each list, or nil

	when      value // tBool; zero value when the clause has no condition
	hasWhen   bool
	conjuncts []conjunct
	refs      []Ref // facts the condition reads
	amount    *amount
	gates     []*Gate
	stacks    []int // indexes of clauses that may pay the same event

	ref cel.Program // reference interpreter for the condition
	src string
	vec *vecCond // the condition's vector form, for Columnar

	validFrom, validTo string      // "YYYY-MM-DD"; validTo empty: no end
	fromNum, toNum     int32       // the same as dateNumber gives them (toNum 0: no end; -1: not of the form)
	fromDate, toDate   policy.Date // the same as dates
	region             string      // GB/T 2260 prefix of the subjects covered
}

type conjunct struct {
	text string // CEL source
	zh   string // the same in Chinese
	v    value
	refs []Ref
	cmp  *comparison // non-nil for `fact op constant`
	// inner are the `fact op constant` comparisons nested in the conjunct's
	// || , && and ! (not in ternaries or comprehensions): bounds too.
	inner []*comparison
	req   *requirement
}

// requirement is a conjunct `fact == 'code'` or `fact in ['a', 'b']` on a
// string fact, rendered in Chinese.
type requirement struct {
	ref  Ref
	want []string
	not  bool
}

// comparison is a conjunct of the form fact op constant, for near misses.
type comparison struct {
	ref   Ref
	op    string
	isInt bool
	k     int64
	kd    float64
}

// Gate is a compiled gate.
type Gate struct {
	*policy.Gate
	Index     int
	Doc       *policy.Document
	blocks    value
	conjuncts []conjunct // for explanations and near misses
	refs      []Ref
	region    string
	ref       cel.Program
	clauses   map[string]bool
}

// Compile type-checks and lowers every condition and amount expression of
// files. Errors carry the file, line and column of the offending text.
func Compile(files []*policy.File) (*Engine, error) {
	e := &Engine{Files: files, byID: map[string]*Clause{}}
	var l errs.List
	for _, f := range files {
		for _, pg := range f.Gates {
			g := &Gate{Gate: pg, Index: len(e.Gates), Doc: &f.Document, region: pg.Region, clauses: map[string]bool{}}
			if g.region == "" {
				g.region = f.Document.Jurisdiction
			}
			for _, id := range pg.Clauses {
				g.clauses[id] = true
			}
			v, refs, prg, err := compileExpr(pg.Blocks, "", tBool)
			if err != nil {
				l = append(l, err)
			}
			g.blocks, g.refs, g.ref = v, refs, prg
			if err == nil {
				g.conjuncts = splitConjuncts(pg.Blocks, "")
			}
			e.Gates = append(e.Gates, g)
		}
	}
	for _, f := range files {
		for _, pc := range f.Clauses {
			c, err := compileClause(pc, &f.Document)
			l = append(l, err...)
			e.Clauses = append(e.Clauses, c)
		}
	}
	l = append(l, compileStandards(e, files)...)
	e.link()
	e.linkPools()
	if len(l) > 0 {
		return nil, l
	}
	return e, nil
}

// compileClause type-checks and lowers one clause of document doc.
func compileClause(pc *policy.Clause, doc *policy.Document) (*Clause, errs.List) {
	var l errs.List
	c := &Clause{Clause: pc}
	from, to := pc.Validity()
	c.validFrom, c.validTo = from.String(), to.String()
	c.fromNum, c.toNum = dateNumber(c.validFrom), 0
	if c.validTo != "" {
		c.toNum = dateNumber(c.validTo)
	}
	c.fromDate, c.toDate = from, to
	c.region = policy.RegionPrefix(doc.Jurisdiction)
	if pc.ForEach != "" {
		c.list = lists[pc.ForEach]
	}
	if pc.When.Src != "" {
		v, refs, prg, err := compileExpr(pc.When, pc.ForEach, tBool)
		if err != nil {
			l = append(l, err)
		} else {
			c.when, c.refs, c.ref, c.hasWhen, c.src = v, refs, prg, true, pc.When.Src
			c.conjuncts = splitConjuncts(pc.When, pc.ForEach)
			c.vec = vectorCondition(pc.When, pc.ForEach, v.b)
		}
	}
	a, err := compileAmount(pc.Amount, pc.ForEach, c.list)
	if err != nil {
		l = append(l, err...)
	}
	c.amount = a
	return c, l
}

// link numbers the clauses and ties each to the gates that cover it and to
// the clauses it may stack with.
func (e *Engine) link() {
	e.byID = map[string]*Clause{}
	for i, c := range e.Clauses {
		c.Index, c.gates, c.stacks = i, nil, nil
		e.byID[c.ID] = c
	}
	for _, c := range e.Clauses {
		for _, g := range e.Gates {
			if g.clauses[c.ID] || slices.Contains(g.Levels, c.Level) {
				c.gates = append(c.gates, g)
			}
		}
		for _, id := range c.StacksWith {
			if o, ok := e.byID[id]; ok {
				c.stacks = append(c.stacks, o.Index)
				o.stacks = append(o.stacks, c.Index)
			}
		}
	}
}

// Reform returns the engine with some clauses replaced, removed or added —
// a policy change to simulate (改革测算). Only the new and changed clauses are
// compiled; every other clause shares its compiled condition and amount
// with e, which is left unchanged. Added clauses name their document in
// Doc. Standards, gates and pools are shared.
func (e *Engine) Reform(replace map[string]*policy.Clause, remove []string, add []*policy.Clause) (*Engine, error) {
	r := &Engine{Files: e.Files, Gates: e.Gates, Standards: e.Standards, Pools: e.Pools}
	var l errs.List
	for id := range replace {
		if _, ok := e.byID[id]; !ok {
			l = append(l, errs.E(errs.Invalid, "the reform changes clause %q, which is not in the library", id))
		}
	}
	for _, id := range remove {
		if _, ok := e.byID[id]; !ok {
			l = append(l, errs.E(errs.Invalid, "the reform removes clause %q, which is not in the library", id))
		}
	}
	for _, c := range e.Clauses {
		switch pc := replace[c.ID]; {
		case slices.Contains(remove, c.ID):
		case pc != nil:
			nc, err := compileClause(pc, pc.Doc)
			l = append(l, err...)
			r.Clauses = append(r.Clauses, nc)
		default:
			cp := *c // shares the compiled condition and amount
			r.Clauses = append(r.Clauses, &cp)
		}
	}
	for _, pc := range add {
		if _, ok := e.byID[pc.ID]; ok && !slices.Contains(remove, pc.ID) {
			l = append(l, errs.E(errs.Invalid, "the reform adds clause %q, which is already in the library: change it instead", pc.ID))
			continue
		}
		nc, err := compileClause(pc, pc.Doc)
		l = append(l, err...)
		r.Clauses = append(r.Clauses, nc)
	}
	if len(l) > 0 {
		return nil, l
	}
	r.link()
	return r, nil
}

// ClauseByID returns the compiled clause with that id.
func (e *Engine) ClauseByID(id string) (*Clause, bool) {
	c, ok := e.byID[id]
	return c, ok
}

// compileExpr checks src with cel-go and lowers it. want is the required
// result type.
func compileExpr(x policy.Expr, list string, want vtype) (value, []Ref, cel.Program, *errs.Error) {
	env, err := Env(list)
	if err != nil {
		return value{}, nil, nil, &errs.Error{Kind: errs.Internal, Pos: x.Pos, Msg: "CEL environment: " + err.Error()}
	}
	checked, iss := env.Compile(x.Src)
	if iss.Err() != nil {
		e := iss.Errors()[0]
		off := 0
		if loc := e.Location; loc != nil && loc.Line() > 0 {
			off = lineColOffset(x.Src, loc.Line(), loc.Column())
		}
		msg := e.Message
		if strings.Contains(msg, "undeclared reference") || strings.Contains(msg, "undefined field") {
			msg += " (the facts schema is in docs/facts.md)"
		}
		return value{}, nil, nil, errs.At(x.At(off), "CEL: %s", msg)
	}
	var li *listInfo
	if list != "" {
		li = lists[list]
	}
	v, refs, err := lower(checked, x.Src, li)
	if err != nil {
		off := 0
		if ce, ok := err.(*compileError); ok {
			off = ce.offset
		}
		return value{}, nil, nil, errs.At(x.At(off), "%v", err)
	}
	if v.t != want {
		return value{}, nil, nil, errs.At(x.Pos, "this expression is %s, but %s is needed here", v.t, want)
	}
	prg, err := env.Program(checked, cel.EvalOptions(cel.OptPartialEval))
	if err != nil {
		return value{}, nil, nil, &errs.Error{Kind: errs.Internal, Pos: x.Pos, Msg: err.Error()}
	}
	return v, refs, prg, nil
}

// lineColOffset converts a CEL (1-based line, 0-based column) to a rune offset.
func lineColOffset(src string, line, col int) int {
	off := 0
	for i, l := range strings.Split(src, "\n") {
		if i+1 == line {
			return off + col
		}
		off += len([]rune(l)) + 1
	}
	return off
}

// splitConjuncts lowers each top-level && operand of a condition separately,
// so explanations can say which ones failed.
func splitConjuncts(x policy.Expr, list string) []conjunct {
	env, _ := Env(list)
	checked, iss := env.Compile(x.Src)
	if iss.Err() != nil {
		return nil
	}
	a := checked.NativeRep()
	var parts []ast.Expr
	var walk func(e ast.Expr)
	walk = func(e ast.Expr) {
		if e.Kind() == ast.CallKind && e.AsCall().FunctionName() == "_&&_" {
			for _, arg := range e.AsCall().Args() {
				walk(arg)
			}
			return
		}
		parts = append(parts, e)
	}
	walk(a.Expr())
	var li *listInfo
	if list != "" {
		li = lists[list]
	}
	var out []conjunct
	for _, p := range parts {
		text, err := cel.ExprToString(p, a.SourceInfo())
		if err != nil {
			text = x.Src
		}
		l := &lowerer{a: a, src: x.Src, item: li, seen: map[string]bool{}}
		v, err := func() (v value, err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("%v", r)
				}
			}()
			return l.expr(p), nil
		}()
		if err != nil {
			return nil
		}
		c := conjunct{text: text, zh: renderZh(p, list), v: v, refs: l.refs, cmp: comparisonOf(p, l), req: requirementOf(p, l)}
		if c.cmp == nil {
			c.inner = innerComparisons(p, l)
		}
		out = append(out, c)
	}
	return out
}

// innerComparisons finds `fact op constant` under logical operators.
func innerComparisons(e ast.Expr, l *lowerer) []*comparison {
	if e.Kind() != ast.CallKind {
		return nil
	}
	switch e.AsCall().FunctionName() {
	case "_||_", "_&&_", "!_":
		var out []*comparison
		for _, a := range e.AsCall().Args() {
			if c := comparisonOf(a, l); c != nil {
				out = append(out, c)
				continue
			}
			out = append(out, innerComparisons(a, l)...)
		}
		return out
	}
	return nil
}

// requirementOf recognises string equality and membership on one fact.
func requirementOf(e ast.Expr, l *lowerer) *requirement {
	if e.Kind() != ast.CallKind {
		return nil
	}
	c := e.AsCall()
	fn := c.FunctionName()
	if (fn != "_==_" && fn != "_!=_" && fn != "@in") || len(c.Args()) != 2 {
		return nil
	}
	fa, ka := c.Args()[0], c.Args()[1]
	if fa.Kind() != ast.SelectKind {
		return nil
	}
	sub := &lowerer{a: l.a, src: l.src, item: l.item, scopes: l.scopes, seen: map[string]bool{}}
	fv := func() (v value) {
		defer func() { recover() }()
		return sub.expr(fa)
	}()
	if fv.t != tString || len(sub.refs) != 1 {
		return nil
	}
	r := &requirement{ref: sub.refs[0], not: fn == "_!=_"}
	kv := func() (v value) {
		defer func() { recover() }()
		return sub.expr(ka)
	}()
	switch {
	case kv.isConst && kv.t == tString:
		r.want = []string{kv.cs}
	case kv.t == tConstList:
		for _, x := range kv.consts {
			if s, ok := x.(string); ok {
				r.want = append(r.want, s)
			}
		}
	default:
		return nil
	}
	return r
}

// comparisonOf recognises `fact op constant` (or constant op fact).
func comparisonOf(e ast.Expr, l *lowerer) *comparison {
	if e.Kind() != ast.CallKind {
		return nil
	}
	c := e.AsCall()
	op := c.FunctionName()
	flip := map[string]string{"_<_": "_>_", "_<=_": "_>=_", "_>_": "_<_", "_>=_": "_<=_", "_==_": "_==_"}
	if _, ok := flip[op]; !ok || len(c.Args()) != 2 {
		return nil
	}
	fa, ka := c.Args()[0], c.Args()[1]
	if fa.Kind() != ast.SelectKind {
		fa, ka = ka, fa
		op = flip[op]
	}
	if fa.Kind() != ast.SelectKind || fa.AsSelect().Operand().Kind() != ast.IdentKind {
		return nil
	}
	root := fa.AsSelect().Operand().AsIdent()
	if root != "subject" && root != "cur" && root != "last" && root != "last2" && root != "item" {
		return nil
	}
	sub := &lowerer{a: l.a, src: l.src, item: l.item, seen: map[string]bool{}}
	kv := func() (v value) {
		defer func() { recover() }()
		return sub.expr(ka)
	}()
	fv := func() (v value) {
		defer func() { recover() }()
		return sub.expr(fa)
	}()
	if !kv.isConst || len(sub.refs) != 1 {
		return nil
	}
	cmp := &comparison{ref: sub.refs[0], op: op}
	switch {
	case kv.t == tInt && fv.t == tInt:
		cmp.isInt, cmp.k = true, kv.ci
	case kv.t == tDouble && fv.t == tDouble:
		cmp.kd = kv.cd
	default:
		return nil
	}
	return cmp
}

// amount is a compiled amount primitive.
type amount struct {
	src    *policy.Amount
	of     value // int or string
	count  value
	each   *amount
	prevOf value
	idOff  uintptr // offset of the id field in the for_each element (staged)
	list   *listInfo
	refs   []Ref
	ofZh   string // the `of` expression in Chinese
}

func compileAmount(a *policy.Amount, list string, li *listInfo) (*amount, errs.List) {
	out := &amount{src: a, list: li}
	var l errs.List
	expr := func(x policy.Expr, want vtype) value {
		if x.Src == "" {
			return value{}
		}
		v, refs, _, err := compileExpr(x, list, want)
		if err != nil {
			l = append(l, err)
			return value{}
		}
		out.refs = append(out.refs, refs...)
		return v
	}
	if a.Of.Src != "" {
		if env, err := Env(list); err == nil {
			if checked, iss := env.Compile(a.Of.Src); iss.Err() == nil {
				out.ofZh = renderZh(checked.NativeRep().Expr(), list)
			}
		}
	}
	switch a.Kind {
	case "by_value", "staged":
		out.of = expr(a.Of, tString)
	case "brackets", "progressive", "rate", "match":
		out.of = expr(a.Of, tInt)
	case "per_unit":
		out.count = expr(a.Count, tInt)
	}
	if a.Kind == "staged" {
		out.prevOf = expr(a.PreviousOf, tString)
		if li == nil {
			l = append(l, errs.At(a.Pos, "staged amounts need for_each: the stage is read from the item"))
		} else {
			f, _ := fieldByCEL(li.elem, "id")
			out.idOff = f.Offset
		}
	}
	if a.Each != nil {
		e, errl := compileAmount(a.Each, list, li)
		l = append(l, errl...)
		out.each = e
		out.refs = append(out.refs, e.refs...)
	}
	return out, l
}

// amtFlags qualify a computed amount.
type amtFlags uint8

const (
	fUnspecified amtFlags = 1 << iota // the document names no number
	fNoTier                           // the value falls in no tier / table row: nothing is paid
)

// eval computes the amount for the current item. It allocates nothing.
func (a *amount) eval(s *State) (money.Interval, amtFlags, tri) {
	p := a.src
	switch p.Kind {
	case "fixed", "range", "at_least":
		return p.Range, 0, triT
	case "unspecified":
		return money.Interval{}, fUnspecified, triT
	case "by_value":
		k, st := a.of.s(s)
		if st != triT {
			return money.Interval{}, 0, st
		}
		for i := range p.Table {
			if p.Table[i].Key == k {
				return p.Table[i].Amount, 0, triT
			}
		}
		return money.Interval{}, fNoTier, triT
	case "brackets":
		x, st := a.of.i(s)
		if st != triT {
			return money.Interval{}, 0, st
		}
		t := bracketOf(p, money.Fen(x))
		if t < 0 {
			return money.Interval{}, fNoTier, triT
		}
		return p.Tiers[t].Amount, 0, triT
	case "progressive":
		x, st := a.of.i(s)
		if st != triT {
			return money.Interval{}, 0, st
		}
		return money.Exact(progressive(p, money.Fen(max(x, 0)))), 0, triT
	case "rate", "match":
		x, st := a.of.i(s)
		if st != triT {
			return money.Interval{}, 0, st
		}
		base := money.Fen(max(x, 0))
		iv := money.Interval{Min: p.Rates[0].Apply(base, p.Round), Max: p.Rates[1].Apply(base, p.Round)}
		if p.Floor != nil {
			iv = iv.Floor(*p.Floor)
		}
		if p.Cap != nil {
			iv = iv.Cap(*p.Cap)
		}
		return iv, 0, triT
	case "per_unit":
		n, st := a.count.i(s)
		if st != triT {
			return money.Interval{}, 0, st
		}
		if n <= 0 {
			return money.Interval{}, fNoTier, triT
		}
		e, f, st := a.each.eval(s)
		if st != triT {
			return money.Interval{}, f, st
		}
		return mulInterval(e, n), f, triT
	case "recurring":
		e, f, st := a.each.eval(s)
		if st != triT {
			return money.Interval{}, f, st
		}
		return mulInterval(e, int64(p.Years)), f, triT
	case "staged":
		k, st := a.of.s(s)
		if st != triT {
			return money.Interval{}, 0, st
		}
		cum, ok := stageTotal(p, k)
		if !ok {
			return money.Interval{}, fNoTier, triT
		}
		prevID, st := a.prevOf.s(s)
		if st == triE {
			return money.Interval{}, 0, st
		}
		var prevCum money.Fen
		if st == triT && prevID != "" {
			j := a.findID(s, prevID)
			if j < 0 {
				return money.Interval{}, 0, triU
			}
			saved := s.idx[0]
			s.idx[0] = j
			pk, pst := a.of.s(s)
			s.idx[0] = saved
			if pst != triT {
				return money.Interval{}, 0, pst
			}
			prevCum, _ = stageTotal(p, pk)
		}
		d := cum - prevCum
		if d <= 0 {
			return money.Interval{}, fNoTier, triT
		}
		return money.Exact(d), 0, triT
	}
	return money.Interval{}, 0, triE
}

func (a *amount) findID(s *State, id string) int {
	h := a.list.hdr(s)
	for i := range h.len {
		p := unsafe.Add(h.data, uintptr(i)*a.list.size)
		if *(*string)(unsafe.Add(p, a.idOff)) == id {
			return i
		}
	}
	return -1
}

func stageTotal(p *policy.Amount, key string) (money.Fen, bool) {
	for _, st := range p.Stages {
		if st.Key == key {
			return st.Cumulative, true
		}
	}
	return 0, false
}

func mulInterval(e money.Interval, n int64) money.Interval {
	mul := func(f money.Fen) money.Fen {
		if f != 0 && (f*money.Fen(n))/money.Fen(n) != f {
			return money.Fen(1<<63 - 1)
		}
		return f * money.Fen(n)
	}
	return money.Interval{Min: mul(e.Min), Max: mul(e.Max), Open: e.Open}
}

// bracketOf returns the tier holding x, applying declared ties, or -1.
func bracketOf(p *policy.Amount, x money.Fen) int {
	found := -1
	for i := range p.Tiers {
		t := &p.Tiers[i]
		if t.From != nil && (x < *t.From || (x == *t.From && !t.FromIncl)) {
			continue
		}
		if t.To != nil && (x > *t.To || (x == *t.To && !t.ToIncl)) {
			continue
		}
		if found < 0 {
			found = i
			continue
		}
		// Two tiers hold x: the loader made sure a tie is declared.
		for _, tie := range p.Ties {
			if tie.At == x && tie.Winner == "upper" {
				found = i // tiers are sorted low to high
			}
		}
	}
	return found
}

// progressive computes Σ rate_i × (part of x in band i), rounded once.
func progressive(p *policy.Amount, x money.Fen) money.Fen {
	// Common denominator of all rates, so the sum is exact before rounding.
	den := int64(1)
	for _, t := range p.Tiers {
		den = lcm(den, t.Rate.Den)
	}
	var num money.Fen // Σ part × rate × den, exact; parts are bounded by x
	for _, t := range p.Tiers {
		lo := money.Fen(0)
		if t.From != nil {
			lo = *t.From
		}
		if x <= lo {
			continue
		}
		hi := x
		if t.To != nil && *t.To < hi {
			hi = *t.To
		}
		part := hi - lo
		num += money.Rate{Num: t.Rate.Num * (den / t.Rate.Den), Den: 1}.Apply(part, money.Down)
	}
	return money.Rate{Num: 1, Den: den}.Apply(num, p.Round)
}

func lcm(a, b int64) int64 {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}
