package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/fulfil"
	"kechuang/internal/money"
	"kechuang/internal/store"
)

// crashRounds is how many times the server is killed during a batch.
const crashRounds = 50

// TestDisbursementCrash kills the server (SIGKILL) at random points while
// it makes and confirms disbursement batches, crashRounds times on each
// engine, new cases reaching 拨付 before every round; then lets it finish.
// Every case must end paid exactly once, for its amount, and the ledger
// must reconcile to the fen: no payment lost, none duplicated, no batch
// whose total differs from its lines.
func TestDisbursementCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs processes")
	}
	bin := buildBinary(t)
	for name, mk := range testDatabases(t) {
		t.Run(name, func(t *testing.T) { crashRun(t, bin, mk(t)) })
	}
}

const payer = "武威市级财政"

func crashRun(t *testing.T, bin, dsn string) {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The library is uploaded by the first server start; subjects and the
	// finance account are made here.
	subjects := []string{"c1", "c2", "c3", "c4", "c5"}
	for _, s := range subjects {
		doc := fmt.Sprintf(`{"as_of": "2024-12-31", "subject": {"id": %q, "kind": "enterprise", "name": "企业%s", "uscc": "", "region": "620602"}}`, s, s)
		if _, err := db.PutFacts(ctx, []byte(doc), store.Entry{Source: "import", By: "crash test"}); err != nil {
			t.Fatal(err)
		}
	}
	store.SetBcryptCost(4)
	if err := db.CreateUser(ctx, auth.User{ID: "fin", Role: auth.Finance, Jurisdiction: "620600"}, "long enough pw", "crash test"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutEnvelope(ctx, fulfil.Envelope{Payer: payer, Year: 2024, Fen: 1 << 50, Rule: fulfil.Queue}, "crash test"); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	want := map[int64]money.Fen{}
	addCases := func(round, n int) {
		var cs []*fulfil.Case
		now := time.Now()
		for i := range n {
			amount := money.Fen(1 + rng.Int64N(500_000_00))
			c := &fulfil.Case{Clause: "ww-hte-new", Subject: subjects[i%len(subjects)], Region: "620602", Event: fmt.Sprintf("r%d-%d", round, i),
				FY: 2024, Route: fulfil.RouteAuto, Workflow: fulfil.DefaultWorkflow(), Computed: money.Exact(amount), Payer: payer, BudgetYear: 2024,
				StackKey: fmt.Sprintf("crash|%d|%d", round, i)}
			fulfil.Start(c, now)
			c.Step = len(c.Workflow.Steps) - 1
			c.Schedule = []fulfil.Installment{{Year: 2024, Fen: amount}}
			cs = append(cs, c)
		}
		ids, err := db.CreateCases(ctx, "crash test", cs)
		if err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			want[id] = cs[i].Computed.Min
		}
	}
	var window time.Duration // how long one round of work takes, measured on the first
	kills, late := 0, 0      // kills that cut the work short; kills after it had finished
	// Where each kill landed: before anything of the round was committed,
	// after a batch was made but before its confirmation, after a
	// confirmation. The window adapts so that kills spread over all three.
	phases := map[string]int{}
	counts := func() (made, confirmed int) {
		bs, err := db.Batches(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			if b.State == "confirmed" {
				confirmed++
			}
		}
		return len(bs), confirmed
	}
	for round := 0; ; round++ {
		addCases(round, 30)
		srv := startServer(t, bin, dsn)
		fin := srv.signIn(t, "fin")
		last := kills == crashRounds || round > 4*crashRounds
		if !last && window > 0 {
			// Kill at a random point of the round's work.
			delay := time.Duration(rng.Int64N(int64(window)))
			go func() { time.Sleep(delay); srv.kill() }()
		}
		made0, conf0 := counts()
		start := time.Now()
		err := drive(fin)
		if round == 0 {
			window = max(time.Since(start), 5*time.Millisecond)
			t.Logf("one round of batch work takes %s; kills land in [0, %s)", time.Since(start), window)
		}
		if last || round == 0 {
			if err != nil {
				t.Fatalf("round %d without a kill: %v", round, err)
			}
			srv.stop()
			if last {
				break
			}
			continue
		}
		srv.wait()
		if err != nil {
			kills++
		} else {
			late++
		}
		switch made, conf := counts(); {
		case conf > conf0:
			phases["after a confirmation"]++
			window = max(window*4/5, 2*time.Millisecond)
		case made > made0:
			phases["between a batch and its confirmation"]++
		default:
			phases["before any commit"]++
			window = min(window*5/4, 20*time.Second)
		}
	}
	t.Logf("where the kills landed: %v", phases)
	if kills != crashRounds {
		t.Fatalf("%d kills cut a batch short, want %d", kills, crashRounds)
	}
	// Everything is paid exactly once, for its amount.
	ps, err := db.Ledger(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	paid := map[int64]money.Fen{}
	lines := map[int64]int{}
	for _, p := range ps {
		if p.State != "paid" {
			t.Errorf("payment %d still %s", p.ID, p.State)
		}
		paid[p.Case] += p.Fen
		lines[p.Case]++
	}
	for id, amount := range want {
		if lines[id] != 1 || paid[id] != amount {
			t.Errorf("case %d: %d payments of %s in all, want one of %s", id, lines[id], paid[id], amount)
		}
		c, _, err := db.Case(ctx, id)
		if err != nil || c.Status != fulfil.Paid {
			t.Errorf("case %d: %v, %v", id, c.Status, err)
		}
	}
	if len(paid) != len(want) {
		t.Errorf("%d cases paid, want %d", len(paid), len(want))
	}
	r, err := db.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) > 0 {
		t.Errorf("the ledger does not reconcile: %v", r.Problems)
	}
	var total money.Fen
	for _, a := range want {
		total += a
	}
	if r.Paid != total || r.Payments != len(want) {
		t.Errorf("reconciled %d payments, %s paid; want %d, %s", r.Payments, r.Paid, len(want), total)
	}
	bs, _ := db.Batches(ctx)
	t.Logf("%d kills during the batch work (and %d after it had finished); %d cases paid once each, %s in %d batches; the ledger reconciles", kills, late, len(want), total, len(bs))
}

