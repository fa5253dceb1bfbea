// Package indicator is 监测评价: the indicator registry (指标库), the targets
// the documents set (from the policy files' targets and tables), values with
// their reference period, source and vintage, the required trajectory from a
// baseline to a target, status against it, and a forecast for the target
// year. docs/indicators.md gives the methods with formulas.
package indicator

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"sort"

	"go.yaml.in/yaml/v3"

	"kechuang/internal/errs"
	"kechuang/internal/hanzi"
	"kechuang/internal/policy"
)

//go:embed registry/*.yaml
var registryFS embed.FS

// Indicator is one entry of the registry.
type Indicator struct {
	ID         string   `yaml:"id"`
	Name       string   `yaml:"name"`
	Aliases    []string `yaml:"aliases"`
	Unit       string   `yaml:"unit"`
	Direction  string   `yaml:"direction"`  // up: more is better; down: less is better
	Trajectory string   `yaml:"trajectory"` // linear or compound: how the required path from baseline to target is drawn
	Caliber    string   `yaml:"caliber"`    // 口径
	Source     string   `yaml:"source"`
	Computed   string   `yaml:"computed"` // a computation of internal/indicator (Computations), or empty: entered
	Pools      []string `yaml:"pools"`    // 培育库 whose graduates add to it (the forecast's pipeline)
	File       string   `yaml:"-"`
}

// Registry is every indicator, by id.
type Registry struct {
	List  []*Indicator
	byID  map[string]*Indicator
	names map[string]string // folded name or alias → id
}

// Computations lists the indicators kechuang computes from what it holds.
var Computations = []string{"hte_valid_year_end", "sci_innov_year_end", "sme_tech_year", "tech_contracts"}

// LoadRegistry reads the embedded registry (registry/*.yaml).
func LoadRegistry() (*Registry, error) {
	return loadRegistry(registryFS, "registry")
}

func loadRegistry(fsys fs.FS, dir string) (*Registry, error) {
	paths, err := fs.Glob(fsys, dir+"/*.yaml")
	if err != nil || len(paths) == 0 {
		return nil, errs.E(errs.Internal, "no indicator registry files in %s", dir)
	}
	sort.Strings(paths)
	reg := &Registry{byID: map[string]*Indicator{}, names: map[string]string{}}
	var l errs.List
	for _, p := range paths {
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Indicators []*Indicator `yaml:"indicators"`
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&doc); err != nil {
			l = append(l, errs.At(errs.Pos{File: p}, "not a valid registry file: %v", err))
			continue
		}
		for _, in := range doc.Indicators {
			in.File = p
			l = append(l, reg.add(in)...)
		}
	}
	if len(l) > 0 {
		return nil, l
	}
	return reg, nil
}

func (r *Registry) add(in *Indicator) errs.List {
	var l errs.List
	bad := func(format string, args ...any) {
		l = append(l, errs.At(errs.Pos{File: in.File, Path: in.ID}, format, args...))
	}
	if in.ID == "" || in.Name == "" || in.Unit == "" {
		bad("an indicator needs an id, a name and a unit")
	}
	if _, dup := r.byID[in.ID]; dup {
		bad("indicator %q is defined twice", in.ID)
	}
	if in.Direction != "up" && in.Direction != "down" {
		bad("direction %q must be up (more is better) or down", in.Direction)
	}
	if in.Trajectory != "linear" && in.Trajectory != "compound" {
		bad("trajectory %q must be linear or compound", in.Trajectory)
	}
	if in.Computed != "" && !slices.Contains(Computations, in.Computed) {
		bad("computed %q is not one of %v", in.Computed, Computations)
	}
	for _, n := range append([]string{in.Name}, in.Aliases...) {
		k := hanzi.Fold(n)
		if other, dup := r.names[k]; dup && other != in.ID {
			bad("name %q is already %s's", n, other)
		}
		r.names[k] = in.ID
	}
	if len(l) == 0 {
		r.byID[in.ID] = in
		r.List = append(r.List, in)
	}
	return l
}

// ByID returns the indicator id.
func (r *Registry) ByID(id string) (*Indicator, bool) {
	in, ok := r.byID[id]
	return in, ok
}

