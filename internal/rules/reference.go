package rules

import (
	"reflect"
	"unsafe"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// Truth is the outcome of a condition alone.
type Truth uint8

const (
	TruthNotApplicable Truth = iota // the clause does not apply to the subject
	TruthFalse
	TruthTrue
	TruthUnknown // some fact it needs is unknown
	TruthError   // it could not be evaluated (e.g. division by zero)
)

func truthOf(t tri) Truth {
	return [...]Truth{triF: TruthFalse, triT: TruthTrue, triU: TruthUnknown, triE: TruthError}[t]
}

// Conditions reports, for subject f at date at in fiscal year fy, the
// outcome of every applicable clause's condition alone — no amount, gate or
// exclusion: true if the subject (or, for a clause over a list, any item in
// the clause's window) meets it; else unknown if some could; else error if
// some failed; else false. With cel set, the conditions are evaluated by the
// cel-go interpreter from the checked programs, with every unknown fact an
// unknown attribute (CEL partial evaluation) — the reference semantics the
// compiled closures are tested against — for comparisons and benchmarks;
// otherwise by the compiled closures. out is indexed like Engine.Clauses.
func (ev *Evaluator) Conditions(f *facts.Facts, at policy.Date, fy int64, useCEL bool, out []Truth) {
	ev.setup(f, fy)
	if at != ev.at {
		ev.at = at
		ev.atStr = at.String()
	}
	s := &ev.st
	s.At, s.AtDate = ev.atStr, at
	var act *refActivation
	if useCEL {
		act = newRefActivation(f, fy, at)
	}
	eval := func(c *Clause, item int) tri {
		if !c.hasWhen {
			return triT
		}
		if !useCEL {
			return c.when.b(s)
		}
		var it any
		if item >= 0 {
			it = reflect.NewAt(c.list.elem, unsafe.Add(c.list.hdr(s).data, uintptr(item)*c.list.size)).Interface()
		}
		return act.eval(c.ref, it)
	}
	for _, c := range ev.eng.Clauses {
		if !applicable(c, f, fy) {
			out[c.Index] = TruthNotApplicable
			continue
		}
		if c.list == nil {
			out[c.Index] = truthOf(eval(c, -1))
			continue
		}
		r := triF
		for i := range c.list.Len(s) {
			if !ev.inWindow(c, i) {
				continue
			}
			s.idx[0] = i
			switch t := eval(c, i); {
			case t == triT:
				r = triT
			case t == triU && r != triT:
				r = triU
			case t == triE && r == triF:
				r = triE
			}
		}
		out[c.Index] = truthOf(r)
	}
}

// refActivation is one subject's variables for the cel-go interpreter, with
// its unknown facts as unknown attributes.
type refActivation struct {
	vars    map[string]any
	unknown []*cel.AttributePatternType
}

func newRefActivation(f *facts.Facts, fy int64, at policy.Date) *refActivation {
	a := &refActivation{vars: map[string]any{"subject": &f.Subject, "fy": fy, "at": at.String(), "at_year": int64(at.Year())}}
	for _, l := range listVars {
		a.vars[l.name] = reflect.ValueOf(f).Elem().FieldByIndex(listField(l.name)).Interface()
	}
	a.unknownFields("subject", reflect.TypeOf(facts.Subject{}), f.Subject.Known)
	for _, y := range []struct {
		v  string
		yr int64
	}{{"cur", fy}, {"last", fy - 1}, {"last2", fy - 2}} {
		if an := f.AnnualOf(y.yr); an != nil {
			a.vars[y.v] = an
			a.unknownFields(y.v, reflect.TypeOf(facts.Annual{}), an.Known)
		} else {
			a.unknown = append(a.unknown, cel.AttributePattern(y.v))
		}
	}
	return a
}

// Activation binds subject f's facts to the CEL environment's variables
// (Env) for fiscal year fy at date at, its unknown facts as unknown
// attributes (for partial evaluation): what other packages evaluating CEL
// over facts (积分制 indicators, 榜单 rules) bind, so they see facts exactly
// as the reference interpreter does.
func Activation(f *facts.Facts, fy int64, at policy.Date) (cel.Activation, error) {
	a := newRefActivation(f, fy, at)
	return cel.PartialVars(a.vars, a.unknown...)
}

func (a *refActivation) unknownFields(v string, st reflect.Type, known facts.Mask) {
	for i := range st.NumField() {
		name := st.Field(i).Tag.Get("cel")
		if name == "" || name == "-" {
			continue
		}
		if known&(1<<uint(i)) == 0 {
			a.unknown = append(a.unknown, cel.AttributePattern(v).QualString(name))
		}
	}
}

// eval runs a checked program; item is the for_each item, or nil.
func (a *refActivation) eval(prg cel.Program, item any) tri {
	unknown := a.unknown
	if item != nil {
		a.vars["item"] = item
		v := reflect.ValueOf(item).Elem()
		if kf := v.FieldByName("Known"); kf.IsValid() {
			known := facts.Mask(kf.Uint())
			for i := range v.NumField() {
				name := v.Type().Field(i).Tag.Get("cel")
				if name != "" && name != "-" && known&(1<<uint(i)) == 0 {
					unknown = append(unknown[:len(unknown):len(unknown)], cel.AttributePattern("item").QualString(name))
				}
			}
		}
	} else {
		delete(a.vars, "item")
	}
	act, err := cel.PartialVars(a.vars, unknown...)
	if err != nil {
		return triE
	}
	out, _, err := prg.Eval(act)
	switch {
	case err != nil || types.IsError(out):
		return triE
	case types.IsUnknown(out):
		return triU
	case out == types.True:
		return triT
	}
	return triF
}
