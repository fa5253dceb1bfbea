package rules

import (
	"fmt"
	"strings"

	"kechuang/internal/money"

	"kechuang/internal/facts"
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
	var out []boundary
	for _, cj := range c.conjuncts {
		cmp := cj.cmp
		if cmp == nil {
			continue
		}
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
		out = append(out, b)
	}
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

// UntestedBoundaries reports, for every clause, each bound that its tests do
// not exercise both at the bound and just across it.
func (e *Engine) UntestedBoundaries() []TestFailure {
	var out []TestFailure
	ev := e.NewEvaluator()
	for _, c := range e.Clauses {
		bs := c.boundaries()
		if len(bs) == 0 {
			continue
		}
		seenInt := make([]map[int64]bool, len(bs))
		seenAt := make([]bool, len(bs))
		seenOther := make([]bool, len(bs))
		for i := range bs {
			seenInt[i] = map[int64]bool{}
		}
		for _, t := range c.Tests {
			f, fy, err := testFacts(t)
			if err != nil {
				continue
			}
			ev.setup(f, fy)
			for i, b := range bs {
				values := func() {
					v := b.ref.Value(&ev.st)
					switch x := v.(type) {
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
		for i, b := range bs {
			t := refType(b.ref)
			name := fieldName(b.ref)
			switch {
			case b.isInt && !(seenInt[i][b.at] && seenInt[i][b.near]):
				out = append(out, TestFailure{Pos: c.Pos, Msg: fmt.Sprintf("boundary not tested: %s (%s) needs tests with %s = %s and = %s",
					b.what, c.ID, b.ref.Path, facts.Format(t, name, b.at), facts.Format(t, name, b.near))})
			case !b.isInt && !(seenAt[i] && seenOther[i]):
				out = append(out, TestFailure{Pos: c.Pos, Msg: fmt.Sprintf("boundary not tested: %s (%s) needs a test with %s exactly %s and one on the other side",
					b.what, c.ID, b.ref.Path, fmtRatio(name, b.atD))})
			}
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
