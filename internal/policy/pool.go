package policy

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
)

// Pool is a cultivation pool (培育库) a document sets up: who may be
// admitted (入库标准) as criteria the engine evaluates, the approval steps
// (审批程序), the money clause admission triggers, how members leave
// (graduated on reaching the target status, removed when a removal rule
// holds) and the follow-up the document promises (一对一, 一企一策).
//
// Documents rarely publish the criteria themselves — 肥乡 二（二） delegates
// them to the bureau "根据《高新技术企业认定管理办法》…设立" — so a criterion
// either quotes the sentence it rests on or is marked Local, with who set it
// and why: a local configuration (地方配置) the bureau may change, never
// passed off as the document's text.
type Pool struct {
	ID          string // the facts vocabulary term (pool), e.g. fx_hte_pool
	Title       string
	Beneficiary []string
	Level       string   // the level recorded on the admission (facts PoolEntry.level)
	Citation    Citation // the sentence that sets the pool up
	Criteria    []*Criterion
	// Standard is a national pack the candidates are measured against (the
	// 高企 pool against the 高新技术企业认定 standard): a candidate may fail
	// at most Within of its conditions (the near-miss distance).
	Standard   string
	Within     int
	Steps      []*PoolStep
	Capacity   int      // members admitted per year at most (0: no limit)
	Clause     string   // the money clause admission triggers (for_each pools), or empty
	Indicators []string // the indicators (registry ids) the pool is meant to move
	Graduate   []*Criterion
	Remove     []*Criterion
	FollowUp   *FollowUp
	Notes      string
	Tests      []*Test
	Pos        errs.Pos

	Doc *Document
}

// PoolStep is one step of the approval procedure (审批程序) between an
// application and admission.
type PoolStep struct {
	ID    string
	Title string
	By    string // the role that decides it: staff or expert
	Local string // why the step is as it is, where the document does not say
}

// FollowUp is the cultivation promised to members: 一对一 training, 一企一策
// tracking, with the sentence that promises it.
type FollowUp struct {
	Citation Citation
	Plan     string // what a member's plan covers, shown to the officer
}

// IsLocal reports a criterion the document leaves to the bureau; its
// Citation is then empty and the Local text says who set it and why.
func (c *Criterion) IsLocal() bool { return c.Local != "" }

var poolOutcomes = []string{"admissible", "not_admissible", "needs_review", "needs_facts", "not_applicable"}

