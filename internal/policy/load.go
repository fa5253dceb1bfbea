package policy

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/money"
)

// LoadDir loads every *.yaml file in dir (sorted by name). It reports the
// errors of all files together.
func LoadDir(dir string) ([]*File, error) {
	return LoadFS(os.DirFS(dir), dir)
}

// LoadFS loads every *.yaml file at the top of fsys; name is how the
// directory is shown in messages.
func LoadFS(fsys fs.FS, name string) ([]*File, error) {
	paths, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, errs.E(errs.Invalid, "listing %s: %v", name, err)
	}
	if len(paths) == 0 {
		return nil, errs.At(errs.Pos{File: name}, "no policy files (*.yaml) in this directory")
	}
	sort.Strings(paths)
	var files []*File
	var all errs.List
	for _, p := range paths {
		f, err := loadFSFile(fsys, p, filepath.Join(name, p))
		if err != nil {
			all = appendErr(all, err)
			continue
		}
		files = append(files, f)
	}
	if len(all) > 0 {
		return nil, all
	}
	if err := CheckIDs(files); err != nil {
		return nil, err
	}
	return files, nil
}

func appendErr(l errs.List, err error) errs.List {
	switch e := err.(type) {
	case errs.List:
		return append(l, e...)
	case *errs.Error:
		return append(l, e)
	}
	return append(l, &errs.Error{Kind: errs.Internal, Msg: err.Error()})
}

// LoadFile loads one policy file and the source text it names.
func LoadFile(path string) (*File, error) {
	return loadFSFile(os.DirFS(filepath.Dir(path)), filepath.Base(path), path)
}

