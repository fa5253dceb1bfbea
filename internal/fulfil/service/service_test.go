package service

import (
	"context"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/fulfil"
	"kechuang/internal/money"
	"kechuang/internal/rules/rulestest"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// TestByClause: money per clause and beneficiaries, each subject counted
// once across clauses; a rejected case counts for nothing; a case past 复核
// is committed.
func TestByClause(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		ctx := context.Background()
		for _, id := range []string{"a", "b"} {
			if _, err := db.PutFacts(ctx, []byte(`{"subject": {"id": "`+id+`", "kind": "enterprise", "region": "620602"}}`), store.Entry{Source: "import", By: "t"}); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Date(2025, 3, 3, 9, 0, 0, 0, fulfil.Shanghai)
		mk := func(clause, subject, event string, fen money.Fen, step int, status fulfil.Status) *fulfil.Case {
			c := &fulfil.Case{Clause: clause, Subject: subject, Region: "620602", Event: event, FY: 2025, Route: fulfil.RouteAuto,
				Workflow: fulfil.DefaultWorkflow(), Computed: money.Exact(fen), Payer: "武威市级财政", BudgetYear: 2025, StackKey: clause + subject + event}
			fulfil.Start(c, now)
			c.Step, c.Status = step, status
			c.Schedule = []fulfil.Installment{{Year: 2025, Fen: fen}}
			return c
		}
		last := len(fulfil.DefaultWorkflow().Steps) - 1
		cs := []*fulfil.Case{
			mk("ww-hte-new", "a", "r1", 20_000_000, last, fulfil.Open), // at 拨付: committed
			mk("ww-hte-new", "b", "r2", 20_000_000, 0, fulfil.Open),    // proposed only
			mk("ww-hte-new", "b", "r3", 20_000_000, 1, fulfil.Rejected),
			mk("ww-sci-innov-province", "a", "r4", 5_000_000, last, fulfil.Open),
		}
		if _, err := db.CreateCases(ctx, "t", cs); err != nil {
			t.Fatal(err)
		}
		s := &Service{Engine: rulestest.Library(t), Store: db}
		got, n, err := s.ByClause(ctx, auth.User{ID: "s", Role: auth.Staff, Jurisdiction: "620600"}, "6206", []string{"ww-hte-new", "ww-sci-innov-province"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Cases != 2 || got[0].Beneficiaries != 2 || got[0].Committed != 20_000_000 || got[1].Beneficiaries != 1 || got[1].Committed != 5_000_000 || n != 2 {
			t.Errorf("by clause %+v, beneficiaries %d; want ww-hte-new 2 cases 2 subjects 20万元 committed, ww-sci-innov-province 1, and 2 subjects in all", got, n)
		}
		if _, _, err := s.ByClause(ctx, auth.User{ID: "e", Role: auth.Enterprise, Subject: "a"}, "6206", []string{"ww-hte-new"}); err == nil {
			t.Error("an enterprise saw the totals")
		}
	})
}
