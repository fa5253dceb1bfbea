package policy

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"kechuang/internal/errs"
)

// Reform is a proposed change to the library (改革方案) for simulation: some
// clauses changed (their amount, condition, payer or budget timing), some
// removed, some added. It is never stored as policy: a simulation compiles
// it beside the library in force and compares the two.
//
//	title: 新认定高企奖励提高到30万元
//	changes:
//	  - clause: ww-hte-new        # change a clause: any of amount, when, payer, budget, valid_to
//	    amount: 30万元
//	  - clause: ww-super-deduction-first
//	    when: cur.rd_super_deduction > 1000000_00 && subject.above_scale
//	  - remove: ww-tech-innov-demo
//	  - add:                      # a new clause, written as in a policy file (tests optional)
//	      document: wuwei-2022
//	      id: ww-new-sme-bonus
//	      ...
type Reform struct {
	Title   string
	Replace map[string]*Clause // by id: the changed clause (a copy of the library's)
	Remove  []string
	Add     []*Clause // Doc set to the named document
	Changes []string  // one line per change, in Chinese, for reports
}

// ParseReform reads a reform file against the library files. Errors carry
// the file's line and column.
func ParseReform(data []byte, path string, files []*File) (rf *Reform, err error) {
	defer func() {
		if p := recover(); p != nil {
			rf, err = nil, &errs.Error{Kind: errs.Internal, Pos: errs.Pos{File: path}, Msg: fmt.Sprintf("internal error while reading the reform (please report it): %v", p)}
		}
	}()
	r := &reader{file: path, lines: strings.Split(string(data), "\n")}
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil {
		return nil, yamlError(path, err)
	}
	if len(root.Content) == 0 {
		return nil, errs.At(errs.Pos{File: path}, "the reform is empty: give a title and changes")
	}
	top := r.mapping(root.Content[0], "the reform", "!title", "!changes")
	rf = &Reform{Title: r.str(top["title"], "title"), Replace: map[string]*Clause{}}
	byID := map[string]*Clause{}
	docs := map[string]*Document{}
	for _, f := range files {
		docs[f.Document.ID] = &f.Document
		for _, c := range f.Clauses {
			byID[c.ID] = c
		}
	}
	for _, ch := range r.seq(top["changes"], "changes") {
		m := r.mapping(ch, "a change", "clause", "remove", "add", "amount", "when", "payer", "budget", "valid_to")
		switch {
		case m["clause"] != nil:
			id := r.str(m["clause"], "clause")
			orig, ok := byID[id]
			if !ok {
				r.fail(m["clause"], "no clause %q in the library", id)
				continue
			}
			if _, dup := rf.Replace[id]; dup {
				r.fail(m["clause"], "clause %q is changed twice: put all its changes in one entry", id)
				continue
			}
			c := *orig
			var what []string
			if n := m["amount"]; n != nil {
				c.Amount = r.amount(n)
				what = append(what, "金额")
			}
			if n := m["when"]; n != nil {
				c.When = r.expr(n, "when")
				what = append(what, "条件")
			}
			if n := m["payer"]; n != nil {
				c.Payer = r.str(n, "payer")
				what = append(what, "支付单位")
			}
			if n := m["budget"]; n != nil {
				c.Budget = r.str(n, "budget")
				if c.Budget != "this_year" && c.Budget != "next_year" {
					r.fail(n, "budget %q must be this_year or next_year", c.Budget)
				}
				what = append(what, "预算年度")
			}
			if n := m["valid_to"]; n != nil {
				c.ValidTo = r.date(n, "valid_to")
				what = append(what, "有效期")
			}
			if len(what) == 0 {
				r.fail(ch, "the change of %s changes nothing: give amount, when, payer, budget or valid_to", id)
				continue
			}
			c.Tests = nil // the library's tests describe the clause as it is
			rf.Replace[id] = &c
			rf.Changes = append(rf.Changes, fmt.Sprintf("修改 %s（%s）：%s", id, orig.Title, strings.Join(what, "、")))
		case m["remove"] != nil:
			id := r.str(m["remove"], "remove")
			if orig, ok := byID[id]; !ok {
				r.fail(m["remove"], "no clause %q in the library", id)
			} else {
				rf.Remove = append(rf.Remove, id)
				rf.Changes = append(rf.Changes, fmt.Sprintf("取消 %s（%s）", id, orig.Title))
			}
		case m["add"] != nil:
			c := r.reformClause(m["add"], docs)
			if c != nil {
				rf.Add = append(rf.Add, c)
				rf.Changes = append(rf.Changes, fmt.Sprintf("新增 %s（%s）", c.ID, c.Title))
			}
		default:
			r.fail(ch, "a change names a clause to change, one to remove, or one to add")
		}
		if n := len(m); n > 0 && m["clause"] == nil && n > 1 {
			r.fail(ch, "remove and add stand alone: amount, when, payer, budget and valid_to go with clause")
		}
	}
	if len(r.errs) > 0 {
		return nil, r.errs
	}
	return rf, nil
}

