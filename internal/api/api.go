// Package api is kechuang's JSON API under /api/v1, described by
// openapi.yaml (served at /api/v1/openapi.yaml): the public policy
// calculator (政策计算器) — the policy library and evaluations of facts the
// caller sends, reading nothing stored — and, for signed-in accounts, the
// stored subjects each account may reach (subjects.go).
//
// Handlers return an error; one adapter renders it as JSON with the error's
// kind, message and field, and the kind's HTTP status (errs.HTTPStatus).
package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"kechuang/internal/indicator"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"kechuang/internal/errs"
	"kechuang/internal/facts"
	"kechuang/internal/policy"
	"kechuang/internal/rules"
	"kechuang/internal/store"
)

//go:embed openapi.yaml
var OpenAPI []byte

// MaxBody bounds a request body.
const MaxBody = 4 << 20

// Server serves the API over one compiled policy library.
type Server struct {
	Engine        *rules.Engine
	Store         *store.DB // nil: the stored-subject routes answer that there is no database
	PolicyVersion int       // the stored version of Engine's library, recorded with evaluations
	Log           *slog.Logger
	Now           func() time.Time // for default evaluation dates; Asia/Shanghai
	// Changed is told when stored facts change (the population match runs
	// again); nil: nobody listens.
	Changed func()

	indicatorLib struct { // the indicator library, joined once (internal/indicator)
		once sync.Once
		lib  *indicator.Library
		as   []*indicator.CountyAssessment
		err  error
	}
}

type handler func(w http.ResponseWriter, r *http.Request) error

// route is one entry of the API: the route table is the single list the
// mux, the documentation test and the contract tests read.
type route struct {
	Method, Path string
	h            func(*Server, http.ResponseWriter, *http.Request) error
}

// Routes lists every route, in the order openapi.yaml documents them.
var Routes = []route{
	{"GET", "/api/v1/health", (*Server).health},
	{"GET", "/api/v1/openapi.yaml", (*Server).openapi},
	{"GET", "/api/v1/documents", (*Server).documents},
	{"GET", "/api/v1/clauses/{id}", (*Server).clause},
	{"GET", "/api/v1/standards", (*Server).standards},
	{"GET", "/api/v1/standards/{id}", (*Server).standard},
	{"POST", "/api/v1/evaluate", (*Server).evaluate},
	{"POST", "/api/v1/ladder", (*Server).ladder},
}

// Handler returns the API's handler: every route registered on one mux.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range Routes {
		h := rt.h
		mux.Handle(rt.Method+" "+rt.Path, s.adapt(func(w http.ResponseWriter, r *http.Request) error { return h(s, w, r) }))
	}
	mux.Handle("/api/", s.adapt(func(http.ResponseWriter, *http.Request) error {
		return errs.E(errs.NotFound, "no such API route: see /api/v1/openapi.yaml")
	}))
	return mux
}

// adapt renders a handler's error, and recovers a panic into an internal
// error: no panic reaches a caller.
func (s *Server) adapt(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				s.log().Error("panic in handler", "path", r.URL.Path, "panic", p)
				writeError(w, errs.E(errs.Internal, "internal error (reported)"))
			}
		}()
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		if err := h(w, r); err != nil {
			if errs.KindOf(err) == errs.Internal {
				s.log().Error("request failed", "path", r.URL.Path, "err", err)
			}
			writeError(w, err)
		}
	})
}

func (s *Server) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// apiError is the JSON form of an error.
type apiError struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func writeError(w http.ResponseWriter, err error) {
	var list errs.List
	var out []apiError
	if errors.As(err, &list) {
		for _, e := range list {
			out = append(out, apiError{Kind: e.Kind.String(), Message: e.Msg, Field: e.Pos.Path})
		}
	} else {
		var e *errs.Error
		if errors.As(err, &e) {
			out = append(out, apiError{Kind: e.Kind.String(), Message: e.Msg, Field: e.Pos.Path})
		} else {
			out = append(out, apiError{Kind: "internal", Message: "internal error"})
		}
	}
	status := errs.HTTPStatus(errs.KindOf(err))
	writeJSON(w, status, map[string]any{"error": out[0], "errors": out})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{
		"status": "ok", "documents": len(s.Engine.Files), "clauses": len(s.Engine.Clauses), "standards": len(s.Engine.Standards),
	})
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	_, err := w.Write(OpenAPI)
	return err
}

// Document is a policy document of the library.
type Document struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Number       string   `json:"number,omitempty"`
	Issuer       string   `json:"issuer"`
	Jurisdiction string   `json:"jurisdiction"`
	Published    string   `json:"published"`
	ValidFrom    string   `json:"valid_from"`
	ValidTo      string   `json:"valid_to,omitempty"`
	SourceStatus string   `json:"source_status"`
	Clauses      []string `json:"clauses"`
	Standards    []string `json:"standards"`
}

func (s *Server) documents(w http.ResponseWriter, r *http.Request) error {
	out := []Document{}
	for _, f := range s.Engine.Files {
		d := f.Document
		doc := Document{ID: d.ID, Title: d.Title, Number: d.Number, Issuer: d.Issuer, Jurisdiction: d.Jurisdiction,
			Published: d.Published.String(), ValidFrom: d.ValidFrom.String(), ValidTo: d.ValidTo.String(), SourceStatus: d.SourceStatus,
			Clauses: []string{}, Standards: []string{}}
		for _, c := range f.Clauses {
			doc.Clauses = append(doc.Clauses, c.ID)
		}
		for _, st := range f.Standards {
			doc.Standards = append(doc.Standards, st.ID)
		}
		out = append(out, doc)
	}
	return writeJSON(w, http.StatusOK, map[string]any{"documents": out})
}

