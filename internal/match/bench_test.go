package match

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"kechuang/internal/demo"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// benchPopulation stores KECHUANG_BENCH_SUBJECTS demo subjects (default
// 100,000) in SQLite and returns the store, the engine and the documents.
func benchPopulation(b *testing.B) (*store.DB, *rules.Engine, [][]byte) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("KECHUANG_BENCH_SUBJECTS")); err == nil && v > 0 {
		n = v
	}
	files, err := policy.LoadDir("../../policies")
	if err != nil {
		b.Fatal(err)
	}
	eng, err := rules.Compile(files)
	if err != nil {
		b.Fatal(err)
	}
	docs, err := demo.Generate(eng, n, 1)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "pop.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	for i := 0; i < len(docs); i += 5000 {
		if _, err := db.PutFactsBatch(ctx, docs[i:min(i+5000, len(docs))], store.Entry{Source: "demo", By: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	return db, eng, docs
}

// BenchmarkPopulation: the whole stored population × every clause, as the
// match page and the 免申即享 lists use it — read from SQLite, decoded, every
// clause decided, entitlements kept — on 1 core and on all cores; and the
// deciding alone over the same subjects already decoded in memory, to show
// what reading and decoding cost.
func BenchmarkPopulation(b *testing.B) {
	db, eng, docs := benchPopulation(b)
	ctx := context.Background()
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("store-decode-decide/cores=%d", workers), func(b *testing.B) {
			for b.Loop() {
				r, err := RunParallel(ctx, db, eng, 0, 0, 1, time.Now, workers)
				if err != nil || r.Subjects != len(docs) {
					b.Fatalf("%v: %d subjects", err, r.Subjects)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(docs)), "ns/subject")
		})
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	pop := make([]*facts.Facts, len(docs))
	dates := make([]policy.Date, len(docs))
	for i, d := range docs {
		f, err := facts.DecodeBytes(d, "")
		if err != nil {
			b.Fatal(err)
		}
		pop[i] = f
		dates[i], _ = policy.ParseDate(f.AsOf)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perSubject := float64(after.HeapAlloc-before.HeapAlloc) / float64(len(pop))
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("decide-in-memory/cores=%d", workers), func(b *testing.B) {
			for b.Loop() {
				var wg sync.WaitGroup
				for w := range workers {
					wg.Add(1)
					go func(w int) {
						defer wg.Done()
						ev := eng.NewEvaluator()
						for i := w; i < len(pop); i += workers {
							ev.Decide(pop[i], dates[i], int64(dates[i].Year()))
						}
					}(w)
				}
				wg.Wait()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(pop)), "ns/subject")
			b.ReportMetric(perSubject, "heap-B/subject")
		})
	}
	runtime.KeepAlive(pop)
}
