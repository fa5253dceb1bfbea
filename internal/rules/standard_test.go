package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// TestAssessmentsNarrowScores: recording experts' points for score items
// only narrows a standard's score range, never leaves it, and never changes
// a verdict the open range had already decided. Once every open item is
// judged and no fact is missing, the score is one number.
func TestAssessmentsNarrowScores(t *testing.T) {
	eng := loadLibrary(t)
	rapid.Check(t, func(t *rapid.T) {
		fy := int64(rapid.IntRange(2022, 2026).Draw(t, "fy"))
		f := drawFacts(t, fy)
		f.Subject.Kind = "enterprise"
		at := policy.Date(fy*10000 + 1231)
		ev := eng.NewEvaluator()
		for _, s := range eng.Standards {
			if s.Score == nil {
				continue
			}
			open := ev.Assess(s, f, at)
			if open.Verdict == VerdictNotApplicable {
				continue
			}
			sc := open.Score
			if sc.Min < 0 || sc.Min > sc.Max || sc.Max > sc.Of {
				t.Fatalf("%s: score range [%d, %d] of %d", s.ID, sc.Min, sc.Max, sc.Of)
			}
			g := *f
			g.Assessments = nil
			for _, grp := range s.groups {
				for _, it := range grp.items {
					if it.src.Expert == "" {
						continue
					}
					p := rapid.IntRange(0, it.src.Max).Draw(t, s.ID+"/"+it.src.ID)
					g.Assessments = append(g.Assessments, facts.Assessment{ID: fmt.Sprint("a", len(g.Assessments)), Standard: s.ID,
						Item: it.src.ID, Points: int64(p), Date: at.String()})
				}
			}
			judged := ev.Assess(s, &g, at)
			js := judged.Score
			if js.Min < sc.Min || js.Max > sc.Max {
				t.Fatalf("%s: judged score [%d, %d] outside the open range [%d, %d]", s.ID, js.Min, js.Max, sc.Min, sc.Max)
			}
			if (open.Verdict == Qualifies || open.Verdict == NotQualified) && judged.Verdict != open.Verdict {
				t.Fatalf("%s: verdict %s became %s once experts scored", s.ID, open.Verdict, judged.Verdict)
			}
			if len(judged.Missing) == 0 && js.Min != js.Max {
				t.Fatalf("%s: every item judged and no fact missing, yet the score is [%d, %d]", s.ID, js.Min, js.Max)
			}
		}
	})
}

// BenchmarkAssessHTE: one subject against the 高新技术企业 standard (nine
// conditions, fourteen score items), explanation included.
func BenchmarkAssessHTE(b *testing.B) {
	eng := loadLibrary(b)
	s, ok := eng.StandardByID("hte-2016")
	if !ok {
		b.Fatal("no hte-2016")
	}
	f := exampleFacts(b, "wuwei-hte-candidate.json")
	at := policy.Date(20241231)
	ev := eng.NewEvaluator()
	b.ReportAllocs()
	for b.Loop() {
		ev.Assess(s, f, at)
	}
}

// BenchmarkLadder: every standard for one subject, placed on the ladder.
func BenchmarkLadder(b *testing.B) {
	eng := loadLibrary(b)
	f := exampleFacts(b, "ladder-sme-near-hte.json")
	at := policy.Date(20250601)
	ev := eng.NewEvaluator()
	b.ReportAllocs()
	for b.Loop() {
		ev.Ladder(f, at)
	}
}