// Clause is one clause with its citation.
type Clause struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Document    string   `json:"document"`
	Section     string   `json:"section"`
	Quote       string   `json:"quote"`
	Also        []string `json:"also,omitempty"`
	Beneficiary []string `json:"beneficiary"`
	Level       string   `json:"level"`
	Condition   string   `json:"condition,omitempty"`
	Amount      string   `json:"amount"`
	Payer       string   `json:"payer,omitempty"`
	Budget      string   `json:"budget"`
	Tests       int      `json:"tests"`
}

func (s *Server) clause(w http.ResponseWriter, r *http.Request) error {
	c, ok := s.Engine.ClauseByID(r.PathValue("id"))
	if !ok {
		return errs.E(errs.NotFound, "no clause %q", r.PathValue("id"))
	}
	return writeJSON(w, http.StatusOK, Clause{ID: c.ID, Title: c.Title, Document: c.Doc.ID, Section: c.Citation.Section,
		Quote: c.Citation.Quote, Also: c.Citation.Also, Beneficiary: c.Beneficiary, Level: c.Level, Condition: c.When.Src,
		Amount: c.Amount.Kind, Payer: c.Payer, Budget: c.Budget, Tests: len(c.Tests)})
}

// Standard is a qualification standard in brief.
type Standard struct {
	ID         string `json:"id"`
	Title      string `json:"title"`
	Status     string `json:"status"`
	Level      string `json:"level"`
	Document   string `json:"document"`
	Section    string `json:"section"`
	Quote      string `json:"quote"`
	ValidYears int    `json:"valid_years"`
	Conditions int    `json:"conditions"`
	Routes     int    `json:"routes"`
	ScoreMax   int    `json:"score_max,omitempty"`
	Tests      int    `json:"tests"`
}

func standardOf(st *rules.Standard) Standard {
	out := Standard{ID: st.ID, Title: st.Title, Status: st.Status, Level: st.Level, Document: st.Doc.ID, Section: st.Citation.Section,
		Quote: st.Citation.Quote, ValidYears: st.ValidYears, Conditions: len(st.Requires), Routes: len(st.Routes), Tests: len(st.Tests)}
	if st.Score != nil {
		out.ScoreMax = st.Score.Max
	}
	return out
}

func (s *Server) standards(w http.ResponseWriter, r *http.Request) error {
	out := []Standard{}
	for _, st := range s.Engine.Standards {
		out = append(out, standardOf(st))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"standards": out})
}

func (s *Server) standard(w http.ResponseWriter, r *http.Request) error {
	st, ok := s.Engine.StandardByID(r.PathValue("id"))
	if !ok {
		return errs.E(errs.NotFound, "no standard %q", r.PathValue("id"))
	}
	return writeJSON(w, http.StatusOK, standardOf(st))
}

// EvaluateRequest carries a subject's facts (docs/facts.md) and, optionally,
// the evaluation date, fiscal year and whether to assess the national
// standards first.
type EvaluateRequest struct {
	Facts  json.RawMessage `json:"facts"`
	At     string          `json:"at"`
	FY     int64           `json:"fy"`
	Assess bool            `json:"assess"`
}

func (s *Server) readRequest(r *http.Request) (*EvaluateRequest, *facts.Facts, policy.Date, error) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, nil, 0, errs.E(errs.Invalid, "reading the request: %v", err)
	}
	var req EvaluateRequest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, nil, 0, errs.At(errs.Pos{Path: "$"}, "the request must be a JSON object {facts, at, fy, assess}: %v", err)
	}
	if len(req.Facts) == 0 {
		return nil, nil, 0, errs.At(errs.Pos{Path: "$.facts"}, "facts are required (docs/facts.md)")
	}
	f, err := facts.DecodeBytes(req.Facts, "")
	if err != nil {
		var l errs.List
		if errors.As(err, &l) { // paths inside facts are under $.facts
			for _, e := range l {
				e.Pos.Path = "$.facts" + e.Pos.Path[1:]
			}
		}
		return nil, nil, 0, err
	}
	at := req.At
	if at == "" {
		at = f.AsOf
	}
	if at == "" {
		at = s.Now().Format(time.DateOnly)
	}
	d, err := policy.ParseDate(at)
	if err != nil {
		return nil, nil, 0, errs.At(errs.Pos{Path: "$.at"}, "%q is not a date YYYY-MM-DD", at)
	}
	return &req, f, d, nil
}

func (s *Server) evaluate(w http.ResponseWriter, r *http.Request) error {
	req, f, at, err := s.readRequest(r)
	if err != nil {
		return err
	}
	fy := req.FY
	if fy == 0 {
		fy = int64(at.Year())
	}
	if fy < 1949 || fy > 2100 {
		return errs.At(errs.Pos{Path: "$.fy"}, "fiscal year %d is not plausible", fy)
	}
	ev := s.Engine.NewEvaluator()
	var rep *rules.Report
	if req.Assess {
		rep = ev.EvaluateAssessed(f, at, fy)
	} else {
		rep = ev.Evaluate(f, at, fy)
	}
	return writeJSON(w, http.StatusOK, rep)
}

func (s *Server) ladder(w http.ResponseWriter, r *http.Request) error {
	_, f, at, err := s.readRequest(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.Engine.NewEvaluator().Ladder(f, at))
}
