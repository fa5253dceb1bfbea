package project

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
)

// Tie links two parties — persons and units — as the registry records it
// or as a person declares it. Conflicts of interest (回避) are found from
// ties: a review never goes to an expert tied to a bidder.
type Tie struct {
	A      string `json:"a"` // party ids
	B      string `json:"b"`
	Kind   string `json:"kind"`   // employment (任职), shareholding (持股), legal_rep (法定代表人), co_applicant (共同申报), declared (本人申报)
	Source string `json:"source"` // where it is recorded: the facts record, the declaration
}

var tieZh = map[string]string{"employment": "任职", "shareholding": "持股", "legal_rep": "法定代表人", "co_applicant": "共同申报", "declared": "本人申报的"}

// Expert is a reviewer (评审专家) in the pool.
type Expert struct {
	ID     string   `json:"id"` // the person's id
	Name   string   `json:"name"`
	Unit   string   `json:"unit"` // the unit the expert works for
	Fields []string `json:"fields"`
}

// Parties are who make a bid (an application or a 揭榜 bid): the units
// (lead first) and the people (lead first).
type Parties struct {
	ID     string
	Units  []string
	People []string
}

// Conflict is one reason an expert may not review a bid.
type Conflict struct {
	Expert string `json:"expert"`
	Bid    string `json:"bid"`
	Kind   string `json:"kind"`   // same_unit, or a tie's kind
	Detail string `json:"detail"` // in Chinese: through whom
}

// TiesFromFacts derives ties from the registry's facts at date at: every
// appointment in force (科技副总, 科技特派员 …) ties the person to the unit
// (employment). The registry records no shareholding or legal
// representatives yet: those come from declarations.
func TiesFromFacts(subjects []*facts.Facts, at policy.Date) []Tie {
	as := at.String()
	var out []Tie
	for _, f := range subjects {
		for _, a := range f.Appointments {
			if a.Person == "" || a.From > as || (a.To != "" && a.To < as) {
				continue
			}
			out = append(out, Tie{A: a.Person, B: f.Subject.ID, Kind: "employment", Source: fmt.Sprintf("%s 的任职记录 %s（%s 起）", f.Subject.ID, a.ID, a.From)})
		}
		if r := f.Subject.LegalRep; r != "" {
			out = append(out, Tie{A: r, B: f.Subject.ID, Kind: "legal_rep", Source: fmt.Sprintf("%s 的登记信息：法定代表人 %s", f.Subject.ID, r)})
		}
		for _, h := range f.Shareholders {
			if h.Holder == "" || h.From != "" && h.From > as || h.To != "" && h.To < as {
				continue
			}
			share := ""
			if h.Share != "" {
				share = "，持股 " + h.Share
			}
			out = append(out, Tie{A: h.Holder, B: f.Subject.ID, Kind: "shareholding", Source: fmt.Sprintf("%s 的股东登记 %s%s", f.Subject.ID, h.ID, share)})
		}
	}
	return out
}

// Conflicts lists why expert e may not review bid b under ties: e works
// for a unit of the bid (same_unit); e is tied to a unit or a person of
// the bid; or a person of the bid works for e's unit (colleagues).
func Conflicts(e Expert, b Parties, ties []Tie) []Conflict {
	var out []Conflict
	party := map[string]bool{}
	for _, u := range b.Units {
		party[u] = true
	}
	for _, p := range b.People {
		party[p] = true
	}
	if party[e.ID] {
		out = append(out, Conflict{Expert: e.ID, Bid: b.ID, Kind: "same_unit", Detail: "专家本人是申报团队成员"})
	}
	if e.Unit != "" && party[e.Unit] {
		out = append(out, Conflict{Expert: e.ID, Bid: b.ID, Kind: "same_unit", Detail: fmt.Sprintf("专家所在单位 %s 是申报单位", e.Unit)})
	}
	for _, t := range ties {
		var other string
		switch {
		case t.A == e.ID:
			other = t.B
		case t.B == e.ID:
			other = t.A
		}
		if other != "" && party[other] {
			out = append(out, Conflict{Expert: e.ID, Bid: b.ID, Kind: t.Kind, Detail: fmt.Sprintf("专家与 %s 存在%s关系（%s）", other, tieZh[t.Kind], t.Source)})
			continue
		}
		// the expert's unit holds shares in a unit of the bid, or is held by one
		if t.Kind == "shareholding" && e.Unit != "" && (t.A == e.Unit && party[t.B] || t.B == e.Unit && party[t.A]) {
			other := t.B
			if t.B == e.Unit {
				other = t.A
			}
			out = append(out, Conflict{Expert: e.ID, Bid: b.ID, Kind: "shareholding", Detail: fmt.Sprintf("专家所在单位 %s 与申报单位 %s 存在持股关系（%s）", e.Unit, other, t.Source)})
			continue
		}
		// a person of the bid employed at the expert's unit: colleagues
		if t.Kind == "employment" && e.Unit != "" {
			if (t.B == e.Unit && party[t.A]) || (t.A == e.Unit && party[t.B]) {
				who := t.A
				if t.A == e.Unit {
					who = t.B
				}
				out = append(out, Conflict{Expert: e.ID, Bid: b.ID, Kind: "same_unit", Detail: fmt.Sprintf("申报团队成员 %s 在专家所在单位 %s 任职（%s）", who, e.Unit, t.Source)})
			}
		}
	}
	return out
}

// Assignment is the experts assigned to each bid, and the pairs left out
// with their reasons.
type Assignment struct {
	Reviewers map[string][]string `json:"reviewers"` // bid → experts
	Excluded  []Conflict          `json:"excluded"`
}

// Assign gives each bid per experts of field ("" any) with no conflict,
// spreading the load: a bid takes, among the experts free of conflict with
// it, those with the fewest reviews so far (then by id). A bid that cannot
// get per experts is an error naming it and how many it could have.
func Assign(experts []Expert, bids []Parties, ties []Tie, per int, field string) (*Assignment, error) {
	if per < 1 {
		return nil, errs.At(errs.Pos{Path: "per"}, "each bid needs at least one expert")
	}
	pool := slices.Clone(experts)
	if field != "" {
		pool = slices.DeleteFunc(pool, func(e Expert) bool { return !slices.Contains(e.Fields, field) })
	}
	slices.SortFunc(pool, func(a, b Expert) int { return strings.Compare(a.ID, b.ID) })
	load := map[string]int{}
	a := &Assignment{Reviewers: map[string][]string{}}
	var l errs.List
	for _, b := range bids {
		var free []Expert
		for _, e := range pool {
			if cs := Conflicts(e, b, ties); len(cs) > 0 {
				a.Excluded = append(a.Excluded, cs...)
				continue
			}
			free = append(free, e)
		}
		if len(free) < per {
			l = append(l, errs.E(errs.Conflict, "申报 %s 需要 %d 名无利益冲突的%s专家，只有 %d 名", b.ID, per, fieldZh(field), len(free)))
			continue
		}
		slices.SortStableFunc(free, func(x, y Expert) int { return cmp.Or(cmp.Compare(load[x.ID], load[y.ID]), strings.Compare(x.ID, y.ID)) })
		for _, e := range free[:per] {
			a.Reviewers[b.ID] = append(a.Reviewers[b.ID], e.ID)
			load[e.ID]++
		}
	}
	if len(l) > 0 {
		return nil, l
	}
	return a, nil
}

func fieldZh(f string) string {
	if f == "" {
		return ""
	}
	return "“" + f + "”领域"
}
