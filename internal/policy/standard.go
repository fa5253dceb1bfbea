package policy

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
)

// Standard is a qualification standard (国家认定标准): the conditions, the
// score and the direct routes that decide whether a subject qualifies for a
// status such as 高新技术企业 or 科技型中小企业. It lives in the policy file of
// the document that sets it, with the same citation discipline as clauses.
//
// A subject qualifies when every condition in Requires holds and, if the
// standard has a score or routes, the score passes or one route holds.
type Standard struct {
	ID          string
	Title       string
	Status      string // the recognition kind it confers (facts vocabulary recognition_kind)
	Level       string // the level of that status
	Beneficiary []string
	Citation    Citation
	Applies     Expr     // optional scope: where it is false the standard does not decide (划型: only the industries transcribed)
	ValidYears  int      // years a certificate is valid (第九条: 三年); 0: valid for its year only
	ValidFrom   Date     // version dates: the standard assesses dates in [ValidFrom, ValidTo]
	ValidTo     Date     // zero: no end
	Next        []string // ladder: statuses this one leads to (小升高: sme_tech → high_tech_enterprise)
	Requires    []*Criterion
	Score       *Score
	Routes      []*Criterion // direct qualification (直接确认): any one suffices instead of the score
	Notes       string
	Tests       []*Test
	Pos         errs.Pos

	// Supersedes names earlier versions this one replaces from its
	// valid_from on: a revision is added beside the old pack, which keeps
	// assessing the dates before it, without editing the old file.
	Supersedes []string

	// Extends names the standard this one adapts (a province's version of a
	// national standard); ReplaceGroups are its own score groups, replacing
	// the base's groups of the same id (专精特新 特色化指标: 由省级中小企业主管部门
	// 设定). Everything else comes from the base when the library is compiled.
	Extends       string
	ReplaceGroups []*ScoreGroup

	Doc *Document
}

func isExtension(n *yaml.Node) bool {
	if n == nil || n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "extends" {
			return true
		}
	}
	return false
}

// extension reads a standard that adapts another: its own id, title,
// citation, scope, dates, replacement score groups and tests.
func (r *reader) extension(n *yaml.Node, doc *Document) *Standard {
	m := r.mapping(n, "standard", "!id", "!title", "!extends", "!citation", "applies", "valid_from", "valid_to",
		"!replace_groups", "notes", "!tests")
	s := &Standard{
		ID:        r.id(m["id"], "standard id"),
		Title:     r.str(m["title"], "title"),
		Extends:   r.id(m["extends"], "extends"),
		Citation:  r.citation(m["citation"]),
		Applies:   r.expr(m["applies"], "applies"),
		ValidFrom: r.date(m["valid_from"], "valid_from"),
		ValidTo:   r.date(m["valid_to"], "valid_to"),
		Notes:     r.prose(m["notes"], "notes"),
		Pos:       r.pos(n),
		Doc:       doc,
	}
	seen := map[string]bool{}
	for _, gn := range r.seq(m["replace_groups"], "replace_groups") {
		g := r.scoreGroup(gn, func(id string, n *yaml.Node) {
			if seen[id] {
				r.fail(n, "id %q is used twice in standard %s", id, s.ID)
			}
			seen[id] = true
		})
		s.ReplaceGroups = append(s.ReplaceGroups, g)
	}
	for _, t := range r.seq(m["tests"], "tests") {
		s.Tests = append(s.Tests, r.standardTest(t))
	}
	return s
}

