package opa

import (
	"reflect"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"

	"kechuang/internal/facts"
	"kechuang/internal/rules"
)

// Inputs builds a subject's OPA input document straight from its facts, as
// an ast.Value (no JSON in between): the facts the library reads under
// their CEL names, each present only where its known bit is set —
//
//	{"subject": {…}, "cur": {…}, "last": {…}, "last2": {…},
//	 "fy": 2024, "at": "2024-06-30", "at_year": 2024,
//	 "std": {"fy": 2023, "cur": {…}, "last": {…}, "last2": {…}},
//	 "recognitions": [{…}, …], …}
//
// cur, last and last2 are the records of the fiscal year fy and the two
// before, absent when the subject has none; std holds the same for the
// standards' fiscal year, rules.StandardFY(at).
type Inputs struct {
	subject, annual []fieldSpec
	lists           []listSpec
}

type fieldSpec struct {
	key   *ast.Term
	index int
	bit   facts.Mask
}

type listSpec struct {
	key   *ast.Term
	index int // the list's field in facts.Facts
	elem  []fieldSpec
	known int // the element's Known field
}

var (
	kSubject = ast.StringTerm("subject")
	kCur     = ast.StringTerm("cur")
	kLast    = ast.StringTerm("last")
	kLast2   = ast.StringTerm("last2")
	kFY      = ast.StringTerm("fy")
	kAt      = ast.StringTerm("at")
	kAtYear  = ast.StringTerm("at_year")
	kStd     = ast.StringTerm("std")
)

// NewInputs returns a builder of the inputs lib reads.
func NewInputs(r Reads) *Inputs {
	in := &Inputs{
		subject: fieldsOf(reflect.TypeFor[facts.Subject](), r.Subject),
		annual:  fieldsOf(reflect.TypeFor[facts.Annual](), r.Annual),
	}
	ft := reflect.TypeFor[facts.Facts]()
	for i := range ft.NumField() {
		name := ft.Field(i).Tag.Get("cel")
		read, ok := r.Lists[name]
		if !ok {
			continue
		}
		et := ft.Field(i).Type.Elem()
		k, _ := et.FieldByName("Known")
		in.lists = append(in.lists, listSpec{key: ast.StringTerm(name), index: i, elem: fieldsOf(et, read), known: k.Index[0]})
	}
	return in
}

func fieldsOf(t reflect.Type, read map[string]bool) []fieldSpec {
	var out []fieldSpec
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("cel")
		if read[name] {
			out = append(out, fieldSpec{key: ast.StringTerm(name), index: i, bit: 1 << uint(i)})
		}
	}
	return out
}

func object(v reflect.Value, fields []fieldSpec, known facts.Mask) *ast.Term {
	kv := make([][2]*ast.Term, 0, len(fields))
	for _, f := range fields {
		if known&f.bit == 0 {
			continue
		}
		var t *ast.Term
		switch x := v.Field(f.index); x.Kind() {
		case reflect.String:
			t = ast.StringTerm(x.String())
		case reflect.Int64:
			t = ast.IntNumberTerm(int(x.Int()))
		case reflect.Float64:
			t = ast.FloatNumberTerm(x.Float())
		case reflect.Bool:
			t = ast.BooleanTerm(x.Bool())
		default:
			continue
		}
		kv = append(kv, [2]*ast.Term{f.key, t})
	}
	return ast.ObjectTerm(kv...)
}

// Build returns the input of subject s. It sets the facts derived for the
// clauses' fiscal year (facts.Prepare).
func (in *Inputs) Build(s *Subject) ast.Value {
	f := s.F
	f.Prepare(s.FY)
	type rec struct {
		year int64
		t    *ast.Term
	}
	var recs []rec // each year's record is built once and shared
	annual := func(y int64) *ast.Term {
		if i := slices.IndexFunc(recs, func(r rec) bool { return r.year == y }); i >= 0 {
			return recs[i].t
		}
		var t *ast.Term
		if a := f.AnnualOf(y); a != nil {
			t = object(reflect.ValueOf(a).Elem(), in.annual, a.Known)
		}
		recs = append(recs, rec{y, t})
		return t
	}
	years := func(fy int64, kv [][2]*ast.Term) [][2]*ast.Term {
		kv = append(kv, [2]*ast.Term{kFY, ast.IntNumberTerm(int(fy))})
		for i, k := range []*ast.Term{kCur, kLast, kLast2} {
			if t := annual(fy - int64(i)); t != nil {
				kv = append(kv, [2]*ast.Term{k, t})
			}
		}
		return kv
	}
	kv := make([][2]*ast.Term, 0, 8+len(in.lists))
	kv = append(kv,
		[2]*ast.Term{kSubject, object(reflect.ValueOf(&f.Subject).Elem(), in.subject, f.Subject.Known)},
		[2]*ast.Term{kAt, ast.StringTerm(s.At.String())},
		[2]*ast.Term{kAtYear, ast.IntNumberTerm(s.At.Year())},
		[2]*ast.Term{kStd, ast.ObjectTerm(years(rules.StandardFY(s.At), nil)...)},
	)
	kv = years(s.FY, kv)
	fv := reflect.ValueOf(f).Elem()
	for _, l := range in.lists {
		xs := fv.Field(l.index)
		items := make([]*ast.Term, xs.Len())
		for i := range items {
			x := xs.Index(i)
			items[i] = object(x, l.elem, facts.Mask(x.Field(l.known).Uint()))
		}
		kv = append(kv, [2]*ast.Term{l.key, ast.ArrayTerm(items...)})
	}
	return ast.NewObject(kv...)
}
