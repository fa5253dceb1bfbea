package fulfil

import (
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/rules/rulestest"
)

// library is the bundled policy library, compiled once per test binary.
func library(t testing.TB) *rules.Engine { return rulestest.Library(t) }

func clauseByID(t testing.TB, id string) *rules.Clause {
	t.Helper()
	c, ok := library(t).ClauseByID(id)
	if !ok {
		t.Fatalf("no clause %s in the policy library", id)
	}
	return c
}

// claims evaluates a facts document (JSON) for clause c at date at in
// fiscal year fy and returns its claims; the subject must be entitled.
func claims(t testing.TB, c *rules.Clause, doc, at string, fy int64) []rules.Claim {
	t.Helper()
	f, err := facts.DecodeBytes([]byte(doc), c.ID+".json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := policy.ParseDate(at)
	if err != nil {
		t.Fatal(err)
	}
	dec, cs := library(t).NewEvaluator().Claims(c, f, d, fy)
	if dec.Outcome != rules.Entitled {
		t.Fatalf("%s at %s (FY %d): %s, want entitled", c.ID, at, fy, dec.Outcome)
	}
	if len(cs) == 0 {
		t.Fatalf("%s: entitled with no claims", c.ID)
	}
	return cs
}

// 一事一奖: one event pays once. fx-hte-new, 肥乡 二（二）:
// “对新认定的国家高新技术企业给予5万元资金补助”.
// The payment key and the stack key of (clause, subject, event, period) are
// the same however often the case is proposed, and differ for another
// event, subject or period; a recognition is a one-off event (period 0), so
// deciding it again in a later fiscal year gives the same keys.
func TestOneEventPaysOnce(t *testing.T) {
	c := clauseByID(t, "fx-hte-new")
	if p := Period(c.Clause, 2024); p != 0 {
		t.Fatalf("Period(fx-hte-new) = %d, want 0 for a one-off recognition", p)
	}
	if Period(c.Clause, 2024) != Period(c.Clause, 2025) {
		t.Error("a one-off event has a different period in another fiscal year")
	}
	type k struct {
		subject, event string
		period         int64
	}
	base := k{"e1", "r1", 0}
	pk := func(x k) string { return PaymentKey(c.ID, x.subject, x.event, x.period, 2024) }
	sk := func(x k) string { return StackKey(c.Clause, x.subject, x.event, "", x.period) }
	if pk(base) != pk(k{"e1", "r1", 0}) || sk(base) != sk(k{"e1", "r1", 0}) {
		t.Error("the same event gives different keys")
	}
	for _, other := range []k{{"e1", "r2", 0}, {"e2", "r1", 0}, {"e1", "r1", 2024}} {
		if pk(other) == pk(base) {
			t.Errorf("payment key of %v equals that of %v", other, base)
		}
		if sk(other) == sk(base) {
			t.Errorf("stack key of %v equals that of %v", other, base)
		}
	}
	// Another clause pays under its own keys.
	other := clauseByID(t, "fx-commissioner")
	if StackKey(other.Clause, "e1", "r1", "", 0) == sk(base) || PaymentKey(other.ID, "e1", "r1", 0, 2024) == pk(base) {
		t.Error("two unrelated clauses share a key")
	}
	// Another installment year of the same payment is another payment key
	// but the same stack key.
	if PaymentKey(c.ID, "e1", "r1", 0, 2025) == pk(base) {
		t.Error("two budget years share a payment key")
	}

	// From a real evaluation: the case proposed for the recognition in 2024
	// and, again, in a re-run, carries the same stack key.
	doc := `{"subject": {"id": "e1", "kind": "enterprise", "region": "130407"},
		"recognitions": [{"id": "r1", "kind": "high_tech_enterprise", "level": "national", "event": "new", "date": "2024-01-01", "source": "certificate"}]}`
	cs := claims(t, c, doc, "2024-12-31", 2024)
	if len(cs) != 1 || cs[0].Event != "r1" || cs[0].Amount != money.Exact(5*money.Wan) {
		t.Fatalf("claims %+v", cs)
	}
	a := NewCase(c, "e1", "甲公司", "130407", 2024, cs[0], RouteAuto, DefaultWorkflow(), 1, "")
	b := NewCase(c, "e1", "甲公司", "130407", 2024, claims(t, c, doc, "2024-12-31", 2024)[0], RouteAuto, DefaultWorkflow(), 2, "")
	if a.StackKey != b.StackKey || a.StackKey != sk(base) {
		t.Errorf("stack keys %s and %s, want %s", a.StackKey, b.StackKey, sk(base))
	}
	if a.Period != 0 || a.Event != "r1" || a.Chain != "r1" {
		t.Errorf("case period %d event %s chain %s", a.Period, a.Event, a.Chain)
	}
}

// 就高不重复: fx-hte-new and fx-hte-renewed, 肥乡 二（二）:
// “对新认定的国家高新技术企业给予5万元资金补助”;
// “对重新认定的国家高新技术企业给予4万元资金补助,所需资金由区财政或县域科技创新跃升计划奖励资金列支”.
// Both are in the exclusivity group fx-hte-status: the same event has one
// stack key whichever of the two pays it, and when one was already paid the
// other pays only the difference (never a negative one).
func TestExclusiveGroup(t *testing.T) {
	nw, rn := clauseByID(t, "fx-hte-new"), clauseByID(t, "fx-hte-renewed")
	if nw.Exclusive == "" || nw.Exclusive != rn.Exclusive {
		t.Fatalf("exclusive groups %q and %q", nw.Exclusive, rn.Exclusive)
	}
	kn := StackKey(nw.Clause, "e1", "r1", "", 0)
	kr := StackKey(rn.Clause, "e1", "r1", "", 0)
	if kn != kr {
		t.Errorf("stack keys %s and %s differ within an exclusivity group", kn, kr)
	}
	if !strings.Contains(kn, nw.Exclusive) {
		t.Errorf("stack key %s does not name the group %s", kn, nw.Exclusive)
	}
	// Their payment keys still differ: the ledger records which clause paid.
	if PaymentKey(nw.ID, "e1", "r1", 0, 2024) == PaymentKey(rn.ID, "e1", "r1", 0, 2024) {
		t.Error("two clauses of a group share a payment key")
	}
	if StackKey(nw.Clause, "e1", "r2", "", 0) == kn {
		t.Error("another event shares the group's key")
	}

	tests := []struct {
		name          string
		amount, paid  money.Fen
		want          money.Fen
		whySays       string
		whyEmptyIsNil bool
	}{
		{"nothing paid before: in full", 5 * money.Wan, 0, 5 * money.Wan, "", true},
		{"4万 paid under the key: 5万 pays the 1万 difference", 5 * money.Wan, 4 * money.Wan, money.Wan, "就高不重复", false},
		{"5万 paid: 4万 pays nothing", 4 * money.Wan, 5 * money.Wan, 0, "本次只补差额 0元", false},
		{"the same amount paid: nothing", 5 * money.Wan, 5 * money.Wan, 0, "就高不重复", false},
		{"a fen short", 5 * money.Wan, 5*money.Wan - 1, 1, "就高不重复", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := Payable(tt.amount, tt.paid, 0)
			if got != tt.want {
				t.Errorf("Payable(%s, paid %s) = %s, want %s", tt.amount, tt.paid, got, tt.want)
			}
			if tt.whyEmptyIsNil != (why == "") || !strings.Contains(why, tt.whySays) {
				t.Errorf("reason %q, want one saying %q", why, tt.whySays)
			}
		})
	}
}

