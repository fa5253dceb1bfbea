package score

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
)

// known is a known raw value x (an int64, a float64 or a bool).
func known(x any) Raw {
	switch v := x.(type) {
	case int:
		return Raw{Value: int64(v), exact: big.NewRat(int64(v), 1)}
	case int64:
		return Raw{Value: v, exact: big.NewRat(v, 1)}
	case float64:
		return Raw{Value: v, exact: new(big.Rat).SetFloat64(v)}
	case bool:
		n := int64(0)
		if v {
			n = 1
		}
		return Raw{Value: v, exact: big.NewRat(n, 1)}
	}
	panic(fmt.Sprintf("known(%T)", x))
}

var missing = Raw{Status: Unknown, Reason: "未知的事实：last.rd_expense"}

// matrixOf builds a matrix of one column per indicator directly from raw
// values, with subjects s1, s2 …
func matrixOf(t testing.TB, set *IndicatorSet, rows ...[]Raw) *Matrix {
	t.Helper()
	if err := set.Validate(); err != nil {
		t.Fatal(err)
	}
	m := &Matrix{Set: set, FY: 2025, At: "2025-12-31"}
	for i, r := range rows {
		m.Subjects = append(m.Subjects, Subject{ID: fmt.Sprintf("s%d", i+1), Kind: "enterprise", Region: "620602"})
		m.Values = append(m.Values, r)
	}
	return m
}

func oneIndicator(in Indicator) *IndicatorSet {
	if in.ID == "" {
		in.ID = "x1"
	}
	in.Name, in.Group, in.Expr = "指标", "技术创新", "last.rd_expense"
	if in.Weight == 0 {
		in.Weight = 10
	}
	return &IndicatorSet{ID: "test", Name: "测试", Note: "地方配置：测试", Indicators: []Indicator{in}}
}

func byID(r *Ranking) map[string]Result {
	out := map[string]Result{}
	for _, res := range r.Results {
		out[res.Subject.ID] = res
	}
	return out
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "-"
	}
	return r.RatString()
}

