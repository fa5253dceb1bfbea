package web

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/project"
	prsvc "kechuang/internal/project/service"
	"kechuang/internal/store"
)

// 揭榜挂帅 challenge lists: the public list of challenges and each one with
// its technical indicators, total, deadline, end user, the award its clause
// gives (with the sentence) and the answered questions; signed-in
// enterprises ask; the bureau drafts, publishes, answers, withdraws and
// closes (docs/projects.md).

func (s *Server) challengeSvc() *prsvc.Service {
	return &prsvc.Service{Engine: s.Engine, Store: s.Store, Now: s.Now}
}

type challengesData struct {
	Region       string
	Challenges   []*project.Challenge
	Staff        bool
	Clauses      [][2]string // award clauses of the account's jurisdiction (id, title), for the form: 揭榜挂帅 first
	ProjectKinds []string    // what a granted project may be recorded as, besides 揭榜挂帅项目
	Error        string
}

func (s *Server) challengeList(q *req) error {
	return s.showChallenges(q, http.StatusOK, "")
}

func (s *Server) showChallenges(q *req, status int, msg string) error {
	region := q.r.URL.Query().Get("region")
	staff := q.user != nil && (q.user.Role == auth.Staff || q.user.Role == auth.Admin)
	if region == "" && q.user != nil && q.user.Jurisdiction != "" {
		region = q.user.Jurisdiction
	}
	cs, err := s.challengeSvc().List(q.r.Context(), q.user, region)
	if err != nil {
		return err
	}
	d := challengesData{Region: region, Challenges: cs, Staff: staff, Error: msg}
	if staff {
		var rest [][2]string
		for _, c := range s.Engine.Clauses {
			if c.Kind == "limit" || !(q.user.Role == auth.Admin || auth.Reaches(q.user.Jurisdiction, c.Doc.Jurisdiction)) {
				continue
			}
			if slices.Contains(c.Tags, "揭榜挂帅") {
				d.Clauses = append(d.Clauses, [2]string{c.ID, c.Title})
			} else {
				rest = append(rest, [2]string{c.ID, c.Title})
			}
		}
		d.Clauses = append(d.Clauses, rest...)
		d.ProjectKinds = []string{"transfer", "sti_plan", "key_tech", "consortium", "national_major_special"}
	}
	return s.render(q, status, "challenges", q.lang.T("chal.title"), "challenges", d)
}

