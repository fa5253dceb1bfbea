package rules

import (
	"slices"
	"strings"
	"testing"

	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

func claimsOf(t *testing.T, eng *Engine, id, doc string, at policy.Date, fy int64) (Decision, []Claim) {
	t.Helper()
	c, ok := eng.ClauseByID(id)
	if !ok {
		t.Fatalf("no clause %s", id)
	}
	f, err := facts.DecodeBytes([]byte(doc), id+".json")
	if err != nil {
		t.Fatal(err)
	}
	return eng.NewEvaluator().Claims(c, f, at, fy)
}

func factsByPath(fs []FactUse) map[string]FactUse {
	out := map[string]FactUse{}
	for _, f := range fs {
		out[f.Path] = f
	}
	return out
}

// A clause without for_each pays once: one claim with no event, the
// decision's amount, and the facts its condition and amount read, each with
// the source of the record it came from — the subject's, the year's, or a
// field's own where the year's figures come from several authorities.
func TestClaimsWithoutForEach(t *testing.T) {
	eng := loadLibrary(t)
	tests := []struct {
		name   string
		id     string
		doc    string
		amount money.Interval
		want   map[string]FactUse // by path: Source and Value (Label checked non-empty)
	}{
		{
			name: "ww-super-deduction-first: subject, year and field sources",
			id:   "ww-super-deduction-first",
			doc: `{"subject": {"id": "e1", "kind": "enterprise", "region": "620602", "above_scale": true, "industrial": true, "source": "market"},
				"annual": [{"year": 2023, "source": "self", "sources": {"rd_super_deduction": "tax"}, "super_deduction_first": true, "rd_super_deduction": "60万元"}]}`,
			amount: money.Exact(5 * money.Wan),
			want: map[string]FactUse{
				"subject.above_scale":        {Source: "market", Value: "是"},
				"subject.industrial":         {Source: "market", Value: "是"},
				"last.super_deduction_first": {Source: "self", Value: "是"},
				"last.rd_super_deduction":    {Source: "tax", Value: "60万元"},
			},
		},
		{
			name: "ww-rd-internal: the amount's facts too",
			id:   "ww-rd-internal",
			doc: `{"subject": {"id": "e1", "kind": "enterprise", "region": "620602", "above_scale": true, "industrial": true, "source": "market"},
				"annual": [{"year": 2023, "source": "tax", "sources": {"rd_internal": "stats"}, "rd_internal": "1500万元"}]}`,
			amount: money.Exact(20 * money.Wan),
			want: map[string]FactUse{
				"subject.above_scale": {Source: "market", Value: "是"},
				"subject.industrial":  {Source: "market", Value: "是"},
				"last.rd_internal":    {Source: "stats", Value: "1,500万元"},
			},
		},
		{
			name: "no sources recorded",
			id:   "ww-super-deduction-first",
			doc: `{"subject": {"id": "e1", "kind": "enterprise", "region": "620602", "above_scale": true, "industrial": true},
				"annual": [{"year": 2023, "super_deduction_first": true, "rd_super_deduction": "60万元"}]}`,
			amount: money.Exact(5 * money.Wan),
			want: map[string]FactUse{
				"subject.above_scale":        {Value: "是"},
				"subject.industrial":         {Value: "是"},
				"last.super_deduction_first": {Value: "是"},
				"last.rd_super_deduction":    {Value: "60万元"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, cs := claimsOf(t, eng, tt.id, tt.doc, 20241231, 2024)
			if d.Outcome != Entitled {
				t.Fatalf("outcome %s, want entitled", d.Outcome)
			}
			if len(cs) != 1 {
				t.Fatalf("%d claims, want one: %+v", len(cs), cs)
			}
			cl := cs[0]
			if cl.Event != "" || cl.Chain != "" || cl.Amount != tt.amount || cl.Amount != d.Amount || cl.Unspecified || cl.Cumulative != 0 {
				t.Errorf("claim %+v, want no event and amount %s", cl, tt.amount)
			}
			got := factsByPath(cl.Facts)
			if len(got) != len(cl.Facts) {
				t.Errorf("a fact is listed twice: %+v", cl.Facts)
			}
			for path, w := range tt.want {
				g, ok := got[path]
				if !ok {
					t.Errorf("no fact %s among %+v", path, cl.Facts)
					continue
				}
				if g.Source != w.Source || g.Value != w.Value || g.Label == "" {
					t.Errorf("%s: source %q value %q label %q, want source %q value %q", path, g.Source, g.Value, g.Label, w.Source, w.Value)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("facts %+v, want exactly %d", cl.Facts, len(tt.want))
			}
		})
	}
}

// No entitlement, no claims.
func TestClaimsNotEntitled(t *testing.T) {
	eng := loadLibrary(t)
	tests := []struct{ name, id, doc string }{
		{"exactly 50万 is not 超过50万元", "ww-super-deduction-first",
			`{"subject": {"id": "e1", "kind": "enterprise", "region": "620602", "above_scale": true, "industrial": true},
			  "annual": [{"year": 2023, "super_deduction_first": true, "rd_super_deduction": "50万元"}]}`},
		{"the year's figures unknown", "ww-super-deduction-first",
			`{"subject": {"id": "e1", "kind": "enterprise", "region": "620602", "above_scale": true, "industrial": true}}`},
		{"another region", "ww-super-deduction-first",
			`{"subject": {"id": "e1", "kind": "enterprise", "region": "130407", "above_scale": true, "industrial": true},
			  "annual": [{"year": 2023, "super_deduction_first": true, "rd_super_deduction": "60万元"}]}`},
		{"for_each with no item in the year", "fx-iur-agreement",
			`{"subject": {"id": "e1", "kind": "enterprise", "region": "130407"},
			  "agreements": [{"id": "g1", "kind": "industry_university", "date": "2023-03-01", "active": true}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, cs := claimsOf(t, eng, tt.id, tt.doc, 20241231, 2024)
			if d.Outcome == Entitled {
				t.Fatalf("entitled")
			}
			if cs != nil {
				t.Errorf("claims %+v for outcome %s", cs, d.Outcome)
			}
		})
	}
}

// A for_each clause has one claim per paid item; each claim's facts read
// that item and carry that item's own source.
func TestClaimsPerItemSource(t *testing.T) {
	eng := loadLibrary(t)
	doc := `{"subject": {"id": "e1", "kind": "enterprise", "region": "130407", "source": "market"},
		"agreements": [
			{"id": "g1", "kind": "industry_university", "date": "2024-03-01", "active": true, "source": "sti"},
			{"id": "g0", "kind": "industry_university", "date": "2024-03-01", "active": false, "source": "sti"},
			{"id": "g2", "kind": "industry_university", "date": "2024-04-01", "active": true, "source": "self"},
			{"id": "g3", "kind": "industry_university", "date": "2024-05-01", "active": true}]}`
	d, cs := claimsOf(t, eng, "fx-iur-agreement", doc, 20241231, 2024)
	if d.Outcome != Entitled || d.Events != 3 {
		t.Fatalf("decision %+v, want 3 events", d)
	}
	want := []struct{ event, source string }{{"g1", "sti"}, {"g2", "self"}, {"g3", ""}}
	if len(cs) != len(want) {
		t.Fatalf("%d claims, want %d: %+v", len(cs), len(want), cs)
	}
	var sum money.Interval
	for i, w := range want {
		cl := cs[i]
		sum = sum.Add(cl.Amount)
		if cl.Event != w.event || cl.Chain != w.event || cl.Amount != money.Exact(money.Wan) || cl.Label == "" {
			t.Errorf("claim %d: %+v, want event %s paying 1万元", i, cl, w.event)
		}
		got := factsByPath(cl.Facts)
		for _, p := range []string{"item.kind", "item.active"} {
			f, ok := got[p]
			if !ok {
				t.Errorf("claim %s: no fact %s in %+v", cl.Event, p, cl.Facts)
				continue
			}
			if f.Source != w.source {
				t.Errorf("claim %s: %s has source %q, want the item's %q", cl.Event, p, f.Source, w.source)
			}
		}
		if f := got["item.active"]; f.Value != "是" {
			t.Errorf("claim %s: item.active = %q", cl.Event, f.Value)
		}
	}
	if sum != d.Amount {
		t.Errorf("claims sum to %s, decision %s", sum, d.Amount)
	}
}

// A staged chain's claim names the first stage and the stage's cumulative
// total, whatever order the recognitions are listed in.
func TestClaimsStagedChain(t *testing.T) {
	eng := loadLibrary(t)
	doc := `{"subject": {"id": "i1", "kind": "institute", "region": "620602"},
		"recognitions": [
			{"id": "r2", "kind": "joint_lab", "level": "national", "event": "upgraded", "of": "r1", "date": "2024-05-01", "source": "sti"},
			{"id": "r1", "kind": "joint_lab", "level": "province", "event": "upgraded", "of": "r0", "date": "2023-05-01"},
			{"id": "r0", "kind": "joint_lab", "level": "city", "event": "new", "date": "2022-10-01"}]}`
	_, cs := claimsOf(t, eng, "ww-research-branch-staged", doc, 20241231, 2024)
	if len(cs) != 1 {
		t.Fatalf("claims %+v", cs)
	}
	cl := cs[0]
	if cl.Event != "r2" || cl.Chain != "r0" || cl.Cumulative != 60*money.Wan || cl.Amount != money.Exact(30*money.Wan) {
		t.Errorf("claim %+v, want r2 of chain r0, 30万元 of 累计60万元", cl)
	}
	if f, ok := factsByPath(cl.Facts)["item.level"]; !ok || f.Source != "sti" {
		t.Errorf("item.level: %+v", cl.Facts)
	}
}

// chainRoot follows `of` back to the first stage, and stops on a cycle or a
// dangling reference.
func TestChainRoot(t *testing.T) {
	rs := func(pairs ...string) []facts.Recognition {
		var out []facts.Recognition
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, facts.Recognition{ID: pairs[i], Of: pairs[i+1]})
		}
		return out
	}
	tests := []struct {
		name string
		rs   []facts.Recognition
		i    int
		want string // or, for a cycle, any of its members ("a|b")
	}{
		{"no of", rs("r1", ""), 0, "r1"},
		{"two back", rs("r0", "", "r1", "r0", "r2", "r1"), 2, "r0"},
		{"listed backwards", rs("r2", "r1", "r1", "r0", "r0", ""), 0, "r0"},
		{"dangling of stops at the last known", rs("r1", "gone", "r2", "r1"), 1, "r1"},
		{"a cycle terminates", rs("a", "b", "b", "a"), 0, "a|b"},
		{"a self-reference terminates", rs("a", "a"), 0, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chainRoot(tt.rs, tt.i)
			if !slices.Contains(strings.Split(tt.want, "|"), got) {
				t.Errorf("chainRoot = %q, want %q", got, tt.want)
			}
		})
	}
}
