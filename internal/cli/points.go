package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/score"
	"kechuang/internal/sheet"
	"kechuang/internal/store"
)

const pointsHelp = `
kechuang points --db PATH|URL --year Y [--region CODE] [--industry CODE] [--set FILE.yaml]
                [--weights id=w,…] [--at YYYY-MM-DD] [--out FILE.xlsx|FILE.csv] [--top N]

企业创新积分制: scores the stored subjects of a cohort — the region (a GB/T
2260 code: the division and everything under it) and the industry (a GB/T 4754
code or prefix) — for year Y with an indicator set (default: the built-in set,
a LOCAL CONFIGURATION that no policy document prescribes; print it with
--print-set), and ranks them. Each indicator's contribution is shown; the
scores are exact and do not depend on the order of the subjects. --weights
re-weights indicators by id without re-reading facts. --out writes the ranked
list for financial institutions (创新积分贷名单) as .xlsx or CSV.

With --eligible (a CEL condition over the facts, e.g. "last.rd_expense >=
wan(100)"), publishes a 榜单 instead: --name, its --method in words, the
eligible subjects ranked by the indicator set, the first --top; and compares
it with the same list for the year before (新上榜, 上升/下降, 落榜).`

func runPoints(e *env, args []string) error {
	fs0 := newFlags("points", pointsHelp, e)
	dsn := fs0.String("db", "", "database: a SQLite file path or a postgres:// URL")
	year := fs0.Int("year", 0, "scoring year (年度)")
	regionFlag := fs0.String("region", "", "GB/T 2260 code of the cohort")
	industry := fs0.String("industry", "", "GB/T 4754 code or prefix of the cohort")
	setFile := fs0.String("set", "", "indicator set (YAML); default the built-in one")
	weights := fs0.String("weights", "", "indicator weights, id=w,… (others keep the set's)")
	at := fs0.String("at", "", "evaluation date (default Y-12-31)")
	out := fs0.String("out", "", "write the ranked list (.xlsx or .csv)")
	top := fs0.Int("top", 20, "how many to print")
	printSet := fs0.Bool("print-set", false, "print the built-in indicator set (YAML) and stop")
	eligible := fs0.String("eligible", "", "榜单: the eligibility rule (CEL condition)")
	name := fs0.String("name", "", "榜单: its name")
	method := fs0.String("method", "", "榜单: its method, in words")
	if err := parse(fs0, args); err != nil {
		return err
	}
	if *printSet {
		_, err := e.stdout.Write(score.DefaultYAML())
		return err
	}
	if *dsn == "" || *year < 2000 || *year > 2100 {
		fs0.Usage()
		return exitError{2}
	}
	set := score.DefaultSet()
	if *setFile != "" {
		b, err := os.ReadFile(*setFile)
		if err != nil {
			return errs.At(errs.Pos{File: *setFile}, "cannot read: %v", err)
		}
		if set, err = score.Load(b, *setFile); err != nil {
			return err
		}
	}
	w, err := parseWeights(*weights)
	if err != nil {
		return err
	}
	c, err := score.Compile(set)
	if err != nil {
		return err
	}
	ctx := context.Background()
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var subjects []*facts.Facts
	if err := db.EachFacts(ctx, store.Filter{Region: policy.RegionPrefix(*regionFlag)}, func(f *facts.Facts) error {
		subjects = append(subjects, f)
		return nil
	}); err != nil {
		return err
	}
	if *eligible != "" {
		return publishBoard(e, &score.Board{ID: "board", Name: *name, Method: *method, Eligible: *eligible, Set: set, Top: *top}, subjects, int64(*year), *at, *out)
	}
	m, err := c.Collect(subjects, int64(*year), *at)
	if err != nil {
		return err
	}
	r, err := m.Score(score.Cohort{Region: *regionFlag, Industry: *industry}, w)
	if err != nil {
		return err
	}
	rows := r.Rows()
	fmt.Fprintf(e.stdout, "%s\n%d subjects scored\n", r.Title(), len(rows)-1)
	for i, row := range rows {
		if i > *top {
			break
		}
		fmt.Fprintln(e.stdout, strings.Join(row, "\t"))
	}
	if *out != "" {
		if err := writeSheetFile(*out, sheet.Table{Name: "创新积分", Rows: rows}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %d rows to %s\n", len(rows)-1, *out)
	}
	return nil
}

// parseWeights reads id=w,… into score weights.
func parseWeights(s string) (score.Weights, error) {
	w := score.Weights{}
	if strings.TrimSpace(s) == "" {
		return w, nil
	}
	for _, part := range strings.Split(s, ",") {
		id, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if !ok || id == "" || err != nil || n < 0 {
			return nil, errs.At(errs.Pos{Path: "--weights"}, "%q: write id=weight (a whole number of points), e.g. rd-expense=20", part)
		}
		w[strings.TrimSpace(id)] = n
	}
	return w, nil
}

// publishBoard publishes a 榜单 for year and compares it with the year before.
func publishBoard(e *env, b *score.Board, subjects []*facts.Facts, year int64, at, out string) error {
	prev, err := b.Publish(subjects, year-1, "")
	if err != nil {
		return err
	}
	cur, err := b.Publish(subjects, year, at)
	if err != nil {
		return err
	}
	ch := score.Diff(prev, cur)
	rows := cur.Rows(ch)
	fmt.Fprintf(e.stdout, "%d年 %s\n评选方法：%s\n%d 家符合条件，列前 %d 名；与上年相比：新上榜 %d，落榜 %d，名次变化 %d，持平 %d\n",
		year, b.Name, b.Method, cur.Eligible, len(cur.Entries), len(ch.Entered), len(ch.Left), len(ch.Moved), ch.Kept)
	for _, row := range rows {
		fmt.Fprintln(e.stdout, strings.Join(row, "\t"))
	}
	if out == "" {
		return nil
	}
	return writeSheetFile(out, sheet.Table{Name: "榜单", Rows: rows})
}
