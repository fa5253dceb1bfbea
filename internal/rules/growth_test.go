package rules

import (
	"math/big"
	"testing"

	"pgregory.net/rapid"
)

func TestGrowth(t *testing.T) {
	tests := []struct {
		name    string
		a, b, c int64
		want    float64
	}{
		{"steady 35%", 100_00, 135_00, 182_25, 0.35},
		{"first year 0: the last two years", 0, 800, 1200, 0.5},
		{"second year 0: 0分", 100, 0, 500, 0},
		{"first two years 0", 0, 0, 500, 0},
		{"flat", 100, 100, 100, 0},
		{"falling", 100, 80, 64, -0.2},
	}
	for _, tt := range tests {
		if got := Growth(tt.a, tt.b, tt.c); got != tt.want {
			t.Errorf("%s: Growth(%d, %d, %d) = %v, want %v", tt.name, tt.a, tt.b, tt.c, got, tt.want)
		}
	}
	// A rate exactly on a band bound compares equal to pct(k): both are the
	// nearest float64 of the same rational.
	if g := Growth(100_000_000_00, 135_000_000_00, 182_250_000_00); !(g >= 35.0/100) {
		t.Errorf("35%% growth computed as %v, below pct(35)", g)
	}
	if g := Growth(100_000_000_00, 135_000_000_00, 182_249_999_99); g >= 35.0/100 {
		t.Errorf("growth 1 fen short of 35%% computed as %v, not below pct(35)", g)
	}
}

// TestGrowthProperty: Growth is the guide's formula, rounded once from the
// exact rational.
func TestGrowthProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := rapid.Int64Range(-1e12, 1e12).Draw(t, "a")
		b := rapid.Int64Range(-1e12, 1e12).Draw(t, "b")
		c := rapid.Int64Range(-1e12, 1e12).Draw(t, "c")
		got := Growth(a, b, c)
		var want *big.Rat
		switch {
		case b == 0:
			want = new(big.Rat)
		case a == 0:
			want = new(big.Rat).Sub(big.NewRat(c, b), big.NewRat(1, 1))
		default:
			s := new(big.Rat).Add(big.NewRat(b, a), big.NewRat(c, b))
			want = new(big.Rat).Sub(s.Mul(s, big.NewRat(1, 2)), big.NewRat(1, 1))
		}
		if w, _ := want.Float64(); got != w {
			t.Fatalf("Growth(%d, %d, %d) = %v, want %v", a, b, c, got, w)
		}
	})
}

func TestDays(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int64
		ok   bool
	}{
		{"2024-06-01", "2025-06-01", 365, true},
		{"2023-06-01", "2024-06-01", 366, true},
		{"2025-06-01", "2025-05-31", -1, true},
		{"2025-02-30", "2025-06-01", 0, false},
	} {
		got, ok := Days(tt.a, tt.b)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Days(%s, %s) = %d, %v; want %d, %v", tt.a, tt.b, got, ok, tt.want, tt.ok)
		}
	}
}
