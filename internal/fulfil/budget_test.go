package fulfil

import (
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"kechuang/internal/errs"
	"kechuang/internal/money"
)

// errPaths lists the field paths of the positioned errors in err, in order.
func errPaths(t testing.TB, err error) []string {
	t.Helper()
	var l errs.List
	if errors.As(err, &l) {
		var out []string
		for _, e := range l {
			out = append(out, e.Pos.Path)
		}
		return out
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return []string{e.Pos.Path}
	}
	t.Fatalf("%v (%T) is not an errs error", err, err)
	return nil
}

func TestEnvelopeValidate(t *testing.T) {
	good := Envelope{Name: "2024年市级科技奖补", Payer: "武威市级财政", Year: 2024, Fen: 100 * money.Wan, Rule: RankCut}
	tests := []struct {
		name  string
		edit  func(*Envelope)
		paths []string // nil: valid
	}{
		{"good, all of the payer", func(*Envelope) {}, nil},
		{"good, one clause", func(e *Envelope) { e.Clause = "ww-ip-demo-leader"; e.Rule = ProRata }, nil},
		{"good, a tag", func(e *Envelope) { e.Tag = "科技特派员"; e.Rule = Queue }, nil},
		{"no payer", func(e *Envelope) { e.Payer = "" }, []string{"payer"}},
		{"two-digit year", func(e *Envelope) { e.Year = 24 }, []string{"year"}},
		{"year 1999", func(e *Envelope) { e.Year = 1999 }, []string{"year"}},
		{"year 2101", func(e *Envelope) { e.Year = 2101 }, []string{"year"}},
		{"year 2000 and 2100 are the bounds", func(e *Envelope) { e.Year = 2000 }, nil},
		{"zero amount", func(e *Envelope) { e.Fen = 0 }, []string{"fen"}},
		{"negative amount", func(e *Envelope) { e.Fen = -1 }, []string{"fen"}},
		{"clause and tag", func(e *Envelope) { e.Clause = "ww-ip-demo-leader"; e.Tag = "名额" }, []string{"tag"}},
		{"no rule", func(e *Envelope) { e.Rule = "" }, []string{"rule"}},
		{"unknown rule", func(e *Envelope) { e.Rule = "lottery" }, []string{"rule"}},
		{"everything wrong at once", func(e *Envelope) { *e = Envelope{Clause: "a", Tag: "b", Rule: "x"} },
			[]string{"payer", "year", "fen", "tag", "rule"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := good
			tt.edit(&e)
			err := e.Validate()
			if tt.paths == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors at %v", tt.paths)
			}
			if k := errs.KindOf(err); k != errs.Invalid {
				t.Errorf("kind %v, want invalid", k)
			}
			if got := errPaths(t, err); !slices.Equal(got, tt.paths) {
				t.Errorf("error paths %v, want %v (%v)", got, tt.paths, err)
			}
		})
	}
}

func TestEnvelopeCovers(t *testing.T) {
	const payer = "武威市级财政"
	all := Envelope{Payer: payer, Year: 2024, Fen: money.Wan, Rule: Queue}
	one := all
	one.Clause = "ww-ip-demo-leader"
	tag := all
	tag.Tag = "科技特派员"
	tests := []struct {
		name   string
		e      Envelope
		clause string
		tags   []string
		payer  string
		year   int64
		want   bool
	}{
		{"all of the payer: any clause", all, "ww-rd-internal", nil, payer, 2024, true},
		{"all of the payer: another payer", all, "ww-rd-internal", nil, "区财政", 2024, false},
		{"all of the payer: another year", all, "ww-rd-internal", nil, payer, 2025, false},
		{"one clause: that clause", one, "ww-ip-demo-leader", []string{"名额"}, payer, 2024, true},
		{"one clause: another clause", one, "ww-rd-internal", []string{"名额"}, payer, 2024, false},
		{"one clause: the clause in another year", one, "ww-ip-demo-leader", nil, payer, 2023, false},
		{"one clause: the clause of another payer", one, "ww-ip-demo-leader", nil, "区财政", 2024, false},
		{"tag: a clause with the tag", tag, "ww-commissioner-sender", []string{"工作经费", "科技特派员"}, payer, 2024, true},
		{"tag: a clause without it", tag, "ww-rd-internal", []string{"研发"}, payer, 2024, false},
		{"tag: no tags", tag, "ww-rd-internal", nil, payer, 2024, false},
		{"tag: right tag, wrong year", tag, "ww-commissioner-sender", []string{"科技特派员"}, payer, 2023, false},
		{"tag: right tag, wrong payer", tag, "ww-commissioner-sender", []string{"科技特派员"}, "区财政", 2024, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.Covers(tt.clause, tt.tags, tt.payer, tt.year); got != tt.want {
				t.Errorf("Covers(%q, %v, %q, %d) = %v, want %v", tt.clause, tt.tags, tt.payer, tt.year, got, tt.want)
			}
		})
	}
}