// Merge returns the standard an extension stands for: base with the
// extension's identity, citation, scope, dates, tests and score groups.
func (s *Standard) Merge(base *Standard) (*Standard, error) {
	m := *base
	m.ID, m.Title, m.Citation, m.Notes, m.Tests, m.Pos, m.Doc = s.ID, s.Title, s.Citation, s.Notes, s.Tests, s.Pos, s.Doc
	m.Extends, m.ReplaceGroups = s.Extends, s.ReplaceGroups
	m.Applies, m.ValidFrom, m.ValidTo = s.Applies, s.ValidFrom, s.ValidTo
	if base.Score == nil {
		return nil, errs.At(s.Pos, "standard %s extends %s, which has no score groups to replace", s.ID, base.ID)
	}
	sc := *base.Score
	sc.Groups = slices.Clone(base.Score.Groups)
	for _, g := range s.ReplaceGroups {
		i := slices.IndexFunc(sc.Groups, func(b *ScoreGroup) bool { return b.ID == g.ID })
		if i < 0 {
			return nil, errs.At(g.Pos, "standard %s replaces group %q, which %s does not have", s.ID, g.ID, base.ID)
		}
		if g.Max != sc.Groups[i].Max {
			return nil, errs.At(g.Pos, "group %s is worth %d points in %s; its replacement must be worth the same, not %d", g.ID, sc.Groups[i].Max, base.ID, g.Max)
		}
		sc.Groups[i] = g
	}
	m.Score = &sc
	return &m, nil
}

// Criterion is one condition of a standard. When is computed from facts;
// Expert, when set, says what experts must still judge once When holds
// (e.g. that the IP supports the main product): the outcome is needs review
// until an assessment records the judgement.
type Criterion struct {
	ID       string
	Title    string
	Citation Citation
	When     Expr
	Expert   string
	Measure  *Measure
	Local    string // pools only: set by the bureau, not the document (地方配置), and why
	Pos      errs.Pos
}

// Measure is a figure shown with a criterion or score item so the reader
// sees how far the subject is from the bound, e.g. the three-year R&D ratio.
type Measure struct {
	Label   string
	Expr    Expr
	Unit    string // percent, money, count, days, years
	Need    Expr   // optional: the bound the figure must reach, in the same unit (shown as 需不低于…)
	Defined Expr   // optional: where false the figure cannot be computed (a zero denominator) and is shown as such
}

// Score is a points table (创新能力评价, 评价指标).
type Score struct {
	Citation Citation
	Above    int // pass when total > Above (高企: 70分以上（不含70分）)
	AtLeast  int // or when total >= AtLeast (科技型中小企业: 不低于60分)
	Groups   []*ScoreGroup
	Max      int
}

// ScoreGroup is one indicator group with its ceiling and, where the text sets
// one, a minimum the group must reach (科技人员指标得分不得为0分).
type ScoreGroup struct {
	ID       string
	Title    string
	Max      int
	Min      int
	Citation *Citation
	Items    []*ScoreItem
	Pos      errs.Pos
}

// ScoreItem is one scored indicator: computed by bands (first match wins),
// the best of several options (选择一个指标进行评分), or judged by experts.
type ScoreItem struct {
	ID       string
	Title    string
	Citation Citation
	Max      int
	Bonus    bool // 加分项: counts within the group's ceiling
	Bands    []*Band
	Options  []*ScoreOption
	Expert   string // what experts judge; points come from an assessment
	Measure  *Measure
	Pos      errs.Pos
}

// ScoreOption is one basis an item may be scored on.
type ScoreOption struct {
	ID      string
	Title   string
	Bands   []*Band
	Measure *Measure
}

// Band is one row of a points table: when it holds the item scores Points
// (a range where experts choose within the band, e.g. 7-8分).
type Band struct {
	Label  string
	When   Expr
	Points [2]int
	Pos    errs.Pos
}

// Standard test outcomes.
var standardOutcomes = []string{"qualifies", "not_qualified", "needs_review", "needs_facts", "not_applicable"}

var measureUnits = []string{"percent", "money", "count", "days", "years"}

