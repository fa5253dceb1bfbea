// Package service runs 监测评价 over the compiled library, the indicator
// library and the store: a jurisdiction's dashboard (its cards with their
// observations — entered, imported or computed from the registry — the
// pipeline from the pools, the county assessment and the policies linked
// to each indicator), and the values staff enter. The web pages and the
// JSON API both call it.
package service

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	fsvc "kechuang/internal/fulfil/service"
	"kechuang/internal/indicator"
	"kechuang/internal/policy"
	"kechuang/internal/pool"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// Service is 监测评价 over one library and one store.
type Service struct {
	Engine      *rules.Engine
	Lib         *indicator.Library
	Assessments []*indicator.CountyAssessment
	Store       *store.DB
	Now         func() time.Time
}

// Shanghai is the zone years are read in.
var Shanghai = time.FixedZone("CST", 8*3600)

func (s *Service) year() int {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	return now.In(Shanghai).Year()
}

// Jurisdictions lists the jurisdictions whose documents set targets.
func (s *Service) Jurisdictions() []string {
	var out []string
	for _, t := range s.Lib.Targets {
		if !slices.Contains(out, t.Region) {
			out = append(out, t.Region)
		}
	}
	for _, r := range s.Lib.Rows {
		if !slices.Contains(out, r.Table.Doc.Jurisdiction) {
			out = append(out, r.Table.Doc.Jurisdiction)
		}
	}
	slices.Sort(out)
	return out
}

// Link is what a clause or pool meant to move an indicator has done in a
// jurisdiction.
type Link struct {
	indicator.Link
	Money   *fsvc.ClauseMoney // clauses
	Members int               // pools: admitted or graduated
}

// Links are an indicator's linked policies, and the subjects their clauses
// reached, each counted once.
type Links struct {
	Items    []Link
	Subjects int
}

// Dashboard is a jurisdiction's 监测评价.
type Dashboard struct {
	Jurisdiction string
	Year         int
	Cards        []*indicator.Card // off track first
	Counts       map[indicator.Status]int
	Counties     *indicator.CountyRanking // where the jurisdiction has an assessment
	Links        map[string]*Links        // indicator id → its linked policies
}

// Status is a card's status ("" when it could not be assessed).
func Status(c *indicator.Card) indicator.Status {
	if c.Latest == nil {
		return ""
	}
	return c.Latest.Status
}

// Dashboard builds jurisdiction j's dashboard (j "" : u's own; an admin's
// first) for u.
func (s *Service) Dashboard(ctx context.Context, u auth.User, j string) (*Dashboard, error) {
	if j == "" {
		j = u.Jurisdiction
		if u.Role == auth.Admin {
			j = s.Jurisdictions()[0]
		}
	}
	if _, err := strconv.Atoi(j); err != nil || len(j) != 6 {
		return nil, errs.At(errs.Pos{Path: "j"}, "jurisdiction %q: a six-digit GB/T 2260 code", j)
	}
	switch {
	case u.Role == auth.Admin:
	case (u.Role == auth.Staff || u.Role == auth.Finance) && auth.Reaches(u.Jurisdiction, j):
	default:
		return nil, errs.E(errs.Permission, "%s不在本账号的辖区内", j)
	}
	now := s.year()
	prefix := policy.RegionPrefix(j)
	var subjects []*facts.Facts
	loaded := false
	load := func() error {
		if loaded {
			return nil
		}
		loaded = true
		return s.Store.EachFacts(ctx, store.Filter{Region: prefix}, func(f *facts.Facts) error {
			subjects = append(subjects, f)
			return nil
		})
	}
	observe := func(in *indicator.Indicator, j string) ([]indicator.Observation, error) {
		var out []indicator.Observation
		if in.Computed != "" {
			if err := load(); err != nil {
				return nil, err
			}
			for y := now - 5; y < now; y++ {
				c, err := indicator.Compute(s.Engine, in, subjects, j, y)
				if err != nil {
					return nil, err
				}
				if in.Computed == "tech_contracts" && len(c.Subjects) == 0 {
					continue // nobody reported the year's contracts: no value, not zero
				}
				out = append(out, indicator.Observation{Point: indicator.Point{Year: y, Value: c.Float()}, Source: "kechuang 按主体库计算：" + in.Caliber, Vintage: "computed"})
			}
		}
		stored, err := s.Store.IndicatorValues(ctx, in.ID, j, false)
		if err != nil {
			return nil, err
		}
		for _, v := range stored {
			f, err := strconv.ParseFloat(v.Value, 64)
			if err != nil {
				return nil, errs.E(errs.Internal, "stored value %d: %v", v.ID, err)
			}
			out = append(out, indicator.Observation{Point: indicator.Point{Year: v.Period, Value: f}, Source: v.Source, Vintage: v.Vintage, By: v.EnteredBy})
		}
		return out, nil
	}
	// The pipeline: members admitted to the pools that graduate into the
	// indicator, at the pools' historical graduation rate (graduated ÷ left);
	// no history, no rate — nothing is assumed.
	pipelines := func(in *indicator.Indicator, j string) *indicator.Pipeline {
		var admitted, graduated, left int
		for _, id := range in.Pools {
			ms, err := s.Store.Members(ctx, store.MemberFilter{Pool: id})
			if err != nil {
				return nil
			}
			for _, m := range ms {
				switch m.State {
				case pool.Admitted:
					if strings.HasPrefix(m.Region, prefix) {
						admitted++
					}
				case pool.Graduated:
					graduated++
					left++
				case pool.Removed:
					left++
				}
			}
		}
		if admitted == 0 || left == 0 {
			return nil
		}
		return &indicator.Pipeline{Candidates: admitted, Rate: float64(graduated) / float64(left),
			Note: fmt.Sprintf("培育库在库%d家 × 历史毕业率%d/%d", admitted, graduated, left)}
	}
	cards, err := s.Lib.Cards(j, now, observe, pipelines)
	if err != nil {
		return nil, err
	}
	rank := map[indicator.Status]int{indicator.OffTrack: 0, indicator.Attention: 1, "": 2, indicator.OnTrack: 3, indicator.Met: 4}
	slices.SortStableFunc(cards, func(a, b *indicator.Card) int { return rank[Status(a)] - rank[Status(b)] })
	d := &Dashboard{Jurisdiction: j, Year: now, Cards: cards, Counts: map[indicator.Status]int{}, Links: map[string]*Links{}}
	for _, a := range s.Assessments {
		if a.Jurisdiction != j {
			continue
		}
		if err := load(); err != nil { // the counties' computed values need the subjects too
			return nil, err
		}
		values := func(in *indicator.Indicator, county string, y int) (float64, bool) {
			stored, err := s.Store.IndicatorValues(ctx, in.ID, county, false)
			if err == nil {
				for _, v := range stored {
					if v.Period == y {
						f, err := strconv.ParseFloat(v.Value, 64)
						return f, err == nil
					}
				}
			}
			if in.Computed == "" {
				return 0, false
			}
			c, err := indicator.Compute(s.Engine, in, subjects, county, y)
			if err != nil || in.Computed == "tech_contracts" && len(c.Subjects) == 0 {
				return 0, false
			}
			return c.Float(), true
		}
		if d.Counties, err = a.Assess(s.Lib, cards, now-1, values); err != nil {
			return nil, err
		}
	}
	for _, c := range cards {
		d.Counts[Status(c)]++
		lv, err := s.linked(ctx, u, c.Indicator, j)
		if err != nil {
			return nil, err
		}
		if lv != nil {
			d.Links[c.Indicator.ID] = lv
		}
	}
	return d, nil
}

