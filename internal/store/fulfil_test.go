package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/fulfil"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

var (
	staffA  = auth.User{ID: "staff-a", Role: auth.Staff, Jurisdiction: "620600"}
	staffB  = auth.User{ID: "staff-b", Role: auth.Staff, Jurisdiction: "620600"}
	finance = auth.User{ID: "fin", Role: auth.Finance, Jurisdiction: "620600"}
	clauseX = fulfil.Clause{Auth: auth.Clause{ID: "x", Jurisdiction: "620600"}}
)

// newCase is a started case of clause for subject, for amount (exact).
func newCase(clause, subject, event string, amount money.Fen, route fulfil.Route, now time.Time) *fulfil.Case {
	c := &fulfil.Case{Clause: clause, Subject: subject, SubjectName: subject, Region: "620602", Event: event, FY: 2024,
		Route: route, Workflow: fulfil.DefaultWorkflow(), Computed: money.Exact(amount), Payer: "武威市级财政", BudgetYear: 2024,
		StackKey: "clause:" + clause + "|" + subject + "|" + event + "|0"}
	fulfil.Start(c, now)
	return c
}

// atPay puts a new case straight at 拨付 (as if every step had passed).
func atPay(c *fulfil.Case, now time.Time) *fulfil.Case {
	c.Step = len(c.Workflow.Steps) - 1
	c.StepSince = now.UTC().Format(time.RFC3339)
	a, _ := c.Amount()
	c.Schedule = fulfil.Schedule(c.BudgetYear, a, 0)
	return c
}

func seedSubjects(t *testing.T, db *DB, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := db.PutFacts(context.Background(), doc(id, id+"公司", "1000万元"), Entry{Source: "import", By: "t"}); err != nil {
			t.Fatal(err)
		}
	}
}

func noTags(string) []string { return nil }

