package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"kechuang/internal/errs"
	"kechuang/internal/fulfil"
	"kechuang/internal/money"
)

// Fulfilment (申报兑现): cases move through their workflow one act at a
// time, each act in one transaction that checks the version the actor saw
// (UPDATE … WHERE version = the one read: of two staff approving the same
// case at once, exactly one succeeds, the other is told it changed), and
// writes the case, its history, the enterprise's notification and the audit
// entry together. A disbursement batch is made in one transaction — the
// allocation under each budget envelope, every payment line with its
// idempotency key (UNIQUE), the cases cut from the budget — and confirmed in
// one: a server killed at any point leaves either the whole batch or none of
// it, and a retried batch finds the keys already paid.

// Setting is the route and workflow the bureau configured for a clause
// (scope clause:<id>) or a document (doc:<id>).
type Setting struct {
	Scope    string
	Route    fulfil.Route
	Workflow fulfil.Workflow
	By, At   string
}

// PutSetting stores a setting after checking it.
func (db *DB) PutSetting(ctx context.Context, s Setting) (err error) {
	defer errs.Wrap(&err, "store.PutSetting(%q)", s.Scope)
	if !strings.HasPrefix(s.Scope, "clause:") && !strings.HasPrefix(s.Scope, "doc:") {
		return errs.At(errs.Pos{Path: "scope"}, "a setting is for clause:<id> or doc:<id>, not %q", s.Scope)
	}
	if s.Route != fulfil.RouteAuto && s.Route != fulfil.RouteApply {
		return errs.At(errs.Pos{Path: "route"}, "route %q: auto (免申即享) or apply (申报)", s.Route)
	}
	if err := s.Workflow.Validate(); err != nil {
		return err
	}
	w, _ := json.Marshal(s.Workflow)
	return db.transact(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO fulfil_settings (scope, route, workflow, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (scope) DO UPDATE SET route = excluded.route, workflow = excluded.workflow,
				updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			s.Scope, string(s.Route), string(w), s.By, db.stamp()); err != nil {
			return err
		}
		return db.audit(ctx, tx, s.By, "fulfil.setting", s.Scope, "", string(s.Route)+" "+string(w))
	})
}

// Settings returns every stored setting by scope.
func (db *DB) Settings(ctx context.Context) (out map[string]Setting, err error) {
	defer errs.Wrap(&err, "store.Settings")
	rows, err := db.r.QueryContext(ctx, `SELECT scope, route, workflow, updated_by, updated_at FROM fulfil_settings`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out = map[string]Setting{}
	for rows.Next() {
		var s Setting
		var w string
		if err := rows.Scan(&s.Scope, &s.Route, &w, &s.By, &s.At); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(w), &s.Workflow); err != nil {
			return nil, err
		}
		out[s.Scope] = s
	}
	return out, rows.Err()
}

// CaseEvent is one line of a case's history.
type CaseEvent struct {
	At, Actor    string
	Action       string // an fulfil.Action, or created, batched, paid, cut, reversed
	From, To     fulfil.Step
	Status       fulfil.Status
	Reason, Note string
}

// Notification is a message to an enterprise about one of its cases.
type Notification struct {
	ID      int64
	Subject string
	Case    int64
	At      string
	Text    string
	Seen    bool
}

const caseCols = `id, version, doc`

func scanCase(sc interface{ Scan(...any) error }) (*fulfil.Case, error) {
	var id int64
	var v int
	var doc string
	if err := sc.Scan(&id, &v, &doc); err != nil {
		return nil, err
	}
	c := &fulfil.Case{}
	if err := json.Unmarshal([]byte(doc), c); err != nil {
		return nil, fmt.Errorf("case %d: %w", id, err)
	}
	c.ID, c.Version = id, v
	return c, nil
}

// queryCases runs a query of caseCols and returns the cases, in its order.
func queryCases(ctx context.Context, q querier, query string, args ...any) ([]*fulfil.Case, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*fulfil.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func stage(c *fulfil.Case) int {
	if c.Status == fulfil.Paid {
		return len(fulfil.Canonical)
	}
	return slices.Index(fulfil.Canonical, c.CurrentStep().Step)
}

// CreateCases stores new cases (started: see fulfil.Start), skipping any
// whose (clause, subject, event, period) already has one — a proposal run
// twice makes no second case — and returns the ids of those it made.
func (db *DB) CreateCases(ctx context.Context, by string, cs []*fulfil.Case) (ids []int64, err error) {
	defer errs.Wrap(&err, "store.CreateCases")
	err = db.transact(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = db.createCases(ctx, tx, by, cs)
		return err
	})
	return ids, err
}

