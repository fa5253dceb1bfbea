package score

import (
	"strings"
	"testing"

	"kechuang/internal/errs"
)

// FuzzLoad: the loader reads files users write; whatever they hold, it
// returns a valid set or a positioned invalid-input error, and never
// panics.
func FuzzLoad(f *testing.F) {
	f.Add(DefaultYAML())
	f.Add([]byte(goodYAML))
	f.Add([]byte(strings.Replace(goodYAML, "weight: 15", "weight: &w [1, *w]", 1)))
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte("id: x\nindicators:\n  - &i {id: ab, name: n, group: g, expr: '1', weight: 1, norm: standard, standard: 1%}\n  - *i\n"))
	f.Add([]byte("indicators: [{standard: 1e999999999}, {standard: 999999999999999万元}, {cap: 0}]"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("\t"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Load(data, "fuzz.yaml")
		if err != nil {
			if s != nil {
				t.Fatal("a set returned with an error")
			}
			if k := errs.KindOf(err); k != errs.Invalid {
				t.Fatalf("error of kind %v: %v", k, err)
			}
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("Load returned a set that does not validate: %v", err)
		}
		for _, in := range s.Indicators {
			if in.Norm == Standard && (in.Standard == nil || in.Standard.Sign() <= 0) {
				t.Fatalf("indicator %s: standard %v", in.ID, in.Standard)
			}
		}
	})
}
