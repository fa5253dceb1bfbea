package cli

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/hanzi"
	"kechuang/internal/policy"
)

const explainHelp = `
kechuang explain ID

Shows a clause or gate: its document, citation and the source paragraph with
the quoted sentence marked 【…】, its condition and amount, payer and budget
timing, and its test cases. For a qualification standard (hte-2016,
stsme-2017, …): every condition, score group, item and direct route with its
citation and source paragraph, what experts judge, and its tests.`

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
			fmt.Fprintf(w, "金额：%s\n", c.Amount.Zh("  "))
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
	for _, f := range files {
		for _, s := range f.Standards {
			if s.ID == id {
				explainStandard(w, f, s, files)
				return nil
			}
		}
	}
	return errs.E(errs.NotFound, "no clause, gate or standard %q: `kechuang coverage --all` lists the clause ids, `kechuang ladder` the standards", id)
}

// describeAmount shows an amount primitive with its parameters.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// highlight returns the source paragraph holding the first quote with every
// quote marked 【…】.
func highlight(src string, quotes []string) string {
	marks := hanzi.Locate(src, quotes...)
	if len(marks) == 0 {
		return ""
	}
	ps := strings.LastIndex(src[:marks[0].From], "\n") + 1
	pe := strings.Index(src[marks[0].From:], "\n")
	if pe < 0 {
		pe = len(src)
	} else {
		pe += marks[0].From
	}
	// A long paragraph (some sources are one line) is cut to the sentences
	// around the first quote.
	if len([]rune(src[ps:pe])) > 400 {
		if i := strings.LastIndexAny(src[ps:marks[0].From], "。；;"); i >= 0 {
			_, n := utf8.DecodeRuneInString(src[ps+i:])
			ps += i + n
		}
		if i := strings.IndexAny(src[marks[0].To:pe], "。；;"); i >= 0 {
			pe = marks[0].To + i
			_, n := utf8.DecodeRuneInString(src[pe:])
			pe += n
		}
	}
	var b strings.Builder
	pos := ps
	for _, m := range marks {
		if m.From < pos || m.To > pe {
			continue
		}
		b.WriteString(src[pos:m.From] + "【" + src[m.From:m.To] + "】")
		pos = m.To
	}
	b.WriteString(src[pos:pe])
	return strings.TrimSpace(b.String())
}