// createCases inserts cs in tx, skipping events already cased, and returns
// the new ids.
func (db *DB) createCases(ctx context.Context, tx *sql.Tx, by string, cs []*fulfil.Case) ([]int64, error) {
	var ids []int64
	for _, c := range cs {
		doc, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		var id int64
		err = tx.QueryRowContext(ctx, `
			INSERT INTO cases (clause_id, subject_id, event, period, fy, stack_key, route, step, stage, status, region, payer, due, version, doc, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
			ON CONFLICT (clause_id, subject_id, event, period) DO NOTHING RETURNING id`,
			c.Clause, c.Subject, c.Event, c.Period, c.FY, c.StackKey, string(c.Route), string(c.CurrentStep().Step), stage(c),
			string(c.Status), c.Region, c.Payer, c.Due, c.Version, string(doc), db.stamp()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		c.ID = id
		ids = append(ids, id)
		note := "免申即享：根据权威数据生成兑现建议，待工作人员确认"
		if c.Route == fulfil.RouteApply {
			note = "可申报：表单已按主体库预填，补充所缺信息后提交"
		}
		if err := db.history(ctx, tx, id, CaseEvent{Actor: by, Action: "created", To: c.CurrentStep().Step, Status: c.Status, Note: note}); err != nil {
			return nil, err
		}
		if err := db.notify(ctx, tx, c, fulfil.Message(c, fulfil.Transition{Action: "created"})); err != nil {
			return nil, err
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return ids, db.audit(ctx, tx, by, "fulfil.create", "cases", "", fmt.Sprintf("%d cases, %d–%d", len(ids), ids[0], ids[len(ids)-1]))
}

func (db *DB) history(ctx context.Context, tx *sql.Tx, id int64, e CaseEvent) error {
	if e.At == "" {
		e.At = db.stamp()
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO case_history (case_id, at, actor, action, from_step, to_step, status, reason, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		id, e.At, e.Actor, e.Action, string(e.From), string(e.To), string(e.Status), e.Reason, e.Note)
	return err
}

func (db *DB) notify(ctx context.Context, tx *sql.Tx, c *fulfil.Case, text string) error {
	if text == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO notifications (subject_id, case_id, at, text) VALUES ($1, $2, $3, $4)`,
		c.Subject, c.ID, db.stamp(), text)
	return err
}

// Case returns a case with its history, oldest first.
func (db *DB) Case(ctx context.Context, id int64) (c *fulfil.Case, hist []CaseEvent, err error) {
	defer errs.Wrap(&err, "store.Case(%d)", id)
	c, err = scanCase(db.r.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errs.E(errs.NotFound, "没有编号为 %d 的兑现事项", id)
	}
	if err != nil {
		return nil, nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT at, actor, action, from_step, to_step, status, reason, note FROM case_history WHERE case_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e CaseEvent
		if err := rows.Scan(&e.At, &e.Actor, &e.Action, &e.From, &e.To, &e.Status, &e.Reason, &e.Note); err != nil {
			return nil, nil, err
		}
		hist = append(hist, e)
	}
	return c, hist, rows.Err()
}

// CaseFilter selects cases. Region is a GB/T 2260 prefix.
type CaseFilter struct {
	Subject, Clause, Region, Payer string
	Step                           fulfil.Step
	Status                         fulfil.Status
	Open                           bool  // only cases not final
	Limit                          int   // default 500; All: every one (for totals and counts)
	After                          int64 // ids above this (the last id of the previous page)
}

// All as a CaseFilter.Limit lists every case that matches.
const All = -1

// Cases lists cases by id.
func (db *DB) Cases(ctx context.Context, f CaseFilter) (out []*fulfil.Case, err error) {
	defer errs.Wrap(&err, "store.Cases")
	limit := int64(f.Limit)
	switch {
	case f.Limit == All:
		limit = math.MaxInt64
	case f.Limit <= 0:
		limit = 500
	}
	open := 0
	if f.Open {
		open = 1
	}
	return queryCases(ctx, db.r, `SELECT `+caseCols+` FROM cases
		WHERE ($1 = '' OR subject_id = $1) AND ($2 = '' OR clause_id = $2) AND region LIKE $3 ESCAPE '\'
		AND ($4 = '' OR payer = $4) AND ($5 = '' OR step = $5) AND ($6 = '' OR status = $6)
		AND ($7 = 0 OR status IN ('open', 'returned', 'objected')) AND id > $9
		ORDER BY id LIMIT $8`,
		f.Subject, f.Clause, esc.Replace(f.Region)+"%", f.Payer, string(f.Step), string(f.Status), open, limit, f.After)
}

// writeCase stores c's new state if its version is still the one read
// (old): otherwise someone acted first, and the caller is told so.
func (db *DB) writeCase(ctx context.Context, tx *sql.Tx, c *fulfil.Case, old int) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `
		UPDATE cases SET route = $1, step = $2, stage = $3, status = $4, due = $5, version = $6, doc = $7, updated_at = $8
		WHERE id = $9 AND version = $10`,
		string(c.Route), string(c.CurrentStep().Step), stage(c), string(c.Status), c.Due, c.Version, string(doc), db.stamp(), c.ID, old)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errs.E(errs.Conflict, "事项 %d 刚刚已被他人处理（您看到的是第 %d 版）：请刷新后查看最新状态再操作", c.ID, old)
	}
	return nil
}

// ActOnCase performs act on case id, given what the transition needs of its
// clause, and returns the case as it now is. The quota of a clause counts
// the cases of the same clause and fiscal year past its decisive step (复核
// by default); on PostgreSQL
// those rows are locked first, so two approvals cannot both take the last
// place.
func (db *DB) ActOnCase(ctx context.Context, id int64, act fulfil.Act, cl fulfil.Clause) (c *fulfil.Case, err error) {
	defer errs.Wrap(&err, "store.ActOnCase(%d)", id)
	err = db.transact(ctx, func(tx *sql.Tx) error {
		c, err = scanCase(tx.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "没有编号为 %d 的兑现事项", id)
		}
		if err != nil {
			return err
		}
		used := 0
		if cl.Quota != nil && cl.Quota.Max > 0 && c.CurrentStep().Step == c.Workflow.Decisive() && act.Action == fulfil.Approve {
			lock := ""
			if db.Engine == Postgres {
				lock = " FOR UPDATE"
			}
			rows, err := tx.QueryContext(ctx, `SELECT stage, status FROM cases WHERE clause_id = $1 AND fy = $2`+lock, c.Clause, c.FY)
			if err != nil {
				return err
			}
			past := slices.Index(fulfil.Canonical, c.Workflow.Decisive())
			for rows.Next() {
				var st int
				var status string
				if err := rows.Scan(&st, &status); err != nil {
					rows.Close()
					return err
				}
				if st > past && status != string(fulfil.Rejected) && status != string(fulfil.Unfunded) {
					used++
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		old := c.Version
		tr, err := fulfil.Apply(c, cl, act, db.now(), used)
		if err != nil {
			return err
		}
		if err := db.writeCase(ctx, tx, c, old); err != nil {
			return err
		}
		if err := db.history(ctx, tx, c.ID, CaseEvent{Actor: tr.By, Action: string(tr.Action), From: tr.FromStep, To: tr.ToStep, Status: tr.Status, Reason: tr.Reason, Note: tr.Note}); err != nil {
			return err
		}
		if err := db.notify(ctx, tx, c, fulfil.Message(c, tr)); err != nil {
			return err
		}
		return db.audit(ctx, tx, tr.By, "fulfil."+string(tr.Action), "case/"+strconv.FormatInt(c.ID, 10),
			fmt.Sprintf("v%d %s", old, tr.FromStep), fmt.Sprintf("v%d %s %s %s", c.Version, tr.ToStep, tr.Status, tr.Reason))
	})
	return c, err
}

// Notifications lists a subject's notifications, newest first.
func (db *DB) Notifications(ctx context.Context, subject string, limit int) (out []Notification, err error) {
	defer errs.Wrap(&err, "store.Notifications")
	rows, err := db.r.QueryContext(ctx, `SELECT id, subject_id, case_id, at, text, seen FROM notifications WHERE subject_id = $1 ORDER BY id DESC LIMIT $2`,
		subject, cmp.Or(limit, 50))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n Notification
		var seen int
		if err := rows.Scan(&n.ID, &n.Subject, &n.Case, &n.At, &n.Text, &seen); err != nil {
			return nil, err
		}
		n.Seen = seen != 0
		out = append(out, n)
	}
	return out, rows.Err()
}

// MarkSeen marks a subject's notifications read.
func (db *DB) MarkSeen(ctx context.Context, subject string) (err error) {
	defer errs.Wrap(&err, "store.MarkSeen")
	_, err = db.w.ExecContext(ctx, `UPDATE notifications SET seen = 1 WHERE subject_id = $1 AND seen = 0`, subject)
	return err
}

// PutEnvelope stores a budget envelope, or changes the amount and rule of
// the one for the same payer, year and clause or tag.
func (db *DB) PutEnvelope(ctx context.Context, e fulfil.Envelope, by string) (id int64, err error) {
	defer errs.Wrap(&err, "store.PutEnvelope")
	if err := e.Validate(); err != nil {
		return 0, err
	}
	if e.Name == "" {
		e.Name = fmt.Sprintf("%s %d年度", e.Payer, e.Year)
	}
	err = db.transact(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `
			INSERT INTO envelopes (name, payer, year, clause_id, tag, fen, rule, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (payer, year, clause_id, tag) DO UPDATE SET name = excluded.name, fen = excluded.fen, rule = excluded.rule
			RETURNING id`,
			e.Name, e.Payer, e.Year, e.Clause, e.Tag, int64(e.Fen), string(e.Rule), by, db.stamp()).Scan(&id); err != nil {
			return err
		}
		return db.audit(ctx, tx, by, "fulfil.envelope", "envelope/"+strconv.FormatInt(id, 10), "", fmt.Sprintf("%s %d %s %s %s", e.Payer, e.Year, e.Clause+e.Tag, e.Fen, e.Rule))
	})
	return id, err
}

// EnvelopeUse is an envelope with what has been paid from it (net of reversals).
type EnvelopeUse struct {
	fulfil.Envelope
	Used money.Fen
}

// Envelopes lists the envelopes with their use.
func (db *DB) Envelopes(ctx context.Context) (out []EnvelopeUse, err error) {
	defer errs.Wrap(&err, "store.Envelopes")
	return db.envelopes(ctx, db.r)
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (db *DB) envelopes(ctx context.Context, q querier) (out []EnvelopeUse, err error) {
	rows, err := q.QueryContext(ctx, `
		SELECT e.id, e.name, e.payer, e.year, e.clause_id, e.tag, e.fen, e.rule,
			COALESCE((SELECT SUM(p.fen) FROM payments p WHERE p.envelope_id = e.id), 0)
		FROM envelopes e ORDER BY e.year, e.payer, e.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e EnvelopeUse
		if err := rows.Scan(&e.ID, &e.Name, &e.Payer, &e.Year, &e.Clause, &e.Tag, &e.Fen, &e.Rule, &e.Used); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AllotmentRow is what a batch's allocation did to one case's installment.
type AllotmentRow struct {
	Batch       int64  `json:"batch"`
	Envelope    int64  `json:"envelope"`
	Year        int64  `json:"year"` // the installment's year
	SubjectName string `json:"subject_name"`
	fulfil.Allotment
}

// BatchPlan is what a batch creation did.
type BatchPlan struct {
	Batch      fulfil.Batch
	Allotments []AllotmentRow
	NoBudget   []int64 // cases left out: no envelope covers them
}

// ClauseTags gives a clause's tags (for tag envelopes).
type ClauseTags func(clause string) []string

// CreateBatch makes a disbursement batch (拨付批次) of payer for budget year:
// every case waiting at 拨付 whose installments up to that year are unpaid,
// under the envelope that covers it (a clause's own, else its tag's, else
// the payer's for the year), each envelope allocated by its rule. Stacking
// applies first: a case pays what its stack key has not already paid (补差,
// 就高不重复, a staged chain's 累计 cap). All in one transaction.
func (db *DB) CreateBatch(ctx context.Context, by, payer string, year int64, tags ClauseTags) (plan BatchPlan, err error) {
	defer errs.Wrap(&err, "store.CreateBatch(%s, %d)", payer, year)
	if payer == "" {
		return plan, errs.At(errs.Pos{Path: "payer"}, "批次需要出资方")
	}
	now := db.stamp()
	err = db.transact(ctx, func(tx *sql.Tx) error {
		plan = BatchPlan{}
		if db.Engine == Postgres {
			// One batch at a time: two could otherwise both read an
			// envelope's balance before either spends it.
			if _, err := tx.ExecContext(ctx, `LOCK TABLE payments IN EXCLUSIVE MODE`); err != nil {
				return err
			}
		}
		cs, err := queryCases(ctx, tx, `SELECT `+caseCols+` FROM cases WHERE payer = $1 AND step = $2 AND status = 'open' ORDER BY id`, payer, string(fulfil.Pay))
		if err != nil {
			return err
		}
		envs, err := db.envelopes(ctx, tx)
		if err != nil {
			return err
		}
		type want struct {
			c   *fulfil.Case
			ins fulfil.Installment
			key string
			due money.Fen
			why string
		}
		// What the ledger already holds for these cases and their stack
		// keys, read once: the keys already paid, and per stack key what
		// each case has been paid (so a case sees what the others were).
		paidKeys := map[string]bool{}
		stackPaid := map[string]map[int64]money.Fen{}
		waiting := `SELECT id FROM cases WHERE payer = $1 AND step = $2 AND status = 'open'`
		rows, err := tx.QueryContext(ctx, `SELECT pay_key, stack_key, case_id, fen FROM payments
			WHERE case_id IN (`+waiting+`) OR stack_key IN (SELECT stack_key FROM cases WHERE id IN (`+waiting+`))`, payer, string(fulfil.Pay))
		if err != nil {
			return err
		}
		for rows.Next() {
			var key, stack string
			var cid int64
			var fen money.Fen
			if err := rows.Scan(&key, &stack, &cid, &fen); err != nil {
				rows.Close()
				return err
			}
			paidKeys[key] = true
			if stackPaid[stack] == nil {
				stackPaid[stack] = map[int64]money.Fen{}
			}
			stackPaid[stack][cid] += fen
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		names := map[string][2]string{}
		rows, err = tx.QueryContext(ctx, `SELECT id, name, uscc FROM subjects WHERE id IN (SELECT subject_id FROM cases WHERE id IN (`+waiting+`))`, payer, string(fulfil.Pay))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, name, uscc string
			if err := rows.Scan(&id, &name, &uscc); err != nil {
				rows.Close()
				return err
			}
			names[id] = [2]string{name, uscc}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		byEnv := map[int64][]want{}
		held := 0 // installments due by year but held by a project's milestones
		for _, c := range cs {
			env := coveringEnvelope(envs, c.Clause, tags(c.Clause), payer, year)
			for _, ins := range c.Schedule {
				if ins.Year > year {
					continue
				}
				if ins.Held {
					held++
					continue
				}
				key := fulfil.PaymentKey(c.Clause, c.Subject, c.Event, c.Period, ins.Year)
				if paidKeys[key] {
					continue
				}
				if env == nil {
					plan.NoBudget = append(plan.NoBudget, c.ID)
					break
				}
				// Paid before under the same stack key by other cases,
				// including what this batch is about to pay them.
				var before money.Fen
				for cid, f := range stackPaid[c.StackKey] {
					if cid != c.ID {
						before += f
					}
				}
				due, why := fulfil.Payable(ins.Fen, before, c.Cumulative)
				if stackPaid[c.StackKey] == nil {
					stackPaid[c.StackKey] = map[int64]money.Fen{}
				}
				stackPaid[c.StackKey][c.ID] += due
				byEnv[env.ID] = append(byEnv[env.ID], want{c, ins, key, due, why})
			}
		}
		if len(byEnv) == 0 && len(plan.NoBudget) == 0 && held > 0 {
			return errs.E(errs.Invalid, "%s %d年度没有可拨付的款项：%d 笔项目款项待任务书节点通过后拨付", payer, year, held)
		}
		if len(byEnv) == 0 && len(plan.NoBudget) == 0 {
			return errs.E(errs.Invalid, "%s %d年度没有待拨付的事项：事项须先通过公示进入拨付环节", payer, year)
		}
		if len(byEnv) == 0 {
			return errs.E(errs.Invalid, "%d 个待拨付事项没有覆盖它们的资金盘子：先为 %s %d年度设置预算", len(plan.NoBudget), payer, year)
		}
		b := &plan.Batch
		*b = fulfil.Batch{Payer: payer, Year: year, State: "open", CreatedBy: by, Created: now}
		if err := tx.QueryRowContext(ctx, `INSERT INTO batches (payer, year, state, count, fen, created_by, created_at) VALUES ($1, $2, 'open', 0, 0, $3, $4) RETURNING id`,
			payer, year, by, now).Scan(&b.ID); err != nil {
			return err
		}
		eids := make([]int64, 0, len(byEnv))
		for id := range byEnv {
			eids = append(eids, id)
		}
		slices.Sort(eids)
		touched := map[int64]bool{}
		for _, eid := range eids {
			env := envByID(envs, eid)
			ws := byEnv[eid]
			var claim []fulfil.Claimant
			idx := map[int64]want{}
			var zero []want
			for _, w := range ws {
				if w.due == 0 {
					zero = append(zero, w)
					continue
				}
				claim = append(claim, fulfil.Claimant{Case: w.c.ID, Fen: w.due, Score: w.c.Score, Order: w.c.PayReady()})
				idx[w.c.ID] = w
			}
			for _, w := range zero {
				w.c.Status = fulfil.Paid
				if err := db.settle(ctx, tx, w.c, by, "paid", "同一事件此前已兑现，本次应补差额为零："+w.why); err != nil {
					return err
				}
			}
			for _, a := range fulfil.Allocate(env.Fen-env.Used, env.Rule, claim) {
				w := idx[a.Case]
				if _, err := tx.ExecContext(ctx, `INSERT INTO allotments (batch_id, case_id, envelope_id, year, asked, granted, outcome, why) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
					b.ID, a.Case, eid, w.ins.Year, int64(a.Asked), int64(a.Granted), string(a.Outcome), env.Name+"（"+fulfil.RuleZh(env.Rule)+"）："+a.Why); err != nil {
					return err
				}
				plan.Allotments = append(plan.Allotments, AllotmentRow{Batch: b.ID, Envelope: eid, Year: w.ins.Year, SubjectName: names[w.c.Subject][0], Allotment: a})
				switch a.Outcome {
				case fulfil.Cut:
					w.c.Status = fulfil.Unfunded
					w.c.Reason = a.Why
					if err := db.settle(ctx, tx, w.c, by, "cut", a.Why); err != nil {
						return err
					}
					continue
				case fulfil.Queued:
					if err := db.history(ctx, tx, w.c.ID, CaseEvent{Actor: by, Action: "queued", From: fulfil.Pay, To: fulfil.Pay, Status: w.c.Status, Note: a.Why}); err != nil {
						return err
					}
					continue
				}
				note := w.why
				if a.Outcome == fulfil.Reduced {
					note = strings.TrimPrefix(note+"；"+a.Why, "；")
				}
				subjName, uscc := names[w.c.Subject][0], names[w.c.Subject][1]
				res, err := tx.ExecContext(ctx, `
					INSERT INTO payments (pay_key, case_id, batch_id, envelope_id, subject_id, subject_name, uscc, clause_id, payer, year, fen, kind, reverses, state, stack_key, note, created_by, created_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'payment', 0, 'batched', $12, $13, $14, $15)
					ON CONFLICT (pay_key) DO NOTHING`,
					w.key, w.c.ID, b.ID, eid, w.c.Subject, subjName, uscc, w.c.Clause, payer, year, int64(a.Granted), w.c.StackKey, note, by, now)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 1 {
					b.Count++
					b.Fen += a.Granted
					if !touched[w.c.ID] {
						touched[w.c.ID] = true
						if err := db.history(ctx, tx, w.c.ID, CaseEvent{Actor: by, Action: "batched", From: fulfil.Pay, To: fulfil.Pay, Status: w.c.Status,
							Note: fmt.Sprintf("列入拨付批次 %d（%s），%d年度 %s", b.ID, payer, year, a.Granted)}); err != nil {
							return err
						}
					}
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE batches SET count = $1, fen = $2 WHERE id = $3`, b.Count, int64(b.Fen), b.ID); err != nil {
			return err
		}
		return db.audit(ctx, tx, by, "fulfil.batch", "batch/"+strconv.FormatInt(b.ID, 10), "", fmt.Sprintf("%s %d: %d payments, %s", payer, year, b.Count, b.Fen))
	})
	return plan, err
}

// settle writes a case changed by a batch or a confirmation (no version
// check: the batch holds the ledger lock, and the case is at 拨付, where no
// one else acts), with its history and notification.
func (db *DB) settle(ctx context.Context, tx *sql.Tx, c *fulfil.Case, by, action, note string) error {
	old := c.Version
	c.Version++
	c.Updated = db.now().UTC().Format(time.RFC3339)
	if err := db.writeCase(ctx, tx, c, old); err != nil {
		return err
	}
	if err := db.history(ctx, tx, c.ID, CaseEvent{Actor: by, Action: action, From: fulfil.Pay, To: fulfil.Pay, Status: c.Status, Note: note}); err != nil {
		return err
	}
	return db.notify(ctx, tx, c, fulfil.Message(c, fulfil.Transition{Action: fulfil.Action(action), Status: c.Status, Note: note}))
}

func coveringEnvelope(envs []EnvelopeUse, clause string, tags []string, payer string, year int64) *EnvelopeUse {
	var best *EnvelopeUse
	rank := func(e *EnvelopeUse) int {
		switch {
		case e.Clause != "":
			return 2
		case e.Tag != "":
			return 1
		}
		return 0
	}
	for i := range envs {
		e := &envs[i]
		if e.Covers(clause, tags, payer, year) && (best == nil || rank(e) > rank(best)) {
			best = e
		}
	}
	return best
}

func envByID(envs []EnvelopeUse, id int64) *EnvelopeUse {
	for i := range envs {
		if envs[i].ID == id {
			return &envs[i]
		}
	}
	return nil
}

// ConfirmBatch records that finance paid a batch (确认到账): its payments
// become paid and each case whose every installment is paid becomes 已拨付.
// Confirming a confirmed batch again changes nothing (a retried request).
func (db *DB) ConfirmBatch(ctx context.Context, id int64, by string) (b fulfil.Batch, err error) {
	defer errs.Wrap(&err, "store.ConfirmBatch(%d)", id)
	err = db.transact(ctx, func(tx *sql.Tx) error {
		b, err = batchRow(ctx, tx, id)
		if err != nil || b.State == "confirmed" {
			return err
		}
		now := db.stamp()
		if _, err := tx.ExecContext(ctx, `UPDATE payments SET state = 'paid', paid_at = $1 WHERE batch_id = $2 AND state = 'batched'`, now, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE batches SET state = 'confirmed', confirmed_by = $1, confirmed_at = $2 WHERE id = $3`, by, now, id); err != nil {
			return err
		}
		b.State, b.ConfirmedBy, b.Confirmed = "confirmed", by, now
		cs, err := queryCases(ctx, tx, `SELECT `+caseCols+` FROM cases WHERE id IN (SELECT case_id FROM payments WHERE batch_id = $1) ORDER BY id`, id)
		if err != nil {
			return err
		}
		type sums struct {
			paid      int
			fen, here money.Fen
		}
		per := map[int64]sums{}
		rows, err := tx.QueryContext(ctx, `SELECT case_id,
				SUM(CASE WHEN kind = 'payment' THEN 1 ELSE 0 END), SUM(fen), SUM(CASE WHEN batch_id = $1 THEN fen ELSE 0 END)
			FROM payments WHERE state = 'paid' AND case_id IN (SELECT case_id FROM payments WHERE batch_id = $1) GROUP BY case_id`, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var cid int64
			var x sums
			if err := rows.Scan(&cid, &x.paid, &x.fen, &x.here); err != nil {
				rows.Close()
				return err
			}
			per[cid] = x
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range cs {
			paid, fen, here := per[c.ID].paid, per[c.ID].fen, per[c.ID].here
			note := fmt.Sprintf("批次 %d 已确认到账 %s", id, here)
			if paid >= len(c.Schedule) {
				c.Status = fulfil.Paid
				if c.Ended != "" {
					c.Status = fulfil.Ended
				}
				note += fmt.Sprintf("，累计已拨付 %s", fen)
			} else {
				note += fmt.Sprintf("（分 %d 年拨付，已付 %d 年，累计 %s）", len(c.Schedule), paid, fen)
			}
			if err := db.settle(ctx, tx, c, by, "paid", note); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, by, "fulfil.confirm", "batch/"+strconv.FormatInt(id, 10), "open", fmt.Sprintf("confirmed %d payments %s", b.Count, b.Fen))
	})
	return b, err
}

func batchRow(ctx context.Context, q querier, id int64) (b fulfil.Batch, err error) {
	err = q.QueryRowContext(ctx, `SELECT id, payer, year, state, count, fen, created_by, created_at, confirmed_by, confirmed_at FROM batches WHERE id = $1`, id).
		Scan(&b.ID, &b.Payer, &b.Year, &b.State, &b.Count, &b.Fen, &b.CreatedBy, &b.Created, &b.ConfirmedBy, &b.Confirmed)
	if errors.Is(err, sql.ErrNoRows) {
		return b, errs.E(errs.NotFound, "没有编号为 %d 的拨付批次", id)
	}
	return b, err
}

// Batches lists the batches, newest first.
func (db *DB) Batches(ctx context.Context) (out []fulfil.Batch, err error) {
	defer errs.Wrap(&err, "store.Batches")
	rows, err := db.r.QueryContext(ctx, `SELECT id, payer, year, state, count, fen, created_by, created_at, confirmed_by, confirmed_at FROM batches ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var b fulfil.Batch
		if err := rows.Scan(&b.ID, &b.Payer, &b.Year, &b.State, &b.Count, &b.Fen, &b.CreatedBy, &b.Created, &b.ConfirmedBy, &b.Confirmed); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Batch returns a batch with its payments and the allocation it made.
func (db *DB) Batch(ctx context.Context, id int64) (b fulfil.Batch, ps []fulfil.Payment, as []AllotmentRow, err error) {
	defer errs.Wrap(&err, "store.Batch(%d)", id)
	if b, err = batchRow(ctx, db.r, id); err != nil {
		return b, nil, nil, err
	}
	if ps, err = db.payments(ctx, `WHERE batch_id = $1`, id); err != nil {
		return b, nil, nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT a.batch_id, a.case_id, a.envelope_id, a.year, COALESCE(s.name, ''), a.asked, a.granted, a.outcome, a.why
		FROM allotments a JOIN cases c ON c.id = a.case_id LEFT JOIN subjects s ON s.id = c.subject_id
		WHERE a.batch_id = $1 ORDER BY a.case_id, a.year`, id)
	if err != nil {
		return b, nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a AllotmentRow
		if err := rows.Scan(&a.Batch, &a.Case, &a.Envelope, &a.Year, &a.SubjectName, &a.Asked, &a.Granted, &a.Outcome, &a.Why); err != nil {
			return b, nil, nil, err
		}
		as = append(as, a)
	}
	return b, ps, as, rows.Err()
}

const paymentCols = `id, pay_key, case_id, batch_id, subject_id, subject_name, uscc, clause_id, payer, year, fen, kind, reverses, state, stack_key, note, created_by, created_at, paid_at`

func (db *DB) payments(ctx context.Context, where string, args ...any) (out []fulfil.Payment, err error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+paymentCols+` FROM payments `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p fulfil.Payment
		if err := rows.Scan(&p.ID, &p.Key, &p.Case, &p.Batch, &p.Subject, &p.SubjectName, &p.USCC, &p.Clause, &p.Payer, &p.Year, &p.Fen,
			&p.Kind, &p.Reverses, &p.State, &p.StackKey, &p.Note, &p.By, &p.Created, &p.PaidAt); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Payment returns one ledger line.
func (db *DB) Payment(ctx context.Context, id int64) (p fulfil.Payment, err error) {
	defer errs.Wrap(&err, "store.Payment(%d)", id)
	ps, err := db.payments(ctx, `WHERE id = $1`, id)
	if err != nil {
		return p, err
	}
	if len(ps) == 0 {
		return p, errs.E(errs.NotFound, "没有编号为 %d 的支付", id)
	}
	return ps[0], nil
}

// Reversed is the set of a batch's payments that have been reversed.
func (db *DB) Reversed(ctx context.Context, batch int64) (out map[int64]bool, err error) {
	defer errs.Wrap(&err, "store.Reversed(%d)", batch)
	rows, err := db.r.QueryContext(ctx, `SELECT reverses FROM payments WHERE kind = 'reversal' AND reverses IN (SELECT id FROM payments WHERE batch_id = $1)`, batch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out = map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// Ledger lists every payment and reversal, oldest first, of subject ("" for
// all) within region (a GB/T 2260 prefix of the cases' regions, "" for all).
func (db *DB) Ledger(ctx context.Context, subject, region string) (out []fulfil.Payment, err error) {
	defer errs.Wrap(&err, "store.Ledger")
	return db.payments(ctx, `WHERE ($1 = '' OR subject_id = $1) AND ($2 = '' OR case_id IN (SELECT id FROM cases WHERE region LIKE $3 ESCAPE '\'))`,
		subject, region, esc.Replace(region)+"%")
}

// Reverse undoes a paid payment with a compensating entry (冲正): a new line
// of the opposite amount, which returns the money to its envelope. A payment
// is reversed at most once (the reversal's key is unique); the case keeps
// its history and is marked with the reason.
func (db *DB) Reverse(ctx context.Context, paymentID int64, by, reason string) (p fulfil.Payment, err error) {
	defer errs.Wrap(&err, "store.Reverse(%d)", paymentID)
	if strings.TrimSpace(reason) == "" {
		return p, errs.At(errs.Pos{Path: "reason"}, "冲正需要写明理由（如 退汇、追回）")
	}
	err = db.transact(ctx, func(tx *sql.Tx) error {
		var o fulfil.Payment
		var env int64
		err := tx.QueryRowContext(ctx, `SELECT id, pay_key, case_id, envelope_id, subject_id, subject_name, uscc, clause_id, payer, year, fen, kind, state, stack_key FROM payments WHERE id = $1`, paymentID).
			Scan(&o.ID, &o.Key, &o.Case, &env, &o.Subject, &o.SubjectName, &o.USCC, &o.Clause, &o.Payer, &o.Year, &o.Fen, &o.Kind, &o.State, &o.StackKey)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "没有编号为 %d 的支付", paymentID)
		}
		if err != nil {
			return err
		}
		if o.Kind != "payment" || o.State != "paid" {
			return errs.E(errs.Conflict, "只能冲正已确认到账的支付（支付 %d 为%s，%s）", o.ID, o.Kind, o.State)
		}
		now := db.stamp()
		p = fulfil.Payment{Key: fulfil.ReversalKey(o.Key), Case: o.Case, Subject: o.Subject, SubjectName: o.SubjectName, USCC: o.USCC, Clause: o.Clause,
			Payer: o.Payer, Year: o.Year, Fen: -o.Fen, Kind: "reversal", Reverses: o.ID, State: "paid", StackKey: o.StackKey, Note: reason, By: by, Created: now, PaidAt: now}
		err = tx.QueryRowContext(ctx, `
			INSERT INTO payments (pay_key, case_id, batch_id, envelope_id, subject_id, subject_name, uscc, clause_id, payer, year, fen, kind, reverses, state, stack_key, note, created_by, created_at, paid_at)
			VALUES ($1, $2, 0, $3, $4, $5, $6, $7, $8, $9, $10, 'reversal', $11, 'paid', $12, $13, $14, $15, $15)
			ON CONFLICT (pay_key) DO NOTHING RETURNING id`,
			p.Key, p.Case, env, p.Subject, p.SubjectName, p.USCC, p.Clause, p.Payer, p.Year, int64(p.Fen), o.ID, p.StackKey, reason, by, now).Scan(&p.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.Conflict, "支付 %d 已经冲正过，不能再次冲正", o.ID)
		}
		if err != nil {
			return err
		}
		if err := db.history(ctx, tx, o.Case, CaseEvent{Actor: by, Action: "reversed", From: fulfil.Pay, To: fulfil.Pay, Reason: reason,
			Note: fmt.Sprintf("支付 %d（%s）冲正 %s", o.ID, o.Key, p.Fen)}); err != nil {
			return err
		}
		c, err := scanCase(tx.QueryRowContext(ctx, `SELECT `+caseCols+` FROM cases WHERE id = $1`, o.Case))
		if err != nil {
			return err
		}
		c.Reason = "冲正：" + reason
		if err := db.notify(ctx, tx, c, fmt.Sprintf("事项 %d 的拨付 %s 已冲正：%s", c.ID, o.Fen, reason)); err != nil {
			return err
		}
		return db.audit(ctx, tx, by, "fulfil.reverse", "payment/"+strconv.FormatInt(o.ID, 10), o.Fen.String(), p.Fen.String()+" "+reason)
	})
	return p, err
}

// Reconcile checks the ledger against itself, the cases and the batches.
func (db *DB) Reconcile(ctx context.Context) (r fulfil.Reconciliation, err error) {
	defer errs.Wrap(&err, "store.Reconcile")
	ps, err := db.Ledger(ctx, "", "")
	if err != nil {
		return r, err
	}
	bs, err := db.Batches(ctx)
	if err != nil {
		return r, err
	}
	cs, err := queryCases(ctx, db.r, `SELECT `+caseCols+` FROM cases`)
	if err != nil {
		return r, err
	}
	due := map[int64]money.Fen{}
	for _, c := range cs {
		if a, ok := c.Amount(); ok {
			due[c.ID] = a
		}
	}
	return fulfil.Reconcile(ps, due, bs), nil
}
