// Package opa compares kechuang's compiled evaluator with the plain cel-go
// interpreter and with Open Policy Agent on the same conditions: every
// clause of the five documents and every criterion of the national packs,
// translated to Rego from the checked CEL. It is a benchmark only, a module
// of its own, so that the product binary does not carry OPA.
//
// CEL here is three-valued (a fact may be unknown) and Rego is not: every
// boolean expression e becomes two Rego bodies, "e is definitely true" T(e)
// and "e is definitely false" F(e). A fact that is unknown is absent from
// the input, so any comparison that reads it is undefined: neither true nor
// false, as kechuang's unknown. T(a && b) = T(a) ∧ T(b), F(a && b) = F(a) ∨
// F(b), T(!a) = F(a), and so on. Errors (an int overflow, a division by
// zero, a date that does not parse) are undefined too: OPA answers true
// exactly where kechuang answers TruthTrue, false where it answers
// TruthFalse, and neither where it answers unknown or error.
package opa

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/parser"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// Library is the policy library translated to one Rego module. The module
// defines data.kechuang.clause, every clause's answer in
// rules.Engine.Clauses order, as arrays of consecutive clauses (one per
// jurisdiction, which a subject outside it answers in one step), each
// answer a number: 0 not applicable, 1 false, 2 true (as rules.Truth),
// 3 neither (unknown or an error); and data.kechuang.criterion, the same
// for rules.Engine.Criteria, an array per standard.
type Library struct {
	Rego     string
	Clauses  []string // clause ids, by index
	Criteria []string // criterion names (standard/criterion), by index
	Reads    Reads    // the facts the module reads
}

// Reads are the facts the module reads, by CEL name: the input of a subject
// need hold only these.
type Reads struct {
	Subject map[string]bool
	Annual  map[string]bool            // of cur, last and last2
	Lists   map[string]map[string]bool // list → element fields read
}

func (r *Reads) list(name string) map[string]bool {
	if r.Lists[name] == nil {
		r.Lists[name] = map[string]bool{}
	}
	return r.Lists[name]
}

// Growth is the name of the one builtin the module needs besides OPA's
// own: rules.Growth, kechuang's exact three-year growth rate rounded once
// to a float64. Rego's arithmetic is decimal, not IEEE-754, and a rate that
// sits exactly on a band's bound (35%) must compare as kechuang compares it.
const Growth = "kechuang.growth"

// maxAlts bounds the alternatives (rule bodies) of one expression before a
// part of it becomes a helper rule.
const maxAlts = 8

// alts is a disjunction of conjunctions of Rego expressions; nil is false,
// a single empty conjunction is true.
type alts [][]string

type gen struct {
	helpers map[string]string // key → name
	defs    []string          // helper definitions, in order
	reads   Reads
	trunc   bool // the int(double) helper is used
}

// local is a variable of the rule body being written: the clause's item or
// a comprehension variable.
type local struct {
	cel, rego, list string
}

type scope struct {
	g      *gen
	std    bool // a standard's criterion: the fiscal year is rules.StandardFY(at)
	a      *celast.AST
	locals []local
	n      *int // names the body's variables
}

func (s *scope) fresh(prefix string) string {
	*s.n++
	return fmt.Sprintf("%s%d", prefix, *s.n)
}

type genError struct{ msg string }

// Generate translates every clause and criterion of eng to Rego.
func Generate(eng *rules.Engine) (lib *Library, err error) {
	defer func() {
		if r := recover(); r != nil {
			ge, ok := r.(genError)
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("%s", ge.msg)
		}
	}()
	g := &gen{helpers: map[string]string{}, reads: Reads{Subject: map[string]bool{}, Annual: map[string]bool{}, Lists: map[string]map[string]bool{}}}
	g.reads.Subject["region"], g.reads.Subject["kind"] = true, true
	lib = &Library{}
	var main strings.Builder
	main.WriteString(header)

	// The clauses, a group per run of clauses of one jurisdiction: a
	// subject outside it takes one rule to answer them all.
	var groups []string
	for i := 0; i < len(eng.Clauses); {
		region := policy.RegionPrefix(eng.Clauses[i].Doc.Jurisdiction)
		j := i
		for j < len(eng.Clauses) && policy.RegionPrefix(eng.Clauses[j].Doc.Jurisdiction) == region {
			j++
		}
		name := fmt.Sprintf("clauses_%d", len(groups))
		groups = append(groups, name)
		fmt.Fprintf(&main, "\n# Clauses %d–%d, of jurisdiction %s.\n", i, j-1, quote(region))
		checked := writeClauseGroup(&main, name, eng.Clauses[i:j], region)
		for _, c := range eng.Clauses[i:j] {
			lib.Clauses = append(lib.Clauses, c.ID)
			g.clause(&main, c, checked)
		}
		i = j
	}
	writeAnswers(&main, "clause", groups)

	// The criteria, a group per standard.
	groups = nil
	crit := eng.Criteria()
	for i := 0; i < len(crit); {
		s := crit[i].Standard
		j := i
		for j < len(crit) && crit[j].Standard == s {
			j++
		}
		name := fmt.Sprintf("criteria_%d", len(groups))
		groups = append(groups, name)
		from, to := s.Doc.ValidFrom, s.Doc.ValidTo
		if s.ValidFrom != 0 {
			from = s.ValidFrom
		}
		if s.ValidTo != 0 {
			to = s.ValidTo
		}
		fmt.Fprintf(&main, "\n# Standard %s: criteria %d–%d.\n", s.ID, i, j-1)
		writeGroup(&main, name, "criterion", i, j, standardApplies(from, to, policy.RegionPrefix(s.Doc.Jurisdiction), s.Beneficiary))
		for _, c := range crit[i:j] {
			lib.Criteria = append(lib.Criteria, c.Name())
			g.criterion(&main, c)
		}
		i = j
	}
	writeAnswers(&main, "criterion", groups)

	main.WriteString("\n# Helpers: parts of the conditions above, shared where they are the same.\n")
	for _, d := range g.defs {
		main.WriteString("\n" + d)
	}
	if g.trunc {
		main.WriteString("\n# int(double): toward zero, as CEL.\ntrunc(x) := floor(x) if x >= 0\ntrunc(x) := ceil(x) if x < 0\n")
	}
	lib.Rego = main.String()
	lib.Reads = g.reads
	return lib, nil
}

