package service

import (
	"context"
	"testing"

	"kechuang/internal/auth"
	"kechuang/internal/demo"
	"kechuang/internal/indicator"
	"kechuang/internal/rules/rulestest"
	"kechuang/internal/store"
	"kechuang/internal/store/storetest"
)

func newService(t testing.TB, n int) *Service {
	t.Helper()
	db, _ := storetest.Open(t, store.SQLite)
	eng := rulestest.Library(t)
	if n > 0 {
		docs, err := demo.Generate(eng, n, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.PutFactsBatch(context.Background(), docs, store.Entry{Source: "demo", By: "bench"}); err != nil {
			t.Fatal(err)
		}
	}
	reg, err := indicator.LoadRegistry()
	if err != nil {
		t.Fatal(err)
	}
	lib, err := indicator.NewLibrary(reg, eng.Files)
	if err != nil {
		t.Fatal(err)
	}
	as, err := indicator.LoadAssessments(lib)
	if err != nil {
		t.Fatal(err)
	}
	return &Service{Engine: eng, Lib: lib, Assessments: as, Store: db}
}

// BenchmarkDashboard is 武威's 监测评价 page's work on the 5,000-subject demo
// (SQLite): its cards with five years of computed counts, the county
// assessment and the linked policies.
func BenchmarkDashboard(b *testing.B) {
	s := newService(b, 5000)
	u := auth.User{ID: "bench", Role: auth.Staff, Jurisdiction: "620600"}
	for b.Loop() {
		if _, err := s.Dashboard(context.Background(), u, "620600"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDashboardReach: a county officer reads its city's dashboard (the
// city's document concerns it), not another city's; an enterprise none.
func TestDashboardReach(t *testing.T) {
	s := newService(t, 0)
	ctx := context.Background()
	for _, tc := range []struct {
		u  auth.User
		j  string
		ok bool
	}{
		{auth.User{Role: auth.Staff, Jurisdiction: "620602"}, "620600", true},
		{auth.User{Role: auth.Staff, Jurisdiction: "620602"}, "370900", false},
		{auth.User{Role: auth.Finance, Jurisdiction: "370900"}, "370900", true},
		{auth.User{Role: auth.Enterprise, Subject: "x"}, "620600", false},
		{auth.User{Role: auth.Expert}, "620600", false},
		{auth.User{Role: auth.Admin}, "", true},
	} {
		d, err := s.Dashboard(ctx, tc.u, tc.j)
		if (err == nil) != tc.ok {
			t.Errorf("%+v on %q: %v", tc.u, tc.j, err)
		}
		if err == nil && len(d.Cards) == 0 {
			t.Errorf("%+v on %q: no cards", tc.u, tc.j)
		}
	}
}