// challengeCreate drafts a challenge from the list page's form.
func (s *Server) challengeCreate(q *req) error {
	if q.user.Role != auth.Staff && q.user.Role != auth.Admin {
		return errs.E(errs.Permission, "榜单由科技部门工作人员发布")
	}
	f := q.r.PostForm
	total, err := money.Parse(strings.TrimSpace(f.Get("total")))
	if err != nil {
		return s.showChallenges(q, http.StatusUnprocessableEntity, fmt.Sprintf("科技投入总额 %q 看不懂：写成 500万元", f.Get("total")))
	}
	var inds []string
	for _, line := range strings.Split(f.Get("indicators"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			inds = append(inds, line)
		}
	}
	c := &project.Challenge{Title: strings.TrimSpace(f.Get("title")), Problem: strings.TrimSpace(f.Get("problem")), Indicators: inds, Total: total,
		Deadline: strings.TrimSpace(f.Get("deadline")), EndUser: strings.TrimSpace(f.Get("end_user")), Issuer: strings.TrimSpace(f.Get("issuer")),
		Clause: f.Get("clause"), Kind: f.Get("kind"), Intake: f.Get("intake"), Level: f.Get("level"), ProjectKind: f.Get("project_kind"), Lump: f.Get("lump") == "yes"}
	id, err := s.challengeSvc().Create(q.r.Context(), *q.user, c)
	if err != nil {
		if k := errs.KindOf(err); k == errs.Internal || k == errs.Permission {
			return err
		}
		return s.showChallenges(q, errs.HTTPStatus(errs.KindOf(err)), errText(err))
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/challenges/%d", id), http.StatusSeeOther)
	return nil
}

type challengeData struct {
	C           *project.Challenge
	Award       *project.Amount
	History     []store.ChallengeEvent
	Staff       bool
	CanAsk      bool
	CanBid      bool
	Bids        []*project.Bid
	Categories  []string // budget categories the form asks for
	Attachments []string
	Pairs       []reviewPair // the review's assigned pairs (staff)
	Pending     []reviewPair // those without a sheet yet
	Rubric      string       // the review form's starting rubric
	Book        string       // the grant form's starting task book
	Elig        []eligRow    // the gates an enterprise's application would meet (before it bids)
	Me          string       // the enterprise account's subject: its projects link to their pages
	Done        string
	Error       string
}

// eligRow is one gate an application would meet, with what it found.
type eligRow struct {
	Title, Doc, Section, Quote string
	Outcome                    string // blocked, not_blocked, needs_facts
	Reasons                    []string
}

// bidCategories are the budget categories the bid form asks for (预算科目).
var bidCategories = []string{"设备费", "材料费", "测试化验加工费", "劳务费", "差旅会议费", "其他"}

func (s *Server) challengePage(q *req) error {
	return s.showChallenge(q, http.StatusOK, q.r.URL.Query().Get("done"), "")
}

func (s *Server) showChallenge(q *req, status int, done, msg string) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.E(errs.NotFound, "没有编号为 %q 的榜单", q.r.PathValue("id"))
	}
	svc := s.challengeSvc()
	c, hist, err := svc.Get(q.r.Context(), q.user, id)
	if err != nil {
		return err
	}
	d := challengeData{C: c, History: hist, Done: done, Error: msg}
	d.Staff = q.user != nil && (q.user.Role == auth.Admin || q.user.Role == auth.Staff && policy.Covers(q.user.Jurisdiction, c.Region))
	d.CanAsk = q.user != nil && (q.user.Role == auth.Enterprise) && c.State == project.Published
	if a, err := svc.Award(c); err == nil {
		d.Award = &a
	}
	d.Categories, d.Attachments = bidCategories, project.DefaultAttachments
	if q.user != nil && (d.Staff || q.user.Role == auth.Enterprise) {
		if d.Bids, err = svc.Bids(q.r.Context(), *q.user, id); err != nil {
			return err
		}
	}
	d.CanBid = d.CanAsk && len(d.Bids) == 0
	if d.CanBid {
		f, _, err := s.Store.Facts(q.r.Context(), q.user.Subject)
		if err != nil {
			return err
		}
		checks, _ := project.Eligibility(s.Engine, f, c, project.Today(s.now()))
		for _, g := range checks {
			d.Elig = append(d.Elig, eligRow{Title: g.Gate.Title, Doc: g.Gate.Doc.Title, Section: g.Gate.Citation.Section, Quote: g.Gate.Citation.Quote, Outcome: g.Outcome, Reasons: g.Reasons})
		}
	}
	if q.user != nil && q.user.Role == auth.Enterprise {
		d.Me = q.user.Subject
	}
	if d.Staff {
		leads := map[string]string{}
		for _, b := range d.Bids {
			leads[b.ID] = cmp.Or(b.LeadName, b.Lead)
		}
		d.Pairs, d.Rubric = reviewPairs(c, leads), defaultRubric
		d.Book = defaultBook(s.now())
		for _, p := range d.Pairs {
			if !p.In {
				d.Pending = append(d.Pending, p)
			}
		}
	}
	return s.render(q, status, "challenge", c.Title, "challenges", d)
}

func (s *Server) challengeAct(q *req) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.E(errs.NotFound, "没有编号为 %q 的榜单", q.r.PathValue("id"))
	}
	f := q.r.PostForm
	v, _ := strconv.Atoi(f.Get("version"))
	idx, _ := strconv.Atoi(f.Get("index"))
	a := project.ChallengeAct{Act: f.Get("act"), Text: f.Get("text"), Index: idx}
	if a.Act == "batch" {
		b, err := s.challengeSvc().CutBatch(q.r.Context(), *q.user, id, v, strings.TrimSpace(f.Get("cutoff")))
		if err != nil {
			if k := errs.KindOf(err); k == errs.Internal || k == errs.NotFound {
				return err
			}
			return s.showChallenge(q, errs.HTTPStatus(errs.KindOf(err)), "", errText(err))
		}
		http.Redirect(q.w, q.r, fmt.Sprintf("/challenges/%d?done=%s", b.ID, url.QueryEscape(fmt.Sprintf("第%d批转入评审", b.Batch))), http.StatusSeeOther)
		return nil
	}
	if _, err := s.challengeSvc().Act(q.r.Context(), *q.user, id, v, a); err != nil {
		if k := errs.KindOf(err); k == errs.Internal || k == errs.NotFound {
			return err
		}
		return s.showChallenge(q, errs.HTTPStatus(errs.KindOf(err)), "", errText(err))
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/challenges/%d?done=%s", id, url.QueryEscape(challengeActZh[a.Act])), http.StatusSeeOther)
	return nil
}