// 累计 / stacks_with: fx-iur-agreement and fx-iur-results, 肥乡 八:
// “对签署产学研科技合作协议并开展科技合作的给予1万元的奖励”;
// “对签署产学研科技合作协议开展科技合作并取得项目开发成果的,每项给予5万元的奖励,所需资金由区财政或县域科技创新跃升计划奖励资金列支”.
// The two may pay the same agreement: their stack keys differ and neither
// reduces the other.
func TestStacksWith(t *testing.T) {
	ag, rs := clauseByID(t, "fx-iur-agreement"), clauseByID(t, "fx-iur-results")
	if !slices.Contains(ag.StacksWith, rs.ID) || !slices.Contains(rs.StacksWith, ag.ID) {
		t.Fatalf("stacks_with %v and %v", ag.StacksWith, rs.StacksWith)
	}
	doc := `{"subject": {"id": "e1", "kind": "enterprise", "region": "130407"},
		"agreements": [{"id": "g1", "kind": "industry_university", "partner": "河北工程大学", "date": "2024-03-01", "active": true, "results": 2, "source": "sti"}]}`
	ca := claims(t, ag, doc, "2024-12-31", 2024)
	cr := claims(t, rs, doc, "2024-12-31", 2024)
	if len(ca) != 1 || len(cr) != 1 || ca[0].Event != "g1" || cr[0].Event != "g1" {
		t.Fatalf("claims %+v and %+v", ca, cr)
	}
	a := NewCase(ag, "e1", "甲公司", "130407", 2024, ca[0], RouteAuto, DefaultWorkflow(), 1, "")
	r := NewCase(rs, "e1", "甲公司", "130407", 2024, cr[0], RouteAuto, DefaultWorkflow(), 1, "")
	if a.StackKey == r.StackKey {
		t.Fatalf("clauses that stack share the stack key %s", a.StackKey)
	}
	// Each pays in full: nothing was paid under its own key before, whatever
	// the other paid.
	ledger := map[string]money.Fen{}
	var total money.Fen
	for _, k := range []*Case{a, r} {
		amt, ok := k.Amount()
		if !ok {
			t.Fatalf("case of %s has no exact amount: %s", k.Clause, k.Computed)
		}
		due, why := Payable(amt, ledger[k.StackKey], k.Cumulative)
		if due != amt || why != "" {
			t.Errorf("%s: pays %s of %s (%s)", k.Clause, due, amt, why)
		}
		ledger[k.StackKey] += due
		total += due
	}
	if total != 11*money.Wan { // 1万 + 2 × 5万
		t.Errorf("together %s, want 11万元", total)
	}
}

