package score

import (
	"fmt"
	"strings"

	"cel.dev/cel-go/cel"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/rules"
)

// Board is a 榜单: a list defined by a rule and a ranking, published each
// year with its method — e.g. a "硬科技"企业榜单 of the enterprises that meet
// an eligibility rule, ranked by an indicator set, the first Top of them.
type Board struct {
	ID, Name string
	Method   string        // the published method (评选方法), in words
	Eligible string        // CEL bool over the facts: who may be on the list
	Set      *IndicatorSet // the ranking
	Top      int           // how many are listed (0: all eligible)
}

// Entry is one place on a published list.
type Entry struct {
	Rank    int
	Subject Subject
	Score   Points
}

// Edition is a board published for one year.
type Edition struct {
	Board    *Board
	FY       int64
	Eligible int // subjects meeting the rule, of which Entries are the first Top
	Entries  []Entry
}

// Validate checks a board's fields.
func (b *Board) Validate() error {
	var l errs.List
	if b.ID == "" || b.Name == "" {
		l = append(l, errs.At(errs.Pos{Path: "id"}, "a board needs an id and a name"))
	}
	if strings.TrimSpace(b.Method) == "" {
		l = append(l, errs.At(errs.Pos{Path: "method"}, "a board publishes its method: say in words who is eligible and how they are ranked"))
	}
	if strings.TrimSpace(b.Eligible) == "" {
		l = append(l, errs.At(errs.Pos{Path: "eligible"}, "a board needs an eligibility rule (a CEL condition over the facts)"))
	}
	if b.Set == nil {
		l = append(l, errs.At(errs.Pos{Path: "set"}, "a board needs an indicator set to rank by"))
	}
	if b.Top < 0 {
		l = append(l, errs.At(errs.Pos{Path: "top"}, "top is how many are listed: 0 (all) or more, not %d", b.Top))
	}
	return l.Err()
}

// Publish evaluates the eligibility rule for every subject, ranks the
// eligible ones by the board's indicator set against each other, and lists
// the first Top. A subject whose eligibility cannot be decided (a fact the
// rule reads is unknown) is not listed.
func (b *Board) Publish(subjects []*facts.Facts, fy int64, at string) (*Edition, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	if err := b.checkRule(); err != nil {
		return nil, err
	}
	rule := &IndicatorSet{ID: b.ID + "-eligible", Name: b.Name, Note: "榜单入榜条件：" + b.Method, Indicators: []Indicator{{ID: "eligible", Name: "入榜条件", Group: "入榜条件", Expr: b.Eligible, Weight: 1, Norm: MinMax, Direction: Higher}}}
	rc, err := Compile(rule)
	if err != nil {
		return nil, err
	}
	em, err := rc.Collect(subjects, fy, at)
	if err != nil {
		return nil, err
	}
	ids := []string{} // non-nil: an empty cohort admits nobody
	for i, row := range em.Values {
		if v, ok := row[0].Value.(bool); ok && row[0].Status == Known && v {
			ids = append(ids, em.Subjects[i].ID)
		}
	}
	c, err := Compile(b.Set)
	if err != nil {
		return nil, err
	}
	m, err := c.Collect(subjects, fy, at)
	if err != nil {
		return nil, err
	}
	r, err := m.Score(Cohort{ID: b.ID, Name: b.Name, IDs: ids}, nil)
	if err != nil {
		return nil, err
	}
	e := &Edition{Board: b, FY: fy, Eligible: len(ids)}
	for _, res := range r.Results {
		if b.Top > 0 && len(e.Entries) == b.Top {
			break
		}
		e.Entries = append(e.Entries, Entry{Rank: res.Rank, Subject: res.Subject, Score: res.Score})
	}
	return e, nil
}

// checkRule checks that the eligibility rule is a condition (a bool).
func (b *Board) checkRule() error {
	env, err := rules.Env("")
	if err != nil {
		return errs.E(errs.Internal, "CEL environment: %v", err)
	}
	checked, iss := env.Compile(b.Eligible)
	if iss.Err() != nil {
		return errs.At(errs.Pos{Path: "eligible"}, "the eligibility rule: %v", iss.Err())
	}
	if !checked.OutputType().IsExactType(cel.BoolType) {
		return errs.At(errs.Pos{Path: "eligible"}, "the eligibility rule is %s: it must be a condition (true or false)", checked.OutputType())
	}
	return nil
}

// Move is a subject on both editions whose rank changed.
type Move struct {
	Subject  Subject
	From, To int
}

// Changes is how an edition differs from the one before (与上年相比).
type Changes struct {
	Entered []Entry // on this year's list, not last year's
	Left    []Entry // on last year's list, not this year's
	Moved   []Move  // on both, at another rank
	Kept    int     // on both, at the same rank
}

// Diff compares cur with prev (prev nil: everyone entered). The counts
// reconcile: len(cur) = len(prev) + entered − left.
func Diff(prev, cur *Edition) Changes {
	var ch Changes
	before := map[string]Entry{}
	if prev != nil {
		for _, e := range prev.Entries {
			before[e.Subject.ID] = e
		}
	}
	now := map[string]bool{}
	for _, e := range cur.Entries {
		now[e.Subject.ID] = true
		p, ok := before[e.Subject.ID]
		switch {
		case !ok:
			ch.Entered = append(ch.Entered, e)
		case p.Rank != e.Rank:
			ch.Moved = append(ch.Moved, Move{Subject: e.Subject, From: p.Rank, To: e.Rank})
		default:
			ch.Kept++
		}
	}
	if prev != nil {
		for _, e := range prev.Entries {
			if !now[e.Subject.ID] {
				ch.Left = append(ch.Left, e)
			}
		}
	}
	return ch
}

// Rows lays out an edition with its changes for publication: rank, name,
// USCC, region, score and the change since last year.
func (e *Edition) Rows(ch Changes) [][]string {
	change := map[string]string{}
	for _, x := range ch.Entered {
		change[x.Subject.ID] = "新上榜"
	}
	for _, m := range ch.Moved {
		d := m.From - m.To
		if d > 0 {
			change[m.Subject.ID] = fmt.Sprintf("上升%d位", d)
		} else {
			change[m.Subject.ID] = fmt.Sprintf("下降%d位", -d)
		}
	}
	rows := [][]string{{"名次", "名称", "统一社会信用代码", "所在地区", "得分", "与上年相比"}}
	for _, x := range e.Entries {
		c := change[x.Subject.ID]
		if c == "" {
			c = "持平"
		}
		rows = append(rows, []string{fmt.Sprint(x.Rank), x.Subject.Name, x.Subject.USCC, regionLabel(x.Subject.Region), x.Score.String(), c})
	}
	for _, x := range ch.Left {
		rows = append(rows, []string{"—", x.Subject.Name, x.Subject.USCC, regionLabel(x.Subject.Region), "", fmt.Sprintf("落榜（上年第%d名）", x.Rank)})
	}
	return rows
}
