package project

import (
	"maps"
	"slices"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

// Review is a closed challenge's review file (评审): the rubric, the
// experts and who reviews which bid (with the pairs left out for conflicts
// of interest and why), the experts' independent sheets, then the
// consensus, the ranking with the funding line, and the 公示. It is kept in
// the challenge's document, so every step is versioned and audited with it.
type Review struct {
	Rubric   Rubric      `json:"rubric"`
	Experts  []Expert    `json:"experts"`
	Assigned *Assignment `json:"assigned,omitempty"`
	Sheets   []Sheet     `json:"sheets,omitempty"`
	Spread   int         `json:"spread"` // totals further apart than this are flagged for the panel
	Ranking  []Ranked    `json:"ranking,omitempty"`
	Line     *Line       `json:"line,omitempty"` // how the ranking was drawn
	Notice   *Notice     `json:"notice,omitempty"`
	Grants   []Grant     `json:"grants,omitempty"` // 立项资助: the funded bids granted after the 公示
}

// Grant is the award decided for a funded bid once the 公示 is over: the
// amount within what the clause allows, the reason, the yearly shares it is
// paid by (分年度按比例拨付) and the fulfilment case that pays it.
type Grant struct {
	Bid    string        `json:"bid"`
	Lead   string        `json:"lead"`
	Name   string        `json:"name"`     // the lead unit's name at the grant
	Age    int           `json:"lead_age"` // the lead researcher's age at the grant (按立项时主持人年龄)
	Fen    money.Fen     `json:"fen"`
	Shares []int64       `json:"shares"`
	Plan   []Installment `json:"plan"` // the shares over the years, as the ledger will pay them
	Reason string        `json:"reason"`
	By     string        `json:"by"`
	At     string        `json:"at"`
	Case   int64         `json:"case"`

	// Execution (项目执行): the task book, the team and budget as changed,
	// and how the project was closed.
	State      ExecState   `json:"state"`
	Milestones []Milestone `json:"milestones"`
	Team       []Member    `json:"team"`
	Budget     BidBudget   `json:"budget"`
	Changes    []Change    `json:"changes,omitempty"`
	Accepted   *Accept     `json:"accepted,omitempty"`
	Tolerance  *Tolerance  `json:"tolerance,omitempty"`
	Closed     string      `json:"closed,omitempty"`
	Close      string      `json:"close,omitempty"`    // the closing or stopping reason
	Freed      money.Fen   `json:"freed,omitempty"`    // what was left unpaid when it closed
	MovedTo    string      `json:"moved_to,omitempty"` // 赛马: the bid the freed funds went to
}

// CheckGrant says whether bid may be granted fen with shares on day today:
// the ranking has been on 公示 and the period is over, the bid is above the
// funding line and not yet granted, a reason is given, and the shares are
// 1 to 10 positive numbers.
func CheckGrant(c *Challenge, bid string, fen money.Fen, reason string, shares []int64, today string) error {
	r := c.Review
	if r == nil || r.Notice == nil {
		return errs.E(errs.Conflict, "评审结果公示后方可立项资助")
	}
	if today <= r.Notice.To {
		return errs.E(errs.Conflict, "公示期至 %s 止，期满后方可立项资助", r.Notice.To)
	}
	if !slices.ContainsFunc(r.Funded(), func(x Ranked) bool { return x.Bid == bid }) {
		return errs.E(errs.Conflict, "申报 %s 不在拟资助之列", bid)
	}
	if slices.ContainsFunc(r.Grants, func(g Grant) bool { return g.Bid == bid }) {
		return errs.E(errs.Conflict, "申报 %s 已立项资助", bid)
	}
	if strings.TrimSpace(reason) == "" {
		return errs.At(errs.Pos{Path: "reason"}, "写明资助金额的确定理由（集体研究意见等）")
	}
	if fen <= 0 {
		return errs.At(errs.Pos{Path: "amount"}, "资助金额须大于零")
	}
	_, err := Stage(fen, 0, shares)
	return err
}

// Line is what the funding line was drawn with.
type Line struct {
	Budget money.Fen `json:"budget"` // the funds for the challenge
	Pass   int64     `json:"pass"`   // the pass mark × 100
	Teams  int       `json:"teams"`  // 赛马: how many teams may be funded (0: no limit)
	Ranked string    `json:"ranked"` // the date
	By     string    `json:"by"`
}

// Notice is the 公示 of the ranking: its period and the objections raised.
type Notice struct {
	From       string   `json:"from"`
	To         string   `json:"to"`
	Objections []string `json:"objections,omitempty"`
}

// ReviewAct is a step of the review: assign (with the assignment the
// service computed), score (an expert's sheet, entered by the bureau from
// the signed paper or the expert's session), rank, publicise.
type ReviewAct struct {
	Act        string
	Rubric     Rubric
	Experts    []Expert
	Assignment *Assignment
	Spread     int
	Sheet      Sheet
	Asked      map[string]money.Fen // rank: each bid's request
	Line       Line
	From, To   string // publicise: the 公示 period
	Today, By  string
}

// ApplyReview performs a review step on closed challenge c, or says why
// not; c changes only when the step is allowed.
func ApplyReview(c *Challenge, a ReviewAct) error {
	if c.State != Closed {
		return errs.E(errs.Conflict, "榜单“%s”的状态是%s：评审在揭榜截止后进行", c.Title, c.State.Zh())
	}
	r := c.Review
	notRanked := func() error {
		if r != nil && r.Ranking != nil {
			return errs.E(errs.Conflict, "评审结果已排序%s，不能再改动", map[bool]string{true: "并公示", false: ""}[r.Notice != nil])
		}
		return nil
	}
	switch a.Act {
	case "assign":
		if err := notRanked(); err != nil {
			return err
		}
		if err := a.Rubric.Validate(); err != nil {
			return err
		}
		if a.Assignment == nil || len(a.Assignment.Reviewers) == 0 {
			return errs.E(errs.Invalid, "没有指派评审专家")
		}
		if a.Spread < 0 || a.Spread > 100 {
			return errs.At(errs.Pos{Path: "spread"}, "分差 %d 须在 0–100 之间", a.Spread)
		}
		c.Review = &Review{Rubric: a.Rubric, Experts: a.Experts, Assigned: a.Assignment, Spread: a.Spread}
	case "score":
		if r == nil || r.Assigned == nil {
			return errs.E(errs.Conflict, "尚未指派评审专家")
		}
		if err := notRanked(); err != nil {
			return err
		}
		s := a.Sheet
		if !slices.Contains(r.Assigned.Reviewers[s.Bid], s.Expert) {
			return errs.E(errs.Permission, "专家 %s 未被指派评审申报 %s", s.Expert, s.Bid)
		}
		if _, err := r.Rubric.Total(s); err != nil {
			return err
		}
		// an expert's sheet may be corrected until the ranking: the last one counts
		r.Sheets = slices.DeleteFunc(r.Sheets, func(x Sheet) bool { return x.Expert == s.Expert && x.Bid == s.Bid })
		r.Sheets = append(r.Sheets, s)
	case "rank":
		if r == nil || r.Assigned == nil {
			return errs.E(errs.Conflict, "尚未指派评审专家")
		}
		if err := notRanked(); err != nil {
			return err
		}
		var missing errs.List
		for _, bid := range slices.Sorted(maps.Keys(r.Assigned.Reviewers)) {
			for _, e := range r.Assigned.Reviewers[bid] {
				if !slices.ContainsFunc(r.Sheets, func(x Sheet) bool { return x.Expert == e && x.Bid == bid }) {
					missing = append(missing, errs.E(errs.Conflict, "专家 %s 尚未提交对申报 %s 的评分表", e, bid))
				}
			}
		}
		if len(missing) > 0 {
			return missing
		}
		if a.Line.Budget <= 0 {
			return errs.At(errs.Pos{Path: "budget"}, "请填写本榜单的资助资金（元）")
		}
		if a.Line.Pass < 0 || a.Line.Pass > 100_00 || a.Line.Teams < 0 {
			return errs.At(errs.Pos{Path: "pass"}, "及格分须在 0–100 之间，团队数不能为负")
		}
		cs, err := Agree(r.Rubric, r.Sheets, r.Spread)
		if err != nil {
			return err
		}
		line := a.Line
		line.Ranked, line.By = a.Today, a.By
		r.Ranking, r.Line = FundingLine(cs, a.Asked, line.Budget, line.Pass, line.Teams), &line
	case "publicise":
		if r == nil || r.Ranking == nil {
			return errs.E(errs.Conflict, "评审结果排序后才能公示")
		}
		if r.Notice != nil {
			return errs.E(errs.Conflict, "已于 %s 公示", r.Notice.From)
		}
		from, err1 := policy.ParseDate(a.From)
		to, err2 := policy.ParseDate(a.To)
		if err1 != nil || err2 != nil || to < from {
			return errs.At(errs.Pos{Path: "from"}, "公示期 %q–%q：请填写起止日期（YYYY-MM-DD），结束不早于开始", a.From, a.To)
		}
		if a.From < a.Today {
			return errs.At(errs.Pos{Path: "from"}, "公示开始日期 %s 早于今天", a.From)
		}
		r.Notice = &Notice{From: a.From, To: a.To}
	default:
		return errs.E(errs.Invalid, "评审没有“%s”这项操作", a.Act)
	}
	return nil
}

// Grant is bid's granted project, or nil.
func (r *Review) Grant(bid string) *Grant {
	if r == nil {
		return nil
	}
	for i := range r.Grants {
		if r.Grants[i].Bid == bid {
			return &r.Grants[i]
		}
	}
	return nil
}

// Granted reports whether bid has been granted.
func (r *Review) Granted(bid string) bool {
	return r != nil && slices.ContainsFunc(r.Grants, func(g Grant) bool { return g.Bid == bid })
}

// Funded lists the bids above the funding line, best first.
func (r *Review) Funded() []Ranked {
	if r == nil {
		return nil
	}
	var out []Ranked
	for _, x := range r.Ranking {
		if x.Funded {
			out = append(out, x)
		}
	}
	return out
}
