package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"kechuang"
	"kechuang/internal/auth"
	"kechuang/internal/demo"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/fulfil"
	"kechuang/internal/fulfil/service"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/project"
	prsvc "kechuang/internal/project/service"
	"kechuang/internal/rules"
	"kechuang/internal/store"
	"slices"
	"time"
)

const demoHelp = `
kechuang demo [--subjects N] [--seed S] [--db PATH|URL] [--policies DIR]

Generates a deterministic demonstration population (演示数据): enterprises,
institutes and people across 武威, 肥乡, 泰安 and 临沂, built from the policy
library's own test cases so that every clause has subjects who are entitled
and subjects who just miss; later subjects vary the figures. The same seed
gives the same population.

Without --db it writes one facts document (JSON, docs/facts.md) per line to
standard output. With --db (a SQLite file path or a postgres:// URL) it stores
the policy library (checked, as kechuang policy upload, and put in force) and
every subject as a facts version (source "demo").`

func runDemo(e *env, args []string) error {
	fs0 := newFlags("demo", demoHelp, e)
	n := fs0.Int("subjects", 1000, "number of subjects")
	seed := fs0.Uint64("seed", 1, "random seed")
	dsn := fs0.String("db", "", "store the population in this database instead of printing it")
	dir := fs0.String("policies", "", "policy directory (default: the bundled library)")
	if err := parse(fs0, args); err != nil {
		return err
	}
	if *n < 1 || *n > 10_000_000 {
		return errs.E(errs.Invalid, "--subjects must be between 1 and 10000000, not %d", *n)
	}
	eng, err := loadEngine(e, *dir)
	if err != nil {
		printErrs(e.stderr, err)
		return exitError{1}
	}
	docs, err := demo.Generate(eng, *n, *seed)
	if err != nil {
		return err
	}
	if *dsn == "" {
		for _, d := range docs {
			e.stdout.Write(d)
			e.stdout.Write([]byte{'\n'})
		}
		return nil
	}
	ctx := context.Background()
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	pv, _, err := uploadPolicies(e, db, *dir, "kechuang demo", "policy library loaded with the demo data")
	if err != nil {
		return err
	}
	for _, d := range docs {
		if _, err := db.PutFacts(ctx, d, store.Entry{Source: "demo", By: "kechuang demo", Note: fmt.Sprintf("seed %d", *seed)}); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.stdout, "stored %d demo subjects and policy library version %d in %s\n", len(docs), pv, *dsn)
	return nil
}

// policyFiles reads the policy library's files (YAML and source texts) for
// storing: the bundled library, or DIR.
func policyFiles(e *env, dir string) (store.PolicyFiles, error) {
	if dir == "" {
		dir = e.getenv("KECHUANG_POLICIES")
	}
	var fsys fs.FS
	if dir == "" {
		sub, err := fs.Sub(kechuang.Policies, "policies")
		if err != nil {
			return nil, err
		}
		fsys = sub
	} else {
		fsys = os.DirFS(dir)
	}
	out := store.PolicyFiles{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".txt") || strings.HasSuffix(p, ".md") {
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			out[p] = b
		}
		return nil
	})
	return out, err
}

// demoAccount is an account serve --demo creates.
type demoAccount struct {
	auth.User
	note string
}