// Staged top-ups: ww-research-branch-staged, 武威 四（三）10:
// “對在我市設立的科研分支機構、協同創新基地、聯合實驗室、野外科學觀測研究站,給予10萬元的資金補助;獲省級平臺資格認定后,再給予20萬元資金補助;獲國家級平臺資格認定后,再給予30萬元資金補助”.
// A joint lab set up in 2022 (10万), recognised at provincial level in 2023
// (+20万, 累计30万) and at national level in 2024 (+30万, 累计60万), each
// stage a recognition pointing to the previous one with `of`: every stage's
// claim names the first stage as its chain and carries its cumulative total;
// all share one stack key, and paying them in turn pays only differences
// and never more than the cumulative figure.
func TestStagedTopUps(t *testing.T) {
	c := clauseByID(t, "ww-research-branch-staged")
	if c.Amount == nil || c.Amount.Kind != "staged" {
		t.Fatalf("amount %+v", c.Amount)
	}
	doc := `{"subject": {"id": "i1", "kind": "institute", "region": "620602"},
		"recognitions": [
			{"id": "r2", "kind": "joint_lab", "level": "national", "event": "upgraded", "of": "r1", "date": "2024-05-01", "source": "sti"},
			{"id": "r0", "kind": "joint_lab", "level": "city", "event": "new", "date": "2022-10-01", "source": "sti"},
			{"id": "r1", "kind": "joint_lab", "level": "province", "event": "upgraded", "of": "r0", "date": "2023-05-01", "source": "sti"}]}`
	stages := []struct {
		fy         int64
		event      string
		amount     money.Fen
		cumulative money.Fen
	}{
		{2022, "r0", 10 * money.Wan, 10 * money.Wan},
		{2023, "r1", 20 * money.Wan, 30 * money.Wan},
		{2024, "r2", 30 * money.Wan, 60 * money.Wan},
	}
	var keys []string
	var paid money.Fen
	for _, st := range stages {
		cs := claims(t, c, doc, policy.Date(st.fy*10000+1231).String(), st.fy)
		if len(cs) != 1 {
			t.Fatalf("FY %d: %d claims, want the one stage of that year", st.fy, len(cs))
		}
		cl := cs[0]
		if cl.Event != st.event || cl.Chain != "r0" || cl.Cumulative != st.cumulative || cl.Amount != money.Exact(st.amount) {
			t.Errorf("FY %d: claim event %s chain %s cumulative %s amount %s; want %s, r0, %s, %s",
				st.fy, cl.Event, cl.Chain, cl.Cumulative, cl.Amount, st.event, st.cumulative, st.amount)
		}
		k := NewCase(c, "i1", "某研究院", "620602", st.fy, cl, RouteAuto, DefaultWorkflow(), 1, "")
		if k.Chain != "r0" || k.Cumulative != st.cumulative || k.Period != 0 {
			t.Errorf("FY %d: case chain %s cumulative %s period %d", st.fy, k.Chain, k.Cumulative, k.Period)
		}
		keys = append(keys, k.StackKey)
		amt, _ := k.Amount()
		due, _ := Payable(amt, paid, k.Cumulative)
		if due != st.amount {
			t.Errorf("FY %d: pays %s after %s, want the difference %s", st.fy, due, paid, st.amount)
		}
		paid += due
		if paid > st.cumulative {
			t.Errorf("FY %d: the chain has paid %s, above the cumulative %s", st.fy, paid, st.cumulative)
		}
		// Paying the same stage again pays nothing more.
		if again, _ := Payable(amt, paid, k.Cumulative); again != 0 {
			t.Errorf("FY %d: the same stage again pays %s", st.fy, again)
		}
	}
	if keys[0] != keys[1] || keys[1] != keys[2] {
		t.Errorf("the stages have stack keys %q, want one", keys)
	}
	if paid != 60*money.Wan {
		t.Errorf("the chain paid %s, want 累计 60万元", paid)
	}
	// The stack key counts over the chain, not the stage's own id.
	if StackKey(c.Clause, "i1", "r2", "r0", 0) != StackKey(c.Clause, "i1", "r0", "r0", 0) ||
		StackKey(c.Clause, "i1", "r2", "r0", 0) == StackKey(c.Clause, "i1", "r2", "x9", 0) {
		t.Error("staged stack keys do not follow the chain")
	}
	// A non-staged clause ignores the chain.
	if nw := clauseByID(t, "fx-hte-new"); StackKey(nw.Clause, "e1", "r1", "r0", 0) != StackKey(nw.Clause, "e1", "r1", "", 0) {
		t.Error("a one-off clause's stack key depends on the chain")
	}

	tests := []struct {
		name                     string
		amount, paid, cumulative money.Fen
		want                     money.Fen
	}{
		{"national after city and province", 30 * money.Wan, 30 * money.Wan, 60 * money.Wan, 30 * money.Wan},
		{"national after only the city stage was paid here", 30 * money.Wan, 10 * money.Wan, 60 * money.Wan, 30 * money.Wan},
		{"more paid than the earlier stages give: capped", 30 * money.Wan, 40 * money.Wan, 60 * money.Wan, 20 * money.Wan},
		{"the whole cumulative already paid", 30 * money.Wan, 60 * money.Wan, 60 * money.Wan, 0},
		{"above the cumulative already: nothing, not negative", 30 * money.Wan, 70 * money.Wan, 60 * money.Wan, 0},
		// 设立当年即获省级资格: no earlier stage, the cumulative 30万.
		{"province at once", 30 * money.Wan, 0, 30 * money.Wan, 30 * money.Wan},
	}
	for _, tt := range tests {
		got, why := Payable(tt.amount, tt.paid, tt.cumulative)
		if got != tt.want {
			t.Errorf("%s: Payable(%s, %s, %s) = %s, want %s", tt.name, tt.amount, tt.paid, tt.cumulative, got, tt.want)
		}
		if got != tt.amount && !strings.Contains(why, "累计不超过") {
			t.Errorf("%s: reason %q", tt.name, why)
		}
	}

	// 设立当年即获省级资格 from a real evaluation: the chain is the stage itself.
	once := `{"subject": {"id": "i1", "kind": "institute", "region": "620602"},
		"recognitions": [{"id": "r1", "kind": "collab_innovation_base", "level": "province", "event": "new", "date": "2024-05-01"}]}`
	cl := claims(t, c, once, "2024-12-31", 2024)[0]
	if cl.Chain != "r1" || cl.Cumulative != 30*money.Wan || cl.Amount != money.Exact(30*money.Wan) {
		t.Errorf("province at once: chain %s cumulative %s amount %s", cl.Chain, cl.Cumulative, cl.Amount)
	}
}

