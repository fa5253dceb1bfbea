package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/demo"
	"kechuang/internal/store"
)

// benchServer stores KECHUANG_BENCH_SUBJECTS demo subjects (default 100,000)
// in a SQLite store and serves the API over it, signed in as 肥乡 staff.
func benchServer(b *testing.B) (*httptest.Server, *http.Client, string, []string) {
	b.Helper()
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("KECHUANG_BENCH_SUBJECTS")); err == nil && v > 0 {
		n = v
	}
	store.SetBcryptCost(4)
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "k.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	eng := library(b)
	docs, err := demo.Generate(eng, n, 1)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(docs); i += 5000 {
		if _, err := db.PutFactsBatch(ctx, docs[i:min(i+5000, len(docs))], store.Entry{Source: "demo", By: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.CreateUser(ctx, auth.User{ID: "fx", Role: auth.Staff, Jurisdiction: "130407"}, "long enough pw", "bench"); err != nil {
		b.Fatal(err)
	}
	pv, _ := db.SavePolicyVersion(ctx, store.PolicyFiles{"lib": []byte("bench")}, "bench", "")
	srv := &Server{Engine: eng, Store: db, PolicyVersion: pv, Now: time.Now}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Post(ts.URL+"/api/v1/session", "application/json", strings.NewReader(`{"id": "fx", "password": "long enough pw"}`))
	if err != nil {
		b.Fatal(err)
	}
	var out struct{ CSRF string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	rows, err := db.Subjects(ctx, store.Filter{Region: "130407", Limit: 1000})
	if err != nil || len(rows) == 0 {
		b.Fatalf("no 肥乡 subjects: %v", err)
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	return ts, c, out.CSRF, ids
}

func benchGet(b *testing.B, c *http.Client, method, url, csrf string) {
	req, _ := http.NewRequest(method, url, nil)
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("%s %s: %d", method, url, resp.StatusCode)
	}
}

// BenchmarkStoredAPI: the main signed-in calls over a 100,000-subject store,
// through HTTP (httptest, loopback), one client at a time.
func BenchmarkStoredAPI(b *testing.B) {
	ts, c, csrf, ids := benchServer(b)
	b.Run("list-subjects", func(b *testing.B) {
		for b.Loop() {
			benchGet(b, c, "GET", ts.URL+"/api/v1/subjects?limit=50", "")
		}
	})
	b.Run("get-subject", func(b *testing.B) {
		i := 0
		for b.Loop() {
			benchGet(b, c, "GET", ts.URL+"/api/v1/subjects/"+ids[i%len(ids)], "")
			i++
		}
	})
	b.Run("report", func(b *testing.B) {
		i := 0
		for b.Loop() {
			benchGet(b, c, "POST", ts.URL+"/api/v1/subjects/"+ids[i%len(ids)]+"/report", csrf)
			i++
		}
	})
}

// BenchmarkStoredAPILoad: the three calls mixed (60% get, 30% list, 10%
// report) from 16 concurrent clients; reports the 50th and 99th percentile
// latency.
func BenchmarkStoredAPILoad(b *testing.B) {
	ts, c, csrf, ids := benchServer(b)
	var mu sync.Mutex
	var lat []time.Duration
	var n atomic.Int64
	b.SetParallelism(8) // 8 × GOMAXPROCS(2) = 16 clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			i := int(n.Add(1))
			start := time.Now()
			switch i % 10 {
			case 0:
				benchGet(b, c, "POST", ts.URL+"/api/v1/subjects/"+ids[i%len(ids)]+"/report", csrf)
			case 1, 2, 3:
				benchGet(b, c, "GET", ts.URL+"/api/v1/subjects?limit=50", "")
			default:
				benchGet(b, c, "GET", ts.URL+"/api/v1/subjects/"+ids[i%len(ids)], "")
			}
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
