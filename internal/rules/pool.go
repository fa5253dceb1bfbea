package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// Pool is a compiled cultivation pool (培育库). Its admission criteria,
// graduation and removal rules are compiled as standards of their own —
// not listed in Engine.Standards, so they never place anyone on the ladder
// — and evaluated by the same evaluator, with the same missing-fact and
// expert-review semantics: a criterion a person must judge (创新意识强) is
// needs review until an assessment records the judgement.
type Pool struct {
	*policy.Pool
	criteria *Standard
	graduate *Standard // routes: any one holding graduates the member
	remove   *Standard // each condition on its own: one that holds removes the member
	pack     *Standard // the national standard candidates are measured against, or nil
}

// PoolStandardID is the standard id a pool's criteria are assessed under:
// expert judgements of its criteria are recorded as facts assessments with
// this standard id (facts.Assessment.Standard) and the criterion's id.
func PoolStandardID(pool string) string { return "pool:" + pool }

// compilePools compiles every pool of files with crit (the standards'
// criterion compiler).
func compilePools(e *Engine, files []*policy.File, crit func(*policy.Criterion) *criterion) {
	for _, f := range files {
		for _, pp := range f.Pools {
			mk := func(suffix, title string, req, routes []*policy.Criterion) *Standard {
				ps := &policy.Standard{ID: PoolStandardID(pp.ID) + suffix, Title: title, Beneficiary: pp.Beneficiary, Level: pp.Level,
					Citation: pp.Citation, Requires: req, Routes: routes, Pos: pp.Pos, Doc: pp.Doc}
				s := &Standard{Standard: ps, Index: -1, region: policy.RegionPrefix(f.Document.Jurisdiction)}
				for _, c := range req {
					s.requires = append(s.requires, crit(c))
				}
				for _, c := range routes {
					s.routes = append(s.routes, crit(c))
				}
				return s
			}
			p := &Pool{Pool: pp,
				criteria: mk("", pp.Title+"入库标准", pp.Criteria, nil),
				graduate: mk(":graduate", pp.Title+"毕业（出库）", nil, pp.Graduate),
				remove:   mk(":remove", pp.Title+"移出", pp.Remove, nil),
			}
			e.Pools = append(e.Pools, p)
		}
	}
}

// linkPools resolves each pool's national standard (after every standard is compiled).
func (e *Engine) linkPools() {
	for _, p := range e.Pools {
		if p.Standard != "" {
			p.pack, _ = e.StandardByID(p.Standard)
		}
	}
}

// PoolByID returns the pool with id.
func (e *Engine) PoolByID(id string) (*Pool, bool) {
	i := slices.IndexFunc(e.Pools, func(p *Pool) bool { return p.ID == id })
	if i < 0 {
		return nil, false
	}
	return e.Pools[i], true
}

// Admission is whether a subject may be admitted to a pool.
type Admission uint8

const (
	Admissible Admission = iota
	AdmissionNeedsReview
	AdmissionNeedsFacts
	NotAdmissible
	AdmissionNotApplicable
)

var admissionNames = [...]string{"admissible", "needs_review", "needs_facts", "not_admissible", "not_applicable"}
var admissionZh = [...]string{"符合入库标准", "待人工审核", "缺少事实", "不符合入库标准", "不适用"}

func (a Admission) String() string { return admissionNames[a] }

// MarshalText writes the admission as its name.
func (a Admission) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads an admission's name.
func (a *Admission) UnmarshalText(b []byte) error {
	i := slices.Index(admissionNames[:], string(b))
	if i < 0 {
		return fmt.Errorf("admission %q is not one of %s", b, strings.Join(admissionNames[:], ", "))
	}
	*a = Admission(i)
	return nil
}

// Zh is the admission in Chinese.
func (a Admission) Zh() string { return admissionZh[a] }

// PoolCheck is a subject measured against a pool at a date.
type PoolCheck struct {
	Pool      string            `json:"pool"`
	Admission Admission         `json:"admission"`
	Criteria  *Assessment       `json:"criteria"`           // the pool's own criteria
	Pack      *Assessment       `json:"standard,omitempty"` // the national standard, when the pool names one
	Distance  int               `json:"distance"`           // the standard's conditions (and score) not met
	Graduated string            `json:"graduated,omitempty"`
	Remove    []ConditionResult `json:"remove,omitempty"`  // removal rules that hold
	Lacks     []string          `json:"lacks,omitempty"`   // what the subject lacks, in words
	Review    []string          `json:"review,omitempty"`  // what a person must still judge
	Missing   []string          `json:"missing,omitempty"` // facts needed, of the criteria and the standard

	failed []string
}