func (r *reader) pool(n *yaml.Node, doc *Document) *Pool {
	m := r.mapping(n, "pool", "!id", "!title", "!beneficiary", "!level", "!citation", "!criteria", "standard", "within",
		"!steps", "capacity", "clause", "!graduate", "remove", "follow_up", "indicators", "notes", "!tests")
	p := &Pool{
		ID:          r.str(m["id"], "pool id"),
		Title:       r.str(m["title"], "title"),
		Beneficiary: r.strList(m["beneficiary"], "beneficiary"),
		Level:       r.str(m["level"], "level"),
		Citation:    r.citation(m["citation"]),
		Standard:    r.str(m["standard"], "standard"),
		Clause:      r.str(m["clause"], "clause"),
		Indicators:  r.strList(m["indicators"], "indicators"),
		Notes:       r.prose(m["notes"], "notes"),
		Pos:         r.pos(n),
		Doc:         doc,
	}
	if _, ok := facts.TermOf("pool", p.ID); m["id"] != nil && !ok {
		r.fail(m["id"], "pool %q is not a pool of the facts vocabulary (docs/facts.md, pool): add it there first", p.ID)
	}
	for i, b := range p.Beneficiary {
		if _, ok := facts.TermOf("subject_kind", b); !ok {
			r.fail(elem(m["beneficiary"], i), "beneficiary %q is not a subject kind (see docs/facts.md)", b)
		}
	}
	if m["level"] != nil && !slices.Contains(levels, p.Level) {
		r.fail(m["level"], "level %q is not one of %s", p.Level, strings.Join(levels, ", "))
	}
	if m["within"] != nil {
		p.Within = r.intVal(m["within"], "within")
		if p.Standard == "" {
			r.fail(m["within"], "within is the number of the standard's conditions a candidate may fail: give standard too")
		}
		if p.Within < 0 {
			r.fail(m["within"], "within must be 0 or more")
		}
	}
	if m["capacity"] != nil {
		if p.Capacity = r.intVal(m["capacity"], "capacity"); p.Capacity < 1 {
			r.fail(m["capacity"], "capacity is members admitted per year: 1 or more (leave it out for no limit)")
		}
	}
	crits := func(key string, min int) []*Criterion {
		var out []*Criterion
		seen := map[string]bool{}
		for _, cn := range r.seq(m[key], key) {
			c := r.poolCriterion(cn)
			if seen[c.ID] {
				r.fail(cn, "%s id %q is used twice in pool %s", key, c.ID, p.ID)
			}
			seen[c.ID] = true
			out = append(out, c)
		}
		if m[key] != nil && len(out) < min {
			r.fail(m[key], "pool %s needs at least %d %s", p.ID, min, key)
		}
		return out
	}
	p.Criteria = crits("criteria", 1)
	p.Graduate = crits("graduate", 1)
	p.Remove = crits("remove", 0)
	for _, sn := range r.seq(m["steps"], "steps") {
		sm := r.mapping(sn, "step", "!id", "!title", "!by", "local")
		st := &PoolStep{ID: r.id(sm["id"], "step id"), Title: r.str(sm["title"], "title"), By: r.str(sm["by"], "by"), Local: r.prose(sm["local"], "local")}
		if sm["by"] != nil && st.By != "staff" && st.By != "expert" {
			r.fail(sm["by"], "by %q must be staff or expert (the role that decides the step)", st.By)
		}
		if slices.ContainsFunc(p.Steps, func(o *PoolStep) bool { return o.ID == st.ID }) {
			r.fail(sn, "step id %q is used twice in pool %s", st.ID, p.ID)
		}
		p.Steps = append(p.Steps, st)
	}
	if m["steps"] != nil && len(p.Steps) == 0 {
		r.fail(m["steps"], "pool %s needs at least one approval step", p.ID)
	}
	if fn := m["follow_up"]; fn != nil {
		fm := r.mapping(fn, "follow_up", "!citation", "!plan")
		p.FollowUp = &FollowUp{Citation: r.citation(fm["citation"]), Plan: r.prose(fm["plan"], "plan")}
	}
	for _, t := range r.seq(m["tests"], "tests") {
		tc, wm := r.testCase(t, poolOutcomes, "failed", "graduated", "remove", "review")
		tc.Want.Failed = r.strList(wm["failed"], "failed")
		tc.Want.Review = r.strList(wm["review"], "review")
		tc.Want.Met = r.strList(wm["remove"], "remove") // removal rules that hold
		if g := wm["graduated"]; g != nil {
			tc.Want.Route = "no"
			if g.Value == "true" {
				tc.Want.Route = "yes"
			} else if g.Value != "false" {
				r.fail(g, "graduated must be true or false")
			}
		}
		p.Tests = append(p.Tests, tc)
	}
	if m["tests"] != nil && len(p.Tests) == 0 {
		r.fail(m["tests"], "pool %s has no tests: test who is admissible and who is not", p.ID)
	}
	return p
}

// poolCriterion reads a criterion of a pool: as a standard's, except that it
// may be Local (set by the bureau) instead of quoting the document.
func (r *reader) poolCriterion(n *yaml.Node) *Criterion {
	m := r.mapping(n, "criterion", "!id", "!title", "citation", "local", "when", "expert", "measure")
	c := &Criterion{
		ID:      r.id(m["id"], "criterion id"),
		Title:   r.str(m["title"], "title"),
		When:    r.expr(m["when"], "when"),
		Expert:  r.prose(m["expert"], "expert"),
		Measure: r.measure(m["measure"]),
		Local:   r.prose(m["local"], "local"),
		Pos:     r.pos(n),
	}
	switch {
	case m["citation"] != nil && m["local"] != nil:
		r.fail(n, "criterion %s has both citation and local: it either quotes the document or is set by the bureau", c.ID)
	case m["citation"] != nil:
		c.Citation = r.citation(m["citation"])
	case m["local"] == nil:
		r.fail(n, "criterion %s needs a citation (the sentence it rests on) or local (who set it, where the document leaves it to the bureau)", c.ID)
	}
	if m["when"] == nil && m["expert"] == nil {
		r.fail(n, "criterion %s has neither when nor expert: say how it is decided", c.ID)
	}
	return c
}

// Citations lists the pool's citations that quote its document.
func (p *Pool) Citations() []*Citation {
	out := []*Citation{&p.Citation}
	for _, cs := range [][]*Criterion{p.Criteria, p.Graduate, p.Remove} {
		for _, c := range cs {
			if !c.IsLocal() {
				out = append(out, &c.Citation)
			}
		}
	}
	if p.FollowUp != nil {
		out = append(out, &p.FollowUp.Citation)
	}
	return out
}
