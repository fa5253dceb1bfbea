package cli

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"kechuang/internal/errs"
	"kechuang/internal/match"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

const simulateHelp = `
kechuang simulate --db PATH|URL --reform FILE.yaml [--region CODE] [--at DATE] [--top N]

Reform simulation (改革测算): evaluates every stored subject under the policy
library in force and under the library changed as FILE proposes — a clause's
amount, condition (threshold), cap, payer or budget year changed, a clause
removed, or a new one added (see examples/reforms/) — and prints the
difference: per clause, beneficiaries and money before and after; per payer
and budget year, the cost before, after and the change; the subjects who
gain or lose, largest change first. Only the changed clauses are compiled;
nothing is stored. --region limits the figures to a GB/T 2260 prefix (6206:
武威); --at fixes the evaluation date (default: each subject at the date of
its data).`

func runSimulate(e *env, args []string) error {
	fs0 := newFlags("simulate", simulateHelp, e)
	dsn := fs0.String("db", "", "database: a SQLite file path or a postgres:// URL")
	file := fs0.String("reform", "", "the reform (YAML)")
	regionFlag := fs0.String("region", "", "GB/T 2260 prefix to report on")
	atFlag := fs0.String("at", "", "evaluation date (YYYY-MM-DD)")
	top := fs0.Int("top", 10, "how many changed subjects to list")
	if err := parse(fs0, args); err != nil {
		return err
	}
	if *dsn == "" || *file == "" {
		fs0.Usage()
		return exitError{2}
	}
	var at policy.Date
	if *atFlag != "" {
		d, err := parseDate(*atFlag)
		if err != nil {
			return err
		}
		at = d
	}
	data, err := os.ReadFile(*file)
	if err != nil {
		return errs.At(errs.Pos{File: *file}, "cannot read: %v", err)
	}
	db, err := store.Open(e.ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	pv, base, err := activeEngine(e.ctx, db)
	if err != nil {
		return err
	}
	rf, reformed, err := Reform(base, data, *file)
	if err != nil {
		printErrs(e.stderr, err)
		return exitError{1}
	}
	cmp, err := match.Compare(e.ctx, db, base, reformed, at, 0, pv, func() time.Time { return time.Now().In(shanghai) })
	if err != nil {
		return err
	}
	WriteComparison(e.stdout, rf, cmp, *regionFlag, *top)
	return nil
}

// Reform parses a reform against the library of base and compiles it.
func Reform(base *rules.Engine, data []byte, name string) (*policy.Reform, *rules.Engine, error) {
	rf, err := policy.ParseReform(data, name, base.Files)
	if err != nil {
		return nil, nil, err
	}
	eng, err := base.Reform(rf.Replace, rf.Remove, rf.Add)
	if err != nil {
		return nil, nil, err
	}
	return rf, eng, nil
}

// WriteComparison prints a simulation as text.
func WriteComparison(w io.Writer, rf *policy.Reform, c *match.Comparison, prefix string, top int) {
	fmt.Fprintf(w, "改革测算：%s\n", rf.Title)
	for _, ch := range rf.Changes {
		fmt.Fprintf(w, "  · %s\n", ch)
	}
	scope := "全部主体"
	if prefix != "" {
		scope = "地区 " + prefix
	}
	when := "各主体按其数据截至日期评估"
	if c.Base.At != 0 {
		when = "评估日期 " + c.Base.At.String()
	}
	fmt.Fprintf(w, "范围：%s，%d 个主体；%s。\n\n", scope, c.Base.SubjectsIn(prefix), when)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "条款\t状态\t现行：主体\t金额\t改革后：主体\t金额\t变化")
	for _, ch := range c.Clauses(prefix, rf) {
		st := map[string]string{"changed": "修改", "added": "新增", "removed": "取消", "": "受影响"}[ch.Status]
		fmt.Fprintf(tw, "%s %s\t%s\t%d\t%s\t%d\t%s\t%s\n", ch.ID, ch.Title, st, ch.BaseCount, ch.BaseAmount, ch.ReformCount, ch.ReformAmount, money.Delta(ch.BaseAmount, ch.ReformAmount))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "支付单位\t预算年度\t现行\t改革后\t变化")
	for _, t := range c.Totals(prefix) {
		if t.Base == t.Reform {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", t.Payer, t.BudgetYear, t.Base, t.Reform, money.Delta(t.Base, t.Reform))
	}
	tw.Flush()
	changes, gained, lost := c.Changes(prefix)
	fmt.Fprintf(w, "\n受影响主体 %d 个：新增受益 %d 个，不再受益 %d 个，金额变化 %d 个。\n", len(changes), gained, lost, len(changes)-gained-lost)
	for i, s := range changes {
		if i == top {
			fmt.Fprintf(w, "  …另有 %d 个\n", len(changes)-top)
			break
		}
		fmt.Fprintf(w, "  %s %s（%s）：%s → %s（%s）\n", s.Subject, s.Name, s.Region, s.Base, s.Reform, money.Delta(s.Base, s.Reform))
	}
}
