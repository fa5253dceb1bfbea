package cli

import (
	"fmt"
	"strings"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/pool"
	psvc "kechuang/internal/pool/service"
	"kechuang/internal/store"
)

const poolsHelp = `
kechuang pools --db PATH|URL [--jurisdiction CODE] [--pool ID [--top N]] [--json]

Lists the cultivation pools (培育库) of the policy library in force — every
pool of the documents, or those concerning --jurisdiction (a GB/T 2260 code)
— with the sentence that sets each up, its criteria (quoted, or marked 地方配置
when the document leaves them to the bureau), its approval steps, the money
clause admission triggers and how many memberships stand in each state.

With --pool, the pool's candidates among the stored subjects (of
--jurisdiction when given): subjects not in the pool and not graduated,
measured against its criteria at the date of their facts and ranked —
admissible, awaiting a person's judgement, awaiting facts, then by distance
from the national standard — the first --top with what each lacks.
Memberships are kept and acted on in the web console (培育库) or the API.`

func runPools(e *env, args []string) error {
	fs := newFlags("pools", poolsHelp, e)
	dsn := fs.String("db", "", "database")
	jur := fs.String("jurisdiction", "", "GB/T 2260 code: the pools concerning it, and its candidates")
	id := fs.String("pool", "", "a pool's id (e.g. fx_hte_pool): its ranked candidates")
	top := fs.Int("top", 20, "candidates shown")
	asJSON := fs.Bool("json", false, "write JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dsn == "" || *top < 1 {
		return errs.E(errs.Invalid, "give --db (and --top of 1 or more)")
	}
	db, err := store.Open(e.ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, eng, err := activeEngine(e.ctx, db)
	if err != nil {
		return err
	}
	// The command runs with the operator's full reach, or a jurisdiction's.
	u := auth.User{ID: "kechuang pools", Role: auth.Admin}
	if *jur != "" {
		u = auth.User{ID: "kechuang pools", Role: auth.Staff, Jurisdiction: *jur}
		if err := u.Validate(); err != nil {
			return err
		}
	}
	svc := &psvc.Service{Engine: eng, Store: db}
	if *id != "" {
		return poolCandidates(e, svc, u, *id, *top, *asJSON)
	}
	infos, err := svc.Pools(e.ctx, u)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, infos)
	}
	w := e.stdout
	for _, in := range infos {
		fmt.Fprintf(w, "%s（%s）\n  依据：《%s》%s：“%s”\n", in.Title, in.ID, in.Doc.Title, in.Citation.Section, in.Citation.Quote)
		if !in.InForce {
			fmt.Fprintf(w, "  文件有效期至 %s，已停止入库\n", in.Doc.ValidTo)
		}
		for _, c := range in.Criteria {
			basis := "地方配置：" + c.Local
			if !c.IsLocal() {
				basis = c.Citation.Section + "：“" + c.Citation.Quote + "”"
			}
			fmt.Fprintf(w, "  入库标准 %s：%s\n", c.Title, basis)
		}
		if in.Standard != "" {
			fmt.Fprintf(w, "  对照国家认定标准 %s：可计算的条件最多差 %d 项\n", in.Standard, in.Within)
		}
		var steps []string
		for _, st := range in.Steps {
			steps = append(steps, st.Title)
		}
		fmt.Fprintf(w, "  审批程序：%s\n", strings.Join(steps, " → "))
		if in.Clause != "" {
			fmt.Fprintf(w, "  入库触发资金条款：%s\n", in.Clause)
		}
		var counts []string
		for _, st := range pool.States {
			if n := in.Counts[st]; n > 0 {
				counts = append(counts, fmt.Sprintf("%s %d", st.Zh(), n))
			}
		}
		if len(counts) == 0 {
			counts = []string{"尚无入库记录"}
		}
		fmt.Fprintf(w, "  名单：%s\n\n", strings.Join(counts, "，"))
	}
	return nil
}

func poolCandidates(e *env, svc *psvc.Service, u auth.User, id string, top int, asJSON bool) error {
	cands, counts, err := svc.Candidates(e.ctx, u, id, top)
	if err != nil {
		return err
	}
	if asJSON {
		total := map[string]int{}
		for k, n := range counts {
			total[k.String()] = n
		}
		return writeJSON(e.stdout, map[string]any{"pool": id, "counts": total, "candidates": cands})
	}
	p, _ := svc.Engine.PoolByID(id)
	w := e.stdout
	n := 0
	for _, k := range counts {
		n += k
	}
	fmt.Fprintf(w, "%s 候选企业 %d 家（符合入库标准 %d，待人工判断 %d，缺少事实 %d，不符合 %d），前 %d 名：\n", p.Title, n,
		counts[0], counts[1], counts[2], counts[3], len(cands))
	for i, c := range cands {
		fmt.Fprintf(w, "%3d. %s（%s，%s）%s", i+1, c.Subject.Name, c.Subject.ID, c.At, c.Check.Admission.Zh())
		if p.Standard != "" {
			fmt.Fprintf(w, "，差距 %d 项", c.Check.Distance)
		}
		fmt.Fprintln(w)
		for _, l := range c.Check.Lacks {
			fmt.Fprintf(w, "       不满足：%s\n", l)
		}
		if len(c.Check.Review) > 0 {
			fmt.Fprintf(w, "       待人工判断：%s\n", strings.Join(c.Check.Review, "、"))
		}
		if len(c.Check.Missing) > 0 {
			fmt.Fprintf(w, "       缺少数据：%s\n", strings.Join(c.Check.Missing, "、"))
		}
	}
	return nil
}
