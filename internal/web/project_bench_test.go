package web

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/demo"
	"kechuang/internal/fulfil"
	"kechuang/internal/money"
	"kechuang/internal/project"
	"kechuang/internal/store"
)

// BenchmarkProjectPages: the project pages of a jurisdiction holding 300
// 揭榜挂帅 challenges of 武威, each with two granted projects (赛马) whose
// fulfilment cases wait at 拨付 — the portfolio (/console/projects: the
// problem list, the library and the years over all 300), a challenge's
// page, and a project's page (its plan read against the ledger) — signed
// in as 武威 city staff, one client at a time over the loopback.
func BenchmarkProjectPages(b *testing.B) {
	store.SetBcryptCost(4)
	ctx := context.Background()
	eng := testEngine(b)
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	docs, err := demo.Generate(eng, 4000, 1)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.PutFactsBatch(ctx, docs, store.Entry{Source: "demo", By: "bench"}); err != nil {
		b.Fatal(err)
	}
	leads, err := db.Subjects(ctx, store.Filter{Region: "6206", Kind: "enterprise", Limit: 600})
	if err != nil || len(leads) < 600 {
		b.Fatalf("武威 enterprises: %d %v", len(leads), err)
	}
	if err := db.CreateUser(ctx, auth.User{ID: "ww", Role: auth.Staff, Jurisdiction: "620600", Department: "市科技局"}, testPassword, "bench"); err != nil {
		b.Fatal(err)
	}
	book, _ := project.ParseMilestones(testBook)
	var pages []string
	for i := range 300 {
		c := &project.Challenge{Title: fmt.Sprintf("攻关难题 %d", i), Problem: "p", Indicators: []string{"指标一", "指标二"}, Total: 500 * money.Wan,
			Deadline: "2025-06-30", EndUser: "某用户", Issuer: "市科技局", Region: "620600", Clause: "ww-challenge", State: project.Closed, Published: "2025-03-03"}
		id, err := db.CreateChallenge(ctx, c, "bench")
		if err != nil {
			b.Fatal(err)
		}
		c.Review = &project.Review{}
		for k := range 2 {
			lead := leads[2*i+k]
			plan, _ := project.Stage(50*money.Wan, 2025, []int64{4, 3, 3})
			kase := &fulfil.Case{Clause: "ww-challenge", Subject: lead.ID, SubjectName: lead.Name, Region: "620602", Event: fmt.Sprintf("challenge-%d", id), FY: 2025,
				Route: fulfil.RouteAuto, Workflow: fulfil.DefaultWorkflow(), Computed: money.Interval{Min: 50 * money.Wan, Max: 100 * money.Wan},
				Decided: &fulfil.Decision{Fen: 50 * money.Wan}, Payer: "武威市级财政", BudgetYear: 2025, StackKey: fmt.Sprintf("bench|%d|%d", id, k), Hold: []int{1, 2}}
			fulfil.Start(kase, time.Now())
			kase.Step = len(kase.Workflow.Steps) - 1
			for _, p := range plan {
				kase.Schedule = append(kase.Schedule, fulfil.Installment{Year: int64(p.Year), Fen: p.Fen, Held: p.Year > 2025})
			}
			ids, err := db.CreateCases(ctx, "bench", []*fulfil.Case{kase})
			if err != nil || len(ids) != 1 {
				b.Fatal(err)
			}
			bid := fmt.Sprint(k + 1)
			c.Review.Grants = append(c.Review.Grants, project.Grant{Bid: bid, Lead: lead.ID, Name: lead.Name, Age: 38 + 10*k, Fen: 50 * money.Wan, Shares: []int64{4, 3, 3},
				Plan: plan, At: "2025-07-09", Case: ids[0], State: project.Executing, Milestones: book,
				Team: []project.Member{{Name: "张工", Age: 38, Role: "lead"}}})
			if i < 20 {
				pages = append(pages, fmt.Sprintf("/challenges/%d/projects/%s", id, bid))
			}
		}
		if err := db.UpdateChallenge(ctx, c, c.Version, store.ChallengeEvent{Actor: "bench", Act: "grant"}); err != nil {
			b.Fatal(err)
		}
	}
	w, err := New(&Server{Engine: eng, Store: db, PolicyVersion: 1, Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	f := &fixture{db: db, eng: eng}
	f.srv = newServer(b, w.Handler())
	c := f.login(b, "ww")
	run := func(name string, urls []string) {
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				c.bench(b, urls[i%len(urls)])
				i++
			}
		})
	}
	run("portfolio", []string{"/console/projects"})
	run("challenge", []string{"/challenges/1", "/challenges/150", "/challenges/300"})
	run("project", pages)
}
