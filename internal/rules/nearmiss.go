package rules

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"unsafe"

	"kechuang/internal/facts"
	"kechuang/internal/money"
)

func unsafePtr(li *listInfo, s *State, i int) unsafe.Pointer {
	return unsafe.Add(li.hdr(s).data, uintptr(i)*li.size)
}

// nearMisses finds, for a clause that does not pay, each single numeric fact
// whose smallest change would make it pay, and checks the change by
// re-evaluating the clause on the changed facts.
func (ev *Evaluator) nearMisses(c *Clause) []NearMiss {
	var out []NearMiss
	for _, cj := range c.conjuncts {
		cmp := cj.cmp
		if cmp == nil || cmp.ref.acc.base == bElem || cj.v.b(&ev.st) != triF {
			continue
		}
		if nm, ok := ev.tryChange(cmp, false, func(tmp *Evaluator, g *facts.Facts) bool {
			return tmp.Decide(g, ev.at, ev.st.FY)[c.Index].Outcome == Entitled
		}); ok {
			out = append(out, nm)
		}
	}
	return out
}

// gateNearMisses finds the smallest change that lifts a gate.
func (ev *Evaluator) gateNearMisses(g *Gate) []NearMiss {
	var out []NearMiss
	for _, cj := range splitConjuncts(g.Blocks, "") {
		cmp := cj.cmp
		if cmp == nil || cmp.ref.acc.base == bElem || cj.v.b(&ev.st) != triT {
			continue
		}
		if nm, ok := ev.tryChange(cmp, true, func(tmp *Evaluator, f *facts.Facts) bool {
			tmp.setup(f, ev.st.FY)
			return tmp.gate(g) == triF
		}); ok {
			out = append(out, nm)
		}
	}
	return out
}

// tryChange computes the value that flips cmp (to true, or to false when
// negate is set), applies it to a copy of the facts and keeps it if works
// says the change has the wanted effect.
func (ev *Evaluator) tryChange(cmp *comparison, negate bool, works func(*Evaluator, *facts.Facts) bool) (NearMiss, bool) {
	s := &ev.st
	if !cmp.ref.Known(s) {
		return NearMiss{}, false
	}
	op := cmp.op
	if negate {
		op = map[string]string{"_<_": "_>=_", "_<=_": "_>_", "_>_": "_<=_", "_>=_": "_<_"}[op]
		if op == "" {
			return NearMiss{}, false
		}
	}
	g := *s.F
	g.Annual = slices.Clone(s.F.Annual)
	var target reflect.Value
	var annual *facts.Annual
	switch cmp.ref.acc.base {
	case bSubject:
		target = reflect.ValueOf(&g.Subject).Elem()
	case bCur, bLast:
		y := s.FY
		if cmp.ref.acc.base == bLast {
			y--
		}
		annual = g.AnnualOf(y)
		if annual == nil {
			return NearMiss{}, false
		}
		target = reflect.ValueOf(annual).Elem()
	default:
		return NearMiss{}, false
	}
	field := target.FieldByIndex(cmp.ref.acc.field.Index)
	name := fieldName(cmp.ref)
	t := refType(cmp.ref)
	nm := NearMiss{Fact: cmp.ref.Path}
	switch {
	case cmp.isInt && field.Kind() == reflect.Int64:
		cur := field.Int()
		need := map[string]int64{"_>=_": cmp.k, "_>_": cmp.k + 1, "_<=_": cmp.k, "_<_": cmp.k - 1, "_==_": cmp.k}[op]
		if need < 0 {
			return NearMiss{}, false
		}
		field.SetInt(need)
		nm.Current, nm.Needed = facts.Format(t, name, cur), facts.Format(t, name, need)
		diff := need - cur
		if diff < 0 {
			diff = -diff
		}
		nm.Gap = facts.Format(t, name, diff)
		nm.Text = fmt.Sprintf("%s %s → 需%s %s，差%s", facts.Label(cmp.ref.Path), nm.Current, opZh(op), facts.Format(t, name, cmp.k), nm.Gap)
	case name == "rd_intensity" && annual != nil:
		rd, ok := rdFor(annual.Revenue, cmp.kd, op)
		if !ok {
			return NearMiss{}, false
		}
		cur := annual.RDExpense
		annual.RDExpense = rd
		annual.RDIntensity = float64(rd) / float64(annual.Revenue)
		nm.Current = fmt.Sprintf("%.2f%%", s.F.AnnualOf(annual.Year).RDIntensity*100)
		nm.Needed = fmt.Sprintf("%s%.2f%%", opZh(op), cmp.kd*100)
		diff := rd - cur
		verb := "再投入研发费用"
		if diff < 0 {
			verb, diff = "研发费用需减少", -diff
		}
		nm.Gap = money.Fen(diff).String()
		nm.Text = fmt.Sprintf("%s %s → 需%s：%s%s（营业收入%s，研发费用由%s增至%s）", facts.Label(cmp.ref.Path), nm.Current, nm.Needed, verb, nm.Gap,
			money.Fen(annual.Revenue), money.Fen(cur), money.Fen(rd))
	default:
		return NearMiss{}, false
	}
	tmp := ev.eng.NewEvaluator()
	if !works(tmp, &g) {
		return NearMiss{}, false
	}
	return nm, true
}

func opZh(op string) string {
	return map[string]string{"_>=_": "≥", "_>_": ">", "_<=_": "≤", "_<_": "<", "_==_": "="}[op]
}

// rdFor returns the R&D expense (fen) closest to the current one that makes
// rd/revenue satisfy op against k, checked with the same float comparison the
// evaluator uses.
func rdFor(revenue int64, k float64, op string) (int64, bool) {
	if revenue <= 0 || math.IsNaN(k) {
		return 0, false
	}
	exact := new(big.Float).SetPrec(200).Mul(new(big.Float).SetFloat64(k), new(big.Float).SetInt64(revenue))
	base, _ := exact.Int64()
	holds := func(rd int64) bool {
		x := float64(rd) / float64(revenue)
		switch op {
		case "_>=_":
			return x >= k
		case "_>_":
			return x > k
		case "_<=_":
			return x <= k
		case "_<_":
			return x < k
		}
		return false
	}
	switch op {
	case "_>=_", "_>_":
		for rd := max(base-2, 0); rd < base+4; rd++ {
			if holds(rd) {
				return rd, true
			}
		}
	case "_<=_", "_<_":
		for rd := base + 2; rd > base-4 && rd >= 0; rd-- {
			if holds(rd) {
				return rd, true
			}
		}
	}
	return 0, false
}