const header = `# Code generated by "go run ./gen" from the policy library; DO NOT EDIT.
#
# Every clause and qualification-standard criterion of kechuang's policy
# library, translated from its checked CEL. A CEL condition is three-valued
# (a fact may be unknown); each boolean expression e is written as two
# bodies, T(e) "definitely true" and F(e) "definitely false". Unknown facts
# are absent from the input, so every expression reading one is undefined,
# and so are CEL's errors (int overflow, division by zero, a bad date).
#
# clause_i and criterion_i are 2 (true), 1 (false), 0 (does not apply) or
# 3 (neither: unknown or an error), indexed like rules.Engine.Clauses and
# rules.Engine.Criteria; clause and criterion hold them all, in groups.
package kechuang

fy_prev := input.fy - 1

fy_start := sprintf("%04d-01-01", [input.fy])

fy_end := sprintf("%04d-12-31", [input.fy])

# An appointment still serving in the fiscal year.
serving(x) if object.get(x, "to", "") == ""

serving(x) if object.get(x, "to", "") >= fy_start
`

func comment(src string) string {
	if src == "" {
		return ": no condition\n"
	}
	return ":\n#   " + strings.Join(strings.Split(strings.TrimSpace(src), "\n"), "\n#   ") + "\n"
}

// check type-checks src as kechuang does.
func check(list, src, what string) *celast.AST {
	env, err := rules.Env(list)
	if err != nil {
		panic(genError{err.Error()})
	}
	checked, iss := env.Compile(src)
	if iss.Err() != nil {
		panic(genError{what + ": " + iss.Err().Error()})
	}
	return checked.NativeRep()
}

// writeClauseGroup writes the rule answering a run of clauses of one
// jurisdiction: where the subject is in it, by the subject's kind, each
// clause's answer if the kind is one of its beneficiaries, else "does not
// apply" (rules.Applicable).
//
// Where every clause of the run has the same validity, the group checks it
// once (see validity) and reports true; else each clause checks its own.
func writeClauseGroup(b *strings.Builder, name string, cs []*rules.Clause, region string) (validityChecked bool) {
	var zeros []string
	for range cs {
		zeros = append(zeros, "0")
	}
	var cond []string
	if region != "" {
		cond = append(cond, fmt.Sprintf("startswith(input.subject.region, %s)", quote(region)))
	}
	from, to := validity(cs[0])
	validityChecked = !slices.ContainsFunc(cs, func(c *rules.Clause) bool { f, t := validity(c); return f != from || t != to })
	if validityChecked {
		cond = append(cond, fmt.Sprintf("input.fy >= %d", from))
		if to != 0 {
			cond = append(cond, fmt.Sprintf("input.fy <= %d", to))
		}
	}
	byKind := name + "_by_kind"
	if len(cond) == 0 {
		fmt.Fprintf(b, "%s := %s\n", name, byKind)
	} else {
		fmt.Fprintf(b, "%s := %s if {\n\t%s\n} else := [%s]\n", name, byKind, strings.Join(cond, "\n\t"), strings.Join(zeros, ", "))
	}
	ch := &chain{b: b, head: byKind, first: true}
	for _, k := range facts.Vocab["subject_kind"] {
		var items []string
		some := false
		for _, c := range cs {
			if slices.Contains(c.Beneficiary, k.Code) {
				items, some = append(items, fmt.Sprintf("clause_%d", c.Index)), true
			} else {
				items = append(items, "0")
			}
		}
		if some {
			ch.addValue("["+strings.Join(items, ", ")+"]", []string{"input.subject.kind == " + quote(k.Code)})
		}
	}
	ch.endWith("[" + strings.Join(zeros, ", ") + "]")
	return validityChecked
}

// validity is the first and last fiscal year clause c is in force in
// (rules.Applicable), the last 0 for no end: its validity starts after the
// year's last day (fy*10000+1231 < from) exactly when fy is before from's
// year, and ends before the year's first day exactly when fy is after to's
// year.
func validity(c *rules.Clause) (from, to int) {
	f, t := c.Validity()
	return f.Year(), t.Year()
}

