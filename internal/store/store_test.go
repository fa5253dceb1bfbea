package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/store/pgtest"
)

// engines opens a fresh, empty store on each engine: a temp SQLite file and
// a throwaway PostgreSQL database (dropped afterwards). Without a PostgreSQL
// server the PostgreSQL run is skipped loudly — or fails, when
// KECHUANG_REQUIRE_POSTGRES is set (CI sets it).
func engines(t *testing.T) map[Engine]func(t testing.TB) *DB {
	return map[Engine]func(t testing.TB) *DB{
		SQLite: func(t testing.TB) *DB {
			db, err := Open(context.Background(), filepath.Join(t.TempDir(), "sub", "kechuang.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
		Postgres: func(t testing.TB) *DB {
			db, err := Open(context.Background(), pgtest.Database(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
}

// each runs fn against a fresh store on every engine.
func each(t *testing.T, fn func(t *testing.T, db *DB)) {
	for _, e := range []Engine{SQLite, Postgres} {
		t.Run(string(e), func(t *testing.T) { fn(t, engines(t)[e](t)) })
	}
}

func doc(id, name string, revenue string) []byte {
	return []byte(fmt.Sprintf(`{"as_of": "2024-12-31", "subject": {"id": %q, "kind": "enterprise", "name": %q, "region": "620602"},
		"annual": [{"year": 2024, "revenue": %q}]}`, id, name, revenue))
}

func TestFactsHistory(t *testing.T) {
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		v1, err := db.PutFacts(ctx, doc("e1", "甲公司", "1000万元"), Entry{Source: "import", By: "alice"})
		if err != nil || v1 != 1 {
			t.Fatalf("first version: %d, %v", v1, err)
		}
		v2, err := db.PutFacts(ctx, doc("e1", "甲公司", "1200万元"), Entry{Source: "entry", By: "bob", Note: "更正营业收入"})
		if err != nil || v2 != 2 {
			t.Fatalf("correction: %d, %v", v2, err)
		}
		f, v, err := db.Facts(ctx, "e1")
		if err != nil || v != 2 || f.Annual[0].Revenue != 1_200_000_000 {
			t.Fatalf("current facts: version %d, %v, %+v", v, err, f)
		}
		h, err := db.History(ctx, "e1")
		if err != nil || len(h) != 2 {
			t.Fatalf("history: %v, %d versions", err, len(h))
		}
		if !strings.Contains(string(h[0].Facts), "1000万元") || h[0].By != "alice" || h[1].By != "bob" || h[1].Note != "更正营业收入" {
			t.Errorf("the correction erased or mislabelled the old value: %+v", h)
		}
		if _, _, err := db.Facts(ctx, "nobody"); errs.KindOf(err) != errs.NotFound {
			t.Errorf("missing subject: %v, want not found", err)
		}
		if _, err := db.PutFacts(ctx, []byte(`{"subject": {"id": "x"}}`), Entry{Source: "api", By: "c"}); errs.KindOf(err) != errs.Invalid {
			t.Errorf("invalid facts: %v, want invalid", err)
		}
		if _, err := db.PutFacts(ctx, doc("e2", "乙", "1元"), Entry{}); errs.KindOf(err) != errs.Invalid {
			t.Errorf("no source or author: %v, want invalid", err)
		}
	})
}

// Concurrent corrections of one subject each get their own version; none
// is lost.
func TestConcurrentVersions(t *testing.T) {
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		const n = 16
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := db.PutFacts(ctx, doc("e1", "甲", fmt.Sprintf("%d万元", 100+i)), Entry{Source: "api", By: fmt.Sprint("u", i)})
				errc <- err
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		h, err := db.History(ctx, "e1")
		if err != nil || len(h) != n {
			t.Fatalf("%d versions (%v), want %d", len(h), err, n)
		}
		for i, v := range h {
			if v.Version != i+1 {
				t.Fatalf("versions %v are not 1…%d", h, n)
			}
		}
		if got, err := db.VerifyAudit(ctx); err != nil || got != n {
			t.Fatalf("audit after concurrent writes: %d entries, %v; want %d and a whole chain", got, err, n)
		}
	})
}

func TestSubjectsFilter(t *testing.T) {
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		for i, s := range []struct{ id, region, name string }{
			{"a1", "620602", "武威甲"}, {"a2", "620621", "民勤乙"}, {"b1", "130407", "肥乡丙"}, {"c_%", "620602", "百分_公司"},
		} {
			d := fmt.Sprintf(`{"subject": {"id": %q, "kind": "enterprise", "name": %q, "region": %q}}`, s.id, s.name, s.region)
			if _, err := db.PutFacts(ctx, []byte(d), Entry{Source: "demo", By: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(fl Filter) string {
			rows, err := db.Subjects(ctx, fl)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range rows {
				out = append(out, r.ID)
			}
			return strings.Join(out, ",")
		}
		for _, tt := range []struct {
			fl   Filter
			want string
		}{
			{Filter{}, "a1,a2,b1,c_%"},
			{Filter{Region: "6206"}, "a1,a2,c_%"},
			{Filter{Region: "130407"}, "b1"},
			{Filter{Query: "民勤"}, "a2"},
			{Filter{Query: "_"}, "c_%"}, // LIKE wildcards are matched literally
			{Filter{Limit: 2}, "a1,a2"},
			{Filter{Limit: 2, After: "a2"}, "b1,c_%"},
		} {
			if got := ids(tt.fl); got != tt.want {
				t.Errorf("%+v: %s, want %s", tt.fl, got, tt.want)
			}
		}
	})
}

func TestPolicyVersionsAndEvaluations(t *testing.T) {
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if _, _, err := db.PolicyVersion(ctx, 0); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("empty library: %v, want not found", err)
		}
		lib := PolicyFiles{"a.yaml": []byte("document: …"), "source/a.txt": []byte("第一条……")}
		v1, err := db.SavePolicyVersion(ctx, lib, "admin", "初始")
		if err != nil || v1 != 1 {
			t.Fatalf("save: %d, %v", v1, err)
		}
		if again, err := db.SavePolicyVersion(ctx, lib, "admin", ""); err != nil || again != 1 {
			t.Fatalf("the same files again: version %d, %v, want 1", again, err)
		}
		lib2 := PolicyFiles{"a.yaml": []byte("document: 2"), "source/a.txt": []byte("第一条……")}
		if v2, err := db.SavePolicyVersion(ctx, lib2, "admin", "修订"); err != nil || v2 != 2 {
			t.Fatalf("a changed library: %d, %v, want 2", v2, err)
		}
		files, v, err := db.PolicyVersion(ctx, 0)
		if err != nil || v != 2 || string(files["a.yaml"]) != "document: 2" {
			t.Fatalf("latest: %d, %v, %q", v, err, files["a.yaml"])
		}
		if files, _, err := db.PolicyVersion(ctx, 1); err != nil || string(files["a.yaml"]) != "document: …" {
			t.Fatalf("version 1 changed: %v %q", err, files["a.yaml"])
		}
		// The version in force: none until activated; then the one activated, even an older one.
		if _, err := db.ActivePolicyVersion(ctx); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("active before any activation: %v, want not found", err)
		}
		if err := db.ActivatePolicyVersion(ctx, 9, "admin"); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("activating version 9: %v, want not found", err)
		}
		for _, v := range []int{2, 1, 1} {
			if err := db.ActivatePolicyVersion(ctx, v, "admin"); err != nil {
				t.Fatal(err)
			}
			if got, err := db.ActivePolicyVersion(ctx); err != nil || got != v {
				t.Fatalf("active: %d, %v, want %d", got, err, v)
			}
		}
		infos, err := db.PolicyVersions(ctx)
		if err != nil || len(infos) != 2 || infos[0].Version != 2 || infos[0].Active || !infos[1].Active || infos[1].Note != "初始" {
			t.Fatalf("versions: %v %+v", err, infos)
		}
		log, err := db.Audit(ctx, "policy/active")
		if err != nil || len(log) != 2 || log[1].Before != "version 2" || log[1].After != "version 1" {
			t.Fatalf("activations in the audit log: %v %+v", err, log)
		}
		fv, err := db.PutFacts(ctx, doc("e1", "甲", "1元"), Entry{Source: "api", By: "u"})
		if err != nil {
			t.Fatal(err)
		}
		id, err := db.RecordEvaluation(ctx, Evaluation{SubjectID: "e1", FactVersion: fv, PolicyVersion: 2, At: "2024-12-31",
			FiscalYear: 2024, Report: []byte(`{"ok": true}`), By: "u"})
		if err != nil || id == 0 {
			t.Fatalf("record: %d, %v", id, err)
		}
		if _, err := db.RecordEvaluation(ctx, Evaluation{SubjectID: "e1", FactVersion: 9, PolicyVersion: 2, At: "2024-12-31",
			FiscalYear: 2024, Report: []byte(`{}`), By: "u"}); errs.KindOf(err) != errs.Invalid {
			t.Errorf("evaluation of unstored facts: %v, want invalid", err)
		}
		evs, err := db.Evaluations(ctx, "e1")
		if err != nil || len(evs) != 1 || evs[0].PolicyVersion != 2 || evs[0].FactVersion != fv || string(evs[0].Report) != `{"ok": true}` {
			t.Fatalf("evaluations: %v %+v", err, evs)
		}
	})
}