// Property: whatever was paid before, Payable pays nothing negative, never
// more than asked, and a staged chain never goes past its cumulative total
// (unless it already had, in which case nothing more is paid).
func TestPayableProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		amount := money.Fen(rapid.Int64Range(0, 1e10).Draw(t, "amount"))
		paid := money.Fen(rapid.Int64Range(0, 1e10).Draw(t, "paid"))
		cumulative := money.Fen(0)
		if rapid.Bool().Draw(t, "staged") {
			cumulative = money.Fen(rapid.Int64Range(1, 1e10).Draw(t, "cumulative"))
		}
		due, _ := Payable(amount, paid, cumulative)
		if due < 0 || due > amount {
			t.Fatalf("Payable(%d, %d, %d) = %d", amount, paid, cumulative, due)
		}
		if cumulative > 0 && due > 0 && paid+due > cumulative {
			t.Fatalf("Payable(%d, %d, %d) = %d: the chain passes its cumulative", amount, paid, cumulative, due)
		}
		if cumulative == 0 && due != max(amount-paid, 0) {
			t.Fatalf("Payable(%d, %d, 0) = %d, want the difference", amount, paid, due)
		}
	})
}

// Per-year recurring: ww-innovation-consortium, 武威 四（四）13:
// “對企業創新聯合體進行“靶向扶持”,每年以市級科技計劃項目方式給予不低于50萬元支持,連續支持3年”.
// The whole commitment is decided once; Installments splits it into three
// budget years that sum exactly to it, the odd fen in the first year.
func TestRecurringInstallments(t *testing.T) {
	c := clauseByID(t, "ww-innovation-consortium")
	if c.Amount == nil || c.Amount.Kind != "recurring" || c.Amount.Years != 3 {
		t.Fatalf("amount %+v", c.Amount)
	}
	tests := []struct {
		amount money.Fen
		want   []Installment
	}{
		{150 * money.Wan, []Installment{{Year: 2024, Fen: 50 * money.Wan}, {Year: 2025, Fen: 50 * money.Wan}, {Year: 2026, Fen: 50 * money.Wan}}},
		{150*money.Wan + 2, []Installment{{Year: 2024, Fen: 50*money.Wan + 2}, {Year: 2025, Fen: 50 * money.Wan}, {Year: 2026, Fen: 50 * money.Wan}}},
		{1, []Installment{{Year: 2024, Fen: 1}, {Year: 2025, Fen: 0}, {Year: 2026, Fen: 0}}},
		{0, []Installment{{Year: 2024, Fen: 0}, {Year: 2025, Fen: 0}, {Year: 2026, Fen: 0}}},
	}
	for _, tt := range tests {
		if got := Installments(c, 2024, tt.amount); !slices.Equal(got, tt.want) {
			t.Errorf("Installments(%s) = %v, want %v", tt.amount, got, tt.want)
		}
	}
	// A one-off clause pays in one installment in its budget year.
	one := clauseByID(t, "fx-hte-new")
	if got := Installments(one, 2025, 5*money.Wan); !slices.Equal(got, []Installment{{Year: 2025, Fen: 5 * money.Wan}}) {
		t.Errorf("one-off: %v", got)
	}

	// The real claim: one event for the whole commitment, 不低于150万元 (open
	// above), to be decided.
	doc := `{"subject": {"id": "e1", "kind": "enterprise", "region": "620602"},
		"recognitions": [{"id": "r1", "kind": "innovation_consortium", "level": "city", "event": "new", "date": "2024-03-01", "source": "sti"}]}`
	cs := claims(t, c, doc, "2024-12-31", 2024)
	if len(cs) != 1 || cs[0].Amount.Min != 150*money.Wan || !cs[0].Amount.Open {
		t.Fatalf("claims %+v", cs)
	}

	// Through the workflow: the schedule is set when the case enters 拨付.
	k := NewCase(c, "e1", "牵头企业", "620602", 2024, cs[0], RouteAuto, DefaultWorkflow(), 1, "")
	if k.Route != RouteAuto || k.BudgetYear != 2024 {
		t.Fatalf("route %s, budget year %d", k.Route, k.BudgetYear)
	}
	Start(k, day0)
	cl := ClauseOf(c)
	if cl.Years != 3 || cl.Auth.Jurisdiction != "620600" {
		t.Fatalf("ClauseOf: %+v", cl)
	}
	step := func(a Act, n int) {
		t.Helper()
		a.Version = k.Version
		if _, err := Apply(k, cl, a, on(n), 0); err != nil {
			t.Fatalf("%s at %s: %v", a.Action, k.CurrentStep().Step, err)
		}
	}
	step(Act{Action: Approve, By: staffA}, 0)
	step(Act{Action: Approve, By: staffA}, 0)
	step(Act{Action: Decide, By: staffA, Fen: 150*money.Wan + 2, Reason: "项目任务书核定"}, 0)
	step(Act{Action: Approve, By: staffA}, 0)
	step(Act{Action: Approve, By: staffB}, 0)
	step(Act{Action: Approve, By: staffA}, 7)
	if k.CurrentStep().Step != Pay {
		t.Fatalf("at %s", k.CurrentStep().Step)
	}
	if want := Installments(c, 2024, 150*money.Wan+2); !slices.Equal(k.Schedule, want) {
		t.Errorf("schedule %v, want %v", k.Schedule, want)
	}
	if k.PayReady() != k.StepSince || k.PayReady() == "" {
		t.Errorf("PayReady %q, StepSince %q", k.PayReady(), k.StepSince)
	}
}

