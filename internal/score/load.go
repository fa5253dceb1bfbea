package score

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"kechuang/internal/errs"
	"kechuang/internal/money"
)

// maxFileSize bounds an indicator set file: a real one is a few kilobytes.
const maxFileSize = 1 << 20

// Load reads an indicator set from YAML and validates it:
//
//	id: my-points
//	name: 某区企业创新积分
//	note: 地方配置：非文件规定
//	indicators:
//	  - id: rd-expense
//	    name: 研发费用
//	    group: 技术创新
//	    expr: last.rd_expense
//	    weight: 15
//	    norm: percentile
//	  - id: high-tech
//	    name: 高新技术企业
//	    group: 技术创新
//	    expr: "recognitions.exists(r, r.kind == 'high_tech_enterprise')"
//	    weight: 8
//	    norm: standard
//	    standard: 1
//
// A standard value is a number ("0.05", "3"), a percentage ("5%") or an
// amount with its unit ("500万元", kept in fen like the money facts). Every
// error names file:line:col and the field path (indicators[1].weight);
// all are reported at once and nothing is returned unless the whole set is
// valid. Expressions are checked by Compile.
func Load(data []byte, file string) (*IndicatorSet, error) {
	if len(data) > maxFileSize {
		return nil, errs.At(errs.Pos{File: file}, "the indicator set file is larger than %d bytes", maxFileSize)
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errs.At(errs.Pos{File: file}, "the indicator set file is empty")
		}
		return nil, yamlError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errs.At(errs.Pos{File: file, Line: extra.Line}, "an indicator set file holds one YAML document")
	}
	if len(root.Content) == 0 {
		return nil, errs.At(errs.Pos{File: file}, "the indicator set file is empty")
	}
	r := &reader{set: &IndicatorSet{File: file, pos: map[string]errs.Pos{}}}
	s := r.set
	top := r.mapping(root.Content[0], "", "the indicator set", "id", "name", "note", "indicators")
	s.ID = r.str(top, "id")
	s.Name = r.str(top, "name")
	s.Note = r.str(top, "note")
	if n := top.get("indicators"); n != nil {
		if n.Kind != yaml.SequenceNode {
			r.fail("indicators", n, "indicators must be a list, not %s", kindName(n))
		} else if len(n.Content) > MaxIndicators {
			r.fail("indicators", n, "the indicator set has %d indicators; at most %d are allowed", len(n.Content), MaxIndicators)
		} else {
			for i, c := range n.Content {
				s.Indicators = append(s.Indicators, r.indicator(i, c))
			}
		}
	}
	if len(r.errs) > 0 {
		return nil, r.errs
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

func yamlError(file string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	// yaml.v3 says "yaml: line N: …"
	var line int
	if _, e := fmt.Sscanf(msg, "line %d:", &line); e == nil {
		_, rest, _ := strings.Cut(msg, ": ")
		return errs.At(errs.Pos{File: file, Line: line}, "not valid YAML: %s", rest)
	}
	return errs.At(errs.Pos{File: file}, "not valid YAML: %s", msg)
}

// reader turns YAML nodes into the set, recording where each field is and
// collecting positioned errors.
type reader struct {
	set  *IndicatorSet
	errs errs.List
}

func (r *reader) pos(path string, n *yaml.Node) errs.Pos {
	p := errs.Pos{File: r.set.File, Path: path}
	if n != nil {
		p.Line, p.Col = n.Line, n.Column
	}
	return p
}

func (r *reader) fail(path string, n *yaml.Node, format string, args ...any) {
	if len(r.errs) < 100 {
		r.errs = append(r.errs, errs.At(r.pos(path, n), format, args...))
	}
}

// fields is a mapping's values by key, with the mapping's path and node
// for fields that are absent.
type fields struct {
	prefix string // "" or "indicators[2]."
	node   *yaml.Node
	vals   map[string]*yaml.Node
}

func (f fields) get(k string) *yaml.Node { return f.vals[k] }

// mapping reads a mapping node, reporting unknown and duplicate keys, and
// records the position of every allowed key (the value's, or the mapping's
// when the key is absent) for Validate.
func (r *reader) mapping(n *yaml.Node, prefix, what string, keys ...string) fields {
	f := fields{prefix: prefix, node: n, vals: map[string]*yaml.Node{}}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for _, k := range keys {
		r.set.pos[prefix+k] = r.pos(prefix+k, n)
	}
	if n.Kind != yaml.MappingNode {
		r.fail(strings.TrimSuffix(prefix, "."), n, "%s must be a mapping (key: value lines), not %s", what, kindName(n))
		return f
	}
	allowed := map[string]bool{}
	for _, k := range keys {
		allowed[k] = true
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode || !allowed[k.Value]:
			r.fail(prefix+k.Value, k, "unknown key %q in %s; allowed keys are %s", k.Value, what, strings.Join(keys, ", "))
		case f.vals[k.Value] != nil:
			r.fail(prefix+k.Value, k, "key %q appears twice in %s", k.Value, what)
		default:
			if v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			f.vals[k.Value] = v
			r.set.pos[prefix+k.Value] = r.pos(prefix+k.Value, v)
		}
	}
	return f
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "something else"
}