// Opening an existing store again applies no migration twice and keeps the data.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.db")
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutFacts(ctx, doc("e1", "甲", "1元"), Entry{Source: "api", By: "u"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, v, err := db.Facts(ctx, "e1"); err != nil || v != 1 {
		t.Fatalf("after reopening: %d, %v", v, err)
	}
}

// A batch is stored whole or not at all.
func TestBatchAllOrNothing(t *testing.T) {
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		_, err := db.PutFactsBatch(ctx, [][]byte{doc("e1", "甲", "1元"), []byte(`{"subject": {"id": "e2"}}`)}, Entry{Source: "import", By: "u"})
		if errs.KindOf(err) != errs.Invalid {
			t.Fatalf("a batch with a bad document: %v, want invalid", err)
		}
		if _, _, err := db.Facts(ctx, "e1"); errs.KindOf(err) != errs.NotFound {
			t.Fatalf("the good document of a failed batch was stored: %v", err)
		}
		vs, err := db.PutFactsBatch(ctx, [][]byte{doc("e1", "甲", "1元"), doc("e1", "甲", "2元"), doc("e2", "乙", "3元")}, Entry{Source: "import", By: "u"})
		if err != nil || fmt.Sprint(vs) != "[1 2 1]" {
			t.Fatalf("batch: %v %v", vs, err)
		}
	})
}

