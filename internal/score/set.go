// Package score is the engine of 企业创新积分制 (enterprise innovation
// points): a configurable indicator set (指标体系) scores every subject of a
// cohort (评价范围: a 高新区, a county, an industry) for one year, ranks them,
// and says how much each indicator (指标) contributed.
//
// The work is split in two so that weights can change without touching
// facts again:
//
//  1. Compile checks each indicator's CEL expression once against the facts
//     environment (rules.Env); Compiled.Collect evaluates the expressions
//     for every subject of a year, once, into a Matrix of raw values (原始值).
//  2. Matrix.Score normalises the raw values against a cohort (min–max,
//     percentile or a standard value), weighs them, and ranks. It reads only
//     the matrix — which holds no facts — so a new weight vector re-ranks
//     without evaluating anything.
//
// All arithmetic is exact (math/big.Rat): the score of a subject does not
// depend on the order of the cohort or of the indicators. Rounding happens
// once, at the end, to 0.01 point, and the displayed contributions are
// allocated so that they sum exactly to the displayed score.
package score

import (
	"fmt"
	"math/big"
	"regexp"

	"kechuang/internal/errs"
)

// Direction says whether more of an indicator is better.
type Direction string

const (
	Higher Direction = "higher" // more is better (the default)
	Lower  Direction = "lower"  // less is better: the normalised value is inverted
)

// Norm is how a raw value is normalised (标准化) to a share of the weight.
type Norm string

const (
	// MinMax is (x − min) / (max − min) over the cohort members that have a
	// value. A cohort without spread (one member, or all equal) gives every
	// member ½: nobody is ahead of anybody, and ½ is the same whichever
	// direction is better.
	MinMax Norm = "minmax"
	// Percentile is the mid-rank (中位秩) of x among the cohort members that
	// have a value, scaled to [0, 1]: (below + (equal − 1)/2) / (n − 1).
	// Ties share the average of the ranks they span; a single member, or a
	// cohort of equal values, gets ½ — the same as MinMax.
	Percentile Norm = "percentile"
	// Standard is attainment of a fixed standard value (标准值): x / standard,
	// not below 0. It does not depend on the cohort. Attainment above 1 earns
	// more than the weight only up to the indicator's cap.
	Standard Norm = "standard"
)

// IndicatorSet is a configurable indicator system (指标体系).
type IndicatorSet struct {
	ID   string
	Name string
	// Note says where the set comes from. A set that no policy document
	// prescribes must say so (e.g. "地方配置：非文件规定").
	Note       string
	Indicators []Indicator

	// File names the file the set was loaded from, for error positions.
	File string
	// pos maps a field path ("indicators[2].weight") to its place in the
	// file the set was loaded from.
	pos map[string]errs.Pos
}

// Indicator is one scored indicator (指标).
type Indicator struct {
	ID    string // lowercase letters, digits and '-': stable across versions of a set
	Name  string // Chinese name shown to users, e.g. 研发费用
	Group string // 指标类别, e.g. 技术创新, 成长经营, 获得支持
	// Expr is a CEL expression over the facts environment (rules.Env) that
	// returns an int, a uint, a double or a bool (true counts 1, false 0):
	// "last.rd_expense", "last.rd_intensity", "size(ip)". A fact that is
	// unknown makes the raw value unknown: it scores 0 and is listed as
	// missing, never read as zero.
	Expr      string
	Direction Direction // "" is Higher
	Weight    int64     // 权重: the points for a full normalised value
	Norm      Norm
	// Standard is, for Norm Standard, the raw value that earns the full
	// weight; it must be positive. Money facts are in fen.
	Standard *big.Rat
	// Cap is the most points the indicator can earn (封顶); 0 means the
	// weight. Only a Standard indicator can earn more than its weight.
	Cap  int64
	Note string // optional explanation of the indicator
}

