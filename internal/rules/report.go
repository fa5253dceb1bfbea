package rules

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

// Report is everything a subject is entitled to at a date, and why.
type Report struct {
	Subject    SubjectInfo    `json:"subject"`
	At         string         `json:"at"`
	FiscalYear int64          `json:"fiscal_year"`
	Clauses    []ClauseResult `json:"clauses"`
	Totals     []Total        `json:"totals"`
	// Projected sums the entitlements that rest on kechuang's own assessment
	// of a status rather than on a certificate (eval --assess); they are not
	// in Totals.
	Projected   []Total        `json:"projected,omitempty"`
	Assessments []*Assessment  `json:"assessments,omitempty"`
	Counts      map[string]int `json:"counts"`
}

// SubjectInfo identifies the subject of a report.
type SubjectInfo struct {
	ID     string `json:"id"`
	Name   string `json:"name,omitempty"`
	Kind   string `json:"kind"`
	Region string `json:"region"`
}

// Amount is an interval of money as JSON: fen and a display text.
type Amount struct {
	MinFen int64  `json:"min_fen"`
	MaxFen int64  `json:"max_fen"`
	Open   bool   `json:"open,omitempty"`
	Text   string `json:"text"`
}

func amountOf(iv money.Interval) *Amount {
	return &Amount{MinFen: int64(iv.Min), MaxFen: int64(iv.Max), Open: iv.Open, Text: iv.String()}
}

// ClauseResult is one clause's outcome for the subject.
type ClauseResult struct {
	Clause      string        `json:"clause"`
	Title       string        `json:"title"`
	Kind        string        `json:"kind"`
	Document    string        `json:"document"`
	DocumentID  string        `json:"document_id"`
	Section     string        `json:"section"`
	Quote       string        `json:"quote"`
	Outcome     Outcome       `json:"outcome"`
	Amount      *Amount       `json:"amount,omitempty"`
	Unspecified string        `json:"unspecified,omitempty"`
	Payer       string        `json:"payer,omitempty"`
	BudgetYear  int64         `json:"budget_year,omitempty"`
	Schedule    []Installment `json:"schedule,omitempty"`
	Events      []Event       `json:"events,omitempty"`
	Reasons     []string      `json:"reasons,omitempty"`
	Missing     []string      `json:"missing,omitempty"`
	Gate        *GateInfo     `json:"gate,omitempty"`
	ExcludedBy  string        `json:"excluded_by,omitempty"`
	NearMisses  []NearMiss    `json:"near_misses,omitempty"`
	Explanation string        `json:"explanation"`
	// Basis says what a status-based entitlement rests on: certificate (a
	// recorded 认定) or assessment (kechuang's own assessment against the
	// national standard; the amount is projected, not payable yet).
	Basis     string `json:"basis,omitempty"`
	Projected bool   `json:"projected,omitempty"`
}

// Event is one paid item of a for_each clause.
type Event struct {
	Item   string  `json:"item"`
	Amount *Amount `json:"amount,omitempty"`
	How    string  `json:"how"`
	Basis  string  `json:"basis,omitempty"`
}

// Installment is one year's part of a recurring entitlement.
type Installment struct {
	Year   int64   `json:"year"`
	Amount *Amount `json:"amount"`
}

// GateInfo names the gate that blocked a clause.
type GateInfo struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Section string `json:"section"`
	Quote   string `json:"quote"`
	Because string `json:"because"`
}

// NearMiss is the smallest change of one fact that would make a clause pay.
type NearMiss struct {
	Fact    string `json:"fact"`
	Current string `json:"current"`
	Needed  string `json:"needed"`
	Gap     string `json:"gap,omitempty"`
	Text    string `json:"text"`
}

// Total sums entitlements per payer and budget year.
type Total struct {
	Payer       string  `json:"payer"`
	BudgetYear  int64   `json:"budget_year"`
	Amount      *Amount `json:"amount"`
	Clauses     int     `json:"clauses"`
	Unspecified int     `json:"unspecified"`
}

