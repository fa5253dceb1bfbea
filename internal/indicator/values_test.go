package indicator

import (
	"errors"
	"strings"
	"testing"

	"kechuang/internal/errs"
)

func TestReadValues(t *testing.T) {
	reg, err := LoadRegistry()
	if err != nil {
		t.Fatal(err)
	}
	head := ValueColumns
	ok := [][]string{head,
		{"全社會研發經費投入強度", "620600", "2023", "0.81%", "2023年统计公报", "初步", ""},
		{"hte_count", "620600", "2024", "72", "科技厅认定名单", "最终", "含整体迁入"},
		{"", "", "", "", "", "", ""},
	}
	got, err := ReadValues(ok, reg)
	if err != nil || len(got) != 2 || got[0].Indicator != "rd_intensity_region" || got[0].Value != "0.81" || got[0].Vintage != "preliminary" || got[1].Vintage != "final" {
		t.Fatalf("%+v %v", got, err)
	}
	for _, tc := range []struct {
		name     string
		row      []string
		line     int
		col      int
		contains string
	}{
		{"unknown indicator", []string{"幸福指数", "620600", "2023", "1", "x", "初步", ""}, 2, 1, "not an indicator"},
		{"bad region", []string{"hte_count", "6206", "2023", "1", "x", "初步", ""}, 2, 2, "GB/T 2260"},
		{"bad year", []string{"hte_count", "620600", "二〇二三", "1", "x", "初步", ""}, 2, 3, "not a year"},
		{"thousands separator", []string{"hte_count", "620600", "2023", "1,200", "x", "初步", ""}, 2, 4, "not a number"},
		{"no source", []string{"hte_count", "620600", "2023", "1", "", "初步", ""}, 2, 5, "comes from"},
		{"bad vintage", []string{"hte_count", "620600", "2023", "1", "x", "估计", ""}, 2, 6, "初步 or 最终"},
	} {
		_, err := ReadValues([][]string{head, tc.row}, reg)
		var l errs.List
		if !errors.As(err, &l) || len(l) != 1 || l[0].Pos.Line != tc.line || l[0].Pos.Col != tc.col || !strings.Contains(l[0].Msg, tc.contains) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := ReadValues([][]string{{"指标", "年份"}}, reg); err == nil {
		t.Error("a sheet with other columns was read")
	}
}

func FuzzReadValues(f *testing.F) {
	reg, err := LoadRegistry()
	if err != nil {
		f.Fatal(err)
	}
	f.Add("指标\t地区代码\t年份\t数值\t来源\t版本\t备注\nhte_count\t620600\t2024\t72\t名单\t最终\t")
	f.Add("指标\t地区代码\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		var rows [][]string
		for _, line := range strings.Split(s, "\n") {
			rows = append(rows, strings.Split(line, "\t"))
		}
		got, err := ReadValues(rows, reg)
		if err != nil {
			var l errs.List
			var e *errs.Error
			if !errors.As(err, &l) && !errors.As(err, &e) {
				t.Fatalf("unpositioned error %T: %v", err, err)
			}
			return
		}
		for _, e := range got {
			if _, ok := reg.ByID(e.Indicator); !ok || !numberRE.MatchString(e.Value) || e.Vintage == "" {
				t.Fatalf("an entry read wrong: %+v", e)
			}
		}
	})
}
