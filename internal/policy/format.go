// Package policy is the policy-as-code format (政策库): one YAML file per
// source document under policies/, its loader (with file:line:col errors),
// and the checks that tie every clause to a verbatim sentence of its source.
// docs/policy-format.md documents the format with examples.
package policy

import (
	"kechuang/internal/errs"
	"kechuang/internal/money"
)

// File is one policy file: a source document and what kechuang makes of it.
type File struct {
	Path      string // as loaded, for messages
	Document  Document
	Gates     []*Gate
	Clauses   []*Clause
	Standards []*Standard
	Pools     []*Pool
	Targets   []*Target
	Tables    []*Table
	Coverage  []*Annotation
	Source    string            // the source text, read from Document.Source
	Sources   map[string]string // further source texts by key (Document.AlsoSources)
	Raw       []byte            // the file as read, for reform templates
}

// Document is the metadata of a source document.
type Document struct {
	ID               string
	Title            string
	Number           string // 文号, e.g. 泰政发〔2024〕5号; empty when the document has none
	Issuer           string
	Jurisdiction     string // GB/T 2260 code
	JurisdictionName string
	Published        Date
	ValidFrom        Date
	ValidTo          Date // zero: no end date
	ValidityNote     string
	Source           string // path of the source text, relative to the policy file
	SourceStatus     string // official (default): a copy of the published text; secondary: a transcription (see its ORIGIN.md)
	AlsoSources      []*AlsoSource
	Pos              errs.Pos
}

// AlsoSource is a further document a file's rules quote, e.g. the 工作指引
// that details a 管理办法. Citations name it by Key.
type AlsoSource struct {
	Key       string
	Title     string
	Number    string
	Published Date
	Source    string
}

// Citation ties a clause to the sentence of the source that created it.
type Citation struct {
	Section string   // section path, e.g. 四（二）7
	Quote   string   // verbatim, as in the source (traditional or simplified)
	Also    []string // further verbatim quotes the clause rests on
	Doc     string   // key of the AlsoSource quoted; empty: the document itself
	Pos     errs.Pos
}

// Gate is a rule that stops a subject from receiving clauses it otherwise
// qualifies for, e.g. 肥乡 十（二）.
type Gate struct {
	ID       string
	Title    string
	Citation Citation
	Blocks   Expr     // CEL bool: true means the subject is blocked
	Levels   []string // clauses whose Level is one of these are covered
	Clauses  []string // and these clauses by id
	Region   string   // GB/T 2260 prefix of subjects it applies to (default: the document's jurisdiction)
	Notes    string   // why the gate reads the text as it does
	Tests    []*Test
	Pos      errs.Pos
}

// Clause is one executable rule.
type Clause struct {
	ID          string
	Title       string
	Kind        string // payment (default) or limit (a ceiling on spending, not a payment)
	Citation    Citation
	Beneficiary []string // subject kinds
	Level       string   // level of the support or of what is applied for (gates use it)
	ForEach     string   // facts list the clause pays per item of, or empty (pays once)
	Window      string   // which items count: current, previous, active, any
	When        Expr     // CEL bool condition
	Amount      *Amount
	Payer       string
	Budget      string // this_year or next_year (列入次年预算)
	Responsible []string
	Tags        []string
	Indicators  []string // the indicators (registry ids) the clause is meant to move (监测评价)
	Exclusive   string   // exclusivity group: at most one clause of a group pays per event
	StacksWith  []string // clauses that may pay the same event as this one, as the text allows
	Quota       *Quota
	ValidFrom   Date
	ValidTo     Date
	Notes       string
	Tests       []*Test
	Pos         errs.Pos

	Doc *Document // set by the loader
}

// Quota records a limit on how many subjects a clause may pay ("每年选择3—4户").
type Quota struct {
	Min, Max int
	Per      string // year
}

// Expr is a CEL expression with the position of its first character.
type Expr struct {
	Src string
	Pos errs.Pos

	block bool     // a YAML block scalar: the text starts on the next line
	lines []string // the policy file's lines, for At
}

// Amount is exactly one amount primitive.
type Amount struct {
	Kind string // fixed, range, at_least, unspecified, by_value, brackets, progressive, rate, match, per_unit, recurring, staged
	Pos  errs.Pos

	Fixed       money.Fen
	Range       money.Interval // range, at_least
	Unspecified string         // the document's vague wording, e.g. 给予资金支持

	Of    Expr // the value a table, bracket, rate or stage is read from
	Table []TableEntry

	Tiers []Tier
	Ties  []Tie
	Gaps  []Gap

	Rates [2]money.Rate // rate: lo and hi (equal unless discretionary "10%—20%")
	Cap   *money.Fen
	Floor *money.Fen
	Round money.Rounding

	Count Expr    // per_unit
	Each  *Amount // per_unit, recurring
	Years int     // recurring

	Stages     []Stage // staged
	PreviousOf Expr    // staged: reference to the earlier stage's item
}

// TableEntry is one row of a by_value table.
type TableEntry struct {
	Key    string
	Amount money.Interval
}

// Tier is one bracket of a bracket table or a progressive schedule. Bounds
// carry the document's words; 民法典 第1259条 decides inclusion.
type Tier struct {
	From     *money.Fen // nil: unbounded below
	FromWord string
	FromIncl bool
	To       *money.Fen // nil: unbounded above
	ToWord   string
	ToIncl   bool
	Amount   money.Interval // brackets
	Rate     money.Rate     // progressive
	Pos      errs.Pos
}

// Tie resolves a bound that two brackets both include.
type Tie struct {
	At     money.Fen
	Winner string // upper or lower
	Note   string
}

// Gap declares a range no bracket covers, with the reason.
type Gap struct {
	From, To money.Fen
	Note     string
}

// Stage is one step of a staged top-up with its cumulative total.
type Stage struct {
	Key        string
	Cumulative money.Fen
}

// Annotation accounts for an amount-bearing sentence that is not a clause.
type Annotation struct {
	Quote  string
	Reason string // target, unspecified, not_a_rule, context, duplicate
	Note   string
	Pos    errs.Pos
}

// Test is a clause's or gate's own test case.
type Test struct {
	Name  string
	At    Date
	FY    int    // fiscal year; 0: the year of At
	Facts []byte // JSON, decoded by the facts decoder
	Want  Want
	Pos   errs.Pos
}

// Want is a test's expected outcome.
type Want struct {
	Outcome     string          // entitled, not_entitled, needs_facts, blocked, excluded, not_applicable
	Amount      *money.Interval // when entitled
	Unspecified bool
	Missing     []string
	Events      int // number of paid events, 0 = not checked

	// Standards only.
	Score  *[2]int  // expected score range
	Route  string   // expected direct route
	Failed []string // conditions or groups expected to fail
	Review []string // items left to experts
	Met    []string // conditions expected to hold
}

// Date is a calendar date in Asia/Shanghai, as YYYYMMDD; zero is unset.
type Date int32