// linked sums the clauses and pools that declare indicator in, for j.
func (s *Service) linked(ctx context.Context, u auth.User, in *indicator.Indicator, j string) (*Links, error) {
	var out Links
	var ids []string
	var cls []indicator.Link
	prefix := policy.RegionPrefix(j)
	for _, l := range s.Lib.Links[in.ID] {
		if !auth.Reaches(j, l.Doc.Jurisdiction) {
			continue
		}
		switch l.Kind {
		case "clause":
			ids, cls = append(ids, l.ID), append(cls, l)
		case "pool":
			ms, err := s.Store.Members(ctx, store.MemberFilter{Pool: l.ID, Region: prefix})
			if err != nil {
				return nil, err
			}
			n := 0
			for _, m := range ms {
				if m.State == pool.Admitted || m.State == pool.Graduated {
					n++
				}
			}
			out.Items = append(out.Items, Link{Link: l, Members: n})
		}
	}
	if len(ids) > 0 {
		f := &fsvc.Service{Engine: s.Engine, Store: s.Store, Now: s.Now}
		money, subjects, err := f.ByClause(ctx, u, prefix, ids)
		if err != nil {
			return nil, err
		}
		for i := range money {
			out.Items = append(out.Items, Link{Link: cls[i], Money: &money[i]})
		}
		out.Subjects = subjects
	}
	if len(out.Items) == 0 {
		return nil, nil
	}
	return &out, nil
}

// MayEnter decides whether u may enter values for region: staff and
// finance of a jurisdiction covering it (finance: the fiscal figures it
// publishes); admin any.
func MayEnter(u auth.User, region string) error {
	switch {
	case u.Role == auth.Admin:
		return nil
	case u.Role == auth.Staff || u.Role == auth.Finance:
		if policy.Covers(u.Jurisdiction, region) {
			return nil
		}
		return errs.At(errs.Pos{Path: "region"}, "%s不在本账号的辖区（%s）内", region, u.Jurisdiction)
	}
	return errs.E(errs.Permission, "指标数值由科技、财政部门工作人员录入")
}

// Enter stores entries for u, every one or none.
func (s *Service) Enter(ctx context.Context, u auth.User, es []indicator.Entry) error {
	vs := make([]store.IndicatorValue, len(es))
	for i, e := range es {
		if err := MayEnter(u, e.Region); err != nil {
			return err
		}
		vs[i] = store.IndicatorValue{Indicator: e.Indicator, Region: e.Region, Period: e.Period, Value: e.Value, Source: e.Source,
			Vintage: e.Vintage, EnteredBy: u.ID, Note: e.Note}
	}
	return s.Store.PutIndicatorValues(ctx, vs)
}
