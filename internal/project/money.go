// Package project is 科技项目 and 揭榜挂帅: the money of a project — the
// award a clause gives it, the indirect-cost ceiling its budget must keep
// under, the staged payment schedule (分年度按比例拨付) — and the review's
// conflict-of-interest rule (an expert linked to a bidder is never
// assigned). The amounts come from the policy library's clauses through
// the engine, so every figure carries the sentence it rests on.
package project

import (
	"encoding/json"
	"fmt"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// Amount is what a clause gives (or allows) a project, with its sentence.
type Amount struct {
	Clause   string
	Title    string
	Interval money.Interval // exact, or a discretionary range ("10%—20%")
	Outcome  rules.Outcome  // entitled, or why not
	Document string
	Section  string
	Quote    string
}

// Budget is a project's budget as a bid states it (预算).
type Budget struct {
	Direct    money.Fen // 直接费用, equipment included
	Equipment money.Fen // 设备费
	Indirect  money.Fen // 间接费用 asked for
	Total     money.Fen // 科技投入总额 (what the award is a share of)
}

// Validate checks a budget's figures, naming the field at fault.
func (b Budget) Validate() error {
	var l errs.List
	for name, v := range map[string]money.Fen{"direct": b.Direct, "equipment": b.Equipment, "indirect": b.Indirect, "total": b.Total} {
		if v < 0 {
			l = append(l, errs.At(errs.Pos{Path: name}, "%s is negative: %s", name, v))
		}
	}
	if b.Equipment > b.Direct {
		l = append(l, errs.At(errs.Pos{Path: "equipment"}, "设备费 %s exceeds 直接费用 %s, which includes it", b.Equipment, b.Direct))
	}
	return l.Err()
}

// Project is what the clauses read of a project.
type Project struct {
	Kind     string // facts vocabulary project_kind: challenge, sti_plan, key_tech …
	Level    string // city, province …
	Role     string // lead, independent …
	Date     policy.Date
	Budget   Budget
	Subject  facts.Subject // the undertaking unit (承担单位)
	FundedBy string        // optional
	Interest money.Fen     // 贷款利息, for a 贴息 project
}

// Item is the project as an item of its unit's facts (projects), with id,
// recorded by the 科技部门 (source sti).
func (p Project) Item(id string) map[string]any {
	yuan := func(f money.Fen) string { return fmt.Sprintf("%d.%02d元", f/100, f%100) }
	return map[string]any{"id": id, "kind": p.Kind, "level": p.Level, "role": p.Role, "date": p.Date.String(), "source": "sti",
		"total": yuan(p.Budget.Total), "direct": yuan(p.Budget.Direct), "equipment": yuan(p.Budget.Equipment), "interest": yuan(p.Interest)}
}

// factsOf is the project as the one item of its unit's facts, decoded as
// any facts document is (so every derived field is as the decoder sets it).
func (p Project) factsOf() (*facts.Facts, error) {
	doc := map[string]any{
		"as_of":    p.Date.String(),
		"subject":  map[string]any{"id": p.Subject.ID, "kind": p.Subject.Kind, "region": p.Subject.Region, "name": p.Subject.Name},
		"projects": []map[string]any{p.Item("p")},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return facts.DecodeBytes(b, "project")
}

// Evaluate decides clause id for project p at its date: the award it gives
// (a payment clause) or the ceiling it sets (a limit clause such as 武威's
// 间接费用 brackets).
func Evaluate(eng *rules.Engine, id string, p Project) (Amount, error) {
	c, ok := eng.ClauseByID(id)
	if !ok {
		return Amount{}, errs.E(errs.NotFound, "no clause %q in the policy library", id)
	}
	if err := p.Budget.Validate(); err != nil {
		return Amount{}, err
	}
	a := Amount{Clause: c.ID, Title: c.Title, Document: c.Doc.Title, Section: c.Citation.Section, Quote: c.Citation.Quote}
	f, err := p.factsOf()
	if err != nil {
		return Amount{}, err
	}
	d, claims := eng.NewEvaluator().Claims(c, f, p.Date, int64(p.Date.Year()))
	a.Outcome = d.Outcome
	if d.Outcome == rules.Entitled && len(claims) == 1 {
		a.Interval = claims[0].Amount
	}
	return a, nil
}

// IndirectCheck is a budget's indirect costs against the ceiling.
type IndirectCheck struct {
	Ceiling   Amount
	Requested money.Fen
	OK        bool
	Excess    money.Fen // how much over the ceiling
}

// CheckIndirect compares the budget's indirect costs with the ceiling of
// limit clause id (武威 ww-indirect-cost-limit: 30% of direct minus
// equipment up to 500万元, 25% to 1000万元, 20% beyond).
func CheckIndirect(eng *rules.Engine, id string, p Project) (IndirectCheck, error) {
	a, err := Evaluate(eng, id, p)
	if err != nil {
		return IndirectCheck{}, err
	}
	if a.Outcome != rules.Entitled {
		return IndirectCheck{Ceiling: a}, errs.E(errs.Invalid, "《%s》%s does not apply to this project (%s)", a.Document, a.Section, a.Outcome.Zh())
	}
	ch := IndirectCheck{Ceiling: a, Requested: p.Budget.Indirect, OK: p.Budget.Indirect <= a.Interval.Max}
	if !ch.OK {
		ch.Excess = p.Budget.Indirect - a.Interval.Max
	}
	return ch, nil
}

// Decide records the amount chosen within a discretionary award (the
// decided interval the clause allows), refusing one outside it.
func Decide(a Amount, chosen money.Fen) error {
	if a.Outcome != rules.Entitled {
		return errs.E(errs.Conflict, "the project is not entitled under %s (%s)", a.Clause, a.Outcome.Zh())
	}
	if chosen < a.Interval.Min || (!a.Interval.Open && chosen > a.Interval.Max) {
		return errs.At(errs.Pos{Path: "amount"}, "%s is outside what 《%s》%s allows: %s–%s", chosen, a.Document, a.Section, a.Interval.Min, a.Interval.Max)
	}
	return nil
}

// Installment is one year's payment of a staged award.
type Installment struct {
	Year int
	Fen  money.Fen
}

// Stage splits amount over years in proportion to shares (分年度按比例拨付:
// e.g. 4, 3, 3 for 40%/30%/30%), exactly: each year gets its share rounded
// down to the fen, and the fen left over go one each to the years with the
// largest remainders (the earlier year first on a tie), so the parts sum
// to the whole.
func Stage(amount money.Fen, first int, shares []int64) ([]Installment, error) {
	if amount < 0 {
		return nil, errs.At(errs.Pos{Path: "amount"}, "a negative amount cannot be staged")
	}
	if len(shares) == 0 || len(shares) > 10 {
		return nil, errs.At(errs.Pos{Path: "shares"}, "give 1 to 10 yearly shares, not %d", len(shares))
	}
	for i, s := range shares {
		if s <= 0 {
			return nil, errs.At(errs.Pos{Path: fmt.Sprintf("shares[%d]", i)}, "share %d must be positive", s)
		}
	}
	parts, err := money.Split(amount, shares)
	if err != nil {
		return nil, errs.At(errs.Pos{Path: "shares"}, "%v", err)
	}
	out := make([]Installment, len(parts))
	for i, p := range parts {
		out[i] = Installment{Year: first + i, Fen: p}
	}
	return out, nil
}