// Evaluate reports every clause in force for f at date at, fiscal year fy.
func (ev *Evaluator) Evaluate(f *facts.Facts, at policy.Date, fy int64) *Report {
	ds := ev.Decide(f, at, fy)
	r := &Report{
		Subject:    SubjectInfo{ID: f.Subject.ID, Name: f.Subject.Name, Kind: f.Subject.Kind, Region: f.Subject.Region},
		At:         at.String(),
		FiscalYear: fy,
		Counts:     map[string]int{},
	}
	for _, c := range ev.eng.Clauses {
		if ds[c.Index].Outcome == NotApplicable {
			continue
		}
		r.Clauses = append(r.Clauses, ev.result(c, ds[c.Index]))
	}
	order := map[Outcome]int{Entitled: 0, NeedsFacts: 1, Blocked: 2, Excluded: 3, NotEntitled: 4, Failed: 5}
	slices.SortStableFunc(r.Clauses, func(a, b ClauseResult) int { return order[a.Outcome] - order[b.Outcome] })
	projected := map[string]bool{}
	for _, c := range r.Clauses {
		r.Counts[c.Outcome.String()]++
		if c.Projected {
			projected[c.Clause] = true
		}
	}
	r.Totals = totals(ev.eng, ds, fy, func(c *Clause) bool { return !projected[c.ID] })
	if len(projected) > 0 {
		r.Projected = totals(ev.eng, ds, fy, func(c *Clause) bool { return projected[c.ID] })
	}
	return r
}

// EvaluateAssessed is Evaluate after assessing the subject against every
// qualification standard: a status it qualifies for and does not hold is
// added as a projected recognition (source "assessed", event new, or renewed
// when it held the status before), so clauses that pay for the status show
// what the subject would receive once certified, marked as projected.
func (ev *Evaluator) EvaluateAssessed(f *facts.Facts, at policy.Date, fy int64) *Report {
	g := *f
	g.Recognitions = slices.Clone(f.Recognitions)
	held := ev.eng.Held(f, at)
	var as []*Assessment
	for _, s := range ev.eng.StandardsFor(f, at) {
		a := ev.Assess(s, f, at)
		if a.Verdict == VerdictNotApplicable {
			continue
		}
		as = append(as, a)
		if a.Verdict != Qualifies || s.Classifies() || slices.ContainsFunc(held, func(h HeldStatus) bool { return h.Status == s.Status }) {
			continue
		}
		event := "new"
		if slices.ContainsFunc(f.Recognitions, func(r facts.Recognition) bool { return r.Kind == s.Status }) {
			event = "renewed"
		}
		g.Recognitions = append(g.Recognitions, facts.Recognition{
			ID: "assessed-" + s.ID, Kind: s.Status, Level: s.Level, Event: event, Date: at.String(),
			ValidUntil: a.ValidUntil, Source: "assessed", Year: int64(at.Year()), Known: ^facts.Mask(0),
		})
	}
	r := ev.Evaluate(&g, at, fy)
	r.Assessments = as
	return r
}

// Explain evaluates f and reports clause c alone (nil if not applicable).
func (ev *Evaluator) Explain(c *Clause, f *facts.Facts, at policy.Date, fy int64) *ClauseResult {
	ds := ev.Decide(f, at, fy)
	if ds[c.Index].Outcome == NotApplicable {
		return nil
	}
	r := ev.result(c, ds[c.Index])
	return &r
}

// Spread calls fn with each budget year's part of an entitlement of clause
// c for fiscal year fy: one part, or one per year for a recurring amount
// (连续N年, an equal share each year).
func Spread(c *Clause, amount money.Interval, fy int64, fn func(year int64, part money.Interval)) {
	by := BudgetYear(c.Clause, fy)
	if c.Amount.Kind == "recurring" {
		n := money.Fen(c.Amount.Years)
		per := money.Interval{Min: amount.Min / n, Max: amount.Max / n, Open: amount.Open}
		for y := range int64(c.Amount.Years) {
			fn(by+y, per)
		}
		return
	}
	fn(by, amount)
}

