package policy

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/hanzi"
	"kechuang/internal/money"
)

// Threshold words and whether they include their bound, after 民法典 第1259条:
// “民法所称的‘以上’、‘以下’、‘以内’、‘届满’，包括本数；所称的‘不满’、‘超过’、‘以外’，不包括本数。”
// 不低于/不超过/不少于/不高于 include the bound by their plain meaning; 低于/高于/少于/不足 exclude it.
var thresholdWords = map[string]bool{
	"以上": true, "以下": true, "以内": true, "不低于": true, "不超过": true, "不少于": true, "不高于": true,
	"及以上": true, "及以下": true, "至": true, "含": true, "达到": true,
	"超过": false, "低于": false, "不满": false, "不足": false, "高于": false, "少于": false, "未满": false, "以外": false, "过": false,
}

// InclusiveWord reports whether a threshold word includes its bound, and
// whether the word is known.
func InclusiveWord(w string) (incl, ok bool) {
	incl, ok = thresholdWords[w]
	return incl, ok
}

func (r *reader) tierBounds(n *yaml.Node, m map[string]*yaml.Node, wordsRequired bool) Tier {
	t := Tier{Pos: r.pos(n)}
	if v := m["from"]; v != nil {
		f := r.amountValue(v, "from")
		t.From = &f
		t.FromWord = r.str(m["from_word"], "from_word")
		if t.FromWord == "" && wordsRequired {
			r.fail(v, "from needs from_word: the document's word for this bound (以上, 超过, 不低于 …), which decides whether the bound is included")
		}
	} else if m["from_word"] != nil {
		r.fail(m["from_word"], "from_word without from")
	}
	if v := m["to"]; v != nil {
		f := r.amountValue(v, "to")
		t.To = &f
		t.ToWord = r.str(m["to_word"], "to_word")
		if t.ToWord == "" && wordsRequired {
			r.fail(v, "to needs to_word: the document's word for this bound (以下, 低于, 不超过 …), which decides whether the bound is included")
		}
	} else if m["to_word"] != nil {
		r.fail(m["to_word"], "to_word without to")
	}
	for _, w := range []struct {
		word string
		incl *bool
		node *yaml.Node
	}{{t.FromWord, &t.FromIncl, m["from_word"]}, {t.ToWord, &t.ToIncl, m["to_word"]}} {
		if w.word == "" {
			*w.incl = true
			continue
		}
		incl, ok := InclusiveWord(w.word)
		if !ok {
			r.fail(w.node, "threshold word %q is not known; use one of 以上, 以下, 不低于, 不超过, 超过, 低于, 不满 … (民法典 第1259条)", w.word)
		}
		*w.incl = incl
	}
	if t.From != nil && t.To != nil && *t.To < *t.From {
		r.fail(n, "this tier's upper bound is below its lower bound")
	}
	return t
}

// sortTiers orders tiers from low to high by their lower bound.
func sortTiers(ts []Tier) {
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := ts[i].From, ts[j].From
		switch {
		case a == nil:
			return b != nil
		case b == nil:
			return false
		}
		return *a < *b
	})
}