// Property: the installments of any amount over any number of years sum to
// it exactly, run year by year from the budget year, and differ only by the
// fen left over, which the first year carries.
func TestScheduleProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		amount := money.Fen(rapid.Int64Range(0, 1e14).Draw(t, "amount"))
		years := rapid.IntRange(-1, 10).Draw(t, "years")
		from := rapid.Int64Range(2000, 2100).Draw(t, "from")
		got := Schedule(from, amount, years)
		n := max(years, 1)
		if len(got) != n {
			t.Fatalf("Schedule(%d, %d, %d): %d installments", from, amount, years, len(got))
		}
		var sum money.Fen
		per := amount / money.Fen(n)
		for i, p := range got {
			sum += p.Fen
			if p.Year != from+int64(i) {
				t.Fatalf("installment %d in %d, want %d", i, p.Year, from+int64(i))
			}
			if i > 0 && p.Fen != per {
				t.Fatalf("installment %d is %d, want %d", i, p.Fen, per)
			}
		}
		if sum != amount {
			t.Fatalf("installments sum to %d, want %d", sum, amount)
		}
		if extra := got[0].Fen - per; extra < 0 || extra >= money.Fen(n) {
			t.Fatalf("first installment %d carries %d extra fen over %d years", got[0].Fen, extra, n)
		}
	})
}

