package rules

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

// Standard is a compiled qualification standard (国家认定标准).
type Standard struct {
	*policy.Standard
	Index     int
	region    string
	applies   *value // scope; nil: everywhere
	appRefs   []Ref
	appliesZh string
	requires  []*criterion
	routes    []*criterion
	groups    []*scoreGroup
}

type criterion struct {
	ref       cel.Program // reference interpreter, for the differential test
	src       *policy.Criterion
	when      value
	hasWhen   bool
	conjuncts []conjunct
	refs      []Ref
	measure   *measure
	vec       *vecCond // the condition's vector form, for Columnar.Criteria
}

type measure struct {
	src     *policy.Measure
	v       value
	need    *value
	defined *value
}

type scoreGroup struct {
	src   *policy.ScoreGroup
	items []*scoreItem
}

type scoreItem struct {
	src     *policy.ScoreItem
	bands   []band
	options []scoreOption
	measure *measure
}

type scoreOption struct {
	src     *policy.ScoreOption
	bands   []band
	measure *measure
}

type band struct {
	ref       cel.Program
	conjuncts []conjunct
	src       *policy.Band
	when      value
	refs      []Ref
}

func compileStandards(e *Engine, files []*policy.File) errs.List {
	var l errs.List
	cond := func(x policy.Expr) (value, []Ref, cel.Program, bool) {
		v, refs, prg, err := compileExpr(x, "", tBool)
		if err != nil {
			l = append(l, err)
			return value{}, nil, nil, false
		}
		return v, refs, prg, true
	}
	meas := func(m *policy.Measure) *measure {
		if m == nil {
			return nil
		}
		want := tDouble
		if m.Unit != "percent" {
			want = tInt
		}
		v, _, _, err := compileExpr(m.Expr, "", want)
		if err != nil {
			l = append(l, err)
			return nil
		}
		ms := &measure{src: m, v: v}
		if m.Need.Src != "" {
			nv, _, _, err := compileExpr(m.Need, "", want)
			if err != nil {
				l = append(l, err)
				return nil
			}
			ms.need = &nv
		}
		if m.Defined.Src != "" {
			dv, _, _, err := compileExpr(m.Defined, "", tBool)
			if err != nil {
				l = append(l, err)
				return nil
			}
			ms.defined = &dv
		}
		return ms
	}
	crit := func(pc *policy.Criterion) *criterion {
		c := &criterion{src: pc, measure: meas(pc.Measure)}
		if pc.When.Src != "" {
			if v, refs, prg, ok := cond(pc.When); ok {
				c.when, c.refs, c.hasWhen, c.ref = v, refs, true, prg
				c.conjuncts = splitConjuncts(pc.When, "")
				c.vec = vectorCondition(pc.When, "", v.b)
			}
		}
		return c
	}
	bands := func(pb []*policy.Band) []band {
		var out []band
		for _, b := range pb {
			v, refs, prg, ok := cond(b.When)
			bd := band{src: b, when: v, refs: refs, ref: prg}
			if ok {
				bd.conjuncts = splitConjuncts(b.When, "")
			}
			out = append(out, bd)
		}
		return out
	}
	bases := map[string]*policy.Standard{}
	for _, f := range files {
		for _, ps := range f.Standards {
			if ps.Extends == "" {
				bases[ps.ID] = ps
			}
		}
	}
	for _, f := range files {
		for _, ps := range f.Standards {
			for _, id := range ps.Supersedes {
				old, ok := bases[id]
				switch {
				case !ok:
					l = append(l, errs.At(ps.Pos, "standard %s supersedes %q, which is not a standard of the library", ps.ID, id))
				case old.Status != ps.Status:
					l = append(l, errs.At(ps.Pos, "standard %s supersedes %s, but one confers %s and the other %s", ps.ID, id, ps.Status, old.Status))
				}
			}
		}
	}
	for _, f := range files {
		for _, ps := range f.Standards {
			if ps.Extends != "" {
				base, ok := bases[ps.Extends]
				if !ok {
					l = append(l, errs.At(ps.Pos, "standard %s extends %q, which is not a standard of the library (or is itself an extension)", ps.ID, ps.Extends))
					continue
				}
				merged, err := ps.Merge(base)
				if err != nil {
					l = append(l, err.(*errs.Error))
					continue
				}
				ps = merged
			}
			s := &Standard{Standard: ps, Index: len(e.Standards), region: policy.RegionPrefix(f.Document.Jurisdiction)}
			if ps.Applies.Src != "" {
				if v, refs, _, ok := cond(ps.Applies); ok {
					s.applies, s.appRefs = &v, refs
					s.appliesZh = renderZhExpr(ps.Applies)
				}
			}
			for _, c := range ps.Requires {
				s.requires = append(s.requires, crit(c))
			}
			for _, c := range ps.Routes {
				s.routes = append(s.routes, crit(c))
			}
			if ps.Score != nil {
				for _, pg := range ps.Score.Groups {
					g := &scoreGroup{src: pg}
					for _, pi := range pg.Items {
						it := &scoreItem{src: pi, bands: bands(pi.Bands), measure: meas(pi.Measure)}
						for _, po := range pi.Options {
							it.options = append(it.options, scoreOption{src: po, bands: bands(po.Bands), measure: meas(po.Measure)})
						}
						g.items = append(g.items, it)
					}
					s.groups = append(s.groups, g)
				}
			}
			e.Standards = append(e.Standards, s)
		}
	}
	compilePools(e, files, crit)
	return l
}

