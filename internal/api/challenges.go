package api

import (
	"fmt"
	"net/http"
	"strings"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/money"
	"kechuang/internal/project"
	prsvc "kechuang/internal/project/service"
)

// 揭榜挂帅 challenge-list routes, through internal/project/service as the
// pages: the list and one challenge (public once published), drafting,
// and the acts on a challenge.
var challengeRoutes = []route{
	{"GET", "/api/v1/challenges", (*Server).listChallenges},
	{"POST", "/api/v1/challenges", (*Server).createChallenge},
	{"GET", "/api/v1/challenges/{id}", (*Server).getChallenge},
	{"POST", "/api/v1/challenges/{id}/actions", (*Server).actOnChallenge},
	{"POST", "/api/v1/challenges/{id}/review", (*Server).reviewChallenge},
	{"GET", "/api/v1/challenges/{id}/projects/{bid}", (*Server).getProject},
	{"POST", "/api/v1/challenges/{id}/projects/{bid}/actions", (*Server).projectAction},
}

func init() { Routes = append(Routes, challengeRoutes...) }

func (s *Server) challenges() *prsvc.Service {
	return &prsvc.Service{Engine: s.Engine, Store: s.Store, Now: s.Now}
}

// optionalUser is the signed-in account, or nil for a visitor.
func (s *Server) optionalUser(r *http.Request) *auth.User {
	u, err := s.user(r, false)
	if err != nil {
		return nil
	}
	return &u
}

// ChallengeJSON is a challenge with the award its clause gives.
type ChallengeJSON struct {
	*project.Challenge
	Award *project.Amount `json:"award,omitempty"`
}

func (s *Server) listChallenges(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.db(); err != nil {
		return err
	}
	u := s.optionalUser(r)
	region := r.URL.Query().Get("region")
	if region == "" && u != nil {
		region = u.Jurisdiction
	}
	cs, err := s.challenges().List(r.Context(), u, region)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []*project.Challenge{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"challenges": cs})
}

func (s *Server) getChallenge(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.db(); err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	svc := s.challenges()
	c, _, err := svc.Get(r.Context(), s.optionalUser(r), id)
	if err != nil {
		return err
	}
	j := ChallengeJSON{Challenge: c}
	if a, err := svc.Award(c); err == nil {
		j.Award = &a
	}
	return writeJSON(w, http.StatusOK, j)
}

func (s *Server) createChallenge(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, true)
	if err != nil {
		return err
	}
	var req struct {
		Title       string   `json:"title"`
		Problem     string   `json:"problem"`
		Indicators  []string `json:"indicators"`
		Total       string   `json:"total"`
		Deadline    string   `json:"deadline"`
		EndUser     string   `json:"end_user"`
		Issuer      string   `json:"issuer"`
		Clause      string   `json:"clause"`
		Kind        string   `json:"kind"`
		Intake      string   `json:"intake"`
		Level       string   `json:"level"`
		ProjectKind string   `json:"project_kind"`
		Lump        bool     `json:"lump"`
	}
	if err := decodeBody(r, &req, `{"title", "problem", "indicators": [...], "total": "500万元", "deadline": "YYYY-MM-DD", "end_user", "issuer", "clause", "kind"?: "call", "intake"?: "rolling", "level"?: "city", "project_kind"?: "transfer", "lump"?: true}`); err != nil {
		return err
	}
	total, err := money.Parse(strings.TrimSpace(req.Total))
	if err != nil {
		return errs.At(errs.Pos{Path: "$.total"}, "total %q: an amount such as 500万元", req.Total)
	}
	c := &project.Challenge{Title: req.Title, Problem: req.Problem, Indicators: req.Indicators, Total: total, Deadline: req.Deadline,
		EndUser: req.EndUser, Issuer: req.Issuer, Clause: req.Clause, Kind: req.Kind, Intake: req.Intake, Level: req.Level, ProjectKind: req.ProjectKind, Lump: req.Lump}
	if _, err := s.challenges().Create(r.Context(), u, c); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, c)
}

func (s *Server) actOnChallenge(w http.ResponseWriter, r *http.Request) error {
	u, id, err := s.userAndID(r, true)
	if err != nil {
		return err
	}
	var req struct {
		Act     string `json:"act"`
		Version int    `json:"version"`
		Text    string `json:"text"`
		Index   int    `json:"index"`
		Cutoff  string `json:"cutoff"`
	}
	if err := decodeBody(r, &req, `{"act": "publish|ask|answer|withdraw|close|batch", "version", "text"?, "index"?, "cutoff"? (batch)}`); err != nil {
		return err
	}
	if req.Version == 0 {
		return errs.At(errs.Pos{Path: "$.version"}, "give the version of the challenge you saw (a stale one is refused)")
	}
	if req.Act == "batch" {
		b, err := s.challenges().CutBatch(r.Context(), u, id, req.Version, strings.TrimSpace(req.Cutoff))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, b)
	}
	c, err := s.challenges().Act(r.Context(), u, id, req.Version, project.ChallengeAct{Act: req.Act, Text: req.Text, Index: req.Index})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// reviewChallenge performs a review step on a closed challenge, as the