// Per-year appointments: fx-commissioner, 肥乡 九（一）:
// “对聘用为区级科技特派员的每年给予2000元用于交通、资料等工作补贴”
// (and ww-commissioner-sender, 武威 四（五）19: “對選派的市級科技特派員,對派出單位按每人每年不低于1萬元給予工作經費,保障科技特派員開展技術服務”).
// window active: the period is the fiscal year, so each year the
// appointment lasts has its own payment and stack keys.
func TestYearlyAppointment(t *testing.T) {
	for _, id := range []string{"fx-commissioner", "ww-commissioner-sender"} {
		c := clauseByID(t, id)
		if c.Window != "active" {
			t.Fatalf("%s: window %q", id, c.Window)
		}
		for _, fy := range []int64{2023, 2024, 2025} {
			if p := Period(c.Clause, fy); p != fy {
				t.Errorf("Period(%s, %d) = %d, want the fiscal year", id, fy, p)
			}
		}
	}
	// A clause without for_each (an annual subsidy) is yearly too.
	if p := Period(clauseByID(t, "ww-super-deduction-first").Clause, 2024); p != 2024 {
		t.Errorf("Period of a clause without for_each = %d", p)
	}

	c := clauseByID(t, "fx-commissioner")
	doc := `{"subject": {"id": "m1", "kind": "person", "region": "130407"},
		"appointments": [{"id": "a1", "kind": "tech_commissioner", "level": "district", "role": "person", "from": "2023-03-01", "source": "sti"}]}`
	seenStack := map[string]int64{}
	seenPay := map[string]int64{}
	for _, fy := range []int64{2023, 2024, 2025} {
		at := policy.Date(fy*10000 + 1231).String()
		cs := claims(t, c, doc, at, fy)
		if len(cs) != 1 || cs[0].Event != "a1" || cs[0].Amount != money.Exact(2000*money.Yuan) {
			t.Fatalf("FY %d: claims %+v", fy, cs)
		}
		k := NewCase(c, "m1", "张三", "130407", fy, cs[0], RouteAuto, DefaultWorkflow(), 1, "")
		if k.Period != fy {
			t.Errorf("FY %d: period %d", fy, k.Period)
		}
		if y, dup := seenStack[k.StackKey]; dup {
			t.Errorf("FY %d and %d share the stack key %s", y, fy, k.StackKey)
		}
		seenStack[k.StackKey] = fy
		pk := PaymentKey(k.Clause, k.Subject, k.Event, k.Period, k.BudgetYear)
		if y, dup := seenPay[pk]; dup {
			t.Errorf("FY %d and %d share the payment key %s", y, fy, pk)
		}
		seenPay[pk] = fy
		// Each year pays in full: nothing was paid under that year's key.
		if due, _ := Payable(2000*money.Yuan, 0, k.Cumulative); due != 2000*money.Yuan {
			t.Errorf("FY %d pays %s", fy, due)
		}
	}
}