// StandardsFor lists the standards that assess f at date at: a standard
// gives way to a revision that supersedes it and is in force at that date,
// and a base standard to an extension of it (a province's version) that is
// in force and covers the subject's region.
func (e *Engine) StandardsFor(f *facts.Facts, at policy.Date) []*Standard {
	replaced := map[string]bool{}
	for _, s := range e.Standards {
		if !s.InForce(at) {
			continue
		}
		if s.Extends != "" && strings.HasPrefix(f.Subject.Region, s.region) {
			replaced[s.Extends] = true
		}
		for _, id := range s.Supersedes {
			replaced[id] = true
		}
	}
	var out []*Standard
	for _, s := range e.Standards {
		if replaced[s.ID] || (s.Extends != "" && !strings.HasPrefix(f.Subject.Region, s.region)) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// StandardByID returns the compiled standard with that id.
func (e *Engine) StandardByID(id string) (*Standard, bool) {
	for _, s := range e.Standards {
		if s.ID == id {
			return s, true
		}
	}
	return nil, false
}

// Verdict is the outcome of a qualification standard for a subject.
type Verdict uint8

const (
	VerdictNotApplicable Verdict = iota // other beneficiary kind or region, or this version does not assess the date
	Qualifies
	NotQualified
	NeedsReview // everything computable holds; experts must still judge, and the score can still pass
	VerdictNeedsFacts
)

var verdictNames = [...]string{"not_applicable", "qualifies", "not_qualified", "needs_review", "needs_facts"}

func (v Verdict) String() string { return verdictNames[v] }

// MarshalText writes the verdict's name.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Zh is the verdict in Chinese.
func (v Verdict) Zh() string {
	return [...]string{"不适用", "符合条件", "不符合条件", "待专家评审", "需补充信息"}[v]
}

// state of one condition or of the score: the order is the precedence when
// conditions combine (a failure decides, then missing facts, then review).
type state uint8

const (
	stMet state = iota
	stReview
	stUnknown
	stFailed
)

var stateNames = [...]string{"met", "review", "unknown", "failed"}

func (s state) MarshalText() ([]byte, error) { return []byte(stateNames[s]), nil }

func (s state) String() string { return stateNames[s] }

// Assessment is a standard's result for one subject.
type Assessment struct {
	Standard     string            `json:"standard"`
	Title        string            `json:"title"`
	Status       string            `json:"status"`
	StatusZh     string            `json:"status_zh"`
	Document     string            `json:"document"`
	DocumentID   string            `json:"document_id"`
	SourceStatus string            `json:"source_status"`
	At           string            `json:"at"`
	FiscalYear   int64             `json:"fiscal_year"`
	Verdict      Verdict           `json:"verdict"`
	Classifies   bool              `json:"classifies,omitempty"` // a classification (划型, 规上), not a certified status
	Route        string            `json:"route,omitempty"`
	ValidUntil   string            `json:"valid_until,omitempty"`
	Conditions   []ConditionResult `json:"conditions"`
	Routes       []ConditionResult `json:"routes,omitempty"`
	Score        *ScoreResult      `json:"score,omitempty"`
	Missing      []string          `json:"missing,omitempty"`
	Review       []string          `json:"review,omitempty"`
	Explanation  string            `json:"explanation"`

	failed       []string // ids of failed conditions and groups, for tests
	review       []string // ids of items and conditions left to experts
	unknownFacts bool     // some fact read is unknown (what Missing lists, brief or not)
}

// ConditionResult is one condition of a standard for the subject.
type ConditionResult struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Section string `json:"section"`
	Quote   string `json:"quote"`
	State   state  `json:"state"`
	Measure string `json:"measure,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// ScoreResult is the points table for the subject: each figure is a range
// while experts have still to judge or facts are missing.
type ScoreResult struct {
	Min    int           `json:"min"`
	Max    int           `json:"max"`
	Of     int           `json:"of"`
	Pass   string        `json:"pass"`
	State  state         `json:"state"`
	Groups []GroupResult `json:"groups"`
}

// GroupResult is one indicator group's points.
type GroupResult struct {
	ID    string       `json:"id"`
	Title string       `json:"title"`
	Min   int          `json:"min"`
	Max   int          `json:"max"`
	Of    int          `json:"of"`
	Need  int          `json:"need,omitempty"`
	Items []ItemResult `json:"items"`
}

// ItemResult is one scored indicator's points and how they were reached.
type ItemResult struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Min     int    `json:"min"`
	Max     int    `json:"max"`
	Of      int    `json:"of"`
	Band    string `json:"band,omitempty"`
	Basis   string `json:"basis,omitempty"`
	How     string `json:"how"` // computed, assessed, expert, unknown
	Measure string `json:"measure,omitempty"`
}

// StandardFY is the fiscal year a standard reads at date at: the last one
// closed by then ("最近一年"是指企业申报前1个会计年度).
func StandardFY(at policy.Date) int64 {
	y := int64(at.Year())
	if int(at)%10000 == 1231 {
		return y
	}
	return y - 1
}

// Assess evaluates standard s for f at date at.
func (ev *Evaluator) Assess(s *Standard, f *facts.Facts, at policy.Date) *Assessment {
	fy := StandardFY(at)
	ev.setup(f, fy)
	ev.at, ev.atStr = at, at.String()
	ev.st.At, ev.st.AtDate = ev.atStr, at
	a := &Assessment{
		Standard: s.ID, Title: s.Title, Status: s.Status, StatusZh: statusZh(s.Standard),
		Document: docName(s.Doc), DocumentID: s.Doc.ID, SourceStatus: s.Doc.SourceStatus, At: at.String(), FiscalYear: fy,
		Classifies: s.Classifies(),
	}
	if !s.InForce(at) || !slices.Contains(s.Beneficiary, f.Subject.Kind) || !strings.HasPrefix(f.Subject.Region, s.region) {
		a.Verdict = VerdictNotApplicable
		a.Explanation = fmt.Sprintf("%s不适用于该主体或该日期。", s.Title)
		return a
	}
	st := &ev.st
	if s.applies != nil && s.applies.b(st) == triF {
		a.Verdict = VerdictNotApplicable
		a.Explanation = fmt.Sprintf("%s不适用：该主体不在本标准已编码部分的适用范围内（需%s）。", s.Title, s.appliesZh)
		return a
	}
	missing := map[string]bool{}
	addMissing := func(refs []Ref) {
		for _, r := range refs {
			if r.acc.base == bElem {
				continue
			}
			if !r.Known(st) {
				a.unknownFacts = true
				if ev.brief {
					continue // whether is enough; no labels
				}
				m := missingZh(r.Path, fy)
				if !missing[m] {
					missing[m] = true
					a.Missing = append(a.Missing, m)
				}
			}
		}
	}
	judged := func(item string) (facts.Assessment, bool) {
		var got facts.Assessment
		ok := false
		for _, x := range f.Assessments {
			if x.Standard == s.ID && x.Item == item && x.Date <= ev.atStr && (!ok || x.Date >= got.Date) {
				got, ok = x, true
			}
		}
		return got, ok
	}
	evalCrit := func(c *criterion) ConditionResult {
		pc := c.src
		r := ConditionResult{ID: pc.ID, Title: pc.Title, Section: pc.Citation.Section, Quote: pc.Citation.Quote, State: stMet}
		r.Measure = ev.measureText(c.measure)
		if c.hasWhen {
			switch c.when.b(st) {
			case triF, triE:
				r.State = stFailed
				if c.measure != nil {
					return r
				}
				if ev.brief {
					return r
				}
				var why []string
				for _, cj := range c.conjuncts {
					if t := cj.v.b(st); t == triF || t == triE {
						why = append(why, ev.describe(cj, false))
					}
				}
				r.Detail = strings.Join(why, "；")
				return r
			case triU:
				r.State = stUnknown
				addMissing(c.refs)
				return r
			}
		}
		if pc.Expert != "" {
			if x, ok := judged(pc.ID); ok {
				if x.Met {
					r.Detail = "已认定：" + judgedBy(x)
				} else {
					r.State = stFailed
					r.Detail = "经评审不符合：" + judgedBy(x)
				}
				return r
			}
			r.State = stReview
			r.Detail = "待评审：" + pc.Expert
			a.review = append(a.review, pc.ID)
			a.Review = append(a.Review, pc.Title+"（"+pc.Expert+"）")
		}
		return r
	}
	reqState := stMet
	if s.applies != nil && s.applies.b(st) != triT {
		reqState = stUnknown // whether the standard applies at all is not known
		addMissing(s.appRefs)
	}
	for _, c := range s.requires {
		r := evalCrit(c)
		a.Conditions = append(a.Conditions, r)
		reqState = max(reqState, r.State)
		if r.State == stFailed {
			a.failed = append(a.failed, r.ID)
		}
	}
	alt := stMet
	if len(s.routes) > 0 || s.Score != nil {
		alt = stFailed
		for _, c := range s.routes {
			r := evalCrit(c)
			a.Routes = append(a.Routes, r)
			if r.State == stMet && a.Route == "" {
				a.Route = r.ID
			}
			alt = min(alt, r.State)
		}
		if s.Score != nil {
			a.Score = ev.score(s, judged, addMissing, a)
			alt = min(alt, a.Score.State)
			if a.Score.State == stFailed {
				a.failed = append(a.failed, "score")
			}
		}
	}
	overall := max(reqState, alt)
	switch overall {
	case stMet:
		a.Verdict = Qualifies
		if s.Classifies() {
			break // a classification holds for the year assessed; it is not certified
		}
		if s.ValidYears > 0 {
			a.ValidUntil = at.ValidityEnd(s.ValidYears).String()
		} else {
			a.ValidUntil = fmt.Sprintf("%04d-12-31", at.Year())
		}
	case stFailed:
		a.Verdict = NotQualified
	case stUnknown:
		a.Verdict = VerdictNeedsFacts
	default:
		a.Verdict = NeedsReview
	}
	if !ev.brief {
		a.Explanation = ev.assessmentZh(s, a)
	}
	return a
}

// VerdictZh is the verdict in Chinese; a classification answers 是 or 否.
func (a *Assessment) VerdictZh() string {
	if a.Classifies {
		return classZh(a.Verdict)
	}
	return a.Verdict.Zh()
}

// classZh words a classification's verdict: 是 / 否 rather than 符合条件.
func classZh(v Verdict) string {
	switch v {
	case Qualifies:
		return "是"
	case NotQualified:
		return "否"
	}
	return v.Zh()
}

func statusZh(s *policy.Standard) string {
	if s.Classifies() {
		return facts.TermZh("classification", s.Status)
	}
	return facts.TermZh("recognition_kind", s.Status)
}

func judgedBy(x facts.Assessment) string {
	who := x.By
	if who == "" {
		who = facts.TermZh("source", x.Source)
	}
	return strings.TrimSpace(fmt.Sprintf("%s %s", who, x.Date))
}

func (ev *Evaluator) measureText(m *measure) string {
	if m == nil || ev.brief {
		return ""
	}
	st := &ev.st
	unknown := func(t tri) string {
		if t == triE {
			return "无法计算"
		}
		return "未知"
	}
	if m.defined != nil {
		if t := m.defined.b(st); t == triF {
			return m.src.Label + "：无法计算（分母为0）"
		}
	}
	text := func(v value) string {
		if m.src.Unit == "percent" {
			d, t := v.d(st)
			switch {
			case t != triT:
				return unknown(t)
			case math.IsNaN(d) || math.IsInf(d, 0):
				return "无法计算（分母为0）"
			}
			return fmt.Sprintf("%.2f%%", d*100)
		}
		n, t := v.i(st)
		if t != triT {
			return unknown(t)
		}
		switch m.src.Unit {
		case "money":
			return money.Fen(n).String()
		case "count":
			return fmt.Sprintf("%d项", n)
		case "days":
			return fmt.Sprintf("%d天", n)
		}
		return fmt.Sprintf("%d年", n)
	}
	s := m.src.Label + "：" + text(m.v)
	if m.need != nil {
		s += "（需不低于" + text(*m.need) + "）"
	}
	return s
}

// bandPoints finds the first band that holds. A band whose condition is
// unknown before any holds leaves the points open between that band and the
// rest.
func (ev *Evaluator) bandPoints(bs []band, addMissing func([]Ref)) (lo, hi int, label string, t tri) {
	st := &ev.st
	lo, hi = -1, -1
	for _, b := range bs {
		switch b.when.b(st) {
		case triT:
			if lo < 0 {
				return b.src.Points[0], b.src.Points[1], b.src.Label, triT
			}
			return min(lo, b.src.Points[0]), max(hi, b.src.Points[1]), "", triU
		case triU:
			addMissing(b.refs)
			if lo < 0 {
				lo, hi = b.src.Points[0], b.src.Points[1]
			} else {
				lo, hi = min(lo, b.src.Points[0]), max(hi, b.src.Points[1])
			}
		}
	}
	if lo >= 0 {
		return min(lo, 0), hi, "", triU // no band held for sure: the unknown ones or none (0)
	}
	return 0, 0, "", triF // no band applies: no points
}

func (ev *Evaluator) score(s *Standard, judged func(string) (facts.Assessment, bool), addMissing func([]Ref), a *Assessment) *ScoreResult {
	sc := s.Score
	out := &ScoreResult{Of: sc.Max}
	if sc.Above >= 0 {
		out.Pass = fmt.Sprintf("%d分以上（不含%d分）", sc.Above, sc.Above)
	} else {
		out.Pass = fmt.Sprintf("不低于%d分", sc.AtLeast)
	}
	pending, unknown := false, false
	groupsOK := stMet
	for _, g := range s.groups {
		gr := GroupResult{ID: g.src.ID, Title: g.src.Title, Of: g.src.Max, Need: g.src.Min}
		for _, it := range g.items {
			p := it.src
			ir := ItemResult{ID: p.ID, Title: p.Title, Of: p.Max}
			ir.Measure = ev.measureText(it.measure)
			switch {
			case len(it.options) > 0:
				// 选择一个指标进行评分: the better basis counts; the first
				// option with the highest assured points is recorded.
				ir.How = "computed"
				for i, o := range it.options {
					lo, hi, label, t := ev.bandPoints(o.bands, addMissing)
					if t == triU {
						ir.How, unknown = "unknown", true
					}
					if i == 0 || lo > ir.Min {
						ir.Basis, ir.Band = o.src.Title, label
						if m := ev.measureText(o.measure); m != "" {
							ir.Measure = m
						}
					}
					ir.Min, ir.Max = max(ir.Min, lo), max(ir.Max, hi)
				}
			case len(it.bands) > 0:
				lo, hi, label, t := ev.bandPoints(it.bands, addMissing)
				ir.Min, ir.Max, ir.Band, ir.How = lo, hi, label, "computed"
				if t == triU {
					ir.How, unknown = "unknown", true
				}
				if p.Expert != "" && t != triU {
					if x, ok := judged(p.ID); ok {
						ir.Min, ir.Max, ir.How = clamp(int(x.Points), lo, hi), clamp(int(x.Points), lo, hi), "assessed"
					} else if lo < hi {
						ir.How, pending = "expert", true
						a.review = append(a.review, p.ID)
						a.Review = append(a.Review, fmt.Sprintf("%s（%s档 %d–%d分，%s）", p.Title, label, lo, hi, p.Expert))
					}
				}
			default: // judged by experts only
				if x, ok := judged(p.ID); ok {
					v := clamp(int(x.Points), 0, p.Max)
					ir.Min, ir.Max, ir.How = v, v, "assessed"
				} else {
					ir.Min, ir.Max, ir.How, pending = 0, p.Max, "expert", true
					a.review = append(a.review, p.ID)
					a.Review = append(a.Review, fmt.Sprintf("%s（0–%d分，%s）", p.Title, p.Max, p.Expert))
				}
			}
			gr.Min += ir.Min
			gr.Max += ir.Max
			gr.Items = append(gr.Items, ir)
		}
		gr.Min, gr.Max = min(gr.Min, g.src.Max), min(gr.Max, g.src.Max)
		if g.src.Min > 0 {
			switch {
			case gr.Max < g.src.Min:
				groupsOK = stFailed
				a.failed = append(a.failed, g.src.ID)
			case gr.Min < g.src.Min && groupsOK != stFailed:
				groupsOK = stReview
			}
		}
		out.Min += gr.Min
		out.Max += gr.Max
		out.Groups = append(out.Groups, gr)
	}
	passes := func(x int) bool {
		if sc.Above >= 0 {
			return x > sc.Above
		}
		return x >= sc.AtLeast
	}
	switch {
	case !passes(out.Max) || groupsOK == stFailed:
		out.State = stFailed
	case passes(out.Min) && groupsOK == stMet:
		out.State = stMet
	case unknown:
		out.State = stUnknown
	case pending:
		out.State = stReview
	default:
		out.State = stUnknown
	}
	return out
}

func clamp(x, lo, hi int) int { return max(lo, min(x, hi)) }

// assessmentZh explains an assessment in plain Chinese.
func (ev *Evaluator) assessmentZh(s *Standard, a *Assessment) string {
	var b strings.Builder
	fmt.Fprintf(&b, "依据《%s》", s.Doc.Title)
	if s.Doc.Number != "" {
		fmt.Fprintf(&b, "（%s）", s.Doc.Number)
	}
	if s.Classifies() {
		fmt.Fprintf(&b, "%s，判定是否为%s（%d年度数据）：%s。", s.Citation.Section, a.StatusZh, a.FiscalYear, classZh(a.Verdict))
	} else {
		fmt.Fprintf(&b, "%s，评估%s（%d年度数据）：%s。", s.Citation.Section, a.StatusZh, a.FiscalYear, a.Verdict.Zh())
	}
	if a.Route != "" {
		for _, r := range a.Routes {
			if r.ID == a.Route {
				fmt.Fprintf(&b, "直接确认：%s（%s）。", r.Title, r.Section)
			}
		}
	}
	var fails []string
	for _, c := range append(slices.Clone(a.Conditions), a.Routes...) {
		if c.State == stFailed && !slices.Contains(a.Routes, c) {
			d := c.Title
			if c.Detail != "" {
				d += "：" + c.Detail
			}
			if c.Measure != "" {
				d += "（" + c.Measure + "）"
			}
			fails = append(fails, d)
		}
	}
	if len(fails) > 0 {
		fmt.Fprintf(&b, "不满足：%s。", strings.Join(fails, "；"))
	}
	if sc := a.Score; sc != nil {
		if sc.Min == sc.Max {
			fmt.Fprintf(&b, "评分%d分（满分%d分，需%s）。", sc.Min, sc.Of, sc.Pass)
		} else {
			fmt.Fprintf(&b, "评分%d–%d分（满分%d分，需%s）。", sc.Min, sc.Max, sc.Of, sc.Pass)
		}
		if sc.State == stFailed && len(sc.Groups) > 0 {
			fmt.Fprintf(&b, "即使待评项全部取得最高分，评分最高%d分，达不到%s。", sc.Max, sc.Pass)
		}
		for _, g := range sc.Groups {
			if g.Need > 0 && g.Max < g.Need {
				fmt.Fprintf(&b, "%s得分最多%d分，低于要求的%d分。", g.Title, g.Max, g.Need)
			}
		}
	}
	if len(a.Missing) > 0 {
		fmt.Fprintf(&b, "需补充：%s。", strings.Join(a.Missing, "、"))
	}
	if len(a.Review) > 0 {
		fmt.Fprintf(&b, "待专家评审：%s。", strings.Join(a.Review, "；"))
	}
	if a.ValidUntil != "" {
		fmt.Fprintf(&b, "如获认定，有效期至%s。", a.ValidUntil)
	}
	if s.Doc.SourceStatus == "secondary" {
		b.WriteString("（标准文本为转录本，引文请以官方发布文本为准。）")
	}
	return b.String()
}

// runStandardTest checks one test of a standard.
func (ev *Evaluator) runStandardTest(s *Standard, t *policy.Test) string {
	f, err := facts.DecodeBytes(t.Facts, "")
	if err != nil {
		return "facts: " + err.Error()
	}
	a := ev.Assess(s, f, t.At)
	if t.FY != 0 && a.FiscalYear != int64(t.FY) {
		return fmt.Sprintf("fiscal year is %d, want %d", a.FiscalYear, t.FY)
	}
	if a.Verdict.String() != t.Want.Outcome {
		return fmt.Sprintf("verdict is %s, want %s; %s", a.Verdict, t.Want.Outcome, a.Explanation)
	}
	if w := t.Want.Score; w != nil {
		if a.Score == nil || a.Score.Min != w[0] || a.Score.Max != w[1] {
			got := "none"
			if a.Score != nil {
				got = fmt.Sprintf("[%d, %d]", a.Score.Min, a.Score.Max)
			}
			return fmt.Sprintf("score is %s, want [%d, %d]; %s", got, w[0], w[1], a.Explanation)
		}
	}
	if t.Want.Route != "" && a.Route != t.Want.Route {
		return fmt.Sprintf("route is %q, want %q", a.Route, t.Want.Route)
	}
	for _, id := range t.Want.Failed {
		if !slices.Contains(a.failed, id) {
			return fmt.Sprintf("failed are [%s], want %s among them; %s", strings.Join(a.failed, ", "), id, a.Explanation)
		}
	}
	for _, id := range t.Want.Met {
		i := slices.IndexFunc(a.Conditions, func(c ConditionResult) bool { return c.ID == id })
		if i < 0 || a.Conditions[i].State != stMet {
			return fmt.Sprintf("condition %s does not hold; %s", id, a.Explanation)
		}
	}
	for _, id := range t.Want.Review {
		if !slices.Contains(a.review, id) {
			return fmt.Sprintf("left to experts are [%s], want %s among them", strings.Join(a.review, ", "), id)
		}
	}
	for _, m := range t.Want.Missing {
		if !slices.Contains(a.Missing, m) {
			return fmt.Sprintf("missing facts are [%s], want %s among them", strings.Join(a.Missing, ", "), m)
		}
	}
	return ""
}