// writeGroup writes the rule answering items lo…hi-1 of what: their
// answers where cond holds, else "does not apply" for all.
func writeGroup(b *strings.Builder, name, what string, lo, hi int, cond []string) {
	var items, zeros []string
	for i := lo; i < hi; i++ {
		items, zeros = append(items, fmt.Sprintf("%s_%d", what, i)), append(zeros, "0")
	}
	list := "[" + strings.Join(items, ", ") + "]"
	if len(cond) == 0 {
		fmt.Fprintf(b, "%s := %s\n", name, list)
		return
	}
	fmt.Fprintf(b, "%s := %s if {\n\t%s\n} else := [%s]\n", name, list, strings.Join(cond, "\n\t"), strings.Join(zeros, ", "))
}

// writeAnswers writes the array of a kind's answers, group by group.
func writeAnswers(b *strings.Builder, what string, groups []string) {
	fmt.Fprintf(b, "\n# Every %s's answer, a group at a time.\n%s := [%s]\n", what, what, strings.Join(groups, ", "))
}

// chain writes a complete rule as an else chain: the first body that holds
// gives the rule's value, 3 (neither true nor false) if none does.
type chain struct {
	b     *strings.Builder
	head  string
	first bool
}

func (c *chain) add(value int, body []string) { c.addValue(strconv.Itoa(value), body) }

func (c *chain) addValue(value string, body []string) {
	if len(body) == 0 {
		body = []string{"true"}
	}
	if c.first {
		fmt.Fprintf(c.b, "%s := %s if {\n\t%s\n}", c.head, value, strings.Join(body, "\n\t"))
	} else {
		fmt.Fprintf(c.b, " else := %s if {\n\t%s\n}", value, strings.Join(body, "\n\t"))
	}
	c.first = false
}

func (c *chain) end() { c.endWith("3") }

func (c *chain) endWith(value string) {
	if c.first {
		fmt.Fprintf(c.b, "%s := %s\n", c.head, value)
		return
	}
	fmt.Fprintf(c.b, " else := %s\n", value)
}

// clause writes clause c's rule: 0 where it is not in force in the fiscal
// year (unless its group answers for that, as it does for the jurisdiction
// and the beneficiaries), 2 where its condition is true, 1 where it is
// false.
func (g *gen) clause(b *strings.Builder, c *rules.Clause, validityChecked bool) {
	fmt.Fprintf(b, "\n# %s (%s)", c.ID, c.Doc.ID)
	if c.ForEach != "" {
		fmt.Fprintf(b, ", for each of %s in the %s window", c.ForEach, c.Window)
	}
	b.WriteString(comment(c.When.Src))
	ch := &chain{b: b, head: fmt.Sprintf("clause_%d", c.Index), first: true}
	if !validityChecked {
		from, to := validity(c)
		ch.add(0, []string{fmt.Sprintf("input.fy < %d", from)})
		if to != 0 {
			ch.add(0, []string{fmt.Sprintf("input.fy > %d", to)})
		}
	}
	var a *celast.AST
	if c.When.Src != "" {
		a = check(c.ForEach, c.When.Src, c.ID)
	}
	if c.ForEach == "" {
		t, f := alts{{}}, alts(nil)
		if a != nil {
			s := &scope{g: g, a: a, n: new(int)}
			t, f = s.tf(a.Expr())
		}
		for _, alt := range t {
			ch.add(2, alt)
		}
		for _, alt := range f {
			ch.add(1, alt)
		}
		ch.end()
		return
	}
	// Over a list: true if any item in the window is, false if every one
	// is false (or there is none).
	g.reads.list(c.ForEach)
	item := local{cel: "item", rego: "item", list: c.ForEach}
	window := g.window(c)
	each := "some item in " + window
	// Most subjects have no item in the window: false at once.
	ch.add(1, []string{window + " == []"})
	t, f := alts{{}}, alts(nil)
	if a != nil {
		s := &scope{g: g, a: a, locals: []local{item}, n: new(int)}
		t, f = s.tf(a.Expr())
		if len(f) != 1 || len(f[0]) != 1 || strings.Contains(f[0][0], ":=") {
			f = s.wrap(a.Expr(), 'F')
		}
	}
	for _, alt := range t {
		ch.add(2, slices.Concat([]string{each}, alt))
	}
	// A helper: some item in the window is not definitely false.
	nf := fmt.Sprintf("clause_%d_not_false", c.Index)
	ch.add(1, []string{"not " + nf})
	ch.end()
	notF := "true"
	if len(f) == 1 {
		notF = "not " + f[0][0]
	}
	fmt.Fprintf(b, "\n%s if {\n\t%s\n\t%s\n}\n", nf, each, notF)
}

// criterion writes criterion c's rule: 2 where its condition is true, 1
// where it is false (its group answers for where the standard does not
// apply).
func (g *gen) criterion(b *strings.Builder, c rules.Criterion) {
	kind := "requires"
	if c.Route {
		kind = "route"
	}
	fmt.Fprintf(b, "\n# %s (%s)", c.Name(), kind)
	b.WriteString(comment(c.When.Src))
	t, f := alts{{}}, alts(nil)
	if c.When.Src != "" {
		a := check("", c.When.Src, c.Name())
		sc := &scope{g: g, std: true, a: a, n: new(int)}
		t, f = sc.tf(a.Expr())
	}
	ch := &chain{b: b, head: fmt.Sprintf("criterion_%d", c.Index), first: true}
	for _, alt := range t {
		ch.add(2, alt)
	}
	for _, alt := range f {
		ch.add(1, alt)
	}
	ch.end()
}