// TestNormaliseTiesAndSingles covers each normalisation with ties, a
// single member, an all-equal cohort and missing values.
func TestNormaliseTiesAndSingles(t *testing.T) {
	std := big.NewRat(4, 1)
	tests := []struct {
		name string
		in   Indicator
		vals []Raw
		want []string // normalised value per subject ("-": missing)
	}{
		{"minmax spread", Indicator{Norm: MinMax}, []Raw{known(0), known(5), known(10)}, []string{"0", "1/2", "1"}},
		{"minmax ties share", Indicator{Norm: MinMax}, []Raw{known(2), known(2), known(6)}, []string{"0", "0", "1"}},
		{"minmax lower inverts", Indicator{Norm: MinMax, Direction: Lower}, []Raw{known(0), known(5), known(10)}, []string{"1", "1/2", "0"}},
		{"minmax single member", Indicator{Norm: MinMax}, []Raw{known(7)}, []string{"1/2"}},
		{"minmax single lower", Indicator{Norm: MinMax, Direction: Lower}, []Raw{known(7)}, []string{"1/2"}},
		{"minmax all equal", Indicator{Norm: MinMax}, []Raw{known(3), known(3), known(3)}, []string{"1/2", "1/2", "1/2"}},
		{"minmax missing ignored", Indicator{Norm: MinMax}, []Raw{known(1), missing, known(3)}, []string{"0", "-", "1"}},
		{"minmax one known among missing", Indicator{Norm: MinMax}, []Raw{missing, known(3)}, []string{"-", "1/2"}},
		{"minmax doubles exact", Indicator{Norm: MinMax}, []Raw{known(0.1), known(0.2), known(0.3)},
			[]string{"0", ratString(new(big.Rat).Quo(new(big.Rat).Sub(new(big.Rat).SetFloat64(0.2), new(big.Rat).SetFloat64(0.1)), new(big.Rat).Sub(new(big.Rat).SetFloat64(0.3), new(big.Rat).SetFloat64(0.1)))), "1"}},
		{"percentile spread", Indicator{Norm: Percentile}, []Raw{known(10), known(30), known(20)}, []string{"0", "1", "1/2"}},
		// ranks 0,1,2,3 over n−1 = 3; the two 5s share (1+2)/2.
		{"percentile ties mid-rank", Indicator{Norm: Percentile}, []Raw{known(1), known(5), known(5), known(9)}, []string{"0", "1/2", "1/2", "1"}},
		{"percentile ties at top", Indicator{Norm: Percentile}, []Raw{known(1), known(9), known(9)}, []string{"0", "3/4", "3/4"}},
		{"percentile lower", Indicator{Norm: Percentile, Direction: Lower}, []Raw{known(1), known(9), known(9)}, []string{"1", "1/4", "1/4"}},
		{"percentile single member", Indicator{Norm: Percentile}, []Raw{known(42)}, []string{"1/2"}},
		{"percentile all equal", Indicator{Norm: Percentile}, []Raw{known(4), known(4)}, []string{"1/2", "1/2"}},
		{"percentile missing ignored", Indicator{Norm: Percentile}, []Raw{known(4), missing, known(8)}, []string{"0", "-", "1"}},
		{"standard", Indicator{Norm: Standard, Standard: std}, []Raw{known(0), known(2), known(4), known(8)}, []string{"0", "1/2", "1", "2"}},
		{"standard ties and negatives", Indicator{Norm: Standard, Standard: std}, []Raw{known(-3), known(2), known(2)}, []string{"0", "1/2", "1/2"}},
		{"standard single member", Indicator{Norm: Standard, Standard: std}, []Raw{known(1)}, []string{"1/4"}},
		{"standard bool", Indicator{Norm: Standard, Standard: big.NewRat(1, 1)}, []Raw{known(true), known(false)}, []string{"1", "0"}},
		{"all missing", Indicator{Norm: Percentile}, []Raw{missing, missing}, []string{"-", "-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows [][]Raw
			for _, v := range tt.vals {
				rows = append(rows, []Raw{v})
			}
			r, err := matrixOf(t, oneIndicator(tt.in), rows...).Score(Cohort{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := byID(r)
			for i, want := range tt.want {
				id := fmt.Sprintf("s%d", i+1)
				if g := ratString(got[id].Items[0].Normalised); g != want {
					t.Errorf("%s: normalised %s, want %s", id, g, want)
				}
			}
		})
	}
}

// TestPointsAndCaps: points are weight × normalised, capped; a standard
// indicator may earn up to its cap; missing values earn 0 and are listed.
func TestPointsAndCaps(t *testing.T) {
	tests := []struct {
		name string
		in   Indicator
		vals []Raw
		want []string // displayed points
	}{
		{"standard capped at weight", Indicator{Norm: Standard, Standard: big.NewRat(4, 1), Weight: 10}, []Raw{known(2), known(8)}, []string{"5.00", "10.00"}},
		{"standard cap above weight", Indicator{Norm: Standard, Standard: big.NewRat(4, 1), Weight: 10, Cap: 15}, []Raw{known(5), known(8)}, []string{"12.50", "15.00"}},
		{"minmax cap below weight", Indicator{Norm: MinMax, Weight: 10, Cap: 6}, []Raw{known(0), known(5), known(10)}, []string{"0.00", "5.00", "6.00"}},
		{"thirds round half up", Indicator{Norm: Percentile, Weight: 10}, []Raw{known(1), known(2), known(3), known(4)}, []string{"0.00", "3.33", "6.67", "10.00"}},
		{"missing scores zero", Indicator{Norm: MinMax, Weight: 10}, []Raw{missing, known(1), known(3)}, []string{"0.00", "0.00", "10.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows [][]Raw
			for _, v := range tt.vals {
				rows = append(rows, []Raw{v})
			}
			r, err := matrixOf(t, oneIndicator(tt.in), rows...).Score(Cohort{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := byID(r)
			for i, want := range tt.want {
				res := got[fmt.Sprintf("s%d", i+1)]
				if g := res.Score.String(); g != want {
					t.Errorf("s%d: score %s, want %s", i+1, g, want)
				}
				if (tt.vals[i].Status != Known) != (len(res.Missing) == 1) {
					t.Errorf("s%d: missing %v for raw %+v", i+1, res.Missing, tt.vals[i])
				}
			}
		})
	}
}

// TestRanks: equal displayed scores share a competition rank (1, 2, 2, 4);
// positions are unique, by exact score then subject id.
func TestRanks(t *testing.T) {
	set := oneIndicator(Indicator{Norm: Standard, Standard: big.NewRat(1, 1), Weight: 10})
	// s2 and s4 tie exactly; s3 is 1/1000 point below them, which shows
	// as the same 5.00 points: it shares their rank but comes after them.
	m := matrixOf(t, set, []Raw{known(0.9)}, []Raw{known(0.5)}, []Raw{known(0.4999)}, []Raw{known(0.5)}, []Raw{known(0.1)})
	r, err := m.Score(Cohort{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, res := range r.Results {
		got = append(got, fmt.Sprintf("%d/%d %s %s", res.Position, res.Rank, res.Subject.ID, res.Score))
	}
	want := []string{"1/1 s1 9.00", "2/2 s2 5.00", "3/2 s4 5.00", "4/2 s3 5.00", "5/5 s5 1.00"}
	if !slices.Equal(got, want) {
		t.Errorf("ranking\n got %q\nwant %q", got, want)
	}
}

// genSet draws a valid indicator set of up to five indicators.
func genSet(t *rapid.T) *IndicatorSet {
	set := &IndicatorSet{ID: "gen", Name: "随机", Note: "地方配置：测试"}
	n := rapid.IntRange(1, 5).Draw(t, "indicators")
	groups := []string{"技术创新", "成长经营", "获得支持"}
	for j := range n {
		in := Indicator{
			ID:     fmt.Sprintf("i%d", j),
			Name:   fmt.Sprintf("指标%d", j),
			Group:  rapid.SampledFrom(groups).Draw(t, "group"),
			Expr:   "last.rd_expense",
			Norm:   rapid.SampledFrom([]Norm{MinMax, Percentile, Standard}).Draw(t, "norm"),
			Weight: rapid.Int64Range(0, 30).Draw(t, "weight"),
		}
		if in.Norm == Standard {
			in.Standard = big.NewRat(rapid.Int64Range(1, 1000).Draw(t, "stdnum"), rapid.Int64Range(1, 100).Draw(t, "stdden"))
			in.Cap = rapid.Int64Range(0, 45).Draw(t, "cap")
		} else {
			if rapid.Bool().Draw(t, "lower") {
				in.Direction = Lower
			}
			if in.Weight > 0 && rapid.Bool().Draw(t, "capped") {
				in.Cap = rapid.Int64Range(1, in.Weight).Draw(t, "cap")
			}
		}
		set.Indicators = append(set.Indicators, in)
	}
	if set.TotalWeight() == 0 {
		set.Indicators[0].Weight = 7
	}
	return set
}

// genRaw draws a raw value: often small integers, so that ties are common.
func genRaw(t *rapid.T) Raw {
	switch rapid.IntRange(0, 9).Draw(t, "kind") {
	case 0:
		return missing
	case 1:
		return Raw{Status: Failed, Reason: "division by zero"}
	case 2:
		return known(rapid.Float64Range(-1e6, 1e6).Draw(t, "double"))
	case 3:
		return known(rapid.Bool().Draw(t, "bool"))
	case 4:
		return known(rapid.Int64().Draw(t, "int"))
	}
	return known(rapid.IntRange(-3, 3).Draw(t, "small"))
}

func genMatrix(t *rapid.T) *Matrix {
	set := genSet(t)
	n := rapid.IntRange(1, 12).Draw(t, "subjects")
	m := &Matrix{Set: set, FY: 2025, At: "2025-12-31"}
	for i := range n {
		m.Subjects = append(m.Subjects, Subject{ID: fmt.Sprintf("e%02d", i), Kind: "enterprise", Region: "620602"})
		row := make([]Raw, len(set.Indicators))
		for j := range row {
			row[j] = genRaw(t)
		}
		m.Values = append(m.Values, row)
	}
	return m
}

// TestCohortOrderInvariance: permuting the subjects of the matrix and the
// ids of the cohort changes no score, rank, position or contribution.
func TestCohortOrderInvariance(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := genMatrix(t)
		var ids []string
		for _, s := range m.Subjects {
			if rapid.IntRange(0, 3).Draw(t, "member") > 0 {
				ids = append(ids, s.ID)
			}
		}
		c := Cohort{ID: "zone", IDs: ids}
		a, err := m.Score(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		perm := rapid.Permutation(slices.Collect(func(yield func(int) bool) {
			for i := range m.Subjects {
				if !yield(i) {
					return
				}
			}
		})).Draw(t, "perm")
		pm := &Matrix{Set: m.Set, FY: m.FY, At: m.At}
		for _, i := range perm {
			pm.Subjects = append(pm.Subjects, m.Subjects[i])
			pm.Values = append(pm.Values, m.Values[i])
		}
		pc := c
		pc.IDs = rapid.Permutation(ids).Draw(t, "ids")
		b, err := pm.Score(pc, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Results) != len(b.Results) {
			t.Fatalf("%d results, %d after permuting", len(a.Results), len(b.Results))
		}
		for k := range a.Results {
			x, y := a.Results[k], b.Results[k]
			if x.Subject.ID != y.Subject.ID || x.Score != y.Score || x.Rank != y.Rank || x.Position != y.Position || x.Exact.Cmp(y.Exact) != 0 {
				t.Fatalf("position %d: %s %s rank %d, after permuting %s %s rank %d", k+1, x.Subject.ID, x.Score, x.Rank, y.Subject.ID, y.Score, y.Rank)
			}
			for j := range x.Items {
				if x.Items[j].Points != y.Items[j].Points || ratString(x.Items[j].Normalised) != ratString(y.Items[j].Normalised) {
					t.Fatalf("%s indicator %d: %s (%s), after permuting %s (%s)", x.Subject.ID, j,
						x.Items[j].Points, ratString(x.Items[j].Normalised), y.Items[j].Points, ratString(y.Items[j].Normalised))
				}
			}
		}
	})
}

// TestContributionsSum: exact contributions sum to the exact score; the
// displayed score is the exact one rounded half up; displayed
// contributions are each their exact value rounded down or up and sum to
// the displayed score, as do the group points; ranks are consistent.
func TestContributionsSum(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := genMatrix(t)
		w := Weights{}
		for _, in := range m.Set.Indicators {
			if rapid.Bool().Draw(t, "override") {
				w[in.ID] = rapid.Int64Range(1, 50).Draw(t, "w")
			}
		}
		r, err := m.Score(Cohort{}, w)
		if err != nil {
			t.Fatal(err)
		}
		for k, res := range r.Results {
			sum := new(big.Rat)
			var shown, groups Points
			var missingIDs []string
			for j, it := range res.Items {
				sum.Add(sum, it.Exact)
				shown += it.Points
				x := new(big.Rat).Mul(it.Exact, big.NewRat(100, 1))
				lo := new(big.Int).Quo(x.Num(), x.Denom()).Int64()
				if p := int64(it.Points); p != lo && !(p == lo+1 && !x.IsInt()) {
					t.Fatalf("%s indicator %d: displayed %s for exact %s", res.Subject.ID, j, it.Points, x.FloatString(4))
				}
				if it.Exact.Sign() < 0 || it.Exact.Cmp(big.NewRat(m.Set.Indicators[j].cap(r.Weights[j]), 1)) > 0 {
					t.Fatalf("%s indicator %d: %s points outside [0, cap]", res.Subject.ID, j, it.Exact.FloatString(4))
				}
				if it.Normalised == nil {
					missingIDs = append(missingIDs, it.Indicator)
					if it.Raw.Status == Known || it.Exact.Sign() != 0 {
						t.Fatalf("%s indicator %d: missing but raw %v, %s points", res.Subject.ID, j, it.Raw, it.Exact)
					}
				}
			}
			for _, g := range res.GroupPoints {
				groups += g
			}
			if sum.Cmp(res.Exact) != 0 {
				t.Fatalf("%s: contributions sum to %s, score %s", res.Subject.ID, sum.FloatString(6), res.Exact.FloatString(6))
			}
			if res.Score != Points(roundHalfUp(res.Exact)) || shown != res.Score || groups != res.Score {
				t.Fatalf("%s: exact %s, score %s, contributions %s, groups %s", res.Subject.ID, res.Exact.FloatString(6), res.Score, shown, groups)
			}
			if !slices.Equal(missingIDs, res.Missing) {
				t.Fatalf("%s: missing %v, want %v", res.Subject.ID, res.Missing, missingIDs)
			}
			if k > 0 {
				prev := r.Results[k-1]
				if prev.Exact.Cmp(res.Exact) < 0 || (prev.Score == res.Score) != (prev.Rank == res.Rank) || (prev.Score != res.Score && res.Rank != k+1) {
					t.Fatalf("positions %d, %d: %s rank %d then %s rank %d", k, k+1, prev.Score, prev.Rank, res.Score, res.Rank)
				}
			}
		}
	})
}

func TestRoundHalfUp(t *testing.T) {
	for _, tt := range []struct {
		r    *big.Rat
		want int64
	}{
		{big.NewRat(0, 1), 0},
		{big.NewRat(1, 200), 1},     // 0.005 → 0.01
		{big.NewRat(1, 201), 0},     // 0.004975… → 0.00
		{big.NewRat(857, 8), 10713}, // 107.125 → 107.13
		{big.NewRat(100, 3), 3333},
		{big.NewRat(200, 3), 6667},
	} {
		if got := roundHalfUp(tt.r); got != tt.want {
			t.Errorf("roundHalfUp(%s) = %d, want %d", tt.r.RatString(), got, tt.want)
		}
	}
	// Three equal thirds of 10 points: 3.33 + 3.33 + 3.34 = 10.00.
	set := &IndicatorSet{ID: "thirds", Name: "三等分", Note: "测试"}
	for j := range 3 {
		set.Indicators = append(set.Indicators, Indicator{ID: fmt.Sprintf("i%d", j), Name: "指标", Group: "技术创新", Expr: "1", Weight: 10, Norm: Standard, Standard: big.NewRat(3, 1)})
	}
	r, err := matrixOf(t, set, []Raw{known(1), known(1), known(1)}).Score(Cohort{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := r.Results[0]
	got := []string{res.Items[0].Points.String(), res.Items[1].Points.String(), res.Items[2].Points.String(), res.Score.String()}
	if want := []string{"3.34", "3.33", "3.33", "10.00"}; !slices.Equal(got, want) {
		t.Errorf("thirds: got %v, want %v (the residue goes to the first indicator on equal remainders)", got, want)
	}
}

// facts documents for the tests on real facts.
func mustFacts(t testing.TB, docs ...string) []*facts.Facts {
	t.Helper()
	var out []*facts.Facts
	for i, d := range docs {
		f, err := facts.DecodeBytes([]byte(d), fmt.Sprintf("f%d.json", i))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

func enterprise(id, region, industry, annual string, extra string) string {
	return fmt.Sprintf(`{"subject": {"id": %q, "kind": "enterprise", "name": "%s公司", "uscc": "", "region": %q, "industry": %q},
	  "annual": [%s]%s}`, id, id, region, industry, annual, extra)
}

var twoIndicators = &IndicatorSet{ID: "two", Name: "两项指标", Note: "地方配置：测试", Indicators: []Indicator{
	{ID: "rd-expense", Name: "研发费用", Group: "技术创新", Expr: "last.rd_expense", Weight: 10, Norm: Percentile},
	{ID: "revenue", Name: "营业收入", Group: "成长经营", Expr: "last.revenue", Weight: 10, Norm: Percentile},
}}

// TestRescoreWithoutEvaluating: collecting evaluates each expression once
// per subject; scoring under other weights re-ranks and evaluates nothing.
func TestRescoreWithoutEvaluating(t *testing.T) {
	c, err := Compile(twoIndicators)
	if err != nil {
		t.Fatal(err)
	}
	subjects := mustFacts(t,
		enterprise("research", "620602", "C26", `{"year": 2024, "revenue": "1000万元", "rd_expense": "300万元"}`, ""),
		enterprise("sales", "620602", "C26", `{"year": 2024, "revenue": "9000万元", "rd_expense": "100万元"}`, ""),
		enterprise("middle", "620602", "C26", `{"year": 2024, "revenue": "5000万元", "rd_expense": "200万元"}`, ""),
	)
	m, err := c.Collect(subjects, 2025, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Evaluations(), int64(len(subjects)*len(twoIndicators.Indicators)); got != want {
		t.Fatalf("collecting evaluated %d expressions, want %d", got, want)
	}
	order := func(w Weights) []string {
		r, err := m.Score(Cohort{}, w)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, res := range r.Results {
			out = append(out, fmt.Sprintf("%s %s", res.Subject.ID, res.Score))
		}
		return out
	}
	rdFirst := order(Weights{"rd-expense": 30, "revenue": 10})
	salesFirst := order(Weights{"rd-expense": 10, "revenue": 30})
	if want := []string{"research 30.00", "middle 20.00", "sales 10.00"}; !slices.Equal(rdFirst, want) {
		t.Errorf("R&D weighted: %q, want %q", rdFirst, want)
	}
	if want := []string{"sales 30.00", "middle 20.00", "research 10.00"}; !slices.Equal(salesFirst, want) {
		t.Errorf("revenue weighted: %q, want %q", salesFirst, want)
	}
	if got := c.Evaluations(); got != int64(len(subjects)*len(twoIndicators.Indicators)) {
		t.Errorf("scoring evaluated expressions: %d evaluations in all", got)
	}
	// Subjects collected in another order score the same.
	m2, err := c.Collect([]*facts.Facts{subjects[2], subjects[0], subjects[1]}, 2025, "")
	if err != nil {
		t.Fatal(err)
	}
	r1, _ := m.Score(Cohort{}, nil)
	r2, _ := m2.Score(Cohort{}, nil)
	for k := range r1.Results {
		if a, b := r1.Results[k], r2.Results[k]; a.Subject.ID != b.Subject.ID || a.Score != b.Score || a.Rank != b.Rank {
			t.Errorf("position %d: %s %s, in another order %s %s", k+1, a.Subject.ID, a.Score, b.Subject.ID, b.Score)
		}
	}
}

// TestMissingFacts: a fact that is unknown, or a year without figures,
// scores 0 for that indicator, is listed as missing with the facts it
// needs, and takes no part in the cohort's normalisation.
func TestMissingFacts(t *testing.T) {
	c, err := Compile(twoIndicators)
	if err != nil {
		t.Fatal(err)
	}
	subjects := mustFacts(t,
		enterprise("full", "620602", "C26", `{"year": 2024, "revenue": "1000万元", "rd_expense": "300万元"}`, ""),
		enterprise("no-rd", "620602", "C26", `{"year": 2024, "revenue": "3000万元"}`, ""),
		enterprise("no-year", "620602", "C26", `{"year": 2023, "revenue": "3000万元", "rd_expense": "1万元"}`, ""),
		enterprise("zero-rd", "620602", "C26", `{"year": 2024, "revenue": "2000万元", "rd_expense": 0}`, ""),
	)
	m, err := c.Collect(subjects, 2025, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Score(Cohort{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := byID(r)
	tests := []struct {
		id      string
		missing []string
		reason  string // of the rd-expense raw value
		rd      string // rd-expense points
	}{
		{"full", nil, "", "10.00"},
		{"no-rd", []string{"rd-expense"}, "last.rd_expense", "0.00"},
		{"no-year", []string{"rd-expense", "revenue"}, "last", "0.00"},
		{"zero-rd", nil, "", "0.00"}, // a known zero is a value, and the lowest
	}
	for _, tt := range tests {
		res := got[tt.id]
		if !slices.Equal(res.Missing, tt.missing) {
			t.Errorf("%s: missing %v, want %v", tt.id, res.Missing, tt.missing)
		}
		if rd := res.Items[0]; rd.Points.String() != tt.rd || !strings.Contains(rd.Raw.Reason, tt.reason) {
			t.Errorf("%s: rd-expense %s points (%s), want %s points, reason containing %q", tt.id, rd.Points, rd.Raw.Reason, tt.rd, tt.reason)
		}
	}
	// Revenue is known for three subjects: 1000万 < 2000万 < 3000万.
	if p := got["zero-rd"].Items[1].Points.String(); p != "5.00" {
		t.Errorf("zero-rd revenue: %s points, want 5.00 (the middle of three known values)", p)
	}
}

// TestCohorts: membership by region, industry, kind and explicit ids;
// normalisation is relative to the cohort.
func TestCohorts(t *testing.T) {
	c, err := Compile(twoIndicators)
	if err != nil {
		t.Fatal(err)
	}
	subjects := mustFacts(t,
		enterprise("a", "620602", "C26", `{"year": 2024, "revenue": "1000万元", "rd_expense": "300万元"}`, ""),
		enterprise("b", "620621", "C26", `{"year": 2024, "revenue": "2000万元", "rd_expense": "200万元"}`, ""),
		enterprise("c", "620602", "I65", `{"year": 2024, "revenue": "3000万元", "rd_expense": "100万元"}`, ""),
		enterprise("d", "130407", "C27", `{"year": 2024, "revenue": "4000万元", "rd_expense": "50万元"}`, ""),
	)
	m, err := c.Collect(subjects, 2025, "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cohort Cohort
		want   []string
	}{
		{Cohort{ID: "all"}, []string{"d", "c", "b", "a"}},
		{Cohort{ID: "wuwei", Region: "620600"}, []string{"a", "b", "c"}},
		{Cohort{ID: "liangzhou", Region: "620602"}, []string{"a", "c"}},
		{Cohort{ID: "mfg", Industry: "C"}, []string{"a", "b", "d"}},
		{Cohort{ID: "zone", IDs: []string{"c", "a"}}, []string{"a", "c"}},
		{Cohort{ID: "wuwei-mfg", Region: "620600", Industry: "C26"}, []string{"a", "b"}},
		{Cohort{ID: "none", Region: "110000"}, nil},
	}
	for _, tt := range tests {
		r, err := m.Score(tt.cohort, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, res := range r.Results {
			got = append(got, res.Subject.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, tt.want) && !slices.Equal(got, sortedCopy(tt.want)) {
			t.Errorf("cohort %s: members %v, want %v", tt.cohort.ID, got, sortedCopy(tt.want))
		}
	}
	// Single-member cohort: ½ of each percentile indicator.
	r, err := m.Score(Cohort{ID: "one", IDs: []string{"d"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Results[0].Score.String(); s != "10.00" {
		t.Errorf("single member: %s, want 10.00 (½ of 20)", s)
	}
	_, err = m.Score(Cohort{ID: "zone", IDs: []string{"a", "ghost"}}, nil)
	if errs.KindOf(err) != errs.NotFound || !strings.Contains(fmt.Sprint(err), `"ghost"`) {
		t.Errorf("unknown cohort member: %v", err)
	}
}

func sortedCopy(s []string) []string { return slices.Sorted(slices.Values(s)) }

func TestWeightErrors(t *testing.T) {
	m := matrixOf(t, twoIndicators, []Raw{known(1), known(2)})
	for _, tt := range []struct {
		w    Weights
		want string
	}{
		{Weights{"nope": 3}, `weights.nope: there is no indicator "nope"`},
		{Weights{"revenue": -1}, "weights.revenue: weight -1"},
		{Weights{"revenue": 0, "rd-expense": 0}, "every indicator has weight 0"},
	} {
		_, err := m.Score(Cohort{}, tt.w)
		if err == nil || !strings.Contains(err.Error(), tt.want) || errs.KindOf(err) != errs.Invalid {
			t.Errorf("weights %v: error %v, want one containing %q", tt.w, err, tt.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tt := range []struct {
		expr, want string
	}{
		{"last.nonsense", "undefined field"},
		{"subject.name", "the expression is string"},
		{"last.revenue +", "Syntax error"},
		{"ip", "an indicator needs a number"},
	} {
		set := oneIndicator(Indicator{Norm: MinMax})
		set.Indicators[0].Expr = tt.expr
		_, err := Compile(set)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "indicators[0].expr") {
			t.Errorf("Compile(%q): %v, want an error at indicators[0].expr containing %q", tt.expr, err, tt.want)
		}
	}
	if _, err := Compile(&IndicatorSet{ID: "x"}); err == nil {
		t.Error("Compile of an invalid set succeeded")
	}
}

func TestRows(t *testing.T) {
	c, err := Compile(twoIndicators)
	if err != nil {
		t.Fatal(err)
	}
	check, err := facts.USCCCheckChar("91620602MA7123456")
	if err != nil {
		t.Fatal(err)
	}
	uscc := "91620602MA7123456" + string(check)
	subjects := mustFacts(t,
		fmt.Sprintf(`{"subject": {"id": "a", "kind": "enterprise", "name": "甲科技有限公司", "uscc": %q, "region": "620602"},
		  "annual": [{"year": 2024, "revenue": "1000万元", "rd_expense": "300万元"}]}`, uscc),
		`{"subject": {"id": "b", "kind": "enterprise", "name": "乙制造有限公司", "region": "620602"},
		  "annual": [{"year": 2024, "revenue": "2000万元"}]}`,
	)
	m, err := c.Collect(subjects, 2025, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Score(Cohort{ID: "liangzhou", Name: "凉州区", Region: "620602"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := r.Rows()
	want := [][]string{
		{"排名", "名称", "统一社会信用代码", "所在地区", "创新积分", "技术创新得分", "成长经营得分", "缺失指标"},
		{"1", "乙制造有限公司", "", "凉州区（620602）", "10.00", "0.00", "10.00", "研发费用"},
		{"2", "甲科技有限公司", uscc, "凉州区（620602）", "5.00", "5.00", "0.00", ""},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows\n got %q\nwant %q", got, want)
	}
	if title := r.Title(); !strings.Contains(title, "凉州区 2025年度") || !strings.Contains(title, "地方配置") {
		t.Errorf("title %q", title)
	}
}

// TestCollectErrors: duplicate subjects and a malformed date.
func TestCollectErrors(t *testing.T) {
	c, err := Compile(twoIndicators)
	if err != nil {
		t.Fatal(err)
	}
	f := mustFacts(t, enterprise("a", "620602", "C26", `{"year": 2024, "revenue": 1}`, ""))
	if _, err := c.Collect([]*facts.Facts{f[0], f[0]}, 2025, ""); err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Errorf("duplicate subject: %v", err)
	}
	if _, err := c.Collect(f, 2025, "2025-13-01"); err == nil {
		t.Error("bad date accepted")
	}
	var l errs.List
	if _, err := Compile(&IndicatorSet{ID: "x"}); !errors.As(err, &l) || len(l) < 2 {
		t.Errorf("invalid set: %v, want a list of errors", err)
	}
}