// CheckPool measures subject f against pool p at date at: whether it meets
// the criteria, how far it is from the national standard, whether it has
// graduated and which removal rules hold.
func (ev *Evaluator) CheckPool(p *Pool, f *facts.Facts, at policy.Date) *PoolCheck {
	c := &PoolCheck{Pool: p.ID}
	c.Criteria = ev.Assess(p.criteria, f, at)
	c.failed = slices.Clone(c.Criteria.failed)
	c.Review = slices.Clone(c.Criteria.Review)
	for _, r := range c.Criteria.Conditions {
		if r.State == stFailed {
			c.Lacks = append(c.Lacks, r.Title+cond(r.Detail))
		}
	}
	switch c.Criteria.Verdict {
	case Qualifies:
		c.Admission = Admissible
	case NeedsReview:
		c.Admission = AdmissionNeedsReview
	case VerdictNeedsFacts:
		c.Admission = AdmissionNeedsFacts
	case NotQualified:
		c.Admission = NotAdmissible
	default:
		c.Admission = AdmissionNotApplicable
	}
	if p.pack != nil && c.Admission != AdmissionNotApplicable {
		a := ev.Assess(p.pack, f, at)
		c.Pack = a
		c.Distance = len(a.failed)
		switch {
		case a.Verdict == VerdictNotApplicable:
			c.Admission = AdmissionNotApplicable
		case c.Distance > p.Within:
			c.Admission = max(c.Admission, NotAdmissible)
			c.failed = append(c.failed, "standard")
		case a.Verdict == VerdictNeedsFacts || len(a.Missing) > 0 || a.unknownFacts:
			// within the distance on what is known, but what is not known
			// could fail too: the facts are needed before admission
			c.Admission = max(c.Admission, AdmissionNeedsFacts)
		}
		// the standard's expert items (核心知识产权, 技术领域) are judged at
		// 认定, not at admission: a pool admits those still being cultivated
		for _, r := range a.Conditions {
			if r.State == stFailed {
				c.Lacks = append(c.Lacks, a.Title+"："+r.Title+cond(cmp.Or(r.Measure, r.Detail)))
			}
		}
		if a.Score != nil && a.Score.State == stFailed {
			c.Lacks = append(c.Lacks, fmt.Sprintf("%s：评价得分 %d–%d 分，未达标准", a.Title, a.Score.Min, a.Score.Max))
		}
	}
	c.Missing = slices.Clone(c.Criteria.Missing)
	if c.Pack != nil {
		for _, m := range c.Pack.Missing {
			if !slices.Contains(c.Missing, m) {
				c.Missing = append(c.Missing, m)
			}
		}
	}
	g := ev.Assess(p.graduate, f, at)
	if g.Verdict == Qualifies {
		c.Graduated = g.Route
	}
	if len(p.remove.requires) > 0 {
		rm := ev.Assess(p.remove, f, at)
		for _, r := range rm.Conditions {
			if r.State == stMet {
				// a removal rule that holds also keeps a candidate out
				c.Remove = append(c.Remove, r)
				c.Lacks = append(c.Lacks, "移出情形："+r.Title)
				c.failed = append(c.failed, "remove:"+r.ID)
				if c.Admission != AdmissionNotApplicable {
					c.Admission = NotAdmissible
				}
			}
		}
	}
	return c
}

// GraduateTitle names graduation route id of p.
func (p *Pool) GraduateTitle(id string) string {
	for _, c := range p.Graduate {
		if c.ID == id {
			return c.Title
		}
	}
	return id
}

func (ev *Evaluator) runPoolTest(p *Pool, t *policy.Test) string {
	f, err := facts.DecodeBytes(t.Facts, "")
	if err != nil {
		return "facts: " + err.Error()
	}
	c := ev.CheckPool(p, f, t.At)
	if c.Admission.String() != t.Want.Outcome {
		return fmt.Sprintf("admission is %s, want %s; %s; lacks [%s]; missing [%s]", c.Admission, t.Want.Outcome, c.Criteria.Explanation,
			strings.Join(c.Lacks, "；"), strings.Join(c.Missing, "、"))
	}
	for _, id := range t.Want.Failed {
		if !slices.Contains(c.failed, id) {
			return fmt.Sprintf("failed are [%s], want %s among them", strings.Join(c.failed, ", "), id)
		}
	}
	for _, id := range t.Want.Review {
		if !slices.Contains(c.Criteria.review, id) {
			return fmt.Sprintf("left to a person are [%s], want %s among them", strings.Join(c.Criteria.review, ", "), id)
		}
	}
	switch t.Want.Route {
	case "yes":
		if c.Graduated == "" {
			return "has not graduated, want graduated"
		}
	case "no":
		if c.Graduated != "" {
			return fmt.Sprintf("graduated by %s, want not graduated", c.Graduated)
		}
	}
	var removed []string
	for _, r := range c.Remove {
		removed = append(removed, r.ID)
	}
	for _, id := range t.Want.Met {
		if !slices.Contains(removed, id) {
			return fmt.Sprintf("removal rules holding are [%s], want %s among them", strings.Join(removed, ", "), id)
		}
	}
	return ""
}

func cond(detail string) string {
	if detail == "" {
		return ""
	}
	return "（" + detail + "）"
}
