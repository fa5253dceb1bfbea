// Package ladder is the ladder of a jurisdiction (梯次培育) over time: how
// many subjects stand on each rung at the end of each year, how many moved
// between rungs in each year, and — for each next rung — the candidates
// ranked by how close they are to it, with what each lacks. A subject stands
// on the highest rung it holds a recorded certificate for (rules.Engine.Held,
// rules.Rungs); one holding none stands on no rung ("").
//
// Counts and flows come from the same placements, so they reconcile: a
// rung's count at the end of a year is its count a year before, plus what
// came in, less what went out (Reconcile checks it).
package ladder

import (
	"cmp"
	"fmt"
	"slices"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// None is the place of a subject holding no rung.
const None = ""

// Ladder is a population's ladder over years.
type Ladder struct {
	Years  []int64                     // ascending
	Counts map[int64]map[string]int    // year → rung → subjects at the end of the year
	Flows  map[int64]map[[2]string]int // year → (from, to) → subjects that moved during the year (from the end of the year before)
	Place  map[int64]map[string]string // year → subject id → rung
}

// rungOf is the highest rung of rules.Rungs among held statuses.
func rungOf(held []rules.HeldStatus) string {
	top := -1
	for _, h := range held {
		if i := slices.Index(rules.Rungs, h.Status); i > top {
			top = i
		}
	}
	if top < 0 {
		return None
	}
	return rules.Rungs[top]
}

// Build places every subject at the end of each year from first−1 to last
// (the year before first gives first's flows) and counts.
func Build(eng *rules.Engine, subjects []*facts.Facts, first, last int64) (*Ladder, error) {
	if first > last || last-first > 50 {
		return nil, fmt.Errorf("years %d–%d: give a range of at most 50 years, first ≤ last", first, last)
	}
	l := &Ladder{Counts: map[int64]map[string]int{}, Flows: map[int64]map[[2]string]int{}, Place: map[int64]map[string]string{}}
	for y := first - 1; y <= last; y++ {
		at, err := policy.ParseDate(fmt.Sprintf("%04d-12-31", y))
		if err != nil {
			return nil, err
		}
		place := make(map[string]string, len(subjects))
		counts := map[string]int{}
		for _, f := range subjects {
			r := rungOf(eng.Held(f, at))
			place[f.Subject.ID] = r
			counts[r]++
		}
		l.Place[y], l.Counts[y] = place, counts
		if y < first {
			continue
		}
		l.Years = append(l.Years, y)
		flows := map[[2]string]int{}
		for id, to := range place {
			if from := l.Place[y-1][id]; from != to {
				flows[[2]string{from, to}]++
			}
		}
		l.Flows[y] = flows
	}
	return l, nil
}

// Reconcile checks every year's counts against the year before and the
// flows: count(y, r) = count(y−1, r) + in(y, r) − out(y, r). It returns the
// discrepancies in words (none for a ladder that reconciles).
func (l *Ladder) Reconcile() []string {
	var out []string
	rungs := append([]string{None}, rules.Rungs...)
	for _, y := range l.Years {
		for _, r := range rungs {
			in, outf := 0, 0
			for k, n := range l.Flows[y] {
				if k[1] == r {
					in += n
				}
				if k[0] == r {
					outf += n
				}
			}
			if want := l.Counts[y-1][r] + in - outf; want != l.Counts[y][r] {
				out = append(out, fmt.Sprintf("%d年 %s：年末 %d，上年末 %d + 流入 %d − 流出 %d = %d", y, RungZh(r), l.Counts[y][r], l.Counts[y-1][r], in, outf, want))
			}
		}
	}
	return out
}

// RungZh names a rung in Chinese ("" is 未入梯队).
func RungZh(r string) string {
	if r == None {
		return "未入梯队"
	}
	return facts.TermZh("recognition_kind", r)
}

// Candidate is a subject for the next rung, with how close it is.
type Candidate struct {
	Subject  rules.SubjectInfo
	From, To string
	Verdict  rules.Verdict
	Failed   int      // conditions of the next rung's standard not met
	Unknown  int      // conditions that need facts
	Lacks    []string // the failed conditions, with their figures
	Missing  []string
	XSG      bool // 小升高
}

// distance orders candidates: qualifying first, then awaiting expert
// review, then by fewest conditions failed, then fewest unknown, then id.
func distance(a, b Candidate) int {
	rank := map[rules.Verdict]int{rules.Qualifies: 0, rules.NeedsReview: 1, rules.VerdictNeedsFacts: 2, rules.NotQualified: 3}
	return cmp.Or(cmp.Compare(rank[a.Verdict], rank[b.Verdict]), cmp.Compare(a.Failed, b.Failed), cmp.Compare(a.Unknown, b.Unknown),
		cmp.Compare(a.Subject.ID, b.Subject.ID))
}

// Candidates assesses every subject's next rung at date at and returns, per
// next rung, the candidates ranked by distance (only rungs whose standard
// is encoded can be assessed; the others are left out).
func Candidates(eng *rules.Engine, subjects []*facts.Facts, at policy.Date) map[string][]Candidate {
	ev := eng.NewEvaluator()
	out := map[string][]Candidate{}
	for _, f := range subjects {
		l := ev.Ladder(f, at)
		if l.Next == "" || l.NextResult == nil {
			continue
		}
		c := Candidate{Subject: l.Subject, From: l.Top, To: l.Next, Verdict: l.NextResult.Verdict, Missing: l.NextResult.Missing, XSG: l.XiaoShengGao}
		if c.Verdict == rules.VerdictNotApplicable {
			continue
		}
		for _, cr := range l.NextResult.Conditions {
			switch cr.State.String() {
			case "failed":
				c.Failed++
				c.Lacks = append(c.Lacks, cr.Title+cond(cr.Detail))
			case "unknown":
				c.Unknown++
			}
		}
		out[c.To] = append(out[c.To], c)
	}
	for r := range out {
		slices.SortFunc(out[r], distance)
	}
	return out
}

func cond(detail string) string {
	if detail == "" {
		return ""
	}
	return "（" + detail + "）"
}
