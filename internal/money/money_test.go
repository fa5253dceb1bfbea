package money

import (
	"math/big"
	"testing"

	"pgregory.net/rapid"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Fen
		err  bool
	}{
		{"20万元", 20 * Wan, false},
		{"1.5万元", 15000 * Yuan, false},
		{"1亿元", Yi, false},
		{"5000元", 5000 * Yuan, false},
		{"¥3,000.50", 300050, false},
		{"3000.5元", 300050, false},
		{"300萬元", 300 * Wan, false},
		{"0元", 0, false},
		{"0.01元", 1, false},
		{"0.015元", 0, true},
		{"", 0, true},
		{"万元", 0, true},
		{"abc元", 0, true},
		{"1e5元", 0, true},
		{"99999999999999999999元", 0, true},
		{"-5元", -500, false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, err=%v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		in   Fen
		want string
	}{
		{20 * Wan, "20万元"},
		{1200 * Wan, "1,200万元"},
		{5000 * Yuan, "5,000元"},
		{300050, "3,000.50元"},
		{0, "0元"},
		{15000 * Yuan, "1.5万元"},
		{186000 * Yuan, "18.6万元"},
		{123456 * Yuan, "123,456元"},
		{1234567, "12,345.67元"},
		{15000 * Wan, "1.5亿元"},
		{12345 * Wan, "12,345万元"},
		{-5 * Wan, "-5万元"},
		{-250, "-2.50元"},
		{Yi, "1亿元"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Fen(%d).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRateApplyRounding(t *testing.T) {
	r := func(s string) Rate {
		x, err := ParseRate(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	tests := []struct {
		rate string
		base Fen
		mode Rounding
		want Fen
	}{
		{"5%", 2000 * Wan, HalfUp, 100 * Wan},
		{"5%", 10, HalfUp, 1},   // 0.5 fen rounds up
		{"5%", 10, Down, 0},     // 0.5 fen is dropped
		{"5%", 9, HalfUp, 0},    // 0.45 fen
		{"5%", 1, Up, 1},        // any fraction goes up
		{"12.5%", 8, HalfUp, 1}, // exactly 1
		{"30%", 500 * Wan, Down, 150 * Wan},
		{"100%", 12345, HalfUp, 12345},
		{"0%", 12345, Up, 0},
	}
	for _, tt := range tests {
		if got := r(tt.rate).Apply(tt.base, tt.mode); got != tt.want {
			t.Errorf("%s × %d (%s) = %d, want %d", tt.rate, tt.base, tt.mode, got, tt.want)
		}
	}
}

// Apply agrees with exact rational arithmetic for every rounding mode.
func TestRateApplyProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		base := Fen(rapid.Int64Range(0, 1e13).Draw(t, "base"))
		num := rapid.Int64Range(0, 100000).Draw(t, "num")
		den := rapid.Int64Range(1, 100000).Draw(t, "den")
		mode := Rounding(rapid.IntRange(0, 2).Draw(t, "mode"))
		got := Rate{num, den}.Apply(base, mode)
		exact := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(int64(base)), big.NewInt(num)), big.NewInt(den))
		fl := new(big.Int).Quo(exact.Num(), exact.Denom())
		rem := new(big.Rat).Sub(exact, new(big.Rat).SetInt(fl))
		want := fl.Int64()
		switch mode {
		case HalfUp:
			if rem.Cmp(big.NewRat(1, 2)) >= 0 {
				want++
			}
		case Up:
			if rem.Sign() > 0 {
				want++
			}
		}
		if int64(got) != want {
			t.Fatalf("%d × %d/%d (%s) = %d, want %d", base, num, den, mode, got, want)
		}
	})
}

// Interval sums are exact and order-independent; a cap never raises a bound.
func TestIntervalProperty(t *testing.T) {
	gen := rapid.Custom(func(t *rapid.T) Interval {
		lo := Fen(rapid.Int64Range(0, 1e12).Draw(t, "lo"))
		hi := lo + Fen(rapid.Int64Range(0, 1e12).Draw(t, "w"))
		return Interval{Min: lo, Max: hi, Open: rapid.Bool().Draw(t, "open")}
	})
	rapid.Check(t, func(t *rapid.T) {
		a, b, c := gen.Draw(t, "a"), gen.Draw(t, "b"), gen.Draw(t, "c")
		if a.Add(b).Add(c) != a.Add(b.Add(c)) || a.Add(b) != b.Add(a) {
			t.Fatalf("addition is not associative/commutative for %v %v %v", a, b, c)
		}
		s := a.Add(b)
		if s.Min != a.Min+b.Min || s.Max != a.Max+b.Max {
			t.Fatalf("sum %v of %v and %v is not exact", s, a, b)
		}
		k := Fen(rapid.Int64Range(0, 2e12).Draw(t, "cap"))
		cp := a.Cap(k)
		if cp.Min > a.Min || cp.Max > k || cp.Min > cp.Max || cp.Open {
			t.Fatalf("cap %d of %v gave %v", k, a, cp)
		}
	})
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in       string
		num, den int64
		err      bool
	}{
		{"5%", 1, 20, false},
		{"12.5%", 1, 8, false},
		{"100%", 1, 1, false},
		{"0.3", 3, 10, false},
		{"x%", 0, 0, true},
		{"%", 0, 0, true},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if (err != nil) != tt.err || (!tt.err && (got.Num != tt.num || got.Den != tt.den)) {
			t.Errorf("ParseRate(%q) = %v, %v; want %d/%d err=%v", tt.in, got, err, tt.num, tt.den, tt.err)
		}
	}
}

// Display is exact: every amount reads back as itself.
func TestStringRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := Fen(rapid.Int64Range(-1e15, 1e15).Draw(t, "f"))
		if rapid.Bool().Draw(t, "round") {
			f = f / Fen(rapid.SampledFrom([]int64{100, 10000, 1000000, 100000000}).Draw(t, "unit")) * 100
		}
		got, err := Parse(f.String())
		if err != nil || got != f {
			t.Fatalf("Parse(%q) = %d, %v; want %d", f.String(), got, err, f)
		}
	})
}

// TestSplitProperties: the parts sum to the whole, each within a fen of its
// exact share, in proportion whatever the amount and shares.
func TestSplitProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		amount := Fen(rapid.Int64Range(0, 1<<50).Draw(t, "amount"))
		shares := rapid.SliceOfN(rapid.Int64Range(1, 1000), 1, 10).Draw(t, "shares")
		parts, err := Split(amount, shares)
		if err != nil {
			t.Fatal(err)
		}
		var sum, total Fen
		for _, s := range shares {
			total += Fen(s)
		}
		for i, p := range parts {
			sum += p
			// |p·total − amount·share| < total, in big-free arithmetic: compare p with ⌊amount·share/total⌋ and that +1
			lo := amount/total*Fen(shares[i]) + amount%total*Fen(shares[i])/total
			if p != lo && p != lo+1 {
				t.Fatalf("part %d = %d, exact share ⌊%d⌋", i, p, lo)
			}
		}
		if sum != amount {
			t.Fatalf("parts sum to %d, not %d", sum, amount)
		}
	})
}

func TestSplitRefuses(t *testing.T) {
	for _, tc := range []struct {
		amount Fen
		shares []int64
	}{{-1, []int64{1}}, {100, nil}, {100, []int64{1, 0}}, {100, []int64{-3}}} {
		if _, err := Split(tc.amount, tc.shares); err == nil {
			t.Errorf("Split(%d, %v) accepted", tc.amount, tc.shares)
		}
	}
}
