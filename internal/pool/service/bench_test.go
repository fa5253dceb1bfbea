package service

import (
	"context"
	"testing"

	"kechuang/internal/demo"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
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
// criteria, the 高新技术企业 standard, graduation and removal rules — with
// the texts (full) and without (brief, as candidates are ranked).
func BenchmarkCheckPool(b *testing.B) {
	eng := rulestest.Library(b)
	f, err := facts.DecodeBytes([]byte(nearHTE), "bench")
	if err != nil {
		b.Fatal(err)
	}
	p, _ := eng.PoolByID("fx_hte_pool")
	at, _ := policy.ParseDate("2025-06-01")
	for _, brief := range []bool{false, true} {
		b.Run(map[bool]string{false: "full", true: "brief"}[brief], func(b *testing.B) {
			ev := eng.NewEvaluator()
			ev.SetBrief(brief)
			b.ReportAllocs()
			for b.Loop() {
				ev.CheckPool(p, f, at)
			}
		})
	}
}

// TestBriefAgrees: the brief check candidates are ranked by (no texts)
// gives every pool the same outcome, distance, number of things lacking,
// graduation and removals as the full check, on 2,000 demo subjects.
func TestBriefAgrees(t *testing.T) {
	eng := rulestest.Library(t)
	docs, err := demo.Generate(eng, 2000, 5)
	if err != nil {
		t.Fatal(err)
	}
	brief, full := eng.NewEvaluator(), eng.NewEvaluator()
	brief.SetBrief(true)
	n := 0
	for _, doc := range docs {
		f, err := facts.DecodeBytes(doc, "")
		if err != nil {
			t.Fatal(err)
		}
		at, _ := policy.ParseDate(f.AsOf)
		for _, p := range eng.Pools {
			b, c := brief.CheckPool(p, f, at), full.CheckPool(p, f, at)
			if b.Admission != c.Admission || b.Distance != c.Distance || len(b.Lacks) != len(c.Lacks) || b.Graduated != c.Graduated || len(b.Remove) != len(c.Remove) {
				t.Fatalf("%s in %s: brief %s/%d/%d/%q/%d, full %s/%d/%d/%q/%d", f.Subject.ID, p.ID,
					b.Admission, b.Distance, len(b.Lacks), b.Graduated, len(b.Remove), c.Admission, c.Distance, len(c.Lacks), c.Graduated, len(c.Remove))
			}
			if c.Admission != rules.AdmissionNotApplicable {
				n++
			}
		}
	}
	if n < 500 {
		t.Errorf("only %d applicable checks: the population does not exercise the pools", n)
	}
}
