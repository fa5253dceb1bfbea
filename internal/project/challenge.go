package project

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

// ChallengeState is where a challenge list entry (榜单) stands.
type ChallengeState string

const (
	Draft     ChallengeState = "draft"     // 草拟
	Published ChallengeState = "published" // 已发榜: open for questions and bids
	Withdrawn ChallengeState = "withdrawn" // 已撤榜, with the reason
	Closed    ChallengeState = "closed"    // 揭榜截止
)

// Zh names a state in Chinese.
func (s ChallengeState) Zh() string {
	return map[ChallengeState]string{Draft: "草拟", Published: "已发榜", Withdrawn: "已撤榜", Closed: "揭榜截止"}[s]
}

// Challenge is a problem put up for 揭榜挂帅: from an enterprise or a
// department, with its technical indicators, the money the project is to
// total, the deadline, the end user who will accept the result, and the
// clause that computes the award.
type Challenge struct {
	ID         int64          `json:"id"`
	Title      string         `json:"title"`
	Problem    string         `json:"problem"`    // 需求描述
	Indicators []string       `json:"indicators"` // 技术指标
	Total      money.Fen      `json:"total"`      // 项目科技投入总额
	Deadline   string         `json:"deadline"`   // 揭榜截止日期, YYYY-MM-DD
	EndUser    string         `json:"end_user"`   // 验收用户 (the enterprise that will accept the result)
	Issuer     string         `json:"issuer"`     // 发榜单位
	Region     string         `json:"region"`     // GB/T 2260 of the jurisdiction that publishes it
	Clause     string         `json:"clause"`     // the award clause, e.g. ww-challenge
	State      ChallengeState `json:"state"`
	Published  string         `json:"published,omitempty"`
	Ended      string         `json:"ended,omitempty"`
	Reason     string         `json:"reason,omitempty"` // why it was withdrawn
	QA         []QA           `json:"qa,omitempty"`
	Review     *Review        `json:"review,omitempty"` // 评审, once closed
	Version    int            `json:"version"`

	// Calls and guides (项目申报指南): a call is reviewed and granted as a
	// challenge is, with no end user. Either may take bids in a fixed window
	// to the deadline or all year (常年受理、定期评审、科学评价、分批下达,
	// 武威 四（一）4): a rolling one stays open and its bids are reviewed in
	// batches, each batch a closed challenge of its own (Parent, Batch).
	Kind    string     `json:"kind,omitempty"`   // "" (揭榜挂帅) or call
	Intake  string     `json:"intake,omitempty"` // "" (a fixed window to the deadline) or rolling
	Level   string     `json:"level,omitempty"`  // what is applied for: city (default), district, province — the gates read it
	Parent  int64      `json:"parent,omitempty"`
	Batch   int        `json:"batch,omitempty"`
	Batches []BatchRef `json:"batches,omitempty"` // a rolling call's batches
	// ProjectKind is what a granted project is recorded as in its unit's
	// facts (vocabulary project_kind) — the kind the award clause reads:
	// challenge (default), transfer (成果转化, 泰安's 竞争立项 贴息), sti_plan …
	ProjectKind string `json:"project_kind,omitempty"`
	// Lump is 经费包干制 (武威 四（一）5 “對自然科學基金、青年科技基金項目和軟科學
	// 項目實行經費包干制”): a call of those programmes; its projects are accepted
	// technically and on performance only, with no financial acceptance.
	Lump bool `json:"lump,omitempty"`
}

// ProjectKindOf is the kind its projects are recorded as.
func (c *Challenge) ProjectKindOf() string {
	if c.ProjectKind == "" {
		return "challenge"
	}
	return c.ProjectKind
}

// BatchRef is one review batch of a rolling call: the bids submitted up to
// its cutoff, moved to a challenge of their own.
type BatchRef struct {
	ID     int64  `json:"id"`
	N      int    `json:"n"`
	Cutoff string `json:"cutoff"`
	Bids   int    `json:"bids"`
}

// LevelOf is what the challenge's applicants apply for: a 市级 project
// unless it says otherwise.
func (c *Challenge) LevelOf() string {
	if c.Level == "" {
		return "city"
	}
	return c.Level
}

