package project

import (
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

func TestConflicts(t *testing.T) {
	bid := Parties{ID: "b1", Units: []string{"u-lead", "u-partner"}, People: []string{"p-lead", "p-member"}}
	ties := []Tie{
		{A: "e-share", B: "u-lead", Kind: "shareholding", Source: "企业年报"},
		{A: "u-partner", B: "e-rep", Kind: "legal_rep", Source: "登记信息"},
		{A: "e-co", B: "p-lead", Kind: "co_applicant", Source: "2023年项目"},
		{A: "e-decl", B: "p-member", Kind: "declared", Source: "专家声明"},
		{A: "p-member", B: "u-colleague", Kind: "employment", Source: "任职记录"},
	}
	for _, tc := range []struct {
		e    Expert
		kind string // "" no conflict
	}{
		{Expert{ID: "e-same", Unit: "u-lead"}, "same_unit"},
		{Expert{ID: "p-lead"}, "same_unit"},
		{Expert{ID: "e-share", Unit: "u-x"}, "shareholding"},
		{Expert{ID: "e-rep", Unit: "u-y"}, "legal_rep"},
		{Expert{ID: "e-co", Unit: "u-z"}, "co_applicant"},
		{Expert{ID: "e-decl"}, "declared"},
		{Expert{ID: "e-colleague", Unit: "u-colleague"}, "same_unit"},
		{Expert{ID: "e-holder-unit", Unit: "e-share"}, "shareholding"}, // the expert's unit holds shares in the lead
		{Expert{ID: "e-free", Unit: "u-other"}, ""},
	} {
		cs := Conflicts(tc.e, bid, ties)
		switch {
		case tc.kind == "" && len(cs) > 0:
			t.Errorf("%s: unexpected conflicts %+v", tc.e.ID, cs)
		case tc.kind != "" && (len(cs) == 0 || cs[0].Kind != tc.kind || cs[0].Detail == ""):
			t.Errorf("%s: conflicts %+v, want %s", tc.e.ID, cs, tc.kind)
		}
	}
}

// TestTiesFromFacts: an appointment or a shareholding in force ties the
// person or unit to the subject, and so does its legal representative;
// one ended or not begun does not.
func TestTiesFromFacts(t *testing.T) {
	f, err := facts.DecodeBytes([]byte(`{"subject": {"id": "u1", "kind": "enterprise", "region": "620602", "legal_rep": "p-rep"},
	  "appointments": [{"id": "a1", "kind": "tech_vp", "level": "city", "role": "host", "person": "p1", "from": "2023-01-01"},
	                   {"id": "a2", "kind": "tech_vp", "level": "city", "role": "host", "person": "p2", "from": "2020-01-01", "to": "2022-12-31"},
	                   {"id": "a3", "kind": "tech_vp", "level": "city", "role": "host", "person": "p3", "from": "2025-01-01"}],
	  "shareholders": [{"id": "s1", "holder": "u-parent", "share": "35%", "from": "2021-05-01"},
	                   {"id": "s2", "holder": "p-sold", "from": "2019-01-01", "to": "2023-12-31"}]}`), "")
	if err != nil {
		t.Fatal(err)
	}
	at, _ := policy.ParseDate("2024-06-01")
	ties := TiesFromFacts([]*facts.Facts{f}, at)
	var got []string
	for _, x := range ties {
		got = append(got, x.Kind+":"+x.A+"→"+x.B)
	}
	if want := []string{"employment:p1→u1", "legal_rep:p-rep→u1", "shareholding:u-parent→u1"}; !slices.Equal(got, want) {
		t.Errorf("ties %v, want %v", got, want)
	}
	// an expert of the parent company, the legal representative: kept from u1's bid
	for _, e := range []Expert{{ID: "e1", Unit: "u-parent"}, {ID: "p-rep"}} {
		if cs := Conflicts(e, Parties{ID: "b", Units: []string{"u1"}}, ties); len(cs) != 1 {
			t.Errorf("expert %+v: conflicts %+v", e, cs)
		}
	}
	// the registry's tie keeps p1 from reviewing u1's bid
	a, err := Assign([]Expert{{ID: "p1", Fields: []string{"新材料"}}, {ID: "p9", Fields: []string{"新材料"}}}, []Parties{{ID: "b", Units: []string{"u1"}}}, ties, 1, "新材料")
	if err != nil || len(a.Reviewers["b"]) != 1 || a.Reviewers["b"][0] != "p9" {
		t.Errorf("assignment %+v %v", a, err)
	}
}

// TestAssignNeverConflicted: on random pools, bids and ties, no expert is
// ever assigned a bid it is tied to, every bid that gets reviewers gets
// exactly per of them, distinct, and a shortfall is an error, not a
// conflicted reviewer.
func TestAssignNeverConflicted(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nu, np := rapid.IntRange(2, 8).Draw(t, "units"), rapid.IntRange(2, 12).Draw(t, "people")
		unit := func(i int) string { return fmt.Sprintf("u%d", i) }
		person := func(i int) string { return fmt.Sprintf("p%d", i) }
		var experts []Expert
		for i := range np {
			if rapid.Bool().Draw(t, "is expert") {
				experts = append(experts, Expert{ID: person(i), Unit: unit(rapid.IntRange(0, nu-1).Draw(t, "unit"))})
			}
		}
		var ties []Tie
		kinds := []string{"employment", "shareholding", "legal_rep", "co_applicant", "declared"}
		for range rapid.IntRange(0, 20).Draw(t, "ties") {
			a := person(rapid.IntRange(0, np-1).Draw(t, "a"))
			var b string
			if rapid.Bool().Draw(t, "to a unit") {
				b = unit(rapid.IntRange(0, nu-1).Draw(t, "b"))
			} else {
				b = person(rapid.IntRange(0, np-1).Draw(t, "b"))
			}
			ties = append(ties, Tie{A: a, B: b, Kind: rapid.SampledFrom(kinds).Draw(t, "kind")})
		}
		var bids []Parties
		for i := range rapid.IntRange(1, 5).Draw(t, "bids") {
			bids = append(bids, Parties{ID: fmt.Sprintf("b%d", i), Units: []string{unit(rapid.IntRange(0, nu-1).Draw(t, "lead"))},
				People: []string{person(rapid.IntRange(0, np-1).Draw(t, "head"))}})
		}
		per := rapid.IntRange(1, 3).Draw(t, "per")
		a, err := Assign(experts, bids, ties, per, "")
		if err != nil {
			return // not enough free experts: refused, which is allowed
		}
		for _, b := range bids {
			got := a.Reviewers[b.ID]
			if len(got) != per || len(slices.Compact(slices.Sorted(slices.Values(got)))) != per {
				t.Fatalf("bid %s got %v, want %d distinct", b.ID, got, per)
			}
			for _, id := range got {
				i := slices.IndexFunc(experts, func(e Expert) bool { return e.ID == id })
				if cs := Conflicts(experts[i], b, ties); len(cs) > 0 {
					t.Fatalf("expert %s assigned bid %s despite %+v", id, b.ID, cs)
				}
			}
		}
	})
}
