package rules

import (
	"fmt"
	"reflect"
	"testing"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"pgregory.net/rapid"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// Boundary-rich values: the amounts and counts the documents use, ±1 fen.
var moneyPoints = func() []int64 {
	var out []int64
	for _, w := range []int64{0, 1, 50, 100, 200, 300, 500, 1000, 2000, 5000, 10000, 100000} {
		v := w * 1_000_000
		out = append(out, v, v+1, max(v-1, 0))
	}
	return out
}()

func drawFacts(t *rapid.T, fy int64) *facts.Facts {
	pick := func(label, enum string) string {
		terms := facts.Vocab[enum]
		return terms[rapid.IntRange(0, len(terms)-1).Draw(t, label)].Code
	}
	money := func(label string) int64 {
		if rapid.Bool().Draw(t, label+"?") {
			return moneyPoints[rapid.IntRange(0, len(moneyPoints)-1).Draw(t, label)]
		}
		return rapid.Int64Range(0, 2e10).Draw(t, label)
	}
	year := func(label string) int64 { return fy - 2 + int64(rapid.IntRange(0, 3).Draw(t, label)) }
	date := func(label string) string {
		return fmt.Sprintf("%04d-%02d-15", year(label), rapid.IntRange(1, 12).Draw(t, label+"m"))
	}
	all := ^facts.Mask(0)
	randMask := func(label string) facts.Mask { return facts.Mask(rapid.Uint64().Draw(t, label)) }

	f := &facts.Facts{}
	f.Subject = facts.Subject{
		ID: "s", Kind: pick("kind", "subject_kind"),
		Region: []string{"620602", "130407", "370902", "371302", "110101"}[rapid.IntRange(0, 4).Draw(t, "region")],
		Size:   pick("size", "size"), AboveScale: rapid.Bool().Draw(t, "above"), Industrial: rapid.Bool().Draw(t, "industrial"),
		Age: rapid.Int64Range(20, 70).Draw(t, "age"), Industry: []string{"C26", "I65", "B06", "M73"}[rapid.IntRange(0, 3).Draw(t, "industry")],
		Established: date("established"), Listed: rapid.Bool().Draw(t, "listed"), Resident: rapid.Bool().Draw(t, "resident"),
	}
	f.Subject.EstablishedYear = facts.YearOf(f.Subject.Established)
	f.Subject.Known = randMask("subjectKnown") | facts.KnownBit("Subject", "id") | facts.KnownBit("Subject", "kind") | facts.KnownBit("Subject", "region")
	f.Subject.Known &^= facts.KnownBit("Subject", "established_year")
	if f.Subject.Known.Has(facts.KnownBit("Subject", "established")) {
		f.Subject.Known |= facts.KnownBit("Subject", "established_year")
	}
	for _, y := range []int64{fy - 2, fy - 1, fy} {
		if !rapid.Bool().Draw(t, "hasAnnual") {
			continue
		}
		a := facts.Annual{Year: y, Revenue: money("rev"), Sales: money("sales"), RDInternal: money("rdi"),
			RDSuperDeduction: money("sd"), SuperDeductFirst: rapid.Bool().Draw(t, "first"),
			Employees: rapid.Int64Range(0, 5000).Draw(t, "emp"), RDStaff: rapid.Int64Range(0, 500).Draw(t, "rds"), TechContracts: money("tc"),
			RDDomestic: money("rdd"), TotalIncome: money("ti"), HTIncome: money("hti"), MainRevenue: money("mr"), CostExpense: money("ce"),
			Assets: money("assets"), Liabilities: money("liab"), STStaff: rapid.Int64Range(0, 500).Draw(t, "sts"),
			Conversions: rapid.Int64Range(0, 20).Draw(t, "conv"), EquityRaised: money("eq"), NetProfit: money("np") - 1e9}
		a.NetAssets = a.Assets - a.Liabilities
		a.RDExpense = a.Revenue/100 + rapid.Int64Range(-2, 2).Draw(t, "rdDelta")
		if a.RDExpense < 0 || rapid.Bool().Draw(t, "rdFree") {
			a.RDExpense = money("rd")
		}
		a.Known = randMask("annualKnown") | facts.KnownBit("Annual", "year")
		a.Known &^= facts.KnownBit("Annual", "rd_intensity") | facts.KnownBit("Annual", "net_assets")
		if a.Known.Has(facts.KnownBit("Annual", "assets") | facts.KnownBit("Annual", "liabilities")) {
			a.Known |= facts.KnownBit("Annual", "net_assets")
		}
		if a.Known.Has(facts.KnownBit("Annual", "revenue")|facts.KnownBit("Annual", "rd_expense")) && a.Revenue > 0 {
			a.RDIntensity = float64(a.RDExpense) / float64(a.Revenue)
			a.Known |= facts.KnownBit("Annual", "rd_intensity")
		}
		f.Annual = append(f.Annual, a)
	}
	n := func(label string) int { return rapid.IntRange(0, 3).Draw(t, label) }
	for i := range n("nrec") {
		d := date("rdate")
		f.Recognitions = append(f.Recognitions, facts.Recognition{ID: fmt.Sprint("r", i), Kind: pick("rk", "recognition_kind"), Level: pick("rl", "level"),
			Event: pick("re", "event"), Date: d, Year: facts.YearOf(d), Category: []string{"", "startup", "growth"}[rapid.IntRange(0, 2).Draw(t, "cat")],
			Of: []string{"", "r0", "r1"}[rapid.IntRange(0, 2).Draw(t, "of")], Known: all})
	}
	for i := range n("naw") {
		d := date("adate")
		f.Awards = append(f.Awards, facts.Award{ID: fmt.Sprint("a", i), Kind: pick("ak", "award_kind"), Level: pick("al", "level"),
			Grade: rapid.Int64Range(0, 3).Draw(t, "grade"), Amount: money("aamt"), Role: pick("arole", "role"), Date: d, Year: facts.YearOf(d), Known: all})
	}
	for i := range n("nip") {
		d := date("idate")
		kind := pick("ik", "ip_kind")
		until := []string{"", fmt.Sprintf("%04d-06-30", fy), fmt.Sprintf("%04d-12-31", fy+1)}[rapid.IntRange(0, 2).Draw(t, "iuntil")]
		f.IP = append(f.IP, facts.IPItem{ID: fmt.Sprint("i", i), Kind: kind, Date: d, Year: facts.YearOf(d), Class: facts.IPClass(kind),
			ValidUntil: until, Used: rapid.Bool().Draw(t, "iused"), Acquired: pick("iacq", "ip_acquired"), Known: all})
	}
	for i := range n("nin") {
		d := date("xdate")
		f.Incidents = append(f.Incidents, facts.Incident{ID: fmt.Sprint("x", i), Kind: pick("xk", "incident_kind"), Date: d, Year: facts.YearOf(d), Known: all})
	}
	for i := range n("nct") {
		d := date("cdate")
		f.Contests = append(f.Contests, facts.Contest{ID: fmt.Sprint("c", i), Level: pick("cl", "level"), Result: pick("cr", "contest_result"), Date: d, Year: facts.YearOf(d), Known: all})
	}
	for i := range n("nag") {
		d := date("gdate")
		f.Agreements = append(f.Agreements, facts.Agreement{ID: fmt.Sprint("g", i), Kind: "industry_university", Date: d, Year: facts.YearOf(d),
			Active: rapid.Bool().Draw(t, "active"), Results: rapid.Int64Range(0, 3).Draw(t, "results"), Known: all})
	}
	for i := range n("npr") {
		d := date("pdate")
		f.Projects = append(f.Projects, facts.Project{ID: fmt.Sprint("p", i), Kind: pick("pk", "project_kind"), Level: pick("pl", "level"),
			Role: pick("prole", "role"), Total: money("ptotal"), Granted: money("pgranted"), Equipment: money("peq"), Direct: money("pdirect"),
			Interest: money("pint"), Funds: []facts.Funding{{Year: fy, Amount: money("pfunds")}}, Date: d, Year: facts.YearOf(d), Known: all})
	}
	for i := range n("nap") {
		d := date("apdate")
		f.Appointments = append(f.Appointments, facts.Appointment{ID: fmt.Sprint("ap", i), Kind: pick("apk", "appointment_kind"), Level: pick("apl", "level"),
			Role: pick("apr", "appointment_role"), From: d, Year: facts.YearOf(d), Known: all})
	}
	for i := range n("npo") {
		d := date("podate")
		f.Pools = append(f.Pools, facts.PoolEntry{ID: fmt.Sprint("po", i), Pool: pick("pool", "pool"), Level: pick("pol", "level"), Date: d, Year: facts.YearOf(d), Known: all})
	}
	f.Prepare(fy)
	return f
}

// reference evaluates a checked program with cel-go, marking unknown facts
// as unknown attributes (CEL partial evaluation).
func reference(t *rapid.T, prg cel.Program, f *facts.Facts, fy int64, item any) tri {
	vars := map[string]any{"subject": &f.Subject, "fy": fy, "at": fmt.Sprintf("%04d-12-31", fy), "at_year": fy,
		"recognitions": f.Recognitions, "awards": f.Awards, "ip": f.IP, "contests": f.Contests,
		"agreements": f.Agreements, "projects": f.Projects, "appointments": f.Appointments, "pools": f.Pools, "incidents": f.Incidents}
	if item != nil {
		vars["item"] = item
	}
	var unknown []*cel.AttributePatternType
	unknownFields := func(v string, st reflect.Type, known facts.Mask) {
		for i := range st.NumField() {
			name := st.Field(i).Tag.Get("cel")
			if name == "" || name == "-" {
				continue
			}
			if known&(1<<uint(i)) == 0 {
				unknown = append(unknown, cel.AttributePattern(v).QualString(name))
			}
		}
	}
	unknownFields("subject", reflect.TypeOf(facts.Subject{}), f.Subject.Known)
	for _, y := range []struct {
		v  string
		yr int64
	}{{"cur", fy}, {"last", fy - 1}, {"last2", fy - 2}} {
		if a := f.AnnualOf(y.yr); a != nil {
			vars[y.v] = a
			unknownFields(y.v, reflect.TypeOf(facts.Annual{}), a.Known)
		} else {
			unknown = append(unknown, cel.AttributePattern(y.v))
		}
	}
	act, err := cel.PartialVars(vars, unknown...)
	if err != nil {
		t.Fatalf("PartialVars: %v", err)
	}
	out, _, err := prg.Eval(act)
	switch {
	case err != nil || types.IsError(out):
		return triE
	case types.IsUnknown(out):
		return triU
	case out == types.True:
		return triT
	case out == types.False:
		return triF
	}
	t.Fatalf("unexpected CEL result %v (%T)", out, out)
	return triE
}

func loadLibrary(t testing.TB) *Engine {
	t.Helper()
	files, err := policy.LoadDir("../../policies")
	if err != nil {
		t.Fatalf("loading the policy library: %v", err)
	}
	e, err := Compile(files)
	if err != nil {
		t.Fatalf("compiling the policy library: %v", err)
	}
	return e
}

// TestCompiledAgreesWithCEL: for every condition and gate of the policy
// library, on random facts with random unknowns, the compiled evaluator and
// the cel-go reference interpreter give the same three-valued result.
func TestCompiledAgreesWithCEL(t *testing.T) {
	eng := loadLibrary(t)
	rapid.Check(t, func(t *rapid.T) {
		fy := int64(rapid.IntRange(2022, 2026).Draw(t, "fy"))
		f := drawFacts(t, fy)
		ev := eng.NewEvaluator()
		ev.setup(f, fy)
		ev.st.At, ev.st.AtDate = fmt.Sprintf("%04d-12-31", fy), policy.Date(fy*10000+1231)
		for _, g := range eng.Gates {
			got, want := g.blocks.b(&ev.st), reference(t, g.ref, f, fy, nil)
			if got != want {
				t.Fatalf("gate %s: compiled %d, CEL %d on %+v", g.ID, got, want, f)
			}
		}
		for _, s := range eng.Standards {
			for _, c := range append(append([]*criterion{}, s.requires...), s.routes...) {
				if c.hasWhen {
					if got, want := c.when.b(&ev.st), reference(t, c.ref, f, fy, nil); got != want {
						t.Fatalf("standard %s condition %s: compiled %d, CEL %d", s.ID, c.src.ID, got, want)
					}
				}
			}
			for _, g := range s.groups {
				for _, it := range g.items {
					bands := it.bands
					for _, o := range it.options {
						bands = append(bands, o.bands...)
					}
					for _, b := range bands {
						if got, want := b.when.b(&ev.st), reference(t, b.ref, f, fy, nil); got != want {
							t.Fatalf("standard %s item %s band %s: compiled %d, CEL %d", s.ID, it.src.ID, b.src.Label, got, want)
						}
					}
				}
			}
		}
		for _, c := range eng.Clauses {
			if !c.hasWhen {
				continue
			}
			if c.list == nil {
				if got, want := c.when.b(&ev.st), reference(t, c.ref, f, fy, nil); got != want {
					t.Fatalf("clause %s (%s): compiled %d, CEL %d", c.ID, c.src, got, want)
				}
				continue
			}
			lv := reflect.ValueOf(f).Elem().FieldByIndex(listField(c.list.name))
			for i := range lv.Len() {
				ev.st.idx[0] = i
				got := c.when.b(&ev.st)
				want := reference(t, c.ref, f, fy, lv.Index(i).Addr().Interface())
				if got != want {
					t.Fatalf("clause %s (%s) item %d: compiled %d, CEL %d; item %+v", c.ID, c.src, i, got, want, lv.Index(i).Interface())
				}
			}
		}
	})
}

// TestEvaluateTotal: the full report (explanations, near misses, totals)
// never panics on random facts, and its totals add up to the decisions.
func TestEvaluateTotal(t *testing.T) {
	eng := loadLibrary(t)
	rapid.Check(t, func(t *rapid.T) {
		fy := int64(rapid.IntRange(2022, 2026).Draw(t, "fy"))
		f := drawFacts(t, fy)
		at := policy.Date(fy*10000 + 1231)
		r := eng.NewEvaluator().Evaluate(f, at, fy)
		var sum, tot int64
		for _, c := range r.Clauses {
			if c.Outcome == Entitled && c.Kind == "payment" && c.Amount != nil {
				sum += c.Amount.MinFen
			}
			if c.Explanation == "" {
				t.Fatalf("clause %s has no explanation", c.Clause)
			}
		}
		for _, x := range r.Totals {
			tot += x.Amount.MinFen
		}
		if sum != tot {
			t.Fatalf("entitled payments sum to %d fen, totals to %d", sum, tot)
		}
	})
}

// Operators beyond what the library uses today, checked the same way.
var operatorExprs = []string{
	"cur.revenue + last.revenue > wan(1000)",
	"cur.revenue - last.revenue >= 0 || cur.revenue * 2 < last.revenue",
	"cur.revenue / (last.employees - last.employees) > 0",
	"cur.revenue % 7 == 3 && -cur.employees < 0",
	"(cur.rd_intensity > pct(1) ? cur.revenue : last.revenue) >= yi(1)",
	"double(cur.employees) / 3.0 > 10.5 && int(cur.rd_intensity * 100.0) >= 1",
	"subject.region.startsWith('62') && !subject.region.endsWith('00') && subject.name.contains('')",
	"subject.size in ['small', 'micro'] && subject.age in [30, 40, 50]",
	"recognitions.exists(r, r.kind == 'high_tech_enterprise' && awards.all(a, a.year <= r.year))",
	"size(recognitions) + size(awards) >= 2 && size(subject.region) == 6",
	"subject.above_scale == subject.industrial && subject.kind != 'person'",
	"cur.revenue * cur.revenue * cur.revenue > 0",
	"pct(cur.employees) <= 1.5 && last.super_deduction_first",
	"subject.region < '3' || subject.region >= '62'",
	"cur.revenue / (cur.employees - cur.employees) > 0 && last.revenue > 0",
	"last.revenue > 0 && cur.revenue / (cur.employees - cur.employees) > 0",
	"cur.revenue / (cur.employees - cur.employees) > 0 || last.revenue > 0",
	"!(cur.revenue % (last.employees * 0) == 0) || subject.above_scale",
	"recognitions.exists(r, r.year / (cur.employees - cur.employees) > 0 || r.kind == 'gazelle')",
	"growth(last2.net_assets, last.net_assets, cur.net_assets) >= pct(35) || growth(0, last.sales, cur.sales) > 0.0",
	"days(subject.established, at) >= 365 && at_year == fy",
	"size(ip.filter(i, i.class == 1 && (i.valid_until == '' || i.valid_until >= at))) >= size(incidents.filter(x, x.kind == 'safety'))",
	"(subject.established_year <= fy - 2 ? last2.rd_expense : 0) + cur.rd_domestic > cur.cost_expense",
}

func TestCompiledAgreesWithCELOperators(t *testing.T) {
	exprs := operatorExprs
	type prog struct {
		v   value
		prg cel.Program
		src string
	}
	var progs []prog
	for _, src := range exprs {
		v, _, prg, err := compileExpr(policy.Expr{Src: src}, "", tBool)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		progs = append(progs, prog{v, prg, src})
	}
	eng := &Engine{}
	rapid.Check(t, func(t *rapid.T) {
		fy := int64(rapid.IntRange(2022, 2026).Draw(t, "fy"))
		f := drawFacts(t, fy)
		ev := eng.NewEvaluator()
		ev.setup(f, fy)
		ev.st.At, ev.st.AtDate = fmt.Sprintf("%04d-12-31", fy), policy.Date(fy*10000+1231)
		for _, p := range progs {
			if got, want := p.v.b(&ev.st), reference(t, p.prg, f, fy, nil); got != want {
				t.Fatalf("%s: compiled %d, CEL %d", p.src, got, want)
			}
		}
	})
}
