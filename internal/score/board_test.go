package score

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func board(top int) *Board {
	return &Board{ID: "hard-tech", Name: "“硬科技”企业榜单（测试）", Method: "研发费用不低于100万元的企业，按研发费用和营业收入排名，取前若干名",
		Eligible: "last.rd_expense >= wan(100)", Set: twoIndicators, Top: top}
}

// A board lists the eligible subjects only, ranked, the first Top; a
// subject whose eligibility is unknown is not listed; the next year's
// edition reports who entered, who left and who moved.
func TestBoardPublishAndDiff(t *testing.T) {
	y1 := mustFacts(t,
		enterprise("a", "620602", "C26", `{"year": 2024, "rd_expense": "500万元", "revenue": "1亿元"}`, ""),
		enterprise("b", "620602", "C26", `{"year": 2024, "rd_expense": "300万元", "revenue": "2亿元"}`, ""),
		enterprise("c", "620602", "C26", `{"year": 2024, "rd_expense": "50万元", "revenue": "9亿元"}`, ""), // below the rule
		enterprise("d", "620602", "C26", `{"year": 2024, "revenue": "3亿元"}`, ""),                       // R&D unknown
		enterprise("e", "620602", "C26", `{"year": 2024, "rd_expense": "200万元", "revenue": "5000万元"}`, ""),
	)
	b := board(2)
	e1, err := b.Publish(y1, 2025, "")
	if err != nil {
		t.Fatal(err)
	}
	if e1.Eligible != 3 || len(e1.Entries) != 2 {
		t.Fatalf("edition: %d eligible, %d listed: %+v", e1.Eligible, len(e1.Entries), e1.Entries)
	}
	for _, x := range e1.Entries {
		if x.Subject.ID == "c" || x.Subject.ID == "d" {
			t.Errorf("%s is listed though not eligible", x.Subject.ID)
		}
	}
	// The next year: e grows past everyone, b drops off the list.
	y2 := mustFacts(t,
		enterprise("a", "620602", "C26", `{"year": 2025, "rd_expense": "500万元", "revenue": "1亿元"}`, ""),
		enterprise("b", "620602", "C26", `{"year": 2025, "rd_expense": "90万元", "revenue": "2亿元"}`, ""),
		enterprise("e", "620602", "C26", `{"year": 2025, "rd_expense": "900万元", "revenue": "3亿元"}`, ""),
	)
	e2, err := b.Publish(y2, 2026, "")
	if err != nil {
		t.Fatal(err)
	}
	ch := Diff(e1, e2)
	ids := func(es []Entry) string {
		var s []string
		for _, e := range es {
			s = append(s, e.Subject.ID)
		}
		return strings.Join(s, ",")
	}
	if ids(e2.Entries) != "e,a" || ids(ch.Entered) != "e" || ids(ch.Left) != "b" || len(ch.Moved) != 1 || ch.Moved[0].Subject.ID != "a" {
		t.Fatalf("changes: list %s, entered %s, left %s, moved %+v", ids(e2.Entries), ids(ch.Entered), ids(ch.Left), ch.Moved)
	}
	rows := e2.Rows(ch)
	if len(rows) != 4 || rows[1][5] != "新上榜" || !strings.HasPrefix(rows[2][5], "下降") || !strings.HasPrefix(rows[3][5], "落榜") {
		t.Errorf("published rows: %v", rows)
	}
}

// Property: whatever two editions, the changes reconcile: this year's list
// is last year's plus those who entered less those who left, and every
// subject on both is either moved or kept.
func TestDiffReconciles(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gen := func(label string) *Edition {
			n := rapid.IntRange(0, 8).Draw(t, label+"n")
			ids := rapid.SliceOfNDistinct(rapid.IntRange(0, 12), n, n, rapid.ID[int]).Draw(t, label+"ids")
			e := &Edition{}
			for i, id := range ids {
				e.Entries = append(e.Entries, Entry{Rank: i + 1, Subject: Subject{ID: fmt.Sprint("s", id)}})
			}
			return e
		}
		prev, cur := gen("prev"), gen("cur")
		ch := Diff(prev, cur)
		if len(cur.Entries) != len(prev.Entries)+len(ch.Entered)-len(ch.Left) {
			t.Fatalf("%d = %d + %d − %d does not hold", len(cur.Entries), len(prev.Entries), len(ch.Entered), len(ch.Left))
		}
		if len(ch.Moved)+ch.Kept+len(ch.Entered) != len(cur.Entries) {
			t.Fatalf("moved %d + kept %d + entered %d ≠ %d", len(ch.Moved), ch.Kept, len(ch.Entered), len(cur.Entries))
		}
		if first := Diff(nil, cur); len(first.Entered) != len(cur.Entries) || len(first.Left) != 0 {
			t.Fatalf("a first edition: %+v", first)
		}
	})
}

func TestBoardValidate(t *testing.T) {
	for _, tt := range []struct {
		b    Board
		path string
	}{
		{Board{Name: "x", Method: "m", Eligible: "true", Set: twoIndicators}, "id"},
		{Board{ID: "x", Name: "x", Eligible: "true", Set: twoIndicators}, "method"},
		{Board{ID: "x", Name: "x", Method: "m", Set: twoIndicators}, "eligible"},
		{Board{ID: "x", Name: "x", Method: "m", Eligible: "true"}, "set"},
		{Board{ID: "x", Name: "x", Method: "m", Eligible: "true", Set: twoIndicators, Top: -1}, "top"},
	} {
		if err := tt.b.Validate(); err == nil || !strings.Contains(err.Error(), tt.path) {
			t.Errorf("%+v: %v, want an error at %s", tt.b, err, tt.path)
		}
	}
	bad := board(1)
	bad.Eligible = "last.rd_expense"
	if _, err := bad.Publish(nil, 2025, ""); err == nil || !strings.Contains(err.Error(), "condition") {
		t.Errorf("a rule that is not a condition: %v", err)
	}
}

// TestShippedBoards: every shipped board is valid, its rule type-checks,
// and the sentence it cites is in its document's source text.
func TestShippedBoards(t *testing.T) {
	src, err := os.ReadFile("../../policies/source/000_5544c373c39e6580.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range Boards() {
		if err := b.Validate(); err != nil {
			t.Errorf("%s: %v", b.ID, err)
		}
		if err := b.checkRule(); err != nil {
			t.Errorf("%s: %v", b.ID, err)
		}
		if !strings.Contains(string(src), b.Quote) {
			t.Errorf("%s: quote %q is not in the source", b.ID, b.Quote)
		}
		if !strings.HasPrefix(b.Method, "地方配置") {
			t.Errorf("%s: the method does not say it is a local configuration: %s", b.ID, b.Method)
		}
	}
}
