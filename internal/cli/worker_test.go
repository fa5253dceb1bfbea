package cli

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"kechuang/internal/match"
	"kechuang/internal/store"
	"kechuang/internal/store/pgtest"
)

// testDatabases gives a fresh SQLite path and, when a server is reachable, a
// fresh PostgreSQL database URL (dropped afterwards). Without PostgreSQL
// the PostgreSQL case is skipped, or fails when KECHUANG_REQUIRE_POSTGRES
// is set (CI).
func testDatabases(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "k.db") },
		"postgres": func(t *testing.T) string { return pgtest.Database(t) },
	}
}

// buildBinary builds kechuang for tests that run it as a process.
func buildBinary(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "kechuang")
	if out, err := exec.Command("go", "build", "-o", bin, "kechuang/cmd/kechuang").CombinedOutput(); err != nil {
		t.Fatalf("building kechuang: %v\n%s", err, out)
	}
	return bin
}

// TestWorkersSplitAndRecover runs two kechuang worker processes on one
// population run, kills one (SIGKILL) while it holds a shard, and checks
// that the other finishes the run: every shard done once, the killed
// worker's shard evaluated again, and the results exactly those of a
// single-process run — nothing missing, nothing twice.
func TestWorkersSplitAndRecover(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs processes")
	}
	bin := buildBinary(t)
	for name, mk := range testDatabases(t) {
		t.Run(name, func(t *testing.T) {
			dsn := mk(t)
			if out, err := exec.Command(bin, "demo", "--subjects", "600", "--db", dsn).CombinedOutput(); err != nil {
				t.Fatalf("demo: %v\n%s", err, out)
			}
			out, err := exec.Command(bin, "match", "start", "--db", dsn, "--shards", "6").CombinedOutput()
			m := regexp.MustCompile(`run (\d+): 6 shards`).FindSubmatch(out)
			if err != nil || m == nil {
				t.Fatalf("match start: %v\n%s", err, out)
			}
			runID := string(m[1])
			worker := func(name string) (*exec.Cmd, *strings.Builder) {
				var buf strings.Builder
				cmd := exec.Command(bin, "worker", "--db", dsn, "--run", runID, "--name", name, "--lease", "1500ms", "--throttle", "4ms")
				cmd.Stdout, cmd.Stderr = &buf, &buf
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				return cmd, &buf
			}
			a, aOut := worker("A")
			b, bOut := worker("B")
			ctx := context.Background()
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var id int64
			fmt.Sscan(runID, &id)
			// Kill A while it holds a shard.
			var killed int64 = -1
			for deadline := time.Now().Add(60 * time.Second); killed < 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				shs, err := db.Shards(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range shs {
					if s.State == "running" && s.Worker == "A" {
						killed = s.Index
					}
				}
			}
			if killed < 0 {
				t.Fatalf("worker A never held a shard:\n%s", aOut)
			}
			if err := a.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			a.Wait()
			done := make(chan error, 1)
			go func() { done <- b.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("worker B: %v\n%s", err, bOut)
				}
			case <-time.After(120 * time.Second):
				b.Process.Kill()
				t.Fatalf("worker B did not finish:\n%s", bOut)
			}
			shs, err := db.Shards(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range shs {
				if s.State != "done" {
					t.Errorf("shard %d is %s", s.Index, s.State)
				}
				if s.Index == killed && (s.Worker != "B" || s.Attempt < 2) {
					t.Errorf("the killed worker's shard %d: finished by %s on attempt %d", s.Index, s.Worker, s.Attempt)
				}
			}
			// The same results as one process evaluating everyone.
			run, err := db.GetRun(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			eng, err := versionEngine(ctx, db, run.PolicyVersion)
			if err != nil {
				t.Fatal(err)
			}
			sharded, err := match.FromStore(ctx, db, eng, run)
			if err != nil {
				t.Fatal(err)
			}
			whole, err := match.Run(ctx, db, eng, 0, 0, run.PolicyVersion, time.Now)
			if err != nil {
				t.Fatal(err)
			}
			if sharded.Subjects != whole.Subjects || whole.Subjects != 600 {
				t.Errorf("subjects: sharded %d, whole %d, want 600", sharded.Subjects, whole.Subjects)
			}
			total := 0
			for _, c := range eng.Clauses {
				x, y := sharded.Entitled(c, ""), whole.Entitled(c, "")
				if len(x) != len(y) {
					t.Fatalf("clause %s: %d entitled in the sharded run, %d in one process", c.ID, len(x), len(y))
				}
				for i := range x {
					if x[i].Subject != y[i].Subject || x[i].Amount != y[i].Amount || x[i].FY != y[i].FY {
						t.Fatalf("clause %s row %d: %+v, want %+v", c.ID, i, x[i], y[i])
					}
				}
				if len(sharded.NeedsFacts(c, "")) != len(whole.NeedsFacts(c, "")) {
					t.Fatalf("clause %s: needs-facts lists differ", c.ID)
				}
				total += len(x)
			}
			if total == 0 {
				t.Fatal("nobody is entitled: the comparison proves nothing")
			}
			st, _ := exec.Command(bin, "match", "status", "--db", dsn, "--run", runID).CombinedOutput()
			if !strings.Contains(string(st), "6 of 6 shards done") {
				t.Errorf("status:\n%s", st)
			}
		})
	}
}
