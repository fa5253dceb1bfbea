package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"kechuang/internal/errs"
)

// Population runs for scale-out (全量匹配分片): a run is split into shards of
// subjects by id range; worker processes claim a shard at a time with a
// lease (on PostgreSQL with FOR UPDATE SKIP LOCKED, so workers never wait
// on each other), evaluate it, and write its results and mark it done in one
// transaction — only while they still hold the lease. A worker that dies
// leaves its shard to be claimed again when the lease runs out, and a
// shard's results are replaced, never added twice.

// Run describes a population run.
type Run struct {
	ID            int64
	PolicyVersion int
	At            string // YYYY-MM-DD, or "" for each subject's as_of
	FY            int64  // 0: the year of the date
	Shards        int
	CreatedBy     string
	CreatedAt     string
}

// Shard is a claimed part of a run.
type Shard struct {
	Run, Index   int64
	From, Before string // From ≤ subject id < Before ("" unbounded)
	Attempt      int
	Worker       string
	LeaseUntil   time.Time
	State        string
	Subjects     int
	FinishedAt   string
}

// Result is one subject's outcome for one clause in a run (entitled or
// needing facts; other outcomes are not kept).
type Result struct {
	Subject, Clause, Outcome, Region string
	FY                               int64
	MinFen, MaxFen                   int64
	Open, Unspecified                bool
}

// CreateRun splits the stored subjects into n shards of about equal size
// and records the run.
func (db *DB) CreateRun(ctx context.Context, policyVersion int, at string, fy int64, n int, by string) (id int64, err error) {
	defer errs.Wrap(&err, "store.CreateRun")
	if n < 1 || n > 10000 {
		return 0, errs.E(errs.Invalid, "a run has 1 to 10000 shards, not %d", n)
	}
	var ids []string
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM subjects ORDER BY id`)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, errs.E(errs.Invalid, "there are no subjects to run over")
	}
	n = min(n, len(ids))
	err = db.transact(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO match_runs (policy_version, at, fy, shards, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, policyVersion, at, fy, n, by, db.stamp()).Scan(&id); err != nil {
			return err
		}
		for i := range n {
			from, before := "", ""
			if i > 0 {
				from = ids[i*len(ids)/n]
			}
			if i < n-1 {
				before = ids[(i+1)*len(ids)/n]
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO match_shards (run_id, shard, from_id, before_id) VALUES ($1, $2, $3, $4)`,
				id, i, from, before); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, by, "match.run", "match/"+strconv.FormatInt(id, 10), "", "shards "+strconv.Itoa(n))
	})
	return id, err
}

// GetRun returns a run.
func (db *DB) GetRun(ctx context.Context, id int64) (r Run, err error) {
	defer errs.Wrap(&err, "store.GetRun(%d)", id)
	err = db.r.QueryRowContext(ctx, `SELECT id, policy_version, at, fy, shards, created_by, created_at FROM match_runs WHERE id = $1`, id).
		Scan(&r.ID, &r.PolicyVersion, &r.At, &r.FY, &r.Shards, &r.CreatedBy, &r.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.E(errs.NotFound, "no run %d", id)
	}
	return r, err
}

// ClaimShard gives worker the first shard of run that is pending or whose
// lease has run out, leased for lease; ok is false when none is left to claim.
func (db *DB) ClaimShard(ctx context.Context, run int64, worker string, lease time.Duration) (s Shard, ok bool, err error) {
	defer errs.Wrap(&err, "store.ClaimShard(%d)", run)
	now := db.now().UTC()
	until := now.Add(lease)
	pick := `SELECT run_id, shard FROM match_shards
		WHERE run_id = $1 AND (state = 'pending' OR (state = 'running' AND lease_until < $2))
		ORDER BY shard LIMIT 1`
	if db.Engine == Postgres {
		pick += ` FOR UPDATE SKIP LOCKED`
	}
	err = db.w.QueryRowContext(ctx, `
		UPDATE match_shards SET state = 'running', worker = $3, lease_until = $4, attempts = attempts + 1
		WHERE (run_id, shard) IN (`+pick+`)
		RETURNING run_id, shard, from_id, before_id, attempts`,
		run, now.Format(stampFormat), worker, until.Format(stampFormat)).
		Scan(&s.Run, &s.Index, &s.From, &s.Before, &s.Attempt)
	if errors.Is(err, sql.ErrNoRows) {
		return Shard{}, false, nil
	}
	if err != nil {
		return Shard{}, false, err
	}
	s.Worker, s.LeaseUntil, s.State = worker, until, "running"
	return s, true, nil
}