var challengeActZh = map[string]string{"publish": "发榜", "ask": "提问", "answer": "答复", "withdraw": "撤榜", "close": "揭榜截止"}

// challengeBid submits the enterprise's bid from the challenge page's form.
func (s *Server) challengeBid(q *req) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.E(errs.NotFound, "没有编号为 %q 的榜单", q.r.PathValue("id"))
	}
	if q.user.Role != auth.Enterprise {
		return errs.E(errs.Permission, "揭榜由企业或科研单位以本单位账号提交")
	}
	f := q.r.PostForm
	again := func(msg string) error { return s.showChallenge(q, http.StatusUnprocessableEntity, "", msg) }
	team, err := teamForm(f)
	if err != nil {
		return again(err.Error())
	}
	budget, err := budgetForm(f)
	if err != nil {
		return again(err.Error())
	}
	b := &project.Bid{Team: team, Budget: budget}
	if v := strings.TrimSpace(f.Get("interest")); v != "" {
		if b.Interest, err = money.Parse(v); err != nil {
			return again(fmt.Sprintf("贷款利息 %q 看不懂：写成 120万元", v))
		}
	}
	b.Documents = f["attachments"]
	if _, err := s.challengeSvc().Submit(q.r.Context(), *q.user, id, b); err != nil {
		if k := errs.KindOf(err); k == errs.Internal || k == errs.NotFound || k == errs.Permission {
			return err
		}
		return s.showChallenge(q, errs.HTTPStatus(errs.KindOf(err)), "", errText(err))
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/challenges/%d?done=%s#bids", id, url.QueryEscape("揭榜")), http.StatusSeeOther)
	return nil
}

// teamForm reads a team from a form: the lead (lead_name, lead_age,
// lead_title, lead_id) and the members a line each, “姓名,年龄,职称[,人员编号]”.
func teamForm(f url.Values) ([]project.Member, error) {
	member := func(id, name, age, title, role string) (project.Member, error) {
		n, err := strconv.Atoi(strings.TrimSpace(age))
		if err != nil {
			return project.Member{}, fmt.Errorf("%s的年龄 %q 不是数字", name, age)
		}
		if id = strings.TrimSpace(id); id == "" {
			id = strings.TrimSpace(name) // no registry id given: the declared name stands for the person
		}
		return project.Member{Person: id, Name: strings.TrimSpace(name), Age: n, Title: strings.TrimSpace(title), Role: role}, nil
	}
	lead, err := member(f.Get("lead_id"), f.Get("lead_name"), f.Get("lead_age"), f.Get("lead_title"), "lead")
	if err != nil {
		return nil, err
	}
	team := []project.Member{lead}
	for i, line := range strings.Split(f.Get("members"), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		parts := strings.Split(strings.ReplaceAll(line, "，", ","), ",")
		if len(parts) < 3 {
			return nil, fmt.Errorf("团队成员第%d行应为“姓名,年龄,职称[,人员编号]”", i+1)
		}
		pid := ""
		if len(parts) > 3 {
			pid = parts[3]
		}
		m, err := member(pid, parts[0], parts[1], parts[2], "member")
		if err != nil {
			return nil, err
		}
		team = append(team, m)
	}
	return team, nil
}

// budgetForm reads a budget from a form: budget_设备费 … and indirect.
func budgetForm(f url.Values) (project.BidBudget, error) {
	b := project.BidBudget{Categories: map[string]money.Fen{}, Equipment: "设备费"}
	for _, c := range bidCategories {
		v := strings.TrimSpace(f.Get("budget_" + c))
		if v == "" {
			continue
		}
		fen, err := money.Parse(v)
		if err != nil {
			return b, fmt.Errorf("%s %q 看不懂：写成 100万元", c, v)
		}
		b.Categories[c] = fen
	}
	if v := strings.TrimSpace(f.Get("indirect")); v != "" {
		var err error
		if b.Indirect, err = money.Parse(v); err != nil {
			return b, fmt.Errorf("间接费用 %q 看不懂：写成 90万元", v)
		}
	}
	return b, nil
}

// defaultRubric is the rubric the review form starts from: a local
// configuration (the documents name no items), edited per challenge.
const defaultRubric = "tech,技术方案与指标可达性,40\nteam,团队与基础条件,30\nbudget,经费预算合理性,15\nuse,应用前景与验收用户意见,15"

