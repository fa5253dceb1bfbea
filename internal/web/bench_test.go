package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/demo"
	"kechuang/internal/match"
	"kechuang/internal/store"
)

// benchPages stores KECHUANG_BENCH_SUBJECTS demo subjects (default 100,000)
// in SQLite, runs the population match, and serves the UI signed in as
// 武威 city staff (the largest jurisdiction of the demo). It returns the
// page URLs to measure.
func benchPages(b *testing.B) (*client, map[string][]string) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("KECHUANG_BENCH_SUBJECTS")); err == nil && v > 0 {
		n = v
	}
	store.SetBcryptCost(4)
	ctx := context.Background()
	eng := testEngine(b)
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	docs, err := demo.Generate(eng, n, 1)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(docs); i += 5000 {
		if _, err := db.PutFactsBatch(ctx, docs[i:min(i+5000, len(docs))], store.Entry{Source: "demo", By: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.CreateUser(ctx, auth.User{ID: "ww", Role: auth.Staff, Jurisdiction: "620600", Department: "市科技局"}, testPassword, "bench"); err != nil {
		b.Fatal(err)
	}
	runner := &match.Runner{DB: db, Engine: eng, PolicyVersion: 1, Now: time.Now}
	if _, err := runner.Run(ctx); err != nil {
		b.Fatal(err)
	}
	w, err := New(&Server{Engine: eng, Store: db, PolicyVersion: 1, Match: runner, Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	f := &fixture{db: db, eng: eng}
	f.srv = newServer(b, w.Handler())
	c := f.login(b, "ww")
	c.c.Transport = &http.Transport{MaxIdleConnsPerHost: 64}
	rows, err := db.Subjects(ctx, store.Filter{Region: "6206", Limit: 1000})
	if err != nil || len(rows) == 0 {
		b.Fatalf("no 武威 subjects: %v", err)
	}
	urls := map[string][]string{
		"policy-document": {"/policies/wuwei-2022?clause=" + wwClause},
		"clause":          {"/clauses/" + wwClause},
		"search":          {"/console/subjects?q=" + url.QueryEscape("科技"), "/console/subjects?region=620602", "/console/subjects"},
		"match-summary":   {"/console/match"},
		"match-list":      {"/console/match/" + wwClause},
		"dashboard":       {"/console"},
	}
	for _, r := range rows {
		urls["checkup"] = append(urls["checkup"], "/subjects/"+r.ID)
		urls["facts"] = append(urls["facts"], "/subjects/"+r.ID+"/facts")
	}
	return c, urls
}

func (c *client) bench(b *testing.B, path string) {
	req, _ := http.NewRequest("GET", c.base+path, nil)
	res, err := c.c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("GET %s: %d", path, res.StatusCode)
	}
}

// pageOrder is the order the sub-benchmarks run in.
var pageOrder = []string{"checkup", "facts", "policy-document", "clause", "search", "match-summary", "match-list", "dashboard"}

// BenchmarkPages: each main page over a 100,000-subject store, through
// HTTP (loopback), one client at a time.
func BenchmarkPages(b *testing.B) {
	c, urls := benchPages(b)
	for _, name := range pageOrder {
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				us := urls[name]
				c.bench(b, us[i%len(us)])
				i++
			}
		})
	}
}

// BenchmarkPagesLoad: the pages mixed as a working day might (half 政策体检
// and facts, the rest console pages) from 16 concurrent clients; reports
// the 50th and 99th percentile latency.
func BenchmarkPagesLoad(b *testing.B) {
	c, urls := benchPages(b)
	mix := []string{"checkup", "checkup", "checkup", "facts", "facts", "search", "search", "policy-document", "clause", "match-summary", "match-list", "dashboard"}
	var mu sync.Mutex
	var lat []time.Duration
	var n atomic.Int64
	b.SetParallelism(8) // 8 × GOMAXPROCS(2) = 16 clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			i := int(n.Add(1))
			us := urls[mix[i%len(mix)]]
			start := time.Now()
			c.bench(b, us[(i/len(mix))%len(us)])
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
