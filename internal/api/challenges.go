package api

import (
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
		Title      string   `json:"title"`
		Problem    string   `json:"problem"`
		Indicators []string `json:"indicators"`
		Total      string   `json:"total"`
		Deadline   string   `json:"deadline"`
		EndUser    string   `json:"end_user"`
		Issuer     string   `json:"issuer"`
		Clause     string   `json:"clause"`
	}
	if err := decodeBody(r, &req, `{"title", "problem", "indicators": [...], "total": "500万元", "deadline": "YYYY-MM-DD", "end_user", "issuer", "clause"}`); err != nil {
		return err
	}
	total, err := money.Parse(strings.TrimSpace(req.Total))
	if err != nil {
		return errs.At(errs.Pos{Path: "$.total"}, "total %q: an amount such as 500万元", req.Total)
	}
	c := &project.Challenge{Title: req.Title, Problem: req.Problem, Indicators: req.Indicators, Total: total, Deadline: req.Deadline,
		EndUser: req.EndUser, Issuer: req.Issuer, Clause: req.Clause}
	if _, err := s.challenges().Create(r.Context(), u, c); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, c)
}

func (s *Server) actOnChallenge(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, true)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req struct {
		Act     string `json:"act"`
		Version int    `json:"version"`
		Text    string `json:"text"`
		Index   int    `json:"index"`
	}
	if err := decodeBody(r, &req, `{"act": "publish|ask|answer|withdraw|close", "version", "text"?, "index"?}`); err != nil {
		return err
	}
	if req.Version == 0 {
		return errs.At(errs.Pos{Path: "$.version"}, "give the version of the challenge you saw (a stale one is refused)")
	}
	c, err := s.challenges().Act(r.Context(), u, id, req.Version, project.ChallengeAct{Act: req.Act, Text: req.Text, Index: req.Index})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}
