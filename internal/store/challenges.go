package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/fulfil"
	"kechuang/internal/project"
)

// ChallengeEvent is one act on a challenge, as kept in its history.
type ChallengeEvent struct {
	At, Actor, Act, Text string
}

// CreateChallenge stores a new challenge (a draft) and returns its id.
func (db *DB) CreateChallenge(ctx context.Context, c *project.Challenge, by string) (id int64, err error) {
	defer errs.Wrap(&err, "store.CreateChallenge")
	c.Version = 1
	err = db.transact(ctx, func(tx *sql.Tx) error {
		doc, err := json.Marshal(c)
		if err != nil {
			return err
		}
		now := db.stamp()
		if err := tx.QueryRowContext(ctx, `INSERT INTO challenges (region, state, version, doc, created_by, created_at, updated_at)
			VALUES ($1, $2, 1, $3, $4, $5, $5) RETURNING id`, c.Region, string(c.State), string(doc), by, now).Scan(&id); err != nil {
			return err
		}
		c.ID = id
		return db.challengeEvent(ctx, tx, c, ChallengeEvent{Actor: by, Act: "create", Text: c.Title}, "")
	})
	return id, err
}

func (db *DB) challengeEvent(ctx context.Context, tx *sql.Tx, c *project.Challenge, e ChallengeEvent, before string) error {
	if e.At == "" {
		e.At = db.stamp()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO challenge_events (challenge_id, at, actor, act, text) VALUES ($1, $2, $3, $4, $5)`,
		c.ID, e.At, e.Actor, e.Act, e.Text); err != nil {
		return err
	}
	after, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return db.audit(ctx, tx, e.Actor, "challenge."+e.Act, fmt.Sprintf("challenge/%d", c.ID), before, string(after))
}

// Challenge returns a challenge with its history.
func (db *DB) Challenge(ctx context.Context, id int64) (c *project.Challenge, hist []ChallengeEvent, err error) {
	defer errs.Wrap(&err, "store.Challenge(%d)", id)
	var doc string
	var v int
	err = db.r.QueryRowContext(ctx, `SELECT version, doc FROM challenges WHERE id = $1`, id).Scan(&v, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errs.E(errs.NotFound, "没有编号为 %d 的榜单", id)
	}
	if err != nil {
		return nil, nil, err
	}
	c = &project.Challenge{}
	if err := json.Unmarshal([]byte(doc), c); err != nil {
		return nil, nil, err
	}
	c.ID, c.Version = id, v
	rows, err := db.r.QueryContext(ctx, `SELECT at, actor, act, text FROM challenge_events WHERE challenge_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e ChallengeEvent
		if err := rows.Scan(&e.At, &e.Actor, &e.Act, &e.Text); err != nil {
			return nil, nil, err
		}
		hist = append(hist, e)
	}
	return c, hist, rows.Err()
}

// Challenges lists the challenges of a region prefix, newest first; with
// public, only those past the draft.
func (db *DB) Challenges(ctx context.Context, region string, public bool) (out []*project.Challenge, err error) {
	defer errs.Wrap(&err, "store.Challenges")
	q := `SELECT id, version, doc FROM challenges WHERE region LIKE $1 ESCAPE '\'`
	if public {
		q += ` AND state <> 'draft'`
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY id DESC`, esc.Replace(region)+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v int
		var doc string
		if err := rows.Scan(&id, &v, &doc); err != nil {
			return nil, err
		}
		c := &project.Challenge{}
		if err := json.Unmarshal([]byte(doc), c); err != nil {
			return nil, err
		}
		c.ID, c.Version = id, v
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpdateChallenge saves c, changed by an act from version prev, with the
// act's event; someone else's act in between is a conflict.
func (db *DB) UpdateChallenge(ctx context.Context, c *project.Challenge, prev int, e ChallengeEvent) (err error) {
	defer errs.Wrap(&err, "store.UpdateChallenge(%d)", c.ID)
	return db.transact(ctx, func(tx *sql.Tx) error { return db.updateChallenge(ctx, tx, c, prev, e) })
}

// GrantChallenge saves a grant in one transaction: the bidder's new facts
// version (the project recorded), the fulfilment case that pays the award,
// whose id the grant then names, and the challenge with its event. If the
// bidder's facts changed meanwhile, nothing is written.
func (db *DB) GrantChallenge(ctx context.Context, c *project.Challenge, prev int, e ChallengeEvent, a Admission) (err error) {
	defer errs.Wrap(&err, "store.GrantChallenge(%d)", c.ID)
	g := &c.Review.Grants[len(c.Review.Grants)-1]
	return db.transact(ctx, func(tx *sql.Tx) error {
		if err := db.admitFacts(ctx, tx, a); err != nil {
			return err
		}
		ids, err := db.createCases(ctx, tx, e.Actor, a.Cases)
		if err != nil {
			return err
		}
		if len(ids) != 1 {
			return errs.E(errs.Conflict, "该项目的兑现事项已存在")
		}
		g.Case = ids[0]
		return db.updateChallenge(ctx, tx, c, prev, e)
	})
}

func (db *DB) updateChallenge(ctx context.Context, tx *sql.Tx, c *project.Challenge, prev int, e ChallengeEvent) error {
	var before string
	if err := tx.QueryRowContext(ctx, `SELECT doc FROM challenges WHERE id = $1`, c.ID).Scan(&before); err != nil {
		return err
	}
	c.Version = prev + 1
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE challenges SET state = $1, version = $2, doc = $3, updated_at = $4 WHERE id = $5 AND version = $6`,
		string(c.State), c.Version, string(doc), db.stamp(), c.ID, prev)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		c.Version = prev
		return errs.E(errs.Conflict, "榜单 %d 刚刚已被他人办理（您看到的是第 %d 版）：请刷新后再操作", c.ID, prev)
	}
	return db.challengeEvent(ctx, tx, c, e, before)
}