// standardApplies is the condition under which a standard assesses the
// subject (rules.StandardApplies): this version is in force at the date, it
// covers the subject's region, the subject is a beneficiary.
func standardApplies(from, to policy.Date, region string, kinds []string) []string {
	var body []string
	if from != 0 {
		body = append(body, "input.at >= "+quote(from.String()))
	}
	if to != 0 {
		body = append(body, "input.at <= "+quote(to.String()))
	}
	if region != "" {
		body = append(body, fmt.Sprintf("startswith(input.subject.region, %s)", quote(region)))
	}
	return append(body, "input.subject.kind in "+set(kinds))
}

// window names a rule holding the items of c's list that count in the
// fiscal year (the evaluator's inWindow): dated no later than the
// evaluation date, and in the clause's window. Clauses with the same list,
// window and validity share it, and OPA computes it once per subject.
func (g *gen) window(c *rules.Clause) string {
	date := "date"
	if c.ForEach == "appointments" {
		date = "from"
	}
	fields := g.reads.list(c.ForEach)
	fields[date], fields["year"] = true, true
	from, to := c.Validity()
	d := "x." + date
	body := []string{d + " <= input.at"}
	switch c.Window {
	case "any":
	case "active":
		fields["to"] = true
		body = append(body, d+" <= fy_end", "serving(x)")
		if to != 0 {
			body = append(body, d+" <= "+quote(to.String()))
		}
	case "previous":
		body = append([]string{"x.year == fy_prev"}, body...)
	default:
		body = append([]string{"x.year == input.fy"}, body...)
		body = append(body, d+" >= "+quote(from.String()))
		if to != 0 {
			body = append(body, d+" <= "+quote(to.String()))
		}
	}
	comp := fmt.Sprintf("[x | some x in input.%s; %s]", c.ForEach, strings.Join(body, "; "))
	return g.helper("window|"+comp, "window", func(name string) string {
		return fmt.Sprintf("%s := %s\n", name, comp)
	})
}

// helper returns the name of a helper rule or function defined by def,
// once per key.
func (g *gen) helper(key, prefix string, def func(name string) string) string {
	if name, ok := g.helpers[key]; ok {
		return name
	}
	name := fmt.Sprintf("%s_%d", prefix, len(g.helpers))
	g.helpers[key] = name
	g.defs = append(g.defs, def(name))
	return name
}

func (s *scope) fail(e celast.Expr, format string, args ...any) {
	panic(genError{fmt.Sprintf("%s: %s", s.unparse(e), fmt.Sprintf(format, args...))})
}

func (s *scope) unparse(e celast.Expr) string {
	out, err := parser.Unparse(e, s.a.SourceInfo())
	if err != nil {
		return fmt.Sprintf("expression %d", e.ID())
	}
	return out
}

func (s *scope) kind(e celast.Expr) types.Kind { return s.a.GetType(e.ID()).Kind() }

// free lists the locals of the scope e reads, in scope order.
func (s *scope) free(e celast.Expr) []local {
	used := map[string]bool{}
	var walk func(e celast.Expr, bound map[string]bool)
	walk = func(e celast.Expr, bound map[string]bool) {
		switch e.Kind() {
		case celast.IdentKind:
			if !bound[e.AsIdent()] {
				used[e.AsIdent()] = true
			}
		case celast.SelectKind:
			walk(e.AsSelect().Operand(), bound)
		case celast.CallKind:
			c := e.AsCall()
			if c.IsMemberFunction() {
				walk(c.Target(), bound)
			}
			for _, a := range c.Args() {
				walk(a, bound)
			}
		case celast.ListKind:
			for _, x := range e.AsList().Elements() {
				walk(x, bound)
			}
		case celast.ComprehensionKind:
			c := e.AsComprehension()
			walk(c.IterRange(), bound)
			inner := map[string]bool{c.IterVar(): true, c.AccuVar(): true}
			for k := range bound {
				inner[k] = true
			}
			walk(c.AccuInit(), bound)
			walk(c.LoopCondition(), inner)
			walk(c.LoopStep(), inner)
			walk(c.Result(), inner)
		}
	}
	walk(e, map[string]bool{})
	var out []local
	for i := len(s.locals) - 1; i >= 0; i-- {
		l := s.locals[i]
		if used[l.cel] && !slices.ContainsFunc(out, func(o local) bool { return o.cel == l.cel }) {
			out = append(out, l)
		}
	}
	slices.Reverse(out)
	return out
}