func loadFSFile(fsys fs.FS, p, shown string) (*File, error) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, errs.At(errs.Pos{File: shown}, "cannot read the policy file: %v", err)
	}
	return Parse(data, shown, func(rel string) (string, error) {
		b, err := fs.ReadFile(fsys, path.Join(path.Dir(p), rel))
		return string(b), err
	})
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,63}$`)

// Parse reads a policy file from data. readSource reads the source text named
// by the document's source field. Nothing is returned unless the whole file
// is valid.
func Parse(data []byte, path string, readSource func(string) (string, error)) (f *File, err error) {
	defer func() {
		if p := recover(); p != nil { // a loader bug must not take the caller down
			f, err = nil, &errs.Error{Kind: errs.Internal, Pos: errs.Pos{File: path}, Msg: fmt.Sprintf("internal error while reading this file (please report it): %v", p)}
		}
	}()
	r := &reader{file: path, lines: strings.Split(string(data), "\n")}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, yamlError(path, err)
	}
	if len(root.Content) == 0 {
		return nil, errs.At(errs.Pos{File: path}, "the policy file is empty")
	}
	top := r.mapping(root.Content[0], "the policy file", "!document", "gates", "clauses", "standards", "pools", "targets", "tables", "coverage")
	f = &File{Path: path, Raw: data}
	f.Document = r.document(top["document"])
	if f.Document.Source != "" && len(r.errs) == 0 {
		src, err := readSource(f.Document.Source)
		if err != nil {
			r.fail(top["document"], "cannot read the source text %q: %v", f.Document.Source, err)
		}
		f.Source = src
		f.Sources = map[string]string{}
		for _, a := range f.Document.AlsoSources {
			s, err := readSource(a.Source)
			if err != nil {
				r.fail(top["document"], "cannot read the source text %q: %v", a.Source, err)
			}
			f.Sources[a.Key] = s
		}
	}
	if n := top["gates"]; n != nil {
		for _, g := range r.seq(n, "gates") {
			f.Gates = append(f.Gates, r.gate(g))
		}
	}
	for _, c := range r.seq(top["clauses"], "clauses") {
		cl := r.clause(c)
		cl.Doc = &f.Document
		f.Clauses = append(f.Clauses, cl)
	}
	for _, s := range r.seq(top["standards"], "standards") {
		f.Standards = append(f.Standards, r.standard(s, &f.Document))
	}
	for _, p := range r.seq(top["pools"], "pools") {
		f.Pools = append(f.Pools, r.pool(p, &f.Document))
	}
	for _, t := range r.seq(top["targets"], "targets") {
		f.Targets = append(f.Targets, r.target(t, &f.Document))
	}
	for _, t := range r.seq(top["tables"], "tables") {
		f.Tables = append(f.Tables, r.table(t, &f.Document))
	}
	if top["clauses"] == nil && top["standards"] == nil {
		r.fail(root.Content[0], "a policy file needs clauses or standards")
	}
	if n := top["coverage"]; n != nil {
		for _, a := range r.seq(n, "coverage") {
			f.Coverage = append(f.Coverage, r.annotation(a))
		}
	}
	if len(r.errs) == 0 && f.Source != "" {
		r.checkQuotes(f)
	}
	if len(r.errs) > 0 {
		return nil, r.errs
	}
	return f, nil
}

func yamlError(path string, err error) error {
	msg := err.Error()
	// yaml.v3 says "yaml: line N: …"
	var line int
	if _, e := fmt.Sscanf(strings.TrimPrefix(msg, "yaml: "), "line %d:", &line); e == nil {
		_, rest, _ := strings.Cut(msg, ": line ")
		_, rest, _ = strings.Cut(rest, ": ")
		return errs.At(errs.Pos{File: path, Line: line}, "not valid YAML: %s", rest)
	}
	return errs.At(errs.Pos{File: path}, "not valid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
}

// elem returns the i-th element of a sequence node, or the node itself when
// it is a scalar standing for a one-element list.
func elem(n *yaml.Node, i int) *yaml.Node {
	if n != nil && n.Kind == yaml.SequenceNode && i < len(n.Content) {
		return n.Content[i]
	}
	return n
}

func (r *reader) seq(n *yaml.Node, what string) []*yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		r.fail(n, "%s must be a list", what)
		return nil
	}
	return n.Content
}

func (r *reader) id(n *yaml.Node, what string) string {
	s := r.str(n, what)
	if n != nil && !idRE.MatchString(s) {
		r.fail(n, "%s %q must be lowercase letters, digits and '-' (2–64 characters)", what, s)
	}
	return s
}

func (r *reader) document(n *yaml.Node) Document {
	m := r.mapping(n, "document", "!id", "!title", "number", "!issuer", "!jurisdiction", "jurisdiction_name",
		"!published", "!valid_from", "valid_to", "validity_note", "!source", "source_status", "also_sources")
	d := Document{
		ID:               r.id(m["id"], "document id"),
		Title:            r.str(m["title"], "title"),
		Number:           r.str(m["number"], "number"),
		Issuer:           r.str(m["issuer"], "issuer"),
		Jurisdiction:     r.str(m["jurisdiction"], "jurisdiction"),
		JurisdictionName: r.str(m["jurisdiction_name"], "jurisdiction_name"),
		Published:        r.date(m["published"], "published"),
		ValidFrom:        r.date(m["valid_from"], "valid_from"),
		ValidTo:          r.date(m["valid_to"], "valid_to"),
		ValidityNote:     r.prose(m["validity_note"], "validity_note"),
		Source:           r.str(m["source"], "source"),
		SourceStatus:     r.str(m["source_status"], "source_status"),
		Pos:              r.pos(n),
	}
	if d.SourceStatus == "" {
		d.SourceStatus = "official"
	}
	if d.SourceStatus != "official" && d.SourceStatus != "secondary" {
		r.fail(m["source_status"], "source_status %q must be official or secondary", d.SourceStatus)
	}
	for _, an := range r.seq(m["also_sources"], "also_sources") {
		am := r.mapping(an, "also_source", "!key", "!title", "number", "!published", "!source")
		d.AlsoSources = append(d.AlsoSources, &AlsoSource{Key: r.id(am["key"], "key"), Title: r.str(am["title"], "title"),
			Number: r.str(am["number"], "number"), Published: r.date(am["published"], "published"), Source: r.str(am["source"], "source")})
	}
	if j := m["jurisdiction"]; j != nil && !regexp.MustCompile(`^[1-9][0-9]{5}$`).MatchString(d.Jurisdiction) {
		r.fail(j, "jurisdiction %q must be a six-digit GB/T 2260 code such as \"620600\" (\"100000\" for national documents)", d.Jurisdiction)
	}
	if d.ValidTo != 0 && d.ValidTo < d.ValidFrom {
		r.fail(m["valid_to"], "valid_to is before valid_from")
	}
	return d
}

func (r *reader) citation(n *yaml.Node) Citation {
	m := r.mapping(n, "citation", "!section", "!quote", "also", "doc")
	c := Citation{Section: r.str(m["section"], "section"), Quote: r.str(m["quote"], "quote"), Doc: r.str(m["doc"], "doc"), Pos: r.pos(m["quote"])}
	c.Also = r.strList(m["also"], "also")
	if strings.TrimSpace(c.Quote) == "" && m["quote"] != nil {
		r.fail(m["quote"], "quote is empty: copy the sentence of the source the clause rests on")
	}
	return c
}

var levels = []string{"national", "province", "city", "county", "district"}

func (r *reader) gate(n *yaml.Node) *Gate {
	m := r.mapping(n, "gate", "!id", "!title", "!citation", "!blocks", "levels", "clauses", "region", "notes", "tests")
	g := &Gate{
		ID:       r.id(m["id"], "gate id"),
		Title:    r.str(m["title"], "title"),
		Citation: r.citation(m["citation"]),
		Blocks:   r.expr(m["blocks"], "blocks"),
		Levels:   r.strList(m["levels"], "levels"),
		Clauses:  r.strList(m["clauses"], "clauses"),
		Region:   r.str(m["region"], "region"),
		Notes:    r.prose(m["notes"], "notes"),
		Pos:      r.pos(n),
	}
	for i, l := range g.Levels {
		if !slices.Contains(levels, l) {
			r.fail(elem(m["levels"], i), "level %q is not one of %s", l, strings.Join(levels, ", "))
		}
	}
	if len(g.Levels) == 0 && len(g.Clauses) == 0 {
		r.fail(n, "gate %s covers no clauses: give levels or clauses", g.ID)
	}
	for _, t := range r.seq(m["tests"], "tests") {
		g.Tests = append(g.Tests, r.test(t))
	}
	if len(g.Tests) == 0 {
		r.fail(n, "gate %s has no tests: every gate needs tests at and around its bounds", g.ID)
	}
	return g
}

var forEachLists = []string{"recognitions", "awards", "ip", "contests", "agreements", "projects", "appointments", "pools"}

func (r *reader) clause(n *yaml.Node) *Clause {
	m := r.mapping(n, "clause", "!id", "!title", "kind", "!citation", "!beneficiary", "!level", "for_each", "window",
		"when", "!amount", "payer", "budget", "responsible", "tags", "indicators", "exclusive", "stacks_with", "quota",
		"valid_from", "valid_to", "notes", "!tests")
	c := &Clause{
		ID:          r.id(m["id"], "clause id"),
		Title:       r.str(m["title"], "title"),
		Kind:        r.str(m["kind"], "kind"),
		Citation:    r.citation(m["citation"]),
		Beneficiary: r.strList(m["beneficiary"], "beneficiary"),
		Level:       r.str(m["level"], "level"),
		ForEach:     r.str(m["for_each"], "for_each"),
		Window:      r.str(m["window"], "window"),
		When:        r.expr(m["when"], "when"),
		Payer:       r.str(m["payer"], "payer"),
		Budget:      r.str(m["budget"], "budget"),
		Responsible: r.strList(m["responsible"], "responsible"),
		Tags:        r.strList(m["tags"], "tags"),
		Indicators:  r.strList(m["indicators"], "indicators"),
		Exclusive:   r.str(m["exclusive"], "exclusive"),
		StacksWith:  r.strList(m["stacks_with"], "stacks_with"),
		ValidFrom:   r.date(m["valid_from"], "valid_from"),
		ValidTo:     r.date(m["valid_to"], "valid_to"),
		Notes:       r.prose(m["notes"], "notes"),
		Pos:         r.pos(n),
	}
	if c.Kind == "" {
		c.Kind = "payment"
	}
	if c.Kind != "payment" && c.Kind != "limit" {
		r.fail(m["kind"], "kind %q must be payment or limit", c.Kind)
	}
	for i, b := range c.Beneficiary {
		if _, ok := facts.TermOf("subject_kind", b); !ok {
			r.fail(elem(m["beneficiary"], i), "beneficiary %q is not a subject kind (see docs/facts.md)", b)
		}
	}
	if m["level"] != nil && !slices.Contains(levels, c.Level) {
		r.fail(m["level"], "level %q is not one of %s", c.Level, strings.Join(levels, ", "))
	}
	if c.ForEach != "" && !slices.Contains(forEachLists, c.ForEach) {
		r.fail(m["for_each"], "for_each %q must be one of %s", c.ForEach, strings.Join(forEachLists, ", "))
	}
	switch {
	case c.ForEach == "" && c.Window != "":
		r.fail(m["window"], "window applies only with for_each")
	case c.ForEach != "" && c.Window == "":
		c.Window = "current"
	}
	if c.Window != "" && !slices.Contains([]string{"current", "previous", "active", "any"}, c.Window) {
		r.fail(m["window"], "window %q must be current, previous, active or any", c.Window)
	}
	if c.Window == "active" && c.ForEach != "appointments" {
		r.fail(m["window"], "window active applies to appointments only")
	}
	if c.Budget == "" {
		c.Budget = "this_year"
	}
	if c.Budget != "this_year" && c.Budget != "next_year" {
		r.fail(m["budget"], "budget %q must be this_year or next_year", c.Budget)
	}
	if c.Kind == "payment" && c.Payer == "" {
		r.fail(n, "clause %s names no payer: who pays (e.g. 武威市级财政)?", c.ID)
	}
	if q := m["quota"]; q != nil {
		qm := r.mapping(q, "quota", "!min", "!max", "!per")
		c.Quota = &Quota{Min: r.intVal(qm["min"], "min"), Max: r.intVal(qm["max"], "max"), Per: r.str(qm["per"], "per")}
		if c.Quota.Min > c.Quota.Max || c.Quota.Per != "year" {
			r.fail(q, "quota must have min <= max and per: year")
		}
	}
	c.Amount = r.amount(m["amount"])
	for _, t := range r.seq(m["tests"], "tests") {
		c.Tests = append(c.Tests, r.test(t))
	}
	if m["tests"] != nil && len(c.Tests) == 0 {
		r.fail(m["tests"], "clause %s has no tests: every clause needs tests at and around its bounds", c.ID)
	}
	return c
}

func (r *reader) annotation(n *yaml.Node) *Annotation {
	m := r.mapping(n, "coverage annotation", "!quote", "!reason", "note")
	a := &Annotation{Quote: r.str(m["quote"], "quote"), Reason: r.str(m["reason"], "reason"), Note: r.prose(m["note"], "note"), Pos: r.pos(m["quote"])}
	if m["reason"] != nil && !slices.Contains([]string{"target", "not_a_rule", "context", "duplicate", "unspecified"}, a.Reason) {
		r.fail(m["reason"], "reason %q must be target, not_a_rule, context, duplicate or unspecified", a.Reason)
	}
	return a
}

var outcomes = []string{"entitled", "not_entitled", "needs_facts", "blocked", "not_blocked", "excluded", "not_applicable"}

// testCase reads what clause, gate and standard tests share: name, date,
// fiscal year, facts (decoded here, so a bad fact is reported at the test)
// and the want mapping with the given keys, whose outcome must be one of
// allowed.
func (r *reader) testCase(n *yaml.Node, allowed []string, wantKeys ...string) (*Test, map[string]*yaml.Node) {
	m := r.mapping(n, "test", "!name", "!at", "fy", "!facts", "!want")
	t := &Test{Name: r.str(m["name"], "name"), At: r.date(m["at"], "at"), Pos: r.pos(n)}
	if m["fy"] != nil {
		t.FY = r.intVal(m["fy"], "fy")
	}
	if fn := m["facts"]; fn != nil {
		t.Facts = r.toJSON(fn)
		if _, err := facts.DecodeBytes(t.Facts, ""); err != nil {
			for _, e := range appendErr(nil, err) {
				r.fail(fn, "test %q facts: %s: %s", t.Name, e.Pos.Path, e.Msg)
			}
		}
	}
	wm := r.mapping(m["want"], "want", append([]string{"!outcome"}, wantKeys...)...)
	t.Want.Outcome = r.str(wm["outcome"], "outcome")
	if wm["outcome"] != nil && !slices.Contains(allowed, t.Want.Outcome) {
		r.fail(wm["outcome"], "outcome %q must be one of %s", t.Want.Outcome, strings.Join(allowed, ", "))
	}
	return t, wm
}

func (r *reader) test(n *yaml.Node) *Test {
	t, wm := r.testCase(n, outcomes, "amount", "missing", "events")
	if a := wm["amount"]; a != nil {
		if a.Kind == yaml.ScalarNode && a.Value == "unspecified" {
			t.Want.Unspecified = true
		} else {
			iv := r.interval(a, "want.amount")
			t.Want.Amount = &iv
		}
	}
	t.Want.Missing = r.strList(wm["missing"], "missing")
	if wm["events"] != nil {
		t.Want.Events = r.intVal(wm["events"], "events")
	}
	return t
}

// amount reads exactly one amount primitive.
func (r *reader) amount(n *yaml.Node) *Amount {
	a := &Amount{Pos: r.pos(n)}
	if n == nil {
		return a
	}
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		r.fail(n, "amount must have exactly one of fixed, range, at_least, unspecified, by_value, brackets, progressive, rate, match, per_unit, recurring, staged")
		return a
	}
	k, v := n.Content[0], n.Content[1]
	a.Kind = k.Value
	switch a.Kind {
	case "fixed":
		a.Fixed = r.amountValue(v, "fixed")
		a.Range = money.Exact(a.Fixed)
	case "range":
		a.Range = r.interval(v, "range")
		if v.Kind != yaml.SequenceNode {
			r.fail(v, "range must be [min, max]")
		}
	case "at_least":
		a.Range = money.Interval{Min: r.amountValue(v, "at_least"), Open: true}
	case "unspecified":
		a.Unspecified = r.str(v, "unspecified")
		if strings.TrimSpace(a.Unspecified) == "" {
			r.fail(v, "unspecified must quote the document's words, e.g. 给予资金支持")
		}
	case "by_value":
		m := r.mapping(v, "by_value", "!of", "!table")
		a.Of = r.expr(m["of"], "of")
		if t := m["table"]; t != nil {
			if t.Kind != yaml.MappingNode {
				r.fail(t, "table must map values to amounts")
			} else {
				for i := 0; i+1 < len(t.Content); i += 2 {
					a.Table = append(a.Table, TableEntry{Key: t.Content[i].Value, Amount: r.interval(t.Content[i+1], "table amount")})
				}
			}
		}
	case "brackets":
		m := r.mapping(v, "brackets", "!of", "!tiers", "ties", "gaps")
		a.Of = r.expr(m["of"], "of")
		for _, tn := range r.seq(m["tiers"], "tiers") {
			tm := r.mapping(tn, "tier", "from", "from_word", "to", "to_word", "!amount")
			t := r.tierBounds(tn, tm, true)
			t.Amount = r.interval(tm["amount"], "amount")
			a.Tiers = append(a.Tiers, t)
		}
		for _, tn := range r.seq(m["ties"], "ties") {
			tm := r.mapping(tn, "tie", "!at", "!winner", "!note")
			tie := Tie{At: r.amountValue(tm["at"], "at"), Winner: r.str(tm["winner"], "winner"), Note: r.prose(tm["note"], "note")}
			if tie.Winner != "upper" && tie.Winner != "lower" {
				r.fail(tm["winner"], "winner must be upper or lower")
			}
			a.Ties = append(a.Ties, tie)
		}
		for _, gn := range r.seq(m["gaps"], "gaps") {
			gm := r.mapping(gn, "gap", "!from", "!to", "!note")
			a.Gaps = append(a.Gaps, Gap{From: r.amountValue(gm["from"], "from"), To: r.amountValue(gm["to"], "to"), Note: r.prose(gm["note"], "note")})
		}
		r.checkBrackets(v, a)
	case "progressive":
		m := r.mapping(v, "progressive", "!of", "!tiers", "!round")
		a.Of = r.expr(m["of"], "of")
		a.Round = r.rounding(m["round"])
		for _, tn := range r.seq(m["tiers"], "tiers") {
			tm := r.mapping(tn, "tier", "from", "from_word", "to", "to_word", "!rate")
			t := r.tierBounds(tn, tm, false)
			t.Rate = r.rate(tm["rate"], "rate")
			a.Tiers = append(a.Tiers, t)
		}
		r.checkProgressive(v, a)
	case "rate", "match":
		m := r.mapping(v, a.Kind, "!rate", "!of", "cap", "floor", "!round")
		a.Of = r.expr(m["of"], "of")
		a.Round = r.rounding(m["round"])
		if rn := m["rate"]; rn != nil && rn.Kind == yaml.SequenceNode {
			if len(rn.Content) != 2 {
				r.fail(rn, "a discretionary rate is [low, high], e.g. [10%%, 20%%]")
			} else {
				a.Rates = [2]money.Rate{r.rate(rn.Content[0], "rate"), r.rate(rn.Content[1], "rate")}
				if a.Rates[1].Less(a.Rates[0]) {
					r.fail(rn, "the low rate is above the high rate")
				}
			}
		} else {
			rt := r.rate(rn, "rate")
			a.Rates = [2]money.Rate{rt, rt}
		}
		if c := m["cap"]; c != nil {
			f := r.amountValue(c, "cap")
			a.Cap = &f
		}
		if c := m["floor"]; c != nil {
			f := r.amountValue(c, "floor")
			a.Floor = &f
		}
	case "per_unit":
		m := r.mapping(v, "per_unit", "!each", "!count")
		a.Count = r.expr(m["count"], "count")
		e := &Amount{Kind: "range", Pos: r.pos(m["each"])}
		if m["each"] != nil {
			e.Range = r.interval(m["each"], "each")
		}
		a.Each = e
	case "recurring":
		m := r.mapping(v, "recurring", "!years", "!each")
		a.Years = r.intVal(m["years"], "years")
		if a.Years < 2 || a.Years > 10 {
			r.fail(m["years"], "years must be from 2 to 10")
		}
		if e := m["each"]; e != nil {
			if e.Kind == yaml.MappingNode && len(e.Content) == 2 && e.Content[0].Value != "at_least" {
				a.Each = r.amount(e)
			} else {
				a.Each = &Amount{Kind: "range", Range: r.interval(e, "each"), Pos: r.pos(e)}
			}
			if a.Each.Kind == "recurring" {
				r.fail(e, "recurring cannot nest")
			}
		}
	case "staged":
		m := r.mapping(v, "staged", "!of", "!previous_of", "!stages")
		a.Of = r.expr(m["of"], "of")
		a.PreviousOf = r.expr(m["previous_of"], "previous_of")
		var last money.Fen
		for _, sn := range r.seq(m["stages"], "stages") {
			sm := r.mapping(sn, "stage", "!key", "!cumulative")
			s := Stage{Key: r.str(sm["key"], "key"), Cumulative: r.amountValue(sm["cumulative"], "cumulative")}
			if s.Cumulative < last {
				r.fail(sn, "cumulative totals must not decrease from stage to stage")
			}
			last = s.Cumulative
			a.Stages = append(a.Stages, s)
		}
	default:
		r.fail(k, "unknown amount primitive %q; use fixed, range, at_least, unspecified, by_value, brackets, progressive, rate, match, per_unit, recurring or staged", a.Kind)
	}
	return a
}

func (r *reader) rounding(n *yaml.Node) money.Rounding {
	if n == nil {
		return money.HalfUp
	}
	m, err := money.ParseRounding(n.Value)
	if err != nil {
		r.fail(n, "%v", err)
	}
	return m
}
