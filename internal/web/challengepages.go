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
	C       *project.Challenge
	Award   *project.Amount
	History []store.ChallengeEvent
	Staff   bool
	CanAsk  bool
	Done    string
	Error   string
}

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
