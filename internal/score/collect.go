package score

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"sync/atomic"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

// Compiled is an indicator set whose expressions are checked and ready to
// evaluate. It is safe for concurrent use.
type Compiled struct {
	Set   *IndicatorSet
	prgs  []cel.Program
	evals atomic.Int64
}

// Compile validates the set and checks every expression once in the facts
// environment: each must return an int, a uint, a double or a bool.
func Compile(set *IndicatorSet) (*Compiled, error) {
	if err := set.Validate(); err != nil {
		return nil, err
	}
	env, err := rules.Env("")
	if err != nil {
		return nil, errs.E(errs.Internal, "CEL environment: %v", err)
	}
	c := &Compiled{Set: set, prgs: make([]cel.Program, len(set.Indicators))}
	var l errs.List
	for i, in := range set.Indicators {
		p := set.at(field(i, "expr"))
		checked, iss := env.Compile(in.Expr)
		if iss.Err() != nil {
			e := iss.Errors()[0]
			msg := e.Message
			if strings.Contains(msg, "undeclared reference") || strings.Contains(msg, "undefined field") {
				msg += " (the facts schema is in docs/facts.md)"
			}
			if loc := e.Location; loc != nil && loc.Line() > 0 {
				msg = fmt.Sprintf("%s (line %d, column %d of the expression)", msg, loc.Line(), loc.Column()+1)
			}
			l = append(l, errs.At(p, "indicator %q: CEL: %s", in.ID, msg))
			continue
		}
		switch t := checked.OutputType(); {
		case t.IsExactType(cel.IntType), t.IsExactType(cel.UintType), t.IsExactType(cel.DoubleType), t.IsExactType(cel.BoolType):
		default:
			l = append(l, errs.At(p, "indicator %q: the expression is %s; an indicator needs a number (int, double) or a bool", in.ID, t))
			continue
		}
		prg, err := env.Program(checked, cel.EvalOptions(cel.OptPartialEval))
		if err != nil {
			l = append(l, &errs.Error{Kind: errs.Internal, Pos: p, Msg: err.Error()})
			continue
		}
		c.prgs[i] = prg
	}
	if len(l) > 0 {
		return nil, l
	}
	return c, nil
}

// Evaluations is how many expressions have been evaluated so far: one per
// subject and indicator collected. Scoring never adds to it.
func (c *Compiled) Evaluations() int64 { return c.evals.Load() }

// Status says whether a raw value is known.
type Status uint8

const (
	Known   Status = iota
	Unknown        // a fact the expression needs is unknown (未提供)
	Failed         // the expression could not be evaluated (e.g. a ratio over a zero)
)

func (s Status) String() string { return [...]string{"known", "unknown", "failed"}[s] }

// Raw is one subject's raw value (原始值) of one indicator.
type Raw struct {
	Status Status
	// Value is the value as the expression returned it: int64, uint64,
	// float64 or bool. Nil unless Known.
	Value any
	// Reason says, for a value that is not known, which facts are unknown
	// or why the expression failed.
	Reason string
	exact  *big.Rat // the exact value; bool true is 1, false 0
}

// Exact returns the exact value of a known raw value (a double converted
// exactly, bool true 1 and false 0), or nil.
func (r Raw) Exact() *big.Rat {
	if r.exact == nil {
		return nil
	}
	return new(big.Rat).Set(r.exact)
}

// String shows the value as it was computed.
func (r Raw) String() string {
	switch r.Status {
	case Unknown:
		return "未知"
	case Failed:
		return "无法计算"
	}
	switch v := r.Value.(type) {
	case bool:
		if v {
			return "是"
		}
		return "否"
	case float64:
		return fmt.Sprint(v)
	}
	return fmt.Sprint(r.Value)
}

// Subject is what a matrix keeps of a subject: who it is and where, for
// cohorts and exports — not its facts.
type Subject struct {
	ID, Kind, Name, USCC, Region, Industry string
}

