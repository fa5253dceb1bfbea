package rules

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// Item conditions beyond what the library's for_each clauses use: the
// subject's and the year's facts read through the item's owner, arithmetic
// with overflow, ternaries and comparisons of two columns.
var itemExprs = []struct{ list, src string }{
	{"projects", "item.total * 2 > wan(600) || subject.above_scale"},
	{"projects", "item.level in ['city', 'county'] && cur.revenue + item.total > yi(1)"},
	{"projects", "(item.kind == 'challenge' ? item.total : item.granted) >= wan(100) && !(item.direct < item.equipment)"},
	{"projects", "item.total / (item.direct - item.direct) > 0 || item.funds_fy >= item.granted"},
	{"recognitions", "item.kind != 'high_tech_enterprise' && item.year == fy && item.date <= at"},
	{"recognitions", "item.event == 'new' && recognitions.exists(r, r.kind == item.kind && r.year < item.year)"},
	{"awards", "item.grade in [1, 2] && item.amount * 3 >= wan(30) && subject.region >= '62'"},
	{"ip", "item.class == 1 && (item.valid_until == '' || item.valid_until >= at) && !item.used"},
}

// TestVectorAgreesWithClosures: the vector form of every library
// condition, gate and standard criterion, of the operator expressions and
// of item expressions gives, row by row over random tables and random
// selections, exactly the compiled closure's three-valued answer.
func TestVectorAgreesWithClosures(t *testing.T) {
	type prog struct {
		src  string
		li   *listInfo
		row  boolFn
		vec  *vecCond
		full bool
	}
	var progs []prog
	add := func(src, list string) {
		v, _, _, err := compileExpr(policy.Expr{Src: src}, list, tBool)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		var li *listInfo
		if list != "" {
			li = lists[list]
		}
		vc := vectorCondition(policy.Expr{Src: src}, list, v.b)
		progs = append(progs, prog{src: src, li: li, row: v.b, vec: vc, full: len(vc.fallbacks) == 0})
	}
	for _, src := range operatorExprs {
		add(src, "")
	}
	for _, x := range itemExprs {
		add(x.src, x.list)
	}
	eng := loadLibrary(t)
	for _, c := range eng.Clauses {
		if c.hasWhen {
			add(c.src, c.ForEach)
		}
	}
	for _, g := range eng.Gates {
		add(g.Blocks.Src, "")
	}
	for _, s := range eng.Standards {
		for _, c := range append(append([]*criterion{}, s.requires...), s.routes...) {
			if c.hasWhen {
				add(c.src.When.Src, "")
			}
		}
	}
	full := 0
	for _, p := range progs {
		if p.full {
			full++
		}
	}
	t.Logf("%d expressions, %d entirely in vector kernels", len(progs), full)
	var answers [4]int
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 12).Draw(t, "rows")
		fs := make([]*facts.Facts, n)
		fys := make([]int64, n)
		for i := range fs {
			fys[i] = int64(rapid.IntRange(2022, 2026).Draw(t, fmt.Sprint("fy", i)))
			fs[i] = drawFacts(t, fys[i])
		}
		tab := NewTable(&Engine{}, fs, func(f *facts.Facts) (policy.Date, int64) {
			for i := range fs {
				if fs[i] == f {
					return policy.Date(fys[i]*10000 + 1231), fys[i]
				}
			}
			panic("no such subject")
		})
		for _, p := range progs {
			for _, id := range p.vec.cols {
				tab.build(id)
			}
			if p.li != nil {
				tab.itemsOf(p.li)
			}
		}
		ev := (&Engine{}).NewEvaluator()
		for _, p := range progs {
			x := &vx{t: tab, cur: -1}
			rows := int32(n)
			if p.li != nil {
				x.it = tab.items[p.li]
				rows = int32(len(x.it.owner))
			}
			// A random selection, in order, as && and the windows leave them.
			var sel []int32
			for r := range rows {
				if rapid.IntRange(0, 3).Draw(t, "pick") > 0 {
					sel = append(sel, r)
				}
			}
			out := make([]tri, len(sel))
			p.vec.b(x, sel, out)
			for k, r := range sel {
				s := r
				if x.it != nil {
					s = x.it.owner[r]
					ev.st.idx[0] = int(x.it.index[r])
				}
				f, fy := fs[s], fys[s]
				ev.setup(f, fy)
				ev.st.At, ev.st.AtDate = fmt.Sprintf("%04d-12-31", fy), policy.Date(fy*10000+1231)
				if want := p.row(&ev.st); out[k] != want {
					t.Fatalf("%s, row %d of %d: vector %d, closure %d", p.src, r, rows, out[k], want)
				}
				answers[out[k]]++
			}
		}
	})
	if answers[triT] == 0 || answers[triF] == 0 || answers[triU] == 0 || answers[triE] == 0 {
		t.Fatalf("answers false/true/unknown/error %v: the property proves little", answers)
	}
	t.Logf("answers compared: %d false, %d true, %d unknown, %d error", answers[triF], answers[triT], answers[triU], answers[triE])
}

// TestColumnarAllocates: after the first batch, a run over the table
// allocates nothing per subject.
func TestColumnarAllocates(t *testing.T) {
	eng := loadLibrary(t)
	var fs []*facts.Facts
	rapid.Check(t, func(t *rapid.T) { fs = append(fs, drawFacts(t, 2024)) })
	tab := NewTable(eng, fs, func(*facts.Facts) (policy.Date, int64) { return 20241231, 2024 })
	c := eng.NewColumnar(tab)
	out := make([]Truth, len(fs)*len(eng.Clauses))
	c.Conditions(0, len(fs), out)
	if a := testing.AllocsPerRun(20, func() { c.Conditions(0, len(fs), out) }); a > float64(len(eng.Clauses)) {
		t.Fatalf("%.0f allocations a run over %d subjects", a, len(fs))
	}
}