// page's forms do (docs/projects.md): assign, score, rank, publicise.
func (s *Server) reviewChallenge(w http.ResponseWriter, r *http.Request) error {
	u, id, err := s.userAndID(r, true)
	if err != nil {
		return err
	}
	var req struct {
		Act      string              `json:"act"`
		Version  int                 `json:"version"`
		Rubric   project.Rubric      `json:"rubric"`
		Experts  []project.Expert    `json:"experts"`
		Declared []project.Tie       `json:"declared"`
		Per      int                 `json:"per"`
		Field    string              `json:"field"`
		Spread   int                 `json:"spread"`
		Sheet    project.Sheet       `json:"sheet"`
		Budget   string              `json:"budget"`
		Pass     int64               `json:"pass"`
		Teams    int                 `json:"teams"`
		From     string              `json:"from"`
		To       string              `json:"to"`
		Bid      string              `json:"bid"`
		Amount   string              `json:"amount"`
		Shares   []int64             `json:"shares"`
		Reason   string              `json:"reason"`
		Book     []project.Milestone `json:"milestones"`
	}
	if err := decodeBody(r, &req, `{"act": "assign|score|rank|publicise|grant", "version", assign: "rubric", "experts", "declared"?, "per", "field"?, "spread"; score: "sheet"; rank: "budget": "200万元", "pass" (×100), "teams"; publicise: "from", "to"; grant: "bid", "amount": "80万元", "shares": [4, 3, 3], "reason", "milestones": [{"kind": "midterm", "name", "due", "release": 1}, {"kind": "acceptance", …}]}`); err != nil {
		return err
	}
	if req.Version == 0 {
		return errs.At(errs.Pos{Path: "$.version"}, "give the version of the challenge you saw (a stale one is refused)")
	}
	if req.Act == "grant" {
		fen, err := money.Parse(strings.TrimSpace(req.Amount))
		if err != nil {
			return errs.At(errs.Pos{Path: "$.amount"}, "amount %q: an amount such as 80万元", req.Amount)
		}
		c, k, err := s.challenges().Grant(r.Context(), u, id, req.Version, req.Bid, fen, strings.TrimSpace(req.Reason), req.Shares, req.Book)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"challenge": c, "case": k.ID})
	}
	a := project.ReviewAct{Act: req.Act, Rubric: req.Rubric, Experts: req.Experts, Spread: req.Spread, Sheet: req.Sheet, From: req.From, To: req.To}
	if req.Act == "rank" {
		if a.Line.Budget, err = money.Parse(strings.TrimSpace(req.Budget)); err != nil {
			return errs.At(errs.Pos{Path: "$.budget"}, "budget %q: an amount such as 200万元", req.Budget)
		}
		a.Line.Pass, a.Line.Teams = req.Pass, req.Teams
	}
	for i, t := range req.Declared {
		if t.A == "" || t.B == "" {
			return errs.At(errs.Pos{Path: fmt.Sprintf("$.declared[%d]", i)}, "a declared relation names the expert (a) and the unit or person (b)")
		}
		req.Declared[i].Kind = "declared"
		if t.Source == "" {
			req.Declared[i].Source = "专家本人申报"
		}
	}
	c, err := s.challenges().Review(r.Context(), u, id, req.Version, a, req.Declared, req.Per, req.Field)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// getProject returns a granted project (项目执行) to the staff of the
// challenge's jurisdiction and to its lead unit: the grant with its task
// book, changes, acceptance and closure, and the challenge's version to act
// with.
func (s *Server) getProject(w http.ResponseWriter, r *http.Request) error {
	u, id, err := s.userAndID(r, false)
	if err != nil {
		return err
	}
	c, g, _, err := s.challenges().Project(r.Context(), u, id, r.PathValue("bid"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"challenge": c.ID, "version": c.Version, "indicators": c.Indicators, "project": g})
}

// projectAction performs an act on a granted project, as the project
// page's forms do (docs/projects.md).
func (s *Server) projectAction(w http.ResponseWriter, r *http.Request) error {
	u, id, err := s.userAndID(r, true)
	if err != nil {
		return err
	}
	var req struct {
		Act       string                `json:"act"`
		Version   int                   `json:"version"`
		Index     int                   `json:"index"`
		Text      string                `json:"text"`
		Passed    bool                  `json:"passed"`
		Accept    project.Accept        `json:"accept"`
		Change    project.Change        `json:"change"`
		To        string                `json:"to"`
		Tolerance project.ToleranceCase `json:"tolerance"`
	}
	if err := decodeBody(r, &req, `{"act": "report|check|accept|change|decide-change|stop|tolerance|fail", "version", "index"?, "text"?, "passed"?, "accept"?: {"met": [true, …], "signatory", "agree", "opinion"}, "change"?: {"kind": "extension|budget|team", "text", "due"?, "budget"?, "team"?}, "to"?, "tolerance"?: {"procedure_complete", "cause": "route|market|economy|other", "diligence": [...], "reviews": [{"method": "peer|market|expert", "confirm", "by"}], "misconduct"}}`); err != nil {
		return err
	}
	if req.Version == 0 {
		return errs.At(errs.Pos{Path: "$.version"}, "give the version of the challenge you saw (a stale one is refused)")
	}
	if req.Act == "accept" && req.Accept.Opinion == "" {
		req.Accept.Opinion = req.Text
	}
	a := project.ExecAct{Act: req.Act, Index: req.Index, Text: req.Text, Passed: req.Passed, Accept: req.Accept, Change: req.Change, To: req.To, Case: req.Tolerance}
	c, err := s.challenges().Execute(r.Context(), u, id, req.Version, r.PathValue("bid"), a)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"challenge": c.ID, "version": c.Version, "project": c.Review.Grant(r.PathValue("bid"))})
}
