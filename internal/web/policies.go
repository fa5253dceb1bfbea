package web

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"kechuang/internal/coverage"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/hanzi"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// The policy library (政策库) is public: the documents are public, and an
// enterprise following a citation from its 政策体检 must be able to read the
// sentence in its document.

type docRow struct {
	Doc                         *policy.Document
	Clauses, Gates, Standards   int
	Flagged, Encoded, Annotated int
	Unaccounted                 int
	National                    bool
}

func (s *Server) policies(q *req) error {
	var rows []docRow
	for _, f := range s.Engine.Files {
		r := docRow{Doc: &f.Document, Clauses: len(f.Clauses), Gates: len(f.Gates), Standards: len(f.Standards),
			National: f.Document.Jurisdiction == "100000"}
		for _, sn := range s.coverage[f.Document.ID] {
			r.Flagged++
			switch {
			case len(sn.Clauses) > 0:
				r.Encoded++
			case sn.Reason != "":
				r.Annotated++
			default:
				r.Unaccounted++
			}
		}
		rows = append(rows, r)
	}
	return s.render(q, http.StatusOK, "policies", q.lang.T("policies.title"), "policies", rows)
}

func (s *Server) file(id string) (*policy.File, error) {
	for _, f := range s.Engine.Files {
		if f.Document.ID == id {
			return f, nil
		}
	}
	return nil, errs.E(errs.NotFound, "no policy document %q", id)
}

// para is one paragraph (line) of a source text, cut into segments at the
// edges of the quotes that cite it.
type para struct {
	Line int
	Segs []seg
}

type seg struct {
	Text    string
	Cites   []string // ids whose quote covers the segment
	Sel     bool     // covered by the selected rule
	Anchors []string // ids whose quote starts here
}

type citeSpan struct {
	id   string
	main bool // the rule's own quote (not one of its further quotes): the anchor #q-ID
	hanzi.Span
}

// spansOf locates the quotes of every rule of f in its source text.
func spansOf(f *policy.File) []citeSpan {
	var out []citeSpan
	text := hanzi.Index(f.Source)
	add := func(id string, c policy.Citation) {
		if c.Doc != "" {
			return // quotes another document (also_sources)
		}
		for i, sp := range text.Locate(append([]string{c.Quote}, c.Also...)...) {
			out = append(out, citeSpan{id, i == 0, sp})
		}
	}
	for _, c := range f.Clauses {
		add(c.ID, c.Citation)
	}
	for _, g := range f.Gates {
		add(g.ID, g.Citation)
	}
	for _, st := range f.Standards {
		add(st.ID, st.Citation)
	}
	return out
}

// paragraphs cuts src into lines and marks the cited spans; lines outside
// [from, to) (byte offsets; to 0 means the end) are left out.
func paragraphs(src string, spans []citeSpan, selected string, from, to int) []para {
	if to == 0 {
		to = len(src)
	}
	var out []para
	start := 0
	for i, line := range strings.SplitAfter(src, "\n") {
		ps, pe := start, start+len(strings.TrimRight(line, "\n"))
		start += len(line)
		if pe <= from || ps >= to || ps == pe {
			continue
		}
		cuts := []int{ps, pe}
		for _, sp := range spans {
			for _, x := range []int{sp.From, sp.To} {
				if x > ps && x < pe {
					cuts = append(cuts, x)
				}
			}
		}
		slices.Sort(cuts)
		cuts = slices.Compact(cuts)
		p := para{Line: i + 1}
		for k := 0; k+1 < len(cuts); k++ {
			a, b := cuts[k], cuts[k+1]
			sg := seg{Text: src[a:b]}
			for _, sp := range spans {
				if sp.From <= a && sp.To >= b {
					if !slices.Contains(sg.Cites, sp.id) {
						sg.Cites = append(sg.Cites, sp.id)
					}
					sg.Sel = sg.Sel || sp.id == selected
				}
				if sp.main && sp.From == a && !slices.Contains(sg.Anchors, sp.id) {
					sg.Anchors = append(sg.Anchors, sp.id)
				}
			}
			p.Segs = append(p.Segs, sg)
		}
		out = append(out, p)
	}
	return out
}

type ruleRow struct {
	ID, Title, Section, Kind, Amount, Payer, Budget string
	Responsible                                     []string
	Tests                                           int
}

type documentData struct {
	File      *policy.File
	Rules     []ruleRow
	Source    template.HTML // the source text, quotes marked
	Selected  string
	Coverage  []coverage.Sentence
	Encoded   int
	Annotated int
}