// reviewPairs are the assigned (bid, expert) pairs and whether a sheet is in.
type reviewPair struct {
	Bid, Lead, Expert string
	In                bool
}

func reviewPairs(c *project.Challenge, leads map[string]string) []reviewPair {
	r := c.Review
	if r == nil || r.Assigned == nil {
		return nil
	}
	var out []reviewPair
	for _, bid := range slices.Sorted(maps.Keys(r.Assigned.Reviewers)) {
		for _, e := range r.Assigned.Reviewers[bid] {
			in := slices.ContainsFunc(r.Sheets, func(s project.Sheet) bool { return s.Expert == e && s.Bid == bid })
			out = append(out, reviewPair{Bid: bid, Lead: leads[bid], Expert: e, In: in})
		}
	}
	return out
}

// challengeReview performs a review step from the challenge page's forms.
func (s *Server) challengeReview(q *req) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return errs.E(errs.NotFound, "没有编号为 %q 的榜单", q.r.PathValue("id"))
	}
	f := q.r.PostForm
	again := func(msg string) error { return s.showChallenge(q, http.StatusUnprocessableEntity, "", msg) }
	lines := func(field string, min int, row string) ([][]string, error) {
		var out [][]string
		for i, line := range strings.Split(f.Get(field), "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			parts := strings.Split(strings.ReplaceAll(line, "，", ","), ",")
			for j := range parts {
				parts[j] = strings.TrimSpace(parts[j])
			}
			if len(parts) < min {
				return nil, fmt.Errorf("第%d行应为“%s”", i+1, row)
			}
			out = append(out, parts)
		}
		return out, nil
	}
	v, _ := strconv.Atoi(f.Get("version"))
	a := project.ReviewAct{Act: f.Get("act")}
	var declared []project.Tie
	per, field := 0, strings.TrimSpace(f.Get("field"))
	switch a.Act {
	case "assign":
		rows, err := lines("rubric", 3, "编号,名称,满分")
		if err != nil {
			return again("评分标准" + err.Error())
		}
		for _, r := range rows {
			max, err := strconv.Atoi(r[2])
			if err != nil {
				return again(fmt.Sprintf("评分项“%s”的满分 %q 不是整数", r[1], r[2]))
			}
			a.Rubric.Items = append(a.Rubric.Items, project.RubricItem{ID: r[0], Name: r[1], Max: max})
		}
		rows, err = lines("experts", 3, "专家编号,姓名,所在单位[,领域;领域]")
		if err != nil {
			return again("评审专家" + err.Error())
		}
		for _, r := range rows {
			e := project.Expert{ID: r[0], Name: r[1], Unit: r[2]}
			if len(r) > 3 && r[3] != "" {
				e.Fields = strings.Split(strings.ReplaceAll(r[3], "；", ";"), ";")
			}
			a.Experts = append(a.Experts, e)
		}
		rows, err = lines("declared", 2, "专家编号,单位或人员编号[,说明]")
		if err != nil {
			return again("回避申报" + err.Error())
		}
		for _, r := range rows {
			src := "专家本人申报"
			if len(r) > 2 && r[2] != "" {
				src += "：" + r[2]
			}
			declared = append(declared, project.Tie{A: r[0], B: r[1], Kind: "declared", Source: src})
		}
		if per, err = strconv.Atoi(strings.TrimSpace(f.Get("per"))); err != nil {
			return again(fmt.Sprintf("每项申报的评审专家人数 %q 不是整数", f.Get("per")))
		}
		if a.Spread, err = strconv.Atoi(strings.TrimSpace(f.Get("spread"))); err != nil {
			return again(fmt.Sprintf("需合议的分差 %q 不是整数", f.Get("spread")))
		}
	case "score":
		bid, expert, _ := strings.Cut(f.Get("pair"), "/")
		a.Sheet = project.Sheet{Bid: bid, Expert: expert, Points: map[string]int{}}
		// the form names each rubric item item_ID; the rubric check names any missing
		for k, vs := range f {
			item, ok := strings.CutPrefix(k, "item_")
			if !ok {
				continue
			}
			raw := strings.TrimSpace(vs[0])
			p, err := strconv.Atoi(raw)
			if err != nil {
				return again(fmt.Sprintf("评分项 %s 的得分 %q 不是整数", item, raw))
			}
			a.Sheet.Points[item] = p
		}
	case "rank":
		if a.Line.Budget, err = money.Parse(strings.TrimSpace(f.Get("budget"))); err != nil {
			return again(fmt.Sprintf("资助资金 %q 看不懂：写成 200万元", f.Get("budget")))
		}
		if a.Line.Pass, err = parseCenti(f.Get("pass")); err != nil {
			return again(fmt.Sprintf("及格分 %q 看不懂：写成 60 或 60.5（0–100）", f.Get("pass")))
		}
		if a.Line.Teams, err = strconv.Atoi(strings.TrimSpace(f.Get("teams"))); err != nil {
			return again(fmt.Sprintf("资助团队数 %q 不是整数（不限写 0）", f.Get("teams")))
		}
	case "publicise":
		a.From, a.To = strings.TrimSpace(f.Get("from")), strings.TrimSpace(f.Get("to"))
	case "grant":
		fen, err := money.Parse(strings.TrimSpace(f.Get("amount")))
		if err != nil {
			return again(fmt.Sprintf("资助金额 %q 看不懂：写成 80万元", f.Get("amount")))
		}
		var shares []int64
		for _, x := range strings.FieldsFunc(f.Get("shares"), func(r rune) bool { return r == ',' || r == '，' || r == ':' || r == '：' || r == ' ' }) {
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return again(fmt.Sprintf("分年度拨付比例 %q 看不懂：写成 4,3,3（40%%、30%%、30%%）", f.Get("shares")))
			}
			shares = append(shares, n)
		}
		book, err := project.ParseMilestones(f.Get("milestones"))
		if err != nil {
			return again("任务书节点" + errText(err))
		}
		if _, _, err := s.challengeSvc().Grant(q.r.Context(), *q.user, id, v, f.Get("bid"), fen, strings.TrimSpace(f.Get("reason")), shares, book); err != nil {
			if k := errs.KindOf(err); k == errs.Internal || k == errs.NotFound || k == errs.Permission {
				return err
			}
			return s.showChallenge(q, errs.HTTPStatus(errs.KindOf(err)), "", errText(err))
		}
		http.Redirect(q.w, q.r, fmt.Sprintf("/challenges/%d?done=%s#review", id, url.QueryEscape("立项资助")), http.StatusSeeOther)
		return nil
	}
	if _, err := s.challengeSvc().Review(q.r.Context(), *q.user, id, v, a, declared, per, field); err != nil {
		if k := errs.KindOf(err); k == errs.Internal || k == errs.NotFound || k == errs.Permission {
			return err
		}
		return s.showChallenge(q, errs.HTTPStatus(errs.KindOf(err)), "", errText(err))
	}
	http.Redirect(q.w, q.r, fmt.Sprintf("/challenges/%d?done=%s#review", id, url.QueryEscape(reviewActZh[a.Act])), http.StatusSeeOther)
	return nil
}