func totals(e *Engine, ds []Decision, fy int64, include func(*Clause) bool) []Total {
	type key struct {
		payer string
		year  int64
	}
	idx := map[key]int{}
	var out []Total
	sums := []money.Interval{}
	add := func(payer string, year int64, iv money.Interval, unspecified bool) {
		k := key{payer, year}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Total{Payer: payer, BudgetYear: year})
			sums = append(sums, money.Interval{})
		}
		sums[i] = sums[i].Add(iv)
		out[i].Clauses++
		if unspecified {
			out[i].Unspecified++
		}
	}
	for _, c := range e.Clauses {
		d := ds[c.Index]
		if d.Outcome != Entitled || c.Kind != "payment" || !include(c) {
			continue
		}
		Spread(c, d.Amount, fy, func(year int64, iv money.Interval) { add(c.Payer, year, iv, d.Unspecified) })
	}
	for i := range out {
		out[i].Amount = amountOf(sums[i])
	}
	slices.SortStableFunc(out, func(a, b Total) int {
		if a.BudgetYear != b.BudgetYear {
			return int(a.BudgetYear - b.BudgetYear)
		}
		return strings.Compare(a.Payer, b.Payer)
	})
	return out
}

// result builds the full explanation of decision d. The evaluator's state
// holds the subject of the last Decide.
func (ev *Evaluator) result(c *Clause, d Decision) ClauseResult {
	s := &ev.st
	doc := c.Doc
	r := ClauseResult{
		Clause: c.ID, Title: c.Title, Kind: c.Kind, Document: docName(doc), DocumentID: doc.ID,
		Section: c.Citation.Section, Quote: c.Citation.Quote, Outcome: d.Outcome,
	}
	cite := fmt.Sprintf("依据%s%s：“%s”", docName(doc), c.Citation.Section, c.Citation.Quote)
	switch d.Outcome {
	case Entitled:
		r.Payer, r.BudgetYear = c.Payer, BudgetYear(c.Clause, s.FY)
		if d.Unspecified {
			r.Unspecified = c.unspecifiedWords()
		}
		if !d.Unspecified || d.Amount.Max > 0 {
			r.Amount = amountOf(d.Amount)
		}
		var hows []string
		certSource := ""
		if c.list == nil {
			hows = append(hows, ev.amountText(c.amount))
			r.Reasons = ev.passed(c)
		} else {
			for _, e := range ev.events {
				if int(e.clause) != c.Index || e.dropped {
					continue
				}
				s.idx[0] = int(e.item)
				how := ev.amountText(c.amount)
				ev1 := Event{Item: ev.itemLabel(c.list, int(e.item)), How: how}
				if c.ForEach == "recognitions" {
					rec := &s.F.Recognitions[e.item]
					ev1.Basis = "certificate"
					if rec.Source != "" && rec.Source != "assessed" {
						certSource = facts.TermZh("source", rec.Source)
					}
					if rec.Source == "assessed" {
						ev1.Basis, r.Projected = "assessment", true
					}
					if r.Basis == "" || ev1.Basis == "assessment" {
						r.Basis = ev1.Basis
					}
				}
				if e.flags&fUnspecified == 0 {
					ev1.Amount = amountOf(e.amount)
				}
				r.Events = append(r.Events, ev1)
				hows = append(hows, ev1.Item+"："+how)
				if len(r.Reasons) == 0 {
					r.Reasons = ev.passed(c)
				}
			}
		}
		if c.Amount.Kind == "recurring" {
			n := money.Fen(c.Amount.Years)
			for y := range int64(c.Amount.Years) {
				r.Schedule = append(r.Schedule, Installment{Year: r.BudgetYear + y, Amount: amountOf(money.Interval{Min: d.Amount.Min / n, Max: d.Amount.Max / n, Open: d.Amount.Open})})
			}
		}
		verb := "可享受"
		if c.Kind == "limit" {
			verb = "核定限额"
		}
		amt := "金额未定（文件未规定具体数额：“" + c.unspecifiedWords() + "”，由主管部门确定）"
		if r.Amount != nil {
			amt = r.Amount.Text
		}
		r.Explanation = fmt.Sprintf("%s %s。%s。%s。计算：%s。", verb, amt, cite, joinOr(r.Reasons, "条件均满足"), strings.Join(hows, "；"))
		if c.Kind == "payment" {
			r.Explanation += fmt.Sprintf("由%s%s。", c.Payer, budgetPhrase(c.Clause, r.BudgetYear))
		}
		switch r.Basis {
		case "assessment":
			r.Explanation += "依据：kechuang按国家认定标准评估为符合条件（预评估，尚未取得证书），金额为预计数，取得证书后方可兑现，不计入应兑现合计。"
		case "certificate":
			if certSource != "" {
				r.Explanation += "依据：已记录的认定证书（来源：" + certSource + "）。"
			} else {
				r.Explanation += "依据：已记录的认定证书。"
			}
		}
		r.NearMisses = ev.upgrades(c)
		for _, nm := range r.NearMisses {
			r.Explanation += "提示：" + nm.Text + "。"
		}
		if d.Partial {
			r.Missing = ev.missing(c, s.F)
			var ls []string
			for _, m := range r.Missing {
				ls = append(ls, missingZh(m, s.FY))
			}
			r.Explanation += "另有事项需补充信息后才能判断：" + strings.Join(ls, "、") + "。"
		}
	case NotEntitled:
		r.Reasons = ev.failed(c)
		r.NearMisses = ev.nearMisses(c)
		r.Explanation = fmt.Sprintf("不符合。%s。%s。", joinOr(r.Reasons, "条件不满足"), cite)
		for _, nm := range r.NearMisses {
			r.Explanation += "差距：" + nm.Text + "。"
		}
	case NeedsFacts:
		r.Missing = ev.missing(c, s.F)
		var ls []string
		for _, m := range r.Missing {
			ls = append(ls, missingZh(m, s.FY))
		}
		r.Explanation = fmt.Sprintf("需补充信息：%s。%s。", strings.Join(ls, "、"), cite)
	case Blocked:
		g := ev.eng.Gates[d.Gate]
		r.Gate = &GateInfo{ID: g.ID, Title: g.Title, Section: g.Citation.Section, Quote: g.Citation.Quote, Because: strings.Join(ev.gateReasons(g), "；")}
		r.NearMisses = ev.gateNearMisses(g)
		r.Explanation = fmt.Sprintf("受限制：%s（%s%s：“%s”）。原因：%s。", g.Title, docName(g.Doc), g.Citation.Section, g.Citation.Quote, r.Gate.Because)
		for _, nm := range r.NearMisses {
			r.Explanation += "解除限制需：" + nm.Text + "。"
		}
	case Excluded:
		o := ev.eng.Clauses[d.ExcludedBy]
		r.ExcludedBy = o.ID
		why := map[Tiebreak]string{
			HigherAmount:  "同一事项只享受一次，金额较高者优先",
			NewerDocument: "同一事项只享受一次，两项金额相同或均未定，按较新的文件执行",
			EarlierClause: "同一事项只享受一次，两项金额相同或均未定，按条款顺序执行",
		}[d.Why]
		r.Explanation = fmt.Sprintf("不重复享受：同一事项已按%s「%s」（%s）享受（%s）。%s。", docName(o.Doc), o.Title, o.ID, why, cite)
	case Failed:
		r.Explanation = "无法计算：条件求值出错（如除以零），请检查事实数据。" + cite + "。"
	}
	return r
}