func (r *reader) standard(n *yaml.Node, doc *Document) *Standard {
	if isExtension(n) {
		return r.extension(n, doc)
	}
	m := r.mapping(n, "standard", "!id", "!title", "!status", "!level", "!beneficiary", "!citation", "applies", "valid_years",
		"valid_from", "valid_to", "next", "supersedes", "!requires", "score", "routes", "notes", "!tests")
	s := &Standard{
		ID:          r.id(m["id"], "standard id"),
		Title:       r.str(m["title"], "title"),
		Status:      r.str(m["status"], "status"),
		Level:       r.str(m["level"], "level"),
		Beneficiary: r.strList(m["beneficiary"], "beneficiary"),
		Citation:    r.citation(m["citation"]),
		Applies:     r.expr(m["applies"], "applies"),
		ValidFrom:   r.date(m["valid_from"], "valid_from"),
		ValidTo:     r.date(m["valid_to"], "valid_to"),
		Next:        r.strList(m["next"], "next"),
		Supersedes:  r.strList(m["supersedes"], "supersedes"),
		Notes:       r.prose(m["notes"], "notes"),
		Pos:         r.pos(n),
		Doc:         doc,
	}
	if m["valid_years"] != nil {
		s.ValidYears = r.intVal(m["valid_years"], "valid_years")
	}
	_, isRec := facts.TermOf("recognition_kind", s.Status)
	_, isClass := facts.TermOf("classification", s.Status)
	if m["status"] != nil && !isRec && !isClass {
		r.fail(m["status"], "status %q is neither a recognition kind nor a classification (see docs/facts.md)", s.Status)
	}
	for i, st := range s.Next {
		if _, ok := facts.TermOf("recognition_kind", st); !ok {
			r.fail(elem(m["next"], i), "next %q is not a recognition kind", st)
		}
	}
	if m["level"] != nil && !slices.Contains(levels, s.Level) {
		r.fail(m["level"], "level %q is not one of %s", s.Level, strings.Join(levels, ", "))
	}
	for i, b := range s.Beneficiary {
		if _, ok := facts.TermOf("subject_kind", b); !ok {
			r.fail(elem(m["beneficiary"], i), "beneficiary %q is not a subject kind (see docs/facts.md)", b)
		}
	}
	ids := map[string]bool{}
	uniq := func(id string, n *yaml.Node) {
		if ids[id] {
			r.fail(n, "id %q is used twice in standard %s", id, s.ID)
		}
		ids[id] = true
	}
	for _, c := range r.seq(m["requires"], "requires") {
		cr := r.criterion(c, false)
		uniq(cr.ID, c)
		s.Requires = append(s.Requires, cr)
	}
	for _, c := range r.seq(m["routes"], "routes") {
		cr := r.criterion(c, true)
		uniq(cr.ID, c)
		s.Routes = append(s.Routes, cr)
	}
	if sn := m["score"]; sn != nil {
		s.Score = r.score(sn, uniq)
	}
	for _, t := range r.seq(m["tests"], "tests") {
		s.Tests = append(s.Tests, r.standardTest(t))
	}
	if m["tests"] != nil && len(s.Tests) == 0 {
		r.fail(m["tests"], "standard %s has no tests: every standard needs tests at and around its bounds", s.ID)
	}
	return s
}

func (r *reader) criterion(n *yaml.Node, route bool) *Criterion {
	m := r.mapping(n, "condition", "!id", "!title", "!citation", "when", "expert", "measure")
	c := &Criterion{
		ID:       r.id(m["id"], "condition id"),
		Title:    r.str(m["title"], "title"),
		Citation: r.citation(m["citation"]),
		When:     r.expr(m["when"], "when"),
		Expert:   r.prose(m["expert"], "expert"),
		Measure:  r.measure(m["measure"]),
		Pos:      r.pos(n),
	}
	if m["when"] == nil && m["expert"] == nil {
		r.fail(n, "condition %s has neither when nor expert: say how it is decided", c.ID)
	}
	if route && m["when"] == nil {
		r.fail(n, "route %s needs a when condition", c.ID)
	}
	return c
}

