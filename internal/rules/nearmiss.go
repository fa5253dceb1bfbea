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
	"kechuang/internal/policy"
)

func unsafePtr(li *listInfo, s *State, i int) unsafe.Pointer {
	return unsafe.Add(li.hdr(s).data, uintptr(i)*li.size)
}

// nearMisses finds, for a clause that does not pay, each single numeric fact
// whose smallest change would make it pay, and checks the change by
// re-evaluating the clause on the changed facts. For a clause over a list it
// looks at the items of the relevant kind in the window.
func (ev *Evaluator) nearMisses(c *Clause) []NearMiss {
	s := &ev.st
	pays := func(tmp *Evaluator, g *facts.Facts) bool {
		return tmp.Decide(g, ev.at, s.FY)[c.Index].Outcome == Entitled
	}
	var out []NearMiss
	try := func(item int) {
		for _, cj := range c.conjuncts {
			if cmp := cj.cmp; cmp != nil && cj.v.b(s) == triF {
				if nm, ok := ev.tryChange(cmp.ref, item, target(cmp, cmp.op), pays); ok {
					out = append(out, nm)
				}
			}
		}
		if a := c.amount; a.src.Kind == "brackets" && len(a.refs) == 1 && a.ofZh == facts.Label(a.refs[0].Path) {
			if x, st := a.of.i(s); st == triT && bracketOf(a.src, money.Fen(x)) < 0 {
				if b, ok := nextBound(a.src, money.Fen(x)); ok {
					if nm, ok := ev.tryChange(a.refs[0], item, want{isInt: true, k: int64(b), op: "_>=_"}, pays); ok {
						out = append(out, nm)
					}
				}
			}
		}
	}
	if c.list == nil {
		try(-1)
		return out
	}
	for i := range c.list.Len(s) {
		if !ev.inWindow(c, i) {
			continue
		}
		s.idx[0] = i
		if len(c.conjuncts) > 0 && c.conjuncts[0].req != nil && c.conjuncts[0].v.b(s) == triF {
			continue // an item of another kind
		}
		try(i)
		if len(out) >= 3 {
			break
		}
	}
	return out
}

// upgrades finds, for an entitled clause paid by a bracket table, how much
// more of the fact would reach the next, higher tier.
func (ev *Evaluator) upgrades(c *Clause) []NearMiss {
	s := &ev.st
	a := c.amount
	if c.list != nil || a.src.Kind != "brackets" || len(a.refs) != 1 || a.ofZh != facts.Label(a.refs[0].Path) {
		return nil
	}
	x, st := a.of.i(s)
	if st != triT {
		return nil
	}
	cur := bracketOf(a.src, money.Fen(x))
	b, ok := nextBound(a.src, money.Fen(x))
	if !ok || cur < 0 {
		return nil
	}
	nt := bracketOf(a.src, b)
	if nt < 0 || !better(a.src.Tiers[nt].Amount, 0, a.src.Tiers[cur].Amount, 0) {
		return nil
	}
	nm, ok := ev.tryChange(a.refs[0], -1, want{isInt: true, k: int64(b), op: "_>=_"}, func(*Evaluator, *facts.Facts) bool { return true })
	if !ok {
		return nil
	}
	nm.Text += "，可进入更高档（" + a.src.Tiers[nt].Amount.String() + "）"
	return []NearMiss{nm}
}

// nextBound is the smallest value above x at which a tier starts.
func nextBound(p *policy.Amount, x money.Fen) (money.Fen, bool) {
	var best money.Fen
	found := false
	here := bracketOf(p, x)
	for _, t := range p.Tiers {
		for _, bp := range []*money.Fen{t.From, t.To} {
			if bp == nil {
				continue
			}
			for _, v := range []money.Fen{*bp, *bp + 1} {
				if v > x && bracketOf(p, v) >= 0 && bracketOf(p, v) != here && (!found || v < best) {
					best, found = v, true
				}
			}
		}
	}
	return best, found
}