// demoStaff are the bureau accounts of the demo: each jurisdiction's S&T
// bureau, a second department and the finance bureau of 武威 (to show
// department scoping), a county officer, and an administrator.
var demoStaff = []demoAccount{
	{auth.User{ID: "admin", Role: auth.Admin}, "管理员：全部辖区"},
	{auth.User{ID: "ww-kjj", Role: auth.Staff, Jurisdiction: "620600", Department: "市科技局"}, "武威市科技局：武威全市"},
	{auth.User{ID: "ww-scjgj", Role: auth.Staff, Jurisdiction: "620600", Department: "市市场监管局"}, "武威市市场监管局：只导出本部门负责的条款"},
	{auth.User{ID: "ww-kjj2", Role: auth.Staff, Jurisdiction: "620600", Department: "市科技局"}, "武威市科技局第二人：复核（复核须由初审以外的人员办理）"},
	{auth.User{ID: "ww-czj", Role: auth.Finance, Jurisdiction: "620600", Department: "市财政局"}, "武威市财政局：资金盘子、拨付批次、到账确认"},
	{auth.User{ID: "lz-kjj", Role: auth.Staff, Jurisdiction: "620602", Department: "市科技局"}, "凉州区：只看本区"},
	{auth.User{ID: "fx-kgxj", Role: auth.Staff, Jurisdiction: "130407", Department: "区科技和工业信息化局"}, "邯郸市肥乡区"},
	{auth.User{ID: "ta-kjj", Role: auth.Staff, Jurisdiction: "370900", Department: "市科技局"}, "泰安市科技局"},
	{auth.User{ID: "ly-kjj", Role: auth.Staff, Jurisdiction: "371300", Department: "市科技局"}, "临沂市科技局"},
}

// demoEnterprises names the enterprise account of each jurisdiction.
var demoEnterprises = []struct{ id, region, name string }{
	{"ww-qiye", "6206", "武威"}, {"fx-qiye", "130407", "肥乡"}, {"ta-qiye", "3709", "泰安"}, {"ly-qiye", "3713", "临沂"},
}

// seedDemo stores n demo subjects when the database holds none, and makes
// the demo accounts that are missing; it prints the accounts.
func seedDemo(e *env, db *store.DB, eng *rules.Engine, n int) error {
	ctx := e.ctx
	rows, err := db.Subjects(ctx, store.Filter{Limit: 1})
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		docs, err := demo.Generate(eng, n, 1)
		if err != nil {
			return err
		}
		if _, err := db.PutFactsBatch(ctx, docs, store.Entry{Source: "demo", By: "kechuang serve --demo", Note: "seed 1"}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "stored %d demo subjects\n", len(docs))
	}
	accounts := slices.Clone(demoStaff)
	ev := eng.NewEvaluator()
	for _, de := range demoEnterprises {
		// The enterprise of the jurisdiction entitled to the most clauses, for a telling 政策体检.
		best, bestN := "", -1
		name := ""
		err := db.EachFacts(ctx, store.Filter{Region: de.region, Kind: "enterprise"}, func(f *facts.Facts) error {
			at, err := policy.ParseDate(f.AsOf)
			if err != nil {
				at = today()
			}
			k := 0
			for _, d := range ev.Decide(f, at, int64(at.Year())) {
				if d.Outcome == rules.Entitled {
					k++
				}
			}
			if k > bestN {
				best, bestN, name = f.Subject.ID, k, f.Subject.Name
			}
			return nil
		})
		if err != nil {
			return err
		}
		if best != "" {
			accounts = append(accounts, demoAccount{auth.User{ID: de.id, Role: auth.Enterprise, Subject: best}, de.name + "企业：" + name})
		}
	}
	if err := seedFulfilment(e, db, eng); err != nil {
		return err
	}
	if err := seedChallenges(e, db, eng); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo accounts (password %s — a local demonstration only):\n", demoPassword)
	for _, a := range accounts {
		err := db.CreateUser(ctx, a.User, demoPassword, "kechuang serve --demo")
		if err != nil && errs.KindOf(err) != errs.Conflict {
			return err
		}
		fmt.Fprintf(e.stdout, "  %-10s %-10s %s\n", a.ID, a.Role, a.note)
	}
	return nil
}

// demoAuto are the clauses the demo sets to 免申即享: awards for a
// recognition or a certificate, whose facts come from the issuing authority.
var demoAuto = []string{"ww-hte-new", "ww-specialized-sme-province", "ww-sci-innov-province", "ww-sci-innov-city", "fx-hte-new", "ta24-hte-first", "ly-sme-upgrade-hte"}

