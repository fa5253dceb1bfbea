package cli

import (
	"fmt"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/hanzi"
)

const explainHelp = `
kechuang explain CLAUSE-ID

Shows a clause or gate: its document, citation and the source paragraph with
the quoted sentence marked 【…】, its condition and amount, payer and budget
timing, and its test cases.`

func runExplain(e *env, args []string) error {
	fs := newFlags("explain", explainHelp, e)
	dir := fs.String("policies", "", "policy directory (default: the bundled library)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitError{2}
	}
	id := fs.Arg(0)
	files, err := loadPolicies(e, *dir)
	if err != nil {
		printErrs(e.stderr, err)
		return exitError{1}
	}
	w := e.stdout
	for _, f := range files {
		for _, c := range f.Clauses {
			if c.ID != id {
				continue
			}
			fmt.Fprintf(w, "%s  %s\n", c.ID, c.Title)
			fmt.Fprintf(w, "文件：《%s》%s（%s，%s）\n", f.Document.Title, f.Document.Number, f.Document.Issuer, f.Document.Published)
			fmt.Fprintf(w, "条款：%s\n", c.Citation.Section)
			fmt.Fprintf(w, "原文：%s\n", highlight(f.Source, append([]string{c.Citation.Quote}, c.Citation.Also...)))
			fmt.Fprintf(w, "受益对象：%s   层级：%s\n", strings.Join(c.Beneficiary, ", "), c.Level)
			if c.ForEach != "" {
				fmt.Fprintf(w, "按事项：%s（窗口 %s）\n", c.ForEach, c.Window)
			}
			fmt.Fprintf(w, "条件（CEL）：%s\n", orDash(c.When.Src))
			fmt.Fprintf(w, "金额：%s\n", c.Amount.Kind)
			fmt.Fprintf(w, "支付：%s，%s\n", orDash(c.Payer), c.Budget)
			if len(c.Responsible) > 0 {
				fmt.Fprintf(w, "责任单位：%s\n", strings.Join(c.Responsible, "、"))
			}
			if c.Notes != "" {
				fmt.Fprintf(w, "说明：%s\n", c.Notes)
			}
			fmt.Fprintf(w, "测试（%d）：\n", len(c.Tests))
			for _, t := range c.Tests {
				amt := ""
				if t.Want.Amount != nil {
					amt = " " + t.Want.Amount.String()
				}
				fmt.Fprintf(w, "  - %s  @%s → %s%s\n", t.Name, t.At, t.Want.Outcome, amt)
			}
			return nil
		}
		for _, g := range f.Gates {
			if g.ID != id {
				continue
			}
			fmt.Fprintf(w, "%s  %s（限制条件）\n文件：《%s》\n条款：%s\n原文：%s\n限制条件（CEL）：%s\n适用层级：%s  条款：%s\n",
				g.ID, g.Title, f.Document.Title, g.Citation.Section, highlight(f.Source, []string{g.Citation.Quote}), g.Blocks.Src,
				strings.Join(g.Levels, ", "), strings.Join(g.Clauses, ", "))
			return nil
		}
	}
	return errs.E(errs.NotFound, "no clause or gate %q: `kechuang coverage --all` lists the clause ids", id)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// highlight returns the source paragraph holding the first quote with every
// quote marked 【…】.
func highlight(src string, quotes []string) string {
	folded, idx := hanzi.FoldIndex(src)
	type mark struct{ from, to int }
	var marks []mark
	for _, q := range quotes {
		fq := hanzi.Fold(q)
		i := strings.Index(folded, fq)
		if i < 0 || fq == "" {
			continue
		}
		from := len([]rune(folded[:i]))
		to := from + len([]rune(fq)) - 1
		end := len(src)
		if to+1 < len(idx) {
			end = idx[to+1]
		}
		marks = append(marks, mark{idx[from], end})
	}
	if len(marks) == 0 {
		return ""
	}
	ps := strings.LastIndex(src[:marks[0].from], "\n") + 1
	pe := strings.Index(src[marks[0].from:], "\n")
	if pe < 0 {
		pe = len(src)
	} else {
		pe += marks[0].from
	}
	var b strings.Builder
	pos := ps
	for _, m := range marks {
		if m.from < pos || m.to > pe {
			continue
		}
		b.WriteString(src[pos:m.from] + "【" + src[m.from:m.to] + "】")
		pos = m.to
	}
	b.WriteString(src[pos:pe])
	return strings.TrimSpace(b.String())
}
