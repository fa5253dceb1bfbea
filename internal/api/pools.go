package api

import (
	"net/http"
	"strconv"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/policy"
	"kechuang/internal/pool"
	psvc "kechuang/internal/pool/service"
	"kechuang/internal/rules"
)

// Pool routes (培育库): the pools with their criteria and procedure, the
// candidates the population holds, memberships and the acts on them. Every
// act goes through internal/pool/service, which the web pages use too.
var poolRoutes = []route{
	{"GET", "/api/v1/pools", (*Server).listPools},
	{"GET", "/api/v1/pools/{id}", (*Server).getPool},
	{"GET", "/api/v1/pools/{id}/candidates", (*Server).poolCandidates},
	{"GET", "/api/v1/pools/{id}/members", (*Server).poolMembers},
	{"POST", "/api/v1/pools/{id}/members", (*Server).startMember},
	{"GET", "/api/v1/pool-members/{id}", (*Server).getMember},
	{"POST", "/api/v1/pool-members/{id}/actions", (*Server).actOnMember},
}

func init() { Routes = append(Routes, poolRoutes...) }

func (s *Server) pools() *psvc.Service {
	return &psvc.Service{Engine: s.Engine, Store: s.Store, Now: s.Now}
}

// CriterionJSON is one admission, graduation or removal rule.
type CriterionJSON struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Section string `json:"section,omitempty"`
	Quote   string `json:"quote,omitempty"`
	Local   string `json:"local,omitempty"`  // set by the bureau (地方配置), and why
	Expert  string `json:"expert,omitempty"` // what a person judges
	When    string `json:"when,omitempty"`   // the CEL condition
}

// PoolJSON is a pool as the API shows it.
type PoolJSON struct {
	ID           string             `json:"id"`
	Title        string             `json:"title"`
	Document     string             `json:"document"`
	Section      string             `json:"section"`
	Quote        string             `json:"quote"`
	Jurisdiction string             `json:"jurisdiction"`
	InForce      bool               `json:"in_force"`
	Beneficiary  []string           `json:"beneficiary"`
	Criteria     []CriterionJSON    `json:"criteria"`
	Standard     string             `json:"standard,omitempty"`
	Within       int                `json:"within,omitempty"`
	Steps        []string           `json:"steps"`
	Capacity     int                `json:"capacity,omitempty"`
	Clause       string             `json:"clause,omitempty"`
	Graduate     []CriterionJSON    `json:"graduate"`
	Remove       []CriterionJSON    `json:"remove,omitempty"`
	FollowUp     string             `json:"follow_up,omitempty"`
	Counts       map[pool.State]int `json:"counts"`
}

func poolJSON(in psvc.Info) PoolJSON {
	p := in.Pool
	crits := func(cs []*policy.Criterion) []CriterionJSON {
		out := []CriterionJSON{}
		for _, c := range cs {
			out = append(out, CriterionJSON{ID: c.ID, Title: c.Title, Section: c.Citation.Section, Quote: c.Citation.Quote, Local: c.Local, Expert: c.Expert, When: c.When.Src})
		}
		return out
	}
	j := PoolJSON{ID: p.ID, Title: p.Title, Document: p.Doc.ID, Section: p.Citation.Section, Quote: p.Citation.Quote, Jurisdiction: p.Doc.Jurisdiction,
		InForce: in.InForce, Beneficiary: p.Beneficiary, Criteria: crits(p.Criteria), Standard: p.Standard, Within: p.Within, Capacity: p.Capacity,
		Clause: p.Clause, Graduate: crits(p.Graduate), Remove: crits(p.Remove), Counts: in.Counts, Steps: []string{}}
	for _, st := range p.Steps {
		j.Steps = append(j.Steps, st.Title)
	}
	if p.FollowUp != nil {
		j.FollowUp = p.FollowUp.Plan
	}
	return j
}

func (s *Server) listPools(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, false)
	if err != nil {
		return err
	}
	infos, err := s.pools().Pools(r.Context(), u)
	if err != nil {
		return err
	}
	out := []PoolJSON{}
	for _, in := range infos {
		out = append(out, poolJSON(in))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"pools": out})
}

