package score

import (
	_ "embed"
	"math/big"
	"sync"
)

//go:embed default.yaml
var defaultYAML []byte

var defaultSet = sync.OnceValues(func() (*IndicatorSet, error) { return Load(defaultYAML, "internal/score/default.yaml") })

// DefaultSet returns a fresh copy of the default indicator set
// (default.yaml): technology innovation (技术创新), growth (成长经营) and
// support (获得支持) indicators over the facts schema. It is a local
// configuration, not taken from any policy document, and its Note says so.
func DefaultSet() *IndicatorSet {
	s, err := defaultSet()
	if err != nil {
		panic("score: default.yaml: " + err.Error()) // tested: the embedded file is valid
	}
	c := *s
	c.Indicators = append([]Indicator(nil), s.Indicators...)
	for i := range c.Indicators {
		if st := c.Indicators[i].Standard; st != nil {
			c.Indicators[i].Standard = new(big.Rat).Set(st)
		}
	}
	return &c
}

// DefaultYAML returns the text of the default indicator set, for a user to
// copy and adapt.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }
