package policy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/money"
)

// reader turns YAML nodes into typed values, collecting positioned errors.
type reader struct {
	file     string
	lines    []string // the policy file's lines, for expression positions
	errs     errs.List
	expanded int // values produced by plainValue for the current test's facts
}

// maxFactValues bounds what one test's facts may expand to: YAML aliases
// nest, and a few lines can otherwise stand for billions of values.
const maxFactValues = 100_000

func (r *reader) pos(n *yaml.Node) errs.Pos {
	if n == nil {
		return errs.Pos{File: r.file}
	}
	return errs.Pos{File: r.file, Line: n.Line, Col: n.Column}
}

func (r *reader) fail(n *yaml.Node, format string, args ...any) {
	if len(r.errs) >= 200 {
		return
	}
	r.errs = append(r.errs, errs.At(r.pos(n), format, args...))
}

// mapping returns the keys of a mapping node, reporting unknown and
// duplicate keys and missing required ones (marked with a leading '!').
func (r *reader) mapping(n *yaml.Node, what string, keys ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n == nil {
		return out
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		r.fail(n, "%s must be a mapping (key: value lines), not %s", what, kindName(n))
		return out
	}
	allowed := map[string]bool{}
	var required []string
	for _, k := range keys {
		if strings.HasPrefix(k, "!") {
			k = k[1:]
			required = append(required, k)
		}
		allowed[k] = true
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !allowed[k.Value] {
			r.fail(k, "unknown key %q in %s; allowed keys are %s", k.Value, what, strings.Join(plain(keys), ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			r.fail(k, "key %q appears twice in %s", k.Value, what)
			continue
		}
		out[k.Value] = v
	}
	for _, k := range required {
		if _, ok := out[k]; !ok {
			r.fail(n, "%s is missing the required key %q", what, k)
		}
	}
	return out
}

func plain(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strings.TrimPrefix(k, "!")
	}
	return out
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

func (r *reader) str(n *yaml.Node, what string) string {
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		r.fail(n, "%s must be text, not %s", what, kindName(n))
		return ""
	}
	return n.Value
}

// prose reads free text (notes): YAML folding joins wrapped lines with a
// space, which Chinese does not use, so spaces between CJK text are removed.
func (r *reader) prose(n *yaml.Node, what string) string {
	return cjkSpace.ReplaceAllString(strings.TrimSpace(r.str(n, what)), "$1$2")
}

var cjkSpace = regexp.MustCompile(`([\p{Han}，。；：、（）“”《》！？])\s+([\p{Han}，。；：、（）“”《》！？])`)

func (r *reader) strList(n *yaml.Node, what string) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		r.fail(n, "%s must be a list, not %s", what, kindName(n))
		return nil
	}
	var out []string
	for _, c := range n.Content {
		out = append(out, r.str(c, what))
	}
	return out
}

func (r *reader) intVal(n *yaml.Node, what string) int {
	if n == nil {
		return 0
	}
	i, err := strconv.Atoi(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		r.fail(n, "%s must be a whole number, not %s", what, kindName(n))
	}
	return i
}

func (r *reader) date(n *yaml.Node, what string) Date {
	if n == nil {
		return 0
	}
	t, err := facts.ParseDate(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		r.fail(n, "%s: %v", what, err)
		return 0
	}
	return Date(t.Year()*10000 + int(t.Month())*100 + t.Day())
}

// amountValue reads an amount in a policy file; the unit is required.
func (r *reader) amountValue(n *yaml.Node, what string) money.Fen {
	if n == nil || n.Kind != yaml.ScalarNode {
		r.fail(n, "%s must be an amount such as 20万元", what)
		return 0
	}
	s := strings.TrimSpace(n.Value)
	if !strings.HasSuffix(s, "元") && !strings.HasSuffix(s, "万") && !strings.HasSuffix(s, "亿") && !strings.HasSuffix(s, "萬") {
		r.fail(n, "%s %q has no unit: write it as the document does, e.g. 20万元 or 5000元", what, s)
		return 0
	}
	f, err := money.Parse(s)
	if err != nil {
		r.fail(n, "%s: %v", what, err)
	}
	return f
}