// CreateBid stores a submitted bid (one per challenge and lead unit) with
// an audit entry and returns its id.
func (db *DB) CreateBid(ctx context.Context, b *project.Bid, by string) (id int64, err error) {
	defer errs.Wrap(&err, "store.CreateBid")
	err = db.transact(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bids WHERE challenge_id = $1 AND subject_id = $2`, b.Challenge, b.Lead).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "该单位已揭榜此榜单")
		}
		doc, err := json.Marshal(b)
		if err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO bids (challenge_id, subject_id, doc, submitted_by, submitted_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			b.Challenge, b.Lead, string(doc), by, db.stamp()).Scan(&id); err != nil {
			if isForeignKey(err) {
				return errs.E(errs.NotFound, "no challenge %d or subject %q", b.Challenge, b.Lead)
			}
			return err
		}
		return db.audit(ctx, tx, by, "bid.submit", fmt.Sprintf("challenge/%d/bid/%d", b.Challenge, id), "", string(doc))
	})
	return id, err
}

// Bids lists a challenge's bids in the order they came.
func (db *DB) Bids(ctx context.Context, challenge int64) (out []*project.Bid, err error) {
	defer errs.Wrap(&err, "store.Bids(%d)", challenge)
	rows, err := db.r.QueryContext(ctx, `SELECT id, doc FROM bids WHERE challenge_id = $1 ORDER BY id`, challenge)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, err
		}
		b := &project.Bid{}
		if err := json.Unmarshal([]byte(doc), b); err != nil {
			return nil, err
		}
		b.ID = fmt.Sprint(id)
		out = append(out, b)
	}
	return out, rows.Err()
}

// CaseChange is what a project act does to a fulfilment case: Do changes
// the case, told which installments the ledger already holds and which of
// them are paid, and returns the note for the case's history.
type CaseChange struct {
	Case   int64
	Action string // released, ended, topped
	Do     func(c *fulfil.Case, inLedger, paid func(i int) bool) (string, error)
}

// ExecuteChallenge saves an act on a granted project in one transaction:
// the changes to the fulfilment cases that pay it (an installment released,
// the unpaid rest cut, funds moved to a continued team), the facts version
// a 失信 record makes when a is not nil, and the challenge with its event.
func (db *DB) ExecuteChallenge(ctx context.Context, c *project.Challenge, prev int, e ChallengeEvent, changes []CaseChange, a *Admission) (err error) {
	defer errs.Wrap(&err, "store.ExecuteChallenge(%d)", c.ID)
	return db.transact(ctx, func(tx *sql.Tx) error {
		for _, ch := range changes {
			k, err := scanCase(tx.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE id = $1`, ch.Case))
			if errors.Is(err, sql.ErrNoRows) {
				return errs.E(errs.NotFound, "没有编号为 %d 的兑现事项", ch.Case)
			}
			if err != nil {
				return err
			}
			state := map[string]string{}
			rows, err := tx.QueryContext(ctx, `SELECT pay_key, state FROM payments WHERE case_id = $1 AND kind = 'payment'`, k.ID)
			if err != nil {
				return err
			}
			for rows.Next() {
				var key, st string
				if err := rows.Scan(&key, &st); err != nil {
					rows.Close()
					return err
				}
				state[key] = st
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			key := func(i int) string {
				return fulfil.PaymentKey(k.Clause, k.Subject, k.Event, k.Period, k.Schedule[i].Year)
			}
			inLedger := func(i int) bool { _, ok := state[key(i)]; return ok }
			paid := func(i int) bool { return state[key(i)] == "paid" }
			note, err := ch.Do(k, inLedger, paid)
			if err != nil {
				return err
			}
			old := k.Version
			k.Version++
			k.Updated = db.now().UTC().Format(time.RFC3339)
			if err := db.writeCase(ctx, tx, k, old); err != nil {
				return err
			}
			step := k.CurrentStep().Step
			if err := db.history(ctx, tx, k.ID, CaseEvent{Actor: e.Actor, Action: ch.Action, From: step, To: step, Status: k.Status, Note: note}); err != nil {
				return err
			}
			if err := db.notify(ctx, tx, k, fulfil.Message(k, fulfil.Transition{Action: fulfil.Action(ch.Action), Status: k.Status, Note: note})); err != nil {
				return err
			}
		}
		if a != nil {
			if err := db.admitFacts(ctx, tx, *a); err != nil {
				return err
			}
		}
		return db.updateChallenge(ctx, tx, c, prev, e)
	})
}

