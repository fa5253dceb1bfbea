// Package pgtest gives tests a throwaway PostgreSQL database. It imports
// nothing of kechuang, so the store's own tests can use it too.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// URL is the server the tests use: KECHUANG_TEST_POSTGRES, else the
// development machines' 127.0.0.1:5432 with user postgres and trust auth.
func URL() string {
	if u := os.Getenv("KECHUANG_TEST_POSTGRES"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Database creates a database for the test, dropped when it ends, and
// returns its URL. Without a reachable server the test is skipped loudly —
// or fails, when KECHUANG_REQUIRE_POSTGRES is set (CI sets it).
func Database(t testing.TB) string {
	t.Helper()
	admin, err := sql.Open("pgx", URL())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("KECHUANG_REQUIRE_POSTGRES") != "" {
			t.Fatalf("PostgreSQL is required (KECHUANG_REQUIRE_POSTGRES) but %s is not reachable: %v", URL(), err)
		}
		t.Skipf("SKIPPING the PostgreSQL run: %s is not reachable (%v); set KECHUANG_TEST_POSTGRES", URL(), err)
	}
	name := fmt.Sprintf("kechuang_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u := URL()
	i := strings.LastIndex(u, "/")
	q := ""
	if j := strings.Index(u[i:], "?"); j >= 0 {
		q = u[i+j:]
	}
	return u[:i+1] + name + q
}