// defaultBook is the grant form's starting task book: a mid-term
// evaluation a year on holding the second year's payment, the end user's
// acceptance two years on holding the third.
func defaultBook(now time.Time) string {
	return project.MilestonesText([]project.Milestone{
		{Kind: project.MidTerm, Name: "中期评估", Due: now.AddDate(1, 0, 0).In(Shanghai).Format("2006-01-02"), Release: 1},
		{Kind: project.Acceptance, Name: "验收用户结题验收", Due: now.AddDate(2, 0, 0).In(Shanghai).Format("2006-01-02"), Release: 2},
	})
}

var reviewActZh = map[string]string{"assign": "指派评审专家", "score": "录入评分表", "rank": "排序并划定资助线", "publicise": "公示", "grant": "立项资助"}

// parseCenti reads points with at most two decimals ("60", "60.5") as
// hundredths.
func parseCenti(s string) (int64, error) {
	whole, frac, dot := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || len(frac) > 2 || dot && frac == "" {
		return 0, fmt.Errorf("%q: points with at most two decimals", s)
	}
	w, err := strconv.ParseUint(whole, 10, 8)
	if err != nil || w > 100 {
		return 0, fmt.Errorf("%q: 0–100 points", s)
	}
	var f uint64
	if frac != "" {
		if f, err = strconv.ParseUint(frac, 10, 8); err != nil {
			return 0, fmt.Errorf("%q: points with at most two decimals", s)
		}
		if len(frac) == 1 {
			f *= 10
		}
	}
	c := int64(w)*100 + int64(f)
	if c > 100_00 {
		return 0, fmt.Errorf("%q: 0–100 points", s)
	}
	return c, nil
}
