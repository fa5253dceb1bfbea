package indicator

import (
	"slices"
	"testing"

	"io/fs"
	"kechuang"
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
