package rules

import (
	"fmt"
	"slices"
	"strings"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// Rungs is the ladder of enterprise statuses (梯次培育), lowest first:
// 科技型中小企业 → 创新型中小企业 → 高新技术企业 → 专精特新中小企业 → 专精特新“小巨人”.
// 武威 calls the middle rung 省级科技创新型企业; 瞪羚 and 科技领军 sit beside the top.
var Rungs = []string{"sme_tech", "innovative_sme", "high_tech_enterprise", "specialized_sme", "little_giant"}

// Ladder is a subject's position on the ladder at a date.
type Ladder struct {
	Subject      SubjectInfo   `json:"subject"`
	At           string        `json:"at"`
	Held         []HeldStatus  `json:"held"`
	Top          string        `json:"top,omitempty"` // highest rung held
	Next         string        `json:"next,omitempty"`
	NextZh       string        `json:"next_zh,omitempty"`
	NextPack     bool          `json:"next_pack"` // a standard for the next rung is encoded
	Renewal      *Assessment   `json:"renewal,omitempty"`
	NextResult   *Assessment   `json:"next_result,omitempty"`
	Skipped      []string      `json:"skipped,omitempty"`   // rungs between the top and Next whose standard is not encoded
	HighTech     *Assessment   `json:"high_tech,omitempty"` // the 高企 assessment, for 小升高
	Assessments  []*Assessment `json:"assessments"`
	NearMisses   []string      `json:"near_misses,omitempty"`
	XiaoShengGao bool          `json:"xiao_sheng_gao"` // 小升高: a 科技型中小企业 that meets or nearly meets 高企 conditions
	Explanation  string        `json:"explanation"`
}

// HeldStatus is a status the subject holds at the date: a recorded
// certificate (认定证书) in force.
type HeldStatus struct {
	Status     string `json:"status"`
	StatusZh   string `json:"status_zh"`
	Date       string `json:"date"`
	ValidUntil string `json:"valid_until"`
	Record     string `json:"record"` // the recognition's id
}

// validUntil is a recognition's end of validity: its own valid_until, else
// the date plus the standard's validity (三年 for 高企), else the end of its
// year (科技型中小企业入库 is annual).
func (e *Engine) validUntil(r *facts.Recognition) string {
	if r.ValidUntil != "" {
		return r.ValidUntil
	}
	d, err := policy.ParseDate(r.Date)
	if err != nil {
		return r.Date
	}
	for _, s := range e.Standards {
		if s.Status == r.Kind && s.ValidYears > 0 {
			return d.ValidityEnd(s.ValidYears).String()
		}
	}
	return fmt.Sprintf("%04d-12-31", d.Year())
}

// Held lists the statuses f holds at date at from its recorded recognitions.
func (e *Engine) Held(f *facts.Facts, at policy.Date) []HeldStatus {
	var out []HeldStatus
	as := at.String()
	for i := range f.Recognitions {
		r := &f.Recognitions[i]
		if r.Source == "assessed" || r.Date > as {
			continue
		}
		until := e.validUntil(r)
		if until < as {
			continue
		}
		out = append(out, HeldStatus{Status: r.Kind, StatusZh: facts.TermZh("recognition_kind", r.Kind), Date: r.Date, ValidUntil: until, Record: r.ID})
	}
	return out
}

// Ladder assesses every standard for f at date at and places the subject on
// the ladder: what it holds, the next rung and how far it is from it.
func (ev *Evaluator) Ladder(f *facts.Facts, at policy.Date) *Ladder {
	e := ev.eng
	l := &Ladder{Subject: SubjectInfo{ID: f.Subject.ID, Name: f.Subject.Name, Kind: f.Subject.Kind, Region: f.Subject.Region}, At: at.String()}
	l.Held = e.Held(f, at)
	top := -1
	for _, h := range l.Held {
		if i := slices.Index(Rungs, h.Status); i > top {
			top = i
		}
	}
	byStatus := map[string]*Assessment{}
	for _, s := range e.StandardsFor(f, at) {
		a := ev.Assess(s, f, at)
		if a.Verdict == VerdictNotApplicable {
			continue
		}
		l.Assessments = append(l.Assessments, a)
		if _, seen := byStatus[s.Status]; !seen {
			byStatus[s.Status] = a
		}
	}
	// Rungs first in ladder order, then other statuses (瞪羚), then
	// classifications (划型, 规上).
	rank := func(a *Assessment) int {
		if i := slices.Index(Rungs, a.Status); i >= 0 {
			return i
		}
		if a.Classifies {
			return len(Rungs) + 1
		}
		return len(Rungs)
	}
	slices.SortStableFunc(l.Assessments, func(a, b *Assessment) int { return rank(a) - rank(b) })
	if top >= 0 {
		l.Top = Rungs[top]
	}
	// A held status that expires within a year is up for 重新认定.
	yearOn := at.ValidityEnd(1).String()
	for _, h := range l.Held {
		if a, ok := byStatus[h.Status]; ok && h.ValidUntil <= yearOn && h.Status != "sme_tech" {
			l.Renewal = a
		}
	}
	for i := top + 1; i < len(Rungs); i++ {
		if slices.ContainsFunc(l.Held, func(h HeldStatus) bool { return h.Status == Rungs[i] }) {
			continue
		}
		a, ok := byStatus[Rungs[i]]
		if !ok && i < len(Rungs)-1 {
			// No standard encoded for this rung: name it and look further up,
			// so the ladder still points at a rung it can assess.
			l.Skipped = append(l.Skipped, facts.TermZh("recognition_kind", Rungs[i]))
			continue
		}
		l.Next, l.NextZh = Rungs[i], facts.TermZh("recognition_kind", Rungs[i])
		l.NextPack, l.NextResult = ok, a
		break
	}
	if a := l.NextResult; a != nil {
		l.NearMisses = nearMissesOf(a)
	}
	if hte, ok := byStatus["high_tech_enterprise"]; ok && slices.ContainsFunc(l.Held, func(h HeldStatus) bool { return h.Status == "sme_tech" }) &&
		!slices.ContainsFunc(l.Held, func(h HeldStatus) bool { return h.Status == "high_tech_enterprise" }) {
		// 满足或接近: qualifies, or only expert review or facts remain, or at most
		// two conditions fail.
		l.HighTech = hte
		l.XiaoShengGao = hte.Verdict != NotQualified || len(hte.failed) <= 2
	}
	l.Explanation = ladderZh(l)
	return l
}

// nearMissesOf lists what a subject lacks for a standard: each failed
// condition with its figure, a score that cannot pass, missing facts.
func nearMissesOf(a *Assessment) []string {
	var out []string
	for _, c := range a.Conditions {
		if c.State != stFailed {
			continue
		}
		s := c.Title
		if c.Measure != "" {
			s += "（" + c.Measure + "）"
		}
		if c.Detail != "" {
			s += "：" + c.Detail
		}
		out = append(out, s)
	}
	if sc := a.Score; sc != nil && sc.State == stFailed {
		s := fmt.Sprintf("评分最高%d分，需%s", sc.Max, sc.Pass)
		for _, g := range sc.Groups {
			if g.Need > 0 && g.Max < g.Need {
				s += fmt.Sprintf("；%s最高%d分，需不低于%d分", g.Title, g.Max, g.Need)
			}
		}
		out = append(out, s)
	}
	for _, m := range a.Missing {
		out = append(out, "需补充："+m)
	}
	return out
}

func ladderZh(l *Ladder) string {
	var b strings.Builder
	if len(l.Held) == 0 {
		b.WriteString("目前未记录有效的认定资格。")
	} else {
		var hs []string
		for _, h := range l.Held {
			hs = append(hs, fmt.Sprintf("%s（有效期至%s）", h.StatusZh, h.ValidUntil))
		}
		fmt.Fprintf(&b, "现有资格：%s。", strings.Join(hs, "、"))
	}
	if l.Renewal != nil {
		fmt.Fprintf(&b, "%s资格一年内到期，重新认定评估：%s。", l.Renewal.StatusZh, l.Renewal.Verdict.Zh())
	}
	if len(l.Skipped) > 0 {
		fmt.Fprintf(&b, "%s的认定标准尚未编入标准包，未评估。", strings.Join(l.Skipped, "、"))
	}
	switch {
	case l.Next == "":
		b.WriteString("已处于梯队最高一级。")
	case !l.NextPack:
		fmt.Fprintf(&b, "下一级：%s（该认定标准尚未编入标准包，无法评估）。", l.NextZh)
	default:
		a := l.NextResult
		fmt.Fprintf(&b, "下一级：%s，评估结果：%s", l.NextZh, a.Verdict.Zh())
		if a.Score != nil {
			if a.Score.Min == a.Score.Max {
				fmt.Fprintf(&b, "（评分%d分）", a.Score.Min)
			} else {
				fmt.Fprintf(&b, "（评分%d–%d分）", a.Score.Min, a.Score.Max)
			}
		}
		b.WriteString("。")
		if len(l.NearMisses) > 0 {
			fmt.Fprintf(&b, "差距：%s。", strings.Join(l.NearMisses, "；"))
		}
	}
	if l.XiaoShengGao {
		b.WriteString("属“小升高”培育对象：科技型中小企业已满足或接近高新技术企业认定条件。")
	}
	return b.String()
}
