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
	var pop Population
	if _, err := pop.Refresh(ctx, db); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perSubject := float64(after.HeapAlloc-before.HeapAlloc) / float64(pop.Len())
	// Putting the subjects in columns (done once per population generation
	// and dates, then shared by runs and simulations).
	subjects, _ := pop.snapshot()
	dateOf := func(f *facts.Facts) (policy.Date, int64) { return evalDate(0, 0, policy.DateOf(time.Now()), f) }
	var tab *rules.Table
	b.Run("columns-build", func(b *testing.B) {
		for b.Loop() {
			tab = rules.NewTable(eng, subjects, dateOf)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(subjects)), "ns/subject")
		b.ReportMetric(float64(tab.Bytes())/float64(len(subjects)), "columns-B/subject")
	})
	if tab == nil { // the sub-benchmark was not selected
		tab = rules.NewTable(eng, subjects, dateOf)
	}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		for _, engine := range []string{"columnar", "rows"} {
			run := RunOn
			if engine == "rows" {
				run = RunRows
			}
			b.Run(fmt.Sprintf("run-in-memory-%s/cores=%d", engine, workers), func(b *testing.B) {
				if _, err := run(ctx, &pop, eng, 0, 0, 1, time.Now, workers); err != nil { // the columns, once
					b.Fatal(err)
				}
				b.ResetTimer()
				for b.Loop() {
					if _, err := run(ctx, &pop, eng, 0, 0, 1, time.Now, workers); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(pop.Len()), "ns/subject")
				b.ReportMetric(perSubject, "heap-B/subject")
			})
		}
	}
	// Every applicable clause's condition alone, column at a time, by the
	// compiled closures a subject at a time and by the cel-go interpreter
	// (unknown facts as CEL unknowns), after checking that the three agree
	// on every subject.
	nc := len(eng.Clauses)
	conditions := func(engine string, workers int, check []rules.Truth) {
		var wg sync.WaitGroup
		share := (len(subjects) + workers - 1) / workers
		for w := range workers {
			lo, hi := min(w*share, len(subjects)), min((w+1)*share, len(subjects))
			wg.Go(func() {
				if engine == "columnar" {
					col := eng.NewColumnar(tab)
					out := make([]rules.Truth, rules.BatchRows*nc)
					for b := lo; b < hi; b += rules.BatchRows {
						e := min(b+rules.BatchRows, hi)
						o := out[:(e-b)*nc]
						if check != nil {
							o = check[b*nc : e*nc]
						}
						col.Conditions(b, e, o)
					}
					return
				}
				ev := eng.NewEvaluator()
				out := make([]rules.Truth, nc)
				for i := lo; i < hi; i++ {
					o := out
					if check != nil {
						o = check[i*nc : (i+1)*nc]
					}
					ev.Conditions(subjects[i], tab.At[i], tab.FY[i], engine == "cel-go", o)
				}
			})
		}
		wg.Wait()
	}
	answers := map[string][]rules.Truth{}
	for _, engine := range []string{"columnar", "compiled", "cel-go"} {
		answers[engine] = make([]rules.Truth, len(subjects)*nc)
		conditions(engine, runtime.GOMAXPROCS(0), answers[engine])
	}
	for i, t := range answers["compiled"] {
		if answers["columnar"][i] != t || answers["cel-go"][i] != t {
			b.Fatalf("subject %s clause %s: columnar %d, compiled %d, cel-go %d", subjects[i/nc].Subject.ID, eng.Clauses[i%nc].ID, answers["columnar"][i], t, answers["cel-go"][i])
		}
	}
	answers = nil
	for _, engine := range []string{"columnar", "compiled", "cel-go"} {
		b.Run(fmt.Sprintf("conditions-%s/cores=%d", engine, runtime.GOMAXPROCS(0)), func(b *testing.B) {
			for b.Loop() {
				conditions(engine, runtime.GOMAXPROCS(0), nil)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(subjects)), "ns/subject")
		})
	}
	// A reform (the 高企 award 20万 → 30万) against the library in force: both evaluated.
	rf, err := policy.ParseReform([]byte("title: t\nchanges:\n  - clause: ww-hte-new\n    amount: {fixed: 30万元}\n"), "bench", eng.Files)
	if err != nil {
		b.Fatal(err)
	}
	reformed, err := eng.Reform(rf.Replace, rf.Remove, rf.Add)
	if err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("simulate-in-memory/cores=%d", runtime.GOMAXPROCS(0)), func(b *testing.B) {
		for b.Loop() {
			if _, err := CompareOn(ctx, &pop, eng, reformed, 0, 0, 1, time.Now, runtime.GOMAXPROCS(0)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(pop.Len()), "ns/subject")
	})
	// The same, reusing a run of the library in force as the baseline (as the
	// console does with the runner's latest run): only the reform is evaluated.
	run, err := RunOn(ctx, &pop, eng, 0, 0, 1, time.Now, runtime.GOMAXPROCS(0))
	if err != nil {
		b.Fatal(err)
	}
	b.Run(fmt.Sprintf("simulate-reusing-run/cores=%d", runtime.GOMAXPROCS(0)), func(b *testing.B) {
		for b.Loop() {
			c, err := CompareWith(ctx, &pop, run, eng, reformed, 0, 0, 1, time.Now, runtime.GOMAXPROCS(0))
			if err != nil || c.Base != run {
				b.Fatalf("%v: the run was not reused", err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(pop.Len()), "ns/subject")
	})
}
