package indicator

import (
	"fmt"
	"math/big"
	"reflect"
	"strings"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// Computed is an indicator's value kechuang computes from the facts it
// holds, with what it counted: the subjects that make up the value, and
// how many subjects could not be counted for a missing fact.
type Computed struct {
	Indicator string
	Region    string // GB/T 2260 prefix of the subjects counted
	Year      int
	Value     *big.Rat // exact: a count, or 元 converted to the indicator's unit
	Subjects  []string // the subjects counted (for a count) or summed
	Unknown   int      // subjects whose figure for the year is not recorded
	Caliber   string
}

// Float is the value for the methods (trajectory, forecast).
func (c Computed) Float() float64 { f, _ := c.Value.Float64(); return f }

// Compute computes indicator in (its Computed names how) for the subjects
// of region (a GB/T 2260 code; the subjects are those whose region it
// covers) in year, with the library's engine (certificate validity comes
// from the national standards: 高企 three years).
func Compute(eng *rules.Engine, in *Indicator, subjects []*facts.Facts, region string, year int) (Computed, error) {
	c := Computed{Indicator: in.ID, Region: region, Year: year, Caliber: in.Caliber, Value: new(big.Rat)}
	end, err := policy.ParseDate(fmt.Sprintf("%04d-12-31", year))
	if err != nil {
		return c, err
	}
	prefix := policy.RegionPrefix(region)
	holds := func(f *facts.Facts, status, level string) bool {
		for _, h := range eng.Held(f, end) {
			if h.Status != status {
				continue
			}
			if level == "" {
				return true
			}
			for _, r := range f.Recognitions {
				if r.ID == h.Record && r.Level == level {
					return true
				}
			}
		}
		return false
	}
	count := func(ok func(*facts.Facts) bool) {
		for _, f := range subjects {
			if strings.HasPrefix(f.Subject.Region, prefix) && ok(f) {
				c.Subjects = append(c.Subjects, f.Subject.ID)
			}
		}
		c.Value.SetInt64(int64(len(c.Subjects)))
	}
	switch in.Computed {
	case "hte_valid_year_end":
		count(func(f *facts.Facts) bool { return holds(f, "high_tech_enterprise", "") })
	case "sci_innov_year_end":
		count(func(f *facts.Facts) bool { return holds(f, "sci_innov_enterprise", "province") })
	case "sme_tech_year":
		count(func(f *facts.Facts) bool {
			for _, r := range f.Recognitions {
				if r.Kind == "sme_tech" && r.Source != "assessed" && strings.HasPrefix(r.Date, fmt.Sprintf("%04d-", year)) {
					return true
				}
			}
			return false
		})
	case "tech_contracts":
		sum := int64(0) // fen
		for _, f := range subjects {
			if !strings.HasPrefix(f.Subject.Region, prefix) {
				continue
			}
			for i := range f.Annual {
				a := &f.Annual[i]
				if a.Year != int64(year) {
					continue
				}
				if !known(a, "TechContracts") {
					c.Unknown++
					continue
				}
				if a.TechContracts > 0 {
					sum += a.TechContracts
					c.Subjects = append(c.Subjects, f.Subject.ID)
				}
			}
		}
		unit, ok := units[in.Unit]
		if !ok {
			return c, fmt.Errorf("%s: unit %q is not a money unit (元, 万元, 亿元)", in.ID, in.Unit)
		}
		c.Value.SetFrac64(sum, unit) // exact: fen ÷ fen per unit
	default:
		return c, fmt.Errorf("%s is not computed by kechuang (its values are entered or imported)", in)
	}
	return c, nil
}

// units are fen per money unit.
var units = map[string]int64{"元": 100, "万元": 1_000_000, "亿元": 10_000_000_000}

// known reports whether field of a is recorded (its Known bit).
func known(a *facts.Annual, field string) bool {
	sf, ok := reflect.TypeOf(*a).FieldByName(field)
	if !ok {
		return false
	}
	return a.Known&(1<<uint(sf.Index[0])) != 0
}