type allot struct {
	Case    int64
	Granted money.Fen
	Outcome Outcome
}

func brief(as []Allotment) []allot {
	out := make([]allot, len(as))
	for i, a := range as {
		out[i] = allot{a.Case, a.Granted, a.Outcome}
	}
	return out
}

// When everything asked fits, every rule funds everyone in full.
func TestAllocateUnderSubscribed(t *testing.T) {
	cs := []Claimant{
		{Case: 1, Fen: 30 * money.Wan, Score: 60, Order: "2024-03-02T00:00:00Z"},
		{Case: 2, Fen: 20 * money.Wan, Score: 90, Order: "2024-03-01T00:00:00Z"},
		{Case: 3, Fen: 50 * money.Wan, Score: 70, Order: "2024-03-03T00:00:00Z"},
	}
	for _, rule := range []Rule{RankCut, ProRata, Queue} {
		for _, avail := range []money.Fen{100 * money.Wan, 100*money.Wan + 1, money.Yi} { // exactly enough, one fen more, plenty
			got := Allocate(avail, rule, cs)
			if len(got) != len(cs) {
				t.Fatalf("%s, %s: %d allotments for %d claimants", rule, avail, len(got), len(cs))
			}
			for _, a := range got {
				if a.Outcome != Funded || a.Granted != a.Asked {
					t.Errorf("%s, %s: case %d %s %s of %s, want funded in full", rule, avail, a.Case, a.Outcome, a.Granted, a.Asked)
				}
				if !strings.Contains(a.Why, "足以安排") {
					t.Errorf("%s: reason %q does not say the budget suffices", rule, a.Why)
				}
			}
		}
	}
	if got := Allocate(money.Wan, ProRata, nil); len(got) != 0 {
		t.Errorf("no claimants: %v", got)
	}
}

