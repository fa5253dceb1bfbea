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
	"kechuang/internal/store"
)

const serveHelp = `
kechuang serve [--addr :8080] [--db data/kechuang.db|postgres://…] [--policies DIR]

Serves kechuang's JSON API under /api/v1 (described at /api/v1/openapi.yaml):
the public policy calculator — the policy library (documents, clauses,
qualification standards) and evaluations (政策体检, the ladder) of facts the
caller sends — and, for signed-in accounts (kechuang user add), the stored
subjects each may reach. The policy library is stored as a version at start;
every stored evaluation records it. The web UI comes next. Stops on Ctrl-C.`

func runServe(e *env, args []string) error {
	fs0 := newFlags("serve", serveHelp, e)
	addr := fs0.String("addr", ":8080", "address to listen on")
	dir := fs0.String("policies", "", "policy directory (default: the bundled library)")
	dsn := fs0.String("db", "data/kechuang.db", "database: a SQLite file path or a postgres:// URL")
	if err := parse(fs0, args); err != nil {
		return err
	}
	eng, err := loadEngine(e, *dir)
	if err != nil {
		printErrs(e.stderr, err)
		return exitError{1}
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	db, err := store.Open(e.ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	files, err := policyFiles(e, *dir)
	if err != nil {
		return err
	}
	pv, err := db.SavePolicyVersion(e.ctx, files, "kechuang serve", "the library this server evaluates with")
	if err != nil {
		return err
	}
	s := &api.Server{Engine: eng, Store: db, PolicyVersion: pv, Log: log, Now: func() time.Time { return time.Now().In(shanghai) }}
	mux := http.NewServeMux()
	mux.Handle("/api/", s.Handler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "kechuang（科创）: the JSON API is at /api/v1 — see /api/v1/openapi.yaml. The web UI is not built yet.")
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	log.Info("serving", "addr", ln.Addr().String(), "db", redact(*dsn), "policy_version", pv,
		"documents", len(eng.Files), "clauses", len(eng.Clauses), "standards", len(eng.Standards))
	fmt.Fprintf(e.stdout, "kechuang serving on http://%s/api/v1/openapi.yaml\n", ln.Addr())
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