// admitFacts writes the facts version a carries, unless the subject's facts
// changed since the version it was made from.
func (db *DB) admitFacts(ctx context.Context, tx *sql.Tx, a Admission) error {
	f, err := facts.DecodeBytes(a.Doc, "facts")
	if err != nil {
		return err
	}
	var cur int
	if err := tx.QueryRowContext(ctx, `SELECT current_version FROM subjects WHERE id = $1`, f.Subject.ID).Scan(&cur); err != nil {
		return err
	}
	if cur != a.Version {
		return errs.E(errs.Conflict, "主体 %s 的事实在办理期间已更新（第 %d 版 → 第 %d 版）：请刷新后重新办理", f.Subject.ID, a.Version, cur)
	}
	_, err = db.putFacts(ctx, tx, [][]byte{a.Doc}, []facts.Subject{f.Subject}, a.Entry)
	return err
}

// CutBatch cuts review batch child of rolling call c (分批下达) in one
// transaction: the batch is stored as a closed challenge, the call's bids
// submitted up to its cutoff move to it, and the call, changed from version
// prev, names the batch with its count. It returns the bids moved.
func (db *DB) CutBatch(ctx context.Context, c *project.Challenge, prev int, child *project.Challenge, e ChallengeEvent) (moved int, err error) {
	defer errs.Wrap(&err, "store.CutBatch(%d)", c.ID)
	err = db.transact(ctx, func(tx *sql.Tx) error {
		moved = 0
		child.Version = 1
		doc, err := json.Marshal(child)
		if err != nil {
			return err
		}
		now := db.stamp()
		if err := tx.QueryRowContext(ctx, `INSERT INTO challenges (region, state, version, doc, created_by, created_at, updated_at)
			VALUES ($1, $2, 1, $3, $4, $5, $5) RETURNING id`, child.Region, string(child.State), string(doc), e.Actor, now).Scan(&child.ID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id, doc FROM bids WHERE challenge_id = $1 ORDER BY id`, c.ID)
		if err != nil {
			return err
		}
		type move struct {
			id  int64
			bid *project.Bid
		}
		var ms []move
		for rows.Next() {
			var id int64
			var d string
			if err := rows.Scan(&id, &d); err != nil {
				rows.Close()
				return err
			}
			b := &project.Bid{}
			if err := json.Unmarshal([]byte(d), b); err != nil {
				rows.Close()
				return err
			}
			if b.Submitted <= child.Deadline {
				ms = append(ms, move{id, b})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range ms {
			m.bid.Challenge = child.ID
			d, err := json.Marshal(m.bid)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE bids SET challenge_id = $1, doc = $2 WHERE id = $3`, child.ID, string(d), m.id); err != nil {
				return err
			}
		}
		moved = len(ms)
		if moved == 0 {
			return errs.E(errs.Conflict, "截至 %s 没有待评审的申报：不必分批", child.Deadline)
		}
		c.Batches = append(c.Batches, project.BatchRef{ID: child.ID, N: child.Batch, Cutoff: child.Deadline, Bids: moved})
		if err := db.challengeEvent(ctx, tx, child, ChallengeEvent{Actor: e.Actor, Act: "batch", Text: fmt.Sprintf("“%s”第%d批：截至 %s 的 %d 项申报", c.Title, child.Batch, child.Deadline, moved)}, ""); err != nil {
			return err
		}
		e.Text = fmt.Sprintf("第%d批截至 %s：%d 项申报转入评审（榜单 %d）", child.Batch, child.Deadline, moved, child.ID)
		return db.updateChallenge(ctx, tx, c, prev, e)
	})
	if err != nil && len(c.Batches) > 0 && c.Batches[len(c.Batches)-1].ID == child.ID {
		c.Batches = c.Batches[:len(c.Batches)-1]
	}
	return moved, err
}