func docName(d *policy.Document) string {
	if d.Number != "" {
		return "《" + d.Title + "》（" + d.Number + "）"
	}
	return "《" + d.Title + "》"
}

func budgetPhrase(c *policy.Clause, year int64) string {
	if c.Budget == "next_year" {
		return fmt.Sprintf("列入%d年（次年）预算支付", year)
	}
	return fmt.Sprintf("在%d年预算中支付", year)
}

func joinOr(xs []string, empty string) string {
	if len(xs) == 0 {
		return empty
	}
	return strings.Join(xs, "；")
}

func (c *Clause) unspecifiedWords() string {
	a := c.Amount
	for a != nil {
		if a.Kind == "unspecified" {
			return a.Unspecified
		}
		a = a.Each
	}
	return ""
}

func (ev *Evaluator) itemLabel(li *listInfo, i int) string {
	v := reflect.NewAt(li.elem, unsafePtr(li, &ev.st, i)).Elem()
	id := v.FieldByName("ID").String()
	kind := ""
	if k := v.FieldByName("Kind"); k.IsValid() {
		kind = facts.Format(li.elem, "kind", k.String())
	} else if p := v.FieldByName("Pool"); p.IsValid() {
		kind = facts.Format(li.elem, "pool", p.String())
	} else if n := v.FieldByName("Name"); n.IsValid() {
		kind = n.String()
	}
	if kind != "" {
		return fmt.Sprintf("%s[%s] %s", facts.ListZh(li.name), id, kind)
	}
	return fmt.Sprintf("%s[%s]", facts.ListZh(li.name), id)
}

