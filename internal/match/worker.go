package match

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// Worker takes part in a sharded population run (store.CreateRun): it
// claims a shard, evaluates its subjects, and writes the shard's results
// while it holds the lease, until every shard is done. Several workers, in
// one process or on several machines sharing a PostgreSQL database, split a
// run between them; a worker that dies loses only its lease, and its shard
// is evaluated again by whoever claims it next.
type Worker struct {
	DB       *store.DB
	Engine   *rules.Engine // compiled from the run's policy version
	Name     string
	Lease    time.Duration // how long a claim holds without renewal
	Throttle time.Duration // pause after each subject (to share a busy database; tests)
	Log      *slog.Logger
	Now      func() time.Time
}

// Work processes shards of run until all are done, and returns how many
// shards this worker completed.
func (w *Worker) Work(ctx context.Context, run store.Run) (done int, err error) {
	for {
		s, ok, err := w.DB.ClaimShard(ctx, run.ID, w.Name, w.Lease)
		if err != nil {
			return done, err
		}
		if !ok {
			// Nothing to claim: finished, or others still hold shards whose
			// leases may yet run out.
			shards, err := w.DB.Shards(ctx, run.ID)
			if err != nil {
				return done, err
			}
			left := 0
			for _, sh := range shards {
				if sh.State != "done" {
					left++
				}
			}
			if left == 0 {
				return done, nil
			}
			select {
			case <-ctx.Done():
				return done, ctx.Err()
			case <-time.After(w.Lease / 4):
			}
			continue
		}
		err = w.shard(ctx, run, s)
		switch {
		case err == nil:
			done++
		case errs.KindOf(err) == errs.Conflict:
			w.Log.Warn("lost a shard to another worker", "run", run.ID, "shard", s.Index, "err", err)
		default:
			return done, err
		}
	}
}

// shard evaluates one claimed shard, renewing the lease as it goes.
func (w *Worker) shard(ctx context.Context, run store.Run, s store.Shard) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(w.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := w.DB.RenewLease(ctx, &s, w.Lease); err != nil {
					cancel(err)
					return
				}
			}
		}
	}()
	var at policy.Date
	if run.At != "" {
		d, err := policy.ParseDate(run.At)
		if err != nil {
			return errs.E(errs.Internal, "run %d has a bad date %q", run.ID, run.At)
		}
		at = d
	}
	// The shard's subjects are read, then evaluated column at a time as a
	// run over the whole population is (RunOn).
	var subjects []*facts.Facts
	err := w.DB.EachFacts(ctx, store.Filter{From: s.From, Before: s.Before}, func(f *facts.Facts) error {
		subjects = append(subjects, f)
		if w.Throttle > 0 {
			time.Sleep(w.Throttle)
		}
		return ctx.Err()
	})
	var r *Result
	if err == nil {
		r, err = RunOn(ctx, PopulationOf(subjects), w.Engine, at, run.FY, run.PolicyVersion, w.Now, 1)
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause // the lease was lost
	}
	cancel(nil)
	<-renewed
	if err != nil {
		return err
	}
	var results []store.Result
	for _, c := range w.Engine.Clauses {
		for _, l := range [2]struct {
			outcome rules.Outcome
			hs      []hit
		}{{rules.Entitled, r.entitled[c.Index]}, {rules.NeedsFacts, r.needsFacts[c.Index]}} {
			outcome := l.outcome
			for _, h := range l.hs {
				results = append(results, store.Result{Subject: h.s.ID, Clause: c.ID, Outcome: outcome.String(),
					Region: h.s.Region, FY: h.fy, MinFen: int64(h.amount.Min), MaxFen: int64(h.amount.Max),
					Open: h.amount.Open, Unspecified: h.unspecified})
			}
		}
	}
	if err := w.DB.CompleteShard(context.WithoutCancel(ctx), s, r.Subjects, results); err != nil {
		return err
	}
	w.Log.Info("shard done", "run", run.ID, "shard", s.Index, "attempt", s.Attempt, "subjects", r.Subjects, "results", len(results))
	return nil
}

// FromStore builds a run's Result from the results its workers wrote, for
// the lists and totals a single-process run gives. Every shard must be done.
func FromStore(ctx context.Context, db *store.DB, eng *rules.Engine, run store.Run) (*Result, error) {
	shards, err := db.Shards(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	var at policy.Date
	if run.At != "" {
		if at, err = policy.ParseDate(run.At); err != nil {
			return nil, errs.E(errs.Internal, "run %d has a bad date %q", run.ID, run.At)
		}
	}
	r := newResult(eng, at, run.FY, run.PolicyVersion, time.Time{})
	for _, s := range shards {
		if s.State != "done" {
			return nil, errs.E(errs.Conflict, "run %d is not finished: shard %d is %s", run.ID, s.Index, s.State)
		}
		r.Subjects += s.Subjects
	}
	err = db.Results(ctx, run.ID, func(x store.Result) error {
		c, ok := eng.ClauseByID(x.Clause)
		if !ok {
			return errs.E(errs.Internal, "run %d has results for clause %s, not in its policy version", run.ID, x.Clause)
		}
		e := hit{s: &facts.Subject{ID: x.Subject, Region: x.Region}, fy: x.FY,
			amount: money.Interval{Min: money.Fen(x.MinFen), Max: money.Fen(x.MaxFen), Open: x.Open}, unspecified: x.Unspecified}
		switch x.Outcome {
		case rules.Entitled.String():
			r.entitled[c.Index] = append(r.entitled[c.Index], e)
		case rules.NeedsFacts.String():
			r.needsFacts[c.Index] = append(r.needsFacts[c.Index], e)
		}
		return nil
	})
	return r, err
}
