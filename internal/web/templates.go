package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"kechuang/internal/indicator"
	"kechuang/internal/pool"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	"kechuang/internal/facts"
	"kechuang/internal/fulfil"
	"kechuang/internal/i18n"
	"kechuang/internal/ladder"
	"kechuang/internal/money"
	"kechuang/internal/project"
	"kechuang/internal/region"
	"kechuang/internal/rules"
)

// parseTemplates parses each page (templates/*.html other than the layout)
// together with the layout and the shared parts.
func parseTemplates() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" || base == "parts" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", n, err)
		}
		out[base] = t
	}
	return out, nil
}

var funcs = template.FuncMap{
	"amount": func(a *rules.Amount) string {
		if a == nil {
			return "—"
		}
		return a.Text
	},
	"interval": func(iv money.Interval) string { return iv.String() },
	"delta":    money.Delta,
	"fen": func(v any) string {
		switch f := v.(type) {
		case int64:
			return money.Fen(f).String()
		case money.Fen:
			return f.String()
		}
		return fmt.Sprint(v)
	},
	"sub":      func(a, b money.Fen) money.Fen { return a - b },
	"stepZh":   func(s fulfil.Step) string { return fulfil.StepZh(s) },
	"statusZh": func(s fulfil.Status) string { return fulfil.StatusZh(s) },
	"ruleZh":   func(r fulfil.Rule) string { return fulfil.RuleZh(r) },
	"batchZh":  fulfil.BatchStateZh,
	"rungZh":   ladder.RungZh,
	"actZh":    pool.ActZh,
	// dec shows an indicator's figure: at most two decimals, no trailing zeros.
	"dec": func(v float64) string {
		if math.IsNaN(v) {
			return "—"
		}
		return strconv.FormatFloat(indicator.Round(v, 2), 'f', -1, 64)
	},
	"isNaN": math.IsNaN,
	"prob": func(v float64) string {
		if math.IsNaN(v) {
			return "—"
		}
		return strconv.FormatFloat(indicator.Round(v*100, 0), 'f', -1, 64) + "%"
	},
	"actionZh": func(a string) string {
		if z := fulfil.ActionZh(fulfil.Action(a)); z != "" {
			return z
		}
		return eventZh[a]
	},
	"region": func(code string) string {
		if n := region.Name(code); n != "" {
			return n
		}
		return code
	},
	"regionFull": regionFull,
	// dict passes the page and one item to a shared template: {{template "result" (dict $ .)}}.
	"dict":  func(v view, item any) map[string]any { return map[string]any{"V": v, "C": item} },
	"add":   func(a, b int) int { return a + b },
	"local": local,
	// term names a vocabulary code (docs/facts.md) in the page's language.
	"term": func(enum, code string, l i18n.Lang) string {
		t, ok := facts.TermOf(enum, code)
		switch {
		case !ok:
			return code
		case l == i18n.En:
			return t.En
		}
		return t.Zh
	},
	"join": strings.Join,
	// msKind and changeKind name a project milestone's and change's kind.
	"msKind":     project.KindZh,
	"changeKind": project.ChangeZh,
	"problemZh":  project.ProblemZh,
	"pct": func(part, whole int) string {
		if whole == 0 {
			return "0%"
		}
		return fmt.Sprintf("%.1f%%", float64(part)*100/float64(whole))
	},
}

// eventZh names the history events that are not acts of a person.
var eventZh = map[string]string{"created": "生成", "batched": "列入拨付批次", "paid": "拨付到账", "cut": "预算未安排", "queued": "顺延至下一批次", "reversed": "冲正", "released": "节点通过，解除暂停", "ended": "终止拨付", "topped": "赛马资金转入"}

// regionFull names a region with the regions above it: 甘肃省 武威市 凉州区.
func regionFull(code string) string {
	if len(code) != 6 {
		return code
	}
	var parts []string
	for _, c := range []string{code[:2] + "0000", code[:4] + "00", code} {
		if n := region.Name(c); n != "" && (len(parts) == 0 || parts[len(parts)-1] != n) {
			parts = append(parts, n)
		}
	}
	if len(parts) == 0 {
		return code
	}
	return strings.Join(parts, " ")
}

// Shanghai is the time zone every date and time is shown in.
var Shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// local shows an RFC 3339 time stamp in Asia/Shanghai.
func local(stamp string) string {
	t, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		return stamp
	}
	return t.In(Shanghai).Format("2006-01-02 15:04:05")
}