// sub prepares a helper of its own for e: the locals e reads become the
// helper's parameters. It returns the helper's scope, the parameters, the
// call's arguments and the helper's formal parameters ("" for a rule).
func (s *scope) sub(e celast.Expr) (inner *scope, params []local, call, head string) {
	params = s.free(e)
	inner = &scope{g: s.g, std: s.std, a: s.a, n: new(int)}
	var formal, actual []string
	for i, p := range params {
		q := p
		q.rego = fmt.Sprintf("p%d", i)
		inner.locals = append(inner.locals, q)
		formal, actual = append(formal, q.rego), append(actual, p.rego)
	}
	if len(params) > 0 {
		call = "(" + strings.Join(actual, ", ") + ")"
		head = "(" + strings.Join(formal, ", ") + ")"
	}
	return inner, params, call, head
}

func (s *scope) key(kind string, e celast.Expr, params []local) string {
	var ps []string
	for _, p := range params {
		ps = append(ps, p.cel+":"+p.list)
	}
	return fmt.Sprintf("%s|%v|%s|%s", kind, s.std, strings.Join(ps, ","), s.unparse(e))
}

// negation returns a single expression that holds where T(e) (pol 'T') or
// F(e) (pol 'F') holds, suitable for `not`: a helper's call.
func (s *scope) negation(e celast.Expr, pol byte) string {
	inner, params, call, head := s.sub(e)
	name := s.g.helper(s.key("bool"+string(pol), e, params), prefixOf(pol, s.std), func(name string) string {
		t, f := inner.tf(e)
		a := t
		if pol == 'F' {
			a = f
		}
		if len(a) == 0 {
			return fmt.Sprintf("%s%s if false\n", name, head)
		}
		var b strings.Builder
		for _, alt := range a {
			if len(alt) == 0 {
				alt = []string{"true"}
			}
			fmt.Fprintf(&b, "%s%s if {\n\t%s\n}\n", name, head, strings.Join(alt, "\n\t"))
		}
		return b.String()
	})
	return name + call
}

func prefixOf(pol byte, std bool) string {
	p := "is_true"
	if pol == 'F' {
		p = "is_false"
	}
	if std {
		p = "std_" + p
	}
	return p
}

// wrap replaces the alternatives of e's polarity pol by one call.
func (s *scope) wrap(e celast.Expr, pol byte) alts {
	return alts{{s.negation(e, pol)}}
}

// and is the conjunction of two disjunctions; when the product grows too
// large, one side becomes a helper.
// a and b are the alternatives of ea and eb, of polarity pa and pb.
func (s *scope) and(a alts, ea celast.Expr, pa byte, b alts, eb celast.Expr, pb byte) alts {
	if len(a)*len(b) > maxAlts {
		if len(a) >= len(b) {
			a = s.wrap(ea, pa)
		} else {
			b = s.wrap(eb, pb)
		}
		if len(a)*len(b) > maxAlts {
			a, b = s.wrap(ea, pa), s.wrap(eb, pb)
		}
	}
	var out alts
	for _, x := range a {
		for _, y := range b {
			out = append(out, slices.Concat(x, y))
		}
	}
	return out
}

// tf translates a boolean expression into T(e) and F(e).
func (s *scope) tf(e celast.Expr) (t, f alts) {
	switch e.Kind() {
	case celast.LiteralKind:
		if b, ok := e.AsLiteral().(types.Bool); ok {
			if b {
				return alts{{}}, nil
			}
			return nil, alts{{}}
		}
	case celast.SelectKind:
		st, term := s.val(e)
		return alts{slices.Concat(st, []string{term + " == true"})}, alts{slices.Concat(st, []string{term + " == false"})}
	case celast.ComprehensionKind:
		return s.comprehension(e)
	case celast.CallKind:
		return s.boolCall(e)
	}
	s.fail(e, "not a condition kechuang lowers")
	return nil, nil
}

func (s *scope) args(e celast.Expr) []celast.Expr {
	c := e.AsCall()
	if c.IsMemberFunction() {
		return append([]celast.Expr{c.Target()}, c.Args()...)
	}
	return c.Args()
}

var negOp = map[string]string{"_==_": "!=", "_!=_": "==", "_<_": ">=", "_<=_": ">", "_>_": "<=", "_>=_": "<"}
var regoOp = map[string]string{"_==_": "==", "_!=_": "!=", "_<_": "<", "_<=_": "<=", "_>_": ">", "_>=_": ">="}