// Quota: ww-ip-demo-leader, 武威 四（四）16:
// “每年選擇3—4戶專利、商標等數量和質量在全市排名靠前,產品銷售收入和市場占有率同行業領先的示范企業,每戶給予20—30萬元的一次性扶持資金”.
// 复核 refuses a fifth when four of the year's cases have already passed it.
func TestQuota(t *testing.T) {
	c := clauseByID(t, "ww-ip-demo-leader")
	cl := ClauseOf(c)
	if cl.Quota == nil || cl.Quota.Min != 3 || cl.Quota.Max != 4 {
		t.Fatalf("quota %+v", cl.Quota)
	}
	if !slices.Contains(cl.Auth.Responsible, "市市场监管局") {
		t.Fatalf("responsible %v", cl.Auth.Responsible)
	}
	reviewer := auth.User{ID: "scjg-1", Role: auth.Staff, Jurisdiction: "620600", Department: "市市场监管局"}
	checker := auth.User{ID: "scjg-2", Role: auth.Staff, Jurisdiction: "620600", Department: "市市场监管局"}
	doc := `{"subject": {"id": "e1", "kind": "enterprise", "region": "620602"},
		"recognitions": [{"id": "r1", "kind": "ip_demo_leader", "level": "city", "event": "new", "date": "2024-11-01", "source": "market"}]}`
	cs := claims(t, c, doc, "2024-12-31", 2024)
	if cs[0].Amount != (money.Interval{Min: 20 * money.Wan, Max: 30 * money.Wan}) {
		t.Fatalf("amount %s", cs[0].Amount)
	}
	atRecheck := func(t *testing.T) *Case {
		k := NewCase(c, "e1", "示范企业", "620602", 2024, cs[0], RouteAuto, DefaultWorkflow(), 1, "")
		Start(k, day0)
		for _, a := range []Act{
			{Action: Approve, By: reviewer},
			{Action: Approve, By: reviewer},
			{Action: Decide, By: reviewer, Fen: 25 * money.Wan, Reason: "全市排名第二"},
			{Action: Approve, By: reviewer},
		} {
			a.Version = k.Version
			if _, err := Apply(k, cl, a, on(1), 0); err != nil {
				t.Fatalf("%s at %s: %v", a.Action, k.CurrentStep().Step, err)
			}
		}
		if k.CurrentStep().Step != Recheck {
			t.Fatalf("at %s", k.CurrentStep().Step)
		}
		return k
	}
	tests := []struct {
		used int
		ok   bool
	}{{0, true}, {2, true}, {3, true}, {4, false}, {5, false}}
	for _, tt := range tests {
		k := atRecheck(t)
		v := k.Version
		_, err := Apply(k, cl, Act{Action: Approve, By: checker, Version: k.Version}, on(2), tt.used)
		if tt.ok {
			if err != nil {
				t.Errorf("%d used of 4: %v", tt.used, err)
			} else if k.CurrentStep().Step != Notice {
				t.Errorf("%d used: at %s", tt.used, k.CurrentStep().Step)
			}
			continue
		}
		refused(t, err, errs.Conflict, "", "名额已满")
		if err != nil && !strings.Contains(err.Error(), "3—4户") {
			t.Errorf("error %q does not give the quota", err)
		}
		if k.Version != v || k.CurrentStep().Step != Recheck {
			t.Errorf("%d used: a refused 复核 moved the case", tt.used)
		}
	}
	// Without a quota any number passes.
	k := atRecheck(t)
	free := cl
	free.Quota = nil
	if _, err := Apply(k, free, Act{Action: Approve, By: checker, Version: k.Version}, on(2), 100); err != nil {
		t.Errorf("no quota: %v", err)
	}
}