// checkBrackets sorts the tiers and rejects overlaps and gaps that the file
// does not declare, and declarations that match nothing.
func (r *reader) checkBrackets(n *yaml.Node, a *Amount) {
	if len(a.Tiers) == 0 {
		r.fail(n, "brackets need at least one tier")
		return
	}
	sortTiers(a.Tiers)
	usedTie := make([]bool, len(a.Ties))
	usedGap := make([]bool, len(a.Gaps))
	needGap := func(from, to money.Fen, at errs.Pos) {
		for i, g := range a.Gaps {
			if g.From == from && g.To == to {
				usedGap[i] = true
				return
			}
		}
		r.errs = append(r.errs, errs.At(at, "no tier covers %s to %s: declare it under gaps with a note (why the document pays nothing there), or fix the tiers", from, to))
	}
	if lo := a.Tiers[0]; lo.From != nil && *lo.From > 0 {
		needGap(0, *lo.From, lo.Pos)
	}
	for i := 0; i+1 < len(a.Tiers); i++ {
		lo, hi := a.Tiers[i], a.Tiers[i+1]
		if lo.To == nil {
			r.errs = append(r.errs, errs.At(hi.Pos, "this tier overlaps the tier at line %d, which has no upper bound", lo.Pos.Line))
			continue
		}
		if hi.From == nil {
			r.errs = append(r.errs, errs.At(hi.Pos, "only the lowest tier may lack a lower bound"))
			continue
		}
		switch {
		case *lo.To > *hi.From:
			r.errs = append(r.errs, errs.At(hi.Pos, "tiers overlap from %s to %s (with the tier at line %d)", *hi.From, *lo.To, lo.Pos.Line))
		case *lo.To < *hi.From:
			needGap(*lo.To, *hi.From, hi.Pos)
		case lo.ToIncl && hi.FromIncl:
			found := false
			for j, t := range a.Ties {
				if t.At == *hi.From {
					usedTie[j], found = true, true
				}
			}
			if !found {
				r.errs = append(r.errs, errs.At(hi.Pos, "%s falls in two tiers (“%s%s” and “%s%s” both include it under 民法典 第1259条): declare under ties which wins and why", *hi.From, *lo.To, lo.ToWord, *hi.From, hi.FromWord))
			}
		case !lo.ToIncl && !hi.FromIncl:
			needGap(*hi.From, *hi.From, hi.Pos)
		}
	}
	if top := a.Tiers[len(a.Tiers)-1]; top.To != nil {
		r.errs = append(r.errs, errs.At(top.Pos, "the highest tier has an upper bound (%s): amounts above it would fall in no tier; drop `to` or add a tier", *top.To))
	}
	for i, used := range usedTie {
		if !used {
			r.fail(n, "tie at %s matches no bound shared by two tiers", a.Ties[i].At)
		}
	}
	for i, used := range usedGap {
		if !used {
			r.fail(n, "gap %s to %s matches no uncovered range", a.Gaps[i].From, a.Gaps[i].To)
		}
	}
}

// checkProgressive requires contiguous marginal bands from 0 upwards.
func (r *reader) checkProgressive(n *yaml.Node, a *Amount) {
	if len(a.Tiers) == 0 {
		r.fail(n, "progressive needs at least one tier")
		return
	}
	sortTiers(a.Tiers)
	if lo := a.Tiers[0]; lo.From != nil && *lo.From != 0 {
		r.errs = append(r.errs, errs.At(lo.Pos, "the lowest band must start at 0"))
	}
	for i := 0; i+1 < len(a.Tiers); i++ {
		lo, hi := a.Tiers[i], a.Tiers[i+1]
		if lo.To == nil || hi.From == nil || *lo.To != *hi.From {
			r.errs = append(r.errs, errs.At(hi.Pos, "marginal bands must be contiguous: this band must start where the band at line %d ends", lo.Pos.Line))
		}
	}
	if top := a.Tiers[len(a.Tiers)-1]; top.To != nil {
		r.errs = append(r.errs, errs.At(top.Pos, "the highest band must have no upper bound"))
	}
}

