package api

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/store"
)

// The routes over stored subjects need a signed-in account. A session is a
// cookie (HttpOnly, SameSite=Lax, Secure over TLS); a request that changes
// anything must also carry the session's CSRF token in X-CSRF-Token. Every
// route checks the account's permission on the subject it touches
// (auth.CanSubject): an enterprise sees only itself, staff only their
// jurisdiction.

// SessionCookie is the session cookie's name.
const SessionCookie = "kechuang_session"

// Stored routes, added to Routes.
var storedRoutes = []route{
	{"POST", "/api/v1/session", (*Server).login},
	{"DELETE", "/api/v1/session", (*Server).logout},
	{"GET", "/api/v1/subjects", (*Server).listSubjects},
	{"GET", "/api/v1/subjects/{id}", (*Server).getSubject},
	{"GET", "/api/v1/subjects/{id}/history", (*Server).subjectHistory},
	{"PUT", "/api/v1/subjects/{id}/facts", (*Server).putFacts},
	{"POST", "/api/v1/subjects/{id}/report", (*Server).subjectReport},
}

func init() { Routes = append(Routes, storedRoutes...) }

func (s *Server) db() (*store.DB, error) {
	if s.Store == nil {
		return nil, errs.E(errs.NotFound, "this server runs without a database")
	}
	return s.Store, nil
}

// user returns the signed-in account; with write set it also checks the
// CSRF token.
func (s *Server) user(r *http.Request, write bool) (auth.User, error) {
	db, err := s.db()
	if err != nil {
		return auth.User{}, err
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return auth.User{}, errs.E(errs.Permission, "sign in first (POST /api/v1/session)")
	}
	u, csrf, err := db.Session(r.Context(), c.Value)
	if err != nil {
		return auth.User{}, err
	}
	if write && r.Header.Get("X-CSRF-Token") != csrf {
		return auth.User{}, errs.E(errs.Permission, "missing or wrong X-CSRF-Token: send the token the sign-in returned")
	}
	return u, nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	db, err := s.db()
	if err != nil {
		return err
	}
	var req struct {
		ID       string `json:"id"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return errs.At(errs.Pos{Path: "$"}, "the request must be {\"id\", \"password\"}")
	}
	u, err := db.Authenticate(r.Context(), req.ID, req.Password)
	if err != nil {
		return err
	}
	tok, csrf, err := db.CreateSession(r.Context(), u.ID)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteLaxMode, MaxAge: int(store.SessionTTL / time.Second)})
	return writeJSON(w, http.StatusOK, map[string]any{"user": u.ID, "role": u.Role, "csrf": csrf})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.user(r, true); err != nil {
		return err
	}
	c, _ := r.Cookie(SessionCookie)
	if err := s.Store.EndSession(r.Context(), c.Value); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	return writeJSON(w, http.StatusOK, map[string]any{"signed_out": true})
}

// subjectFor loads a subject's facts after checking the account may act on it.
func (s *Server) subjectFor(r *http.Request, u auth.User, a auth.Action) (f *facts.Facts, v int, err error) {
	err = auth.CheckSubject(u, a, r.PathValue("id"), func() (auth.Subject, error) {
		if f, v, err = s.Store.Facts(r.Context(), r.PathValue("id")); err != nil {
			return auth.Subject{}, err
		}
		return auth.Subject{ID: f.Subject.ID, Region: f.Subject.Region}, nil
	})
	if err != nil {
		return nil, 0, err
	}
	return f, v, nil
}

func (s *Server) listSubjects(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, false)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	fl := store.Filter{Kind: q.Get("kind"), Query: q.Get("q"), After: q.Get("after")}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		fl.Limit = n
	}
	scope, ok := auth.RegionScope(u)
	switch {
	case u.Role == auth.Enterprise:
		f, _, err := s.Store.Facts(r.Context(), u.Subject)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"subjects": []store.SubjectRow{{ID: f.Subject.ID, Kind: f.Subject.Kind,
			Name: f.Subject.Name, USCC: f.Subject.USCC, Region: f.Subject.Region, Industry: f.Subject.Industry}}})
	case !ok:
		return errs.E(errs.Permission, "this account does not list subjects")
	}
	if fl.Region, err = auth.Narrow(scope, q.Get("region")); err != nil {
		return err
	}
	rows, err := s.Store.Subjects(r.Context(), fl)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []store.SubjectRow{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"subjects": rows})
}

func (s *Server) getSubject(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, false)
	if err != nil {
		return err
	}
	f, v, err := s.subjectFor(r, u, auth.Read)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"version": v, "facts": f})
}

func (s *Server) subjectHistory(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, false)
	if err != nil {
		return err
	}
	if _, _, err := s.subjectFor(r, u, auth.Read); err != nil {
		return err
	}
	h, err := s.Store.History(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	type version struct {
		Version int             `json:"version"`
		Source  string          `json:"source"`
		By      string          `json:"by"`
		At      string          `json:"at"`
		Note    string          `json:"note,omitempty"`
		Facts   json.RawMessage `json:"facts"`
	}
	out := []version{}
	for _, v := range h {
		out = append(out, version{v.Version, v.Source, v.By, v.At, v.Note, v.Facts})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"versions": out})
}

func (s *Server) putFacts(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, true)
	if err != nil {
		return err
	}
	if _, _, err := s.subjectFor(r, u, auth.Write); err != nil {
		return err
	}
	doc, err := io.ReadAll(r.Body)
	if err != nil {
		return errs.E(errs.Invalid, "reading the request: %v", err)
	}
	f, err := facts.DecodeBytes(doc, "")
	if err != nil {
		return err
	}
	if f.Subject.ID != r.PathValue("id") {
		return errs.At(errs.Pos{Path: "$.subject.id"}, "the facts are of subject %q, not %q", f.Subject.ID, r.PathValue("id"))
	}
	// The new region must be within reach too: staff cannot move a subject out of their area.
	if err := auth.CanSubject(u, auth.Write, auth.Subject{ID: f.Subject.ID, Region: f.Subject.Region}); err != nil {
		return err
	}
	source := "entry"
	if u.Role == auth.Enterprise {
		source = "self"
	}
	v, err := s.Store.PutFacts(r.Context(), doc, store.Entry{Source: source, By: u.ID, Note: r.Header.Get("X-Note")})
	if err != nil {
		return err
	}
	if s.Changed != nil {
		s.Changed()
	}
	return writeJSON(w, http.StatusOK, map[string]any{"version": v})
}

// subjectReport evaluates a stored subject's current facts and records the
// evaluation with the facts version and the policy library version used.
func (s *Server) subjectReport(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, true)
	if err != nil {
		return err
	}
	f, v, err := s.subjectFor(r, u, auth.Read)
	if err != nil {
		return err
	}
	at := r.URL.Query().Get("at")
	if at == "" {
		at = f.AsOf
	}
	if at == "" {
		at = s.Now().Format(time.DateOnly)
	}
	d, err := policy.ParseDate(at)
	if err != nil {
		return errs.At(errs.Pos{Path: "at"}, "%q is not a date YYYY-MM-DD", at)
	}
	rep := s.Engine.NewEvaluator().Evaluate(f, d, int64(d.Year()))
	body, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	id, err := s.Store.RecordEvaluation(r.Context(), store.Evaluation{SubjectID: f.Subject.ID, FactVersion: v,
		PolicyVersion: s.PolicyVersion, At: d.String(), FiscalYear: d.Year(), Report: body, By: u.ID})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"evaluation": id, "facts_version": v, "policy_version": s.PolicyVersion, "report": rep})
}
