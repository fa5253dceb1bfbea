package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"

	"kechuang/internal/errs"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Seq      int64
	At       string
	Actor    string
	Action   string // e.g. facts.put, policy.save, evaluation.record
	Object   string // e.g. subject/e1, policy/3
	Before   string
	After    string
	PrevHash string
	Hash     string
}

// chainHash is the entry's hash: SHA-256 over its fields and the previous
// entry's hash, each length-prefixed so no two entries can collide by
// shifting text between fields.
func chainHash(e AuditEntry) string {
	h := sha256.New()
	for _, f := range []string{e.PrevHash, strconv.FormatInt(e.Seq, 10), e.At, e.Actor, e.Action, e.Object, e.Before, e.After} {
		fmt.Fprintf(h, "%d:", len(f))
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// audit appends an entry inside the caller's transaction, so the change and
// its record commit together. On PostgreSQL the table is locked for the
// transaction, so concurrent writers take sequence numbers one at a time.
func (db *DB) audit(ctx context.Context, tx *sql.Tx, actor, action, object, before, after string) error {
	if db.Engine == Postgres {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE audit_log IN EXCLUSIVE MODE`); err != nil {
			return err
		}
	}
	e := AuditEntry{At: db.stamp(), Actor: actor, Action: action, Object: object, Before: before, After: after}
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&e.Seq, &e.PrevHash)
	if err != nil && err != sql.ErrNoRows {
		return err
	}
	e.Seq++
	e.Hash = chainHash(e)
	_, err = tx.ExecContext(ctx, `
		INSERT INTO audit_log (seq, at, actor, action, object, before, after, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		e.Seq, e.At, e.Actor, e.Action, e.Object, e.Before, e.After, e.PrevHash, e.Hash)
	return err
}

// Audit lists the log's entries for an object ("" for all), oldest first.
func (db *DB) Audit(ctx context.Context, object string) (out []AuditEntry, err error) {
	defer errs.Wrap(&err, "store.Audit")
	err = db.scanAudit(ctx, object, func(e AuditEntry) error { out = append(out, e); return nil })
	return out, err
}

func (db *DB) scanAudit(ctx context.Context, object string, fn func(AuditEntry) error) error {
	rows, err := db.r.QueryContext(ctx, `
		SELECT seq, at, actor, action, object, before, after, prev_hash, hash FROM audit_log
		WHERE $1 = '' OR object = $1 ORDER BY seq`, object)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Object, &e.Before, &e.After, &e.PrevHash, &e.Hash); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// VerifyAudit checks the whole chain: consecutive sequence numbers, each
// entry's hash over its fields, each link to the previous hash. It returns
// the number of entries and, if the chain is broken, a conflict error naming
// the first entry where it breaks.
func (db *DB) VerifyAudit(ctx context.Context) (n int64, err error) {
	defer errs.Wrap(&err, "store.VerifyAudit")
	prev := ""
	err = db.scanAudit(ctx, "", func(e AuditEntry) error {
		n++
		switch {
		case e.Seq != n:
			return errs.E(errs.Conflict, "audit log broken at entry %d: expected entry %d (an entry was removed)", e.Seq, n)
		case e.PrevHash != prev:
			return errs.E(errs.Conflict, "audit log broken at entry %d: it does not link to entry %d's hash", e.Seq, n-1)
		case chainHash(e) != e.Hash:
			return errs.E(errs.Conflict, "audit log broken at entry %d: its content does not match its hash (it was altered)", e.Seq)
		}
		prev = e.Hash
		return nil
	})
	return n, err
}
