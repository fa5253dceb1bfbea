package fulfil

import (
	"fmt"
	"slices"
	"strings"

	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// Period is the period part of a payment key: the fiscal year for what pays
// every year (a clause without for_each, such as an annual R&D subsidy, or an
// appointment paid for each year it is active — 科技特派员每年工作补贴), and 0
// for a one-off event (a recognition, an award), which pays once whichever
// year it is decided in.
func Period(c *policy.Clause, fy int64) int64 {
	if c.ForEach == "" || c.Window == "active" {
		return fy
	}
	return 0
}

// PaymentKey is the idempotency key of a payment: (clause, subject, event,
// period) and the installment's budget year. The ledger holds at most one
// payment per key, so a retried or repeated batch cannot pay twice.
func PaymentKey(clause, subject, event string, period, year int64) string {
	return fmt.Sprintf("%s|%s|%s|%d|%d", clause, subject, event, period, year)
}

// ReversalKey is the key of the one compensating entry a payment may have.
func ReversalKey(paymentKey string) string { return paymentKey + "|reversal" }

// StackKey is what "one event pays once" is counted over: the clause — or its
// exclusivity group (就高不重复: every clause of the group shares it) — the
// subject, the event (for staged top-ups the chain's first stage, so every
// stage shares it) and the period. Clauses the text lets stack (累计) have
// keys of their own and so pay side by side.
func StackKey(c *policy.Clause, subject, event, chain string, period int64) string {
	group := "clause:" + c.ID
	if c.Exclusive != "" {
		group = "group:" + c.Exclusive
	}
	if c.Amount != nil && c.Amount.Kind == "staged" && chain != "" {
		event = chain
	}
	return fmt.Sprintf("%s|%s|%s|%d", group, subject, event, period)
}

// Payable is what a case still pays given what the ledger has already paid
// under the same stack key: the difference, never below zero (就高不重复 and
// 补差: a higher award for the same event pays only what the lower one did
// not). A staged top-up is also capped at its stage's cumulative total, so
// the chain never pays more than the document's 累计 figure.
func Payable(amount money.Fen, paidBefore money.Fen, cumulative money.Fen) (money.Fen, string) {
	due := amount
	why := ""
	if cumulative > 0 && paidBefore+due > cumulative {
		due = max(cumulative-paidBefore, 0)
		why = fmt.Sprintf("阶梯补助累计不超过 %s：此前已拨付 %s，本次补差 %s", cumulative, paidBefore, due)
	} else if paidBefore > 0 && cumulative == 0 {
		due = max(amount-paidBefore, 0)
		why = fmt.Sprintf("同一事件已兑现 %s（就高不重复），本次只补差额 %s", paidBefore, due)
	}
	return due, why
}

// Authoritative lists the sources a 免申即享 proposal may rest on: data from
// an authority (税务, 统计, 市场监管, 科技, 工信, 财政) or a recognised
// certificate. Self-declared figures, expert opinions and kechuang's own
// assessments are not enough to pay without an application.
var Authoritative = []string{"tax", "stats", "market", "sti", "industry", "finance", "certificate"}

// AutoBasis reports whether every fact a claim rests on comes from an
// authoritative source, and names those that do not (to say why the
// enterprise must apply instead).
func AutoBasis(fs []rules.FactUse) (ok bool, weak []string) {
	for _, f := range fs {
		if !slices.Contains(Authoritative, f.Source) {
			src := f.Source
			if src == "" {
				src = "来源未记录"
			}
			weak = append(weak, f.Label+"（"+src+"）")
		}
	}
	return len(weak) == 0, weak
}

// NewCase turns one claim of an entitlement into a case on route r (a
// clause the bureau set to 免申即享 still goes the 申报 route for a subject
// whose facts are not all authoritative). It is not started: see Start.
func NewCase(c *rules.Clause, subject, name, region string, fy int64, cl rules.Claim, r Route, w Workflow, factVersion int, explanation string) *Case {
	if r == RouteAuto {
		if ok, _ := AutoBasis(cl.Facts); !ok {
			r = RouteApply
		}
	}
	k := &Case{
		Clause: c.ID, Title: c.Title, Subject: subject, SubjectName: name, Region: region,
		Event: cl.Event, Chain: cl.Chain, Period: Period(c.Clause, fy), FY: fy,
		Route: r, Workflow: w, Computed: cl.Amount, Unspecified: cl.Unspecified, Cumulative: cl.Cumulative,
		Payer: c.Payer, BudgetYear: rules.BudgetYear(c.Clause, fy), Basis: cl.Facts,
		Explanation: explanation, FactVersion: factVersion,
	}
	if k.Chain == "" {
		k.Chain = k.Event
	}
	k.StackKey = StackKey(c.Clause, subject, k.Event, k.Chain, k.Period)
	return k
}

// Installments is the case's payment schedule once its amount is known:
// one installment in its budget year, or — for recurring awards (连续支持N年)
// — one a year from the budget year, the amount split evenly with the fen
// left over paid in the first year, so the parts sum to the whole.
func Installments(c *rules.Clause, budgetYear int64, amount money.Fen) []Installment {
	years := 0
	if c.Amount != nil && c.Amount.Kind == "recurring" {
		years = c.Amount.Years
	}
	return Schedule(budgetYear, amount, years)
}

// Proportional splits amount over len(shares) years from budgetYear in
// proportion to the shares, exactly (money.Split); shares that cannot split
// it (none, or not positive) leave it whole in the first year.
func Proportional(budgetYear int64, amount money.Fen, shares []int64) []Installment {
	parts, err := money.Split(amount, shares)
	if err != nil {
		return []Installment{{Year: budgetYear, Fen: amount}}
	}
	out := make([]Installment, len(parts))
	for i, p := range parts {
		out[i] = Installment{Year: budgetYear + int64(i), Fen: p}
	}
	return out
}

// Schedule splits amount into years installments from budgetYear (one when
// years < 2), the fen left over paid in the first.
func Schedule(budgetYear int64, amount money.Fen, years int) []Installment {
	if years < 2 {
		return []Installment{{Year: budgetYear, Fen: amount}}
	}
	n := int64(years)
	per := amount / money.Fen(n)
	out := make([]Installment, n)
	for i := range n {
		out[i] = Installment{Year: budgetYear + i, Fen: per}
	}
	out[0].Fen += amount - per*money.Fen(n)
	return out
}

// EventLabel is a case's event in Chinese for lists.
func (c *Case) EventLabel() string {
	var b strings.Builder
	if c.Event != "" {
		b.WriteString(c.Event)
	}
	if c.Period != 0 {
		if b.Len() > 0 {
			b.WriteString(" · ")
		}
		fmt.Fprintf(&b, "%d年度", c.Period)
	}
	return b.String()
}
