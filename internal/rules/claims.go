package rules

import (
	"fmt"
	"reflect"
	"strings"

	"kechuang/internal/facts"
	"kechuang/internal/money"
	"kechuang/internal/policy"
)

// Claim is one paid event of an entitlement, as fulfilment (兑现) needs it:
// which event it is, what it pays and the facts it rests on with where each
// came from — for the 公示 of a payment and for deciding whether it can be
// paid without an application (免申即享).
type Claim struct {
	Event       string // the item's id; "" for a clause that pays once per fiscal year
	Chain       string // staged top-ups: the id of the chain's first stage (previous_of followed back); else Event
	Label       string // the item in Chinese, e.g. 认定记录[r1] 高新技术企业
	Amount      money.Interval
	Unspecified bool
	Cumulative  money.Fen // staged: the stage's cumulative total (累计), which the chain never exceeds
	Facts       []FactUse
}

// FactUse is one fact a claim rests on.
type FactUse struct {
	Path   string // CEL path, e.g. last.rd_intensity, item.level
	Label  string // in Chinese
	Value  string // formatted
	Source string // vocabulary code (tax, certificate, self, …); "" when the record names none
}

// Claims decides subject f and returns clause c's decision with one claim
// per paid event (a clause without for_each has one claim when entitled).
func (ev *Evaluator) Claims(c *Clause, f *facts.Facts, at policy.Date, fy int64) (Decision, []Claim) {
	ds := ev.Decide(f, at, fy)
	d := ds[c.Index]
	if d.Outcome != Entitled {
		return d, nil
	}
	s := &ev.st
	if c.list == nil {
		return d, []Claim{{Amount: d.Amount, Unspecified: d.Unspecified, Facts: ev.factUses(c)}}
	}
	var out []Claim
	for _, e := range ev.events {
		if int(e.clause) != c.Index || e.dropped {
			continue
		}
		s.idx[0] = int(e.item)
		id := itemField(c.list, s, int(e.item), "ID")
		cl := Claim{Event: id, Chain: id, Label: ev.itemLabel(c.list, int(e.item)), Amount: e.amount,
			Unspecified: e.flags&fUnspecified != 0, Facts: ev.factUses(c)}
		if c.Amount.Kind == "staged" && c.ForEach == "recognitions" {
			cl.Chain = chainRoot(f.Recognitions, int(e.item))
			if k, st := c.amount.of.s(s); st == triT {
				cl.Cumulative, _ = stageTotal(c.Amount, k)
			}
		}
		out = append(out, cl)
	}
	return d, out
}

// chainRoot follows `of` from recognition i back to the first stage.
func chainRoot(rs []facts.Recognition, i int) string {
	byID := map[string]int{}
	for j := range rs {
		byID[rs[j].ID] = j
	}
	cur := i
	for range len(rs) { // bounded: a cycle in the data stops here
		j, ok := byID[rs[cur].Of]
		if !ok || rs[cur].Of == "" {
			break
		}
		cur = j
	}
	return rs[cur].ID
}

func itemField(li *listInfo, s *State, i int, name string) string {
	v := reflect.NewAt(li.elem, unsafePtr(li, s, i)).Elem()
	if f := v.FieldByName(name); f.IsValid() && f.Kind() == reflect.String {
		return f.String()
	}
	return ""
}

// factUses lists the known facts the clause's condition and amount read for
// the current item, each once, with its source.
func (ev *Evaluator) factUses(c *Clause) []FactUse {
	s := &ev.st
	var out []FactUse
	seen := map[string]bool{}
	for _, refs := range [][]Ref{c.refs, c.amount.refs} {
		for _, r := range refs {
			if seen[r.Path] || (r.acc.base == bElem && r.acc.slot > 0) || !r.Known(s) {
				continue
			}
			seen[r.Path] = true
			v := r.Value(s)
			if v == nil {
				continue
			}
			out = append(out, FactUse{Path: r.Path, Label: facts.Label(r.Path), Value: formatFact(r, v), Source: ev.sourceOf(r)})
		}
	}
	return out
}

func formatFact(r Ref, v any) string {
	switch x := v.(type) {
	case string:
		return facts.Format(refType(r), fieldName(r), x)
	case bool:
		if x {
			return "是"
		}
		return "否"
	case int64:
		if strings.Contains(r.acc.field.Tag.Get("kc"), "money") {
			return money.Fen(x).String()
		}
		return fmt.Sprint(x)
	case float64:
		return fmt.Sprintf("%.4g", x)
	}
	return fmt.Sprint(v)
}

// sourceOf says where the record a reference reads came from: the subject's
// source, the year's (or the field's own, for annual figures several
// authorities report), or the item's.
func (ev *Evaluator) sourceOf(r Ref) string {
	s := &ev.st
	switch r.acc.base {
	case bSubject:
		return s.F.Subject.Source
	case bCur, bLast, bLast2:
		y := map[base]*facts.Annual{bCur: s.Cur, bLast: s.Last, bLast2: s.Last2}[r.acc.base]
		if y == nil {
			return ""
		}
		name, _, _ := strings.Cut(r.acc.field.Tag.Get("json"), ",")
		if name == "-" { // derived (rd_intensity, net_assets): the year's own source
			return y.Source
		}
		return y.SourceOf(name)
	}
	return itemField(r.acc.list, s, s.idx[r.acc.slot], "Source")
}