func (s *Server) document(q *req) error {
	f, err := s.file(q.r.PathValue("doc"))
	if err != nil {
		return err
	}
	d := documentData{File: f, Selected: q.r.URL.Query().Get("clause"), Coverage: s.coverage[f.Document.ID]}
	for _, c := range f.Clauses {
		d.Rules = append(d.Rules, ruleRow{ID: c.ID, Title: c.Title, Section: c.Citation.Section, Kind: "clause",
			Amount: c.Amount.Zh("；"), Payer: c.Payer, Budget: c.Budget, Responsible: c.Responsible, Tests: len(c.Tests)})
	}
	for _, g := range f.Gates {
		d.Rules = append(d.Rules, ruleRow{ID: g.ID, Title: g.Title, Section: g.Citation.Section, Kind: "gate", Tests: len(g.Tests)})
	}
	for _, st := range f.Standards {
		d.Rules = append(d.Rules, ruleRow{ID: st.ID, Title: st.Title, Section: st.Citation.Section, Kind: "standard", Tests: len(st.Tests)})
	}
	d.Source = s.sources[f.Document.ID].html(d.Selected)
	for _, sn := range d.Coverage {
		if len(sn.Clauses) > 0 {
			d.Encoded++
		} else if sn.Reason != "" {
			d.Annotated++
		}
	}
	return s.render(q, http.StatusOK, "document", f.Document.Title, "policies", d)
}

type clauseData struct {
	Clause      *rules.Clause
	File        *policy.File
	Paras       []para // the paragraphs holding its quotes, quotes marked
	Amount      string
	Beneficiary []string
	Level       string
	Elsewhere   bool // the quote is in another source (also_sources)
}

func (s *Server) clause(q *req) error {
	c, ok := s.Engine.ClauseByID(q.r.PathValue("id"))
	if !ok {
		return errs.E(errs.NotFound, "no clause %q", q.r.PathValue("id"))
	}
	f, err := s.file(c.Doc.ID)
	if err != nil {
		return err
	}
	d := clauseData{Clause: c, File: f, Amount: c.Amount.Zh("\n")}
	for _, b := range c.Beneficiary {
		if t, ok := facts.TermOf("subject_kind", b); ok {
			b = t.Zh
		}
		d.Beneficiary = append(d.Beneficiary, b)
	}
	if t, ok := facts.TermOf("level", c.Level); ok {
		d.Level = t.Zh
	}
	src := f.Source
	if c.Citation.Doc != "" {
		src, d.Elsewhere = f.Sources[c.Citation.Doc], true
	}
	var spans []citeSpan
	if d.Elsewhere {
		for i, sp := range hanzi.Locate(src, append([]string{c.Citation.Quote}, c.Citation.Also...)...) {
			spans = append(spans, citeSpan{c.ID, i == 0, sp})
		}
	} else {
		for _, sp := range s.spans[f.Document.ID] {
			if sp.id == c.ID {
				spans = append(spans, sp)
			}
		}
	}
	for _, sp := range spans {
		for _, p := range paragraphs(src, spans, c.ID, sp.From, sp.To) {
			if !slices.ContainsFunc(d.Paras, func(x para) bool { return x.Line == p.Line }) {
				d.Paras = append(d.Paras, p)
			}
		}
	}
	return s.render(q, http.StatusOK, "clause", c.Title, "policies", d)
}

// sourceView is a document's source text rendered once as HTML pieces: a
// piece covered by quotes has a plain and a selected form, so showing the
// document with one rule selected is a concatenation, not a template run
// over thousands of segments.
type sourceView []sourcePiece

type sourcePiece struct {
	plain, sel string
	cites      []string
}

func newSourceView(src string, spans []citeSpan) sourceView {
	var out sourceView
	lit := func(s string) { out = append(out, sourcePiece{plain: s}) }
	for _, p := range paragraphs(src, spans, "", 0, 0) {
		lit(fmt.Sprintf(`<p data-line="%d">`, p.Line))
		for _, sg := range p.Segs {
			for _, a := range sg.Anchors {
				lit(`<a id="q-` + html.EscapeString(a) + `"></a>`)
			}
			text := html.EscapeString(sg.Text)
			if len(sg.Cites) == 0 {
				lit(text)
				continue
			}
			title := html.EscapeString(strings.Join(sg.Cites, ", "))
			out = append(out, sourcePiece{
				plain: `<mark title="` + title + `">` + text + `</mark>`,
				sel:   `<mark class="sel" title="` + title + `">` + text + `</mark>`,
				cites: sg.Cites,
			})
		}
		lit("</p>\n")
	}
	return out
}

// html is the source with the quotes of rule selected ("" for none) marked as selected.
func (v sourceView) html(selected string) template.HTML {
	var b strings.Builder
	for _, p := range v {
		if selected != "" && slices.Contains(p.cites, selected) {
			b.WriteString(p.sel)
		} else {
			b.WriteString(p.plain)
		}
	}
	return template.HTML(b.String()) // built from escaped text above
}
