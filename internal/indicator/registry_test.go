package indicator

import (
	"io/fs"
	"slices"
	"strings"
	"testing"

	"kechuang"
	"kechuang/internal/hanzi"
	"kechuang/internal/policy"
)

func library(t *testing.T) *Library {
	t.Helper()
	reg, err := LoadRegistry()
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := fs.Sub(kechuang.Policies, "policies")
	files, err := policy.LoadFS(sub, "policies")
	if err != nil {
		t.Fatal(err)
	}
	lib, err := NewLibrary(reg, files)
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

func TestRegistry(t *testing.T) {
	lib := library(t)
	reg := lib.Registry
	for _, tc := range []struct{ name, id string }{
		{"綜合科技創新水平指數", "st_innovation_index"},
		{"综合科技进步水平指数", "st_innovation_index"}, // 武威's other name for the same index
		{"全社會研發經費投入強度", "rd_intensity_region"},
		{"高新技術企業", "hte_count"},
	} {
		if in, ok := reg.ByName(tc.name); !ok || in.ID != tc.id {
			t.Errorf("ByName(%q) = %v, want %s", tc.name, in, tc.id)
		}
	}
	if len(lib.Rows) != 15 {
		t.Errorf("%d table rows joined, want 武威's 15", len(lib.Rows))
	}
	if j := lib.Jurisdictions("hte_count"); !slices.Contains(j, "620600") {
		t.Errorf("hte_count is used by %v", j)
	}
}

// TestEveryTargetSentence: every sentence the coverage annotations mark as
// a target is encoded — by a target whose quote shares a run of it, or a
// table row — or its note says why not: it restates another target
// (同一), or it sets no number that can be tracked (无可跟踪的数值).
func TestEveryTargetSentence(t *testing.T) {
	sub, _ := fs.Sub(kechuang.Policies, "policies")
	files, err := policy.LoadFS(sub, "policies")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		for _, a := range f.Coverage {
			if a.Reason != "target" {
				continue
			}
			n++
			q := []rune(hanzi.Fold(a.Quote))
			hit := strings.Contains(a.Note, "同一") || strings.Contains(a.Note, "无可跟踪的数值")
			for _, tg := range f.Targets {
				tq := hanzi.Fold(tg.Citation.Quote)
				for i := 0; i+8 <= len(q) && !hit; i++ {
					hit = strings.Contains(tq, string(q[i:i+8]))
				}
			}
			for _, tb := range f.Tables {
				for _, row := range tb.Rows {
					hit = hit || hanzi.Fold(row.Name) == string(q)
				}
			}
			if !hit {
				t.Errorf("%s: the target sentence %q has no target", a.Pos, a.Quote)
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d target sentences annotated: the scan is broken", n)
	}
}