// refType is the struct a reference reads from.
func refType(r Ref) reflect.Type {
	switch r.acc.base {
	case bSubject:
		return reflect.TypeOf(facts.Subject{})
	case bCur, bLast, bLast2:
		return reflect.TypeOf(facts.Annual{})
	}
	return r.acc.list.elem
}

func fieldName(r Ref) string {
	_, f, _ := strings.Cut(r.Path, ".")
	return f
}

// describe renders a conjunct with the facts it read.
func (ev *Evaluator) describe(cj conjunct, holds bool) string {
	s := &ev.st
	if cmp := cj.cmp; cmp != nil {
		t := refType(cmp.ref)
		val := facts.Format(t, fieldName(cmp.ref), cmp.ref.Value(s))
		var k any = cmp.kd
		if cmp.isInt {
			k = cmp.k
		}
		kt := facts.Format(t, fieldName(cmp.ref), k)
		if fieldName(cmp.ref) == "rd_intensity" {
			kt = fmt.Sprintf("%.2f%%", cmp.kd*100)
		}
		op := map[string][2]string{
			"_>=_": {"不低于", "低于"}, "_>_": {"超过", "未超过"}, "_<=_": {"不超过", "超过"},
			"_<_": {"低于", "不低于"}, "_==_": {"等于", "不等于"},
		}[cmp.op]
		word := op[0]
		if !holds {
			word = op[1]
		}
		return fmt.Sprintf("%s为%s，%s%s", facts.Label(cmp.ref.Path), val, word, kt)
	}
	if rq := cj.req; rq != nil {
		t := refType(rq.ref)
		name := fieldName(rq.ref)
		val := facts.Format(t, name, rq.ref.Value(s))
		var want []string
		for _, w := range rq.want {
			want = append(want, facts.Format(t, name, w))
		}
		verb := "需为"
		if rq.not {
			verb = "不得为"
		}
		if holds {
			return fmt.Sprintf("%s为%s", facts.Label(rq.ref.Path), val)
		}
		return fmt.Sprintf("%s为%s（%s%s）", facts.Label(rq.ref.Path), val, verb, strings.Join(want, "或"))
	}
	var vals []string
	for _, r := range cj.refs {
		if r.acc.base == bElem && r.acc.slot > 0 {
			continue // a variable of exists()/all(): its value is not one fact
		}
		vals = append(vals, fmt.Sprintf("%s为%s", facts.Label(r.Path), facts.Format(refType(r), fieldName(r), r.Value(s))))
	}
	switch {
	case holds:
		return cj.zh
	case len(vals) > 0:
		return "不满足：" + cj.zh + "（" + strings.Join(vals, "，") + "）"
	}
	return "不满足：" + cj.zh
}

func (ev *Evaluator) passed(c *Clause) []string {
	var out []string
	for _, cj := range c.conjuncts {
		if cj.v.b(&ev.st) == triT {
			out = append(out, ev.describe(cj, true))
		}
	}
	return out
}

