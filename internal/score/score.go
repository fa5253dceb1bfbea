package score

import (
	"cmp"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/policy"
)

// Points is a number of points in hundredths (0.01分): 8533 is 85.33 points.
type Points int64

func (p Points) String() string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return fmt.Sprintf("%s%d.%02d", sign, int64(p/100), int64(p%100))
}

// Cohort is the group of subjects a score is relative to (评价范围): a
// 高新区, a county, an industry. A subject is a member when it meets every
// criterion that is set.
type Cohort struct {
	ID, Name string
	// Region is a GB/T 2260 code: the division and everything under it
	// (620600: 武威市 and its counties; 620602: 凉州区 only).
	Region string
	// Industry is a GB/T 4754 code or a prefix of one ("C": 制造业, "C26").
	Industry string
	// Kind is a subject kind (enterprise, institute …).
	Kind string
	// IDs are the members by subject id, e.g. the enterprises of a 高新区
	// that has no division code of its own. Order does not matter.
	IDs []string
}

func (c *Cohort) admits(s *Subject, ids map[string]bool) bool {
	return (c.Region == "" || policy.Covers(c.Region, s.Region)) &&
		strings.HasPrefix(s.Industry, c.Industry) &&
		(c.Kind == "" || s.Kind == c.Kind) &&
		(ids == nil || ids[s.ID])
}

// Weights overrides indicator weights by indicator id; indicators not named
// keep the set's weight. A cap left at 0 follows the new weight.
type Weights map[string]int64

// Ranking is a cohort's scores for one year, best first.
type Ranking struct {
	Set     *IndicatorSet
	Cohort  Cohort
	FY      int64
	At      string
	Weights []int64 // the weight each indicator was scored with, like Set.Indicators
	Groups  []string
	Results []Result
}

// Result is one subject's score.
type Result struct {
	Subject Subject
	// Position is the subject's place in Results (1, 2, 3, 4 …): by exact
	// score, best first, then by subject id — a total, deterministic order.
	Position int
	// Rank is the competition rank (1, 2, 2, 4) of the displayed score:
	// subjects whose displayed scores are equal share the best rank among
	// them.
	Rank int
	// Score is the exact score rounded half up to 0.01 point (四舍五入).
	Score Points
	// Exact is the score before rounding: the sum of the indicators' exact
	// points.
	Exact *big.Rat
	Items []Item // one per indicator, like Set.Indicators
	// GroupPoints are the displayed points of each group (like
	// Ranking.Groups): sums of displayed contributions, so they add up to
	// Score.
	GroupPoints []Points
	Missing     []string // ids of the indicators whose raw value is not known
}

// Item is one indicator's contribution to a subject's score.
type Item struct {
	Indicator string
	Raw       Raw
	// Normalised is the share of the weight the raw value earns: in [0, 1]
	// for min–max and percentile (already inverted for a lower-is-better
	// indicator), attainment x / standard (≥ 0, uncapped) for a standard
	// value. Nil when the raw value is not known.
	Normalised *big.Rat
	Exact      *big.Rat // min(weight × normalised, cap); 0 when missing
	// Points is the displayed contribution: Exact rounded down or up to
	// 0.01 point so that the contributions of a subject sum to its Score.
	Points Points
}

// Score scores the cohort's members with the set's weights, overridden by
// w (nil: none), and ranks them. It reads only the matrix: a new weight
// vector re-ranks without evaluating any fact.
//
// Normalisation uses the members that have a value; a member without one
// earns 0 points for that indicator and lists it as missing. The result
// does not depend on the order of the subjects or of the cohort's ids.
func (m *Matrix) Score(c Cohort, w Weights) (*Ranking, error) {
	set := m.Set
	r := &Ranking{Set: set, Cohort: c, FY: m.FY, At: m.At, Weights: make([]int64, len(set.Indicators)), Groups: set.Groups()}
	var l errs.List
	for i, in := range set.Indicators {
		r.Weights[i] = in.Weight
	}
	for id, wt := range w {
		i := slices.IndexFunc(set.Indicators, func(in Indicator) bool { return in.ID == id })
		switch {
		case i < 0:
			l = append(l, errs.At(errs.Pos{Path: "weights." + id}, "there is no indicator %q in the set %s", id, set.ID))
		case wt < 0 || wt > MaxWeight:
			l = append(l, errs.At(errs.Pos{Path: "weights." + id}, "weight %d of indicator %q must be between 0 and %d", wt, id, MaxWeight))
		default:
			r.Weights[i] = wt
		}
	}
	var total int64
	for _, wt := range r.Weights {
		total += wt
	}
	if total == 0 {
		l = append(l, errs.At(errs.Pos{Path: "weights"}, "every indicator has weight 0: nothing would be scored"))
	}
	var ids map[string]bool
	if c.IDs != nil {
		ids = make(map[string]bool, len(c.IDs))
		for _, id := range c.IDs {
			ids[id] = true
		}
		for _, s := range m.Subjects {
			delete(ids, s.ID)
		}
		for _, id := range slices.Sorted(maps.Keys(ids)) {
			l = append(l, &errs.Error{Kind: errs.NotFound, Pos: errs.Pos{Path: "cohort.ids"}, Msg: fmt.Sprintf("cohort %s lists subject %q, which is not among the collected subjects", c.ID, id)})
		}
		for _, id := range c.IDs {
			ids[id] = true
		}
	}
	if len(l) > 0 {
		return nil, l
	}
	var rows []int
	for i := range m.Subjects {
		if c.admits(&m.Subjects[i], ids) {
			rows = append(rows, i)
		}
	}
	r.Results = make([]Result, len(rows))
	for k, row := range rows {
		r.Results[k] = Result{Subject: m.Subjects[row], Items: make([]Item, len(set.Indicators)), Exact: new(big.Rat)}
	}
	var col []*big.Rat
	for j := range set.Indicators {
		in := &set.Indicators[j]
		col = col[:0]
		for _, row := range rows {
			col = append(col, m.Values[row][j].exact)
		}
		norms := normalise(in, col)
		weight := big.NewRat(r.Weights[j], 1)
		limit := big.NewRat(in.cap(r.Weights[j]), 1)
		for k, row := range rows {
			res := &r.Results[k]
			it := Item{Indicator: in.ID, Raw: m.Values[row][j], Normalised: norms[k], Exact: new(big.Rat)}
			if it.Normalised == nil {
				res.Missing = append(res.Missing, in.ID)
			} else {
				it.Exact.Mul(weight, it.Normalised)
				if it.Exact.Cmp(limit) > 0 {
					it.Exact.Set(limit)
				}
				res.Exact.Add(res.Exact, it.Exact)
			}
			res.Items[j] = it
		}
	}
	for k := range r.Results {
		display(&r.Results[k], set, r.Groups)
	}
	slices.SortFunc(r.Results, func(a, b Result) int {
		if c := b.Exact.Cmp(a.Exact); c != 0 {
			return c
		}
		return cmp.Compare(a.Subject.ID, b.Subject.ID)
	})
	for k := range r.Results {
		res := &r.Results[k]
		res.Position, res.Rank = k+1, k+1
		if k > 0 && r.Results[k-1].Score == res.Score {
			res.Rank = r.Results[k-1].Rank
		}
	}
	return r, nil
}