// seedFulfilment configures the demo's fulfilment once (when no setting is
// stored yet): the 免申即享 clauses, each 武威 payer's envelope for the years
// the demo pays in (one under each overflow rule), and the proposals of the
// first run, so that the staff queue has work to show.
func seedFulfilment(e *env, db *store.DB, eng *rules.Engine) error {
	ctx := e.ctx
	st, err := db.Settings(ctx)
	if err != nil || len(st) > 0 {
		return err
	}
	auto := 0
	for _, id := range demoAuto {
		if _, ok := eng.ClauseByID(id); !ok {
			continue
		}
		auto++
		if err := db.PutSetting(ctx, store.Setting{Scope: "clause:" + id, Route: fulfil.RouteAuto, Workflow: fulfil.DefaultWorkflow(), By: "kechuang serve --demo"}); err != nil {
			return err
		}
	}
	sv := &service.Service{Engine: eng, Store: db}
	rules3 := []fulfil.Rule{fulfil.RankCut, fulfil.ProRata, fulfil.Queue}
	for i, y := range []int64{2023, 2024, 2025, 2026} {
		for _, p := range sv.Payers() {
			e := fulfil.Envelope{Name: fmt.Sprintf("%s %d年度科技专项", p, y), Payer: p, Year: y, Fen: 5_000 * money.Wan, Rule: rules3[i%3]}
			if _, err := db.PutEnvelope(ctx, e, "kechuang serve --demo"); err != nil {
				return err
			}
		}
	}
	ids, err := sv.Propose(ctx, auth.User{ID: "kechuang serve --demo", Role: auth.Admin}, "", 0, 0)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "fulfilment: %d clauses set to 免申即享, envelopes for 2023–2026, %d cases proposed\n", auto, len(ids))
	return nil
}

// seedChallenges puts up the demo's 揭榜挂帅 lists once (when none is
// stored): 泰安市科技局 publishes a challenge under 二（三）6 with a
// deadline four months on, and a call taken all year for 成果转化 projects
// under 二（七）18 (竞争立项 贴息), whose bids are reviewed in batches.
func seedChallenges(e *env, db *store.DB, eng *rules.Engine) error {
	ctx := e.ctx
	cs, err := db.Challenges(ctx, "", false)
	if err != nil || len(cs) > 0 {
		return err
	}
	now := time.Now()
	ta := auth.User{ID: "ta-kjj", Role: auth.Staff, Jurisdiction: "370900"}
	svc := &prsvc.Service{Engine: eng, Store: db}
	lists := []*project.Challenge{
		{Title: "高端装备精密减速器寿命提升", Problem: "精密减速器在重载工况下寿命不足 8000 小时，依赖进口", Indicators: []string{"额定寿命≥20000小时", "传动精度≤1弧分", "国产化率≥90%"},
			Total: 800 * money.Wan, Deadline: now.AddDate(0, 4, 0).In(shanghai).Format("2006-01-02"), EndUser: "泰安某装备制造有限公司", Issuer: "泰安市科技局", Clause: "ta24-challenge"},
		{Kind: "call", Intake: "rolling", ProjectKind: "transfer", Title: "重大科技成果转化项目竞争立项（常年受理）", Problem: "支持重大科技成果在泰安转化落地，对项目贷款给予贴息",
			Indicators: []string{"形成新产品或新工艺", "新增销售收入"}, Total: 500 * money.Wan, Deadline: fmt.Sprintf("%d-12-31", now.In(shanghai).Year()+1),
			Issuer: "泰安市科技局", Clause: "ta24-transfer-interest"},
	}
	published := 0
	for _, c := range lists {
		if _, ok := eng.ClauseByID(c.Clause); !ok {
			continue // a library without 泰安's document
		}
		id, err := svc.Create(ctx, ta, c)
		if err != nil {
			return err
		}
		if _, err := svc.Act(ctx, ta, id, 1, project.ChallengeAct{Act: "publish"}); err != nil {
			return err
		}
		published++
	}
	fmt.Fprintf(e.stdout, "揭榜挂帅: %d lists published by ta-kjj\n", published)
	return nil
}
