// Package match runs the population match (批量匹配): every stored subject
// against every clause in force, giving for each clause the subjects it pays
// — the 免申即享 candidate list (pay without application) — and the money
// per payer and budget year. A run is a snapshot: it records when it ran,
// over which policy library version and how many subjects, and answers
// questions for any jurisdiction (a GB/T 2260 prefix) without running again.
package match

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// Entry is one subject a clause pays (or would pay once facts are supplied).
type Entry struct {
	Subject string
	Name    string
	USCC    string
	Region  string
	FY      int64 // the fiscal year it was evaluated for
	Amount  money.Interval
	// Unspecified: the document names no amount (the bureau sets it).
	Unspecified bool
}

// hit is an Entry as a run keeps it: the subject by reference (half the
// size of an Entry, which a list page makes from it).
type hit struct {
	s           *facts.Subject
	fy          int64
	amount      money.Interval
	unspecified bool
}

func (h *hit) entry() Entry {
	return Entry{Subject: h.s.ID, Name: h.s.Name, USCC: h.s.USCC, Region: h.s.Region, FY: h.fy, Amount: h.amount, Unspecified: h.unspecified}
}

// Result is one population run.
type Result struct {
	At            policy.Date // zero: each subject at the date of its data (as_of)
	FiscalYear    int64       // zero: the year of each subject's date
	PolicyVersion int
	Started       time.Time
	Took          time.Duration
	Subjects      int

	entitled   [][]hit  // by clause index
	needsFacts [][]hit  // by clause index: entitled but for missing facts
	regions    []string // every subject's region, for counting in a scope
	memo       sync.Map // answers already computed: a run never changes

	// For reuse as the baseline of a simulation (CompareWith): the
	// population and generation run over, the engine, and each subject's
	// payments in the population's order.
	pop    *Population
	gen    uint64
	engine *rules.Engine
	paid   []money.Interval
}

// Memo returns the value fn computes for key, computing it once per run: a
// run never changes, so lists and sums for a jurisdiction are worked out on
// first use and then shared. Values must not be modified by callers.
func (r *Result) Memo(key string, fn func() any) any {
	if v, ok := r.memo.Load(key); ok {
		return v
	}
	v, _ := r.memo.LoadOrStore(key, fn())
	return v
}

// Run evaluates every stored subject at date at for fiscal year fy. With
// at zero, each subject is evaluated at the date its data are as of (as_of,
// else today: now), as a single report of it would be; with fy zero, for the
// year of that date.
func Run(ctx context.Context, db *store.DB, eng *rules.Engine, at policy.Date, fy int64, policyVersion int, now func() time.Time) (*Result, error) {
	return RunParallel(ctx, db, eng, at, fy, policyVersion, now, runtime.GOMAXPROCS(0))
}

// RunParallel is Run with the decoding and the evaluation spread over n
// goroutines. Lists are ordered when asked for, so the result does not
// depend on n.
func RunParallel(ctx context.Context, db *store.DB, eng *rules.Engine, at policy.Date, fy int64, policyVersion int, now func() time.Time, n int) (*Result, error) {
	p := &Population{Workers: n}
	if _, err := p.Refresh(ctx, db); err != nil {
		return nil, err
	}
	return RunOn(ctx, p, eng, at, fy, policyVersion, now, n)
}

func newResult(eng *rules.Engine, at policy.Date, fy int64, policyVersion int, started time.Time) *Result {
	return &Result{At: at, FiscalYear: fy, PolicyVersion: policyVersion, Started: started,
		entitled: make([][]hit, len(eng.Clauses)), needsFacts: make([][]hit, len(eng.Clauses))}
}

// dateOf is the date and fiscal year subject f is evaluated at.
func (r *Result) dateOf(f *facts.Facts) (policy.Date, int64) {
	return evalDate(r.At, r.FiscalYear, policy.DateOf(r.Started), f)
}

// evalDate is the date and fiscal year a run at date at for fiscal year fy
// evaluates f at: at, else the date its data are as of, else today; fy,
// else that date's year.
func evalDate(at policy.Date, fy int64, today policy.Date, f *facts.Facts) (policy.Date, int64) {
	d, y := at, fy
	if d == 0 {
		d = today
		if a, err := policy.ParseDate(f.AsOf); err == nil {
			d = a
		}
	}
	if y == 0 {
		y = int64(d.Year())
	}
	return d, y
}

// add evaluates one subject and records its entitlements; it returns the
// decisions (valid until ev's next use).
func (r *Result) add(ev *rules.Evaluator, f *facts.Facts) []rules.Decision {
	d, y := r.dateOf(f)
	ds := ev.Decide(f, d, y)
	r.record(f, y, ds)
	return ds
}