func (r *reader) measure(n *yaml.Node) *Measure {
	if n == nil {
		return nil
	}
	m := r.mapping(n, "measure", "!label", "!expr", "!unit", "need", "defined")
	ms := &Measure{Label: r.str(m["label"], "label"), Expr: r.expr(m["expr"], "expr"), Unit: r.str(m["unit"], "unit"),
		Need: r.expr(m["need"], "need"), Defined: r.expr(m["defined"], "defined")}
	if m["unit"] != nil && !slices.Contains(measureUnits, ms.Unit) {
		r.fail(m["unit"], "unit %q must be one of %s", ms.Unit, strings.Join(measureUnits, ", "))
	}
	return ms
}

func (r *reader) score(n *yaml.Node, uniq func(string, *yaml.Node)) *Score {
	m := r.mapping(n, "score", "!citation", "above", "at_least", "!groups")
	s := &Score{Citation: r.citation(m["citation"]), Above: -1, AtLeast: -1}
	switch {
	case m["above"] != nil && m["at_least"] == nil:
		s.Above = r.intVal(m["above"], "above")
	case m["at_least"] != nil && m["above"] == nil:
		s.AtLeast = r.intVal(m["at_least"], "at_least")
	default:
		r.fail(n, "score needs exactly one pass rule: above (more than, 以上（不含）) or at_least (不低于)")
	}
	for _, gn := range r.seq(m["groups"], "groups") {
		g := r.scoreGroup(gn, uniq)
		s.Groups = append(s.Groups, g)
		s.Max += g.Max
	}
	return s
}

// scoreGroup reads one indicator group; its items' maxima must add up to the
// group's (bonus items aside).
func (r *reader) scoreGroup(gn *yaml.Node, uniq func(string, *yaml.Node)) *ScoreGroup {
	gm := r.mapping(gn, "score group", "!id", "!title", "!max", "min", "citation", "!items")
	g := &ScoreGroup{ID: r.id(gm["id"], "group id"), Title: r.str(gm["title"], "title"), Max: r.intVal(gm["max"], "max"), Pos: r.pos(gn)}
	uniq(g.ID, gn)
	if gm["min"] != nil {
		g.Min = r.intVal(gm["min"], "min")
	}
	if gm["citation"] != nil {
		c := r.citation(gm["citation"])
		g.Citation = &c
	}
	sum := 0
	for _, in := range r.seq(gm["items"], "items") {
		it := r.scoreItem(in)
		uniq(it.ID, in)
		g.Items = append(g.Items, it)
		if !it.Bonus {
			sum += it.Max
		}
	}
	if sum != g.Max {
		r.fail(gn, "group %s: its items' maxima add up to %d, not %d", g.ID, sum, g.Max)
	}
	if g.Min > g.Max {
		r.fail(gm["min"], "min is above max")
	}
	return g
}

func (r *reader) scoreItem(n *yaml.Node) *ScoreItem {
	m := r.mapping(n, "score item", "!id", "!title", "!citation", "!max", "bonus", "bands", "options", "expert", "measure")
	it := &ScoreItem{
		ID:       r.id(m["id"], "item id"),
		Title:    r.str(m["title"], "title"),
		Citation: r.citation(m["citation"]),
		Max:      r.intVal(m["max"], "max"),
		Expert:   r.prose(m["expert"], "expert"),
		Measure:  r.measure(m["measure"]),
		Pos:      r.pos(n),
	}
	if b := m["bonus"]; b != nil {
		it.Bonus = b.Value == "true"
	}
	it.Bands = r.bands(m["bands"], it.Max)
	for _, on := range r.seq(m["options"], "options") {
		om := r.mapping(on, "option", "!id", "!title", "!bands", "measure")
		it.Options = append(it.Options, &ScoreOption{ID: r.id(om["id"], "option id"), Title: r.str(om["title"], "title"),
			Bands: r.bands(om["bands"], it.Max), Measure: r.measure(om["measure"])})
	}
	ways := 0
	for _, k := range []string{"bands", "options", "expert"} {
		if m[k] != nil {
			ways++
		}
	}
	if ways != 1 && !(ways == 2 && m["bands"] != nil && m["expert"] != nil) {
		r.fail(n, "item %s needs bands, options or expert (bands with expert: experts choose within the band)", it.ID)
	}
	return it
}