// rank_cut: by Score (higher first), ties by Order, each funded in full while
// it fits; the first that does not fit draws the funding line and everyone
// below it is cut — a smaller claim further down does not jump the line
// (排序截断: "in full, down to the funding line; the rest are not funded").
func TestAllocateRankCut(t *testing.T) {
	cs := []Claimant{
		{Case: 1, Fen: 40 * money.Wan, Score: 80, Order: "2024-05-02T00:00:00Z"},
		{Case: 2, Fen: 50 * money.Wan, Score: 95, Order: "2024-05-03T00:00:00Z"},
		{Case: 3, Fen: 30 * money.Wan, Score: 80, Order: "2024-05-01T00:00:00Z"}, // ties case 1, approved earlier
		{Case: 4, Fen: 5 * money.Wan, Score: 60, Order: "2024-04-01T00:00:00Z"},  // would fit in what is left, but is below the line
		{Case: 5, Fen: 10 * money.Wan, Score: 80, Order: "2024-05-01T00:00:00Z"}, // ties case 3 on score and order: by case id
	}
	tests := []struct {
		name  string
		avail money.Fen
		want  []allot
	}{
		{"line after the second", 85 * money.Wan, []allot{
			{2, 50 * money.Wan, Funded}, {3, 30 * money.Wan, Funded}, {5, 0, Cut}, {1, 0, Cut}, {4, 0, Cut}}},
		{"line at the fourth", 95 * money.Wan, []allot{
			{2, 50 * money.Wan, Funded}, {3, 30 * money.Wan, Funded}, {5, 10 * money.Wan, Funded}, {1, 0, Cut}, {4, 0, Cut}}},
		{"one fen short of everyone: the last is cut", 135*money.Wan - 1, []allot{
			{2, 50 * money.Wan, Funded}, {3, 30 * money.Wan, Funded}, {5, 10 * money.Wan, Funded}, {1, 40 * money.Wan, Funded}, {4, 0, Cut}}},
		{"first does not fit: nobody", 49 * money.Wan, []allot{
			{2, 0, Cut}, {3, 0, Cut}, {5, 0, Cut}, {1, 0, Cut}, {4, 0, Cut}}},
		{"nothing left", 0, []allot{
			{2, 0, Cut}, {3, 0, Cut}, {5, 0, Cut}, {1, 0, Cut}, {4, 0, Cut}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Allocate(tt.avail, RankCut, cs)
			if !slices.Equal(brief(got), tt.want) {
				t.Errorf("Allocate(%s, rank_cut) =\n  %v\nwant\n  %v", tt.avail, brief(got), tt.want)
			}
			for _, a := range got {
				if a.Outcome == Cut && !strings.Contains(a.Why, "资金线以下") {
					t.Errorf("case %d cut with reason %q", a.Case, a.Why)
				}
			}
		})
	}
	// The input is not reordered in place.
	if cs[0].Case != 1 || cs[4].Case != 5 {
		t.Error("Allocate sorted the caller's slice")
	}
}

// queue: first approved (Order), first paid; from the first that does not
// fit, everyone waits for the next batch, however small (顺延: no one
// overtakes the one waiting). Score plays no part.
func TestAllocateQueue(t *testing.T) {
	cs := []Claimant{
		{Case: 1, Fen: 40 * money.Wan, Score: 99, Order: "2024-05-03T00:00:00Z"},
		{Case: 2, Fen: 50 * money.Wan, Score: 10, Order: "2024-05-01T00:00:00Z"},
		{Case: 3, Fen: 30 * money.Wan, Score: 50, Order: "2024-05-02T00:00:00Z"},
		{Case: 4, Fen: 1 * money.Wan, Score: 50, Order: "2024-05-04T00:00:00Z"},
	}
	got := Allocate(90*money.Wan, Queue, cs)
	want := []allot{{2, 50 * money.Wan, Funded}, {3, 30 * money.Wan, Funded}, {1, 0, Queued}, {4, 0, Queued}}
	if !slices.Equal(brief(got), want) {
		t.Fatalf("Allocate(90万, queue) =\n  %v\nwant\n  %v", brief(got), want)
	}
	for _, a := range got[2:] {
		if !strings.Contains(a.Why, "顺延至下一批次") {
			t.Errorf("case %d queued with reason %q", a.Case, a.Why)
		}
	}
	got = Allocate(120*money.Wan, Queue, cs)
	want = []allot{{2, 50 * money.Wan, Funded}, {3, 30 * money.Wan, Funded}, {1, 40 * money.Wan, Funded}, {4, 0, Queued}}
	if !slices.Equal(brief(got), want) {
		t.Errorf("Allocate(120万, queue) =\n  %v\nwant\n  %v", brief(got), want)
	}
}