// Every change leaves an audit entry with who, what and before/after; the
// chain verifies, and altering, removing or reordering an entry is caught.
func TestAuditChain(t *testing.T) {
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if _, err := db.PutFacts(ctx, doc("e1", "甲", "1元"), Entry{Source: "import", By: "alice"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PutFacts(ctx, doc("e1", "甲", "2元"), Entry{Source: "entry", By: "bob"}); err != nil {
			t.Fatal(err)
		}
		pv, err := db.SavePolicyVersion(ctx, PolicyFiles{"a.yaml": []byte("x")}, "admin", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.RecordEvaluation(ctx, Evaluation{SubjectID: "e1", FactVersion: 2, PolicyVersion: pv, At: "2024-12-31",
			FiscalYear: 2024, Report: []byte("{}"), By: "carol"}); err != nil {
			t.Fatal(err)
		}
		n, err := db.VerifyAudit(ctx)
		if err != nil || n != 4 {
			t.Fatalf("verify: %d, %v", n, err)
		}
		es, err := db.Audit(ctx, "subject/e1")
		if err != nil || len(es) != 3 {
			t.Fatalf("entries for e1: %d, %v", len(es), err)
		}
		if es[0].Actor != "alice" || es[0].Before != "" || !strings.Contains(es[1].Before, `"1元"`) || !strings.Contains(es[1].After, `"2元"`) ||
			es[2].Action != "evaluation.record" || es[2].Actor != "carol" {
			t.Fatalf("entries do not say who changed what from what: %+v", es)
		}
		for _, tamper := range []struct {
			sql, want string
		}{
			{`UPDATE audit_log SET after = 'forged' WHERE seq = 2`, "entry 2: its content does not match"},
			{`DELETE FROM audit_log WHERE seq = 2`, "expected entry 2"},
		} {
			if _, err := db.w.Exec(tamper.sql); err != nil {
				t.Fatal(err)
			}
			if _, err := db.VerifyAudit(ctx); errs.KindOf(err) != errs.Conflict || !strings.Contains(err.Error(), tamper.want) {
				t.Errorf("after %q: %v, want a conflict mentioning %q", tamper.sql, err, tamper.want)
			}
		}
	})
}

func TestAccounts(t *testing.T) {
	SetBcryptCost(4)
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		clock := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
		db.now = func() time.Time { return clock }
		officer := auth.User{ID: "fx-officer", Role: auth.Staff, Jurisdiction: "130407", Department: "区科技和工业信息化局"}
		if err := db.CreateUser(ctx, officer, "long enough pw", "admin"); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateUser(ctx, officer, "long enough pw", "admin"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("duplicate account: %v", err)
		}
		if err := db.CreateUser(ctx, auth.User{ID: "x", Role: auth.Staff, Jurisdiction: "130407"}, "short", "admin"); errs.KindOf(err) != errs.Invalid {
			t.Errorf("short password: %v", err)
		}
		if err := db.CreateUser(ctx, auth.User{ID: "y", Role: auth.Enterprise}, "long enough pw", "admin"); errs.KindOf(err) != errs.Invalid {
			t.Errorf("enterprise account without a subject: %v", err)
		}
		u, err := db.Authenticate(ctx, "fx-officer", "long enough pw")
		if err != nil || u.Jurisdiction != "130407" || u.Role != auth.Staff {
			t.Fatalf("login: %+v %v", u, err)
		}
		if _, err := db.Authenticate(ctx, "nobody", "long enough pw"); errs.KindOf(err) != errs.Permission {
			t.Errorf("unknown account: %v", err)
		}
		for range MaxFailures {
			if _, err := db.Authenticate(ctx, "fx-officer", "wrong password"); errs.KindOf(err) != errs.Permission {
				t.Fatalf("wrong password: %v", err)
			}
		}
		if _, err := db.Authenticate(ctx, "fx-officer", "long enough pw"); err == nil {
			t.Fatal("the right password works during the lock")
		}
		clock = clock.Add(LockFor + time.Second)
		if _, err := db.Authenticate(ctx, "fx-officer", "long enough pw"); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		tok, csrf, err := db.CreateSession(ctx, "fx-officer")
		if err != nil || tok == "" || csrf == "" || tok == csrf {
			t.Fatalf("session: %v", err)
		}
		if su, c, err := db.Session(ctx, tok); err != nil || su.ID != "fx-officer" || c != csrf {
			t.Fatalf("session lookup: %+v %v", su, err)
		}
		if _, _, err := db.Session(ctx, tok+"x"); errs.KindOf(err) != errs.Permission {
			t.Errorf("a forged token: %v", err)
		}
		clock = clock.Add(SessionTTL)
		if _, _, err := db.Session(ctx, tok); errs.KindOf(err) != errs.Permission {
			t.Errorf("an expired session: %v", err)
		}
		clock = clock.Add(-SessionTTL)
		db.EndSession(ctx, tok)
		if _, _, err := db.Session(ctx, tok); errs.KindOf(err) != errs.Permission {
			t.Errorf("after sign-out: %v", err)
		}
		if es, _ := db.Audit(ctx, "user/fx-officer"); len(es) != 1 || es[0].Action != "user.create" {
			t.Errorf("account creation not audited: %+v", es)
		}
	})
}

