package opa

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchRuns is how many times each engine runs over each population:
// KECHUANG_OPA_RUNS, default 6. The runs are sub-benchmarks run=1, run=2, …
// (benchstat -ignore /run takes them as samples of one benchmark), the
// engines taking turns, so that a drift of the machine touches them alike.
func benchRuns(b *testing.B) int {
	v := os.Getenv("KECHUANG_OPA_RUNS")
	if v == "" {
		return 6
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("KECHUANG_OPA_RUNS=%q: not a number of runs", v)
	}
	return n
}

// benchBudget is how long one engine may spend on one population: once it
// has, it does not run again on it, so that OPA runs once on 1,000,000
// subjects while kechuang runs six times. The first run always happens.
// KECHUANG_OPA_BUDGET (a duration), default 60s.
func benchBudget(b *testing.B) time.Duration {
	v := os.Getenv("KECHUANG_OPA_BUDGET")
	if v == "" {
		return time.Minute
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		b.Fatalf("KECHUANG_OPA_BUDGET=%q: %v", v, err)
	}
	return d
}

// benchSizes are the populations to run: KECHUANG_OPA_SUBJECTS, a comma
// separated list, or 10,000, 100,000 and 1,000,000 subjects.
func benchSizes(b *testing.B) []int {
	v := os.Getenv("KECHUANG_OPA_SUBJECTS")
	if v == "" {
		return []int{10_000, 100_000, 1_000_000}
	}
	var out []int
	for _, s := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(s), "_", ""))
		if err != nil || n <= 0 {
			b.Fatalf("KECHUANG_OPA_SUBJECTS=%q: %q is not a number of subjects", v, s)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkEngines: the conditions of every clause and every standard
// criterion over whole demo populations, by kechuang's compiled evaluator,
// by the cel-go interpreter and by OPA on the Rego translation, each on
// every core. Each population is generated and decoded once; before any
// timing, every subject's answers from the three engines are checked to
// agree (Agree). An engine's op is the whole population; it runs
// benchRuns times, or fewer once it has spent benchBudget on the
// population. Run it with -count=1 (the default) and -benchtime=1x.
//
// Lines starting "Population" and "Agreement" report the heap the
// population takes, the time to generate it and what the check compared.
//
// To add an engine, append it to engines: PerSubject for one that works a
// subject at a time, or an Engine with its own Start for one that works on
// the whole population at once.
func BenchmarkEngines(b *testing.B) {
	eng, lib, module := compile(b)
	ctx := context.Background()
	workers := runtime.GOMAXPROCS(0)
	engines := []Engine{Columnar(eng), Kechuang(eng), CELGo(eng), OPA(lib, module)}
	runners := make([]Runner, len(engines))
	for i, e := range engines {
		r, err := e.Start(ctx, workers)
		if err != nil {
			b.Fatalf("%s: %v", e.Name, err)
		}
		runners[i] = r
	}
	runs, budget := benchRuns(b), benchBudget(b)
	for _, n := range benchSizes(b) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		pop, err := NewPopulation(eng, n)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap := float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
		elapsed := time.Since(start)
		start = time.Now()
		inputs := NewInputs(lib.Reads)
		for i := range pop.Subjects {
			inputs.Build(&pop.Subjects[i])
		}
		build := time.Since(start)
		fmt.Printf("Population of %d subjects: generated and decoded in %v, %.0f bytes of heap a subject; "+
			"building OPA's inputs alone takes %.0f ns a subject on one core\n",
			n, elapsed.Round(time.Millisecond), heap, float64(build.Nanoseconds())/float64(n))

		start = time.Now()
		got := make([]*Truths, len(engines))
		for i, r := range runners {
			got[i] = NewTruths(pop)
			if err := r(ctx, pop, got[i]); err != nil {
				b.Fatalf("%s: %v", engines[i].Name, err)
			}
		}
		a, err := Agree(eng, pop, got[1], got[2], got[3], false)
		if err != nil {
			b.Fatal(err)
		}
		if err := Same(eng, pop, got[0], got[1]); err != nil {
			b.Fatalf("columnar and compiled: %v", err)
		}
		got = nil
		fmt.Printf("Agreement of the four engines (checked in %v; the columnar evaluator gave the compiled one's answers exactly): %v\n", time.Since(start).Round(time.Second), a)

		spent := make([]time.Duration, len(engines))
		for k := 1; k <= runs; k++ {
			for i, e := range engines {
				if k > 1 && spent[i] >= budget {
					continue
				}
				b.Run(fmt.Sprintf("subjects=%d/engine=%s/run=%d", n, e.Name, k), func(b *testing.B) {
					for b.Loop() {
						if err := runners[i](ctx, pop, nil); err != nil {
							b.Fatal(err)
						}
					}
					spent[i] += b.Elapsed()
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/subject")
					b.ReportMetric(heap, "heap-B/subject")
				})
			}
		}
		pop = nil
	}
}
