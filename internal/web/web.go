// Package web is kechuang's web UI: server-rendered pages (html/template,
// htmx for partial updates) for enterprises — the 政策体检 of their own
// subject and their facts — and for bureau staff — the policy library
// beside its source texts, subject search, the population match (免申即享
// lists) and the dashboard. Every page reads without JavaScript; htmx and
// ECharts come from npm at build time (make assets) and are served from
// /static/vendor when present.
//
// Pages are listed once (Pages); each names who may open it, and the
// handler checks the account's reach on every object it shows
// (auth.CanSubject, auth.CanActOnClause). Handlers return an error; one
// adapter renders it as a page in the user's language with the error kind's
// HTTP status.
package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/coverage"
	"kechuang/internal/errs"
	"kechuang/internal/i18n"
	"kechuang/internal/indicator"
	"kechuang/internal/match"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// SessionCookie is the session cookie, shared with the JSON API.
const SessionCookie = "kechuang_session"

// LangCookie keeps the chosen language.
const LangCookie = "kechuang_lang"

// Server serves the pages.
type Server struct {
	Engine        *rules.Engine
	Store         *store.DB
	PolicyVersion int
	Match         *match.Runner
	Log           *slog.Logger
	Now           func() time.Time // Asia/Shanghai

	pages    map[string]*template.Template
	coverage map[string][]coverage.Sentence // by document id
	spans    map[string][]citeSpan          // every rule's quotes in its document, by document id
	sources  map[string]sourceView          // every document's source, rendered, by document id

	indicators  *indicator.Library // the registry joined to the library's targets and tables
	assessments []*indicator.CountyAssessment
}

// Access says who may open a page.
type Access uint8

const (
	Public   Access = iota // anyone
	SignedIn               // any account (the handler checks the object)
	Console                // staff, finance and admin: the bureau console
)

// Page is one route of the UI.
type Page struct {
	Method, Path string
	Access       Access
	h            func(*Server, *req) error
}

// Pages lists every page; the mux, the authorisation tests and the browser
// tests read it.
var Pages = []Page{
	{"GET", "/{$}", Public, (*Server).home},
	{"GET", "/login", Public, (*Server).loginForm},
	{"POST", "/login", Public, (*Server).login},
	{"POST", "/logout", SignedIn, (*Server).logout},
	{"GET", "/lang/{lang}", Public, (*Server).setLang},
	{"GET", "/policies", Public, (*Server).policies},
	{"GET", "/policies/{doc}", Public, (*Server).document},
	{"GET", "/clauses/{id}", Public, (*Server).clause},
	{"GET", "/me", SignedIn, (*Server).me},
	{"GET", "/subjects/{id}", SignedIn, (*Server).checkup},
	{"GET", "/subjects/{id}/facts", SignedIn, (*Server).subjectFacts},
	{"GET", "/subjects/{id}/facts/edit", SignedIn, (*Server).editForm},
	{"POST", "/subjects/{id}/facts/edit", SignedIn, (*Server).editSave},
	{"GET", "/console", Console, (*Server).dashboard},
	{"GET", "/console/subjects", Console, (*Server).subjects},
	{"GET", "/console/subjects/export", Console, (*Server).exportSubjects},
	{"GET", "/console/import", Console, (*Server).importForm},
	{"POST", "/console/import", Console, (*Server).importUpload},
	{"GET", "/console/import/template", Console, (*Server).importTemplate},
	{"GET", "/console/reform", Console, (*Server).reformForm},
	{"POST", "/console/reform", Console, (*Server).reformRun},
	{"GET", "/console/match", Console, (*Server).matchSummary},
	{"POST", "/console/match/run", Console, (*Server).matchRun},
	{"GET", "/console/match/{clause}", Console, (*Server).matchClause},
	{"GET", "/console/match/{clause}/export", Console, (*Server).matchExport},
	{"GET", "/notice", Public, (*Server).notice},
	{"POST", "/notice/{id}/object", SignedIn, (*Server).noticeObject},
	{"GET", "/me/cases", SignedIn, (*Server).myCases},
	{"GET", "/cases/{id}", SignedIn, (*Server).casePage},
	{"POST", "/cases/{id}/act", SignedIn, (*Server).caseAct},
	{"GET", "/subjects/{id}/apply/{clause}", SignedIn, (*Server).applyForm},
	{"POST", "/subjects/{id}/apply/{clause}", SignedIn, (*Server).applySubmit},
	{"GET", "/console/ladder", Console, (*Server).ladderPage},
	{"GET", "/console/pools", Console, (*Server).poolList},
	{"GET", "/console/pools/{id}", Console, (*Server).poolPage},
	{"POST", "/console/pools/{id}/members", Console, (*Server).poolInvite},
	{"GET", "/pool-members/{id}", SignedIn, (*Server).memberPage},
	{"POST", "/pool-members/{id}/act", SignedIn, (*Server).memberAct},
	{"GET", "/me/pools", SignedIn, (*Server).myPools},
	{"POST", "/me/pools/{id}/apply", SignedIn, (*Server).myPoolApply},
	{"GET", "/console/points", Console, (*Server).points},
	{"GET", "/console/points/export", Console, (*Server).pointsExport},
	{"GET", "/console/boards", Console, (*Server).boards},
	{"GET", "/challenges", Public, (*Server).challengeList},
	{"GET", "/challenges/{id}", Public, (*Server).challengePage},
	{"POST", "/challenges/{id}/act", SignedIn, (*Server).challengeAct},
	{"POST", "/challenges/{id}/bids", SignedIn, (*Server).challengeBid},
	{"POST", "/challenges/{id}/review", SignedIn, (*Server).challengeReview},
	{"GET", "/challenges/{id}/projects/{bid}", SignedIn, (*Server).projectPage},
	{"POST", "/challenges/{id}/projects/{bid}", SignedIn, (*Server).projectAct},
	{"POST", "/console/challenges", Console, (*Server).challengeCreate},
	{"GET", "/console/projects", Console, (*Server).portfolio},
	{"GET", "/console/indicators", Console, (*Server).indicatorsPage},
	{"GET", "/console/indicators/export", Console, (*Server).indicatorsExport},
	{"POST", "/console/indicators/values", Console, (*Server).indicatorValue},
	{"POST", "/console/indicators/import", Console, (*Server).indicatorImport},
	{"GET", "/console/cases", Console, (*Server).queue},
	{"POST", "/console/proposals", Console, (*Server).propose},
	{"GET", "/console/fulfilment", Console, (*Server).settings},
	{"POST", "/console/fulfilment", Console, (*Server).saveSetting},
	{"GET", "/console/budget", Console, (*Server).budget},
	{"POST", "/console/budget/envelopes", Console, (*Server).saveEnvelope},
	{"GET", "/console/batches", Console, (*Server).batches},
	{"POST", "/console/batches", Console, (*Server).createBatch},
	{"GET", "/console/batches/{id}", Console, (*Server).batch},
	{"GET", "/console/batches/{id}/export", Console, (*Server).batchExport},
	{"POST", "/console/batches/{id}/confirm", Console, (*Server).batchConfirm},
	{"POST", "/console/payments/{id}/reverse", Console, (*Server).paymentReverse},
}

// req is one request as a handler sees it.
type req struct {
	w    http.ResponseWriter
	r    *http.Request
	lang i18n.Lang
	user *auth.User // nil: not signed in
	csrf string
}

// New prepares a server: parses the templates, and analyses the coverage of
// every source document and locates every rule's quotes in it, once.
func New(s *Server) (*Server, error) {
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	reg, err := indicator.LoadRegistry()
	if err != nil {
		return nil, err
	}
	if s.indicators, err = indicator.NewLibrary(reg, s.Engine.Files); err != nil {
		return nil, err
	}
	if s.assessments, err = indicator.LoadAssessments(s.indicators); err != nil {
		return nil, err
	}
	s.coverage = map[string][]coverage.Sentence{}
	s.spans = map[string][]citeSpan{}
	s.sources = map[string]sourceView{}
	for _, f := range s.Engine.Files {
		if f.Source == "" {
			continue
		}
		ss, _ := coverage.Analyze(f)
		s.coverage[f.Document.ID] = ss
		s.spans[f.Document.ID] = spansOf(f)
		s.sources[f.Document.ID] = newSourceView(f.Source, s.spans[f.Document.ID])
	}
	return s, nil
}

// Handler registers every page and the static files on one mux.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, p := range Pages {
		mux.Handle(p.Method+" "+p.Path, s.adapt(p))
	}
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServer(http.FS(static))
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})))
	mux.Handle("/", s.adapt(Page{Access: Public, h: func(*Server, *req) error {
		return errs.E(errs.NotFound, "no such page")
	}}))
	return securityHeaders(mux)
}

// VendorMissing lists the npm assets the binary was built without (make
// assets copies them); pages still work, without charts and live search.
func VendorMissing() []string {
	var out []string
	for _, f := range []string{"static/vendor/htmx.min.js", "static/vendor/echarts.min.js"} {
		if _, err := fs.Stat(staticFS, f); err != nil {
			out = append(out, f)
		}
	}
	return out
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("Referrer-Policy", "same-origin")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		h.ServeHTTP(w, r)
	})
}

// adapt resolves the account and language, enforces the page's access,
// runs the handler and renders its error; a panic becomes an internal error.
func (s *Server) adapt(p Page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := &req{w: w, r: r}
		defer func() {
			if v := recover(); v != nil {
				s.log().Error("panic in page", "path", r.URL.Path, "panic", v)
				s.renderError(q, errs.E(errs.Internal, "internal error"))
			}
		}()
		limit := int64(1 << 20)
		if p.Method == http.MethodPost && p.Path == "/console/import" {
			limit = importLimit
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		q.lang = s.langOf(r)
		if err := s.identify(q); err != nil {
			s.renderError(q, err)
			return
		}
		err := s.allow(q, p)
		if err == nil && r.Method == http.MethodPost {
			// A form posted from another site is refused, sign-in included
			// (login CSRF); signed-in forms also carry the session's token.
			if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r) {
				err = errs.E(errs.Permission, "%s", q.lang.T("err.csrf"))
			} else if p.Access != Public {
				err = q.checkCSRF()
			}
		}
		if err == nil {
			err = p.h(s, q)
		}
		if err != nil {
			s.renderError(q, err)
		}
	})
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Server) langOf(r *http.Request) i18n.Lang {
	if c, err := r.Cookie(LangCookie); err == nil {
		return i18n.Parse(c.Value)
	}
	return i18n.Parse(r.Header.Get("Accept-Language"))
}