// gateNearMisses finds the smallest change that lifts a gate.
func (ev *Evaluator) gateNearMisses(g *Gate) []NearMiss {
	var out []NearMiss
	for _, cj := range g.conjuncts {
		cmp := cj.cmp
		if cmp == nil || cmp.ref.acc.base == bElem || cj.v.b(&ev.st) != triT {
			continue
		}
		op := map[string]string{"_<_": "_>=_", "_<=_": "_>_", "_>_": "_<=_", "_>=_": "_<_"}[cmp.op]
		if op == "" {
			continue
		}
		if nm, ok := ev.tryChange(cmp.ref, -1, target(cmp, op), func(tmp *Evaluator, f *facts.Facts) bool {
			tmp.setup(f, ev.st.FY)
			return tmp.gate(g) == triF
		}); ok {
			out = append(out, nm)
		}
	}
	return out
}

// want is the value a fact must take: op against k (or kd for doubles).
type want struct {
	op    string
	isInt bool
	k     int64
	kd    float64
}

func target(cmp *comparison, op string) want {
	return want{op: op, isInt: cmp.isInt, k: cmp.k, kd: cmp.kd}
}

// tryChange sets the fact ref (of item, when it is an item field) to the
// nearest value satisfying w in a copy of the facts, and keeps the change if
// works says it has the wanted effect.
func (ev *Evaluator) tryChange(ref Ref, item int, w want, works func(*Evaluator, *facts.Facts) bool) (NearMiss, bool) {
	s := &ev.st
	if !ref.Known(s) {
		return NearMiss{}, false
	}
	g := *s.F
	g.Annual = slices.Clone(s.F.Annual)
	var target reflect.Value
	var annual *facts.Annual
	label := facts.Label(ref.Path)
	switch ref.acc.base {
	case bSubject:
		target = reflect.ValueOf(&g.Subject).Elem()
	case bCur, bLast, bLast2:
		y := s.FY
		switch ref.acc.base {
		case bLast:
			y--
		case bLast2:
			y -= 2
		}
		annual = g.AnnualOf(y)
		if annual == nil {
			return NearMiss{}, false
		}
		target = reflect.ValueOf(annual).Elem()
	default:
		if item < 0 || ref.acc.slot != 0 {
			return NearMiss{}, false
		}
		lf := reflect.ValueOf(&g).Elem().FieldByIndex(listField(ref.acc.list.name))
		cp := reflect.MakeSlice(lf.Type(), lf.Len(), lf.Len())
		reflect.Copy(cp, lf)
		lf.Set(cp)
		target = cp.Index(item)
		label = ev.itemLabel(ref.acc.list, item) + "的" + label
	}
	field := target.FieldByIndex(ref.acc.field.Index)
	name := fieldName(ref)
	t := refType(ref)
	nm := NearMiss{Fact: ref.Path}
	switch {
	case w.isInt && field.Kind() == reflect.Int64:
		cur := field.Int()
		need := map[string]int64{"_>=_": w.k, "_>_": w.k + 1, "_<=_": w.k, "_<_": w.k - 1, "_==_": w.k}[w.op]
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
		nm.Text = fmt.Sprintf("%s %s → 需%s%s，差%s", label, nm.Current, opZh(w.op), facts.Format(t, name, w.k), nm.Gap)
	case name == "rd_intensity" && annual != nil:
		rd, ok := rdFor(annual.Revenue, w.kd, w.op)
		if !ok {
			return NearMiss{}, false
		}
		cur := annual.RDExpense
		annual.RDExpense = rd
		annual.RDIntensity = float64(rd) / float64(annual.Revenue)
		nm.Current = fmt.Sprintf("%.2f%%", s.F.AnnualOf(annual.Year).RDIntensity*100)
		nm.Needed = fmt.Sprintf("%s%.2f%%", opZh(w.op), w.kd*100)
		diff := rd - cur
		verb := "再投入研发费用"
		if diff < 0 {
			verb, diff = "研发费用需减少", -diff
		}
		nm.Gap = money.Fen(diff).String()
		nm.Text = fmt.Sprintf("%s %s → 需%s：%s%s（营业收入%s，研发费用由%s增至%s）", label, nm.Current, nm.Needed, verb, nm.Gap,
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
