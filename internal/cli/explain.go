package cli

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/hanzi"
	"kechuang/internal/policy"
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
			var kinds []string
			for _, b := range c.Beneficiary {
				kinds = append(kinds, kindZh(b))
			}
			lv, _ := facts.TermOf("level", c.Level)
			fmt.Fprintf(w, "受益对象：%s   层级：%s\n", strings.Join(kinds, "、"), lv.Zh)
			if c.ForEach != "" {
				fmt.Fprintf(w, "按事项：%s（窗口 %s）\n", c.ForEach, c.Window)
			}
			fmt.Fprintf(w, "条件（CEL）：%s\n", orDash(c.When.Src))
			fmt.Fprintf(w, "金额：%s\n", describeAmount(c.Amount, "  "))
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
			if g.Notes != "" {
				fmt.Fprintf(w, "说明：%s\n", g.Notes)
			}
			fmt.Fprintf(w, "测试（%d）：\n", len(g.Tests))
			for _, t := range g.Tests {
				fmt.Fprintf(w, "  - %s  @%s → %s\n", t.Name, t.At, t.Want.Outcome)
			}
			return nil
		}
	}
	return errs.E(errs.NotFound, "no clause or gate %q: `kechuang coverage --all` lists the clause ids", id)
}

// describeAmount shows an amount primitive with its parameters.
func describeAmount(a *policy.Amount, indent string) string {
	rate := func() string {
		if a.Rates[0] == a.Rates[1] {
			return a.Rates[0].String()
		}
		return a.Rates[0].String() + "—" + a.Rates[1].String()
	}
	var b strings.Builder
	switch a.Kind {
	case "fixed":
		b.WriteString("定额 " + a.Fixed.String())
	case "range":
		b.WriteString("酌定区间 " + a.Range.String())
	case "at_least":
		b.WriteString(a.Range.String())
	case "unspecified":
		b.WriteString("文件未规定金额（“" + a.Unspecified + "”）")
	case "by_value":
		b.WriteString("按 " + a.Of.Src + " 取值：")
		for _, e := range a.Table {
			fmt.Fprintf(&b, "\n%s%s → %s", indent, e.Key, e.Amount)
		}
	case "brackets":
		b.WriteString("分档（" + a.Of.Src + "）：")
		for _, t := range a.Tiers {
			fmt.Fprintf(&b, "\n%s%s → %s", indent, tierZh(t), t.Amount)
		}
		for _, t := range a.Ties {
			fmt.Fprintf(&b, "\n%s边界 %s 取%s档：%s", indent, t.At, map[string]string{"upper": "上", "lower": "下"}[t.Winner], strings.TrimSpace(t.Note))
		}
		for _, g := range a.Gaps {
			fmt.Fprintf(&b, "\n%s%s—%s 不补：%s", indent, g.From, g.To, strings.TrimSpace(g.Note))
		}
	case "progressive":
		b.WriteString("超额累进（" + a.Of.Src + "，" + a.Round.String() + "）：")
		for _, t := range a.Tiers {
			fmt.Fprintf(&b, "\n%s%s → %s", indent, tierZh(t), t.Rate)
		}
	case "rate", "match":
		fmt.Fprintf(&b, "%s × %s", a.Of.Src, rate())
		if a.Cap != nil {
			b.WriteString("，封顶 " + a.Cap.String())
		}
		if a.Floor != nil {
			b.WriteString("，保底 " + a.Floor.String())
		}
		b.WriteString("，舍入 " + a.Round.String())
	case "per_unit":
		fmt.Fprintf(&b, "每件 %s × %s", a.Each.Range, a.Count.Src)
	case "recurring":
		fmt.Fprintf(&b, "连续 %d 年，每年 %s", a.Years, describeAmount(a.Each, indent))
	case "staged":
		fmt.Fprintf(&b, "逐级补差（%s，上一阶段 %s）：", a.Of.Src, a.PreviousOf.Src)
		for _, st := range a.Stages {
			fmt.Fprintf(&b, "\n%s%s 累计 %s", indent, st.Key, st.Cumulative)
		}
	}
	return b.String()
}

func tierZh(t policy.Tier) string {
	var b strings.Builder
	if t.From != nil {
		b.WriteString(t.From.String() + t.FromWord)
	}
	if t.To != nil {
		if b.Len() > 0 {
			b.WriteString("，")
		}
		b.WriteString(t.To.String() + t.ToWord)
	}
	if b.Len() == 0 {
		return "全部"
	}
	return b.String()
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
	// A long paragraph (some sources are one line) is cut to the sentences
	// around the first quote.
	if len([]rune(src[ps:pe])) > 400 {
		if i := strings.LastIndexAny(src[ps:marks[0].from], "。；;"); i >= 0 {
			_, n := utf8.DecodeRuneInString(src[ps+i:])
			ps += i + n
		}
		if i := strings.IndexAny(src[marks[0].to:pe], "。；;"); i >= 0 {
			pe = marks[0].to + i
			_, n := utf8.DecodeRuneInString(src[pe:])
			pe += n
		}
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
