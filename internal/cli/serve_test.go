package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"kechuang/internal/store"
)

// copyDir copies the policy library to a temporary directory.
func copyDir(t *testing.T, from, to string) {
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPolicyUpload: a library that fails a check is not stored; one that
// passes becomes the version in force; the same files again add nothing.
func TestPolicyUpload(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	lib := filepath.Join(dir, "lib")
	copyDir(t, "../../policies", lib)
	// Break one test's expectation: 20万元 → 30万元.
	p := filepath.Join(lib, "wuwei-2022.yaml")
	b, _ := os.ReadFile(p)
	broken := regexp.MustCompile(`amount: 20万元`).ReplaceAll(b, []byte("amount: 30万元"))
	if bytes.Equal(broken, b) {
		t.Fatal("the test found nothing to break")
	}
	os.WriteFile(p, broken, 0o644)
	out, errOut, err := run(t, "", "policy", "upload", "--db", db, "--dir", lib)
	if err == nil || !strings.Contains(errOut, "nothing stored") || !strings.Contains(out, "failed") {
		t.Fatalf("a failing library was accepted: %v\n%s\n%s", err, out, errOut)
	}
	if out, _, _ := run(t, "", "policy", "list", "--db", db); !strings.Contains(out, "no policy library stored yet") {
		t.Fatalf("after a refused upload: %s", out)
	}
	os.WriteFile(p, b, 0o644)
	for range 2 {
		out, _, err = run(t, "", "policy", "upload", "--db", db, "--dir", lib, "--note", "初始")
		if err != nil || !strings.Contains(out, "policy library version 1 is in force") {
			t.Fatalf("upload: %v %s", err, out)
		}
	}
	out, _, err = run(t, "", "policy", "list", "--db", db)
	if err != nil || !regexp.MustCompile(`(?m)^\*\s+1 .*初始$`).MatchString(out) {
		t.Fatalf("list: %v %q", err, out)
	}
}

// syncBuffer is a bytes.Buffer safe to read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServe starts the server as make run does — an empty database, demo
// data — and reads the home page, a sign-in and the API, then stops it.
func TestServe(t *testing.T) {
	store.SetBcryptCost(4)
	db := filepath.Join(t.TempDir(), "k.db")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"kechuang", "serve", "--addr", "127.0.0.1:0", "--db", db, "--demo", "400"},
			func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	}()
	addr := regexp.MustCompile(`serving on (http://[^/]+)/`)
	var base string
	for deadline := time.Now().Add(60 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("the server did not start: %s\n%s", out.String(), errOut.String())
	}
	for _, want := range []string{"stored 400 demo subjects", "ww-qiye", "ww-kjj", "kechuang-demo"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve --demo did not print %q", want)
		}
	}
	get := func(path string) (int, string) {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/"); code != 200 || !strings.Contains(body, "科创政策平台") {
		t.Errorf("home: %d", code)
	}
	if code, body := get("/api/v1/health"); code != 200 || !strings.Contains(body, `"clauses":71`) && !strings.Contains(body, `"clauses": 71`) {
		t.Errorf("health: %d %s", code, body)
	}
	res, err := http.PostForm(base+"/login", map[string][]string{"id": {"ww-qiye"}, "password": {"kechuang-demo"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Request.URL.Path, "/subjects/") {
		// The client follows the redirect to the 政策体检 without the cookie: a redirect to sign-in means it got there.
		if !strings.HasPrefix(res.Request.URL.Path, "/login") {
			t.Errorf("demo sign-in: %d at %s", res.StatusCode, res.Request.URL)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve stopped with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestSimulateGolden runs each example reform (amount, threshold, cap, new
// clause) over a 2,000-subject demo population and compares the report with
// its golden file (update with -update).
func TestSimulateGolden(t *testing.T) {
	db := filepath.Join(t.TempDir(), "k.db")
	if _, _, err := run(t, "", "demo", "--policies", "../../policies", "--subjects", "2000", "--db", db); err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob("../../examples/reforms/*.yaml")
	if len(paths) < 4 {
		t.Fatalf("%d example reforms: one of each kind (amount, threshold, cap, new clause) is required", len(paths))
	}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".yaml")
		t.Run(name, func(t *testing.T) {
			out, errOut, err := run(t, "", "simulate", "--db", db, "--reform", p, "--region", "6206", "--top", "5")
			if err != nil {
				t.Fatalf("%v\n%s", err, errOut)
			}
			if !strings.Contains(out, "受影响主体") || strings.Contains(out, "受影响主体 0 个") {
				t.Errorf("the reform changes nothing for anyone:\n%s", out)
			}
			golden := filepath.Join("testdata", "golden", "reform-"+name+".txt")
			if *update {
				os.WriteFile(golden, []byte(out), 0o644)
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Errorf("simulate %s differs from %s:\n%s", name, golden, out)
			}
		})
	}
}

// TestSimulateErrors: a reform naming what is not there, or with a
// condition that does not type-check, is refused with its position.
func TestSimulateErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	if _, _, err := run(t, "", "demo", "--policies", "../../policies", "--subjects", "50", "--db", db); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, reform, want string }{
		{"unknown clause", "title: x\nchanges:\n  - clause: nope\n    amount: {fixed: 1万元}\n", "bad.yaml:3:"},
		{"no change", "title: x\nchanges:\n  - clause: ww-hte-new\n", "changes nothing"},
		{"type error", "title: x\nchanges:\n  - clause: ww-hte-new\n    when: subject.name > 3\n", "bad.yaml:4:"},
		{"remove unknown", "title: x\nchanges:\n  - remove: nope\n", "no clause \"nope\""},
		{"add existing", "title: x\nchanges:\n  - add:\n      document: wuwei-2022\n      id: ww-hte-new\n      title: t\n      beneficiary: [enterprise]\n      level: city\n      amount: {fixed: 1万元}\n      payer: 武威市级财政\n", "already in the library"},
	} {
		p := filepath.Join(dir, "bad.yaml")
		os.WriteFile(p, []byte(tt.reform), 0o644)
		_, errOut, err := run(t, "", "simulate", "--db", db, "--reform", p)
		if err == nil || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: %v, stderr %q, want it to contain %q", tt.name, err, errOut, tt.want)
		}
	}
}
