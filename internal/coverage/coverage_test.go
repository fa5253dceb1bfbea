package coverage

import (
	"strings"
	"testing"

	"kechuang/internal/hanzi"
	"kechuang/internal/policy"
)

func TestFlagged(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"给予20万元一次性补助", true},
		{"投入强度达到2.8%", true},
		{"每年解决难题不少于10项", true},
		{"给予资金支持", true},
		{"對新認定的企業給予獎勵", true}, // traditional, folded first
		{"加强组织领导", false},
		{"到2025年,全市科技实力明显提升", false},
	}
	for _, tt := range tests {
		if got := Flagged(hanzi.Fold(tt.s)); got != tt.want {
			t.Errorf("Flagged(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestAnalyze(t *testing.T) {
	src := "一、总则\n加强组织领导。对新认定的企业给予20万元补助;力争研发投入强度达到2%。\n给予资金支持。"
	f := &policy.File{Document: policy.Document{ID: "d"}, Source: src,
		Clauses:  []*policy.Clause{{ID: "c1", Citation: policy.Citation{Quote: "对新认定的企业给予20万元补助"}}},
		Coverage: []*policy.Annotation{{Quote: "力争研发投入强度达到2%", Reason: "target"}, {Quote: "加强组织领导", Reason: "context"}},
	}
	sents, errs := Analyze(f)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "加强组织领导") {
		t.Errorf("want one error for the annotation that covers nothing, got %v", errs)
	}
	if len(sents) != 3 {
		t.Fatalf("want 3 flagged sentences, got %d: %+v", len(sents), sents)
	}
	if sents[0].Clauses[0] != "c1" || sents[1].Reason != "target" || sents[2].Accounted() || sents[2].Line != 3 {
		t.Errorf("sentences = %+v", sents)
	}
}