// pro_rata: every share is the same proportion of what was asked, rounded by
// the largest-remainder method so that the shares sum to the envelope to the
// fen (ties to the earlier claimant).
func TestAllocateProRata(t *testing.T) {
	tests := []struct {
		name  string
		avail money.Fen
		asks  []money.Fen
		want  []allot
	}{
		{"a third each: the leftover fen to the first", 100, []money.Fen{100, 100, 100}, []allot{{1, 34, Reduced}, {2, 33, Reduced}, {3, 33, Reduced}}},
		{"halves", 50 * money.Wan, []money.Fen{60 * money.Wan, 40 * money.Wan}, []allot{{1, 30 * money.Wan, Reduced}, {2, 20 * money.Wan, Reduced}}},
		{"largest remainder wins the fen", 500, []money.Fen{1, 1000}, []allot{{1, 0, Reduced}, {2, 500, Reduced}}},
		{"remainders 2/3 and 1/3", 2, []money.Fen{2, 1}, []allot{{1, 1, Reduced}, {2, 1, Funded}}},
		{"nothing left", 0, []money.Fen{10, 20}, []allot{{1, 0, Reduced}, {2, 0, Reduced}}},
		{"a zero claim gets nothing", 7, []money.Fen{0, 5, 5}, []allot{{1, 0, Funded}, {2, 4, Reduced}, {3, 3, Reduced}}},
		// 6000亿元 × 3000亿元 in fen overflows int64: the products are exact.
		{"万亿 amounts", 3e15, []money.Fen{6e15, 3e15}, []allot{{1, 2e15, Reduced}, {2, 1e15, Reduced}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cs []Claimant
			for i, f := range tt.asks {
				cs = append(cs, Claimant{Case: int64(i + 1), Fen: f, Order: "2024-05-01T00:00:00Z"})
			}
			got := Allocate(tt.avail, ProRata, cs)
			if !slices.Equal(brief(got), tt.want) {
				t.Errorf("Allocate(%s, pro_rata, %v) =\n  %v\nwant\n  %v", tt.avail, tt.asks, brief(got), tt.want)
			}
			var sum money.Fen
			for _, a := range got {
				sum += a.Granted
				if a.Outcome == Reduced && !strings.Contains(a.Why, "按比例") {
					t.Errorf("case %d reduced with reason %q", a.Case, a.Why)
				}
			}
			if sum != tt.avail {
				t.Errorf("shares sum to %d fen, want the envelope %d", sum, tt.avail)
			}
		})
	}
}

func drawClaimants(t *rapid.T, maxFen int64) []Claimant {
	n := rapid.IntRange(0, 12).Draw(t, "n")
	cs := make([]Claimant, n)
	for i := range cs {
		cs[i] = Claimant{
			Case:  int64(i + 1),
			Fen:   money.Fen(rapid.Int64Range(0, maxFen).Draw(t, "fen")),
			Score: rapid.Int64Range(0, 3).Draw(t, "score"),
			Order: "2024-05-0" + string(rune('1'+rapid.IntRange(0, 3).Draw(t, "order"))),
		}
	}
	return cs
}

// Property: pro rata shares sum to min(avail, total asked) to the fen, none
// exceeds what was asked, and each lies within one fen of its exact
// proportion asked × avail / total.
func TestAllocateProRataProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Up to 10万亿元 per claim: products need more than int64.
		maxFen := rapid.SampledFrom([]int64{10, 1000, 1e9, 1e15}).Draw(t, "scale")
		cs := drawClaimants(t, maxFen)
		var total money.Fen
		for _, c := range cs {
			total += c.Fen
		}
		avail := money.Fen(rapid.Int64Range(-100, int64(total)+int64(total)/4+1).Draw(t, "avail"))
		got := Allocate(avail, ProRata, cs)
		avail = max(avail, 0) // an overdrawn envelope has nothing to share
		if len(got) != len(cs) {
			t.Fatalf("%d allotments for %d claimants", len(got), len(cs))
		}
		asked := map[int64]money.Fen{}
		for _, c := range cs {
			asked[c.Case] = c.Fen
		}
		var sum money.Fen
		T := big.NewInt(int64(total))
		for _, a := range got {
			want, ok := asked[a.Case]
			if !ok {
				t.Fatalf("case %d was not a claimant, or came back twice", a.Case)
			}
			delete(asked, a.Case)
			if a.Asked != want {
				t.Fatalf("case %d: Asked %d, claimed %d", a.Case, a.Asked, want)
			}
			if a.Granted < 0 || a.Granted > a.Asked {
				t.Fatalf("case %d granted %d of %d", a.Case, a.Granted, a.Asked)
			}
			if (a.Outcome == Funded) != (a.Granted == a.Asked) {
				t.Fatalf("case %d granted %d of %d is %s", a.Case, a.Granted, a.Asked, a.Outcome)
			}
			sum += a.Granted
			if total > avail {
				// |granted·total − asked·avail| < total: within one fen of the exact share.
				d := new(big.Int).Sub(new(big.Int).Mul(big.NewInt(int64(a.Granted)), T),
					new(big.Int).Mul(big.NewInt(int64(a.Asked)), big.NewInt(int64(avail))))
				if d.Abs(d).Cmp(T) >= 0 {
					t.Fatalf("case %d granted %d, more than a fen from %d×%d/%d", a.Case, a.Granted, a.Asked, avail, total)
				}
			}
		}
		if want := min(avail, total); sum != want {
			t.Fatalf("granted %d in all, want min(avail %d, total %d) = %d", sum, avail, total, want)
		}
	})
}

