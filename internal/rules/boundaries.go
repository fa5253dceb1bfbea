package rules

import (
	"fmt"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

// boundary is a value a clause's outcome changes at: the tests must show the
// fact exactly there and on the other side of it.
type boundary struct {
	ref      Ref
	at, near int64 // int facts: the bound and the adjacent value across it
	atD      float64
	isInt    bool
	what     string
}

// boundaries lists the bounds of a clause: `fact op constant` conjuncts and
// the bounds of bracket tables read from a single fact.
func (c *Clause) boundaries() []boundary {
	out := conjunctBounds(c.conjuncts)
	a := c.amount
	if a != nil && a.src.Kind == "brackets" && len(a.refs) == 1 && a.src.Of.Src == a.refs[0].Path {
		// Each bound value once, at the effective boundary after ties: the
		// value itself and its neighbour in the other tier.
		seen := map[money.Fen]bool{}
		for _, t := range a.src.Tiers {
			for _, bp := range []*money.Fen{t.From, t.To} {
				if bp == nil || seen[*bp] {
					continue
				}
				x := *bp
				seen[x] = true
				here := bracketOf(a.src, x)
				near := x - 1
				if bracketOf(a.src, x-1) == here {
					near = x + 1
					if bracketOf(a.src, x+1) == here {
						continue // not a boundary after all
					}
				}
				out = append(out, boundary{ref: a.refs[0], isInt: true, at: int64(x), near: int64(near), what: "档次边界 " + x.String()})
			}
		}
	}
	return out
}

// conjunctBounds lists the `fact op constant` bounds among conjuncts.
func conjunctBounds(cjs []conjunct) []boundary {
	var out []boundary
	for _, cj := range cjs {
		cmps := cj.inner
		if cj.cmp != nil {
			cmps = []*comparison{cj.cmp}
		}
		for _, cmp := range cmps {
			b := boundary{ref: cmp.ref, isInt: cmp.isInt, at: cmp.k, atD: cmp.kd}
			switch cmp.op {
			case "_>=_", "_<_":
				b.near = cmp.k - 1
			case "_>_", "_<=_":
				b.near = cmp.k + 1
			case "_==_":
				if !cmp.isInt {
					continue
				}
				b.near = cmp.k + 1
			}
			b.what = cj.text
			if cmp != cj.cmp {
				b.what = cmp.ref.Path + " " + strings.Trim(cmp.op, "_") + " " + fmt.Sprint(cmp.k)
			}
			out = append(out, b)
		}
	}
	return out
}

// UntestedBoundaries reports, for every clause and standard, each bound that
// its tests do not exercise both at the bound and just across it.
func (e *Engine) UntestedBoundaries() []TestFailure {
	var out []TestFailure
	ev := e.NewEvaluator()
	for _, c := range e.Clauses {
		out = append(out, ev.checkBounds(c.Pos, c.ID, c.boundaries(), c.Tests, func(t *policy.Test) bool {
			f, fy, err := testFacts(t)
			if err != nil {
				return false
			}
			ev.setup(f, fy)
			return true
		})...)
	}
	for _, s := range e.Standards {
		var cjs []conjunct
		for _, c := range append(append([]*criterion{}, s.requires...), s.routes...) {
			cjs = append(cjs, c.conjuncts...)
		}
		for _, g := range s.groups {
			for _, it := range g.items {
				for _, b := range it.bands {
					cjs = append(cjs, b.conjuncts...)
				}
				for _, o := range it.options {
					for _, b := range o.bands {
						cjs = append(cjs, b.conjuncts...)
					}
				}
			}
		}
		out = append(out, ev.checkBounds(s.Pos, s.ID, conjunctBounds(cjs), s.Tests, func(t *policy.Test) bool {
			f, err := facts.DecodeBytes(t.Facts, "")
			if err != nil {
				return false
			}
			ev.setup(f, StandardFY(t.At))
			ev.st.At, ev.st.AtDate = t.At.String(), t.At
			return true
		})...)
	}
	return out
}

// checkBounds runs the tests (setup prepares the evaluator for one) and
// reports each bound not seen both at its value and just across it.
func (ev *Evaluator) checkBounds(pos errs.Pos, id string, bs []boundary, tests []*policy.Test, setup func(*policy.Test) bool) []TestFailure {
	if len(bs) == 0 {
		return nil
	}
	var out []TestFailure
	seenInt := make([]map[int64]bool, len(bs))
	seenAt := make([]bool, len(bs))
	seenOther := make([]bool, len(bs))
	for i := range bs {
		seenInt[i] = map[int64]bool{}
	}
	for _, t := range tests {
		if !setup(t) {
			continue
		}
		for i, b := range bs {
			values := func() {
				switch x := b.ref.Value(&ev.st).(type) {
				case int64:
					seenInt[i][x] = true
				case float64:
					if x == b.atD {
						seenAt[i] = true
					} else {
						seenOther[i] = true
					}
				}
			}
			if b.ref.acc.base == bElem {
				for j := range b.ref.acc.list.Len(&ev.st) {
					ev.st.idx[0] = j
					values()
				}
			} else {
				values()
			}
		}
	}
	seen := map[string]bool{}
	for i, b := range bs {
		t := refType(b.ref)
		name := fieldName(b.ref)
		var msg string
		switch {
		case b.isInt && !(seenInt[i][b.at] && seenInt[i][b.near]):
			msg = fmt.Sprintf("boundary not tested: %s (%s) needs tests with %s = %s and = %s",
				b.what, id, b.ref.Path, facts.Format(t, name, b.at), facts.Format(t, name, b.near))
		case !b.isInt && !(seenAt[i] && seenOther[i]):
			msg = fmt.Sprintf("boundary not tested: %s (%s) needs a test with %s exactly %s and one on the other side",
				b.what, id, b.ref.Path, fmtRatio(name, b.atD))
		}
		if msg != "" && !seen[msg] {
			seen[msg] = true
			out = append(out, TestFailure{Pos: pos, Msg: msg})
		}
	}
	return out
}

func fmtRatio(name string, x float64) string {
	if name == "rd_intensity" {
		return fmt.Sprintf("%.2f%%", x*100)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", x), "0"), ".")
}

// Thresholds reports how many numeric bounds a clause has (a `fact op
// constant` or a bracket bound) and whether all of them are "more than 0",
// for which a near miss says nothing useful.
func (c *Clause) Thresholds() (n int, zeroOnly bool) {
	bs := c.boundaries()
	zeroOnly = true
	for _, b := range bs {
		if !(b.isInt && b.at == 0 && b.near == 1) {
			zeroOnly = false
		}
	}
	return len(bs), zeroOnly
}
