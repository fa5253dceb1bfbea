package rules

import (
	"slices"
	"strings"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// Criterion names one condition of a qualification standard (国家认定标准):
// a requirement every qualifying subject meets, or a route (直接确认) any one
// of which qualifies it.
type Criterion struct {
	*policy.Criterion
	Standard *Standard
	Route    bool // one of the standard's routes rather than a requirement
	Index    int  // position in Engine.Criteria and in StandardConditions' out
}

// Name is the criterion's standard id and its own id, e.g. hte-2016/core-ip.
func (c Criterion) Name() string { return c.Standard.ID + "/" + c.ID }

// Criteria lists the conditions of every standard: each standard's
// requirements, then its routes, standards in library order.
func (e *Engine) Criteria() []Criterion {
	var out []Criterion
	for _, s := range e.Standards {
		for _, c := range s.requires {
			out = append(out, Criterion{Criterion: c.src, Standard: s, Index: len(out)})
		}
		for _, c := range s.routes {
			out = append(out, Criterion{Criterion: c.src, Standard: s, Route: true, Index: len(out)})
		}
	}
	return out
}

// CriteriaCount is len(e.Criteria()), without building the list.
func (e *Engine) CriteriaCount() int {
	n := 0
	for _, s := range e.Standards {
		n += len(s.requires) + len(s.routes)
	}
	return n
}

// StandardApplies reports whether standard s assesses subject f at date at
// at all: this version of it is in force at that date, the subject is one of
// its beneficiary kinds, and the standard's jurisdiction covers the
// subject's region. (Its optional scope, Applies, is a condition on facts
// and is not part of this.)
func StandardApplies(s *Standard, f *facts.Facts, at policy.Date) bool {
	return s.InForce(at) && slices.Contains(s.Beneficiary, f.Subject.Kind) && strings.HasPrefix(f.Subject.Region, s.region)
}

// StandardConditions reports, for subject f at date at, the outcome of every
// standard's criteria alone, read in the fiscal year StandardFY(at) as
// Assess reads them — no expert items, scores or verdict: TruthNotApplicable
// for every criterion of a standard that does not apply (StandardApplies),
// TruthTrue for a criterion without a condition (it is left to experts),
// else the condition's value. With useCEL set the conditions are evaluated
// by the cel-go interpreter, unknown facts as unknown attributes, as
// Conditions does for clauses; otherwise by the compiled closures. out is
// indexed like Engine.Criteria.
func (ev *Evaluator) StandardConditions(f *facts.Facts, at policy.Date, useCEL bool, out []Truth) {
	fy := StandardFY(at)
	ev.setup(f, fy)
	if at != ev.at {
		ev.at = at
		ev.atStr = at.String()
	}
	s := &ev.st
	s.At, s.AtDate = ev.atStr, at
	var act *refActivation
	i := 0
	for _, std := range ev.eng.Standards {
		n := len(std.requires) + len(std.routes)
		if !StandardApplies(std, f, at) {
			for j := range n {
				out[i+j] = TruthNotApplicable
			}
			i += n
			continue
		}
		if useCEL && act == nil {
			act = newRefActivation(f, fy, at)
		}
		for _, cs := range [2][]*criterion{std.requires, std.routes} {
			for _, c := range cs {
				switch {
				case !c.hasWhen:
					out[i] = TruthTrue
				case useCEL:
					out[i] = truthOf(act.eval(c.ref, nil))
				default:
					out[i] = truthOf(c.when.b(s))
				}
				i++
			}
		}
	}
}
