// Package money holds amounts as int64 fen (分) — never floating point — with
// exact parsing of the way the documents write them ("20万元", "1亿元",
// "5000元"), explicit rounding, rates as exact fractions, and intervals for
// discretionary amounts ("10%—20%", "20—30万元").
package money

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// Fen is an amount of money in fen (分, 0.01 元).
type Fen int64

const (
	Yuan Fen = 100
	Wan  Fen = 10000 * Yuan         // 万元
	Yi   Fen = 10000 * 10000 * Yuan // 亿元
)

// unitOf maps the unit words used in the documents to their value in fen.
var units = []struct {
	word string
	fen  Fen
}{
	{"亿元", Yi}, {"亿", Yi}, {"万元", Wan}, {"萬元", Wan}, {"万", Wan}, {"萬", Wan}, {"元", Yuan}, {"分", 1},
}

// Parse reads an amount such as "20万元", "1.5万元", "1亿元", "5000元",
// "¥3,000.50" or "3000.50". A bare number is 元. It is exact: "0.015元" is an
// error because it is not a whole number of fen.
func Parse(s string) (Fen, error) {
	orig := s
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "¥")
	s = strings.TrimPrefix(s, "￥")
	s = strings.ReplaceAll(s, ",", "")
	s = strings.ReplaceAll(s, "，", "")
	unit := Yuan
	for _, u := range units {
		if strings.HasSuffix(s, u.word) {
			unit = u.fen
			s = strings.TrimSpace(strings.TrimSuffix(s, u.word))
			break
		}
	}
	neg := false
	if strings.HasPrefix(s, "-") {
		neg = true
		s = s[1:]
	}
	if s == "" {
		return 0, fmt.Errorf("%q is not an amount: write it like 20万元, 5000元 or 1.5万元", orig)
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" {
		intPart = "0"
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not an amount: write it like 20万元, 5000元 or 1.5万元", orig)
		}
	}
	// value = (intPart.frac) × unit, exactly.
	digits := intPart + frac
	n, err := strconv.ParseUint(digits, 10, 63)
	if err != nil {
		return 0, fmt.Errorf("%q is too large for an amount", orig)
	}
	den := uint64(1)
	for range len(frac) {
		den *= 10
		if den > 1e18 {
			return 0, fmt.Errorf("%q has too many decimal places", orig)
		}
	}
	hi, lo := bits.Mul64(n, uint64(unit))
	if hi >= den {
		return 0, fmt.Errorf("%q is too large for an amount", orig)
	}
	q, rem := bits.Div64(hi, lo, den)
	if rem != 0 {
		return 0, fmt.Errorf("%q is not a whole number of fen (分)", orig)
	}
	if q > math.MaxInt64 {
		return 0, fmt.Errorf("%q is too large for an amount", orig)
	}
	f := Fen(q)
	if neg {
		f = -f
	}
	return f, nil
}

// String shows an amount the way a bureau would write it: in 亿元 when it is
// at least 1亿元 and a whole number of 百万元 ("1亿元", "1.5亿元"), in 万元 when it
// is at least 1万元 and a whole number of 百元 ("20万元", "18.6万元",
// "1,200万元"), otherwise in 元 ("5,000元", "3,000.50元"). It is exact: an
// amount that needs more decimals is shown in 元.
func (f Fen) String() string {
	a := f
	if a < 0 {
		a = -a
	}
	switch {
	case a >= Yi && a%(100*Wan) == 0:
		return decimal(f, Yi, 2) + "亿元"
	case a >= Wan && a%(100*Yuan) == 0:
		return decimal(f, Wan, 2) + "万元"
	}
	return Yuan2(f)
}

// decimal renders f/unit with at most places decimals (f/unit must need no more).
func decimal(f, unit Fen, places int) string {
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	s := sign + group(int64(f/unit))
	r := f % unit
	if r == 0 {
		return s
	}
	scale := unit
	for range places {
		scale /= 10
	}
	frac := fmt.Sprintf("%0*d", places, int64(r/scale))
	return s + "." + strings.TrimRight(frac, "0")
}

// Yuan2 shows an amount in 元 with thousands separators and two decimals
// omitted when they are zero: "5,000元", "3,000.50元".
func Yuan2(f Fen) string {
	sign := ""
	if f < 0 {
		sign = "-"
		f = -f
	}
	s := sign + group(int64(f/Yuan))
	if c := f % Yuan; c != 0 {
		s += fmt.Sprintf(".%02d", int64(c))
	}
	return s + "元"
}

func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Rounding says how a computed amount that is not a whole number of fen is
// brought to one. There is no default: every rate carries its mode.
type Rounding uint8

const (
	HalfUp Rounding = iota // 四舍五入: half a fen rounds away from zero
	Down                   // 舍去: toward zero (never pay more than the rate allows)
	Up                     // 进一: away from zero
)

func (r Rounding) String() string {
	switch r {
	case Down:
		return "down"
	case Up:
		return "up"
	}
	return "half_up"
}

// ParseRounding reads "half_up", "down" or "up".
func ParseRounding(s string) (Rounding, error) {
	switch s {
	case "half_up":
		return HalfUp, nil
	case "down":
		return Down, nil
	case "up":
		return Up, nil
	}
	return 0, fmt.Errorf("rounding %q: use half_up (四舍五入), down (舍去) or up (进一)", s)
}

