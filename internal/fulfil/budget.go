package fulfil

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"

	"kechuang/internal/errs"
	"kechuang/internal/money"
)

// Rule is what happens when the cases due exceed an envelope.
type Rule string

const (
	RankCut Rule = "rank_cut" // 排序截断: by rank, in full, down to the funding line; the rest are not funded
	ProRata Rule = "pro_rata" // 按比例: everyone gets the same share of what was asked, to the fen
	Queue   Rule = "queue"    // 顺延: first approved, first paid; the rest wait for the next batch
)

var ruleZh = map[Rule]string{RankCut: "排序截断", ProRata: "按比例分配", Queue: "顺延至下一批次"}

// RuleZh is a rule's Chinese name.
func RuleZh(r Rule) string { return ruleZh[r] }

// Envelope is a budget (资金盘子) of one payer for one budget year, for one
// clause, a tag (a group of clauses) or everything the payer pays.
type Envelope struct {
	ID     int64
	Name   string
	Payer  string
	Year   int64
	Clause string // one clause id; or
	Tag    string // every clause with this tag; neither: all of the payer's
	Fen    money.Fen
	Rule   Rule
}

// Validate checks an envelope's fields.
func (e Envelope) Validate() error {
	var l errs.List
	if e.Payer == "" {
		l = append(l, errs.At(errs.Pos{Path: "payer"}, "预算需要出资方（如 武威市级财政）"))
	}
	if e.Year < 2000 || e.Year > 2100 {
		l = append(l, errs.At(errs.Pos{Path: "year"}, "预算年度 %d 不对：写四位年份", e.Year))
	}
	if e.Fen <= 0 {
		l = append(l, errs.At(errs.Pos{Path: "fen"}, "预算金额须大于零"))
	}
	if e.Clause != "" && e.Tag != "" {
		l = append(l, errs.At(errs.Pos{Path: "tag"}, "一个预算只对一个条款或一个标签，不能同时给出"))
	}
	if _, ok := ruleZh[e.Rule]; !ok {
		l = append(l, errs.At(errs.Pos{Path: "rule"}, "超出预算的处理规则 %q 不对：rank_cut（排序截断）、pro_rata（按比例）或 queue（顺延）", e.Rule))
	}
	return l.Err()
}

// Covers reports whether a case of clause (with tags) paid by payer in year
// draws on the envelope.
func (e Envelope) Covers(clause string, tags []string, payer string, year int64) bool {
	if payer != e.Payer || year != e.Year {
		return false
	}
	switch {
	case e.Clause != "":
		return clause == e.Clause
	case e.Tag != "":
		return slices.Contains(tags, e.Tag)
	}
	return true
}

// Claimant is one case asking for money from an envelope.
type Claimant struct {
	Case  int64
	Fen   money.Fen
	Score int64  // rank_cut: higher first (e.g. a review score); ties by Order
	Order string // when it was approved (RFC 3339): queue order, and rank ties
}

// Outcome is what an allocation did to one claimant.
type Outcome string

const (
	Funded  Outcome = "funded"
	Reduced Outcome = "reduced" // pro rata: less than asked
	Cut     Outcome = "cut"     // rank_cut: below the funding line
	Queued  Outcome = "queued"  // queue: waits for the next batch
)

// Allotment is one claimant's share, with the reason in Chinese.
type Allotment struct {
	Case    int64     `json:"case"`
	Asked   money.Fen `json:"asked_fen"`
	Granted money.Fen `json:"granted_fen"`
	Outcome Outcome   `json:"outcome"`
	Why     string    `json:"why"`
}

// Allocate shares avail among the claimants under rule. Whatever the rule,
// the granted amounts never exceed avail and never exceed what each asked;
// when everything fits, everyone is funded in full. Claimants come back in
// the order the rule considered them.
func Allocate(avail money.Fen, rule Rule, cs []Claimant) []Allotment {
	avail = max(avail, 0) // an overdrawn envelope (Fen lowered below what it has paid) has nothing left
	cs = slices.Clone(cs)
	var total money.Fen
	for _, c := range cs {
		total += c.Fen
	}
	byOrder := func(a, b Claimant) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.Case, b.Case))
	}
	switch rule {
	case RankCut:
		slices.SortStableFunc(cs, func(a, b Claimant) int { return cmp.Or(cmp.Compare(b.Score, a.Score), byOrder(a, b)) })
	default:
		slices.SortStableFunc(cs, byOrder)
	}
	out := make([]Allotment, len(cs))
	if total <= avail {
		for i, c := range cs {
			out[i] = Allotment{Case: c.Case, Asked: c.Fen, Granted: c.Fen, Outcome: Funded,
				Why: fmt.Sprintf("预算余额 %s 足以安排全部 %d 项（合计 %s）", avail, len(cs), total)}
		}
		return out
	}
	switch rule {
	case ProRata:
		granted := shares(avail, total, cs)
		for i, c := range cs {
			out[i] = Allotment{Case: c.Case, Asked: c.Fen, Granted: granted[i], Outcome: Reduced,
				Why: fmt.Sprintf("申请合计 %s 超出预算余额 %s，按比例 %s/%s 分配：核定 %s，核减 %s",
					total, avail, avail, total, granted[i], c.Fen-granted[i])}
			if granted[i] == c.Fen {
				out[i].Outcome = Funded
			}
		}
	case RankCut, Queue:
		left := avail
		line := false
		for i, c := range cs {
			a := Allotment{Case: c.Case, Asked: c.Fen}
			switch {
			case !line && c.Fen <= left:
				a.Granted, a.Outcome = c.Fen, Funded
				left -= c.Fen
				a.Why = fmt.Sprintf("排第 %d 位，全额安排，预算余额还剩 %s", i+1, left)
			case rule == RankCut:
				line = true
				a.Outcome = Cut
				a.Why = fmt.Sprintf("排第 %d 位（共 %d 项），在资金线以下：需 %s，预算余额仅 %s，本年度不予安排", i+1, len(cs), c.Fen, left)
			default:
				line = true // first come, first paid: no one overtakes the one waiting
				a.Outcome = Queued
				a.Why = fmt.Sprintf("按审批顺序第 %d 位：需 %s，预算余额仅 %s，顺延至下一批次", i+1, c.Fen, left)
			}
			out[i] = a
		}
	}
	return out
}

// shares splits avail in proportion to what each asked: each gets the floor
// of fen × avail / total, and the fen left over go one each to the largest
// remainders (ties to the earlier claimant), so the shares sum to avail
// exactly (最大余额法). Products are computed exactly (math/big): amounts of
// 万亿 fen times each other overflow int64.
func shares(avail, total money.Fen, cs []Claimant) []money.Fen {
	out := make([]money.Fen, len(cs))
	rem := make([]*big.Int, len(cs))
	T := big.NewInt(int64(total))
	var sum money.Fen
	for i, c := range cs {
		p := new(big.Int).Mul(big.NewInt(int64(c.Fen)), big.NewInt(int64(avail)))
		q, r := new(big.Int).QuoRem(p, T, new(big.Int))
		out[i] = money.Fen(q.Int64())
		rem[i] = r
		sum += out[i]
	}
	idx := make([]int, len(cs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return rem[b].Cmp(rem[a]) })
	for k := 0; sum < avail; k++ {
		out[idx[k%len(idx)]]++
		sum++
	}
	return out
}