// record counts subject f, evaluated for fiscal year y, and keeps its
// entitlements and the clauses that need facts (ds nil: none).
func (r *Result) record(f *facts.Facts, y int64, ds []rules.Decision) {
	r.Subjects++
	r.regions = append(r.regions, f.Subject.Region)
	for i := range ds {
		r.keep(f, y, i, &ds[i])
	}
}

// recordSome is record when only the clauses in idx can be entitled or
// need facts (the others' conditions are false or they do not apply).
func (r *Result) recordSome(f *facts.Facts, y int64, ds []rules.Decision, idx []int32) {
	r.Subjects++
	r.regions = append(r.regions, f.Subject.Region)
	for _, i := range idx {
		r.keep(f, y, int(i), &ds[i])
	}
}

func (r *Result) keep(f *facts.Facts, y int64, i int, dc *rules.Decision) {
	var to *[][]hit
	switch dc.Outcome {
	case rules.Entitled:
		to = &r.entitled
	case rules.NeedsFacts:
		to = &r.needsFacts
	default:
		return
	}
	(*to)[i] = append((*to)[i], hit{s: &f.Subject, fy: y, amount: dc.Amount, unspecified: dc.Unspecified})
}

// reserve grows every clause's lists to hold about factor times what they
// hold now: after a first batch, the room the rest will need, so the lists
// do not grow (and copy) step by step.
func (r *Result) reserve(factor float64) {
	for _, l := range [2][][]hit{r.entitled, r.needsFacts} {
		for c := range l {
			if want := int(float64(len(l[c]))*factor*1.1) + 1; cap(l[c]) < want {
				l[c] = slices.Grow(l[c], want-len(l[c]))
			}
		}
	}
}

// InScope reports whether region lies under the GB/T 2260 prefix ("" is everywhere).
func InScope(prefix, region string) bool { return strings.HasPrefix(region, prefix) }

// SubjectsIn counts the subjects of the run under prefix.
func (r *Result) SubjectsIn(prefix string) int {
	return r.Memo("subjects|"+prefix, func() any { return r.subjectsIn(prefix) }).(int)
}

func (r *Result) subjectsIn(prefix string) int {
	n := 0
	for _, g := range r.regions {
		if InScope(prefix, g) {
			n++
		}
	}
	return n
}

// Entitled lists the subjects under prefix that clause c pays, largest
// amount first, then by subject id. The list is shared: do not modify it.
func (r *Result) Entitled(c *rules.Clause, prefix string) []Entry {
	return r.Memo("entitled|"+c.ID+"|"+prefix, func() any { return sorted(filter(r.entitled[c.Index], prefix)) }).([]Entry)
}

// NeedsFacts lists the subjects under prefix that clause c would pay but
// for facts not yet recorded (the list to ask for data). Shared, like Entitled.
func (r *Result) NeedsFacts(c *rules.Clause, prefix string) []Entry {
	return r.Memo("needs|"+c.ID+"|"+prefix, func() any { return sorted(filter(r.needsFacts[c.Index], prefix)) }).([]Entry)
}

func filter(hs []hit, prefix string) []Entry {
	var out []Entry
	if prefix == "" {
		out = make([]Entry, 0, len(hs))
	}
	for i := range hs {
		if InScope(prefix, hs[i].s.Region) {
			out = append(out, hs[i].entry())
		}
	}
	return out
}

