package fulfil

import (
	"strings"
	"testing"

	"kechuang/internal/money"
)

func staged() *Case {
	return &Case{ID: 7, Status: Open, Computed: money.Interval{Min: 30 * money.Wan, Max: 100 * money.Wan},
		Decided: &Decision{Fen: 80 * money.Wan}, Hold: []int{1, 2},
		Schedule: []Installment{{Year: 2025, Fen: 32 * money.Wan}, {Year: 2026, Fen: 24 * money.Wan, Held: true}, {Year: 2027, Fen: 24 * money.Wan, Held: true}}}
}

func TestGates(t *testing.T) {
	none := func(int) bool { return false }
	first := func(i int) bool { return i == 0 }

	c := staged()
	if err := c.Release(1); err != nil || c.Schedule[1].Held || !c.Schedule[2].Held || len(c.Hold) != 1 {
		t.Fatalf("release: %v %+v hold %v", err, c.Schedule, c.Hold)
	}

	// Cut with the first year paid: 48万 freed, the case ends at once.
	c = staged()
	freed, err := c.Cut(first, first, "赛马未通过中期评估")
	if err != nil || freed != 48*money.Wan || len(c.Schedule) != 1 || c.Status != Ended || c.Ended == "" || !c.Final() {
		t.Fatalf("cut: freed %s err %v schedule %+v status %s", freed, err, c.Schedule, c.Status)
	}
	if _, err := c.Cut(first, first, "again"); err == nil {
		t.Error("a second cut of an ended case should be refused")
	}
	// The first year in an open batch: the case stays open until it is paid.
	c = staged()
	if _, err := c.Cut(first, none, "x"); err != nil || c.Status != Open {
		t.Fatalf("cut with a batched year: %v status %s", err, c.Status)
	}
	// Not yet at 拨付: all of the decided amount is freed.
	c = staged()
	c.Schedule = nil
	if freed, _ := c.Cut(none, none, "x"); freed != 80*money.Wan || c.Status != Ended {
		t.Fatalf("cut before 拨付: freed %s status %s", freed, c.Status)
	}

	// Top: the freed funds go to the last unpaid year, within the clause's cap.
	c = staged()
	if err := c.Top(20*money.Wan, first, Decision{Reason: "赛马接续", By: "s"}); err != nil || c.Schedule[2].Fen != 44*money.Wan || c.Decided.Fen != 100*money.Wan {
		t.Fatalf("top: %v schedule %+v decided %+v", err, c.Schedule, c.Decided)
	}
	// Before 拨付 the plan the schedule will be made from takes them.
	c = staged()
	c.Planned, c.Schedule = c.Schedule, nil
	if err := c.Top(20*money.Wan, none, Decision{}); err != nil || c.Planned[2].Fen != 44*money.Wan {
		t.Fatalf("top before 拨付: %v %+v", err, c.Planned)
	}
	c.Planned, c.Decided = nil, &Decision{Fen: 80 * money.Wan}
	if err := c.Top(money.Wan, none, Decision{}); err == nil || !strings.Contains(err.Error(), "没有分年度拨付计划") {
		t.Errorf("top without a plan: %v", err)
	}
	c = staged()
	if err := c.Top(20*money.Wan+1, first, Decision{}); err == nil || !strings.Contains(err.Error(), "超过文件规定的上限") {
		t.Errorf("top over the cap: %v", err)
	}
	c = staged()
	if err := c.Top(money.Wan, func(int) bool { return true }, Decision{}); err == nil || !strings.Contains(err.Error(), "没有未拨付的年度") {
		t.Errorf("top with every year paid: %v", err)
	}
}
