package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/ladder"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

// populationLadder prints a jurisdiction's ladder: counts per rung and
// year, the year's flows, ranked candidates per next rung.
func populationLadder(e *env, dsn, jur string, year, years int64, top int, asJSON bool) error {
	if dsn == "" || year < 2000 || year > 2100 || years < 1 || years > 20 {
		return errs.E(errs.Invalid, "--jurisdiction needs --db, --year (2000–2100) and --years 1–20")
	}
	db, err := store.Open(e.ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, eng, err := activeEngine(e.ctx, db)
	if err != nil {
		return err
	}
	var subjects []*facts.Facts
	if err := db.EachFacts(e.ctx, store.Filter{Region: policy.RegionPrefix(jur), Kind: "enterprise"}, func(f *facts.Facts) error {
		subjects = append(subjects, f)
		return nil
	}); err != nil {
		return err
	}
	l, err := ladder.Build(eng, subjects, year-years+1, year)
	if err != nil {
		return errs.E(errs.Invalid, "%v", err)
	}
	if p := l.Reconcile(); len(p) > 0 {
		return errs.E(errs.Internal, "the ladder does not reconcile: %s", strings.Join(p, "；"))
	}
	at, _ := policy.ParseDate(fmt.Sprintf("%04d-12-31", year))
	cands := ladder.Candidates(eng, subjects, at)
	if asJSON {
		type flow struct {
			From, To string
			N        int
		}
		var fl []flow
		for k, n := range l.Flows[year] {
			fl = append(fl, flow{k[0], k[1], n})
		}
		return writeJSON(e.stdout, map[string]any{"jurisdiction": jur, "years": l.Years, "counts": l.Counts, "flows": fl, "candidates": cands})
	}
	w := e.stdout
	rungs := append([]string{ladder.None}, rules.Rungs...)
	fmt.Fprintf(w, "梯次培育：%s（%d 家企业）\n\n【各梯队年末数量】\n%-16s", jur, len(subjects), "梯队")
	for _, y := range l.Years {
		fmt.Fprintf(w, "%8d", y)
	}
	fmt.Fprintln(w)
	for _, r := range rungs {
		fmt.Fprintf(w, "%-16s", ladder.RungZh(r))
		for _, y := range l.Years {
			fmt.Fprintf(w, "%8d", l.Counts[y][r])
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\n【%d年流动】（与年末数量核对一致）\n", year)
	moved := 0
	for _, from := range rungs {
		for _, to := range rungs {
			if n := l.Flows[year][[2]string{from, to}]; n > 0 {
				fmt.Fprintf(w, "   %s → %s：%d\n", ladder.RungZh(from), ladder.RungZh(to), n)
				moved += n
			}
		}
	}
	if moved == 0 {
		fmt.Fprintln(w, "   无")
	}
	for _, r := range rules.Rungs {
		list := cands[r]
		if len(list) == 0 {
			continue
		}
		title := "【" + ladder.RungZh(r) + " 候选】"
		if r == "high_tech_enterprise" {
			title = "【小升高与高新技术企业候选】"
		}
		fmt.Fprintf(w, "\n%s共 %d 家，按接近程度排列\n", title, len(list))
		for i, c := range list[:min(top, len(list))] {
			name := c.Subject.Name
			if name == "" {
				name = c.Subject.ID
			}
			fmt.Fprintf(w, "%3d. %s（%s，现为%s）%s", i+1, name, c.Subject.ID, ladder.RungZh(c.From), verdictZh[c.Verdict.String()])
			if len(c.Lacks) > 0 {
				fmt.Fprintf(w, "；不满足：%s", strings.Join(c.Lacks, "；"))
			}
			if len(c.Missing) > 0 {
				fmt.Fprintf(w, "；缺少数据：%s", strings.Join(c.Missing, "、"))
			}
			fmt.Fprintln(w)
		}
	}
	return nil
}

var verdictZh = map[string]string{"qualifies": "符合条件", "needs_review": "待专家评审", "needs_facts": "待补充数据", "not_qualified": "尚不符合"}

const ladderHelp = `
kechuang ladder --facts FILE [--at YYYY-MM-DD] [--json] [--policies DIR]
kechuang ladder --db PATH|URL --jurisdiction CODE --year Y [--years N] [--top N] [--json]

Places an enterprise on the ladder (梯次培育: 科技型中小企业 → 创新型中小企业 →
高新技术企业 → 专精特新中小企业 → 专精特新“小巨人”): the statuses it holds (recorded
certificates in force at --at), the next rung, and the national standard's
assessment for it — qualifies, does not qualify (every failing condition with
its figure), needs review (what experts must still judge, with the score range
still reachable) or needs facts. It flags 小升高 candidates: 科技型中小企业 that
meet or nearly meet the 高新技术企业 conditions. Every standard encoded is
assessed and listed. --at defaults to the facts file's as_of; the standards
read the last fiscal year closed at --at ("最近一年").

With --jurisdiction, the ladder of a jurisdiction's stored subjects (GB/T 2260
code: the division and everything under it) with the policy library in force:
how many stand on each rung at the end of each of the --years years up to Y
(the highest rung each holds a certificate for), the flows between rungs in
Y (which reconcile with the counts: they are checked), and for each next rung
the --top closest candidates at the end of Y, ranked (qualifying, then awaiting
expert review, then fewest conditions failed), with what each lacks; the
小升高 list is the candidates for 高新技术企业 from 科技型中小企业.`

func runLadder(e *env, args []string) error {
	fs := newFlags("ladder", ladderHelp, e)
	sf := addSubjectFlags(fs)
	dsn := fs.String("db", "", "database (with --jurisdiction)")
	jur := fs.String("jurisdiction", "", "GB/T 2260 code: the ladder of its stored subjects")
	year := fs.Int("year", 0, "the last year shown (with --jurisdiction)")
	years := fs.Int("years", 4, "how many years of counts")
	top := fs.Int("top", 10, "candidates shown per rung")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *jur != "" {
		return populationLadder(e, *dsn, *jur, int64(*year), int64(*years), *top, *sf.json)
	}
	f, at, _, eng, err := sf.load(e, fs, 0)
	if err != nil {
		return err
	}
	l := eng.NewEvaluator().Ladder(f, at)
	if *sf.json {
		return writeJSON(e.stdout, l)
	}
	WriteLadder(e.stdout, l)
	return nil
}

var stateMark = map[string]string{"met": "✓", "failed": "✗", "unknown": "？", "review": "◇"}

// WriteLadder prints a ladder report in Chinese.
func WriteLadder(w io.Writer, l *rules.Ladder) {
	name := l.Subject.Name
	if name == "" {
		name = l.Subject.ID
	}
	fmt.Fprintf(w, "梯次培育：%s（%s，地区 %s），评估日期 %s\n", name, l.Subject.ID, l.Subject.Region, l.At)
	fmt.Fprintln(w, "\n【现有资格】")
	if len(l.Held) == 0 {
		fmt.Fprintln(w, "   无有效认定记录")
	}
	for _, h := range l.Held {
		fmt.Fprintf(w, "   %s：%s 认定，有效期至 %s（记录 %s）\n", h.StatusZh, h.Date, h.ValidUntil, h.Record)
	}
	if l.Renewal != nil {
		fmt.Fprintf(w, "\n【重新认定】%s资格一年内到期\n", l.Renewal.StatusZh)
		writeAssessment(w, l.Renewal)
	}
	fmt.Fprintln(w, "\n【下一级】")
	switch {
	case l.Next == "":
		fmt.Fprintln(w, "   已处于梯队最高一级")
	case !l.NextPack:
		fmt.Fprintf(w, "   %s：该认定标准尚未编入标准包，无法评估\n", l.NextZh)
	default:
		fmt.Fprintf(w, "   %s\n", l.NextZh)
		writeAssessment(w, l.NextResult)
	}
	if len(l.NearMisses) > 0 {
		fmt.Fprintln(w, "\n【差距】")
		for _, n := range l.NearMisses {
			fmt.Fprintf(w, "   - %s\n", n)
		}
	}
	if len(l.Skipped) > 0 {
		fmt.Fprintf(w, "   （%s：认定标准尚未编入标准包，未评估）\n", strings.Join(l.Skipped, "、"))
	}
	if l.HighTech != nil && l.NextResult != l.HighTech {
		fmt.Fprintln(w, "\n【小升高：高新技术企业】")
		writeAssessment(w, l.HighTech)
	}
	if l.XiaoShengGao {
		fmt.Fprintln(w, "\n【小升高】科技型中小企业已满足或接近高新技术企业认定条件，建议纳入高企培育库跟踪。")
	}
	fmt.Fprintln(w, "\n【全部认定标准评估】")
	for _, a := range l.Assessments {
		route := ""
		switch {
		case a.Route != "" && a.Verdict == rules.Qualifies:
			route = "（直接确认：" + a.Route + "）"
		case a.Route != "":
			route = "（直接确认条件 " + a.Route + " 已满足，但基本条件尚未全部满足）"
		}
		fmt.Fprintf(w, "   %s：%s%s%s\n", a.Title, a.VerdictZh(), scoreText(a.Score), route)
	}
	fmt.Fprintf(w, "\n%s\n", l.Explanation)
}

func writeAssessment(w io.Writer, a *rules.Assessment) {
	fmt.Fprintf(w, "   依据：%s（%s）\n", a.Document, a.DocumentID)
	fmt.Fprintf(w, "   结论：%s%s\n", a.Verdict.Zh(), scoreText(a.Score))
	condLine := func(c rules.ConditionResult, mark string) {
		line := fmt.Sprintf("   %s %s（%s）", mark, c.Title, c.Section)
		if c.Measure != "" {
			line += "  " + c.Measure
		}
		if c.Detail != "" {
			line += "  " + c.Detail
		}
		fmt.Fprintln(w, line)
	}
	for _, c := range a.Conditions {
		st, _ := json.Marshal(c.State)
		condLine(c, stateMark[strings.Trim(string(st), `"`)])
	}
	if len(a.Routes) > 0 {
		fmt.Fprintln(w, "   直接确认（满足其一即可，不看评分）：")
		for _, c := range a.Routes {
			st, _ := json.Marshal(c.State)
			mark := stateMark[strings.Trim(string(st), `"`)]
			if mark == "✗" {
				mark, c.Detail = "·", "" // an alternative not taken, not a failure
			}
			condLine(c, mark)
		}
	}
	if s := a.Score; s != nil {
		for _, g := range s.Groups {
			need := ""
			if g.Need > 0 {
				need = fmt.Sprintf("，需不低于%d分", g.Need)
			}
			fmt.Fprintf(w, "   · %s %s（满分%d%s）\n", g.Title, rangeText(g.Min, g.Max), g.Of, need)
			for _, it := range g.Items {
				extra := ""
				if it.Band != "" {
					extra += " " + it.Band + "档"
				}
				if it.Basis != "" {
					extra += " 按" + it.Basis
				}
				if it.Measure != "" {
					extra += " " + it.Measure
				}
				fmt.Fprintf(w, "       %s %s/%d%s（%s）\n", it.Title, rangeText(it.Min, it.Max), it.Of, extra, howZh[it.How])
			}
		}
	}
	if len(a.Missing) > 0 {
		fmt.Fprintf(w, "   需补充：%s\n", strings.Join(a.Missing, "、"))
	}
	if a.ValidUntil != "" {
		fmt.Fprintf(w, "   如获认定，有效期至 %s\n", a.ValidUntil)
	}
	if a.SourceStatus == "secondary" {
		fmt.Fprintln(w, "   注：标准文本为转录本（policies/source/national/ORIGIN.md），引文以官方发布文本为准")
	}
}

var howZh = map[string]string{"computed": "按数据计算", "assessed": "已录入评审结果", "expert": "待专家评审", "unknown": "缺数据"}

func rangeText(lo, hi int) string {
	if lo == hi {
		return fmt.Sprintf("%d分", lo)
	}
	return fmt.Sprintf("%d–%d分", lo, hi)
}