// explainStandard prints a standard with the source of every part.
func explainStandard(w io.Writer, f *policy.File, s *policy.Standard, files []*policy.File) {
	if s.Extends != "" {
		fmt.Fprintf(w, "%s 改编自 %s（替换评分组：", s.ID, s.Extends)
		for i, g := range s.ReplaceGroups {
			if i > 0 {
				fmt.Fprint(w, "、")
			}
			fmt.Fprint(w, g.ID)
		}
		fmt.Fprintln(w, "），其余同原标准：")
		for _, of := range files {
			for _, b := range of.Standards {
				if b.ID == s.Extends {
					if m, err := s.Merge(b); err == nil {
						s = m
					}
				}
			}
		}
	}
	// An extension's inherited parts quote the base's document: take the
	// first source text, this file's first, that holds the quote.
	srcOf := func(c *policy.Citation) string {
		texts := []string{f.Sources[c.Doc], f.Source}
		for _, of := range files {
			texts = append(texts, of.Sources[c.Doc], of.Source)
		}
		q := hanzi.Fold(c.Quote)
		for _, t := range texts {
			if t != "" && strings.Contains(hanzi.Fold(t), q) {
				return t
			}
		}
		return f.Source
	}
	cite := func(indent string, c *policy.Citation) {
		fmt.Fprintf(w, "%s条款：%s\n%s原文：%s\n", indent, c.Section, indent, highlight(srcOf(c), append([]string{c.Quote}, c.Also...)))
	}
	status := facts.TermZh("recognition_kind", s.Status)
	if _, ok := facts.TermOf("classification", s.Status); ok {
		status = facts.TermZh("classification", s.Status) + "（划型，不发证书）"
	}
	fmt.Fprintf(w, "%s  %s\n", s.ID, s.Title)
	fmt.Fprintf(w, "文件：《%s》%s（%s，%s）", f.Document.Title, f.Document.Number, f.Document.Issuer, f.Document.Published)
	if f.Document.SourceStatus == "secondary" {
		fmt.Fprint(w, "  ※ 文本为转录本，见 policies/source/national/ORIGIN.md")
	}
	fmt.Fprintln(w)
	validity := "评估当年"
	if s.ValidYears > 0 {
		validity = fmt.Sprintf("%d年", s.ValidYears)
	}
	fmt.Fprintf(w, "认定：%s   有效期：%s\n", status, validity)
	if len(s.Supersedes) > 0 {
		fmt.Fprintf(w, "取代：%s（自 %s 起）\n", strings.Join(s.Supersedes, "、"), f.Document.ValidFrom)
	}
	cite("", &s.Citation)
	if s.Applies.Src != "" {
		fmt.Fprintf(w, "适用范围（CEL）：%s\n", oneLine(s.Applies.Src))
	}
	fmt.Fprintf(w, "\n【基本条件（须全部满足）】\n")
	for _, c := range s.Requires {
		fmt.Fprintf(w, "- %s（%s）\n", c.Title, c.ID)
		cite("  ", &c.Citation)
		if c.When.Src != "" {
			fmt.Fprintf(w, "  条件（CEL）：%s\n", oneLine(c.When.Src))
		}
		if c.Expert != "" {
			fmt.Fprintf(w, "  专家评审：%s\n", c.Expert)
		}
	}
	if sc := s.Score; sc != nil {
		pass := fmt.Sprintf("%d分以上（不含%d分）", sc.Above, sc.Above)
		if sc.AtLeast >= 0 {
			pass = fmt.Sprintf("不低于%d分", sc.AtLeast)
		}
		fmt.Fprintf(w, "\n【评分】满分%d分，需%s\n", sc.Max, pass)
		cite("", &sc.Citation)
		for _, g := range sc.Groups {
			need := ""
			if g.Min > 0 {
				need = fmt.Sprintf("，本组不低于%d分", g.Min)
			}
			fmt.Fprintf(w, "· %s（%s，满分%d%s）\n", g.Title, g.ID, g.Max, need)
			for _, it := range g.Items {
				how := "按数据计算"
				switch {
				case len(it.Bands) > 0 && it.Expert != "":
					how = "按数据定档，" + it.Expert
				case it.Expert != "":
					how = "专家评审：" + it.Expert
				case len(it.Options) > 0:
					how = "多口径择优"
				}
				fmt.Fprintf(w, "  - %s（%s，%d分）：%s\n", it.Title, it.ID, it.Max, how)
				fmt.Fprintf(w, "      依据：%s「%s」\n", it.Citation.Section, it.Citation.Quote)
				for _, b := range it.Bands {
					fmt.Fprintf(w, "      %s档 %s分：%s\n", b.Label, pointsText(b.Points), oneLine(b.When.Src))
				}
				for _, o := range it.Options {
					fmt.Fprintf(w, "      口径「%s」：\n", o.Title)
					for _, b := range o.Bands {
						fmt.Fprintf(w, "        %s档 %s分：%s\n", b.Label, pointsText(b.Points), oneLine(b.When.Src))
					}
				}
			}
		}
	}
	if len(s.Routes) > 0 {
		fmt.Fprintf(w, "\n【直接确认（满足其一即可，不看评分）】\n")
		for _, c := range s.Routes {
			fmt.Fprintf(w, "- %s（%s）\n", c.Title, c.ID)
			cite("  ", &c.Citation)
			fmt.Fprintf(w, "  条件（CEL）：%s\n", oneLine(c.When.Src))
		}
	}
	if s.Notes != "" {
		fmt.Fprintf(w, "\n说明：%s\n", s.Notes)
	}
	fmt.Fprintf(w, "\n测试（%d）：\n", len(s.Tests))
	for _, t := range s.Tests {
		extra := ""
		if t.Want.Score != nil {
			extra = " 评分" + pointsText(*t.Want.Score)
		}
		fmt.Fprintf(w, "  - %s  @%s → %s%s\n", t.Name, t.At, t.Want.Outcome, extra)
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func pointsText(p [2]int) string {
	if p[0] == p[1] {
		return fmt.Sprint(p[0])
	}
	return fmt.Sprintf("%d–%d", p[0], p[1])
}
