package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"kechuang/internal/api"
	"kechuang/internal/errs"
	"kechuang/internal/match"
	"kechuang/internal/policy"
	"kechuang/internal/store"
	"kechuang/internal/web"
)

const serveHelp = `
kechuang serve [--addr :8080] [--db data/kechuang.db|postgres://…] [--policies DIR] [--demo N] [--match-at DATE]

Serves kechuang: the web UI (zh-CN, English at /lang/en) — the enterprise
portal (政策体检, our data) and the bureau console (policy library beside
its sources, subject search, 免申即享 population match with export,
dashboard) — and the JSON API under /api/v1 (described at
/api/v1/openapi.yaml). It evaluates with the policy library version in
force in the database (kechuang policy upload; on an empty database, or with
--policies, the library is checked and uploaded first); every stored
evaluation records that version. The population match runs once at start
and again when staff ask; --match-at fixes its evaluation date (default: each
subject at the date of its data).

--demo N: when the database holds no subjects, store N generated demo
subjects (kechuang demo) and create demo accounts, all with the password
` + demoPassword + ` — for a local demonstration only; without --demo no
account is ever created. Stops on Ctrl-C.`

// demoPassword is the demo accounts' password, printed at start: the demo
// is for a machine's own use.
const demoPassword = "kechuang-demo"

func runServe(e *env, args []string) error {
	fs0 := newFlags("serve", serveHelp, e)
	addr := fs0.String("addr", ":8080", "address to listen on")
	dir := fs0.String("policies", "", "policy directory (default: the bundled library)")
	dsn := fs0.String("db", "data/kechuang.db", "database: a SQLite file path or a postgres:// URL")
	demoN := fs0.Int("demo", 0, "seed N demo subjects and the demo accounts into an empty database")
	matchAt := fs0.String("match-at", "", "evaluation date of the population match (YYYY-MM-DD; default: each subject's as_of)")
	if err := parse(fs0, args); err != nil {
		return err
	}
	var at policy.Date
	if *matchAt != "" {
		var err error
		if at, err = parseDate(*matchAt); err != nil {
			return errs.E(errs.Invalid, "--match-at %q: write the date as YYYY-MM-DD", *matchAt)
		}
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	db, err := store.Open(e.ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	// The library in force is the database's; --policies, or an empty
	// database, uploads one first (checked, as kechuang policy upload).
	if _, err := db.ActivePolicyVersion(e.ctx); *dir != "" || errs.KindOf(err) == errs.NotFound {
		if _, _, err := uploadPolicies(e, db, *dir, "kechuang serve", "uploaded at server start"); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	pv, eng, err := activeEngine(e.ctx, db)
	if err != nil {
		return err
	}
	if *demoN > 0 {
		if err := seedDemo(e, db, eng, *demoN); err != nil {
			return err
		}
	}
	now := func() time.Time { return time.Now().In(shanghai) }
	runner := &match.Runner{DB: db, Engine: eng, PolicyVersion: pv, Now: now, At: at}
	a := &api.Server{Engine: eng, Store: db, PolicyVersion: pv, Log: log, Now: now, Changed: runner.Trigger}
	w, err := web.New(&web.Server{Engine: eng, Store: db, PolicyVersion: pv, Match: runner, Log: log, Now: now})
	if err != nil {
		return err
	}
	if missing := web.VendorMissing(); len(missing) > 0 {
		log.Warn("built without the npm assets (run make assets): pages work, without charts and live search", "missing", missing)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", a.Handler())
	mux.Handle("/", w.Handler())
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	log.Info("serving", "addr", ln.Addr().String(), "db", redact(*dsn), "policy_version", pv,
		"documents", len(eng.Files), "clauses", len(eng.Clauses), "standards", len(eng.Standards))
	go func() {
		if _, err := runner.Run(e.ctx); err != nil && e.ctx.Err() == nil {
			log.Error("population match failed", "err", err)
			return
		}
		if res, _, _ := runner.Latest(); res != nil {
			log.Info("population match done", "subjects", res.Subjects, "took", res.Took.String())
		}
	}()
	fmt.Fprintf(e.stdout, "kechuang serving on http://%s/ (API: /api/v1/openapi.yaml)\n", displayAddr(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-e.ctx.Done():
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// displayAddr is a listening address as a browser address: :8080 → localhost:8080.
func displayAddr(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok && t.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", t.Port)
	}
	return a.String()
}