// Property: rank_cut and queue fund whole claims only, never more than the
// envelope, and only a prefix of the order they consider: once one is not
// funded, nobody after it is.
func TestAllocateLineProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cs := drawClaimants(t, 1e9)
		rule := rapid.SampledFrom([]Rule{RankCut, Queue}).Draw(t, "rule")
		var total money.Fen
		for _, c := range cs {
			total += c.Fen
		}
		avail := money.Fen(rapid.Int64Range(-100, int64(total)+1).Draw(t, "avail"))
		got := Allocate(avail, rule, cs)
		avail = max(avail, 0)
		if len(got) != len(cs) {
			t.Fatalf("%d allotments for %d claimants", len(got), len(cs))
		}
		byCase := map[int64]Claimant{}
		for _, c := range cs {
			byCase[c.Case] = c
		}
		var sum money.Fen
		line := false
		for i, a := range got {
			if i > 0 {
				p, c := byCase[got[i-1].Case], byCase[a.Case]
				if rule == RankCut && (p.Score < c.Score || p.Score == c.Score && p.Order > c.Order) ||
					rule == Queue && p.Order > c.Order {
					t.Fatalf("%s considered case %d (%d, %s) before case %d (%d, %s)", rule, p.Case, p.Score, p.Order, c.Case, c.Score, c.Order)
				}
			}
			switch a.Outcome {
			case Funded:
				if line {
					t.Fatalf("case %d funded below the line", a.Case)
				}
				if a.Granted != a.Asked {
					t.Fatalf("case %d funded %d of %d", a.Case, a.Granted, a.Asked)
				}
			case Cut, Queued:
				if total <= avail {
					t.Fatalf("case %d not funded though everything fits", a.Case)
				}
				if (a.Outcome == Cut) != (rule == RankCut) {
					t.Fatalf("case %d %s under %s", a.Case, a.Outcome, rule)
				}
				line = true
				if a.Granted != 0 {
					t.Fatalf("case %d %s with %d granted", a.Case, a.Outcome, a.Granted)
				}
			default:
				t.Fatalf("case %d: outcome %s under %s", a.Case, a.Outcome, rule)
			}
			sum += a.Granted
		}
		if sum > avail {
			t.Fatalf("granted %d of %d", sum, avail)
		}
	})
}

// An overdrawn envelope (its amount lowered below what it has already
// paid: Fen − Used < 0) has nothing to give: no rule grants a negative
// amount, and pro rata does not divide by a zero total.
func TestAllocateOverdrawn(t *testing.T) {
	cs := []Claimant{{Case: 1, Fen: 50, Order: "a"}, {Case: 2, Fen: 30, Order: "b"}}
	want := map[Rule]Outcome{ProRata: Reduced, RankCut: Cut, Queue: Queued}
	for rule, o := range want {
		got := Allocate(-100, rule, cs)
		if w := []allot{{1, 0, o}, {2, 0, o}}; !slices.Equal(brief(got), w) {
			t.Errorf("%s with -100 fen left: %v, want %v", rule, brief(got), w)
		}
	}
	// Claims of nothing from an overdrawn envelope: nothing to divide.
	got := Allocate(-1, ProRata, []Claimant{{Case: 1, Fen: 0}})
	if !slices.Equal(brief(got), []allot{{1, 0, Funded}}) {
		t.Errorf("zero claim, overdrawn envelope: %v", brief(got))
	}
}