func (s *Server) getPool(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, false)
	if err != nil {
		return err
	}
	if _, err := s.pools().Pool(u, r.PathValue("id")); err != nil {
		return err
	}
	infos, err := s.pools().Pools(r.Context(), u)
	if err != nil {
		return err
	}
	for _, in := range infos {
		if in.ID == r.PathValue("id") {
			return writeJSON(w, http.StatusOK, poolJSON(in))
		}
	}
	return errs.E(errs.NotFound, "没有培育库 %s", r.PathValue("id"))
}

// CandidateJSON is a subject measured against a pool.
type CandidateJSON struct {
	Subject rules.SubjectInfo `json:"subject"`
	At      string            `json:"at"`
	*rules.PoolCheck
}

func (s *Server) poolCandidates(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, false)
	if err != nil {
		return err
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			return errs.At(errs.Pos{Path: "limit"}, "limit %q: give a number from 1 to 1000", v)
		}
	}
	cands, counts, err := s.pools().Candidates(r.Context(), u, r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	out := []CandidateJSON{}
	for _, c := range cands {
		out = append(out, CandidateJSON{Subject: c.Subject, At: c.At, PoolCheck: c.Check})
	}
	total := map[string]int{}
	for k, n := range counts {
		total[k.String()] = n
	}
	return writeJSON(w, http.StatusOK, map[string]any{"candidates": out, "counts": total})
}

func (s *Server) poolMembers(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, false)
	if err != nil {
		return err
	}
	state := pool.State(r.URL.Query().Get("state"))
	if state != "" && !containsState(state) {
		return errs.At(errs.Pos{Path: "state"}, "state %q is not one of invited, applied, reviewing, admitted, graduated, removed, declined", state)
	}
	ms, err := s.pools().Members(r.Context(), u, r.PathValue("id"), state)
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []*pool.Member{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"members": ms})
}

func containsState(s pool.State) bool {
	for _, x := range pool.States {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) startMember(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, true)
	if err != nil {
		return err
	}
	var req struct {
		Subject string   `json:"subject"`
		Act     pool.Act `json:"act"`
		Note    string   `json:"note"`
	}
	if err := decodeBody(r, &req, `{"subject", "act": "invite" or "apply", "note"?}`); err != nil {
		return err
	}
	m, err := s.pools().Start(r.Context(), u, r.PathValue("id"), req.Subject, req.Act, req.Note)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, m)
}

// MemberJSON is a membership with its history and, while it is open, its
// standing against the pool's criteria today.
type MemberJSON struct {
	*pool.Member
	History []pool.Event     `json:"history"`
	Check   *rules.PoolCheck `json:"check,omitempty"`
	Acts    []pool.Act       `json:"acts"` // what the reader may do now
}

func (s *Server) getMember(w http.ResponseWriter, r *http.Request) error {
	u, id, err := s.userAndID(r, false)
	if err != nil {
		return err
	}
	svc := s.pools()
	m, hist, p, err := svc.Member(r.Context(), u, id)
	if err != nil {
		return err
	}
	j := MemberJSON{Member: m, History: hist, Acts: pool.Acts(p.Pool, m, u.Role == auth.Staff || u.Role == auth.Admin)}
	if u.Role == auth.Finance {
		j.Acts = []pool.Act{}
	}
	if m.State.Open() {
		if j.Check, _, _, err = svc.Check(r.Context(), p, m.Subject); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, j)
}

func (s *Server) actOnMember(w http.ResponseWriter, r *http.Request) error {
	u, id, err := s.userAndID(r, true)
	if err != nil {
		return err
	}
	var req struct {
		Act      pool.Act `json:"act"`
		Version  int      `json:"version"`
		Note     string   `json:"note"`
		Officer  string   `json:"officer"`
		Next     string   `json:"next"`
		NextDate string   `json:"next_date"`
	}
	if err := decodeBody(r, &req, `{"act", "version", "note"?, "officer"?, "next"?, "next_date"?}`); err != nil {
		return err
	}
	if req.Version == 0 {
		return errs.At(errs.Pos{Path: "version"}, "give the version of the membership you saw (a stale one is refused)")
	}
	m, err := s.pools().Act(r.Context(), u, id, req.Version, pool.Request{Act: req.Act, Note: req.Note, Officer: req.Officer, Next: req.Next, NextDate: req.NextDate})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}
