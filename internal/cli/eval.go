package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
)

const evalHelp = `
kechuang eval --facts FILE [--at YYYY-MM-DD] [--fy YEAR] [--json] [--policies DIR]

Evaluates one subject (a facts file in the JSON schema of docs/facts.md; "-"
reads standard input) against every clause in force for it: what it is
entitled to, how much, from whom and in which budget year, with the citation
and a plain-Chinese explanation; what it does not qualify for and what it
lacks (near misses); what is blocked by a gate or excluded by another clause;
and which facts are missing. --at defaults to the facts file's as_of, else
today (Asia/Shanghai); --fy defaults to the year of --at.

With --assess, the subject is first assessed against the national
qualification standards (高新技术企业, 科技型中小企业 …; see kechuang ladder): a
status it qualifies for but holds no certificate of counts as a projected
recognition, and clauses that pay for that status show a projected amount,
marked as resting on the assessment rather than on a certificate and kept
out of the totals.`

// subjectFlags are the flags of the commands that read one subject.
type subjectFlags struct {
	facts, at, dir *string
	json           *bool
}

func addSubjectFlags(fs *flag.FlagSet) subjectFlags {
	return subjectFlags{
		facts: fs.String("facts", "", "facts file (JSON); - for standard input"),
		at:    fs.String("at", "", "evaluation date YYYY-MM-DD (default: the facts file's as_of)"),
		json:  fs.Bool("json", false, "print JSON"),
		dir:   fs.String("policies", "", "policy directory (default: the bundled library)"),
	}
}

// load reads the subject and the library; fy 0 means the year of the date.
// Errors are printed; the returned error is the exit status.
func (sf subjectFlags) load(e *env, fs *flag.FlagSet, fy int) (*facts.Facts, policy.Date, int64, *rules.Engine, error) {
	if *sf.facts == "" {
		fs.Usage()
		return nil, 0, 0, nil, exitError{2}
	}
	f, err := readFacts(e, *sf.facts)
	if err != nil {
		printErrs(e.stderr, err)
		return nil, 0, 0, nil, exitError{2}
	}
	at, year, err := when(*sf.at, fy, f)
	if err != nil {
		return nil, 0, 0, nil, err
	}
	eng, err := loadEngine(e, *sf.dir)
	if err != nil {
		printErrs(e.stderr, err)
		return nil, 0, 0, nil, exitError{1}
	}
	return f, at, year, eng, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func runEval(e *env, args []string) error {
	fs := newFlags("eval", evalHelp, e)
	sf := addSubjectFlags(fs)
	fyFlag := fs.Int("fy", 0, "fiscal year (default: the year of --at)")
	assess := fs.Bool("assess", false, "assess national standards first and show projected entitlements")
	if err := parse(fs, args); err != nil {
		return err
	}
	f, at, fy, eng, err := sf.load(e, fs, *fyFlag)
	if err != nil {
		return err
	}
	ev := eng.NewEvaluator()
	var r *rules.Report
	if *assess {
		r = ev.EvaluateAssessed(f, at, fy)
	} else {
		r = ev.Evaluate(f, at, fy)
	}
	if *sf.json {
		return writeJSON(e.stdout, r)
	}
	WriteReport(e.stdout, r)
	return nil
}

func readFacts(e *env, path string) (*facts.Facts, error) {
	var r io.Reader
	if path == "-" {
		r = e.stdin
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return nil, errs.At(errs.Pos{File: path}, "cannot open the facts file: %v", err)
		}
		defer fh.Close()
		r = fh
	}
	return facts.Decode(r, path)
}

func when(atFlag string, fyFlag int, f *facts.Facts) (policy.Date, int64, error) {
	at := today()
	switch {
	case atFlag != "":
		d, err := parseDate(atFlag)
		if err != nil {
			return 0, 0, err
		}
		at = d
	case f.AsOf != "":
		d, err := parseDate(f.AsOf)
		if err != nil {
			return 0, 0, err
		}
		at = d
	}
	fy := int64(at.Year())
	if fyFlag != 0 {
		if fyFlag < 1949 || fyFlag > 2100 {
			return 0, 0, errs.E(errs.Invalid, "--fy %d is not a plausible year", fyFlag)
		}
		fy = int64(fyFlag)
	}
	return at, fy, nil
}

// WriteReport prints a report in Chinese for people.
func WriteReport(w io.Writer, r *rules.Report) {
	name := r.Subject.Name
	if name == "" {
		name = r.Subject.ID
	}
	fmt.Fprintf(w, "政策体检：%s（%s，%s，地区 %s）\n评估日期 %s，财政年度 %d\n", name, r.Subject.ID, kindZh(r.Subject.Kind), r.Subject.Region, r.At, r.FiscalYear)
	fmt.Fprintf(w, "可享受 %d 项；需补充信息 %d 项；受限制 %d 项；不重复享受 %d 项；不符合 %d 项\n",
		r.Counts["entitled"], r.Counts["needs_facts"], r.Counts["blocked"], r.Counts["excluded"], r.Counts["not_entitled"])
	section := rules.Outcome(255)
	n := 0
	for _, c := range r.Clauses {
		if c.Outcome != section {
			section = c.Outcome
			fmt.Fprintf(w, "\n【%s】\n", section.Zh())
			n = 0
		}
		n++
		amt := ""
		switch {
		case c.Amount != nil:
			amt = "  " + c.Amount.Text
		case c.Unspecified != "":
			amt = "  金额未定"
		}
		if c.Projected {
			amt += "（预计，待取得证书）"
		}
		fmt.Fprintf(w, "%d. %s（%s）%s\n", n, c.Title, c.Clause, amt)
		fmt.Fprintf(w, "   %s\n", c.Explanation)
		for _, s := range c.Schedule {
			fmt.Fprintf(w, "   %d年：%s\n", s.Year, s.Amount.Text)
		}
	}
	if len(r.Totals) > 0 {
		fmt.Fprintln(w, "\n【合计（按支付方和预算年度）】")
		for _, t := range r.Totals {
			extra := ""
			if t.Unspecified > 0 {
				extra = fmt.Sprintf("，另有 %d 项金额未定", t.Unspecified)
			}
			amt := t.Amount.Text
			if t.Amount.MaxFen == 0 && !t.Amount.Open && t.Unspecified == t.Clauses {
				amt, extra = "金额未定", ""
			}
			fmt.Fprintf(w, "   %s %d年预算：%s（%d 项%s）\n", t.Payer, t.BudgetYear, amt, t.Clauses, extra)
		}
	}
	if len(r.Projected) > 0 {
		fmt.Fprintln(w, "\n【预计（依据认定标准评估，取得证书后兑现，未计入合计）】")
		for _, t := range r.Projected {
			fmt.Fprintf(w, "   %s %d年预算：%s（%d 项）\n", t.Payer, t.BudgetYear, t.Amount.Text, t.Clauses)
		}
	}
	if len(r.Assessments) > 0 {
		fmt.Fprintln(w, "\n【认定标准评估】")
		for _, a := range r.Assessments {
			fmt.Fprintf(w, "   %s：%s%s\n", a.Title, a.VerdictZh(), scoreText(a.Score))
		}
	}
}

func scoreText(s *rules.ScoreResult) string {
	switch {
	case s == nil:
		return ""
	case s.Min == s.Max:
		return fmt.Sprintf("（评分%d分，需%s）", s.Min, s.Pass)
	}
	return fmt.Sprintf("（评分%d–%d分，需%s）", s.Min, s.Max, s.Pass)
}

func kindZh(k string) string {
	if t, ok := facts.TermOf("subject_kind", k); ok {
		return t.Zh
	}
	return k
}
