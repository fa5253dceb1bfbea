package web

import (
	"net/http"
	"strings"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/i18n"
	"kechuang/internal/store"
)

// home introduces the platform; a signed-in account goes to its start page.
func (s *Server) home(q *req) error {
	if q.user != nil {
		http.Redirect(q.w, q.r, startPage(*q.user), http.StatusSeeOther)
		return nil
	}
	data := struct {
		Documents, Clauses, Standards int
	}{len(s.Engine.Files), len(s.Engine.Clauses), len(s.Engine.Standards)}
	return s.render(q, http.StatusOK, "home", q.lang.T("home.title"), "", data)
}

// startPage is where an account lands: an enterprise on its 政策体检, staff
// on the console.
func startPage(u auth.User) string {
	switch u.Role {
	case auth.Enterprise:
		return "/subjects/" + u.Subject
	case auth.Expert:
		return "/policies"
	}
	return "/console"
}

func (s *Server) me(q *req) error {
	http.Redirect(q.w, q.r, startPage(*q.user), http.StatusSeeOther)
	return nil
}

type loginData struct {
	ID, Next, Error string
}

func (s *Server) loginForm(q *req) error {
	return s.render(q, http.StatusOK, "login", q.lang.T("login.title"), "", loginData{Next: safeNext(q.r.URL.Query().Get("next"))})
}

// login checks the password (with the store's throttling and lockout) and
// starts a session; a wrong password shows the form again with the reason.
func (s *Server) login(q *req) error {
	if s.Store == nil {
		return errs.E(errs.NotFound, "this server runs without a database")
	}
	id := strings.TrimSpace(q.r.PostFormValue("id"))
	next := safeNext(q.r.PostFormValue("next"))
	u, err := s.Store.Authenticate(q.r.Context(), id, q.r.PostFormValue("password"))
	if err != nil {
		if errs.KindOf(err) == errs.Internal {
			return err
		}
		// One answer whatever failed (store.Authenticate does not say whether the account exists).
		return s.render(q, http.StatusUnauthorized, "login", q.lang.T("login.title"), "", loginData{ID: id, Next: next, Error: q.lang.T("login.failed")})
	}
	tok, _, err := s.Store.CreateSession(q.r.Context(), u.ID)
	if err != nil {
		return err
	}
	http.SetCookie(q.w, &http.Cookie{Name: SessionCookie, Value: tok, Path: "/", HttpOnly: true, Secure: q.r.TLS != nil,
		SameSite: http.SameSiteLaxMode, MaxAge: int(store.SessionTTL / time.Second)})
	if next == "" {
		next = startPage(u)
	}
	http.Redirect(q.w, q.r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) logout(q *req) error {
	c, err := q.r.Cookie(SessionCookie)
	if err == nil {
		if err := s.Store.EndSession(q.r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(q.w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(q.w, q.r, "/", http.StatusSeeOther)
	return nil
}

// setLang keeps the chosen language for a year and goes back.
func (s *Server) setLang(q *req) error {
	l := i18n.Lang(q.r.PathValue("lang"))
	if l != i18n.Zh && l != i18n.En {
		return errs.E(errs.NotFound, "no catalog %q: use zh-CN or en", l)
	}
	http.SetCookie(q.w, &http.Cookie{Name: LangCookie, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	next := safeNext(q.r.URL.Query().Get("next"))
	if next == "" {
		next = "/"
	}
	http.Redirect(q.w, q.r, next, http.StatusSeeOther)
	return nil
}

// safeNext keeps only local paths, so a link cannot send a user elsewhere
// after signing in.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ""
	}
	return next
}
