package match

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"time"

	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// Population is the stored subjects decoded once and kept in memory (about
// 600 bytes a demo subject), so that a run or a reform simulation evaluates
// without reading and decoding every facts document again: decoding is
// most of a run from the store (docs/benchmarks.md). Refresh brings in the
// subjects whose facts changed since.
type Population struct {
	Workers int // decoding goroutines; 0: GOMAXPROCS

	mu       sync.RWMutex
	gen      uint64 // counts the refreshes that loaded anything
	subjects []*facts.Facts
	version  map[string]int // id → facts version held
	index    map[string]int // id → position in subjects

	tabMu  sync.Mutex
	tab    *rules.Table // the subjects in columns, for the latest tabKey
	tabKey tableKey
}

// tableKey is what a Table depends on: the subjects held and the dates they
// are evaluated at.
type tableKey struct {
	gen   uint64
	at    policy.Date
	fy    int64
	today policy.Date // the date of subjects without as_of when at is zero
}

// table returns the population in columns for evaluating eng at date at
// for fiscal year fy (zero: each subject at its as_of, else today), built
// once per generation and dates and shared by the runs and simulations
// that follow. Its rows are the subjects in the population's order.
func (p *Population) table(eng *rules.Engine, at policy.Date, fy int64, today policy.Date) (*rules.Table, uint64) {
	subjects, gen := p.snapshot()
	key := tableKey{gen, at, fy, today}
	if at != 0 {
		key.today = 0
	}
	p.tabMu.Lock()
	defer p.tabMu.Unlock()
	if p.tab == nil || p.tabKey != key {
		p.tab, p.tabKey = rules.NewTable(eng, subjects, func(f *facts.Facts) (policy.Date, int64) { return evalDate(at, fy, today, f) }), key
	}
	p.tab = p.tab.For(eng)
	return p.tab, gen
}

// Refresh loads the subjects whose current facts version differs from the
// one held (all of them the first time), decoding on every core. It returns
// how many it loaded.
func (p *Population) Refresh(ctx context.Context, db *store.DB) (int, error) {
	current := map[string]int{}
	if err := db.SubjectVersions(ctx, func(id string, v int) error { current[id] = v; return nil }); err != nil {
		return 0, err
	}
	p.mu.RLock()
	var stale []string
	for id, v := range current {
		if p.version[id] != v {
			stale = append(stale, id)
		}
	}
	held := len(p.subjects)
	p.mu.RUnlock()
	if len(stale) == 0 {
		return 0, nil
	}
	loaded := make([]*facts.Facts, 0, len(stale))
	versions := make([]int, 0, len(stale))
	if held == 0 || len(stale) > len(current)/10 {
		var mu sync.Mutex
		n := p.Workers
		if n <= 0 {
			n = runtime.GOMAXPROCS(0)
		}
		err := decodeAll(ctx, db, n, func(f *facts.Facts, v int) {
			if p.heldVersion(f.Subject.ID) == v {
				return
			}
			mu.Lock()
			loaded, versions = append(loaded, f), append(versions, v)
			mu.Unlock()
		})
		if err != nil {
			return 0, err
		}
	} else {
		for _, id := range stale {
			f, v, err := db.Facts(ctx, id)
			if err != nil {
				return 0, err
			}
			loaded, versions = append(loaded, f), append(versions, v)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.version == nil {
		p.version, p.index = map[string]int{}, map[string]int{}
	}
	p.gen++
	for i, f := range loaded {
		id := f.Subject.ID
		if at, ok := p.index[id]; ok {
			p.subjects[at] = f
		} else {
			p.index[id] = len(p.subjects)
			p.subjects = append(p.subjects, f)
		}
		p.version[id] = versions[i]
	}
	return len(loaded), nil
}

func (p *Population) heldVersion(id string) int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.version[id]
}

// Len is the number of subjects held.
func (p *Population) Len() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.subjects)
}

// snapshot is the subjects held now, and the generation they are of; the
// facts they point to are never changed in place (a refresh replaces them),
// so it can be read unlocked.
func (p *Population) snapshot() ([]*facts.Facts, uint64) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return append([]*facts.Facts(nil), p.subjects...), p.gen
}