func (s *scope) boolCall(e celast.Expr) (t, f alts) {
	fn := e.AsCall().FunctionName()
	args := s.args(e)
	switch fn {
	case "_&&_":
		ta, fa := s.tf(args[0])
		tb, fb := s.tf(args[1])
		return s.and(ta, args[0], 'T', tb, args[1], 'T'), slices.Concat(fa, fb)
	case "_||_":
		ta, fa := s.tf(args[0])
		tb, fb := s.tf(args[1])
		return slices.Concat(ta, tb), s.and(fa, args[0], 'F', fb, args[1], 'F')
	case "!_":
		ta, fa := s.tf(args[0])
		return fa, ta
	case "_?_:_":
		tc, fc := s.tf(args[0])
		ta, fa := s.tf(args[1])
		tb, fb := s.tf(args[2])
		c, a, b := args[0], args[1], args[2]
		return slices.Concat(s.and(tc, c, 'T', ta, a, 'T'), s.and(fc, c, 'F', tb, b, 'T')),
			slices.Concat(s.and(tc, c, 'T', fa, a, 'F'), s.and(fc, c, 'F', fb, b, 'F'))
	case "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_":
		if s.kind(args[0]) == types.BoolKind {
			if fn != "_==_" && fn != "_!=_" {
				s.fail(e, "booleans compare with == and != only")
			}
			ta, fa := s.tf(args[0])
			tb, fb := s.tf(args[1])
			a, b := args[0], args[1]
			eq := slices.Concat(s.and(ta, a, 'T', tb, b, 'T'), s.and(fa, a, 'F', fb, b, 'F'))
			ne := slices.Concat(s.and(ta, a, 'T', fb, b, 'F'), s.and(fa, a, 'F', tb, b, 'T'))
			if fn == "_==_" {
				return eq, ne
			}
			return ne, eq
		}
		if s.kind(args[0]) != s.kind(args[1]) {
			s.fail(e, "compares %v with %v", s.kind(args[0]), s.kind(args[1]))
		}
		sa, a := s.val(args[0])
		sb, b := s.val(args[1])
		st := slices.Concat(sa, sb)
		return alts{slices.Concat(st, []string{a + " " + regoOp[fn] + " " + b})},
			alts{slices.Concat(st, []string{a + " " + negOp[fn] + " " + b})}
	case "@in":
		sa, a := s.val(args[0])
		if args[1].Kind() != celast.ListKind {
			s.fail(e, "`in` needs a list of constants")
		}
		var elems []string
		for _, x := range args[1].AsList().Elements() {
			st, v := s.val(x)
			if len(st) > 0 || x.Kind() != celast.LiteralKind {
				s.fail(x, "list elements must be constants")
			}
			elems = append(elems, v)
		}
		// `not x in S` holds where x is undefined (unknown): bind it first.
		v, bind := a, []string(nil)
		if !isVar(a) {
			v = s.fresh("t")
			bind = []string{v + " := " + a}
		}
		lit := "{" + strings.Join(elems, ", ") + "}"
		return alts{slices.Concat(sa, []string{a + " in " + lit})}, alts{slices.Concat(sa, bind, []string{"not " + v + " in " + lit})}
	case "startsWith", "endsWith", "contains":
		sa, a := s.val(args[0])
		sb, b := s.val(args[1])
		call := map[string]string{"startsWith": "startswith", "endsWith": "endswith", "contains": "contains"}[fn] + "(" + a + ", " + b + ")"
		st := slices.Concat(sa, sb)
		return alts{slices.Concat(st, []string{call})}, alts{slices.Concat(st, []string{call + " == false"})}
	}
	s.fail(e, "%s is not translated", strings.Trim(fn, "_@"))
	return nil, nil
}

// isVar reports whether a term is a plain variable of the body (always
// defined once bound), as `not x in S` needs.
func isVar(term string) bool {
	if term == "" || strings.ContainsAny(term, ".([\"{ ") {
		return false
	}
	_, err := strconv.ParseFloat(term, 64)
	return err != nil
}

// comprehension translates exists() and all() over a facts list.
func (s *scope) comprehension(e celast.Expr) (t, f alts) {
	c := e.AsComprehension()
	if c.HasIterVar2() {
		s.fail(e, "two-variable comprehensions are not translated")
	}
	list := s.factsList(c.IterRange())
	init, step := c.AccuInit(), c.LoopStep()
	if init.Kind() != celast.LiteralKind || step.Kind() != celast.CallKind || len(step.AsCall().Args()) != 2 {
		s.fail(e, "only exists() and all() are translated")
	}
	exists := init.AsLiteral() == types.False
	pred := step.AsCall().Args()[1]
	v := local{cel: c.IterVar(), rego: s.fresh(c.IterVar() + "_"), list: list}
	s.locals = append(s.locals, v)
	defer func() { s.locals = s.locals[:len(s.locals)-1] }()
	tp, fp := s.tf(pred)
	some := "some " + v.rego + " in input." + list
	each := func(a alts, pol byte) alts {
		body := "false"
		switch {
		case len(a) == 1 && len(a[0]) == 0:
			body = "true"
		case len(a) == 1:
			body = strings.Join(a[0], "; ")
		case len(a) > 1:
			body = s.negation(pred, pol)
		}
		return alts{{"every " + v.rego + " in input." + list + " { " + body + " }"}}
	}
	prefixed := func(a alts) alts {
		var out alts
		for _, alt := range a {
			out = append(out, slices.Concat([]string{some}, alt))
		}
		return out
	}
	if exists {
		return prefixed(tp), each(fp, 'F')
	}
	return each(tp, 'T'), prefixed(fp)
}

func (s *scope) factsList(e celast.Expr) string {
	if e.Kind() != celast.IdentKind {
		s.fail(e, "comprehensions range over facts lists only")
	}
	name := e.AsIdent()
	switch name {
	case "recognitions", "awards", "ip", "contests", "agreements", "projects", "appointments", "pools", "incidents":
		s.g.reads.list(name)
		return name
	}
	s.fail(e, "%s is not a facts list", name)
	return ""
}