// Matrix is the raw values of one year: a row per subject, a column per
// indicator of Set. It holds no facts, so scoring it cannot evaluate any.
type Matrix struct {
	Set      *IndicatorSet
	FY       int64  // the scoring year (年度): cur is its figures, last the year before
	At       string // the evaluation date ("YYYY-MM-DD") the expressions saw as `at`
	Subjects []Subject
	Values   [][]Raw // Values[row][indicator]
}

// Collect evaluates every indicator for every subject once, for year fy at
// date at ("" : fy-12-31), and returns the matrix. It sets the subjects'
// year-dependent derived facts (facts.Prepare). Subject ids must be unique.
//
// Subject, annual and derived facts that are not known are unknown to the
// expressions (CEL partial evaluation), as are whole years without
// figures; fields of list items (ip, recognitions …) are read as given,
// like the rules' reference interpreter does.
func (c *Compiled) Collect(subjects []*facts.Facts, fy int64, at string) (*Matrix, error) {
	if at == "" {
		at = fmt.Sprintf("%04d-12-31", fy)
	}
	d, err := facts.ParseDate(at)
	if err != nil {
		return nil, errs.At(errs.Pos{Path: "at"}, "evaluation date %q: write it as YYYY-MM-DD", at)
	}
	m := &Matrix{Set: c.Set, FY: fy, At: at, Subjects: make([]Subject, len(subjects)), Values: make([][]Raw, len(subjects))}
	seen := make(map[string]int, len(subjects))
	for row, f := range subjects {
		s := &f.Subject
		if j, dup := seen[s.ID]; dup {
			return nil, errs.At(errs.Pos{Path: fmt.Sprintf("subjects[%d].id", row)}, "subject id %q appears twice (also subjects[%d])", s.ID, j)
		}
		seen[s.ID] = row
		m.Subjects[row] = Subject{ID: s.ID, Kind: s.Kind, Name: s.Name, USCC: s.USCC, Region: s.Region, Industry: s.Industry}
		f.Prepare(fy)
		act, err := rules.Activation(f, fy, policy.DateOf(d))
		if err != nil {
			return nil, errs.E(errs.Internal, "subject %q: %v", s.ID, err)
		}
		vals := make([]Raw, len(c.prgs))
		for j, prg := range c.prgs {
			vals[j] = c.eval(prg, act)
		}
		m.Values[row] = vals
	}
	return m, nil
}

// eval runs one indicator's program for one subject.
func (c *Compiled) eval(prg cel.Program, act cel.Activation) Raw {
	c.evals.Add(1)
	out, _, err := prg.Eval(act)
	if err != nil {
		return Raw{Status: Failed, Reason: err.Error()}
	}
	return rawOf(out)
}

func rawOf(out ref.Val) Raw {
	switch v := out.(type) {
	case *types.Unknown:
		var trails []string
		for _, id := range v.IDs() {
			ts, _ := v.GetAttributeTrails(id)
			for _, t := range ts {
				trails = append(trails, t.String())
			}
		}
		slices.Sort(trails)
		return Raw{Status: Unknown, Reason: "未知的事实：" + strings.Join(slices.Compact(trails), "、")}
	case *types.Err:
		return Raw{Status: Failed, Reason: v.String()}
	case types.Int:
		return Raw{Value: int64(v), exact: new(big.Rat).SetInt64(int64(v))}
	case types.Uint:
		return Raw{Value: uint64(v), exact: new(big.Rat).SetUint64(uint64(v))}
	case types.Bool:
		n := int64(0)
		if v {
			n = 1
		}
		return Raw{Value: bool(v), exact: big.NewRat(n, 1)}
	case types.Double:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return Raw{Status: Failed, Reason: fmt.Sprintf("the value is %v (a ratio over zero?)", f)}
		}
		return Raw{Value: f, exact: new(big.Rat).SetFloat64(f)}
	}
	return Raw{Status: Failed, Reason: fmt.Sprintf("unexpected value %v of type %s", out, out.Type())}
}