// Noun is what the challenge is called: 榜单, 申报指南, or a batch of one.
func (c *Challenge) Noun() string {
	switch {
	case c.Batch > 0:
		return "评审批次"
	case c.Kind == "call":
		return "申报指南"
	}
	return "榜单"
}

// CheckBatch says whether rolling call c may cut a review batch at cutoff
// on day today: the call is open, the cutoff is not in the future and
// comes after the last batch's.
func CheckBatch(c *Challenge, cutoff, today string) error {
	if c.Intake != "rolling" {
		return errs.E(errs.Conflict, "“%s”不是常年受理的申报指南：截止后整体评审", c.Title)
	}
	if c.State != Published {
		return errs.E(errs.Conflict, "“%s”的状态是%s：受理中才能分批", c.Title, c.State.Zh())
	}
	if _, err := policy.ParseDate(cutoff); err != nil {
		return errs.At(errs.Pos{Path: "cutoff"}, "本批截止日期 %q：YYYY-MM-DD", cutoff)
	}
	if cutoff > today {
		return errs.At(errs.Pos{Path: "cutoff"}, "本批截止日期 %s 晚于今天 %s", cutoff, today)
	}
	if n := len(c.Batches); n > 0 && cutoff <= c.Batches[n-1].Cutoff {
		return errs.At(errs.Pos{Path: "cutoff"}, "本批截止日期 %s 不晚于上一批的 %s", cutoff, c.Batches[n-1].Cutoff)
	}
	return nil
}

// NewBatch is the closed challenge batch n of rolling call c reviews.
func NewBatch(c *Challenge, n int, cutoff string) *Challenge {
	b := *c
	b.ID, b.Version, b.QA, b.Review, b.Batches, b.Intake = 0, 0, nil, nil, nil, ""
	b.Indicators = slices.Clone(c.Indicators)
	b.Title = fmt.Sprintf("%s（第%d批）", c.Title, n)
	b.Parent, b.Batch, b.Deadline, b.State, b.Ended = c.ID, n, cutoff, Closed, cutoff
	return &b
}

// QA is a question about a published challenge and its answer (答疑),
// public once answered.
type QA struct {
	Question   string `json:"question"`
	AskedBy    string `json:"asked_by"`
	Asked      string `json:"asked"`
	Answer     string `json:"answer,omitempty"`
	AnsweredBy string `json:"answered_by,omitempty"`
	Answered   string `json:"answered,omitempty"`
}

// ChallengeAct is an act on a challenge.
type ChallengeAct struct {
	Act   string // publish, ask, answer, withdraw, close
	By    string
	Staff bool
	Text  string // the question, the answer, the reason
	Index int    // answer: the question's index
	Today string // YYYY-MM-DD, Asia/Shanghai
}

// Validate checks what a challenge must say before it is published.
func (c *Challenge) Validate() error {
	var l errs.List
	bad := func(field, format string, args ...any) {
		l = append(l, errs.At(errs.Pos{Path: field}, format, args...))
	}
	if strings.TrimSpace(c.Title) == "" || utf8.RuneCountInString(c.Title) > 200 {
		bad("title", "a title of 1–200 characters")
	}
	if strings.TrimSpace(c.Problem) == "" {
		bad("problem", "describe the problem to be solved (需求描述)")
	}
	if len(c.Indicators) == 0 {
		bad("indicators", "give the technical indicators the result must reach (技术指标), one a line")
	}
	if c.Total <= 0 {
		bad("total", "the project's total S&T investment (科技投入总额), e.g. 500万元")
	}
	if _, err := policy.ParseDate(c.Deadline); err != nil {
		bad("deadline", "deadline %q: YYYY-MM-DD", c.Deadline)
	}
	if strings.TrimSpace(c.EndUser) == "" && c.Kind != "call" {
		bad("end_user", "who will accept the result (验收用户)")
	}
	if !slices.Contains([]string{"", "call"}, c.Kind) {
		bad("kind", "kind %q: empty (揭榜挂帅) or call (申报指南)", c.Kind)
	}
	if !slices.Contains([]string{"", "rolling"}, c.Intake) {
		bad("intake", "intake %q: empty (a fixed window to the deadline) or rolling (常年受理、定期评审、分批下达)", c.Intake)
	}
	if _, ok := facts.TermOf("project_kind", c.ProjectKind); c.ProjectKind != "" && !ok {
		bad("project_kind", "project kind %q is not in the vocabulary project_kind (docs/facts.md)", c.ProjectKind)
	}
	if c.Lump && c.Kind != "call" {
		bad("lump", "经费包干制 is for calls of 自然科学基金、青年科技基金项目和软科学项目, not a 揭榜挂帅 challenge")
	}
	if !slices.Contains([]string{"", "district", "city", "province", "national"}, c.Level) {
		bad("level", "level %q: district, city, province or national", c.Level)
	}
	if strings.TrimSpace(c.Issuer) == "" {
		bad("issuer", "who puts the problem up (发榜单位)")
	}
	if c.Clause == "" {
		bad("clause", "the clause the award is computed by")
	}
	return l.Err()
}

