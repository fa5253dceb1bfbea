// Package storetest opens fresh stores for the tests of other packages: a
// temp SQLite file and a throwaway PostgreSQL database, so that every
// end-to-end test runs on both engines.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kechuang/internal/store"
)

// PostgresURL is the server the tests use: KECHUANG_TEST_POSTGRES, else the
// development machines' 127.0.0.1:5432 with user postgres and trust auth.
func PostgresURL() string {
	if u := os.Getenv("KECHUANG_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Open returns a fresh, empty store on engine, closed (and dropped) when
// the test ends. Without a PostgreSQL server the PostgreSQL run is skipped
// loudly — or fails, when KECHUANG_REQUIRE_POSTGRES is set (CI sets it).
func Open(t testing.TB, engine store.Engine) (*store.DB, string) {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "kechuang.db")
	if engine == store.Postgres {
		dsn = Database(t)
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dsn
}

// Database creates a throwaway PostgreSQL database and returns its URL.
func Database(t testing.TB) string {
	t.Helper()
	admin, err := sql.Open("pgx", PostgresURL())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("KECHUANG_REQUIRE_POSTGRES") != "" {
			t.Fatalf("PostgreSQL is required (KECHUANG_REQUIRE_POSTGRES) but %s is not reachable: %v", PostgresURL(), err)
		}
		t.Skipf("SKIPPING the PostgreSQL run: %s is not reachable (%v); set KECHUANG_TEST_POSTGRES", PostgresURL(), err)
	}
	name := fmt.Sprintf("kechuang_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u := PostgresURL()
	i := strings.LastIndex(u, "/")
	q := ""
	if j := strings.Index(u[i:], "?"); j >= 0 {
		q = u[i+j:]
	}
	return u[:i+1] + name + q
}

// Each runs fn against a fresh store on every engine, as subtests.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB, dsn string)) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			db, dsn := Open(t, e)
			fn(t, db, dsn)
		})
	}
}