// TestShards: workers claim distinct shards; a shard whose worker stops
// renewing its lease is claimed again, and the first worker can then
// neither renew nor complete it; results are written once per shard.
func TestShards(t *testing.T) {
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		for i := range 10 {
			if _, err := db.PutFacts(ctx, doc(fmt.Sprintf("s%02d", i), "甲", "1元"), Entry{Source: "import", By: "t"}); err != nil {
				t.Fatal(err)
			}
		}
		pv, err := db.SavePolicyVersion(ctx, PolicyFiles{"a.yaml": []byte("x")}, "t", "")
		if err != nil {
			t.Fatal(err)
		}
		run, err := db.CreateRun(ctx, pv, "", 0, 3, "t")
		if err != nil {
			t.Fatal(err)
		}
		shards, err := db.Shards(ctx, run)
		if err != nil || len(shards) != 3 || shards[0].From != "" || shards[2].Before != "" || shards[0].Before != shards[1].From {
			t.Fatalf("shards: %v %+v", err, shards)
		}
		a, ok, err := db.ClaimShard(ctx, run, "A", time.Minute)
		if err != nil || !ok || a.Index != 0 {
			t.Fatalf("A claims: %v %v %+v", err, ok, a)
		}
		b, ok, err := db.ClaimShard(ctx, run, "B", time.Minute)
		if err != nil || !ok || b.Index != 1 {
			t.Fatalf("B claims: %v %v %+v", err, ok, b)
		}
		res := func(s Shard, subj string) []Result {
			return []Result{{Subject: subj, Clause: "c1", Outcome: "entitled", Region: "620602", FY: 2024, MinFen: 100, MaxFen: 200}}
		}
		if err := db.CompleteShard(ctx, a, 4, res(a, "s00")); err != nil {
			t.Fatal(err)
		}
		// B stops renewing: an hour later its lease has run out and C takes shard 1 over.
		real := db.now
		db.now = func() time.Time { return real().Add(time.Hour) }
		c, ok, err := db.ClaimShard(ctx, run, "C", time.Minute)
		if err != nil || !ok || c.Index != 1 || c.Attempt != 2 {
			t.Fatalf("C takes over: %v %v %+v", err, ok, c)
		}
		if err := db.RenewLease(ctx, &b, time.Minute); errs.KindOf(err) != errs.Conflict {
			t.Errorf("B renews a lost lease: %v", err)
		}
		if err := db.CompleteShard(ctx, b, 3, res(b, "s04")); errs.KindOf(err) != errs.Conflict {
			t.Errorf("B completes a lost shard: %v", err)
		}
		if err := db.CompleteShard(ctx, c, 3, res(c, "s05")); err != nil {
			t.Fatal(err)
		}
		if err := db.CompleteShard(ctx, c, 3, res(c, "s05")); errs.KindOf(err) != errs.Conflict {
			t.Errorf("completing a done shard again: %v", err)
		}
		d, ok, err := db.ClaimShard(ctx, run, "C", time.Minute)
		if err != nil || !ok || d.Index != 2 {
			t.Fatalf("the last shard: %v %v %+v", err, ok, d)
		}
		if err := db.CompleteShard(ctx, d, 3, nil); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := db.ClaimShard(ctx, run, "A", time.Minute); ok || err != nil {
			t.Fatalf("a claim after every shard is done: %v %v", ok, err)
		}
		var got []string
		if err := db.Results(ctx, run, func(r Result) error { got = append(got, r.Subject+"/"+r.Clause); return nil }); err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != "s00/c1 s05/c1" {
			t.Errorf("results: %v", got)
		}
	})
}

