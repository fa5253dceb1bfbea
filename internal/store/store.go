// Package store keeps kechuang's data — the registry of subjects (主体库) with
// every version of their facts, the versioned policy library and the record
// of evaluations — in SQLite (the embedded default) or PostgreSQL (production).
// All SQL lives here; one SQL text serves both engines ($1 placeholders,
// RETURNING, ON CONFLICT), and goose migrations per engine create the schema.
package store

import (
	"context"
	"database/sql"
	"embed"
	"io/fs"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"kechuang/internal/errs"
)

//go:embed migrations
var migrations embed.FS

// Engine is the database engine behind a DB.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open store. SQLite gets one writing connection and a pool of
// readers (WAL lets them read while it writes); PostgreSQL one pool for both.
type DB struct {
	Engine Engine
	w, r   *sql.DB
	now    func() time.Time
}

// Open opens the store at dsn and applies the migrations. A dsn starting
// with postgres:// or postgresql:// is PostgreSQL; anything else is a
// SQLite file path (created with its directory if missing).
func Open(ctx context.Context, dsn string) (db *DB, err error) {
	defer errs.Wrap(&err, "store.Open")
	db = &DB{now: time.Now}
	if IsPostgres(dsn) {
		db.Engine = Postgres
		db.w, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		db.r = db.w
	} else {
		db.Engine = SQLite
		if dsn == "" {
			return nil, errs.E(errs.Invalid, "no database given: a SQLite file path or a postgres:// URL")
		}
		if dir := filepath.Dir(dsn); dir != "." {
			if err := mkdirAll(dir); err != nil {
				return nil, err
			}
		}
		u := "file:" + (&url.URL{Path: dsn}).EscapedPath() +
			"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
		if db.w, err = sql.Open("sqlite", u+"&_txlock=immediate"); err != nil {
			return nil, err
		}
		db.w.SetMaxOpenConns(1)
		if db.r, err = sql.Open("sqlite", u+"&_pragma=query_only(1)"); err != nil {
			db.w.Close()
			return nil, err
		}
		db.r.SetMaxOpenConns(4)
	}
	if err := db.w.PingContext(ctx); err != nil {
		db.Close()
		return nil, errs.E(errs.Internal, "cannot reach the database: %v", err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) migrate(ctx context.Context) error {
	dialect := goose.DialectSQLite3
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
	}
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Engine))
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, db.w, sub)
	if err != nil {
		return errs.E(errs.Internal, "migrations: %v", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return errs.E(errs.Internal, "applying migrations: %v", err)
	}
	return nil
}

// IsPostgres reports whether dsn names a PostgreSQL database (a URL);
// anything else is a SQLite file path.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Close closes the store.
func (db *DB) Close() error {
	if db.r != nil && db.r != db.w {
		db.r.Close()
	}
	if db.w != nil {
		return db.w.Close()
	}
	return nil
}

// transact runs fn in a transaction on the writing connection, committing
// when it returns nil: nothing is half-written.
func (db *DB) transact(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
			return
		}
		err = tx.Commit()
	}()
	return fn(tx)
}

// stampFormat is fixed-width, so stored times compare as text.
const stampFormat = "2006-01-02T15:04:05.000000Z"

func (db *DB) stamp() string { return db.now().UTC().Format(stampFormat) }

// Backup writes a consistent copy of a SQLite store to path (VACUUM INTO,
// safe while the store is in use). PostgreSQL is backed up with pg_dump
// (see docs/operations.md), not from here.
func (db *DB) Backup(ctx context.Context, path string) (err error) {
	defer errs.Wrap(&err, "store.Backup(%q)", path)
	if db.Engine != SQLite {
		return errs.E(errs.Invalid, "back up PostgreSQL with pg_dump (kechuang backup does that for a postgres:// database)")
	}
	_, err = db.w.ExecContext(ctx, `VACUUM INTO $1`, path)
	return err
}

// SetClock replaces the store's clock (time.Now): the time acts, batches
// and notifications are stamped with, and what 公示 deadlines are judged
// against. Tests move it; a server passes its own.
func (db *DB) SetClock(now func() time.Time) { db.now = now }
