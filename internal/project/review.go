package project

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/money"
)

// Rubric is a review's scoring table (评分标准): items with their maximum
// points, summing to 100.
type Rubric struct {
	Items []RubricItem `json:"items"`
}

// RubricItem is one scored item.
type RubricItem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Max  int    `json:"max"`
}

// Validate checks the rubric: unique items, positive maxima, 100 in all.
func (r Rubric) Validate() error {
	var l errs.List
	seen := map[string]bool{}
	sum := 0
	for i, it := range r.Items {
		if it.ID == "" || seen[it.ID] {
			l = append(l, errs.At(errs.Pos{Path: fmt.Sprintf("items[%d].id", i)}, "item ids must be given and unique (%q)", it.ID))
		}
		seen[it.ID] = true
		if it.Max <= 0 {
			l = append(l, errs.At(errs.Pos{Path: fmt.Sprintf("items[%d].max", i)}, "item %s: the maximum must be positive", it.ID))
		}
		sum += it.Max
	}
	if sum != 100 {
		l = append(l, errs.At(errs.Pos{Path: "items"}, "the items' maxima sum to %d, not 100", sum))
	}
	return l.Err()
}

// Sheet is one expert's independent scores of one bid (独立评分).
type Sheet struct {
	Expert string         `json:"expert"`
	Bid    string         `json:"bid"`
	Points map[string]int `json:"points"` // item → points
}

// Total checks sheet s against rubric r and sums it.
func (r Rubric) Total(s Sheet) (int, error) {
	var l errs.List
	total := 0
	for _, it := range r.Items {
		p, ok := s.Points[it.ID]
		switch {
		case !ok:
			l = append(l, errs.At(errs.Pos{Path: it.ID}, "专家 %s 未给“%s”打分", s.Expert, it.Name))
		case p < 0 || p > it.Max:
			l = append(l, errs.At(errs.Pos{Path: it.ID}, "“%s”得分 %d 不在 0–%d 之间", it.Name, p, it.Max))
		default:
			total += p
		}
	}
	for id := range s.Points {
		if !slices.ContainsFunc(r.Items, func(it RubricItem) bool { return it.ID == id }) {
			l = append(l, errs.At(errs.Pos{Path: id}, "%q is not an item of the rubric", id))
		}
	}
	return total, l.Err()
}

// Consensus is a bid's score from its sheets (合议): the mean of the
// experts' totals, dropping the highest and the lowest when there are at
// least five, in hundredths of a point rounded half up; Split flags
// totals more than Spread apart, which the panel must discuss.
type Consensus struct {
	Bid     string `json:"bid"`
	Centi   int64  `json:"centi"` // the score × 100
	Totals  []int  `json:"totals"`
	Dropped []int  `json:"dropped"`
	Split   bool   `json:"split"`
	Experts int    `json:"experts"`
}

// Score shows the consensus as points with two decimals.
func (c Consensus) Score() string { return fmt.Sprintf("%d.%02d", c.Centi/100, c.Centi%100) }

// Agree forms each bid's consensus from the sheets; a sheet that does not
// fit the rubric is an error naming the expert and the item.
func Agree(r Rubric, sheets []Sheet, spread int) (map[string]Consensus, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	totals := map[string][]int{}
	var l errs.List
	for _, s := range sheets {
		t, err := r.Total(s)
		if err != nil {
			l = append(l, errs.E(errs.Invalid, "专家 %s 对 %s 的评分表：%v", s.Expert, s.Bid, err))
			continue
		}
		totals[s.Bid] = append(totals[s.Bid], t)
	}
	if len(l) > 0 {
		return nil, l
	}
	out := map[string]Consensus{}
	for bid, ts := range totals {
		slices.Sort(ts)
		c := Consensus{Bid: bid, Totals: slices.Clone(ts), Experts: len(ts), Split: ts[len(ts)-1]-ts[0] > spread}
		kept := ts
		if len(ts) >= 5 {
			c.Dropped = []int{ts[0], ts[len(ts)-1]}
			kept = ts[1 : len(ts)-1]
		}
		var sum int64
		for _, t := range kept {
			sum += int64(t)
		}
		n := int64(len(kept))
		c.Centi = (sum*100*2 + n) / (2 * n) // half up: ⌊(200·sum + n) / 2n⌋
		out[bid] = c
	}
	return out, nil
}

// Ranked is a bid's place and whether it is above the funding line.
type Ranked struct {
	Consensus
	Lead   string    `json:"lead"` // the bid's lead unit, named in the 公示
	Name   string    `json:"name"` // the lead unit's name
	Rank   int       `json:"rank"`
	Asked  money.Fen `json:"asked"`
	Funded bool      `json:"funded"`
	Why    string    `json:"why"` // why not funded: below the pass mark, over the budget, beyond the number of teams
}

// FundingLine ranks the bids by consensus (equal scores share a rank; the
// smaller request first among them, then the id) and funds them in order
// while the score reaches pass (in hundredths), the budget lasts and fewer
// than teams have been funded (赛马: several teams may run; 0 for no limit).
// The line is not skipped: once a bid does not fit, none below it is
// funded, and each says why. A bid the clause gives nothing (asked 0) is
// not funded and draws no line.
func FundingLine(cs map[string]Consensus, asked map[string]money.Fen, budget money.Fen, pass int64, teams int) []Ranked {
	var out []Ranked
	for bid, c := range cs {
		out = append(out, Ranked{Consensus: c, Asked: asked[bid]})
	}
	slices.SortFunc(out, func(a, b Ranked) int {
		return cmp.Or(cmp.Compare(b.Centi, a.Centi), cmp.Compare(a.Asked, b.Asked), strings.Compare(a.Bid, b.Bid))
	})
	left, funded, line := budget, 0, false
	for i := range out {
		out[i].Rank = i + 1
		if i > 0 && out[i].Centi == out[i-1].Centi {
			out[i].Rank = out[i-1].Rank
		}
		r := &out[i]
		switch {
		case r.Asked <= 0: // the clause gives this bid nothing (not in force, not met): no place on the line
			r.Why = "按政策条款无资助金额"
		case line:
			r.Why = "位于资助线以下"
		case r.Centi < pass:
			r.Why, line = fmt.Sprintf("得分 %s 低于 %d.%02d 分", r.Score(), pass/100, pass%100), true
		case teams > 0 && funded == teams:
			r.Why, line = fmt.Sprintf("已确定 %d 个团队", teams), true
		case r.Asked > left:
			r.Why, line = fmt.Sprintf("申请 %s，超出剩余资金 %s", r.Asked, left), true
		default:
			r.Funded, left, funded = true, left-r.Asked, funded+1
		}
	}
	return out
}