// ByName finds an indicator by a name or alias (繁/简 folded).
func (r *Registry) ByName(name string) (*Indicator, bool) {
	id, ok := r.names[hanzi.Fold(name)]
	if !ok {
		return nil, false
	}
	return r.byID[id], true
}

// Target is a document's target with its indicator.
type Target struct {
	*policy.Target
	Indicator *Indicator
}

// Row is a printed table's row with its indicator.
type Row struct {
	Table     *policy.Table
	Row       *policy.TableRow
	Indicator *Indicator
}

// Library is the registry with every target and table row of the policy
// files joined to its indicator, and the clauses and pools that declare
// the indicators they are meant to move.
type Library struct {
	Registry *Registry
	Targets  []Target
	Rows     []Row
	Links    map[string][]Link // indicator id → what declares it
}

// Link is a clause or a pool meant to move an indicator.
type Link struct {
	Kind  string // clause, pool
	ID    string
	Title string
	Doc   *policy.Document
}

// NewLibrary joins the targets and tables of files to reg; an unknown
// indicator or a unit that is not the indicator's is an error at the
// target's position.
func NewLibrary(reg *Registry, files []*policy.File) (*Library, error) {
	lib := &Library{Registry: reg, Links: map[string][]Link{}}
	var l errs.List
	link := func(ids []string, k Link, pos errs.Pos) {
		for _, id := range ids {
			if _, ok := reg.ByID(id); !ok {
				l = append(l, errs.At(pos, "%s %s names indicator %q, which is not in the registry", k.Kind, k.ID, id))
				continue
			}
			lib.Links[id] = append(lib.Links[id], k)
		}
	}
	for _, f := range files {
		for _, c := range f.Clauses {
			link(c.Indicators, Link{Kind: "clause", ID: c.ID, Title: c.Title, Doc: &f.Document}, c.Pos)
		}
		for _, p := range f.Pools {
			link(p.Indicators, Link{Kind: "pool", ID: p.ID, Title: p.Title, Doc: &f.Document}, p.Pos)
		}
		for _, t := range f.Targets {
			in, ok := reg.ByID(t.Indicator)
			switch {
			case !ok:
				l = append(l, errs.At(t.Pos, "target %s: indicator %q is not in the registry (internal/indicator/registry)", t.ID, t.Indicator))
				continue
			case t.Unit != "" && t.Unit != in.Unit:
				l = append(l, errs.At(t.Pos, "target %s: unit %q is not %s's unit %q", t.ID, t.Unit, in.ID, in.Unit))
				continue
			}
			lib.Targets = append(lib.Targets, Target{Target: t, Indicator: in})
		}
		for _, tb := range f.Tables {
			for _, row := range tb.Rows {
				in, ok := reg.ByID(row.Indicator)
				switch {
				case !ok:
					l = append(l, errs.At(row.Pos, "table %s row %d: indicator %q is not in the registry", tb.ID, row.No, row.Indicator))
					continue
				case row.Unit != "" && row.Unit != in.Unit && hanzi.Fold(row.Unit) != hanzi.Fold(in.Unit):
					l = append(l, errs.At(row.Pos, "table %s row %d: unit %q is not %s's unit %q", tb.ID, row.No, row.Unit, in.ID, in.Unit))
					continue
				}
				lib.Rows = append(lib.Rows, Row{Table: tb, Row: row, Indicator: in})
			}
		}
	}
	if len(l) > 0 {
		return nil, l
	}
	return lib, nil
}

// Jurisdictions lists the jurisdictions whose documents set targets for
// indicator id (from the targets and the tables).
func (lib *Library) Jurisdictions(id string) []string {
	var out []string
	add := func(j string) {
		if !slices.Contains(out, j) {
			out = append(out, j)
		}
	}
	for _, t := range lib.Targets {
		if t.Indicator.ID == id {
			add(t.Region)
		}
	}
	for _, r := range lib.Rows {
		if r.Indicator.ID == id {
			add(r.Table.Doc.Jurisdiction)
		}
	}
	sort.Strings(out)
	return out
}

// String names an indicator for messages.
func (in *Indicator) String() string { return fmt.Sprintf("%s（%s）", in.Name, in.ID) }
