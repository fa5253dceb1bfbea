package facts

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// TestParseDateFastPath: the fast path answers exactly as time.Parse does.
func TestParseDateFastPath(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var s string
		if rapid.Bool().Draw(t, "wellFormed") {
			s = fmt.Sprintf("%04d-%02d-%02d", rapid.IntRange(0, 9999).Draw(t, "y"), rapid.IntRange(0, 13).Draw(t, "m"), rapid.IntRange(0, 32).Draw(t, "d"))
		} else {
			s = rapid.StringOfN(rapid.SampledFrom([]rune("0123456789-+ /")), 8, 12, -1).Draw(t, "s")
		}
		got, gerr := parseDate(s)
		want, werr := time.Parse("2006-01-02", s)
		if (gerr == nil) != (werr == nil) || !got.Equal(want) {
			t.Fatalf("%q: fast path %v %v, time.Parse %v %v", s, got, gerr, want, werr)
		}
	})
}