// Rate is an exact fraction Num/Den, e.g. 12.5% = 125/1000.
type Rate struct {
	Num, Den int64
}

// ParseRate reads "5%", "12.5%", "0.3" or "100%".
func ParseRate(s string) (Rate, error) {
	orig := s
	s = strings.TrimSpace(s)
	den := int64(1)
	if strings.HasSuffix(s, "%") || strings.HasSuffix(s, "％") {
		s = strings.TrimSuffix(strings.TrimSuffix(s, "%"), "％")
		den = 100
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return Rate{}, fmt.Errorf("%q is not a rate: write it like 5%% or 12.5%%", orig)
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return Rate{}, fmt.Errorf("%q is not a rate: write it like 5%% or 12.5%%", orig)
		}
	}
	if len(frac) > 6 {
		return Rate{}, fmt.Errorf("%q has too many decimal places", orig)
	}
	n, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil || n > 1e12 {
		return Rate{}, fmt.Errorf("%q is out of range for a rate", orig)
	}
	for range len(frac) {
		den *= 10
	}
	return Rate{n, den}.reduce(), nil
}

func (r Rate) reduce() Rate {
	a, b := r.Num, r.Den
	for b != 0 {
		a, b = b, a%b
	}
	if a <= 1 {
		return r
	}
	return Rate{r.Num / a, r.Den / a}
}

// String shows the rate as a percentage, e.g. "12.5%".
func (r Rate) String() string {
	if r.Den == 0 {
		return "0%"
	}
	// Percent with up to 4 decimals, exact where possible.
	p := float64(r.Num) * 100 / float64(r.Den) // display only
	s := strconv.FormatFloat(p, 'f', -1, 64)
	return s + "%"
}

// Less reports r < o.
func (r Rate) Less(o Rate) bool {
	// r.Num/r.Den < o.Num/o.Den with positive denominators.
	h1, l1 := bits.Mul64(uint64(r.Num), uint64(o.Den))
	h2, l2 := bits.Mul64(uint64(o.Num), uint64(r.Den))
	return h1 < h2 || (h1 == h2 && l1 < l2)
}

// Apply returns base × r rounded to the fen with mode. base must be >= 0.
func (r Rate) Apply(base Fen, mode Rounding) Fen {
	if base < 0 {
		return -r.Apply(-base, mode)
	}
	if r.Den == 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(base), uint64(r.Num))
	if hi >= uint64(r.Den) {
		return math.MaxInt64 // saturate: no real amount comes near 9.2e16 元
	}
	q, rem := bits.Div64(hi, lo, uint64(r.Den))
	switch mode {
	case HalfUp:
		if rem*2 >= uint64(r.Den) {
			q++
		}
	case Up:
		if rem != 0 {
			q++
		}
	}
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return Fen(q)
}

// Add returns a+b, saturating instead of overflowing.
func Add(a, b Fen) Fen {
	s := a + b
	if (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0) {
		if a > 0 {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return s
}

// Interval is an amount known to lie in [Min, Max]. A fixed amount has
// Min == Max. Open means there is no upper bound ("不低于50万元").
type Interval struct {
	Min, Max Fen
	Open     bool
}

// Exact is the interval holding just f.
func Exact(f Fen) Interval { return Interval{Min: f, Max: f} }

// Add sums two intervals bound by bound.
func (a Interval) Add(b Interval) Interval {
	return Interval{Min: Add(a.Min, b.Min), Max: Add(a.Max, b.Max), Open: a.Open || b.Open}
}

// IsExact reports whether the interval is a single amount.
func (a Interval) IsExact() bool { return !a.Open && a.Min == a.Max }

// Cap limits both bounds to at most c (a 封顶 such as "最高不超过100万元").
func (a Interval) Cap(c Fen) Interval {
	if a.Min > c {
		a.Min = c
	}
	if a.Open || a.Max > c {
		a.Max = c
		a.Open = false
	}
	return a
}

// Floor raises both bounds to at least f (保底).
func (a Interval) Floor(f Fen) Interval {
	if a.Min < f {
		a.Min = f
	}
	if !a.Open && a.Max < f {
		a.Max = f
	}
	return a
}

// String shows "20万元", "10万元—20万元" or "不低于50万元".
func (a Interval) String() string {
	switch {
	case a.Open:
		return "不低于" + a.Min.String()
	case a.Min == a.Max:
		return a.Min.String()
	}
	return a.Min.String() + "—" + a.Max.String()
}

// Delta shows the change from a to b: "+10万元", or per bound when either is
// a range ("+5万元（下限）/+10万元（上限）").
func Delta(a, b Interval) string {
	signed := func(f Fen) string {
		if f > 0 {
			return "+" + f.String()
		}
		if f == 0 {
			return "0"
		}
		return f.String()
	}
	lo, hi := b.Min-a.Min, b.Max-a.Max
	switch {
	case a.Open || b.Open:
		return signed(lo) + "（下限；上不封顶）"
	case lo == hi:
		return signed(lo)
	}
	return signed(lo) + "（下限）/" + signed(hi) + "（上限）"
}
