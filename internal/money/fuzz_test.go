package money

import (
	"math"
	"testing"
)

// FuzzParse: amounts typed into forms (确定金额, 预算金额) and read from
// sheets never panic the parser, and whatever it accepts is shown by String
// as text that parses back to the same fen.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"20万元", "1.5万元", "1亿元", "5000元", "¥3,000.50", "3000.50", "-2万", "0.01元", "0.015元", "9223372036854775807分", "１万元", "", "万元", ".5万", "1,,2元"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil || v == math.MinInt64 {
			return
		}
		back, err := Parse(v.String())
		if err != nil || back != v {
			t.Fatalf("Parse(%q) = %d, shown as %q, which parses to %d (%v)", s, v, v.String(), back, err)
		}
	})
}
