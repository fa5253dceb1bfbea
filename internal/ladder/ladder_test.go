package ladder

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"kechuang/internal/demo"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/rules/rulestest"
)

func library(t testing.TB) *rules.Engine { return rulestest.Library(t) }

type rec struct {
	kind, date, until string
}

func subject(t interface{ Fatal(...any) }, id string, recs ...rec) *facts.Facts {
	var rs []string
	for i, r := range recs {
		u := ""
		if r.until != "" {
			u = fmt.Sprintf(`, "valid_until": %q`, r.until)
		}
		rs = append(rs, fmt.Sprintf(`{"id": "r%d", "kind": %q, "level": "national", "event": "new", "date": %q, "source": "certificate"%s}`, i, r.kind, r.date, u))
	}
	doc := fmt.Sprintf(`{"as_of": "2025-12-31", "subject": {"id": %q, "kind": "enterprise", "name": "企业%s", "region": "620602"}, "recognitions": [%s]}`,
		id, id, strings.Join(rs, ","))
	f, err := facts.DecodeBytes([]byte(doc), id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A subject climbs 科技型中小企业 (2022) → 高新技术企业 (2023, three years):
// its place each year end, the flows, and counts that reconcile.
func TestPlacesAndFlows(t *testing.T) {
	e := library(t)
	a := subject(t, "a", rec{"sme_tech", "2022-04-01", ""}, rec{"high_tech_enterprise", "2023-11-20", ""})
	b := subject(t, "b", rec{"sme_tech", "2023-05-01", ""})
	c := subject(t, "c")
	l, err := Build(e, []*facts.Facts{a, b, c}, 2022, 2024)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		year    int64
		id, top string
	}{
		{2021, "a", None}, {2022, "a", "sme_tech"}, {2023, "a", "high_tech_enterprise"}, {2024, "a", "high_tech_enterprise"},
		{2022, "b", None}, {2023, "b", "sme_tech"}, {2024, "b", None}, // 科技型中小企业 is valid for its year only
		{2024, "c", None},
	} {
		if got := l.Place[tt.year][tt.id]; got != tt.top {
			t.Errorf("%s at the end of %d: %q, want %q", tt.id, tt.year, got, tt.top)
		}
	}
	if n := l.Flows[2023][[2]string{"sme_tech", "high_tech_enterprise"}]; n != 1 {
		t.Errorf("小升高 in 2023: %d, want 1", n)
	}
	if n := l.Flows[2024][[2]string{"sme_tech", None}]; n != 1 {
		t.Errorf("lapsed 科技型中小企业 in 2024: %d, want 1", n)
	}
	if p := l.Reconcile(); len(p) > 0 {
		t.Errorf("does not reconcile: %v", p)
	}
	if !slices.Equal(l.Years, []int64{2022, 2023, 2024}) {
		t.Errorf("years %v", l.Years)
	}
}

// Property: whatever the recognitions, every year's counts sum to the
// population and reconcile with the flows; a flow never goes from a rung to itself.
func TestReconcileProperty(t *testing.T) {
	e := library(t)
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 12).Draw(t, "n")
		var subjects []*facts.Facts
		for i := range n {
			var recs []rec
			for range rapid.IntRange(0, 4).Draw(t, "recs") {
				y := rapid.IntRange(2018, 2025).Draw(t, "year")
				r := rec{kind: rapid.SampledFrom(rules.Rungs).Draw(t, "kind"), date: fmt.Sprintf("%04d-%02d-15", y, rapid.IntRange(1, 12).Draw(t, "month"))}
				if rapid.Bool().Draw(t, "until") {
					r.until = fmt.Sprintf("%04d-06-30", y+rapid.IntRange(0, 4).Draw(t, "years"))
				}
				recs = append(recs, r)
			}
			subjects = append(subjects, subject(t, fmt.Sprint("s", i), recs...))
		}
		l, err := Build(e, subjects, 2019, 2025)
		if err != nil {
			t.Fatal(err)
		}
		if p := l.Reconcile(); len(p) > 0 {
			t.Fatalf("does not reconcile: %v", p)
		}
		for _, y := range append([]int64{2018}, l.Years...) {
			sum := 0
			for _, c := range l.Counts[y] {
				sum += c
			}
			if sum != n {
				t.Fatalf("%d: counts sum to %d, want %d", y, sum, n)
			}
		}
		for y, fs := range l.Flows {
			for k := range fs {
				if k[0] == k[1] {
					t.Fatalf("%d: a flow from %q to itself", y, k[0])
				}
			}
		}
	})
}

// Reconcile notices counts that do not follow from the flows.
func TestReconcileFindsDiscrepancy(t *testing.T) {
	e := library(t)
	l, err := Build(e, []*facts.Facts{subject(t, "a", rec{"sme_tech", "2023-04-01", ""})}, 2023, 2023)
	if err != nil {
		t.Fatal(err)
	}
	l.Counts[2023]["sme_tech"]++
	if p := l.Reconcile(); len(p) != 1 || !strings.Contains(p[0], "科技型中小企业") {
		t.Errorf("a wrong count: %v", p)
	}
}

// Candidates on the demo population: grouped by next rung, each ranked
// closest first (qualifying, then awaiting review, then fewest conditions
// failed), each naming what it lacks.
func TestCandidatesRanked(t *testing.T) {
	e := library(t)
	subjects, err := demo.Subjects(e, 300, 1)
	if err != nil {
		t.Fatal(err)
	}
	at, _ := policy.ParseDate("2025-06-30")
	cs := Candidates(e, subjects, at)
	total := 0
	for to, list := range cs {
		total += len(list)
		if !slices.IsSortedFunc(list, distance) {
			t.Errorf("candidates for %s are not ranked", to)
		}
		for _, c := range list {
			if c.To != to {
				t.Fatalf("a candidate for %s listed under %s", c.To, to)
			}
			if c.Verdict == rules.NotQualified && (c.Failed == 0 || len(c.Lacks) != c.Failed) {
				t.Errorf("%s does not qualify for %s but lacks nothing: %+v", c.Subject.ID, to, c)
			}
		}
	}
	if total == 0 {
		t.Fatal("no candidates at all: the test proves nothing")
	}
}