// val translates a value expression into the statements that bind it and a
// term for it (a reference, a variable, a constant or a helper's call). The
// term is undefined where the value is unknown or an error.
func (s *scope) val(e celast.Expr) (stmts []string, term string) {
	switch e.Kind() {
	case celast.LiteralKind:
		switch v := e.AsLiteral().(type) {
		case types.Int:
			return nil, strconv.FormatInt(int64(v), 10)
		case types.Double:
			return nil, double(s, e, float64(v))
		case types.String:
			return nil, quote(string(v))
		}
	case celast.IdentKind:
		name := e.AsIdent()
		switch name {
		case "fy":
			if s.std {
				return nil, "input.std.fy"
			}
			return nil, "input.fy"
		case "at":
			return nil, "input.at"
		case "at_year":
			return nil, "input.at_year"
		}
	case celast.SelectKind:
		return nil, s.field(e)
	case celast.CallKind:
		return s.valCall(e)
	case celast.ComprehensionKind:
		s.fail(e, "a list is not a value here")
	}
	s.fail(e, "not translated")
	return nil, ""
}

func double(s *scope, e celast.Expr, d float64) string {
	if math.IsNaN(d) || math.IsInf(d, 0) {
		s.fail(e, "%v has no Rego number", d)
	}
	return strconv.FormatFloat(d, 'g', -1, 64)
}

var keywords = map[string]bool{"as": true, "default": true, "else": true, "false": true, "import": true, "package": true, "not": true,
	"null": true, "true": true, "with": true, "some": true, "in": true, "every": true, "contains": true, "if": true}

func (s *scope) field(e celast.Expr) string {
	sel := e.AsSelect()
	if sel.IsTestOnly() {
		s.fail(e, "has() is not translated")
	}
	op := sel.Operand()
	if op.Kind() != celast.IdentKind {
		s.fail(e, "one level of field selection only")
	}
	name, fld := op.AsIdent(), sel.FieldName()
	var root string
	switch name {
	case "subject":
		root = "input.subject"
		s.g.reads.Subject[fld] = true
	case "cur", "last", "last2":
		root = "input." + name
		if s.std {
			root = "input.std." + name
		}
		s.g.reads.Annual[fld] = true
	default:
		if s.std && fld == "funds_fy" {
			// The input holds it for the clauses' fiscal year (facts.Prepare).
			s.fail(e, "funds_fy in a standard's criterion is not translated")
		}
		i := len(s.locals) - 1
		for i >= 0 && s.locals[i].cel != name {
			i--
		}
		if i < 0 {
			s.fail(e, "unknown variable %s", name)
		}
		l := s.locals[i]
		root = l.rego
		s.g.reads.list(l.list)[fld] = true
	}
	if keywords[fld] {
		return root + "[" + quote(fld) + "]"
	}
	return root + "." + fld
}

// rangeCheck: CEL's ints are int64, and overflow is an error.
func rangeCheck(v string) []string {
	return []string{v + " <= 9223372036854775807", v + " >= -9223372036854775808"}
}

func (s *scope) valCall(e celast.Expr) ([]string, string) {
	fn := e.AsCall().FunctionName()
	args := s.args(e)
	switch fn {
	case "_?_:_":
		return s.valueHelper(e)
	case "-_":
		if s.kind(args[0]) != types.IntKind {
			s.fail(e, "only int negation is translated")
		}
		st, a := s.val(args[0])
		if k, err := strconv.ParseInt(a, 10, 64); err == nil && k != math.MinInt64 {
			return st, strconv.FormatInt(-k, 10)
		}
		v := s.fresh("t")
		return slices.Concat(st, []string{v + " := 0 - " + a}, rangeCheck(v)), v
	case "_+_", "_-_", "_*_", "_/_", "_%_":
		if s.kind(args[0]) != types.IntKind || s.kind(args[1]) != types.IntKind {
			s.fail(e, "double arithmetic is not translated: Rego's numbers are decimal, not IEEE-754")
		}
		sa, a := s.val(args[0])
		sb, b := s.val(args[1])
		st := slices.Concat(sa, sb)
		v := s.fresh("t")
		switch fn {
		case "_/_": // truncated toward zero, as Go and CEL; a zero divisor is an error
			st = append(st, fmt.Sprintf("%s := (%s - (%s %% %s)) / %s", v, a, a, b, b))
		case "_%_":
			st = append(st, fmt.Sprintf("[%s, %s] != [-9223372036854775808, -1]", a, b), fmt.Sprintf("%s := %s %% %s", v, a, b))
		default:
			st = append(st, fmt.Sprintf("%s := %s %s %s", v, a, strings.Trim(fn, "_"), b))
		}
		return slices.Concat(st, rangeCheck(v)), v
	case "days":
		sa, a := s.val(args[0])
		sb, b := s.val(args[1])
		v := s.fresh("t")
		return slices.Concat(sa, sb, []string{fmt.Sprintf(`%s := (time.parse_ns("2006-01-02", %s) - time.parse_ns("2006-01-02", %s)) / 86400000000000`, v, b, a)}), v
	case "growth":
		sa, a := s.val(args[0])
		sb, b := s.val(args[1])
		sc, c := s.val(args[2])
		v := s.fresh("t")
		return slices.Concat(sa, sb, sc, []string{fmt.Sprintf("%s := %s(%s, %s, %s)", v, Growth, a, b, c)}), v
	case "size":
		x := args[0]
		if x.Kind() == celast.ComprehensionKind {
			return s.count(e, x)
		}
		if x.Kind() == celast.IdentKind {
			return nil, "count(input." + s.factsList(x) + ")"
		}
		if s.kind(x) == types.StringKind {
			st, a := s.val(x)
			return st, "count(" + a + ")"
		}
	case "int":
		switch s.kind(args[0]) {
		case types.IntKind:
			return s.val(args[0])
		case types.DoubleKind:
			st, a := s.val(args[0])
			s.g.trunc = true
			v := s.fresh("t")
			return slices.Concat(st, []string{a + " > -9223372036854775808", a + " < 9223372036854775808", v + " := trunc(" + a + ")"}), v
		}
	case "double":
		switch s.kind(args[0]) {
		case types.DoubleKind:
			return s.val(args[0])
		case types.IntKind:
			// Exact for the |x| ≤ 2^53 money and counts are; beyond, CEL
			// rounds to a float64 and Rego does not.
			return s.val(args[0])
		}
	case "wan", "yi", "yuan":
		k := map[string]int64{"wan": 1_000_000, "yi": 10_000_000_000, "yuan": 100}[fn]
		st, a := s.val(args[0])
		if n, err := strconv.ParseInt(a, 10, 64); err == nil {
			r := n * k
			if n != 0 && r/n != k {
				s.fail(e, "overflows")
			}
			return st, strconv.FormatInt(r, 10)
		}
		v := s.fresh("t")
		return slices.Concat(st, []string{fmt.Sprintf("%s := %s * %d", v, a, k)}, rangeCheck(v)), v
	case "pct":
		st, a := s.val(args[0])
		if len(st) == 0 {
			if n, err := strconv.ParseInt(a, 10, 64); err == nil {
				return nil, double(s, e, float64(n)/100)
			}
			if d, err := strconv.ParseFloat(a, 64); err == nil && args[0].Kind() == celast.LiteralKind {
				return nil, double(s, e, d/100)
			}
		}
		s.fail(e, "pct() of a fact is not translated: float64 division has no exact Rego counterpart")
	}
	s.fail(e, "%s is not translated", strings.Trim(fn, "_@"))
	return nil, ""
}