func sorted(es []Entry) []Entry {
	slices.SortStableFunc(es, func(a, b Entry) int {
		if a.Amount.Max != b.Amount.Max {
			if a.Amount.Max > b.Amount.Max {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Subject, b.Subject)
	})
	return es
}

// ClauseSummary is one clause's line of the match.
type ClauseSummary struct {
	Clause      *rules.Clause
	Entitled    int
	NeedsFacts  int
	Amount      money.Interval // sum over the entitled
	Unspecified int            // entitled subjects whose amount the document leaves open
}

// Summary lists, for every clause with anyone entitled or needing facts
// under prefix, the counts and the money, in library order. Shared.
func (r *Result) Summary(eng *rules.Engine, prefix string) []ClauseSummary {
	return r.Memo("summary|"+prefix, func() any { return r.summary(eng, prefix) }).([]ClauseSummary)
}

func (r *Result) summary(eng *rules.Engine, prefix string) []ClauseSummary {
	var out []ClauseSummary
	for _, c := range eng.Clauses {
		s := ClauseSummary{Clause: c}
		for _, e := range r.entitled[c.Index] {
			if InScope(prefix, e.s.Region) {
				s.Entitled++
				s.Amount = s.Amount.Add(e.amount)
				if e.unspecified {
					s.Unspecified++
				}
			}
		}
		for _, e := range r.needsFacts[c.Index] {
			if InScope(prefix, e.s.Region) {
				s.NeedsFacts++
			}
		}
		if s.Entitled+s.NeedsFacts > 0 {
			out = append(out, s)
		}
	}
	return out
}

// Total is the money of one payer in one budget year.
type Total struct {
	Payer       string
	BudgetYear  int64
	Amount      money.Interval
	Subjects    int // entitlements counted (a subject with two clauses counts twice)
	Unspecified int
}

// Totals sums the entitlements under prefix per payer and budget year,
// ordered by year then payer. Limits (核定限额, not payments) are left out.
// Shared.
func (r *Result) Totals(eng *rules.Engine, prefix string) []Total {
	return r.Memo("totals|"+prefix, func() any { return r.totals(eng, prefix) }).([]Total)
}

func (r *Result) totals(eng *rules.Engine, prefix string) []Total {
	type key struct {
		payer string
		year  int64
	}
	idx := map[key]int{}
	var out []Total
	for _, c := range eng.Clauses {
		if c.Kind != "payment" {
			continue
		}
		for _, e := range r.entitled[c.Index] {
			if !InScope(prefix, e.s.Region) {
				continue
			}
			rules.Spread(c, e.amount, e.fy, func(year int64, part money.Interval) {
				k := key{c.Payer, year}
				i, ok := idx[k]
				if !ok {
					i = len(out)
					idx[k] = i
					out = append(out, Total{Payer: c.Payer, BudgetYear: year})
				}
				t := &out[i]
				t.Amount = t.Amount.Add(part)
				t.Subjects++
				if e.unspecified {
					t.Unspecified++
				}
			})
		}
	}
	slices.SortFunc(out, func(a, b Total) int {
		if a.BudgetYear != b.BudgetYear {
			return int(a.BudgetYear - b.BudgetYear)
		}
		return strings.Compare(a.Payer, b.Payer)
	})
	return out
}

// Runner keeps the latest run and starts new ones, one at a time.
type Runner struct {
	DB            *store.DB
	Engine        *rules.Engine
	PolicyVersion int
	Now           func() time.Time // Asia/Shanghai
	// At and FY fix the evaluation date and fiscal year of every run; zero:
	// each subject at the date of its data (see Run).
	At policy.Date
	FY int64

	mu      sync.Mutex
	latest  *Result
	running bool
	pending bool // data changed while a run was under way: run again after it
	lastErr error
	pop     Population
}

// Population is the runner's subjects in memory, refreshed from the store.
func (m *Runner) Population(ctx context.Context) (*Population, error) {
	if _, err := m.pop.Refresh(ctx, m.DB); err != nil {
		return nil, err
	}
	return &m.pop, nil
}

// Latest returns the latest finished run (nil before the first) and
// whether a run is under way.
func (m *Runner) Latest() (*Result, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.latest, m.running, m.lastErr
}

// Run runs the match now. If one is already running it returns at once
// with false, and the running one runs once more when it finishes, so the
// latest run always reflects the last change.
func (m *Runner) Run(ctx context.Context) (bool, error) {
	m.mu.Lock()
	if m.running {
		m.pending = true
		m.mu.Unlock()
		return false, nil
	}
	m.running = true
	m.mu.Unlock()
	for {
		var r *Result
		p, err := m.Population(ctx)
		if err == nil {
			r, err = RunOn(ctx, p, m.Engine, m.At, m.FY, m.PolicyVersion, m.Now, runtime.GOMAXPROCS(0))
		}
		m.mu.Lock()
		m.lastErr = err
		if err == nil {
			m.latest = r
		}
		if !m.pending || err != nil {
			m.running, m.pending = false, false
			m.mu.Unlock()
			return true, err
		}
		m.pending = false
		m.mu.Unlock()
	}
}

// Trigger runs the match in the background after data changed (see Run).
func (m *Runner) Trigger() {
	go m.Run(context.WithoutCancel(context.Background()))
}

// Each calls fn for every entitlement under prefix, in no particular order,
// with the clause index of the clause that pays it.
func (r *Result) Each(prefix string, fn func(clause int, e *Entry)) {
	for c, hs := range r.entitled {
		for i := range hs {
			if InScope(prefix, hs[i].s.Region) {
				e := hs[i].entry()
				fn(c, &e)
			}
		}
	}
}