// 免申即享 rests only on authoritative facts: a claim with a self-declared
// or unsourced fact goes the 申报 route, and AutoBasis says which facts.
func TestAutoBasis(t *testing.T) {
	c := clauseByID(t, "fx-hte-new")
	doc := func(source string) string {
		src := ""
		if source != "" {
			src = `, "source": "` + source + `"`
		}
		return `{"subject": {"id": "e1", "kind": "enterprise", "region": "130407"},
		"recognitions": [{"id": "r1", "kind": "high_tech_enterprise", "level": "national", "event": "new", "date": "2024-01-01"` + src + `}]}`
	}
	tests := []struct {
		source string
		route  Route
		weak   string
	}{
		{"certificate", RouteAuto, ""},
		{"sti", RouteAuto, ""},
		{"self", RouteApply, "（self）"},
		{"expert", RouteApply, "（expert）"},
		{"assessed", RouteApply, "（assessed）"},
		{"", RouteApply, "（来源未记录）"},
	}
	for _, tt := range tests {
		cl := claims(t, c, doc(tt.source), "2024-12-31", 2024)[0]
		if len(cl.Facts) == 0 {
			t.Fatalf("source %q: the claim rests on no facts", tt.source)
		}
		ok, weak := AutoBasis(cl.Facts)
		if ok != (tt.weak == "") || (tt.weak != "" && (len(weak) != len(cl.Facts) || !strings.Contains(weak[0], tt.weak))) {
			t.Errorf("source %q: AutoBasis = %v, %q", tt.source, ok, weak)
		}
		if k := NewCase(c, "e1", "", "130407", 2024, cl, RouteAuto, DefaultWorkflow(), 1, ""); k.Route != tt.route {
			t.Errorf("source %q: route %s, want %s", tt.source, k.Route, tt.route)
		}
		// An application stays an application.
		if k := NewCase(c, "e1", "", "130407", 2024, cl, RouteApply, DefaultWorkflow(), 1, ""); k.Route != RouteApply {
			t.Errorf("source %q: an application became %s", tt.source, k.Route)
		}
	}
	if ok, weak := AutoBasis(nil); !ok || weak != nil {
		t.Errorf("no facts: %v %v", ok, weak)
	}
	mixed := []rules.FactUse{{Label: "研发费用", Source: "tax"}, {Label: "研发人员", Source: "self"}}
	if ok, weak := AutoBasis(mixed); ok || !slices.Equal(weak, []string{"研发人员（self）"}) {
		t.Errorf("mixed: %v %q", ok, weak)
	}
}