// A 免申即享 case goes through every step to a confirmed payment; a second
// batch finds nothing to pay; a reversal is a compensating entry, once.
func TestCaseToPayment(t *testing.T) {
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		clock := time.Date(2025, 3, 3, 9, 0, 0, 0, fulfil.Shanghai)
		db.now = func() time.Time { return clock }
		seedSubjects(t, db, "e1")
		ids, err := db.CreateCases(ctx, "system", []*fulfil.Case{newCase("x", "e1", "", 100_000_00, fulfil.RouteAuto, clock)})
		if err != nil || len(ids) != 1 {
			t.Fatalf("create: %v %v", ids, err)
		}
		again, err := db.CreateCases(ctx, "system", []*fulfil.Case{newCase("x", "e1", "", 100_000_00, fulfil.RouteAuto, clock)})
		if err != nil || len(again) != 0 {
			t.Fatalf("the same (clause, subject, event, period) made a second case: %v %v", again, err)
		}
		id := ids[0]
		act := func(u auth.User, a fulfil.Action, reason string) *fulfil.Case {
			t.Helper()
			c, _, err := db.Case(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			c, err = db.ActOnCase(ctx, id, fulfil.Act{Action: a, By: u, Reason: reason, Version: c.Version}, clauseX)
			if err != nil {
				t.Fatalf("%s by %s: %v", a, u.ID, err)
			}
			return c
		}
		act(staffA, fulfil.Approve, "")      // 确认
		act(staffA, fulfil.Approve, "")      // 受理
		act(staffA, fulfil.Approve, "")      // 初审
		c := act(staffB, fulfil.Approve, "") // 复核 by another
		if c.CurrentStep().Step != fulfil.Notice || c.NoticeUntil != "2025-03-09" {
			t.Fatalf("after 复核: %s, notice until %s", c.CurrentStep().Step, c.NoticeUntil)
		}
		clock = clock.AddDate(0, 0, 7)
		c = act(staffA, fulfil.Approve, "") // 公示期满
		if c.CurrentStep().Step != fulfil.Pay || len(c.Schedule) != 1 || c.Schedule[0].Fen != 100_000_00 {
			t.Fatalf("after 公示: %s %+v", c.CurrentStep().Step, c.Schedule)
		}
		if _, err := db.CreateBatch(ctx, "fin", "武威市级财政", 2024, noTags); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "资金盘子") {
			t.Fatalf("a batch without an envelope: %v", err)
		}
		if _, err := db.PutEnvelope(ctx, fulfil.Envelope{Payer: "武威市级财政", Year: 2024, Fen: 500_000_00, Rule: fulfil.RankCut}, "admin"); err != nil {
			t.Fatal(err)
		}
		plan, err := db.CreateBatch(ctx, "fin", "武威市级财政", 2024, noTags)
		if err != nil || plan.Batch.Count != 1 || plan.Batch.Fen != 100_000_00 {
			t.Fatalf("batch: %+v %v", plan.Batch, err)
		}
		if _, err := db.CreateBatch(ctx, "fin", "武威市级财政", 2024, noTags); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("a second batch found something to pay: %v", err)
		}
		for range 2 { // confirming twice changes nothing
			if _, err := db.ConfirmBatch(ctx, plan.Batch.ID, "fin"); err != nil {
				t.Fatal(err)
			}
		}
		c, hist, _ := db.Case(ctx, id)
		if c.Status != fulfil.Paid {
			t.Fatalf("case after confirmation: %s", c.Status)
		}
		var actions []string
		for _, h := range hist {
			actions = append(actions, h.Action)
		}
		if got := strings.Join(actions, ","); got != "created,approve,approve,approve,approve,approve,batched,paid" {
			t.Errorf("history: %s", got)
		}
		ns, _ := db.Notifications(ctx, "e1", 0)
		if len(ns) < 3 || !strings.Contains(ns[0].Text, "到账") {
			t.Errorf("notifications: %+v", ns)
		}
		ps, _ := db.Ledger(ctx, "", "")
		if len(ps) != 1 || ps[0].State != "paid" || ps[0].Key != fulfil.PaymentKey("x", "e1", "", 0, 2024) || ps[0].SubjectName != "e1公司" {
			t.Fatalf("ledger: %+v", ps)
		}
		if _, err := db.Reverse(ctx, ps[0].ID, "fin", ""); errs.KindOf(err) != errs.Invalid {
			t.Errorf("a reversal without a reason: %v", err)
		}
		if _, err := db.Reverse(ctx, ps[0].ID, "fin", "退汇：账户已注销"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Reverse(ctx, ps[0].ID, "fin", "again"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("a second reversal: %v", err)
		}
		r, err := db.Reconcile(ctx)
		if err != nil || len(r.Problems) != 0 || r.Paid != 0 || r.Payments != 1 || r.Reversals != 1 {
			t.Errorf("reconciliation: %+v %v", r, err)
		}
		envs, _ := db.Envelopes(ctx)
		if envs[0].Used != 0 {
			t.Errorf("the reversal did not return the money to the envelope: used %s", envs[0].Used)
		}
	})
}

// Two staff approving the same case at the same moment: exactly one
// succeeds, the other is told someone acted first and to refresh.
func TestConcurrentApprove(t *testing.T) {
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedSubjects(t, db, "e1")
		now := time.Now()
		for round := range 8 {
			ids, err := db.CreateCases(ctx, "system", []*fulfil.Case{newCase("x", "e1", fmt.Sprint("ev", round), 1000_00, fulfil.RouteAuto, now)})
			if err != nil {
				t.Fatal(err)
			}
			c, _, _ := db.Case(ctx, ids[0])
			var wg sync.WaitGroup
			errc := make(chan error, 2)
			start := make(chan struct{})
			for _, u := range []auth.User{staffA, staffB} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, err := db.ActOnCase(ctx, c.ID, fulfil.Act{Action: fulfil.Approve, By: u, Version: c.Version}, clauseX)
					errc <- err
				}()
			}
			close(start)
			wg.Wait()
			close(errc)
			var ok, conflict int
			for err := range errc {
				switch {
				case err == nil:
					ok++
				case errs.KindOf(err) == errs.Conflict && strings.Contains(err.Error(), "刷新"):
					conflict++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
			if ok != 1 || conflict != 1 {
				t.Fatalf("round %d: %d succeeded, %d conflicts; want exactly one of each", round, ok, conflict)
			}
			c, hist, _ := db.Case(ctx, c.ID)
			if c.Version != 2 || len(hist) != 2 {
				t.Fatalf("round %d: version %d, %d history lines: the loser changed something", round, c.Version, len(hist))
			}
		}
	})
}