func (r *reader) bands(n *yaml.Node, max int) []*Band {
	var out []*Band
	for _, bn := range r.seq(n, "bands") {
		bm := r.mapping(bn, "band", "!label", "!when", "!points")
		b := &Band{Label: r.str(bm["label"], "label"), When: r.expr(bm["when"], "when"), Pos: r.pos(bn)}
		if p := bm["points"]; p != nil {
			switch {
			case p.Kind == yaml.ScalarNode:
				v := r.intVal(p, "points")
				b.Points = [2]int{v, v}
			case p.Kind == yaml.SequenceNode && len(p.Content) == 2:
				b.Points = [2]int{r.intVal(p.Content[0], "points"), r.intVal(p.Content[1], "points")}
			default:
				r.fail(p, "points must be a number or [low, high] (e.g. [7, 8] for 7-8分)")
			}
			if b.Points[0] > b.Points[1] || b.Points[0] < 0 || b.Points[1] > max {
				r.fail(p, "points %v must be within 0…%d, low first", b.Points, max)
			}
		}
		out = append(out, b)
	}
	if n != nil && len(out) == 0 {
		r.fail(n, "bands is empty")
	}
	return out
}

func (r *reader) standardTest(n *yaml.Node) *Test {
	t, wm := r.testCase(n, standardOutcomes, "score", "route", "failed", "met", "missing", "review")
	if sn := wm["score"]; sn != nil {
		switch {
		case sn.Kind == yaml.ScalarNode:
			v := r.intVal(sn, "score")
			t.Want.Score = &[2]int{v, v}
		case sn.Kind == yaml.SequenceNode && len(sn.Content) == 2:
			t.Want.Score = &[2]int{r.intVal(sn.Content[0], "score"), r.intVal(sn.Content[1], "score")}
		default:
			r.fail(sn, "score must be a number or [low, high]")
		}
	}
	t.Want.Route = r.str(wm["route"], "route")
	t.Want.Failed = r.strList(wm["failed"], "failed")
	t.Want.Missing = r.strList(wm["missing"], "missing")
	t.Want.Review = r.strList(wm["review"], "review")
	t.Want.Met = r.strList(wm["met"], "met")
	return t
}

// Citations lists every citation of the standard: its own, its conditions,
// routes, score, groups and items.
func (s *Standard) Citations() []*Citation {
	out := []*Citation{&s.Citation}
	for _, g := range s.ReplaceGroups {
		if g.Citation != nil {
			out = append(out, g.Citation)
		}
		for _, it := range g.Items {
			out = append(out, &it.Citation)
		}
	}
	if s.Extends != "" {
		return out // the rest is the base's, checked in its own file
	}
	for _, c := range append(slices.Clone(s.Requires), s.Routes...) {
		out = append(out, &c.Citation)
	}
	if s.Score != nil {
		out = append(out, &s.Score.Citation)
		for _, g := range s.Score.Groups {
			if g.Citation != nil {
				out = append(out, g.Citation)
			}
			for _, it := range g.Items {
				out = append(out, &it.Citation)
			}
		}
	}
	return out
}

// Classifies reports whether the standard finds a classification (划型,
// 规上) rather than a status that is recognised by a certificate.
func (s *Standard) Classifies() bool {
	_, ok := facts.TermOf("classification", s.Status)
	return ok
}

// InForce reports whether the standard's version assesses date d.
func (s *Standard) InForce(d Date) bool {
	from, to := s.Doc.ValidFrom, s.Doc.ValidTo
	if s.ValidFrom != 0 {
		from = s.ValidFrom
	}
	if s.ValidTo != 0 {
		to = s.ValidTo
	}
	return d >= from && (to == 0 || d <= to)
}