// str reads an optional text field; absent is "".
func (r *reader) str(f fields, k string) string {
	n := f.get(k)
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		r.fail(f.prefix+k, n, "%s must be text, not %s", k, kindName(n))
		return ""
	}
	return strings.TrimSpace(n.Value)
}

func (r *reader) int(f fields, k string) int64 {
	n := f.get(k)
	if n == nil {
		return 0
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if n.Kind != yaml.ScalarNode || err != nil {
		r.fail(f.prefix+k, n, "%s must be a whole number of points, not %s", k, kindName(n))
		return 0
	}
	return v
}

func (r *reader) indicator(i int, n *yaml.Node) Indicator {
	prefix := fmt.Sprintf("indicators[%d].", i)
	f := r.mapping(n, prefix, "an indicator", "id", "name", "group", "expr", "direction", "weight", "norm", "standard", "cap", "note")
	in := Indicator{
		ID:        r.str(f, "id"),
		Name:      r.str(f, "name"),
		Group:     r.str(f, "group"),
		Expr:      r.str(f, "expr"),
		Direction: Direction(r.str(f, "direction")),
		Weight:    r.int(f, "weight"),
		Norm:      Norm(r.str(f, "norm")),
		Cap:       r.int(f, "cap"),
		Note:      r.str(f, "note"),
	}
	if c := f.get("cap"); c != nil && in.Cap == 0 {
		r.fail(prefix+"cap", c, "cap must be at least 1; leave it out to cap the indicator at its weight")
	}
	if f.get("weight") == nil {
		r.fail(prefix+"weight", n, "indicator %q needs a weight", in.ID)
	}
	if f.get("norm") == nil {
		r.fail(prefix+"norm", n, "indicator %q needs a norm: minmax, percentile or standard", in.ID)
	}
	if sn := f.get("standard"); sn != nil {
		v, err := parseStandard(sn)
		if err != nil {
			r.fail(prefix+"standard", sn, "standard value of indicator %q: %v", in.ID, err)
		}
		in.Standard = v
	}
	return in
}

var decimalRE = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,12})?$`)

// parseStandard reads a standard value: a decimal number, a percentage or
// an amount with its unit (in fen). Exponents are not accepted, so that a
// value is always small to parse.
func parseStandard(n *yaml.Node) (*big.Rat, error) {
	if n.Kind != yaml.ScalarNode {
		return nil, fmt.Errorf("write a number, a percentage (5%%) or an amount (500万元), not %s", kindName(n))
	}
	s := strings.TrimSpace(n.Value)
	if strings.HasSuffix(s, "元") || strings.HasSuffix(s, "万") || strings.HasSuffix(s, "亿") {
		f, err := money.Parse(s)
		if err != nil {
			return nil, err
		}
		return new(big.Rat).SetInt64(int64(f)), nil
	}
	pct := strings.HasSuffix(s, "%") || strings.HasSuffix(s, "％")
	if pct {
		s = strings.TrimSuffix(strings.TrimSuffix(s, "%"), "％")
	}
	if !decimalRE.MatchString(s) {
		return nil, fmt.Errorf("%q is not a number: write it like 3, 0.05, 5%% or 500万元", n.Value)
	}
	v, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("%q is not a number", n.Value)
	}
	if pct {
		v.Quo(v, big.NewRat(100, 1))
	}
	return v, nil
}