// reformClause reads a new clause: as in a policy file, with its document
// named, tests optional, and the citation the reform itself when not given.
func (r *reader) reformClause(n *yaml.Node, docs map[string]*Document) *Clause {
	m := r.mapping(n, "the new clause", "!document", "!id", "!title", "kind", "citation", "!beneficiary", "!level", "for_each", "window",
		"when", "!amount", "payer", "budget", "responsible", "tags", "exclusive", "stacks_with", "valid_from", "valid_to", "notes", "tests")
	doc, ok := docs[r.str(m["document"], "document")]
	if !ok {
		r.fail(m["document"], "no document %q in the library", r.str(m["document"], "document"))
		return nil
	}
	// The policy-file reader checks every field; the citation and tests are
	// filled in when the proposal has none.
	body := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "document" {
			body.Content = append(body.Content, n.Content[i], n.Content[i+1])
		}
	}
	if m["citation"] == nil {
		body.Content = append(body.Content, scalar("citation"), &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
			scalar("section"), scalar("改革方案"), scalar("quote"), scalar("（拟新增，不在原文中）")}})
	}
	if m["tests"] == nil {
		body.Content = append(body.Content, scalar("tests"), &yaml.Node{Kind: yaml.SequenceNode})
	}
	before := len(r.errs)
	c := r.clause(body)
	// An empty test list is an error in a policy file, not in a proposal.
	kept := r.errs[:before]
	for _, e := range r.errs[before:] {
		if !strings.Contains(e.Msg, "has no tests") {
			kept = append(kept, e)
		}
	}
	r.errs = kept
	c.Doc = doc
	return c
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }

// ReformTemplate is a reform file that changes clause id of f, holding the
// clause's current amount and condition for the user to edit.
func ReformTemplate(f *File, id string) (string, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(f.Raw, &root); err != nil || len(root.Content) == 0 {
		return "", errs.E(errs.Internal, "reading %s again: %v", f.Path, err)
	}
	var clause *yaml.Node
	for i := 0; i+1 < len(root.Content[0].Content); i += 2 {
		if root.Content[0].Content[i].Value != "clauses" {
			continue
		}
		for _, c := range root.Content[0].Content[i+1].Content {
			for j := 0; j+1 < len(c.Content); j += 2 {
				if c.Content[j].Value == "id" && c.Content[j+1].Value == id {
					clause = c
				}
			}
		}
	}
	if clause == nil {
		return "", errs.E(errs.NotFound, "no clause %q in %s", id, f.Path)
	}
	change := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("clause"), scalar(id)}}
	title := id
	for j := 0; j+1 < len(clause.Content); j += 2 {
		switch k, v := clause.Content[j].Value, clause.Content[j+1]; k {
		case "title":
			title = v.Value
		case "amount", "when":
			change.Content = append(change.Content, scalar(k), v)
		}
	}
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		scalar("title"), scalar("修改：" + title),
		scalar("changes"), {Kind: yaml.SequenceNode, Content: []*yaml.Node{change}},
	}}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	return b.String(), nil
}