// failed explains why a clause does not pay: for a clause over a list, per
// item in the window (at most three), or that there is no such item.
func (ev *Evaluator) failed(c *Clause) []string {
	s := &ev.st
	fails := func() []string {
		var out []string
		for _, cj := range c.conjuncts {
			if cj.v.b(s) == triF {
				out = append(out, ev.describe(cj, false))
			}
		}
		if len(out) == 0 { // the condition holds; the amount paid nothing
			out = append(out, "金额档次未覆盖："+ev.amountText(c.amount))
		}
		return out
	}
	if c.list == nil {
		return fails()
	}
	// Items of another kind are not worth listing: an item is relevant when
	// it passes the clause's first requirement on the item (its kind, pool…).
	var first *conjunct
	for i := range c.conjuncts {
		if rq := c.conjuncts[i].req; rq != nil && rq.ref.acc.base == bElem && rq.ref.acc.slot == 0 {
			first = &c.conjuncts[i]
			break
		}
	}
	var out []string
	shown := 0
	for i := range c.list.Len(s) {
		if !ev.inWindow(c, i) {
			continue
		}
		s.idx[0] = i
		if first != nil && first.v.b(s) == triF {
			continue
		}
		if shown == 3 {
			out = append(out, "……")
			break
		}
		out = append(out, ev.itemLabel(c.list, i)+"："+strings.Join(fails(), "，"))
		shown++
	}
	if shown == 0 {
		y := s.FY
		when := fmt.Sprintf("%d年度", y)
		switch c.Window {
		case "previous":
			when = fmt.Sprintf("上一年度（%d年）", y-1)
		case "any":
			when = ""
		case "active":
			when = fmt.Sprintf("%d年度在岗的", y)
		}
		what := facts.ListZh(c.ForEach)
		if first != nil {
			var want []string
			for _, w := range first.req.want {
				want = append(want, facts.Format(refType(first.req.ref), fieldName(first.req.ref), w))
			}
			what = strings.Join(want, "或") + what
		}
		out = append(out, fmt.Sprintf("没有%s%s记录", when, what))
	}
	return out
}

// missing lists the unknown facts the clause (and its gates) read.
func (ev *Evaluator) missing(c *Clause, f *facts.Facts) []string {
	s := &ev.st
	var out []string
	add := func(refs []Ref) {
		for _, r := range refs {
			if r.acc.base == bElem && r.acc.slot > 0 {
				continue // exists()/all() variables: their items' facts are always known
			}
			if !r.Known(s) && !slices.Contains(out, r.Path) {
				out = append(out, r.Path)
			}
		}
	}
	for _, g := range c.gates {
		if ev.gate(g) == triU {
			add(g.refs)
		}
	}
	if c.list == nil {
		add(c.refs)
		add(c.amount.refs)
		return out
	}
	for i := range c.list.Len(s) {
		if ev.inWindow(c, i) {
			s.idx[0] = i
			add(c.refs)
			add(c.amount.refs)
		}
	}
	return out
}

func missingZh(path string, fy int64) string {
	root, _, _ := strings.Cut(path, ".")
	switch root {
	case "cur":
		return fmt.Sprintf("%d年%s", fy, strings.TrimPrefix(facts.Label(path), "本年度"))
	case "last":
		return fmt.Sprintf("%d年%s", fy-1, strings.TrimPrefix(facts.Label(path), "上年度"))
	case "last2":
		return fmt.Sprintf("%d年%s", fy-2, strings.TrimPrefix(facts.Label(path), "前年度"))
	}
	return facts.Label(path)
}

func (ev *Evaluator) gateReasons(g *Gate) []string {
	var out []string
	for _, cj := range g.conjuncts {
		out = append(out, ev.describe(cj, cj.v.b(&ev.st) == triT))
	}
	return out
}