// drive does what a finance officer's client does after a restart: confirm
// every batch still open (one interrupted earlier, or made but not yet
// confirmed), then make the batch of what waits and confirm it.
func drive(c *crashClient) error {
	var list struct {
		Batches []struct {
			ID    int64
			State string
		}
	}
	if err := c.call("GET", "/api/v1/batches", nil, &list); err != nil {
		return err
	}
	for _, b := range list.Batches {
		if b.State == "open" {
			if err := c.call("POST", fmt.Sprintf("/api/v1/batches/%d/confirmation", b.ID), nil, nil); err != nil {
				return err
			}
		}
	}
	var b struct{ ID int64 }
	if err := c.call("POST", "/api/v1/batches", map[string]any{"payer": payer, "year": 2024}, &b); err != nil {
		if strings.Contains(err.Error(), "没有待拨付") {
			return nil
		}
		return err
	}
	return c.call("POST", fmt.Sprintf("/api/v1/batches/%d/confirmation", b.ID), nil, nil)
}

type server struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
}

// startServer starts kechuang serve on dsn and waits until it answers.
func startServer(t *testing.T, bin, dsn string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--db", dsn, "--addr", "127.0.0.1:0")
	cmd.Stderr = io.Discard
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		re := regexp.MustCompile(`serving on (http://[^/]+)/`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	go func() { cmd.Wait(); close(s.done) }()
	select {
	case s.base = <-addr:
	case <-s.done:
		t.Fatal("the server stopped before it served")
	case <-time.After(60 * time.Second):
		s.kill()
		t.Fatal("the server did not start in 60s")
	}
	return s
}

func (s *server) kill() { s.cmd.Process.Signal(os.Kill) }
func (s *server) wait() { <-s.done }
func (s *server) stop() { s.cmd.Process.Signal(os.Interrupt); s.wait() }

type crashClient struct {
	base string
	c    *http.Client
	csrf string
}

func (s *server) signIn(t *testing.T, id string) *crashClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &crashClient{base: s.base, c: &http.Client{Jar: jar, Timeout: 60 * time.Second}}
	var out struct{ CSRF string }
	if err := c.call("POST", "/api/v1/session", map[string]string{"id": id, "password": "long enough pw"}, &out); err != nil {
		t.Fatal(err)
	}
	c.csrf = out.CSRF
	return c
}

func (c *crashClient) call(method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("X-CSRF-Token", c.csrf)
	resp, err := c.c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
