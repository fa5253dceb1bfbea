package rules

import (
	"slices"
	"strings"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// BatchRows is how many subjects the column-at-a-time evaluator takes at
// once: their columns' slices stay in the processor's cache while every
// clause runs over them.
const BatchRows = 1024

// Columnar evaluates every clause's condition over a Table, column at a
// time: for each batch of subjects, the clauses sharing validity, region
// and beneficiary kinds select their subjects once (a selection vector),
// then each clause's vector kernel runs over that selection — over the
// subjects, or for a clause over a list over the items in the clause's
// window, folded back to their subjects. The answers are those of
// Evaluator.Conditions, subject by subject. One Columnar per goroutine;
// the table and engine are shared.
type Columnar struct {
	eng    *Engine
	t      *Table
	x      vx
	groups []applyGroup
	agg    []tri   // per position in the batch: a list clause's answer so far
	tmp    []tri   // one kernel's answers
	pos    []int32 // table row → position in the batch
	rows   []int32
}

// applyGroup is clauses that apply to the same subjects (Applicable): the
// same validity, document region and beneficiary kinds.
type applyGroup struct {
	from, to policy.Date
	region   string
	kinds    []string
	clauses  []*Clause

	// For the table: regions lo ≤ n < hi are under region (six-digit
	// codes; fast false: compare strings), and the kind codes in kindMask.
	lo, hi   int32
	fast     bool
	kindMask [4]uint64
}

// NewColumnar returns a column-at-a-time evaluator of e over t (t must
// have been made for e: NewTable(e, …) or t.For(e)).
func (e *Engine) NewColumnar(t *Table) *Columnar {
	c := &Columnar{eng: e, t: t, agg: make([]tri, BatchRows), tmp: make([]tri, BatchRows), rows: make([]int32, 0, BatchRows)}
	c.x.t, c.x.cur = t, -1
	idx := map[string]int{}
	for _, cl := range e.Clauses {
		key := cl.fromDate.String() + "|" + cl.toDate.String() + "|" + cl.region + "|" + strings.Join(cl.Beneficiary, ",")
		g, ok := idx[key]
		if !ok {
			g = len(c.groups)
			idx[key] = g
			c.groups = append(c.groups, applyGroup{from: cl.fromDate, to: cl.toDate, region: cl.region, kinds: cl.Beneficiary})
		}
		c.groups[g].clauses = append(c.groups[g].clauses, cl)
	}
	for gi := range c.groups {
		g := &c.groups[gi]
		if p := g.region; len(p) <= 6 {
			if n := regionNumber(p + strings.Repeat("0", 6-len(p))); n >= 0 {
				span := int32(1)
				for range 6 - len(p) {
					span *= 10
				}
				g.lo, g.hi, g.fast = n, n+span, true
			}
		}
		for k, name := range t.kinds {
			if slices.Contains(g.kinds, name) {
				g.kindMask[k/64] |= 1 << (k % 64)
			}
		}
	}
	return c
}

// applies is Applicable for table row r.
func (g *applyGroup) applies(t *Table, r int32) bool {
	fy := t.FY[r]
	if g.from > policy.Date(fy*10000+1231) || (g.to != 0 && g.to < policy.Date(fy*10000+101)) {
		return false
	}
	if n := t.regionNum[r]; g.fast && n >= 0 {
		if n < g.lo || n >= g.hi {
			return false
		}
	} else if !strings.HasPrefix(t.region[r], g.region) {
		return false
	}
	if k := t.kindCode[r]; k < 255 {
		return g.kindMask[k/64]&(1<<(k%64)) != 0
	}
	return slices.Contains(g.kinds, t.kind[r])
}

// Conditions computes every clause's condition for subjects lo … hi-1 of
// the table: out[(r-lo)*len(Clauses)+clause.Index] (out must hold that
// many). The answers are Evaluator.Conditions's for each subject at its
// table date and fiscal year, with the compiled closures.
func (c *Columnar) Conditions(lo, hi int, out []Truth) {
	nc := len(c.eng.Clauses)
	rows := c.rows[:0]
	for b := lo; b < hi; b += BatchRows {
		e := min(b+BatchRows, hi)
		rows = rows[:0]
		for r := b; r < e; r++ {
			rows = append(rows, int32(r))
		}
		c.batch(rows, out[(b-lo)*nc:(e-lo)*nc])
	}
	c.rows = rows
}

// ConditionsOf is Conditions for the given subjects (rows of the table, in
// increasing order): out[k*len(Clauses)+clause.Index] for rows[k].
func (c *Columnar) ConditionsOf(rows []int32, out []Truth) {
	nc := len(c.eng.Clauses)
	for b := 0; b < len(rows); b += BatchRows {
		e := min(b+BatchRows, len(rows))
		c.batch(rows[b:e], out[b*nc:e*nc])
	}
}

func (c *Columnar) batch(rows []int32, out []Truth) {
	t, x, nc := c.t, &c.x, len(c.eng.Clauses)
	clear(out)
	if c.pos == nil {
		c.pos = make([]int32, t.Len())
	}
	for k, r := range rows {
		c.pos[r] = int32(k)
	}
	m := x.ar.mark()
	sel := x.ar.sel(len(rows))
	for gi := range c.groups {
		g := &c.groups[gi]
		n := 0
		for _, r := range rows {
			if !g.applies(t, r) {
				continue
			}
			sel[n] = r
			n++
		}
		if n == 0 {
			continue
		}
		for _, cl := range g.clauses {
			if cl.list == nil {
				c.subjects(cl, sel[:n], out, nc)
			} else {
				c.items(cl, sel[:n], out, nc)
			}
		}
	}
	x.ar.release(m)
}

// subjects evaluates a clause without a list over the selected subjects.
func (c *Columnar) subjects(cl *Clause, sel []int32, out []Truth, nc int) {
	if !cl.hasWhen {
		for _, r := range sel {
			out[int(c.pos[r])*nc+cl.Index] = TruthTrue
		}
		return
	}
	x := &c.x
	x.it, x.cur = nil, -1
	v := c.tmp[:len(sel)]
	cl.vec.b(x, sel, v)
	for k, r := range sel {
		out[int(c.pos[r])*nc+cl.Index] = truthOf(v[k])
	}
}

// items evaluates a clause over a list: every item of the selected
// subjects in the clause's window, then per subject true if any item is,
// else unknown if any is, else error if any is, else false.
func (c *Columnar) items(cl *Clause, sel []int32, out []Truth, nc int) {
	t, x := c.t, &c.x
	it := t.items[cl.list]
	agg := c.agg
	for _, r := range sel {
		agg[c.pos[r]] = triF
	}
	x.it, x.cur = it, -1
	m := x.ar.mark()
	rows := x.ar.sel(BatchRows)
	n := 0
	for _, r := range sel {
		for row := it.start[r]; row < it.start[r+1]; row++ {
			if !cl.inWindowRow(t, it, row, r) {
				continue
			}
			rows[n] = row
			n++
			if n == len(rows) {
				c.fold(cl, it, rows)
				n = 0
			}
		}
	}
	c.fold(cl, it, rows[:n])
	x.ar.release(m)
	for _, r := range sel {
		out[int(c.pos[r])*nc+cl.Index] = truthOf(agg[c.pos[r]])
	}
}

// fold evaluates cl over item rows and folds the answers into their
// subjects' (agg).
func (c *Columnar) fold(cl *Clause, it *itemTable, rows []int32) {
	if len(rows) == 0 {
		return
	}
	v := c.tmp[:len(rows)]
	if cl.hasWhen {
		cl.vec.b(&c.x, rows, v)
	} else {
		for k := range v {
			v[k] = triT
		}
	}
	for k, row := range rows {
		a := &c.agg[c.pos[it.owner[row]]]
		switch w := v[k]; {
		case w == triT:
			*a = triT
		case w == triU && *a != triT:
			*a = triU
		case w == triE && *a == triF:
			*a = triE
		}
	}
}

// Criteria computes every national standard's criteria alone for subjects
// lo … hi-1, as Evaluator.StandardConditions does with the compiled
// closures: out[(r-lo)*CriteriaCount()+i], indexed like Engine.Criteria.
// The table must be a NewCriteriaTable holding each subject at the date the
// standards are read at and in the fiscal year StandardFY of that date.
func (c *Columnar) Criteria(lo, hi int, out []Truth) {
	t, x := c.t, &c.x
	if !t.criteria {
		panic("rules: Columnar.Criteria over a table without the criteria's columns (use NewCriteriaTable)")
	}
	nk := c.eng.CriteriaCount()
	x.it, x.cur = nil, -1
	for b := lo; b < hi; b += BatchRows {
		e := min(b+BatchRows, hi)
		m := x.ar.mark()
		sel := x.ar.sel(e - b)
		i := 0
		for _, std := range c.eng.Standards {
			n := 0
			for r := b; r < e; r++ {
				if StandardApplies(std, t.Subjects[r], t.At[r]) {
					sel[n] = int32(r)
					n++
				} else {
					for j := range len(std.requires) + len(std.routes) {
						out[(r-lo)*nk+i+j] = TruthNotApplicable
					}
				}
			}
			for _, cs := range [2][]*criterion{std.requires, std.routes} {
				for _, cr := range cs {
					if n > 0 {
						v := c.tmp[:n]
						if cr.hasWhen {
							cr.vec.b(x, sel[:n], v)
						} else {
							for k := range v {
								v[k] = triT
							}
						}
						for k, r := range sel[:n] {
							out[(int(r)-lo)*nk+i] = truthOf(v[k])
						}
					}
					i++
				}
			}
		}
		x.ar.release(m)
	}
}

// inWindowRow is Evaluator.inWindow for item row of subject s of the table.
func (c *Clause) inWindowRow(t *Table, it *itemTable, row, s int32) bool {
	if dn := it.dnum[row]; dn >= 0 && t.At[s] != 0 && c.fromNum >= 0 && c.toNum >= 0 && c.Window != "active" {
		// windowHolds's comparisons, on the dates as numbers (dateNumber).
		if dn > int32(t.At[s]) {
			return false
		}
		switch c.Window {
		case "any":
			return true
		case "previous":
			return it.year[row] == t.FY[s]-1
		}
		return it.year[row] == t.FY[s] && dn >= c.fromNum && (c.toNum == 0 || dn <= c.toNum)
	}
	to := ""
	if c.Window == "active" {
		to = it.to[row]
	}
	return c.windowHolds(it.date[row], to, it.year[row], t.atStr[s], t.FY[s], t.fyStart[s], t.fyEnd[s])
}

// DecideFrom is Decide for a subject whose conditions are already known
// (truths, indexed like Engine.Clauses, as Conditions or Columnar give
// them): a clause that does not apply or whose condition is false is
// decided from that alone, the others — true, unknown or in error — in
// full (amount, gates), then exclusions are resolved as Decide does. It
// returns the same decisions as Decide.
func (ev *Evaluator) DecideFrom(f *facts.Facts, at policy.Date, fy int64, truths []Truth) []Decision {
	ev.setup(f, fy)
	if at != ev.at {
		ev.at = at
		ev.atStr = at.String()
	}
	ev.st.At, ev.st.AtDate = ev.atStr, at
	ev.events = ev.events[:0]
	for _, c := range ev.eng.Clauses {
		switch truths[c.Index] {
		case TruthNotApplicable:
			ev.decisions[c.Index] = Decision{Gate: -1, ExcludedBy: -1}
		case TruthFalse:
			ev.decisions[c.Index] = Decision{Outcome: NotEntitled, Gate: -1, ExcludedBy: -1}
		default: // the condition again per item for a list (each item's amount), else as given
			ev.decisions[c.Index] = ev.decideKnown(c, f, triOfTruth[truths[c.Index]], true)
		}
	}
	ev.resolveExclusions()
	return ev.decisions
}

// triOfTruth is truthOf the other way, for the truths DecideFrom decides
// in full.
var triOfTruth = [...]tri{TruthTrue: triT, TruthUnknown: triU, TruthError: triE}

// Candidate reports whether truths leave anything for DecideFrom to decide
// in full: a subject with no candidate is entitled to nothing.
func Candidate(truths []Truth) bool {
	for _, t := range truths {
		if t >= TruthTrue {
			return true
		}
	}
	return false
}

// VectorFallbacks lists, per clause id, the parts of its condition the
// vector lowering leaves to the compiled closures (evaluated row by row
// over the selection); clauses fully in columns are absent.
func (e *Engine) VectorFallbacks() map[string][]string {
	out := map[string][]string{}
	for _, c := range e.Clauses {
		if c.vec != nil && len(c.vec.fallbacks) > 0 {
			out[c.ID] = c.vec.fallbacks
		}
	}
	return out
}
