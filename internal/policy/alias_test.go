package policy

import (
	"strings"
	"testing"
	"time"
)

// A few lines of nested YAML aliases in a test's facts must not expand
// into millions of values: the loader refuses them, quickly.
func TestAliasBomb(t *testing.T) {
	y := header + `clauses:
  - id: t-hte
    title: t
    citation: {section: 四, quote: 對新認定的高新技術企業給予20萬元一次性補助}
    beneficiary: [enterprise]
    level: city
    amount: {fixed: 20万元}
    payer: x
    tests:
      - name: t
        at: 2024-12-31
        facts:
          a: &a [x, x, x, x, x, x, x, x, x]
          b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
          c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
          d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
          e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
          f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
          g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
        want: {outcome: entitled}
`
	start := time.Now()
	_, err := parse(t, y)
	if err == nil || !strings.Contains(err.Error(), "YAML aliases") || time.Since(start) > 2*time.Second {
		t.Fatalf("alias bomb: %v after %v", err, time.Since(start))
	}
}