// Limits on a set, so that a malformed configuration cannot ask for
// unbounded work.
const (
	MaxIndicators = 200
	MaxWeight     = 10_000
	maxExprLen    = 4000
)

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,63}$`)

// at returns the position of a field path: its place in the loaded file if
// known, else just the path.
func (s *IndicatorSet) at(path string) errs.Pos {
	if p, ok := s.pos[path]; ok {
		return p
	}
	return errs.Pos{File: s.File, Path: path}
}

func field(i int, name string) string { return fmt.Sprintf("indicators[%d].%s", i, name) }

// Validate reports every problem of the set at once, each at its field.
func (s *IndicatorSet) Validate() error {
	var l errs.List
	fail := func(path, format string, args ...any) { l = append(l, errs.At(s.at(path), format, args...)) }
	if !idRE.MatchString(s.ID) {
		fail("id", "the indicator set id %q must be lowercase letters, digits and '-' (2–64 characters)", s.ID)
	}
	if s.Name == "" {
		fail("name", "the indicator set needs a name")
	}
	if s.Note == "" {
		fail("note", "the indicator set needs a note saying where it comes from (e.g. 地方配置：非文件规定)")
	}
	switch n := len(s.Indicators); {
	case n == 0:
		fail("indicators", "the indicator set has no indicators")
	case n > MaxIndicators:
		fail("indicators", "the indicator set has %d indicators; at most %d are allowed", n, MaxIndicators)
	}
	seen := map[string]int{}
	var total int64
	for i := range s.Indicators {
		in := &s.Indicators[i]
		if !idRE.MatchString(in.ID) {
			fail(field(i, "id"), "indicator id %q must be lowercase letters, digits and '-' (2–64 characters)", in.ID)
		} else if j, dup := seen[in.ID]; dup {
			fail(field(i, "id"), "indicator id %q is used twice (also indicators[%d])", in.ID, j)
		} else {
			seen[in.ID] = i
		}
		if in.Name == "" {
			fail(field(i, "name"), "indicator %q needs a name", in.ID)
		}
		if in.Group == "" {
			fail(field(i, "group"), "indicator %q needs a group (e.g. 技术创新, 成长经营, 获得支持)", in.ID)
		}
		switch {
		case in.Expr == "":
			fail(field(i, "expr"), "indicator %q needs an expression (expr)", in.ID)
		case len(in.Expr) > maxExprLen:
			fail(field(i, "expr"), "the expression of indicator %q is longer than %d bytes", in.ID, maxExprLen)
		}
		switch in.Direction {
		case "", Higher, Lower:
		default:
			fail(field(i, "direction"), "direction %q of indicator %q: use higher or lower", in.Direction, in.ID)
		}
		if in.Weight < 0 || in.Weight > MaxWeight {
			fail(field(i, "weight"), "weight %d of indicator %q must be between 0 and %d", in.Weight, in.ID, MaxWeight)
		} else {
			total += in.Weight
		}
		switch in.Norm {
		case MinMax, Percentile:
			if in.Standard != nil {
				fail(field(i, "standard"), "indicator %q has a standard value but norm %s; a standard value needs norm standard", in.ID, in.Norm)
			}
			if in.Cap > in.Weight {
				fail(field(i, "cap"), "cap %d of indicator %q is above its weight %d: with norm %s it can never be reached", in.Cap, in.ID, in.Weight, in.Norm)
			}
		case Standard:
			if in.Standard == nil || in.Standard.Sign() <= 0 {
				fail(field(i, "standard"), "indicator %q has norm standard and needs a positive standard value", in.ID)
			}
			if in.Direction == Lower {
				fail(field(i, "direction"), "indicator %q: a standard value scores attainment from below; for a lower-is-better indicator use norm minmax or percentile", in.ID)
			}
		default:
			fail(field(i, "norm"), "norm %q of indicator %q: use minmax, percentile or standard", in.Norm, in.ID)
		}
		if in.Cap < 0 || in.Cap > MaxWeight {
			fail(field(i, "cap"), "cap %d of indicator %q must be between 1 and %d (0: the weight)", in.Cap, in.ID, MaxWeight)
		}
	}
	if len(s.Indicators) > 0 && total == 0 {
		fail("indicators", "every indicator has weight 0: nothing would be scored")
	}
	return l.Err()
}

// cap is the most points indicator in can earn under weight w.
func (in *Indicator) cap(w int64) int64 {
	if in.Cap > 0 {
		return in.Cap
	}
	return w
}

// Groups lists the indicator groups of the set in the order they first
// appear.
func (s *IndicatorSet) Groups() []string {
	var out []string
	seen := map[string]bool{}
	for _, in := range s.Indicators {
		if !seen[in.Group] {
			seen[in.Group] = true
			out = append(out, in.Group)
		}
	}
	return out
}

// TotalWeight is the sum of the weights: the score of a subject that is
// best on every indicator (standard indicators capped at their weight).
func (s *IndicatorSet) TotalWeight() int64 {
	var t int64
	for _, in := range s.Indicators {
		t += in.Weight
	}
	return t
}