// ApplyChallenge performs a on c, or says why not; c changes only when
// the act is allowed.
func ApplyChallenge(c *Challenge, a ChallengeAct) error {
	text := strings.TrimSpace(a.Text)
	staffOnly := func() error {
		if !a.Staff {
			return errs.E(errs.Permission, "此操作由发榜的科技部门工作人员办理")
		}
		return nil
	}
	need := func(s ChallengeState, what string) error {
		if c.State != s {
			return errs.E(errs.Conflict, "榜单“%s”的状态是%s，%s只能在%s时办理", c.Title, c.State.Zh(), what, s.Zh())
		}
		return nil
	}
	if utf8.RuneCountInString(text) > 4000 {
		return errs.E(errs.Invalid, "文字不超过4000字")
	}
	switch a.Act {
	case "publish":
		if err := staffOnly(); err != nil {
			return err
		}
		if err := need(Draft, "发榜"); err != nil {
			return err
		}
		if err := c.Validate(); err != nil {
			return err
		}
		if c.Deadline < a.Today {
			return errs.At(errs.Pos{Path: "deadline"}, "揭榜截止日期 %s 已过", c.Deadline)
		}
		c.State, c.Published = Published, a.Today
	case "ask":
		if err := need(Published, "提问"); err != nil {
			return err
		}
		if text == "" {
			return errs.At(errs.Pos{Path: "question"}, "请填写问题")
		}
		c.QA = append(c.QA, QA{Question: text, AskedBy: a.By, Asked: a.Today})
	case "answer":
		if err := staffOnly(); err != nil {
			return err
		}
		if err := need(Published, "答疑"); err != nil {
			return err
		}
		if a.Index < 0 || a.Index >= len(c.QA) {
			return errs.At(errs.Pos{Path: "index"}, "没有第 %d 个问题", a.Index+1)
		}
		if text == "" {
			return errs.At(errs.Pos{Path: "answer"}, "请填写答复")
		}
		c.QA[a.Index].Answer, c.QA[a.Index].AnsweredBy, c.QA[a.Index].Answered = text, a.By, a.Today
	case "withdraw":
		if err := staffOnly(); err != nil {
			return err
		}
		if c.State != Draft && c.State != Published {
			return errs.E(errs.Conflict, "榜单已%s，不能撤榜", c.State.Zh())
		}
		if text == "" {
			return errs.At(errs.Pos{Path: "reason"}, "撤榜须写明理由（公开）")
		}
		c.State, c.Ended, c.Reason = Withdrawn, a.Today, text
	case "close":
		if err := staffOnly(); err != nil {
			return err
		}
		if err := need(Published, "截止"); err != nil {
			return err
		}
		if a.Today <= c.Deadline {
			return errs.E(errs.Conflict, "揭榜截止日期 %s 未到", c.Deadline)
		}
		c.State, c.Ended = Closed, a.Today
	default:
		return errs.E(errs.Invalid, "没有“%s”这项操作", a.Act)
	}
	return nil
}

// Public reports whether anyone may read c: a published, closed or
// withdrawn challenge is public (with its answered questions); a draft is
// the bureau's.
func (c *Challenge) Public() bool { return c.State != Draft }

// Today is the date in Asia/Shanghai.
func Today(now time.Time) string { return now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02") }
