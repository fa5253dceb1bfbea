package rules

import (
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

// Outcome is what a clause means for a subject.
type Outcome uint8

const (
	NotApplicable Outcome = iota // not in force, other jurisdiction, or other beneficiary kind
	Entitled
	NotEntitled
	NeedsFacts
	Blocked
	Excluded
	Failed // the condition could not be evaluated (e.g. division by zero)
)

var outcomeNames = [...]string{"not_applicable", "entitled", "not_entitled", "needs_facts", "blocked", "excluded", "error"}

func (o Outcome) String() string { return outcomeNames[o] }

// MarshalText writes the outcome's name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Zh is the outcome in Chinese.
func (o Outcome) Zh() string {
	return [...]string{"不适用", "可享受", "不符合", "需补充信息", "受限制", "不重复享受", "无法计算"}[o]
}

// Decision is the compact result of one clause for one subject.
type Decision struct {
	Outcome     Outcome
	Amount      money.Interval // sum over paid events (whole entitlement for recurring)
	Unspecified bool           // some paid event has no amount in the document
	Events      int32          // paid events
	Gate        int32          // blocking gate index, or -1
	ExcludedBy  int32          // clause index that took the event, or -1
	Partial     bool           // entitled for some events, while others need facts
	Why         Tiebreak       // why ExcludedBy won
}

// Tiebreak says why one clause took an event from another.
type Tiebreak uint8

const (
	HigherAmount  Tiebreak = iota + 1 // the larger amount pays
	NewerDocument                     // same amount (or both unspecified): the newer document pays
	EarlierClause                     // same amount, same document: the clause listed first pays
)

type eventRec struct {
	clause  int32
	item    int32 // -1 for clauses without for_each
	amount  money.Interval
	flags   amtFlags
	dropped bool
}

// Evaluator evaluates subjects against an engine, reusing its buffers: after
// the first subject, Decide allocates nothing.
type Evaluator struct {
	eng       *Engine
	st        State
	decisions []Decision
	events    []eventRec
	gateState []tri
	fy        int64
	at        policy.Date
	fyStart   string
	fyEnd     string
	atStr     string
	brief     bool // Assess leaves out the texts (explanation, figures, details)
}

// SetBrief makes Assess (and CheckPool) leave out their texts — the
// explanation, each condition's figure and detail — when only outcomes and
// counts are read, as when ranking a population; verdicts, states, missing
// facts and review items are unchanged.
func (ev *Evaluator) SetBrief(b bool) { ev.brief = b }

// NewEvaluator returns an evaluator for e.
func (e *Engine) NewEvaluator() *Evaluator {
	return &Evaluator{
		eng:       e,
		decisions: make([]Decision, len(e.Clauses)),
		events:    make([]eventRec, 0, 64),
		gateState: make([]tri, len(e.Gates)),
	}
}

// applicable reports whether a clause applies to the subject in fiscal year
// fy: its validity overlaps the year (events are checked against the
// validity one by one), the document covers the subject's region, and the
// subject is one of the beneficiary kinds.
func applicable(c *Clause, f *facts.Facts, fy int64) bool {
	if c.fromDate > policy.Date(fy*10000+1231) || (c.toDate != 0 && c.toDate < policy.Date(fy*10000+101)) ||
		!strings.HasPrefix(f.Subject.Region, c.region) {
		return false
	}
	for _, b := range c.Beneficiary {
		if b == f.Subject.Kind {
			return true
		}
	}
	return false
}

func (ev *Evaluator) setup(f *facts.Facts, fy int64) {
	f.Prepare(fy)
	ev.st.F = f
	ev.st.FY = fy
	ev.st.Cur = f.AnnualOf(fy)
	ev.st.Last = f.AnnualOf(fy - 1)
	ev.st.Last2 = f.AnnualOf(fy - 2)
	if fy != ev.fy {
		ev.fy = fy
		ev.fyStart = fmt.Sprintf("%04d-01-01", fy)
		ev.fyEnd = fmt.Sprintf("%04d-12-31", fy)
	}
	for i := range ev.gateState {
		ev.gateState[i] = 255 // not yet evaluated
	}
}

// gate returns the state of gate g for the current subject: triT blocks.
func (ev *Evaluator) gate(g *Gate) tri {
	if s := ev.gateState[g.Index]; s != 255 {
		return s
	}
	s := triF
	if policy.Covers(g.region, ev.st.F.Subject.Region) {
		s = g.blocks.b(&ev.st)
	}
	ev.gateState[g.Index] = s
	return s
}

// inWindow reports whether item i of the clause's list counts this year:
// dated in the window, not after the evaluation date, and — for events of
// the current year — while the clause is in force (a policy pays for what
// happens under it).
func (ev *Evaluator) inWindow(c *Clause, i int) bool {
	p := unsafe.Add(c.list.hdr(&ev.st).data, uintptr(i)*c.list.size)
	to := ""
	if c.Window == "active" {
		to = *(*string)(unsafe.Add(p, apptTo))
	}
	return c.windowHolds(*(*string)(unsafe.Add(p, c.list.dateOff)), to, *(*int64)(unsafe.Add(p, c.list.yearOff)),
		ev.atStr, ev.st.FY, ev.fyStart, ev.fyEnd)
}

// windowHolds is the window test for an item dated date (to: the end of an
// appointment, read for "active" windows only; y: the item's year) at the
// evaluation date at ("" : no such bound) in fiscal year fy, which runs
// from fyStart to fyEnd.
func (c *Clause) windowHolds(date, to string, y int64, at string, fy int64, fyStart, fyEnd string) bool {
	if at != "" && date > at {
		return false // not yet happened at the evaluation date
	}
	switch c.Window {
	case "any":
		return true
	case "active":
		if !(date <= fyEnd && (to == "" || to >= fyStart)) {
			return false
		}
		return c.validTo == "" || date <= c.validTo
	}
	if c.Window == "previous" {
		return y == fy-1
	}
	return y == fy && date >= c.validFrom && (c.validTo == "" || date <= c.validTo)
}

var (
	apptTo = func() uintptr { f, _ := fieldByCEL(lists["appointments"].elem, "to"); return f.Offset }()
)

// Decide evaluates every clause for f at date at in fiscal year fy and
// returns one decision per clause (indexed like Engine.Clauses). The slice is
// reused by the next call.
func (ev *Evaluator) Decide(f *facts.Facts, at policy.Date, fy int64) []Decision {
	ev.setup(f, fy)
	if at != ev.at {
		ev.at = at
		ev.atStr = at.String()
	}
	ev.st.At, ev.st.AtDate = ev.atStr, at
	ev.events = ev.events[:0]
	for _, c := range ev.eng.Clauses {
		ev.decisions[c.Index] = ev.decide(c, f)
	}
	ev.resolveExclusions()
	return ev.decisions
}

func (ev *Evaluator) decide(c *Clause, f *facts.Facts) Decision {
	return ev.decideKnown(c, f, triNone, false)
}

// triNone says a clause's condition is not known yet: decideKnown
// evaluates it.
const triNone tri = 255

// decideKnown is decide with, for a clause without a list, the value of
// its condition already known (cond; triNone: evaluate it), and with
// applies set when the clause is known to apply.
func (ev *Evaluator) decideKnown(c *Clause, f *facts.Facts, cond tri, applies bool) Decision {
	d := Decision{Gate: -1, ExcludedBy: -1}
	if !applies && !applicable(c, f, ev.st.FY) {
		return d
	}
	mark := len(ev.events)
	s := &ev.st
	if c.list == nil {
		if cond == triNone {
			d = ev.decideOne(c, d, -1)
		} else {
			d = ev.decideCond(c, d, -1, cond)
		}
	} else {
		n := c.list.Len(s)
		unknown, failed := false, false
		for i := range n {
			if !ev.inWindow(c, i) {
				continue
			}
			s.idx[0] = i
			r := ev.decideOne(c, Decision{Gate: -1, ExcludedBy: -1}, i)
			switch r.Outcome {
			case Entitled:
				d.Outcome = Entitled
				d.Amount = d.Amount.Add(r.Amount)
				d.Unspecified = d.Unspecified || r.Unspecified
				d.Events++
			case NeedsFacts:
				unknown = true
			case Failed:
				failed = true
			}
		}
		switch {
		case d.Outcome == Entitled:
			d.Partial = unknown
		case failed:
			d.Outcome = Failed
		case unknown:
			d.Outcome = NeedsFacts
		default:
			d.Outcome = NotEntitled
		}
	}
	// Gates bar what the subject would otherwise get: they are checked only
	// for clauses it qualifies for, or may qualify for.
	if d.Outcome != Entitled && d.Outcome != NeedsFacts {
		return d
	}
	for _, g := range c.gates {
		st := ev.gate(g)
		if st == triF || (st == triU && d.Outcome == NeedsFacts) {
			continue
		}
		ev.events = ev.events[:mark]
		out := Decision{Gate: int32(g.Index), ExcludedBy: -1}
		switch st {
		case triT:
			out.Outcome = Blocked
		case triU:
			out.Outcome = NeedsFacts
		default:
			out.Outcome = Failed
		}
		return out
	}
	return d
}

// decideOne evaluates the condition and amount for the current item (item
// is its index, or -1), recording a paid event.
func (ev *Evaluator) decideOne(c *Clause, d Decision, item int) Decision {
	cond := triT
	if c.hasWhen {
		cond = c.when.b(&ev.st)
	}
	return ev.decideCond(c, d, item, cond)
}

// decideCond is decideOne with the condition's value given.
func (ev *Evaluator) decideCond(c *Clause, d Decision, item int, cond tri) Decision {
	s := &ev.st
	switch cond {
	case triF:
		d.Outcome = NotEntitled
		return d
	case triU:
		d.Outcome = NeedsFacts
		return d
	case triE:
		d.Outcome = Failed
		return d
	}
	amt, flags, st := c.amount.eval(s)
	switch {
	case st == triU:
		d.Outcome = NeedsFacts
		return d
	case st == triE:
		d.Outcome = Failed
		return d
	case flags&fNoTier != 0:
		d.Outcome = NotEntitled
		return d
	}
	d.Outcome = Entitled
	d.Amount = amt
	d.Unspecified = flags&fUnspecified != 0
	d.Events = 1
	ev.events = append(ev.events, eventRec{clause: int32(c.Index), item: int32(item), amount: amt, flags: flags})
	return d
}

// resolveExclusions makes one event pay once: when two clauses pay the same
// item (or two clauses of one exclusivity group pay a subject), the larger
// amount wins unless the clauses may stack.
func (ev *Evaluator) resolveExclusions() {
	cl := ev.eng.Clauses
	evs := ev.events
	for i := range evs {
		for j := i + 1; j < len(evs); j++ {
			a, b := &evs[i], &evs[j]
			if a.dropped || b.dropped || a.clause == b.clause {
				continue
			}
			ca, cb := cl[a.clause], cl[b.clause]
			if ca.Kind == "limit" || cb.Kind == "limit" {
				continue // a spending ceiling is not a payment: it never competes
			}
			if !sameEvent(ca, cb, a, b) || stacks(ca, cb.Index) {
				continue
			}
			loser, winner := b, a
			why := EarlierClause
			switch {
			case better(b.amount, b.flags, a.amount, a.flags):
				loser, winner, why = a, b, HigherAmount
			case better(a.amount, a.flags, b.amount, b.flags):
				why = HigherAmount
			case cb.Doc.Published > ca.Doc.Published:
				loser, winner, why = a, b, NewerDocument
			case ca.Doc.Published > cb.Doc.Published:
				why = NewerDocument
			}
			loser.dropped = true
			d := &ev.decisions[loser.clause]
			d.Amount = money.Interval{Min: d.Amount.Min - loser.amount.Min, Max: d.Amount.Max - loser.amount.Max, Open: d.Amount.Open}
			d.Events--
			if d.Events == 0 {
				d.Outcome, d.ExcludedBy, d.Amount, d.Unspecified, d.Why = Excluded, winner.clause, money.Interval{}, false, why
			}
		}
	}
}

func sameEvent(ca, cb *Clause, a, b *eventRec) bool {
	if ca.list != nil || cb.list != nil {
		return ca.list == cb.list && a.item == b.item
	}
	return ca.Exclusive != "" && ca.Exclusive == cb.Exclusive
}

func stacks(c *Clause, other int) bool {
	for _, s := range c.stacks {
		if s == other {
			return true
		}
	}
	return false
}

// better reports whether amount a beats b: a stated amount beats an
// unspecified one, then the higher maximum, then the higher minimum.
func better(a money.Interval, af amtFlags, b money.Interval, bf amtFlags) bool {
	au, bu := af&fUnspecified != 0, bf&fUnspecified != 0
	if au != bu {
		return !au
	}
	if a.Open != b.Open {
		return a.Open
	}
	if a.Max != b.Max {
		return a.Max > b.Max
	}
	return a.Min > b.Min
}

// BudgetYear is the year whose budget pays the clause for fiscal year fy.
func BudgetYear(c *policy.Clause, fy int64) int64 {
	if c.Budget == "next_year" {
		return fy + 1
	}
	return fy
}

// Applicable reports whether clause c applies to the subject in fiscal year
// fy at all (validity, region, beneficiary kind); a clause that does not
// apply decides nothing for the subject and takes nothing from other
// clauses.
func Applicable(c *Clause, f *facts.Facts, fy int64) bool { return applicable(c, f, fy) }

// GateCheck is a gate that stops applications at some level (申报门槛)
// evaluated for one subject: blocked, not_blocked, or needs_facts when a
// fact it reads is not recorded; Reasons describe each of its conditions
// on the subject's facts.
type GateCheck struct {
	Gate    *Gate
	Outcome string
	Reasons []string
}

// GatesFor evaluates, for subject f in fiscal year fy, every gate whose
// levels include level (what is applied for: a 市级 project is "city") and
// whose region covers the subject — the checks a call runs before it takes
// an application (肥乡 十（二）: 上年度研发投入强度低于1%的企业不得申报市级以上科技项目).
func (ev *Evaluator) GatesFor(f *facts.Facts, level string, fy int64) []GateCheck {
	ev.setup(f, fy)
	var out []GateCheck
	for _, g := range ev.eng.Gates {
		if !slices.Contains(g.Levels, level) || !policy.Covers(g.region, f.Subject.Region) {
			continue
		}
		c := GateCheck{Gate: g, Reasons: ev.gateReasons(g)}
		switch ev.gate(g) {
		case triT:
			c.Outcome = "blocked"
		case triF:
			c.Outcome = "not_blocked"
		default:
			c.Outcome = "needs_facts"
		}
		out = append(out, c)
	}
	return out
}
