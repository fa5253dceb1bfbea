package project

import (
	"os"
	"strings"
	"testing"

	"kechuang/internal/hanzi"
)

func TestDecideTolerance(t *testing.T) {
	ok := ToleranceCase{Project: "p", Level: "city", ProcedureComplete: true, Cause: "route", Diligence: []string{"研发记录", "中期报告"},
		Reviews: []ToleranceReview{{Method: "peer", Confirm: true, By: "同行评议组"}}}
	if d := DecideTolerance(ok); !d.Granted || d.Record || len(d.Reasons) != 0 || d.Section != "四（一）6" {
		t.Errorf("a case meeting every condition: %+v", d)
	}
	for _, tc := range []struct {
		name   string
		change func(*ToleranceCase)
		record bool
	}{
		{"a provincial project", func(c *ToleranceCase) { c.Level = "province" }, false},
		{"an incomplete procedure", func(c *ToleranceCase) { c.ProcedureComplete = false }, false},
		{"another cause", func(c *ToleranceCase) { c.Cause = "other" }, false},
		{"no evidence of diligence", func(c *ToleranceCase) { c.Diligence = nil }, false},
		{"the review does not confirm", func(c *ToleranceCase) { c.Reviews[0].Confirm = false }, false},
		{"a review of another kind", func(c *ToleranceCase) { c.Reviews[0].Method = "self" }, false},
		{"misconduct", func(c *ToleranceCase) { c.Misconduct = true }, true},
	} {
		c := ok
		c.Reviews = append([]ToleranceReview(nil), ok.Reviews...)
		tc.change(&c)
		d := DecideTolerance(c)
		if d.Granted || d.Record != tc.record || len(d.Reasons) != 1 {
			t.Errorf("%s: %+v", tc.name, d)
		}
	}
	src, _ := os.ReadFile("../../policies/source/002_e8e5995f61b7636d.txt")
	if !strings.Contains(hanzi.Fold(string(src)), hanzi.Fold(toleranceQuote)) {
		t.Error("the 容错 rule's quote is not in the source")
	}
}
