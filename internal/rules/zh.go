package rules

import (
	"fmt"
	"reflect"
	"strings"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"

	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

// zhRenderer renders a checked CEL expression in plain Chinese for
// explanations, so a reader never sees CEL: `item.total >= wan(300)` becomes
// “科技投入总额不低于300万元”.
type zhRenderer struct {
	item   reflect.Type            // element type of the clause's for_each list
	scopes map[string]reflect.Type // exists()/all() variables
	lists  map[string]string       // variable → list name
}

func renderZh(e ast.Expr, list string) string {
	r := &zhRenderer{scopes: map[string]reflect.Type{}, lists: map[string]string{}}
	if li, ok := lists[list]; ok {
		r.item = li.elem
	}
	return r.expr(e)
}

// field resolves a selection to its struct type, CEL field name and label.
func (r *zhRenderer) field(e ast.Expr) (reflect.Type, string, string, bool) {
	if e.Kind() != ast.SelectKind || e.AsSelect().Operand().Kind() != ast.IdentKind {
		return nil, "", "", false
	}
	root, name := e.AsSelect().Operand().AsIdent(), e.AsSelect().FieldName()
	var t reflect.Type
	label := facts.Label(root + "." + name)
	switch root {
	case "subject":
		t = reflect.TypeOf(facts.Subject{})
	case "cur", "last", "last2":
		t = reflect.TypeOf(facts.Annual{})
	case "item":
		t = r.item
		if len(r.scopes) > 0 { // inside exists()/all(): tell the event apart from the items looped over
			label = "本事项" + label
		}
	default:
		t = r.scopes[root]
		label = facts.Label("x." + name)
	}
	if t == nil {
		return nil, "", "", false
	}
	return t, name, label, true
}

func (r *zhRenderer) literal(e ast.Expr, ctx ast.Expr) string {
	var v any
	switch x := e.AsLiteral().(type) {
	case types.String:
		v = string(x)
	case types.Int:
		v = int64(x)
	case types.Double:
		v = float64(x)
	case types.Bool:
		if x {
			return "是"
		}
		return "否"
	default:
		return fmt.Sprint(e.AsLiteral())
	}
	if t, name, _, ok := r.field(ctx); ok {
		if name == "rd_intensity" {
			if d, ok := v.(float64); ok {
				return fmt.Sprintf("%g%%", d*100)
			}
		}
		return facts.Format(t, name, v)
	}
	return fmt.Sprint(v)
}

var zhOps = map[string]string{"_==_": "为", "_!=_": "不为", "_<_": "低于", "_<=_": "不超过", "_>_": "超过", "_>=_": "不低于"}

func (r *zhRenderer) expr(e ast.Expr) string {
	return r.in(e, nil)
}

// in renders e; ctx is the field e is compared with, for formatting constants.
func (r *zhRenderer) in(e ast.Expr, ctx ast.Expr) string {
	switch e.Kind() {
	case ast.LiteralKind:
		if ctx != nil {
			return r.literal(e, ctx)
		}
		return r.literal(e, e)
	case ast.IdentKind:
		switch n := e.AsIdent(); n {
		case "fy":
			return "本财政年度"
		case "at":
			return "评估日期"
		case "at_year":
			return "评估年度"
		default:
			if z := facts.ListZh(n); z != "" {
				return z + "记录"
			}
			return n
		}
	case ast.SelectKind:
		if t, name, label, ok := r.field(e); ok {
			if f, ok := fieldByCEL(t, name); ok && f.Type.Kind() == reflect.Bool && ctx == nil {
				return strings.Replace(label, "是否", "", 1) // a yes/no fact used as a condition
			}
			return label
		}
	case ast.ListKind:
		var parts []string
		for _, el := range e.AsList().Elements() {
			parts = append(parts, r.in(el, ctx))
		}
		return strings.Join(parts, "或")
	case ast.ComprehensionKind:
		c := e.AsComprehension()
		list := c.IterRange()
		name := ""
		if list.Kind() == ast.IdentKind {
			name = list.AsIdent()
		}
		li := lists[name]
		if li == nil {
			break
		}
		r.scopes[c.IterVar()] = li.elem
		pred := r.expr(c.LoopStep().AsCall().Args()[1])
		delete(r.scopes, c.IterVar())
		if c.AccuInit().AsLiteral() == types.False {
			return fmt.Sprintf("有%s记录（%s）", facts.ListZh(name), pred)
		}
		return fmt.Sprintf("所有%s记录均%s", facts.ListZh(name), pred)
	case ast.CallKind:
		return r.call(e, ctx)
	}
	return "…"
}

func (r *zhRenderer) call(e ast.Expr, ctx ast.Expr) string {
	c := e.AsCall()
	args := c.Args()
	if c.IsMemberFunction() {
		args = append([]ast.Expr{c.Target()}, args...)
	}
	fn := c.FunctionName()
	switch fn {
	case "_&&_":
		return r.expr(args[0]) + "，且" + r.expr(args[1])
	case "_||_":
		return "（" + r.expr(args[0]) + "，或" + r.expr(args[1]) + "）"
	case "!_":
		a := args[0]
		if a.Kind() == ast.ComprehensionKind && a.AsComprehension().AccuInit().AsLiteral() == types.False {
			return "没" + r.expr(a)
		}
		if a.Kind() == ast.SelectKind {
			return "非" + r.expr(a)
		}
		return "并非（" + r.expr(a) + "）"
	case "@in":
		return r.in(args[0], nil) + "为" + r.in(args[1], args[0])
	case "_?_:_":
		return fmt.Sprintf("（%s时为%s，否则为%s）", r.expr(args[0]), r.in(args[1], ctx), r.in(args[2], ctx))
	case "_+_", "_-_", "_*_", "_/_", "_%_":
		op := map[string]string{"_+_": "加", "_-_": "减", "_*_": "乘以", "_/_": "除以", "_%_": "除以后的余数与"}[fn]
		return r.in(args[0], ctx) + op + r.in(args[1], ctx)
	case "-_":
		return "负" + r.in(args[0], ctx)
	case "size":
		return r.expr(args[0]) + "数量"
	case "startsWith", "endsWith", "contains":
		w := map[string]string{"startsWith": "以“%s”开头", "endsWith": "以“%s”结尾", "contains": "含“%s”"}[fn]
		return r.expr(args[0]) + fmt.Sprintf(w, strings.Trim(r.expr(args[1]), "\"'"))
	case "wan", "yi", "yuan":
		if args[0].Kind() == ast.LiteralKind {
			if n, ok := args[0].AsLiteral().(types.Int); ok {
				k := map[string]money.Fen{"wan": money.Wan, "yi": money.Yi, "yuan": money.Yuan}[fn]
				return (money.Fen(n) * k).String()
			}
		}
		return r.expr(args[0]) + map[string]string{"wan": "万元", "yi": "亿元", "yuan": "元"}[fn]
	case "pct":
		return r.in(args[0], nil) + "%"
	case "int", "double":
		return r.in(args[0], ctx)
	}
	if op, ok := zhOps[fn]; ok {
		l, rr := args[0], args[1]
		if _, _, _, ok := r.field(l); !ok {
			if _, _, _, ok := r.field(rr); ok { // constant op field: read it the other way round
				l, rr = rr, l
				op = zhOps[map[string]string{"_<_": "_>_", "_<=_": "_>=_", "_>_": "_<_", "_>=_": "_<=_", "_==_": "_==_", "_!=_": "_!=_"}[fn]]
			}
		}
		return r.in(l, nil) + op + r.in(rr, l)
	}
	return "…"
}

// renderZhExpr renders a whole (checked) expression in Chinese.
func renderZhExpr(x policy.Expr) string {
	env, err := Env("")
	if err != nil {
		return x.Src
	}
	checked, iss := env.Compile(x.Src)
	if iss.Err() != nil {
		return x.Src
	}
	return renderZh(checked.NativeRep().Expr(), "")
}
