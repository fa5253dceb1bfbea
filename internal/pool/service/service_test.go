package service

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/fulfil"
	"kechuang/internal/money"
	"kechuang/internal/pool"
	"kechuang/internal/rules"
	"kechuang/internal/rules/rulestest"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

// nearHTE is a 肥乡 enterprise one condition short of 高新技术企业 (its R&D
// ratio): a candidate for the 高企培育库.
const nearHTE = `{"as_of": "2025-06-01",
 "subject": {"id": "fx1", "kind": "enterprise", "name": "肥乡测试科技有限公司", "region": "130407", "established": "2018-03-01", "resident": true},
 "annual": [
  {"year": 2022, "sales": "3000万元", "rd_expense": "60万元", "rd_domestic": "60万元", "assets": "5000万元", "liabilities": "2000万元", "conversions": 2},
  {"year": 2023, "sales": "3600万元", "rd_expense": "70万元", "rd_domestic": "70万元", "assets": "6000万元", "liabilities": "2200万元", "conversions": 2},
  {"year": 2024, "sales": "4000万元", "rd_expense": "80万元", "rd_domestic": "80万元", "employees": 100, "st_staff": 12,
   "total_income": "4100万元", "ht_income": "3000万元", "assets": "7000万元", "liabilities": "2400万元", "conversions": 2}],
 "ip": [{"id": "p1", "kind": "invention_patent", "date": "2021-05-01", "acquired": "own"}],
 "recognitions": [], "incidents": []}`

var (
	officer = auth.User{ID: "fx-officer", Role: auth.Staff, Jurisdiction: "130407"}
	wuwei   = auth.User{ID: "ww-officer", Role: auth.Staff, Jurisdiction: "620600"}
	firm    = auth.User{ID: "fx1-user", Role: auth.Enterprise, Subject: "fx1"}
	other   = auth.User{ID: "fx2-user", Role: auth.Enterprise, Subject: "fx2"}
)