// Quotas ("每年选择3—4户"): once the maximum have passed 复核 in a year,
// the next is refused.
func TestQuota(t *testing.T) {
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedSubjects(t, db, "e1", "e2", "e3")
		now := time.Now()
		cl := clauseX
		cl.Quota = &policy.Quota{Min: 1, Max: 2}
		var cs []*fulfil.Case
		for _, s := range []string{"e1", "e2", "e3"} {
			c := newCase("x", s, "", 1000_00, fulfil.RouteAuto, now)
			c.Step = 3 // 复核
			c.Reviewer = "staff-a"
			cs = append(cs, c)
		}
		ids, err := db.CreateCases(ctx, "system", cs)
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			_, err := db.ActOnCase(ctx, id, fulfil.Act{Action: fulfil.Approve, By: staffB, Version: 1}, cl)
			if i < 2 && err != nil {
				t.Fatalf("place %d: %v", i+1, err)
			}
			if i == 2 && (errs.KindOf(err) != errs.Conflict || !strings.Contains(err.Error(), "名额已满")) {
				t.Fatalf("third past a quota of 2: %v", err)
			}
		}
	})
}

// Each overflow rule, through the store: rank and cut marks those below the
// line 预算未安排; pro rata pays everyone the same share, summing to the
// envelope; queue pays in order and keeps the rest for the next batch.
func TestEnvelopeRules(t *testing.T) {
	for _, rule := range []fulfil.Rule{fulfil.RankCut, fulfil.ProRata, fulfil.Queue} {
		t.Run(string(rule), func(t *testing.T) {
			each(t, func(t *testing.T, db *DB) {
				ctx := context.Background()
				seedSubjects(t, db, "e1", "e2", "e3")
				now := time.Now()
				var cs []*fulfil.Case
				for i, s := range []string{"e1", "e2", "e3"} {
					c := atPay(newCase("x", s, "", 40_000_00, fulfil.RouteAuto, now), now.Add(time.Duration(i)*time.Minute))
					c.Score = int64(60 + 10*i) // e3 ranks first
					cs = append(cs, c)
				}
				if _, err := db.CreateCases(ctx, "system", cs); err != nil {
					t.Fatal(err)
				}
				if _, err := db.PutEnvelope(ctx, fulfil.Envelope{Payer: "武威市级财政", Year: 2024, Clause: "x", Fen: 100_000_00, Rule: rule}, "admin"); err != nil {
					t.Fatal(err)
				}
				plan, err := db.CreateBatch(ctx, "fin", "武威市级财政", 2024, noTags)
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]fulfil.Outcome{}
				for _, a := range plan.Allotments {
					c, _, _ := db.Case(ctx, a.Case)
					out[c.Subject] = a.Outcome
					if a.Why == "" {
						t.Errorf("allotment of %s not explained", c.Subject)
					}
				}
				switch rule {
				case fulfil.RankCut:
					if out["e3"] != fulfil.Funded || out["e2"] != fulfil.Funded || out["e1"] != fulfil.Cut || plan.Batch.Fen != 80_000_00 {
						t.Fatalf("rank and cut: %v, %s", out, plan.Batch.Fen)
					}
					c, _, _ := db.Case(ctx, plan.Allotments[len(plan.Allotments)-1].Case)
					if c.Status != fulfil.Unfunded {
						t.Errorf("the case below the line is %s", c.Status)
					}
				case fulfil.ProRata:
					if plan.Batch.Fen != 100_000_00 || plan.Batch.Count != 3 {
						t.Fatalf("pro rata: %d payments %s", plan.Batch.Count, plan.Batch.Fen)
					}
				case fulfil.Queue:
					if out["e1"] != fulfil.Funded || out["e2"] != fulfil.Funded || out["e3"] != fulfil.Queued {
						t.Fatalf("queue: %v", out)
					}
					if _, err := db.ConfirmBatch(ctx, plan.Batch.ID, "fin"); err != nil {
						t.Fatal(err)
					}
					if _, err := db.PutEnvelope(ctx, fulfil.Envelope{Payer: "武威市级财政", Year: 2024, Clause: "x", Fen: 120_000_00, Rule: rule}, "admin"); err != nil {
						t.Fatal(err)
					}
					next, err := db.CreateBatch(ctx, "fin", "武威市级财政", 2024, noTags)
					if err != nil || next.Batch.Count != 1 || next.Batch.Fen != 40_000_00 {
						t.Fatalf("the queued case in the next batch: %+v %v", next.Batch, err)
					}
				}
				r, _ := db.Reconcile(ctx)
				if len(r.Problems) > 0 {
					t.Errorf("reconciliation: %v", r.Problems)
				}
			})
		})
	}
}

