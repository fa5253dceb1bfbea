package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/fulfil"
	"kechuang/internal/money"
)

// benchEngines opens a fresh store per engine for a benchmark.
func benchEngines(b *testing.B, fn func(b *testing.B, db *DB)) {
	for _, e := range []Engine{SQLite, Postgres} {
		b.Run(string(e), func(b *testing.B) { fn(b, engines(nil)[e](b)) })
	}
}

// BenchmarkBatch makes and confirms a disbursement batch of n cases waiting
// at 拨付 under one envelope (the cases are made outside the timer): what a
// finance officer waits for when pressing 生成拨付批次 and 确认已到账.
func BenchmarkBatch(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("cases=%d", n), func(b *testing.B) {
			benchEngines(b, func(b *testing.B, db *DB) {
				ctx := context.Background()
				if _, err := db.PutFacts(ctx, doc("e1", "甲公司", "1000万元"), Entry{Source: "import", By: "bench"}); err != nil {
					b.Fatal(err)
				}
				if _, err := db.PutEnvelope(ctx, fulfil.Envelope{Payer: "武威市级财政", Year: 2024, Fen: 1 << 50, Rule: fulfil.ProRata}, "bench"); err != nil {
					b.Fatal(err)
				}
				now := time.Now()
				for i := range b.N {
					b.StopTimer()
					cs := make([]*fulfil.Case, n)
					for j := range cs {
						cs[j] = atPay(newCase("x", "e1", fmt.Sprintf("b%d-%d", i, j), money.Fen(1000_00+j), fulfil.RouteAuto, now), now)
						cs[j].StackKey = fmt.Sprintf("b%d-%d", i, j)
					}
					if _, err := db.CreateCases(ctx, "bench", cs); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					plan, err := db.CreateBatch(ctx, "fin", "武威市级财政", 2024, noTags)
					if err != nil || plan.Batch.Count != n {
						b.Fatalf("%v %+v", err, plan.Batch)
					}
					if _, err := db.ConfirmBatch(ctx, plan.Batch.ID, "fin"); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/payment")
			})
		})
	}
}

// BenchmarkAct is one staff act on a case (受理): load, transition, the
// versioned write, history, notification and audit entry, in one transaction.
func BenchmarkAct(b *testing.B) {
	benchEngines(b, func(b *testing.B, db *DB) {
		ctx := context.Background()
		if _, err := db.PutFacts(ctx, doc("e1", "甲公司", "1000万元"), Entry{Source: "import", By: "bench"}); err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		cs := make([]*fulfil.Case, b.N)
		for i := range cs {
			cs[i] = newCase("x", "e1", fmt.Sprint("a", i), 1000_00, fulfil.RouteAuto, now)
			cs[i].Step = 1 // 受理
		}
		ids, err := db.CreateCases(ctx, "bench", cs)
		if err != nil {
			b.Fatal(err)
		}
		u := auth.User{ID: "s", Role: auth.Staff, Jurisdiction: "620600"}
		b.ResetTimer()
		for _, id := range ids {
			if _, err := db.ActOnCase(ctx, id, fulfil.Act{Action: fulfil.Approve, By: u, Version: 1}, clauseX); err != nil {
				b.Fatal(err)
			}
		}
	})
}
