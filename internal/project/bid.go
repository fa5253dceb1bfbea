package project

import (
	"fmt"
	"sort"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// Member is one person of a bid's team. Age and title are recorded — the
// portfolio counts projects led by researchers under 45 (武威) — but they
// are no limit for 揭榜挂帅 (不论资历、不设门槛).
type Member struct {
	Person string `json:"person"`
	Name   string `json:"name"`
	Age    int    `json:"age"`
	Title  string `json:"title"` // 职称
	Role   string `json:"role"`  // lead (揭榜负责人), member
}

// BidBudget is a bid's budget by category (预算科目), in fen. Direct costs
// are the sum of the categories; the indirect costs are asked apart.
type BidBudget struct {
	Categories map[string]money.Fen `json:"categories"` // 设备费, 材料费, 测试化验加工费, 劳务费 …
	Equipment  string               `json:"equipment"`  // the category that is 设备费
	Indirect   money.Fen            `json:"indirect"`
	SelfFunded money.Fen            `json:"self_funded"` // 自筹
}

// Direct is the sum of the categories.
func (b BidBudget) Direct() money.Fen {
	var sum money.Fen
	for _, v := range b.Categories {
		sum += v
	}
	return sum
}

// Total is the project's total S&T investment: direct and indirect costs.
func (b BidBudget) Total() money.Fen { return b.Direct() + b.Indirect }

// ProjectOf is the project of challenge c that budget b describes — of
// the challenge's project kind and level, with the loan interest a 贴息
// call pays on — led by subject lead of region, as of at.
func (c *Challenge) ProjectOf(b BidBudget, interest money.Fen, lead, region string, at policy.Date) Project {
	p := Project{Kind: c.ProjectKindOf(), Level: c.LevelOf(), Role: "lead", Date: at, Interest: interest,
		Budget: Budget{Direct: b.Direct(), Equipment: b.Categories[b.Equipment], Indirect: b.Indirect, Total: b.Total()}}
	p.Subject.ID, p.Subject.Kind, p.Subject.Region = lead, "enterprise", region
	return p
}

// BudgetCheck checks p's indirect costs against limit clause indirect (""
// when the document has none): the check, when the clause applies, and an
// error at budget.indirect when they exceed its ceiling.
func BudgetCheck(eng *rules.Engine, indirect string, p Project) (*IndirectCheck, error) {
	if indirect == "" {
		return nil, nil
	}
	ch, err := CheckIndirect(eng, indirect, p)
	if err != nil {
		if errs.KindOf(err) == errs.Invalid {
			return nil, nil // the clause does not apply to this project
		}
		return nil, err
	}
	if !ch.OK {
		return &ch, errs.At(errs.Pos{Path: "budget.indirect"}, "间接费用 %s 超过《%s》%s 核定上限 %s（超出 %s）", ch.Requested, ch.Ceiling.Document, ch.Ceiling.Section, ch.Ceiling.Interval.Max, ch.Excess)
	}
	return &ch, nil
}

// Bid is a 揭榜 application for a challenge.
type Bid struct {
	ID        string    `json:"id"`
	Challenge int64     `json:"challenge"`
	Lead      string    `json:"lead"`      // the lead unit's subject id
	LeadName  string    `json:"lead_name"` // its name in the registry at submission
	Region    string    `json:"region"`    // the lead unit's region
	Partners  []string  `json:"partners"`  // co-applicant units
	Team      []Member  `json:"team"`
	Budget    BidBudget `json:"budget"`
	Documents []string  `json:"documents"`          // names of what is attached (实施方案, 承诺书 …)
	Interest  money.Fen `json:"interest,omitempty"` // 贷款利息 of the project's loan, for a 贴息 call (泰安 二（七）18)
	Submitted string    `json:"submitted,omitempty"`
	Checked   *Checked  `json:"checked,omitempty"` // what the submission check found
}

// Checked is what the submission check found, kept with the bid.
type Checked struct {
	IndirectCeiling *money.Fen     `json:"indirect_ceiling,omitempty"`
	IndirectBasis   string         `json:"indirect_basis,omitempty"`
	Award           money.Interval `json:"award"`
	AwardOutcome    string         `json:"award_outcome"`
	AwardBasis      string         `json:"award_basis"`
}

// DefaultAttachments are what a bid must attach unless the challenge says
// otherwise: a local configuration (the documents name no list).
var DefaultAttachments = []string{"实施方案", "承诺书"}

// LeadPerson is the team's lead (揭榜负责人).
func (b *Bid) LeadPerson() (Member, bool) {
	for _, m := range b.Team {
		if m.Role == "lead" {
			return m, true
		}
	}
	return Member{}, false
}

// Head is the team's lead, or nil (for templates).
func (b *Bid) Head() *Member {
	if m, ok := b.LeadPerson(); ok {
		return &m
	}
	return nil
}

// ForReview is who make the bid, for Conflicts and Assign.
func (b *Bid) ForReview() Parties {
	p := Parties{ID: b.ID, Units: append([]string{b.Lead}, b.Partners...)}
	for _, m := range b.Team {
		p.People = append(p.People, m.Person)
	}
	return p
}

// Submission is a bid checked for submission: the problems, and what the
// rules give it.
type Submission struct {
	Problems []error
	Indirect *IndirectCheck
	Award    *Amount
}

// CheckSubmission checks bid b against challenge c on day today (YYYY-MM-DD)
// with the library: the challenge is open, the team has one lead, the
// budget is complete and its total reaches the challenge's, the documents
// named are attached, the indirect costs keep under the jurisdiction's
// ceiling (limit clause indirect, e.g. ww-indirect-cost-limit; "" none),
// and the award the challenge's clause gives the bid.
func CheckSubmission(eng *rules.Engine, c *Challenge, b *Bid, today string, indirect string, required []string) Submission {
	var s Submission
	bad := func(field, format string, args ...any) {
		s.Problems = append(s.Problems, errs.At(errs.Pos{Path: field}, format, args...))
	}
	if c.State != Published {
		bad("challenge", "榜单“%s”%s，不接受揭榜", c.Title, c.State.Zh())
	} else if today > c.Deadline {
		bad("challenge", "揭榜截止日期 %s 已过", c.Deadline)
	}
	leads := 0
	for i, m := range b.Team {
		if strings.TrimSpace(m.Name) == "" || m.Person == "" {
			bad(fmt.Sprintf("team[%d]", i), "每位成员须有身份标识和姓名")
		}
		if m.Age < 16 || m.Age > 100 {
			bad(fmt.Sprintf("team[%d].age", i), "年龄 %d 不合理", m.Age)
		}
		if m.Role == "lead" {
			leads++
		}
	}
	if leads != 1 {
		bad("team", "团队须有且仅有一名揭榜负责人（现有 %d 名）", leads)
	}
	if len(b.Budget.Categories) == 0 {
		bad("budget", "请按科目填写预算")
	}
	for k, v := range b.Budget.Categories {
		if v < 0 {
			bad("budget."+k, "科目“%s”为负数", k)
		}
	}
	if eq := b.Budget.Equipment; eq != "" {
		if _, ok := b.Budget.Categories[eq]; !ok {
			bad("budget.equipment", "设备费科目“%s”不在预算中", eq)
		}
	}
	if b.Budget.Total() < c.Total {
		bad("budget", "预算总额 %s 低于榜单要求的科技投入总额 %s", b.Budget.Total(), c.Total)
	}
	var missing []string
	for _, d := range required {
		found := false
		for _, got := range b.Documents {
			found = found || got == d
		}
		if !found {
			missing = append(missing, d)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		bad("documents", "缺少附件：%s", strings.Join(missing, "、"))
	}
	at, err := policy.ParseDate(today)
	if err != nil {
		bad("today", "%v", err)
		return s
	}
	p := c.ProjectOf(b.Budget, b.Interest, b.Lead, b.Region, at)
	ch, err := BudgetCheck(eng, indirect, p)
	if ch != nil {
		s.Indirect = ch
	}
	if err != nil {
		s.Problems = append(s.Problems, err)
	}
	if a, err := Evaluate(eng, c.Clause, p); err == nil {
		s.Award = &a
	}
	return s
}

// Eligibility runs the gates that stop applications at c's level (申报门槛,
// such as 肥乡 十（二）) on the applicant's facts f as of today, and says
// for each why it stops the application, or nil when it does not.
func Eligibility(eng *rules.Engine, f *facts.Facts, c *Challenge, today string) ([]rules.GateCheck, []error) {
	at, err := policy.ParseDate(today)
	if err != nil {
		return nil, []error{err}
	}
	checks := eng.NewEvaluator().GatesFor(f, c.LevelOf(), int64(at.Year()))
	var problems []error
	for _, g := range checks {
		cite := fmt.Sprintf("《%s》%s“%s”", g.Gate.Doc.Title, g.Gate.Citation.Section, g.Gate.Citation.Quote)
		switch g.Outcome {
		case "blocked":
			problems = append(problems, errs.At(errs.Pos{Path: "eligibility"}, "按%s，本单位不得申报：%s", cite, strings.Join(g.Reasons, "；")))
		case "needs_facts":
			problems = append(problems, errs.At(errs.Pos{Path: "eligibility"}, "按%s，申报前须有以下记录（向主管部门报送或在企业信息中补充）：%s", cite, strings.Join(g.Reasons, "；")))
		}
	}
	return checks, problems
}
