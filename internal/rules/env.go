// Package rules compiles policy clauses and evaluates them for a subject.
//
// Conditions are CEL: cel-go parses and type-checks them against the facts
// schema and stays as the reference interpreter. Checked expressions are then
// lowered to kechuang's own typed closures over the facts structs, which
// allocate nothing and use three-valued logic for facts that are unknown. A
// property test compares the two on random facts.
package rules

import (
	"reflect"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"

	"kechuang/internal/facts"
)

// listVars are the facts lists visible to CEL, with their element types.
var listVars = []struct {
	name string
	elem reflect.Type
}{
	{"recognitions", reflect.TypeOf(facts.Recognition{})},
	{"awards", reflect.TypeOf(facts.Award{})},
	{"ip", reflect.TypeOf(facts.IPItem{})},
	{"contests", reflect.TypeOf(facts.Contest{})},
	{"agreements", reflect.TypeOf(facts.Agreement{})},
	{"projects", reflect.TypeOf(facts.Project{})},
	{"appointments", reflect.TypeOf(facts.Appointment{})},
	{"pools", reflect.TypeOf(facts.PoolEntry{})},
	{"incidents", reflect.TypeOf(facts.Incident{})},
}

func celTypeName(t reflect.Type) string { return "facts." + t.Name() }

var (
	envOnce  sync.Once
	baseEnv  *cel.Env
	envError error
	itemEnvs sync.Map // list name → *cel.Env with `item` declared
)

// helpers are folded to constants by the compiler; CEL gets implementations
// so that the reference interpreter computes the same values.
func helperFuncs() []cel.EnvOption {
	intMul := func(k int64) func(ref.Val) ref.Val {
		return func(v ref.Val) ref.Val {
			n := int64(v.(types.Int))
			r := n * k
			if n != 0 && r/n != k {
				return types.NewErr("amount overflows")
			}
			return types.Int(r)
		}
	}
	return []cel.EnvOption{
		cel.Function("wan", cel.Overload("wan_int", []*cel.Type{cel.IntType}, cel.IntType, cel.UnaryBinding(intMul(1_000_000)))),
		cel.Function("yi", cel.Overload("yi_int", []*cel.Type{cel.IntType}, cel.IntType, cel.UnaryBinding(intMul(10_000_000_000)))),
		cel.Function("yuan", cel.Overload("yuan_int", []*cel.Type{cel.IntType}, cel.IntType, cel.UnaryBinding(intMul(100)))),
		cel.Function("days", cel.Overload("days_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.IntType,
			cel.BinaryBinding(func(a, b ref.Val) ref.Val {
				n, ok := Days(string(a.(types.String)), string(b.(types.String)))
				if !ok {
					return types.NewErr("days: not a date")
				}
				return types.Int(n)
			}))),
		cel.Function("growth", cel.Overload("growth_int_int_int", []*cel.Type{cel.IntType, cel.IntType, cel.IntType}, cel.DoubleType,
			cel.FunctionBinding(func(args ...ref.Val) ref.Val {
				return types.Double(Growth(int64(args[0].(types.Int)), int64(args[1].(types.Int)), int64(args[2].(types.Int))))
			}))),
		cel.Function("pct",
			cel.Overload("pct_int", []*cel.Type{cel.IntType}, cel.DoubleType, cel.UnaryBinding(func(v ref.Val) ref.Val {
				return types.Double(float64(v.(types.Int)) / 100)
			})),
			cel.Overload("pct_double", []*cel.Type{cel.DoubleType}, cel.DoubleType, cel.UnaryBinding(func(v ref.Val) ref.Val {
				return types.Double(float64(v.(types.Double)) / 100)
			}))),
	}
}

// Env returns the CEL environment conditions are checked in. With list set
// to a facts list name, `item` is declared as that list's element type.
func Env(list string) (*cel.Env, error) {
	envOnce.Do(func() {
		ts := []any{ext.ParseStructTags(true), reflect.TypeOf(&facts.Subject{}), reflect.TypeOf(&facts.Annual{}), reflect.TypeOf(&facts.Funding{})}
		opts := []cel.EnvOption{
			cel.Variable("subject", cel.ObjectType(celTypeName(reflect.TypeOf(facts.Subject{})))),
			cel.Variable("cur", cel.ObjectType(celTypeName(reflect.TypeOf(facts.Annual{})))),
			cel.Variable("last", cel.ObjectType(celTypeName(reflect.TypeOf(facts.Annual{})))),
			cel.Variable("last2", cel.ObjectType(celTypeName(reflect.TypeOf(facts.Annual{})))),
			cel.Variable("fy", cel.IntType),
			cel.Variable("at", cel.StringType),
			cel.Variable("at_year", cel.IntType),
		}
		for _, l := range listVars {
			ts = append(ts, reflect.PointerTo(l.elem))
			opts = append(opts, cel.Variable(l.name, cel.ListType(cel.ObjectType(celTypeName(l.elem)))))
		}
		opts = append([]cel.EnvOption{ext.NativeTypes(ts...)}, opts...)
		opts = append(opts, helperFuncs()...)
		baseEnv, envError = cel.NewEnv(opts...)
	})
	if envError != nil || list == "" {
		return baseEnv, envError
	}
	if e, ok := itemEnvs.Load(list); ok {
		return e.(*cel.Env), nil
	}
	for _, l := range listVars {
		if l.name == list {
			e, err := baseEnv.Extend(cel.Variable("item", cel.ObjectType(celTypeName(l.elem))))
			if err != nil {
				return nil, err
			}
			itemEnvs.Store(list, e)
			return e, nil
		}
	}
	return baseEnv, nil
}