func setup(t *testing.T, db *store.DB) *Service {
	t.Helper()
	ctx := context.Background()
	for _, doc := range []string{nearHTE, strings.ReplaceAll(strings.ReplaceAll(nearHTE, `"fx1"`, `"fx2"`), "肥乡测试", "肥乡另一")} {
		if _, err := db.PutFacts(ctx, []byte(doc), store.Entry{Source: "entry", By: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)
	return &Service{Engine: rulestest.Library(t), Store: db, Now: func() time.Time { return now }}
}

// TestAdmissionMakesTheProposal walks a membership of 肥乡's 高企培育库 from
// invitation to a follow-up note, on both engines: admission records the
// pool entry in the facts and makes the 3万元 proposal of 二（二）.
func TestAdmissionMakesTheProposal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		ctx := context.Background()
		s := setup(t, db)
		cands, counts, err := s.Candidates(ctx, officer, "fx_hte_pool", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(cands) != 2 || cands[0].Check.Admission != rules.Admissible || counts[rules.Admissible] != 2 || cands[0].Check.Distance != 1 {
			t.Fatalf("candidates %+v counts %v, want fx1 and fx2 admissible one condition from 高企", cands, counts)
		}
		m, err := s.Start(ctx, officer, "fx_hte_pool", "fx1", pool.Invite, "研发费用比例差一项，邀请入库培育")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Start(ctx, officer, "fx_hte_pool", "fx1", pool.Invite, ""); errs.KindOf(err) != errs.Conflict {
			t.Errorf("a second invitation: got %v, want a conflict", err)
		}
		if cands, _, _ := s.Candidates(ctx, officer, "fx_hte_pool", 10); len(cands) != 1 || cands[0].Subject.ID != "fx2" {
			t.Errorf("after the invitation the candidates are %v, want fx2 only", cands)
		}
		if _, err := s.Act(ctx, other, m.ID, 0, pool.Request{Act: pool.ApplyAct}); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another enterprise acting on fx1's invitation: got %v, want not found", err)
		}
		if _, err := s.Act(ctx, wuwei, m.ID, 0, pool.Request{Act: pool.Pass}); errs.KindOf(err) != errs.NotFound {
			t.Errorf("a 武威 officer on a 肥乡 membership: got %v, want not found", err)
		}
		m, err = s.Act(ctx, firm, m.ID, m.Version, pool.Request{Act: pool.ApplyAct, Note: "同意入库"})
		if err != nil {
			t.Fatal(err)
		}
		stale := m.Version
		if m, err = s.Act(ctx, officer, m.ID, m.Version, pool.Request{Act: pool.Pass, Note: "符合入库标准"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Act(ctx, officer, m.ID, stale, pool.Request{Act: pool.Pass}); errs.KindOf(err) != errs.Conflict {
			t.Errorf("an act on a stale version: got %v, want a conflict", err)
		}
		if m, err = s.Act(ctx, officer, m.ID, m.Version, pool.Request{Act: pool.Pass, Note: "审批入库"}); err != nil {
			t.Fatal(err)
		}
		if m.State != pool.Admitted || m.Admitted != "2026-12-04" || len(m.Cases) != 1 || m.Entry == "" {
			t.Fatalf("after the last step: %+v", m)
		}
		cs, err := db.Cases(ctx, store.CaseFilter{Subject: "fx1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 || cs[0].ID != m.Cases[0] || cs[0].Clause != "fx-hte-pool" || cs[0].Computed != money.Exact(3_000_000) ||
			cs[0].Route != fulfil.RouteAuto || cs[0].Event != m.Entry || cs[0].FY != 2026 {
			t.Fatalf("cases %+v, want one 免申即享 proposal of 3万元 for fx-hte-pool, event %s", cs, m.Entry)
		}
		f, v, err := db.Facts(ctx, "fx1")
		if err != nil {
			t.Fatal(err)
		}
		if v != 2 || len(f.Pools) != 1 || f.Pools[0].Pool != "fx_hte_pool" || f.Pools[0].Source != "sti" || f.Pools[0].Date != "2026-12-04" || cs[0].FactVersion != 2 {
			t.Errorf("facts v%d pools %+v, case on facts v%d: want v2 with the entry (source sti)", v, f.Pools, cs[0].FactVersion)
		}
		if m, err = s.Act(ctx, officer, m.ID, m.Version, pool.Request{Act: pool.Assign, Officer: "王科长", Note: "补足研发费用比例至5%"}); err != nil {
			t.Fatal(err)
		}
		if m, err = s.Act(ctx, officer, m.ID, m.Version, pool.Request{Act: pool.Note, Note: "上门辅导研发费用归集", Next: "提交专项审计报告", NextDate: "2027-01-15"}); err != nil {
			t.Fatal(err)
		}
		got, hist, _, err := s.Member(ctx, firm, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, e := range hist {
			acts = append(acts, string(e.Act))
		}
		if strings.Join(acts, " ") != "invite apply pass pass assign note" || got.Officer != "王科长" || got.NextDate != "2027-01-15" {
			t.Errorf("the enterprise sees acts %v, officer %q, next %q", acts, got.Officer, got.NextDate)
		}
		if last := hist[len(hist)-1]; last.Next != "提交专项审计报告" || last.By != officer.ID {
			t.Errorf("the note: %+v", last)
		}
		if ms, err := s.Memberships(ctx, firm, "fx1"); err != nil || len(ms) != 1 {
			t.Errorf("the enterprise's memberships: %v, %v", ms, err)
		}
		if _, err := s.Memberships(ctx, other, "fx1"); err == nil {
			t.Error("another enterprise listed fx1's memberships")
		}
		if _, _, _, err := s.Member(ctx, other, m.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another enterprise reading the membership: got %v, want not found", err)
		}
		entries, err := db.Audit(ctx, "pool_member/"+itoa(m.ID))
		if err != nil || len(entries) != 6 {
			t.Errorf("audit of the membership: %d entries, %v; want 6", len(entries), err)
		}
		// The enterprise is certified: the pool page suggests graduation, staff graduate it.
		hte, _ := s.Engine.PoolByID("fx_hte_pool")
		if ex, err := s.Exits(ctx, hte, []*pool.Member{m}); err != nil || len(ex) != 0 {
			t.Errorf("exits before the certificate: %v %v", ex, err)
		}
		doc, _, _ := db.FactsDoc(ctx, "fx1")
		certified := strings.Replace(string(doc), `"recognitions":[]`, `"recognitions":[{"id":"r9","kind":"high_tech_enterprise","level":"national","event":"new","date":"2025-05-20","source":"certificate"}]`, 1)
		if certified == string(doc) {
			t.Fatalf("test setup: no empty recognitions in %s", doc)
		}
		if _, err := db.PutFacts(ctx, []byte(certified), store.Entry{Source: "certificate", By: "test"}); err != nil {
			t.Fatal(err)
		}
		if ex, err := s.Exits(ctx, hte, []*pool.Member{m}); err != nil || ex[m.ID].Kind != "graduate" || ex[m.ID].Text != "认定为国家高新技术企业" {
			t.Errorf("exits after the certificate: %v %v", ex, err)
		}
		if m, err = s.Act(ctx, officer, m.ID, m.Version, pool.Request{Act: pool.Graduate, Note: "2025年认定为高新技术企业"}); err != nil || m.State != pool.Graduated {
			t.Fatalf("graduate: %v %+v", err, m)
		}
		if cands, _, _ := s.Candidates(ctx, officer, "fx_hte_pool", 10); len(cands) != 1 || cands[0].Subject.ID != "fx2" {
			t.Errorf("a graduate is a candidate again: %v", cands)
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestAdmissionIsAtomic: when the subject's facts change between the
// review and the admission, the admission is refused and nothing of it is
// written — no facts version, no case, the membership where it was.
func TestAdmissionIsAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ string) {
		ctx := context.Background()
		s := setup(t, db)
		m, err := s.Start(ctx, officer, "fx_hte_pool", "fx1", pool.ApplyAct, "")
		if err != nil {
			t.Fatal(err)
		}
		if m, err = s.Act(ctx, officer, m.ID, m.Version, pool.Request{Act: pool.Pass}); err != nil {
			t.Fatal(err)
		}
		// a concurrent correction lands between FactsDoc and AdmitMember:
		// simulate it by admitting on a version that is no longer current
		before := *m
		hte, _ := s.Engine.PoolByID("fx_hte_pool")
		ev, err := pool.Apply(hte.Pool, m, pool.Request{Act: pool.Pass, By: officer.ID, Staff: true}, s.now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.PutFacts(ctx, []byte(nearHTE), store.Entry{Source: "entry", By: "someone"}); err != nil {
			t.Fatal(err)
		}
		_, err = db.AdmitMember(ctx, m, before.Version, ev, store.Admission{Doc: []byte(nearHTE), Version: 1, Entry: store.Entry{Source: "pool", By: officer.ID},
			Cases: []*fulfil.Case{{Clause: "fx-hte-pool", Subject: "fx1", Event: "x", Period: 2026}}})
		if errs.KindOf(err) != errs.Conflict {
			t.Fatalf("admission on stale facts: got %v, want a conflict", err)
		}
		got, hist, err := db.Member(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != pool.Reviewing || len(got.Cases) != 0 || len(hist) != 2 {
			t.Errorf("after the refused admission: %+v, %d events", got, len(hist))
		}
		if cs, _ := db.Cases(ctx, store.CaseFilter{Subject: "fx1"}); len(cs) != 0 {
			t.Errorf("cases written: %+v", cs)
		}
		if _, v, _ := db.Facts(ctx, "fx1"); v != 2 {
			t.Errorf("facts at version %d, want 2 (the correction only)", v)
		}
	})
}

// TestAdmissionChecksCriteria: a subject that no longer meets the criteria
// at the last step is refused with what it lacks.
func TestAdmissionChecksCriteria(t *testing.T) {
	ctx := context.Background()
	db, _ := storetest.Open(t, store.SQLite)
	s := setup(t, db)
	m, err := s.Start(ctx, officer, "fx_hte_pool", "fx1", pool.ApplyAct, "")
	if err != nil {
		t.Fatal(err)
	}
	if m, err = s.Act(ctx, officer, m.ID, m.Version, pool.Request{Act: pool.Pass}); err != nil {
		t.Fatal(err)
	}
	certified := strings.Replace(nearHTE, `"recognitions": []`, `"recognitions": [{"id": "r1", "kind": "high_tech_enterprise", "level": "national", "event": "new", "date": "2025-01-10"}]`, 1)
	if _, err := db.PutFacts(ctx, []byte(certified), store.Entry{Source: "certificate", By: "test"}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Act(ctx, officer, m.ID, m.Version, pool.Request{Act: pool.Pass})
	if errs.KindOf(err) != errs.Conflict || !strings.Contains(err.Error(), "尚未认定为高新技术企业") {
		t.Fatalf("admitting an enterprise already certified: got %v", err)
	}
	if got, _, _ := db.Member(ctx, m.ID); got.State != pool.Reviewing {
		t.Errorf("the membership moved to %s", got.State)
	}
}