// checkQuotes requires every quote to occur in the source text (folded).
func (r *reader) checkQuotes(f *File) {
	folded := map[string]string{"": hanzi.Fold(f.Source)}
	names := map[string]string{"": f.Document.Source}
	for _, a := range f.Document.AlsoSources {
		folded[a.Key] = hanzi.Fold(f.Sources[a.Key])
		names[a.Key] = a.Source
	}
	src, srcName := folded[""], names[""]
	check := func(q string, p errs.Pos, what string) {
		fq := hanzi.Fold(q)
		if fq == "" || !strings.Contains(src, fq) {
			r.errs = append(r.errs, errs.At(p, "%s %q does not occur in %s: copy it verbatim from the source (繁/简, punctuation width and spaces may differ)%s", what, q, srcName, nearest(src, fq)))
		}
	}
	// A clause's own quote must point at one place, so the citation can be
	// highlighted in the source without ambiguity.
	unique := func(q string, p errs.Pos) {
		if n := strings.Count(src, hanzi.Fold(q)); n > 1 {
			r.errs = append(r.errs, errs.At(p, "quote %q occurs %d times in %s: extend it until it identifies one sentence", q, n, srcName))
		}
	}
	cite := func(c *Citation, own bool) {
		s, ok := folded[c.Doc]
		if !ok {
			r.errs = append(r.errs, errs.At(c.Pos, "citation doc %q is not one of the document's also_sources", c.Doc))
			return
		}
		src, srcName = s, names[c.Doc]
		defer func() { src, srcName = folded[""], names[""] }()
		check(c.Quote, c.Pos, "quote")
		if own {
			unique(c.Quote, c.Pos)
		}
		for _, q := range c.Also {
			check(q, c.Pos, "also quote")
		}
	}
	for _, s := range f.Standards {
		for _, c := range s.Citations() {
			cite(c, false)
		}
	}
	for _, g := range f.Gates {
		check(g.Citation.Quote, g.Citation.Pos, "quote")
		unique(g.Citation.Quote, g.Citation.Pos)
		for _, q := range g.Citation.Also {
			check(q, g.Citation.Pos, "quote")
		}
	}
	for _, c := range f.Clauses {
		check(c.Citation.Quote, c.Citation.Pos, "quote")
		unique(c.Citation.Quote, c.Citation.Pos)
		for _, q := range c.Citation.Also {
			check(q, c.Citation.Pos, "also quote")
		}
	}
	for _, p := range f.Pools {
		for _, c := range p.Citations() {
			cite(c, false)
		}
	}
	for _, t := range f.Targets {
		cite(&t.Citation, false)
	}
	for _, t := range f.Tables {
		cite(&t.Citation, false)
	}
	r.errs = append(r.errs, checkTables(f, src)...)
	for _, a := range f.Coverage {
		check(a.Quote, a.Pos, "coverage quote")
	}
}

