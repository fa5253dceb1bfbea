package service

import (
	"context"
	"testing"

	"kechuang/internal/demo"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules/rulestest"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// BenchmarkCandidates is the pool page's candidate run: every subject of
// 肥乡 in a 5,000-subject demo population (SQLite) read and measured
// against the 高企培育库's criteria and the 高新技术企业 standard, ranked.
func BenchmarkCandidates(b *testing.B) {
	ctx := context.Background()
	db, _ := storetest.Open(b, store.SQLite)
	eng := rulestest.Library(b)
	docs, err := demo.Generate(eng, 5000, 1)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.PutFactsBatch(ctx, docs, store.Entry{Source: "demo", By: "bench"}); err != nil {
		b.Fatal(err)
	}
	s := &Service{Engine: eng, Store: db}
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := s.Candidates(ctx, officer, "fx_hte_pool", 30); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckPool is one subject measured against the 高企培育库: its
// criteria, the 高新技术企业 standard, graduation and removal rules.
func BenchmarkCheckPool(b *testing.B) {
	eng := rulestest.Library(b)
	f, err := facts.DecodeBytes([]byte(nearHTE), "bench")
	if err != nil {
		b.Fatal(err)
	}
	p, _ := eng.PoolByID("fx_hte_pool")
	at, _ := policy.ParseDate("2025-06-01")
	ev := eng.NewEvaluator()
	b.ReportAllocs()
	for b.Loop() {
		ev.CheckPool(p, f, at)
	}
}
