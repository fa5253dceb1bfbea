package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/fulfil"
	"kechuang/internal/pool"
)

// CreateMember makes a membership (an invitation or an application) with
// its first event. A subject has at most one open membership of a pool.
func (db *DB) CreateMember(ctx context.Context, m *pool.Member, ev pool.Event) (id int64, err error) {
	defer errs.Wrap(&err, "store.CreateMember")
	err = db.transact(ctx, func(tx *sql.Tx) error {
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pool_members WHERE pool = $1 AND subject_id = $2 AND state IN ('invited', 'applied', 'reviewing', 'admitted')`,
			m.Pool, m.Subject).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return errs.E(errs.Conflict, "该企业已在这个培育库的名单中：请在其入库记录上办理")
		}
		m.Version = 1
		doc, err := json.Marshal(m)
		if err != nil {
			return err
		}
		now := db.stamp()
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO pool_members (pool, subject_id, region, state, version, doc, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 1, $5, $6, $6) RETURNING id`,
			m.Pool, m.Subject, m.Region, string(m.State), string(doc), now).Scan(&id); err != nil {
			if isForeignKey(err) {
				return errs.E(errs.NotFound, "主体库中没有主体 %q", m.Subject)
			}
			return err
		}
		m.ID = id
		return db.memberEvent(ctx, tx, m, ev, "")
	})
	return id, err
}

func (db *DB) memberEvent(ctx context.Context, tx *sql.Tx, m *pool.Member, ev pool.Event, before string) error {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO pool_events (member_id, at, actor, act, from_state, to_state, step, note, next_steps, next_date)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		m.ID, ev.At, ev.By, string(ev.Act), string(ev.From), string(ev.To), ev.Step, ev.Note, ev.Next, ev.NextDate); err != nil {
		return err
	}
	after, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return db.audit(ctx, tx, ev.By, "pool."+string(ev.Act), fmt.Sprintf("pool_member/%d", m.ID), before, string(after))
}

// Member returns a membership and its history, oldest first.
func (db *DB) Member(ctx context.Context, id int64) (m *pool.Member, hist []pool.Event, err error) {
	defer errs.Wrap(&err, "store.Member(%d)", id)
	m, err = scanMember(db.r.QueryRowContext(ctx, `SELECT id, version, doc FROM pool_members WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errs.E(errs.NotFound, "没有编号为 %d 的入库记录", id)
	}
	if err != nil {
		return nil, nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT at, actor, act, from_state, to_state, step, note, next_steps, next_date FROM pool_events WHERE member_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e pool.Event
		if err := rows.Scan(&e.At, &e.By, &e.Act, &e.From, &e.To, &e.Step, &e.Note, &e.Next, &e.NextDate); err != nil {
			return nil, nil, err
		}
		hist = append(hist, e)
	}
	return m, hist, rows.Err()
}

func scanMember(sc interface{ Scan(...any) error }) (*pool.Member, error) {
	var id int64
	var v int
	var doc string
	if err := sc.Scan(&id, &v, &doc); err != nil {
		return nil, err
	}
	m := &pool.Member{}
	if err := json.Unmarshal([]byte(doc), m); err != nil {
		return nil, fmt.Errorf("pool member %d: %w", id, err)
	}
	m.ID, m.Version = id, v
	return m, nil
}

// MemberFilter selects memberships. Region is a GB/T 2260 prefix.
type MemberFilter struct {
	Pool, Subject, Region string
	State                 pool.State
	Open                  bool // only invited, applied, reviewing or admitted
}

// Members lists memberships, newest first.
func (db *DB) Members(ctx context.Context, fl MemberFilter) (out []*pool.Member, err error) {
	defer errs.Wrap(&err, "store.Members")
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if fl.Pool != "" {
		add("pool = $%d", fl.Pool)
	}
	if fl.Subject != "" {
		add("subject_id = $%d", fl.Subject)
	}
	if fl.Region != "" {
		add("region LIKE $%d", fl.Region+"%")
	}
	if fl.State != "" {
		add("state = $%d", string(fl.State))
	}
	if fl.Open {
		where = append(where, "state IN ('invited', 'applied', 'reviewing', 'admitted')")
	}
	q := `SELECT id, version, doc FROM pool_members`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := db.r.QueryContext(ctx, q+" ORDER BY id DESC", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// UpdateMember saves m (changed by an act from version prev) with the act's
// event. Someone else's act in between is a conflict: nothing is written.
func (db *DB) UpdateMember(ctx context.Context, m *pool.Member, prev int, ev pool.Event) (err error) {
	defer errs.Wrap(&err, "store.UpdateMember(%d)", m.ID)
	return db.transact(ctx, func(tx *sql.Tx) error {
		return db.updateMember(ctx, tx, m, prev, ev)
	})
}

func (db *DB) updateMember(ctx context.Context, tx *sql.Tx, m *pool.Member, prev int, ev pool.Event) error {
	var before string
	if err := tx.QueryRowContext(ctx, `SELECT doc FROM pool_members WHERE id = $1`, m.ID).Scan(&before); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "没有编号为 %d 的入库记录", m.ID)
		}
		return err
	}
	m.Version = prev + 1
	doc, err := json.Marshal(m)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE pool_members SET state = $1, version = $2, doc = $3, updated_at = $4 WHERE id = $5 AND version = $6`,
		string(m.State), m.Version, string(doc), db.stamp(), m.ID, prev)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		m.Version = prev
		return errs.E(errs.Conflict, "入库记录 %d 刚刚已被他人办理（您看到的是第 %d 版）：请刷新后再操作", m.ID, prev)
	}
	return db.memberEvent(ctx, tx, m, ev, before)
}

// Admission is what admitting a member writes besides the membership: the
// subject's facts with the pool entry added (a new version, from the facts
// version the admission was decided on) and the fulfilment cases the pool's
// money clause makes of it.
type Admission struct {
	Doc     []byte // the facts document with the entry
	Version int    // the facts version it was made from
	Entry   Entry
	Cases   []*fulfil.Case
}

// AdmitMember saves an admission in one transaction: the membership and its
// event, the new facts version and the cases. If the subject's facts changed
// since version a.Version, nothing is written.
func (db *DB) AdmitMember(ctx context.Context, m *pool.Member, prev int, ev pool.Event, a Admission) (caseIDs []int64, err error) {
	defer errs.Wrap(&err, "store.AdmitMember(%d)", m.ID)
	err = db.transact(ctx, func(tx *sql.Tx) error {
		if err := db.admitFacts(ctx, tx, a); err != nil {
			return err
		}
		ids, err := db.createCases(ctx, tx, ev.By, a.Cases)
		if err != nil {
			return err
		}
		caseIDs = ids
		m.Cases = append(m.Cases, ids...)
		return db.updateMember(ctx, tx, m, prev, ev)
	})
	if err != nil {
		m.Cases = m.Cases[:len(m.Cases)-len(caseIDs)]
		return nil, err
	}
	return caseIDs, nil
}

// AdmittedIn counts the members of pool admitted in year (for capacity).
func (db *DB) AdmittedIn(ctx context.Context, poolID string, year int) (n int, err error) {
	defer errs.Wrap(&err, "store.AdmittedIn")
	ms, err := db.Members(ctx, MemberFilter{Pool: poolID})
	if err != nil {
		return 0, err
	}
	for _, m := range ms {
		if strings.HasPrefix(m.Admitted, fmt.Sprintf("%04d-", year)) {
			n++
		}
	}
	return n, nil
}