// TestIndicatorValues: values are kept, never overwritten; the value in
// force is the latest final one, else the latest preliminary; a bad value
// is refused naming its field and nothing of the batch is stored.
func TestIndicatorValues(t *testing.T) {
	each(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		v := func(year int, val, vintage string) IndicatorValue {
			return IndicatorValue{Indicator: "rd_intensity_region", Region: "620600", Period: year, Value: val, Source: "统计公报", Vintage: vintage, EnteredBy: "staff"}
		}
		if err := db.PutIndicatorValues(ctx, []IndicatorValue{v(2022, "0.70", "preliminary"), v(2022, "0.72", "final"), v(2022, "0.74", "preliminary"), v(2023, "0.81", "preliminary")}); err != nil {
			t.Fatal(err)
		}
		got, err := db.IndicatorValues(ctx, "rd_intensity_region", "620600", false)
		if err != nil || len(got) != 2 || got[0].Value != "0.72" || got[1].Value != "0.81" {
			t.Fatalf("in force: %+v %v", got, err)
		}
		if all, _ := db.IndicatorValues(ctx, "rd_intensity_region", "620600", true); len(all) != 4 {
			t.Errorf("history: %d rows, want 4", len(all))
		}
		bad := v(2024, "1,2", "final")
		err = db.PutIndicatorValues(ctx, []IndicatorValue{v(2024, "0.9", "final"), bad})
		if errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "value") {
			t.Errorf("a bad value: %v", err)
		}
		if got, _ := db.IndicatorValues(ctx, "rd_intensity_region", "620600", false); len(got) != 2 {
			t.Errorf("part of a refused batch was stored: %+v", got)
		}
	})
}