// Stacking through the ledger: a higher award for an event already paid
// under the same stack key pays only the difference (补差).
func TestTopUpPaysDifference(t *testing.T) {
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedSubjects(t, db, "e1")
		now := time.Now()
		if _, err := db.PutEnvelope(ctx, fulfil.Envelope{Payer: "武威市级财政", Year: 2024, Fen: 1_000_000_00, Rule: fulfil.Queue}, "admin"); err != nil {
			t.Fatal(err)
		}
		first := atPay(newCase("x", "e1", "r1", 100_000_00, fulfil.RouteAuto, now), now)
		if _, err := db.CreateCases(ctx, "system", []*fulfil.Case{first}); err != nil {
			t.Fatal(err)
		}
		p1, err := db.CreateBatch(ctx, "fin", "武威市级财政", 2024, noTags)
		if err != nil {
			t.Fatal(err)
		}
		db.ConfirmBatch(ctx, p1.Batch.ID, "fin")
		higher := atPay(newCase("y", "e1", "r1", 300_000_00, fulfil.RouteAuto, now), now)
		higher.StackKey = first.StackKey // the same exclusivity group and event
		if _, err := db.CreateCases(ctx, "system", []*fulfil.Case{higher}); err != nil {
			t.Fatal(err)
		}
		p2, err := db.CreateBatch(ctx, "fin", "武威市级财政", 2024, noTags)
		if err != nil || p2.Batch.Fen != 200_000_00 {
			t.Fatalf("the higher award paid %s, want the difference 20万元: %v", p2.Batch.Fen, err)
		}
		_, ps, _, _ := db.Batch(ctx, p2.Batch.ID)
		if len(ps) != 1 || !strings.Contains(ps[0].Note, "补差") && !strings.Contains(ps[0].Note, "差额") {
			t.Errorf("the payment does not say it pays a difference: %+v", ps)
		}
	})
}

// Two cases of one stack key reaching 拨付 together: the batch pays the
// second only what the first does not (就高不重复 within a batch too).
func TestTopUpInOneBatch(t *testing.T) {
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seedSubjects(t, db, "e1")
		now := time.Now()
		if _, err := db.PutEnvelope(ctx, fulfil.Envelope{Payer: "武威市级财政", Year: 2024, Fen: 1_000_000_00, Rule: fulfil.Queue}, "admin"); err != nil {
			t.Fatal(err)
		}
		lower := atPay(newCase("x", "e1", "r1", 100_000_00, fulfil.RouteAuto, now), now)
		higher := atPay(newCase("y", "e1", "r1", 300_000_00, fulfil.RouteAuto, now), now)
		higher.StackKey = lower.StackKey
		if _, err := db.CreateCases(ctx, "system", []*fulfil.Case{lower, higher}); err != nil {
			t.Fatal(err)
		}
		plan, err := db.CreateBatch(ctx, "fin", "武威市级财政", 2024, noTags)
		if err != nil || plan.Batch.Fen != 300_000_00 || plan.Batch.Count != 2 {
			t.Fatalf("one batch paid %s in %d payments, want 30万元 in 2: %v", plan.Batch.Fen, plan.Batch.Count, err)
		}
	})
}
