// Package storetest opens fresh stores for the tests of other packages: a
// temp SQLite file and a throwaway PostgreSQL database, so that every
// end-to-end test runs on both engines.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"kechuang/internal/store"
	"kechuang/internal/store/pgtest"
)

// Open returns a fresh, empty store on engine, closed (and dropped) when
// the test ends. Without a PostgreSQL server the PostgreSQL run is skipped
// loudly — or fails, when KECHUANG_REQUIRE_POSTGRES is set (CI sets it).
func Open(t testing.TB, engine store.Engine) (*store.DB, string) {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "kechuang.db")
	if engine == store.Postgres {
		dsn = pgtest.Database(t)
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dsn
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
