package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"testing/fstest"
	"text/tabwriter"
	"time"

	"kechuang/internal/errs"
	"kechuang/internal/match"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

const matchHelp = `
kechuang match start --db PATH|URL [--shards N] [--at DATE]
kechuang match status --db PATH|URL --run ID

A population run for several worker processes (全量匹配分片): start splits the
stored subjects into N shards by id and records the run against the policy
version in force; kechuang worker processes then claim and evaluate the
shards. status shows each shard (pending, running — by whom, until when —
or done) and, once every shard is done, the totals per payer and budget
year. On PostgreSQL workers on several machines share a run (FOR UPDATE
SKIP LOCKED); on SQLite, processes on one machine do. Keep the machines'
clocks in sync: leases are timed by each worker's clock.`

const workerHelp = `
kechuang worker --db PATH|URL --run ID [--name NAME] [--lease 30s] [--throttle 0]

Claims shards of a population run (kechuang match start) one at a time,
evaluates their subjects with the run's policy version, and writes each
shard's results and marks it done in one transaction while it holds the
shard's lease (renewed as it goes). It stops when every shard of the run is
done — waiting, if others still hold shards, in case their leases run out
(a worker that dies leaves its shard to be claimed again; the shard's
results are replaced, never added twice). --throttle pauses after each
subject, to share a busy database.`

func runMatch(e *env, args []string) error {
	if len(args) == 0 || (args[0] != "start" && args[0] != "status") {
		fmt.Fprintln(e.stderr, matchHelp)
		return exitError{2}
	}
	fs0 := newFlags("match "+args[0], matchHelp, e)
	dsn := fs0.String("db", "", "database: a SQLite file path or a postgres:// URL")
	shards := fs0.Int("shards", 8, "number of shards")
	atFlag := fs0.String("at", "", "evaluation date (YYYY-MM-DD; default: each subject's as_of)")
	runID := fs0.Int64("run", 0, "run id (status)")
	if err := parse(fs0, args[1:]); err != nil {
		return err
	}
	if *dsn == "" {
		fs0.Usage()
		return exitError{2}
	}
	db, err := store.Open(e.ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if args[0] == "start" {
		if *atFlag != "" {
			if _, err := parseDate(*atFlag); err != nil {
				return err
			}
		}
		pv, err := db.ActivePolicyVersion(e.ctx)
		if err != nil {
			return err
		}
		id, err := db.CreateRun(e.ctx, pv, *atFlag, 0, *shards, "kechuang match start")
		if err != nil {
			return err
		}
		run, err := db.GetRun(e.ctx, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "run %d: %d shards, policy version %d\n", id, run.Shards, pv)
		return nil
	}
	run, err := db.GetRun(e.ctx, *runID)
	if err != nil {
		return err
	}
	shs, err := db.Shards(e.ctx, run.ID)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "shard\tsubjects ≥\t< \tstate\tworker\tattempts\tsubjects\tfinished")
	done := 0
	for _, s := range shs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", s.Index, s.From, s.Before, s.State, s.Worker, s.Attempt, s.Subjects, s.FinishedAt)
		if s.State == "done" {
			done++
		}
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "run %d: %d of %d shards done\n", run.ID, done, len(shs))
	if done < len(shs) {
		return nil
	}
	eng, err := versionEngine(e.ctx, db, run.PolicyVersion)
	if err != nil {
		return err
	}
	res, err := match.FromStore(e.ctx, db, eng, run)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d subjects\n", res.Subjects)
	for _, t := range res.Totals(eng, "") {
		fmt.Fprintf(e.stdout, "  %s %d：%s（%d 项）\n", t.Payer, t.BudgetYear, t.Amount, t.Subjects)
	}
	return nil
}

func runWorker(e *env, args []string) error {
	fs0 := newFlags("worker", workerHelp, e)
	dsn := fs0.String("db", "", "database: a SQLite file path or a postgres:// URL")
	runID := fs0.Int64("run", 0, "the run to work on")
	host, _ := os.Hostname()
	name := fs0.String("name", host+"-"+strconv.Itoa(os.Getpid()), "this worker's name (shown in status)")
	lease := fs0.Duration("lease", 30*time.Second, "how long a claim holds without renewal")
	throttle := fs0.Duration("throttle", 0, "pause after each subject")
	if err := parse(fs0, args); err != nil {
		return err
	}
	if *dsn == "" || *runID == 0 {
		fs0.Usage()
		return exitError{2}
	}
	if *lease < 300*time.Millisecond {
		return errs.E(errs.Invalid, "--lease %s is too short", *lease)
	}
	db, err := store.Open(e.ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	run, err := db.GetRun(e.ctx, *runID)
	if err != nil {
		return err
	}
	eng, err := versionEngine(e.ctx, db, run.PolicyVersion)
	if err != nil {
		return err
	}
	w := &match.Worker{DB: db, Engine: eng, Name: *name, Lease: *lease, Throttle: *throttle,
		Log: slog.New(slog.NewTextHandler(e.stderr, nil)), Now: func() time.Time { return time.Now().In(shanghai) }}
	n, err := w.Work(e.ctx, run)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "worker %s: %d shards of run %d done; the run is complete\n", *name, n, run.ID)
	return nil
}

// versionEngine loads and compiles a stored policy version.
func versionEngine(ctx context.Context, db *store.DB, v int) (*rules.Engine, error) {
	files, _, err := db.PolicyVersion(ctx, v)
	if err != nil {
		return nil, err
	}
	fsys := fstest.MapFS{}
	for p, b := range files {
		fsys[p] = &fstest.MapFile{Data: b}
	}
	loaded, err := policy.LoadFS(fsys, fmt.Sprintf("policy-version-%d", v))
	if err != nil {
		return nil, errs.E(errs.Internal, "stored policy version %d does not load: %v", v, err)
	}
	eng, err := rules.Compile(loaded)
	if err != nil {
		return nil, errs.E(errs.Internal, "stored policy version %d does not compile: %v", v, err)
	}
	return eng, nil
}