// amountText explains how the amount of the current item is computed.
func (ev *Evaluator) amountText(a *amount) string {
	s := &ev.st
	p := a.src
	ofText := func() string {
		if a.ofZh != "" {
			return a.ofZh
		}
		return p.Of.Src
	}
	switch p.Kind {
	case "fixed":
		return "定额" + p.Fixed.String()
	case "range":
		return "在" + p.Range.String() + "之间酌定"
	case "at_least":
		return p.Range.String() + "（具体金额由主管部门确定）"
	case "unspecified":
		return "文件未规定具体金额（“" + p.Unspecified + "”）"
	case "by_value":
		k, _ := a.of.s(s)
		disp := k
		if len(a.refs) > 0 {
			disp = facts.Format(refType(a.refs[0]), fieldName(a.refs[0]), k)
		}
		for _, e := range p.Table {
			if e.Key == k {
				return fmt.Sprintf("按%s「%s」：%s", ofText(), disp, e.Amount)
			}
		}
		return fmt.Sprintf("%s「%s」不在支持范围内", ofText(), disp)
	case "brackets":
		x, st := a.of.i(s)
		if st != triT {
			return ofText() + "未知"
		}
		t := bracketOf(p, money.Fen(x))
		if t < 0 {
			for _, g := range p.Gaps {
				if money.Fen(x) >= g.From && money.Fen(x) <= g.To {
					return fmt.Sprintf("%s为%s，不在任何档次内（%s）", ofText(), money.Fen(x), g.Note)
				}
			}
			return fmt.Sprintf("%s为%s，不在任何档次内", ofText(), money.Fen(x))
		}
		txt := fmt.Sprintf("%s为%s，落在「%s」档：%s", ofText(), money.Fen(x), tierText(p.Tiers[t]), p.Tiers[t].Amount)
		for _, tie := range p.Ties {
			if tie.At == money.Fen(x) {
				txt += "（边界值：" + tie.Note + "）"
			}
		}
		return txt
	case "progressive":
		x, st := a.of.i(s)
		if st != triT {
			return ofText() + "未知"
		}
		var parts []string
		for _, t := range p.Tiers {
			lo := money.Fen(0)
			if t.From != nil {
				lo = *t.From
			}
			if money.Fen(x) <= lo {
				continue
			}
			hi := money.Fen(x)
			if t.To != nil && *t.To < hi {
				hi = *t.To
			}
			parts = append(parts, fmt.Sprintf("%s×%s", hi-lo, t.Rate))
		}
		return fmt.Sprintf("%s为%s，超额累进：%s，合计%s（%s）", ofText(), money.Fen(max(x, 0)), strings.Join(parts, " + "), progressive(p, money.Fen(max(x, 0))), roundZh(p.Round))
	case "rate", "match":
		x, st := a.of.i(s)
		if st != triT {
			return ofText() + "未知"
		}
		rate := p.Rates[0].String()
		if p.Rates[0] != p.Rates[1] {
			rate = p.Rates[0].String() + "—" + p.Rates[1].String()
		}
		iv, _, _ := a.eval(s)
		txt := fmt.Sprintf("%s%s × %s", ofText(), money.Fen(x), rate)
		raw := money.Interval{Min: p.Rates[0].Apply(money.Fen(max(x, 0)), p.Round), Max: p.Rates[1].Apply(money.Fen(max(x, 0)), p.Round)}
		txt += " = " + raw.String()
		if p.Cap != nil && (raw.Max > *p.Cap) {
			txt += "，封顶" + p.Cap.String()
		}
		if p.Floor != nil && raw.Min < *p.Floor {
			txt += "，保底" + p.Floor.String()
		}
		return txt + " → " + iv.String() + "（" + roundZh(p.Round) + "）"
	case "per_unit":
		n, _ := a.count.i(s)
		return fmt.Sprintf("%s × %d = %s", a.each.src.Range, n, mulInterval(a.each.src.Range, n))
	case "recurring":
		e, _, _ := a.each.eval(s)
		return fmt.Sprintf("每年%s，连续%d年，合计%s", e, p.Years, mulInterval(e, int64(p.Years)))
	case "staged":
		k, _ := a.of.s(s)
		cum, _ := stageTotal(p, k)
		iv, _, st := a.eval(s)
		if st != triT {
			return "累计标准" + cum.String()
		}
		return fmt.Sprintf("累计标准%s（「%s」），扣除此前阶段已享受部分，本次补差%s", cum, facts.Format(refType(a.refs[0]), fieldName(a.refs[0]), k), iv)
	}
	return p.Kind
}

func tierText(t policy.Tier) string {
	var b strings.Builder
	if t.From != nil {
		b.WriteString(t.From.String() + t.FromWord)
	}
	if t.To != nil {
		b.WriteString(t.To.String() + t.ToWord)
	}
	return b.String()
}

func roundZh(r money.Rounding) string {
	return map[money.Rounding]string{money.HalfUp: "四舍五入到分", money.Down: "舍去分以下", money.Up: "分以下进一"}[r]
}