// valueHelper makes a ternary a helper rule (or a function of the locals it
// reads), one body per branch: OPA computes a rule once per subject, and
// the same ternaries recur across the criteria.
func (s *scope) valueHelper(e celast.Expr) ([]string, string) {
	inner, params, call, head := s.sub(e)
	name := s.g.helper(s.key("value", e, params), map[bool]string{false: "value", true: "std_value"}[s.std], func(name string) string {
		var bodies []string
		args := inner.args(e)
		tc, fc := inner.tf(args[0])
		sa, a := inner.val(args[1])
		sb, b := inner.val(args[2])
		for _, alt := range tc {
			bodies = append(bodies, strings.Join(slices.Concat(alt, sa, []string{"x := " + a}), "\n\t"))
		}
		for _, alt := range fc {
			bodies = append(bodies, strings.Join(slices.Concat(alt, sb, []string{"x := " + b}), "\n\t"))
		}
		var out strings.Builder
		for _, body := range bodies {
			fmt.Fprintf(&out, "%s%s := x if {\n\t%s\n}\n", name, head, body)
		}
		return out.String()
	})
	return nil, name + call
}

// count translates size(list.filter(v, p)): how many items p holds for;
// undefined if p is unknown or an error for any.
func (s *scope) count(e, x celast.Expr) ([]string, string) {
	c := x.AsComprehension()
	step := c.LoopStep()
	if c.HasIterVar2() || c.AccuInit().Kind() != celast.ListKind || step.Kind() != celast.CallKind || step.AsCall().FunctionName() != "_?_:_" {
		s.fail(x, "only size(list.filter(x, p)) is translated")
	}
	inner, params, call, head := s.sub(e)
	name := s.g.helper(s.key("count", e, params), map[bool]string{false: "count", true: "std_count"}[s.std], func(name string) string {
		list := inner.factsList(c.IterRange())
		v := local{cel: c.IterVar(), rego: inner.fresh(c.IterVar() + "_"), list: list}
		inner.locals = append(inner.locals, v)
		pred := step.AsCall().Args()[0]
		tp, fp := inner.tf(pred)
		member := func(a alts, pol byte) string {
			body := "false"
			switch {
			case len(a) == 1 && len(a[0]) == 0:
				body = "true"
			case len(a) == 1:
				body = strings.Join(a[0], "; ")
			case len(a) > 1:
				body = inner.negation(pred, pol)
			}
			return fmt.Sprintf("count({k | some k, %s in input.%s; %s})", v.rego, list, body)
		}
		return fmt.Sprintf("%s%s := n if {\n\tn := %s\n\tn + %s == count(input.%s)\n}\n", name, head, member(tp, 'T'), member(fp, 'F'), list)
	})
	return nil, name + call
}

func quote(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func set(xs []string) string {
	var q []string
	for _, x := range xs {
		q = append(q, quote(x))
	}
	slices.Sort(q)
	return "{" + strings.Join(q, ", ") + "}"
}