// TestExtendsReplacesGroups: a province's version of a national standard
// (extends) replaces the named score group, is assessed instead of the base
// for subjects in the province, and leaves the base for everyone else.
func TestExtendsReplacesGroups(t *testing.T) {
	files, err := policy.LoadDir("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	fx, err := policy.LoadFile("testdata/province/fixture-specialized.yaml")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := Compile(append(files, fx))
	if err != nil {
		t.Fatal(err)
	}
	ext, ok := eng.StandardByID("fixture-specialized-sme")
	if !ok {
		t.Fatal("extension not compiled")
	}
	if ext.Status != "specialized_sme" || len(ext.requires) == 0 {
		t.Fatalf("extension did not inherit the base: status %q, %d conditions", ext.Status, len(ext.requires))
	}
	ids := func(list []*Standard) (out []string) {
		for _, s := range list {
			out = append(out, s.ID)
		}
		return out
	}
	at := policy.Date(20250601)
	for _, tt := range []struct {
		region        string
		want, notWant string
	}{
		{"370902", "fixture-specialized-sme", "specialized-sme-2022"},
		{"620602", "specialized-sme-2022", "fixture-specialized-sme"},
	} {
		f := &facts.Facts{Subject: facts.Subject{ID: "e", Kind: "enterprise", Region: tt.region, StrategicEmerging: true}}
		f.Subject.Known = ^facts.Mask(0)
		got := ids(eng.StandardsFor(f, at))
		if !slices.Contains(got, tt.want) || slices.Contains(got, tt.notWant) {
			t.Errorf("region %s: standards %v, want %s and not %s", tt.region, got, tt.want, tt.notWant)
		}
	}
	f := &facts.Facts{Subject: facts.Subject{ID: "e", Kind: "enterprise", Region: "370902", StrategicEmerging: true}}
	f.Subject.Known = ^facts.Mask(0)
	a := eng.NewEvaluator().Assess(ext, f, at)
	var special *GroupResult
	for i := range a.Score.Groups {
		if a.Score.Groups[i].ID == "special" {
			special = &a.Score.Groups[i]
		}
	}
	if special == nil || special.Min != 15 || special.Max != 15 || special.Items[0].ID != "special-strategic" {
		t.Fatalf("the province's 特色化 group was not used: %+v", special)
	}
	if fails, _ := eng.RunTests(); len(fails) > 0 {
		t.Fatalf("tests fail with the extension: %v", fails)
	}
}

// TestSupersedesByDate: a revision added beside an old pack (supersedes)
// assesses the dates from its valid_from; the old pack keeps the dates
// before, and its file is untouched.
func TestSupersedesByDate(t *testing.T) {
	files, err := policy.LoadDir("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	fx, err := policy.LoadFile("testdata/revision/fixture-revision.yaml")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := Compile(append(files, fx))
	if err != nil {
		t.Fatal(err)
	}
	f := &facts.Facts{Subject: facts.Subject{ID: "e", Kind: "enterprise", Region: "370902"}}
	f.Subject.Known = ^facts.Mask(0)
	for _, tt := range []struct {
		at            policy.Date
		want, notWant string
	}{
		{20260531, "innovative-sme-2022", "fixture-innovative-2026"},
		{20260601, "fixture-innovative-2026", "innovative-sme-2022"},
	} {
		var got []string
		for _, s := range eng.StandardsFor(f, tt.at) {
			if s.InForce(tt.at) {
				got = append(got, s.ID)
			}
		}
		if !slices.Contains(got, tt.want) || slices.Contains(got, tt.notWant) {
			t.Errorf("at %s: standards %v, want %s and not %s", tt.at, got, tt.want, tt.notWant)
		}
	}
	if fails, _ := eng.RunTests(); len(fails) > 0 {
		t.Fatalf("tests fail with the revision: %v", fails)
	}
}

// TestEvaluateAssessed: a status the pack finds and no certificate holds is
// projected — 新认定 without an earlier certificate, 重新认定 after one
// expired — and the clauses paying for it say so and stay out of the totals.
func TestEvaluateAssessed(t *testing.T) {
	eng := loadLibrary(t)
	at := policy.Date(20241231)
	find := func(r *Report, id string) *ClauseResult {
		for i := range r.Clauses {
			if r.Clauses[i].Clause == id {
				return &r.Clauses[i]
			}
		}
		return nil
	}
	for _, tt := range []struct {
		name          string
		old           []facts.Recognition
		paid, notPaid string
	}{
		{"first certificate", nil, "fx-hte-new", "fx-hte-renewed"},
		{"after an expired one", []facts.Recognition{{ID: "old", Kind: "high_tech_enterprise", Level: "national", Event: "new",
			Date: "2021-10-18", ValidUntil: "2024-10-17", Source: "certificate", Year: 2021, Known: ^facts.Mask(0)}}, "fx-hte-renewed", "fx-hte-new"},
	} {
		f := exampleFacts(t, "feixiang-hte-candidate.json")
		f.Recognitions = append(f.Recognitions, tt.old...)
		r := eng.NewEvaluator().EvaluateAssessed(f, at, 2024)
		c := find(r, tt.paid)
		if c == nil || c.Outcome != Entitled || !c.Projected || c.Basis != "assessment" || !strings.Contains(c.Explanation, "预评估") {
			t.Fatalf("%s: %s is %+v, want a projected entitlement resting on the assessment", tt.name, tt.paid, c)
		}
		if o := find(r, tt.notPaid); o != nil && o.Outcome == Entitled {
			t.Errorf("%s: %s also paid", tt.name, tt.notPaid)
		}
		for _, tot := range r.Totals {
			if tot.Payer == c.Payer && tot.BudgetYear == c.BudgetYear {
				t.Errorf("%s: the projected amount is in the totals: %+v", tt.name, tot)
			}
		}
		if len(r.Projected) != 1 || r.Projected[0].Amount.MinFen != c.Amount.MinFen {
			t.Errorf("%s: projected totals %+v, want the one projected clause", tt.name, r.Projected)
		}
		// Without --assess nothing is projected.
		if plain := find(eng.NewEvaluator().Evaluate(f, at, 2024), tt.paid); plain != nil && plain.Outcome == Entitled {
			t.Errorf("%s: %s paid without a certificate or an assessment", tt.name, tt.paid)
		}
	}
	// A certificate in force means no projection.
	f := exampleFacts(t, "feixiang-hte-candidate.json")
	f.Recognitions = append(f.Recognitions, facts.Recognition{ID: "cur", Kind: "high_tech_enterprise", Level: "national", Event: "new",
		Date: "2023-10-18", ValidUntil: "2026-10-17", Source: "certificate", Year: 2023, Known: ^facts.Mask(0)})
	for _, c := range eng.NewEvaluator().EvaluateAssessed(f, at, 2024).Clauses {
		if c.Projected {
			t.Errorf("%s projected although a certificate is in force", c.Clause)
		}
	}
}
