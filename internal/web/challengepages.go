package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

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
	Region     string
	Challenges []*project.Challenge
	Staff      bool
	Clauses    []string // award clauses of the account's jurisdiction, for the form
	Error      string
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
		for _, c := range s.Engine.Clauses {
			if slices.Contains(c.Tags, "揭榜挂帅") && (q.user.Role == auth.Admin || auth.Reaches(q.user.Jurisdiction, c.Doc.Jurisdiction)) {
				d.Clauses = append(d.Clauses, c.ID)
			}
		}
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
		Clause: f.Get("clause")}
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
	Done        string
	Error       string
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
		return again(err.Error())
	}
	b := &project.Bid{Team: []project.Member{lead}, Budget: project.BidBudget{Categories: map[string]money.Fen{}, Equipment: "设备费"}}
	for i, line := range strings.Split(f.Get("members"), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		parts := strings.Split(strings.ReplaceAll(line, "，", ","), ",")
		if len(parts) < 3 {
			return again(fmt.Sprintf("团队成员第%d行应为“姓名,年龄,职称[,人员编号]”", i+1))
		}
		pid := ""
		if len(parts) > 3 {
			pid = parts[3]
		}
		m, err := member(pid, parts[0], parts[1], parts[2], "member")
		if err != nil {
			return again(err.Error())
		}
		b.Team = append(b.Team, m)
	}
	for _, c := range bidCategories {
		v := strings.TrimSpace(f.Get("budget_" + c))
		if v == "" {
			continue
		}
		fen, err := money.Parse(v)
		if err != nil {
			return again(fmt.Sprintf("%s %q 看不懂：写成 100万元", c, v))
		}
		b.Budget.Categories[c] = fen
	}
	if v := strings.TrimSpace(f.Get("indirect")); v != "" {
		if b.Budget.Indirect, err = money.Parse(v); err != nil {
			return again(fmt.Sprintf("间接费用 %q 看不懂：写成 90万元", v))
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
