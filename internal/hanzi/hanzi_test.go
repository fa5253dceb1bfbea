package hanzi

import (
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	tests := []struct{ a, b string }{
		{"對新認定的高新技術企業給予20萬元一次性補助", "对新认定的高新技术企业给予20万元一次性补助"},
		{"按照当年度实际到位项目资金的5%且不高于100万元", "按照当年度实际到位项目资金的5％且不高于100万元"},
		{"到 2025 年,全市", "到2025年，全市"},
		{"（责任单位：市科技局）", "(责任单位:市科技局)"},
	}
	for _, tt := range tests {
		if Fold(tt.a) != Fold(tt.b) {
			t.Errorf("Fold(%q) = %q, Fold(%q) = %q; want equal", tt.a, Fold(tt.a), tt.b, Fold(tt.b))
		}
	}
}

func TestFoldIndexMapsBack(t *testing.T) {
	src := "前言 對新認定的高新技術企業，給予20萬元"
	f, idx := FoldIndex(src)
	q := Fold("新认定的高新技术企业,给予")
	i := strings.Index(f, q)
	if i < 0 {
		t.Fatalf("folded quote %q not in %q", q, f)
	}
	runeStart := len([]rune(f[:i]))
	if got := src[idx[runeStart]:]; !strings.HasPrefix(got, "新認定") {
		t.Errorf("mapped back to %q, want prefix 新認定", got)
	}
}