// decodeAll streams every stored facts document and decodes them on n
// goroutines, calling fn (concurrently) with each subject and its version.
func decodeAll(ctx context.Context, db *store.DB, n int, fn func(*facts.Facts, int)) error {
	type doc struct {
		id      string
		version int
		data    []byte
	}
	docs := make(chan doc, 64*n)
	errc := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range docs {
				f, err := facts.DecodeBytes(d.data, d.id)
				if err != nil {
					errc <- err
					for range docs { // drain, so the reader finishes
					}
					return
				}
				fn(f, d.version)
			}
		}()
	}
	err := db.EachDoc(ctx, store.Filter{}, func(id string, version int, data []byte) error {
		select {
		case docs <- doc{id, version, data}:
			return ctx.Err()
		case err := <-errc:
			return err
		}
	})
	close(docs)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errc:
		default:
		}
	}
	return err
}

// RunOn evaluates the population in memory at date at (0: each subject at
// its as_of) for fiscal year fy (0: the date's year), on n goroutines,
// column at a time (rules.Columnar): each goroutine takes a contiguous
// share of the subjects and, a batch at a time, computes every clause's
// condition over the batch's columns, then decides in full only the
// subjects with a clause true, unknown or in error (rules.DecideFrom).
// The result is RunRows's (TestColumnarRunAgrees).
func RunOn(ctx context.Context, p *Population, eng *rules.Engine, at policy.Date, fy int64, policyVersion int, now func() time.Time, n int) (*Result, error) {
	started := now()
	tab, gen := p.table(eng, at, fy, policy.DateOf(started))
	subjects := tab.Subjects
	n = max(1, min(n, len(subjects)))
	parts := make([]*Result, n)
	paidBy := make([]money.Interval, len(subjects)) // each goroutine writes its own indexes
	share := (len(subjects) + n - 1) / n
	var wg sync.WaitGroup
	for w := range n {
		parts[w] = newResult(eng, at, fy, policyVersion, started)
		lo, hi := min(w*share, len(subjects)), min((w+1)*share, len(subjects))
		parts[w].regions = make([]string, 0, hi-lo)
		wg.Go(func() {
			s := newSweep(eng, tab)
			for b := lo; b < hi && ctx.Err() == nil; b += rules.BatchRows {
				e := min(b+rules.BatchRows, hi)
				s.conditions(b, e)
				for r := b; r < e; r++ {
					paidBy[r] = s.decide(parts[w], r-b, r)
				}
				if b == lo && e < hi {
					parts[w].reserve(float64(hi-lo) / float64(e-b))
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := merge(eng, parts, at, fy, policyVersion, started)
	r.pop, r.gen, r.engine, r.paid = p, gen, eng, paidBy
	r.Took = now().Sub(started)
	return r, nil
}

// RunRows is RunOn a subject at a time with the one-subject evaluator
// (rules.Evaluator.Decide on every clause): the reference the columnar run
// is tested against, and its baseline in the benchmarks.
func RunRows(ctx context.Context, p *Population, eng *rules.Engine, at policy.Date, fy int64, policyVersion int, now func() time.Time, n int) (*Result, error) {
	started := now()
	subjects, gen := p.snapshot()
	n = max(1, min(n, len(subjects)))
	parts := make([]*Result, n)
	paidBy := make([]money.Interval, len(subjects))
	var wg sync.WaitGroup
	for w := range n {
		parts[w] = newResult(eng, at, fy, policyVersion, started)
		wg.Add(1)
		go func(part *Result) {
			defer wg.Done()
			ev := eng.NewEvaluator()
			for i := w; i < len(subjects); i += n {
				paidBy[i] = paid(eng, part.add(ev, subjects[i]))
			}
		}(parts[w])
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := merge(eng, parts, at, fy, policyVersion, started)
	r.pop, r.gen, r.engine, r.paid = p, gen, eng, paidBy
	r.Took = now().Sub(started)
	return r, nil
}

// merge joins the partial results of several goroutines.
func merge(eng *rules.Engine, parts []*Result, at policy.Date, fy int64, policyVersion int, started time.Time) *Result {
	r := newResult(eng, at, fy, policyVersion, started)
	if len(parts) > 0 { // the parts are not used again: build on the first
		r.regions, r.entitled, r.needsFacts = parts[0].regions, parts[0].entitled, parts[0].needsFacts
		r.Subjects, parts = parts[0].Subjects, parts[1:]
	}
	for _, p := range parts {
		r.Subjects += p.Subjects
		r.regions = append(r.regions, p.regions...)
		for c := range r.entitled {
			r.entitled[c] = append(r.entitled[c], p.entitled[c]...)
			r.needsFacts[c] = append(r.needsFacts[c], p.needsFacts[c]...)
		}
	}
	return r
}

// CompareWith is CompareOn reusing a run of the library in force over the
// same population (the runner's latest): only the reformed library is
// evaluated, when the run is of this population as it is now, with this
// engine, date and year; otherwise it is CompareOn.
func CompareWith(ctx context.Context, p *Population, baseRun *Result, base, reform *rules.Engine, at policy.Date, fy int64, policyVersion int, now func() time.Time, n int) (*Comparison, error) {
	subjects, gen := p.snapshot()
	if baseRun == nil || baseRun.pop != p || baseRun.gen != gen || baseRun.engine != base || baseRun.At != at || baseRun.FiscalYear != fy || len(baseRun.paid) != len(subjects) {
		return CompareOn(ctx, p, base, reform, at, fy, policyVersion, now, n)
	}
	started := now()
	// Only subjects to whom a changed, added or removed clause applies can
	// decide differently: a clause that does not apply pays nothing and
	// takes nothing from others. The rest keep the baseline's entitlements.
	tab, _ := p.table(reform, at, fy, policy.DateOf(baseRun.Started))
	changed := changedClauses(base, reform)
	affected := make([]bool, len(subjects))
	n = max(1, min(n, len(subjects)))
	type part struct {
		reform  *Result
		changes []SubjectChange
	}
	parts := make([]part, n)
	share := (len(subjects) + n - 1) / n
	var wg sync.WaitGroup
	for w := range n {
		parts[w] = part{reform: newResult(reform, at, fy, policyVersion, started)}
		lo, hi := min(w*share, len(subjects)), min((w+1)*share, len(subjects))
		wg.Go(func() {
			pt := &parts[w]
			s := newSweep(reform, tab)
			rows := make([]int32, 0, rules.BatchRows)
			flush := func() {
				s.of(rows)
				for k, r := range rows {
					b, x := baseRun.paid[r], s.decide(pt.reform, k, int(r))
					if b != x {
						f := subjects[r]
						pt.changes = append(pt.changes, SubjectChange{Subject: f.Subject.ID, Name: f.Subject.Name, Region: f.Subject.Region, Base: b, Reform: x})
					}
				}
				rows = rows[:0]
			}
			for i := lo; i < hi && ctx.Err() == nil; i++ {
				f := subjects[i]
				if !slices.ContainsFunc(changed, func(c *rules.Clause) bool { return rules.Applicable(c, f, tab.FY[i]) }) {
					continue
				}
				affected[i] = true
				if rows = append(rows, int32(i)); len(rows) == rules.BatchRows {
					flush()
				}
			}
			flush()
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &Comparison{BaseEngine: base, ReformEngine: reform, Base: baseRun}
	var rs []*Result
	for _, pt := range parts {
		rs = append(rs, pt.reform)
		c.changes = append(c.changes, pt.changes...)
	}
	r := merge(reform, rs, at, fy, policyVersion, started)
	// The unaffected subjects: the baseline's entries for every unchanged clause.
	skip := map[string]bool{}
	for i, f := range subjects {
		if affected[i] {
			skip[f.Subject.ID] = true
		}
	}
	for _, rc := range reform.Clauses {
		bc, ok := base.ClauseByID(rc.ID)
		if !ok || bc.Clause != rc.Clause {
			continue // changed or added: only affected subjects can have entries
		}
		for _, e := range baseRun.entitled[bc.Index] {
			if !skip[e.s.ID] {
				r.entitled[rc.Index] = append(r.entitled[rc.Index], e)
			}
		}
		for _, e := range baseRun.needsFacts[bc.Index] {
			if !skip[e.s.ID] {
				r.needsFacts[rc.Index] = append(r.needsFacts[rc.Index], e)
			}
		}
	}
	r.Subjects, r.regions = baseRun.Subjects, baseRun.regions
	r.Took = now().Sub(started)
	c.Reform = r
	return c, nil
}

// changedClauses lists the clauses a reform changes, adds or removes, in
// whichever engine has them (both versions of a changed clause).
func changedClauses(base, reform *rules.Engine) []*rules.Clause {
	var out []*rules.Clause
	for _, rc := range reform.Clauses {
		if bc, ok := base.ClauseByID(rc.ID); !ok || bc.Clause != rc.Clause {
			out = append(out, rc)
			if ok {
				out = append(out, bc)
			}
		}
	}
	for _, bc := range base.Clauses {
		if _, ok := reform.ClauseByID(bc.ID); !ok {
			out = append(out, bc)
		}
	}
	return out
}

// CompareOn is Compare over the population in memory, on n goroutines,
// column at a time for both libraries (see RunOn).
func CompareOn(ctx context.Context, p *Population, base, reform *rules.Engine, at policy.Date, fy int64, policyVersion int, now func() time.Time, n int) (*Comparison, error) {
	started := now()
	p.table(base, at, fy, policy.DateOf(started))
	tab, _ := p.table(reform, at, fy, policy.DateOf(started)) // with base's columns too
	subjects := tab.Subjects
	n = max(1, min(n, len(subjects)))
	type part struct {
		base, reform *Result
		changes      []SubjectChange
	}
	parts := make([]part, n)
	share := (len(subjects) + n - 1) / n
	var wg sync.WaitGroup
	for w := range n {
		parts[w] = part{base: newResult(base, at, fy, policyVersion, started), reform: newResult(reform, at, fy, policyVersion, started)}
		lo, hi := min(w*share, len(subjects)), min((w+1)*share, len(subjects))
		parts[w].base.regions, parts[w].reform.regions = make([]string, 0, hi-lo), make([]string, 0, hi-lo)
		wg.Go(func() {
			pt := &parts[w]
			sb, sr := newSweep(base, tab), newSweep(reform, tab)
			for b := lo; b < hi && ctx.Err() == nil; b += rules.BatchRows {
				e := min(b+rules.BatchRows, hi)
				sb.conditions(b, e)
				sr.conditions(b, e)
				for r := b; r < e; r++ {
					x, y := sb.decide(pt.base, r-b, r), sr.decide(pt.reform, r-b, r)
					if x != y {
						f := subjects[r]
						pt.changes = append(pt.changes, SubjectChange{Subject: f.Subject.ID, Name: f.Subject.Name, Region: f.Subject.Region, Base: x, Reform: y})
					}
				}
				if b == lo && e < hi {
					pt.base.reserve(float64(hi-lo) / float64(e-b))
					pt.reform.reserve(float64(hi-lo) / float64(e-b))
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := &Comparison{BaseEngine: base, ReformEngine: reform}
	var bs, rs []*Result
	for _, pt := range parts {
		bs, rs = append(bs, pt.base), append(rs, pt.reform)
		c.changes = append(c.changes, pt.changes...)
	}
	c.Base = merge(base, bs, at, fy, policyVersion, started)
	c.Reform = merge(reform, rs, at, fy, policyVersion, started)
	took := now().Sub(started)
	c.Base.Took, c.Reform.Took = took, took
	return c, nil
}

// sweep is one goroutine's column-at-a-time evaluation of an engine over
// a table: the conditions of a batch of rows, then each row decided from
// them.
type sweep struct {
	eng    *rules.Engine
	tab    *rules.Table
	col    *rules.Columnar
	ev     *rules.Evaluator
	truths []rules.Truth
	cand   []int32 // the clauses of the row being decided that are true, unknown or in error
}

func newSweep(eng *rules.Engine, tab *rules.Table) *sweep {
	return &sweep{eng: eng, tab: tab, col: eng.NewColumnar(tab), ev: eng.NewEvaluator(), truths: make([]rules.Truth, rules.BatchRows*len(eng.Clauses))}
}

// conditions evaluates rows lo … hi-1 (at most rules.BatchRows).
func (s *sweep) conditions(lo, hi int) {
	s.col.Conditions(lo, hi, s.truths[:(hi-lo)*len(s.eng.Clauses)])
}

// of evaluates the given rows (at most rules.BatchRows).
func (s *sweep) of(rows []int32) {
	s.col.ConditionsOf(rows, s.truths[:len(rows)*len(s.eng.Clauses)])
}

// decide records table row r (position k of the batch) in res and returns
// its payments.
func (s *sweep) decide(res *Result, k, r int) money.Interval {
	nc := len(s.eng.Clauses)
	tr := s.truths[k*nc : (k+1)*nc]
	f := s.tab.Subjects[r]
	s.cand = s.cand[:0]
	for c, t := range tr {
		if t >= rules.TruthTrue {
			s.cand = append(s.cand, int32(c))
		}
	}
	if len(s.cand) == 0 {
		res.record(f, s.tab.FY[r], nil)
		return money.Interval{}
	}
	ds := s.ev.DecideFrom(f, s.tab.At[r], s.tab.FY[r], tr)
	res.recordSome(f, s.tab.FY[r], ds, s.cand)
	return paidSome(s.eng, ds, s.cand)
}

// PopulationOf holds the given subjects (for evaluating subjects that are
// not stored, and for tests); Refresh is not meant for it.
func PopulationOf(subjects []*facts.Facts) *Population {
	p := &Population{version: map[string]int{}, index: map[string]int{}, gen: 1}
	for _, f := range subjects {
		p.index[f.Subject.ID] = len(p.subjects)
		p.subjects = append(p.subjects, f)
		p.version[f.Subject.ID] = 1
	}
	return p
}