var half = big.NewRat(1, 2)

// normalise returns the normalised value of each of a cohort's raw values
// of one indicator (nil: no value, which stays nil). It depends only on the
// multiset of values, never on their order.
func normalise(in *Indicator, xs []*big.Rat) []*big.Rat {
	out := make([]*big.Rat, len(xs))
	var known []*big.Rat
	for _, x := range xs {
		if x != nil {
			known = append(known, x)
		}
	}
	if len(known) == 0 {
		return out
	}
	switch in.Norm {
	case Standard:
		for k, x := range xs {
			if x != nil {
				n := new(big.Rat).Quo(x, in.Standard)
				if n.Sign() < 0 {
					n.SetInt64(0)
				}
				out[k] = n
			}
		}
		return out
	case MinMax:
		lo, hi := known[0], known[0]
		for _, x := range known[1:] {
			if x.Cmp(lo) < 0 {
				lo = x
			}
			if x.Cmp(hi) > 0 {
				hi = x
			}
		}
		span := new(big.Rat).Sub(hi, lo)
		for k, x := range xs {
			switch {
			case x == nil:
			case span.Sign() == 0:
				out[k] = new(big.Rat).Set(half)
			default:
				out[k] = new(big.Rat).Quo(new(big.Rat).Sub(x, lo), span)
			}
		}
	case Percentile:
		sorted := slices.SortedFunc(slices.Values(known), (*big.Rat).Cmp)
		n := int64(len(sorted))
		for k, x := range xs {
			if x == nil {
				continue
			}
			if n == 1 {
				out[k] = new(big.Rat).Set(half)
				continue
			}
			below, _ := slices.BinarySearchFunc(sorted, x, (*big.Rat).Cmp)
			end := below
			for end < len(sorted) && sorted[end].Cmp(x) == 0 {
				end++
			}
			// mid-rank: (below + (equal − 1)/2) / (n − 1) = (2·below + equal − 1) / (2(n − 1))
			out[k] = big.NewRat(int64(2*below+(end-below)-1), 2*(n-1))
		}
	}
	if in.Direction == Lower {
		one := big.NewRat(1, 1)
		for _, n := range out {
			if n != nil {
				n.Sub(one, n)
			}
		}
	}
	return out
}

// display rounds a result for display: the score half up to 0.01 point,
// and each contribution down to 0.01 point, after which the hundredths the
// score still lacks go one each to the contributions with the largest
// remainders (ties: the earlier indicator) — the largest remainder method.
// Every displayed contribution is its exact points rounded down or up, and
// the contributions sum to the displayed score exactly.
func display(res *Result, set *IndicatorSet, groups []string) {
	hundred := big.NewInt(100)
	res.Score = Points(roundHalfUp(res.Exact))
	type rem struct {
		j    int
		frac *big.Rat
	}
	var rems []rem
	var sum int64
	for j := range res.Items {
		it := &res.Items[j]
		x := new(big.Rat).Mul(it.Exact, new(big.Rat).SetInt(hundred))
		q := new(big.Int).Quo(x.Num(), x.Denom()) // floor: points are never negative
		it.Points = Points(q.Int64())
		sum += q.Int64()
		if f := x.Sub(x, new(big.Rat).SetInt(q)); f.Sign() > 0 {
			rems = append(rems, rem{j, f})
		}
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return b.frac.Cmp(a.frac) })
	// The residue is round(Σ fractions) ≤ len(rems): each fraction is below 1.
	for k := range int(int64(res.Score) - sum) {
		res.Items[rems[k].j].Points++
	}
	res.GroupPoints = make([]Points, len(groups))
	for j, it := range res.Items {
		res.GroupPoints[slices.Index(groups, set.Indicators[j].Group)] += it.Points
	}
}

// roundHalfUp returns r × 100 rounded half up to an integer (r ≥ 0).
func roundHalfUp(r *big.Rat) int64 {
	x := new(big.Rat).Mul(r, big.NewRat(100, 1))
	x.Add(x, half)
	return new(big.Int).Quo(x.Num(), x.Denom()).Int64()
}
