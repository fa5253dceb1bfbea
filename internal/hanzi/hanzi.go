// Package hanzi folds Chinese text for matching: traditional characters to
// simplified (繁→简, from OpenCC's TSCharacters table), full-width forms and
// Chinese punctuation to one canonical form, and white space removed. A quote
// in a policy file matches its source when the folded quote occurs in the
// folded source.
package hanzi

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

//go:embed data/TSCharacters.txt
var tsCharacters string

var (
	once   sync.Once
	t2s    map[rune]rune
	puncts = map[rune]rune{
		'，': ',', '；': ';', '：': ':', '（': '(', '）': ')', '！': '!', '？': '?',
		'“': '"', '”': '"', '‘': '\'', '’': '\'', '「': '"', '」': '"', '『': '"', '』': '"',
		'〔': '[', '〕': ']', '【': '[', '】': ']', '［': '[', '］': ']',
		'–': '—', '―': '—', '－': '-', '～': '~', '〜': '~', '．': '.', '％': '%',
		'＂': '"', '、': '、', '·': '·', '•': '·',
	}
)

func load() {
	t2s = make(map[rune]rune, 4096)
	for line := range strings.SplitSeq(tsCharacters, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		kr, _ := utf8.DecodeRuneInString(k)
		if first, _, _ := strings.Cut(v, " "); first != "" {
			vr, _ := utf8.DecodeRuneInString(first)
			if kr != vr {
				t2s[kr] = vr
			}
		}
	}
}

// FoldRune returns the canonical form of r, or -1 if r is dropped (space).
func FoldRune(r rune) rune {
	once.Do(load)
	if unicode.IsSpace(r) || r == '\u3000' || r == '\ufeff' || r == '\u200b' {
		return -1
	}
	if p, ok := puncts[r]; ok {
		return p
	}
	if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII variants
		return r - 0xFF01 + '!'
	}
	if s, ok := t2s[r]; ok {
		return s
	}
	return r
}

// Fold returns the folded form of s.
func Fold(s string) string {
	f, _ := FoldIndex(s)
	return f
}

// FoldIndex returns the folded form of s and, for each rune of the result,
// the byte offset in s of the rune it came from, so that a match in folded
// text can be mapped back to the source.
func FoldIndex(s string) (string, []int) {
	var b strings.Builder
	b.Grow(len(s))
	idx := make([]int, 0, len(s)/3)
	for i, r := range s {
		f := FoldRune(r)
		if f < 0 {
			continue
		}
		b.WriteRune(f)
		idx = append(idx, i)
	}
	return b.String(), idx
}

// Simplified converts traditional characters in s to simplified, leaving
// everything else as it is (for display).
func Simplified(s string) string {
	once.Do(load)
	return strings.Map(func(r rune) rune {
		if v, ok := t2s[r]; ok {
			return v
		}
		return r
	}, s)
}

// Span is a byte range [From, To) of a source text.
type Span struct{ From, To int }

// Locate finds each quote in src the way citations are checked (folded:
// 繁/简, width and punctuation variants match) and returns the byte span of
// src each covers, in the order of quotes; a quote not found is left out.
func Locate(src string, quotes ...string) []Span { return Index(src).Locate(quotes...) }

// Folded is a text prepared for locating many quotes in it.
type Folded struct {
	src, folded string
	idx         []int
}

// Index folds src once for Locate.
func Index(src string) *Folded {
	f, idx := FoldIndex(src)
	return &Folded{src: src, folded: f, idx: idx}
}

// Locate is Locate on the indexed text.
func (t *Folded) Locate(quotes ...string) []Span {
	var out []Span
	for _, q := range quotes {
		fq := Fold(q)
		i := strings.Index(t.folded, fq)
		if i < 0 || fq == "" {
			continue
		}
		from := utf8.RuneCountInString(t.folded[:i])
		to := from + utf8.RuneCountInString(fq) - 1
		end := len(t.src)
		if to+1 < len(t.idx) {
			end = t.idx[to+1]
		}
		out = append(out, Span{t.idx[from], end})
	}
	return out
}