// errLeaseLost: another worker holds the shard now.
var errLeaseLost = errs.E(errs.Conflict, "the shard's lease ran out and another worker took it over")

// RenewLease extends the worker's lease on s.
func (db *DB) RenewLease(ctx context.Context, s *Shard, lease time.Duration) (err error) {
	defer errs.Wrap(&err, "store.RenewLease(%d/%d)", s.Run, s.Index)
	until := db.now().UTC().Add(lease)
	res, err := db.w.ExecContext(ctx, `UPDATE match_shards SET lease_until = $1
		WHERE run_id = $2 AND shard = $3 AND worker = $4 AND attempts = $5 AND state = 'running'`,
		until.Format(stampFormat), s.Run, s.Index, s.Worker, s.Attempt)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errLeaseLost
	}
	s.LeaseUntil = until
	return nil
}

// CompleteShard replaces the shard's results and marks it done, in one
// transaction, provided the worker still holds this attempt's lease;
// otherwise nothing is written and the error is a conflict.
func (db *DB) CompleteShard(ctx context.Context, s Shard, subjects int, results []Result) (err error) {
	defer errs.Wrap(&err, "store.CompleteShard(%d/%d)", s.Run, s.Index)
	return db.transact(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE match_shards SET state = 'done', subjects = $1, finished_at = $2
			WHERE run_id = $3 AND shard = $4 AND worker = $5 AND attempts = $6 AND state = 'running'`,
			subjects, db.stamp(), s.Run, s.Index, s.Worker, s.Attempt)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errLeaseLost
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM match_results WHERE run_id = $1 AND shard = $2`, s.Run, s.Index); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO match_results
			(run_id, shard, subject_id, clause_id, outcome, region, fy, min_fen, max_fen, open, unspecified)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range results {
			if _, err := stmt.ExecContext(ctx, s.Run, s.Index, r.Subject, r.Clause, r.Outcome, r.Region, r.FY,
				r.MinFen, r.MaxFen, b2i(r.Open), b2i(r.Unspecified)); err != nil {
				return err
			}
		}
		return nil
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Shards lists a run's shards.
func (db *DB) Shards(ctx context.Context, run int64) (out []Shard, err error) {
	defer errs.Wrap(&err, "store.Shards(%d)", run)
	rows, err := db.r.QueryContext(ctx, `SELECT run_id, shard, from_id, before_id, attempts, worker, lease_until, state, subjects, finished_at
		FROM match_shards WHERE run_id = $1 ORDER BY shard`, run)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s Shard
		var lease string
		if err := rows.Scan(&s.Run, &s.Index, &s.From, &s.Before, &s.Attempt, &s.Worker, &lease, &s.State, &s.Subjects, &s.FinishedAt); err != nil {
			return nil, err
		}
		s.LeaseUntil, _ = time.Parse(stampFormat, lease)
		out = append(out, s)
	}
	return out, rows.Err()
}

// Results streams a run's results, by subject then clause.
func (db *DB) Results(ctx context.Context, run int64, fn func(Result) error) (err error) {
	defer errs.Wrap(&err, "store.Results(%d)", run)
	rows, err := db.r.QueryContext(ctx, `SELECT subject_id, clause_id, outcome, region, fy, min_fen, max_fen, open, unspecified
		FROM match_results WHERE run_id = $1 ORDER BY subject_id, clause_id`, run)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r Result
		var open, unspec int
		if err := rows.Scan(&r.Subject, &r.Clause, &r.Outcome, &r.Region, &r.FY, &r.MinFen, &r.MaxFen, &open, &unspec); err != nil {
			return err
		}
		r.Open, r.Unspecified = open != 0, unspec != 0
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