func (r *reader) rate(n *yaml.Node, what string) money.Rate {
	if n == nil || n.Kind != yaml.ScalarNode {
		r.fail(n, "%s must be a rate such as 5%%", what)
		return money.Rate{}
	}
	if !strings.HasSuffix(strings.TrimSpace(n.Value), "%") {
		r.fail(n, "%s %q: write rates as percentages, e.g. 5%% or 12.5%%", what, n.Value)
		return money.Rate{}
	}
	rt, err := money.ParseRate(n.Value)
	if err != nil {
		r.fail(n, "%s: %v", what, err)
	}
	return rt
}

// interval reads "20万元", "[20万元, 30万元]" or "{at_least: 50万元}".
func (r *reader) interval(n *yaml.Node, what string) money.Interval {
	if n == nil {
		r.fail(n, "%s is missing", what)
		return money.Interval{}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return money.Exact(r.amountValue(n, what))
	case yaml.SequenceNode:
		if len(n.Content) != 2 {
			r.fail(n, "%s as a list must have two amounts [min, max]", what)
			return money.Interval{}
		}
		lo, hi := r.amountValue(n.Content[0], what), r.amountValue(n.Content[1], what)
		if lo > hi {
			r.fail(n, "%s: the minimum %s is above the maximum %s", what, lo, hi)
		}
		return money.Interval{Min: lo, Max: hi}
	case yaml.MappingNode:
		m := r.mapping(n, what, "!at_least")
		return money.Interval{Min: r.amountValue(m["at_least"], what), Open: true}
	}
	r.fail(n, "%s must be an amount, [min, max] or {at_least: …}", what)
	return money.Interval{}
}

// expr records a CEL expression with enough position information to map a
// CEL error back to the file.
func (r *reader) expr(n *yaml.Node, what string) Expr {
	if n == nil {
		return Expr{}
	}
	if n.Kind != yaml.ScalarNode {
		r.fail(n, "%s must be a CEL expression (text), not %s", what, kindName(n))
		return Expr{}
	}
	e := Expr{Src: n.Value, Pos: r.pos(n)}
	switch n.Style {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		e.Pos.Col++
	case yaml.LiteralStyle, yaml.FoldedStyle:
		// The text starts on the next line, indented.
		e.Pos.Line++
		if e.Pos.Line-1 < len(r.lines) {
			l := r.lines[e.Pos.Line-1]
			e.Pos.Col = 1 + len([]rune(l)) - len([]rune(strings.TrimLeft(l, " ")))
		}
		e.block = true
	}
	e.lines = r.lines
	return e
}

// At maps a 0-based rune offset within the expression to a file position.
func (e Expr) At(offset int) errs.Pos {
	p := e.Pos
	if !e.block {
		p.Col += offset
		return p
	}
	// Block scalar: walk the file's lines, each contributing its trimmed
	// length plus one (the folded space or newline).
	line := p.Line
	for line-1 < len(e.lines) {
		l := strings.TrimLeft(e.lines[line-1], " ")
		n := len([]rune(l))
		if offset <= n {
			p.Line = line
			p.Col = 1 + len([]rune(e.lines[line-1])) - n + offset
			return p
		}
		offset -= n + 1
		line++
	}
	return p
}

// toJSON converts a YAML node holding facts to JSON for the facts decoder.
func (r *reader) toJSON(n *yaml.Node) []byte {
	r.expanded = 0
	v := r.plainValue(n)
	if r.expanded > maxFactValues {
		r.fail(n, "these facts expand to more than %d values through YAML aliases: write them out or use fewer nested aliases", maxFactValues)
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		r.fail(n, "facts cannot be converted: %v", err)
	}
	return b
}

func (r *reader) plainValue(n *yaml.Node) any {
	if r.expanded++; r.expanded > maxFactValues {
		return nil
	}
	switch n.Kind {
	case yaml.AliasNode:
		return r.plainValue(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "<<" { // YAML merge key: the mapping's own keys win
				if base, ok := r.plainValue(n.Content[i+1]).(map[string]any); ok {
					for k, v := range base {
						if _, set := m[k]; !set {
							m[k] = v
						}
					}
				}
				continue
			}
			m[n.Content[i].Value] = r.plainValue(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			out = append(out, r.plainValue(c))
		}
		return out
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return json.Number(n.Value)
		case "!!bool":
			b, _ := strconv.ParseBool(n.Value)
			if n.Value == "yes" || n.Value == "on" {
				b = true
			}
			return b
		case "!!null":
			return nil
		}
		return n.Value
	}
	return nil
}
