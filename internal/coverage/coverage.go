// Package coverage accounts for every sentence of the source documents that
// names an amount, a rate or a threshold, or promises money: each is either
// encoded by a clause (its quote overlaps the sentence) or annotated in the
// policy file with the reason it is not a rule. Nothing is silently skipped.
package coverage

import (
	"regexp"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/hanzi"
	"kechuang/internal/policy"
)

// Sentence is one amount-bearing sentence and how it is accounted for.
type Sentence struct {
	Document string   `json:"document"`
	Line     int      `json:"line"`
	Text     string   `json:"text"`
	Clauses  []string `json:"clauses,omitempty"` // encoded by these clauses or gates
	Reason   string   `json:"reason,omitempty"`  // or annotated: target, not_a_rule, …
	Note     string   `json:"note,omitempty"`
}

// Accounted reports whether the sentence is encoded or annotated.
func (s Sentence) Accounted() bool { return len(s.Clauses) > 0 || s.Reason != "" }

// Detection works on folded (simplified) text.
var (
	amountRE    = regexp.MustCompile(`[0-9０-９]+(\.[0-9]+)?\s*(元|万|亿|%|倍)`)
	countRE     = regexp.MustCompile(`[0-9０-９]+(\.[0-9]+)?\s*(家|项|名|人|件|个|户|场|所|条|批|种|次|座|人年)`)
	thresholdRE = regexp.MustCompile(`(不低于|不超过|不少于|不高于|超过|低于|高于|不足|少于|不满|达到|突破)\s*[0-9]`)
	moneyRE     = regexp.MustCompile(`补助|奖励|奖补|资金支持|贴息|补贴|扶持资金|经费|资助|培育资金|配套`)
)

// Flagged reports whether a (folded) sentence names money, a rate, a count
// with its unit (a target such as “1300家以上”) or a threshold.
func Flagged(folded string) bool {
	return amountRE.MatchString(folded) || countRE.MatchString(folded) || thresholdRE.MatchString(folded) || moneyRE.MatchString(folded)
}

type span struct{ from, to int } // rune offsets in folded text

// Analyze lists the flagged sentences of f's source and how each is
// accounted for; it also returns errors for annotations that cover nothing.
func Analyze(f *policy.File) ([]Sentence, errs.List) {
	folded, idx := hanzi.FoldIndex(f.Source)
	fr := []rune(folded)
	// Sentences: split at 。；！？ and line breaks of the original text.
	var sents []span
	start := 0
	for i, r := range fr {
		brk := r == '。' || r == ';' || r == '!' || r == '?'
		if !brk && i+1 < len(fr) {
			// a line break in the source between rune i and i+1
			a, b := idx[i], idx[i+1]
			brk = strings.ContainsRune(f.Source[a:b], '\n')
		}
		if brk || i == len(fr)-1 {
			if i+1 > start {
				sents = append(sents, span{start, i + 1})
			}
			start = i + 1
		}
	}
	quoteSpans := func(q string) []span {
		fq := []rune(hanzi.Fold(q))
		if len(fq) == 0 {
			return nil
		}
		var out []span
		s := string(fr)
		off := 0
		for {
			j := strings.Index(s[off:], string(fq))
			if j < 0 {
				break
			}
			from := len([]rune(s[:off+j]))
			out = append(out, span{from, from + len(fq)})
			off += j + len(string(fq))
		}
		return out
	}
	type owner struct {
		spans  []span
		clause string
		ann    *policy.Annotation
		used   bool
	}
	var owners []*owner
	for _, g := range f.Gates {
		for _, q := range append([]string{g.Citation.Quote}, g.Citation.Also...) {
			owners = append(owners, &owner{spans: quoteSpans(q), clause: g.ID})
		}
	}
	for _, c := range f.Clauses {
		for _, q := range append([]string{c.Citation.Quote}, c.Citation.Also...) {
			owners = append(owners, &owner{spans: quoteSpans(q), clause: c.ID})
		}
	}
	// A standard's citations in the document's own source encode its
	// sentences; those quoting an also_source (a 工作指引) are outside this
	// report, which covers the main source text.
	for _, s := range f.Standards {
		for _, c := range s.Citations() {
			if c.Doc != "" {
				continue
			}
			for _, q := range append([]string{c.Quote}, c.Also...) {
				owners = append(owners, &owner{spans: quoteSpans(q), clause: s.ID})
			}
		}
	}
	for _, a := range f.Coverage {
		owners = append(owners, &owner{spans: quoteSpans(a.Quote), ann: a})
	}
	var out []Sentence
	for _, sp := range sents {
		text := string(fr[sp.from:sp.to])
		if !Flagged(text) {
			continue
		}
		orig := strings.TrimSpace(f.Source[idx[sp.from]:endByte(f.Source, idx, sp.to)])
		s := Sentence{Document: f.Document.ID, Line: 1 + strings.Count(f.Source[:idx[sp.from]], "\n"), Text: orig}
		for _, o := range owners {
			for _, q := range o.spans {
				if q.from < sp.to && sp.from < q.to {
					o.used = true
					if o.ann == nil {
						if !contains(s.Clauses, o.clause) {
							s.Clauses = append(s.Clauses, o.clause)
						}
					} else if s.Reason == "" {
						s.Reason, s.Note = o.ann.Reason, o.ann.Note
					}
				}
			}
		}
		out = append(out, s)
	}
	var l errs.List
	for _, o := range owners {
		if o.ann != nil && !o.used {
			l = append(l, errs.At(o.ann.Pos, "coverage annotation %q covers no sentence that names an amount, rate or threshold: remove it", o.ann.Quote))
		}
	}
	return out, l
}

func endByte(src string, idx []int, to int) int {
	if to >= len(idx) {
		return len(src)
	}
	return idx[to]
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