// identify finds the signed-in account, if any. An expired or unknown
// session is treated as signed out.
func (s *Server) identify(q *req) error {
	c, err := q.r.Cookie(SessionCookie)
	if err != nil || s.Store == nil {
		return nil
	}
	u, csrf, err := s.Store.Session(q.r.Context(), c.Value)
	if err != nil {
		if errs.KindOf(err) == errs.Internal {
			return err
		}
		return nil
	}
	q.user, q.csrf = &u, csrf
	return nil
}

// errSignIn asks for a sign-in; the adapter turns it into a redirect.
var errSignIn = errs.E(errs.Permission, "sign in first")

func (s *Server) allow(q *req, p Page) error {
	switch p.Access {
	case Public:
		return nil
	case SignedIn:
		if q.user == nil {
			return errSignIn
		}
	case Console:
		if q.user == nil {
			return errSignIn
		}
		if _, ok := auth.RegionScope(*q.user); !ok {
			return errs.E(errs.Permission, "%s", q.lang.T("err.console"))
		}
	}
	return nil
}

// sameOrigin reports whether an Origin header names this server.
func sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

func (q *req) checkCSRF() error {
	if q.user == nil {
		return errSignIn
	}
	tok := q.r.PostFormValue("csrf")
	if tok == "" {
		tok = q.r.Header.Get("X-CSRF-Token")
	}
	if tok == "" || tok != q.csrf {
		return errs.E(errs.Permission, "%s", q.lang.T("err.csrf"))
	}
	return nil
}

// view is what every template gets: the page's data and the frame around it.
type view struct {
	L        i18n.Lang
	User     *auth.User
	CSRF     string
	Title    string
	Path     string
	Section  string // nav entry to mark
	Data     any
	Vendor   bool // htmx and ECharts are available
	Now      string
	LangNext string // the current URL, for the language switcher
}

func (s *Server) render(q *req, status int, page, title, section string, data any) error {
	t, ok := s.pages[page]
	if !ok {
		return errs.E(errs.Internal, "no template %q", page)
	}
	v := view{L: q.lang, User: q.user, CSRF: q.csrf, Title: title, Path: q.r.URL.Path, Section: section, Data: data,
		Vendor: len(VendorMissing()) == 0, Now: s.now().Format("2006-01-02 15:04"), LangNext: q.r.URL.RequestURI()}
	var buf bytes.Buffer
	name := "layout"
	if q.r.Header.Get("HX-Request") == "true" && t.Lookup("partial") != nil && q.r.Header.Get("HX-Boosted") != "true" {
		name = "partial"
	}
	if err := t.ExecuteTemplate(&buf, name, v); err != nil {
		return errs.E(errs.Internal, "rendering %s: %v", page, err)
	}
	q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.w.Header().Set("Content-Language", string(q.lang))
	q.w.Header().Set("Cache-Control", "no-store")
	q.w.WriteHeader(status)
	_, err := q.w.Write(buf.Bytes())
	return err
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// renderError shows an error page; a page that needs a sign-in redirects
// to it and comes back afterwards.
func (s *Server) renderError(q *req, err error) {
	if errors.Is(err, errSignIn) || (q.user == nil && errs.KindOf(err) == errs.Permission) {
		if q.r.Method == http.MethodGet {
			http.Redirect(q.w, q.r, "/login?next="+url.QueryEscape(q.r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
	}
	kind := errs.KindOf(err)
	if kind == errs.Internal {
		s.log().Error("page failed", "path", q.r.URL.Path, "err", err)
	}
	msg := q.lang.T("err.internal")
	var e *errs.Error
	var l errs.List
	switch {
	case errors.As(err, &l) && len(l) > 0:
		var ms []string
		for _, x := range l {
			ms = append(ms, x.Error())
		}
		msg = strings.Join(ms, "\n")
	case errors.As(err, &e) && kind != errs.Internal:
		msg = e.Msg
	}
	data := struct {
		Kind, Message string
		Status        int
	}{kind.String(), msg, errs.HTTPStatus(kind)}
	if rerr := s.render(q, errs.HTTPStatus(kind), "error", q.lang.T("err.title."+kind.String()), "", data); rerr != nil {
		s.log().Error("rendering the error page", "err", rerr)
		http.Error(q.w, msg, errs.HTTPStatus(kind))
	}
}