// nearest says how much of the quote does occur, to point at the typo.
func nearest(src, q string) string {
	rs := []rune(q)
	lo, hi := 0, len(rs)
	for lo < hi { // longest prefix that occurs
		mid := (lo + hi + 1) / 2
		if strings.Contains(src, string(rs[:mid])) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo == 0 || lo == len(rs) {
		return ""
	}
	return fmt.Sprintf("; the source has %q but then differs at %q", string(rs[:lo]), string(rs[lo:min(lo+8, len(rs))]))
}

// CheckIDs requires ids to be unique across all files and references to exist.
func CheckIDs(files []*File) error {
	var l errs.List
	seen := map[string]errs.Pos{}
	add := func(id string, p errs.Pos) {
		if prev, dup := seen[id]; dup {
			l = append(l, errs.At(p, "id %q is already used at %s", id, prev))
			return
		}
		seen[id] = p
	}
	for _, f := range files {
		add(f.Document.ID, f.Document.Pos)
		for _, g := range f.Gates {
			add(g.ID, g.Pos)
		}
		for _, c := range f.Clauses {
			add(c.ID, c.Pos)
		}
		for _, s := range f.Standards {
			add(s.ID, s.Pos)
		}
		for _, p := range f.Pools {
			add(p.ID, p.Pos)
		}
		for _, t := range f.Targets {
			add(t.ID, t.Pos)
		}
		for _, t := range f.Tables {
			add(t.ID, t.Pos)
		}
	}
	clauses := map[string]*Clause{}
	standards := map[string]bool{}
	for _, f := range files {
		for _, c := range f.Clauses {
			clauses[c.ID] = c
		}
		for _, s := range f.Standards {
			standards[s.ID] = true
		}
	}
	for _, f := range files {
		for _, p := range f.Pools {
			if p.Standard != "" && !standards[p.Standard] {
				l = append(l, errs.At(p.Pos, "pool %s measures candidates against standard %q, which is not a standard of the library", p.ID, p.Standard))
			}
			if p.Clause == "" {
				continue
			}
			switch c, ok := clauses[p.Clause]; {
			case !ok:
				l = append(l, errs.At(p.Pos, "pool %s triggers clause %q, which does not exist", p.ID, p.Clause))
			case c.ForEach != "pools":
				l = append(l, errs.At(p.Pos, "pool %s triggers clause %s, which does not pay per admission (for_each: pools)", p.ID, p.Clause))
			}
		}
	}
	for _, f := range files {
		for _, g := range f.Gates {
			for _, id := range g.Clauses {
				if clauses[id] == nil {
					l = append(l, errs.At(g.Pos, "gate %s names clause %q, which does not exist", g.ID, id))
				}
			}
		}
		for _, c := range f.Clauses {
			for _, id := range c.StacksWith {
				if clauses[id] == nil {
					l = append(l, errs.At(c.Pos, "clause %s stacks_with %q, which does not exist", c.ID, id))
				} else if id == c.ID {
					l = append(l, errs.At(c.Pos, "clause %s stacks with itself", c.ID))
				}
			}
		}
	}
	return l.Err()
}

// Validity returns the clause's validity: its own dates where it has them,
// else its document's. to is zero when there is no end.
func (c *Clause) Validity() (from, to Date) {
	from, to = c.Doc.ValidFrom, c.Doc.ValidTo
	if c.ValidFrom != 0 {
		from = c.ValidFrom
	}
	if c.ValidTo != 0 {
		to = c.ValidTo
	}
	return from, to
}

// InForce reports whether the clause is in force on date d.
func (c *Clause) InForce(d Date) bool {
	from, to := c.Validity()
	return d >= from && (to == 0 || d <= to)
}

// InForceDuring reports whether the clause is in force on some day of year y.
func (c *Clause) InForceDuring(y int) bool {
	from, to := c.Validity()
	return from <= Date(y*10000+1231) && (to == 0 || to >= Date(y*10000+101))
}

// National is the jurisdiction code of national documents: GB/T 2260 has
// no code for the whole country, and 100000 is the one its users take.
const National = "100000"

// Covers reports whether a GB/T 2260 jurisdiction code covers region: 620600
// covers 6206xx, 370000 covers 37xxxx, 130407 covers only itself.
func Covers(jurisdiction, region string) bool {
	return strings.HasPrefix(region, RegionPrefix(jurisdiction))
}

// RegionPrefix is the prefix of the region codes a jurisdiction covers:
// 620600 → "6206", 370000 → "37", 130407 → "130407".
func RegionPrefix(jurisdiction string) string {
	if jurisdiction == National {
		return ""
	}
	p := strings.TrimRight(jurisdiction, "0")
	if len(p)%2 == 1 {
		p += "0"
	}
	return p
}

// Year returns the year of d.
func (d Date) Year() int { return int(d) / 10000 }

func (d Date) String() string {
	if d == 0 {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", int(d)/10000, int(d)/100%100, int(d)%100)
}

// ParseDate reads a calendar date YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := facts.ParseDate(s)
	if err != nil {
		return 0, err
	}
	return DateOf(t), nil
}

// DateOf is the calendar date of t.
func DateOf(t time.Time) Date { return Date(t.Year()*10000 + int(t.Month())*100 + t.Day()) }

// Time is d at midnight UTC (dates carry no zone: they are Asia/Shanghai calendar dates).
func (d Date) Time() time.Time {
	return time.Date(int(d)/10000, time.Month(int(d)/100%100), int(d)%100, 0, 0, 0, 0, time.UTC)
}

// ValidityEnd is the last day of a validity of n years starting on d:
// 2025-06-01 for three years ends on 2028-05-31.
func (d Date) ValidityEnd(years int) Date {
	return DateOf(d.Time().AddDate(years, 0, -1))
}
