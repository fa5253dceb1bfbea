package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"kechuang/internal/auth"
	"kechuang/internal/errs"
	"kechuang/internal/fulfil"
	"kechuang/internal/fulfil/service"
	"kechuang/internal/money"
	"kechuang/internal/policy"
	"kechuang/internal/sheet"
	"kechuang/internal/store"
)

// Fulfilment routes (申报兑现): cases and their acts, 免申即享 proposals,
// applications, the bureau's route and workflow per clause, budget
// envelopes, disbursement batches and the ledger. Every act goes through
// internal/fulfil/service, which the web pages use too.
var fulfilRoutes = []route{
	{"GET", "/api/v1/cases", (*Server).listCases},
	{"GET", "/api/v1/cases/{id}", (*Server).getCase},
	{"POST", "/api/v1/cases/{id}/actions", (*Server).actOnCase},
	{"POST", "/api/v1/proposals", (*Server).propose},
	{"POST", "/api/v1/subjects/{id}/applications", (*Server).apply},
	{"PUT", "/api/v1/clauses/{id}/fulfilment", (*Server).putSetting},
	{"GET", "/api/v1/envelopes", (*Server).listEnvelopes},
	{"POST", "/api/v1/envelopes", (*Server).putEnvelope},
	{"GET", "/api/v1/batches", (*Server).listBatches},
	{"POST", "/api/v1/batches", (*Server).createBatch},
	{"GET", "/api/v1/batches/{id}", (*Server).getBatch},
	{"POST", "/api/v1/batches/{id}/confirmation", (*Server).confirmBatch},
	{"GET", "/api/v1/batches/{id}/export", (*Server).exportBatch},
	{"GET", "/api/v1/ledger", (*Server).ledger},
	{"POST", "/api/v1/payments/{id}/reversal", (*Server).reverse},
}

func init() { Routes = append(Routes, fulfilRoutes...) }

func (s *Server) svc() *service.Service {
	return &service.Service{Engine: s.Engine, Store: s.Store, Now: s.Now}
}

// CaseJSON is a case as the API shows it.
type CaseJSON struct {
	ID          int64                `json:"id"`
	Clause      string               `json:"clause"`
	Subject     string               `json:"subject"`
	SubjectName string               `json:"subject_name"`
	Region      string               `json:"region"`
	Event       string               `json:"event,omitempty"`
	Period      int64                `json:"period,omitempty"`
	FY          int64                `json:"fiscal_year"`
	Route       fulfil.Route         `json:"route"`
	Step        fulfil.Step          `json:"step"`
	StepZh      string               `json:"step_zh"`
	Status      fulfil.Status        `json:"status"`
	StatusZh    string               `json:"status_zh"`
	Computed    string               `json:"computed"`
	Amount      *money.Fen           `json:"amount_fen,omitempty"`
	Decided     *fulfil.Decision     `json:"decided,omitempty"`
	Payer       string               `json:"payer"`
	BudgetYear  int64                `json:"budget_year"`
	Schedule    []fulfil.Installment `json:"schedule,omitempty"`
	Shares      []int64              `json:"shares,omitempty"`  // a project award's yearly shares (分年度按比例拨付), the schedule once at 拨付
	Planned     []fulfil.Installment `json:"planned,omitempty"` // a project's payment plan before 拨付
	Hold        []int                `json:"hold,omitempty"`    // installments held until the project's milestones pass
	Ended       string               `json:"ended,omitempty"`   // why the unpaid installments were cut (终止拨付)
	Basis       any                  `json:"basis"`
	Due         string               `json:"due"`
	Overdue     bool                 `json:"overdue"`
	Ageing      int                  `json:"ageing_days"`
	Expected    string               `json:"expected_payment,omitempty"`
	NoticeFrom  string               `json:"notice_from,omitempty"`
	NoticeUntil string               `json:"notice_until,omitempty"`
	Reason      string               `json:"reason,omitempty"`
	Version     int                  `json:"version"`
	History     []store.CaseEvent    `json:"history,omitempty"`
}

func caseJSON(c *fulfil.Case, now time.Time) CaseJSON {
	j := CaseJSON{ID: c.ID, Clause: c.Clause, Subject: c.Subject, SubjectName: c.SubjectName, Region: c.Region, Event: c.Event, Period: c.Period,
		FY: c.FY, Route: c.Route, Step: c.CurrentStep().Step, StepZh: fulfil.StepZh(c.CurrentStep().Step), Status: c.Status, StatusZh: fulfil.StatusZh(c.Status),
		Computed: c.Computed.String(), Decided: c.Decided, Payer: c.Payer, BudgetYear: c.BudgetYear, Schedule: c.Schedule, Shares: c.Shares, Planned: c.Planned, Hold: c.Hold, Ended: c.Ended, Basis: c.Basis,
		Due: c.Due, Overdue: c.Overdue(now), Ageing: c.Ageing(now), Expected: c.Expected(now), NoticeFrom: c.NoticeFrom, NoticeUntil: c.NoticeUntil,
		Reason: c.Reason, Version: c.Version}
	if c.Unspecified {
		j.Computed = "文件未规定具体数额"
	}
	if a, ok := c.Amount(); ok {
		j.Amount = &a
	}
	if j.Basis == nil {
		j.Basis = []any{}
	}
	return j
}

// userAndID is the signed-in account of a request on /…/{id} (write: a
// state-changing one, which needs the CSRF token) and the id.
func (s *Server) userAndID(r *http.Request, write bool) (auth.User, int64, error) {
	u, err := s.user(r, write)
	if err != nil {
		return u, 0, err
	}
	id, err := pathID(r)
	return u, id, err
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, "%q is not a number", r.PathValue("id"))
	}
	return id, nil
}

func decodeBody(r *http.Request, v any, shape string) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errs.At(errs.Pos{Path: "$"}, "the request must be %s: %v", shape, err)
	}
	return nil
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, false)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.CaseFilter{Clause: q.Get("clause"), Step: fulfil.Step(q.Get("step")), Status: fulfil.Status(q.Get("status")), Open: q.Get("open") != ""}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 5000 {
			return errs.At(errs.Pos{Path: "limit"}, "limit is 1 to 5000, not %q", l)
		}
		f.Limit = n
	}
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 0 {
			return errs.At(errs.Pos{Path: "after"}, "after is a case id, not %q", a)
		}
		f.After = n
	}
	switch u.Role {
	case auth.Enterprise:
		f.Subject = u.Subject
	case auth.Staff, auth.Finance:
		scope, _ := auth.RegionScope(u)
		if f.Region, err = auth.Narrow(scope, q.Get("region")); err != nil {
			return err
		}
		f.Subject = q.Get("subject")
	case auth.Admin:
		f.Region, f.Subject = q.Get("region"), q.Get("subject")
	default:
		return errs.E(errs.Permission, "this account does not work on fulfilment")
	}
	cs, err := s.Store.Cases(r.Context(), f)
	if err != nil {
		return err
	}
	now := s.Now()
	out := []CaseJSON{}
	for _, c := range cs {
		rc, ok := s.Engine.ClauseByID(c.Clause)
		if !ok || service.CanSee(u, c, fulfil.ClauseOf(rc)) != nil {
			continue
		}
		out = append(out, caseJSON(c, now))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"cases": out})
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) error {
	u, id, err := s.userAndID(r, false)
	if err != nil {
		return err
	}
	c, hist, err := s.svc().Case(r.Context(), u, id)
	if err != nil {
		return err
	}
	j := caseJSON(c, s.Now())
	j.History = hist
	return writeJSON(w, http.StatusOK, j)
}

func (s *Server) actOnCase(w http.ResponseWriter, r *http.Request) error {
	u, id, err := s.userAndID(r, true)
	if err != nil {
		return err
	}
	var req struct {
		Action  fulfil.Action     `json:"action"`
		Reason  string            `json:"reason"`
		Fen     money.Fen         `json:"fen"`
		Score   int64             `json:"score"`
		Answers map[string]string `json:"answers"`
		Version int               `json:"version"`
	}
	if err := decodeBody(r, &req, `{"action", "version", "reason"?, "fen"?, "score"?, "answers"?}`); err != nil {
		return err
	}
	c, err := s.svc().Act(r.Context(), id, fulfil.Act{Action: req.Action, By: u, Reason: req.Reason, Fen: req.Fen, Score: req.Score, Answers: req.Answers, Version: req.Version})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, caseJSON(c, s.Now()))
}

func (s *Server) propose(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, true)
	if err != nil {
		return err
	}
	var req struct {
		Region string `json:"region"`
		At     string `json:"at"`
		FY     int64  `json:"fiscal_year"`
	}
	if err := decodeBody(r, &req, `{"region"?, "at"?, "fiscal_year"?}`); err != nil {
		return err
	}
	var at policy.Date
	if req.At != "" {
		if at, err = policy.ParseDate(req.At); err != nil {
			return errs.At(errs.Pos{Path: "at"}, "%q is not a date YYYY-MM-DD", req.At)
		}
	}
	ids, err := s.svc().Propose(r.Context(), u, req.Region, at, req.FY)
	if err != nil {
		return err
	}
	if ids == nil {
		ids = []int64{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"created": ids})
}

// dateYear is the evaluation date (default today, Asia/Shanghai) and fiscal year (default its year).
func (s *Server) dateYear(at string, fy int64) (policy.Date, int64, error) {
	d := policy.DateOf(s.Now().In(fulfil.Shanghai))
	if at != "" {
		var err error
		if d, err = policy.ParseDate(at); err != nil {
			return 0, 0, errs.At(errs.Pos{Path: "at"}, "%q is not a date YYYY-MM-DD", at)
		}
	}
	if fy == 0 {
		fy = int64(d.Year())
	}
	return d, fy, nil
}

func (s *Server) apply(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, true)
	if err != nil {
		return err
	}
	f, v, err := s.subjectFor(r, u, auth.Read)
	if err != nil {
		return err
	}
	var req struct {
		Clause  string            `json:"clause"`
		At      string            `json:"at"`
		FY      int64             `json:"fiscal_year"`
		Answers map[string]string `json:"answers"`
	}
	if err := decodeBody(r, &req, `{"clause", "answers", "at"?, "fiscal_year"?}`); err != nil {
		return err
	}
	if req.At == "" {
		req.At = f.AsOf
	}
	at, fy, err := s.dateYear(req.At, req.FY)
	if err != nil {
		return err
	}
	ids, err := s.svc().Apply(r.Context(), u, f, v, req.Clause, at, fy, req.Answers)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"created": ids})
}

func (s *Server) putSetting(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, true)
	if err != nil {
		return err
	}
	c, ok := s.Engine.ClauseByID(r.PathValue("id"))
	if !ok {
		return errs.E(errs.NotFound, "没有条款 %s", r.PathValue("id"))
	}
	if u.Role != auth.Staff && u.Role != auth.Admin {
		return errs.E(errs.Permission, "兑现方式由科技部门设置")
	}
	if err := auth.CanClause(u, auth.Write, fulfil.ClauseOf(c).Auth); err != nil {
		return err
	}
	var req struct {
		Route    fulfil.Route     `json:"route"`
		Workflow *fulfil.Workflow `json:"workflow"`
	}
	if err := decodeBody(r, &req, `{"route", "workflow"?}`); err != nil {
		return err
	}
	wf := fulfil.DefaultWorkflow()
	if req.Workflow != nil {
		wf = *req.Workflow
	}
	if err := s.Store.PutSetting(r.Context(), store.Setting{Scope: "clause:" + c.ID, Route: req.Route, Workflow: wf, By: u.ID}); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"clause": c.ID, "route": req.Route, "workflow": wf})
}

func (s *Server) financeUser(r *http.Request, write bool) (auth.User, error) {
	u, err := s.user(r, write)
	if err != nil {
		return u, err
	}
	if u.Role != auth.Finance && u.Role != auth.Admin && (write || u.Role != auth.Staff) {
		return u, errs.E(errs.Permission, "预算与拨付由财政部门办理")
	}
	return u, nil
}

// EnvelopeJSON is a budget envelope as the API shows it.
type EnvelopeJSON struct {
	ID     int64       `json:"id"`
	Name   string      `json:"name"`
	Payer  string      `json:"payer"`
	Year   int64       `json:"year"`
	Clause string      `json:"clause,omitempty"`
	Tag    string      `json:"tag,omitempty"`
	Fen    money.Fen   `json:"fen"`
	Rule   fulfil.Rule `json:"rule"`
	Used   money.Fen   `json:"used_fen"`
}

func (s *Server) listEnvelopes(w http.ResponseWriter, r *http.Request) error {
	u, err := s.financeUser(r, false)
	if err != nil {
		return err
	}
	es, err := s.svc().Envelopes(r.Context(), u)
	if err != nil {
		return err
	}
	out := []EnvelopeJSON{}
	for _, e := range es {
		out = append(out, EnvelopeJSON{e.ID, e.Name, e.Payer, e.Year, e.Clause, e.Tag, e.Fen, e.Rule, e.Used})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"envelopes": out})
}

func (s *Server) putEnvelope(w http.ResponseWriter, r *http.Request) error {
	u, err := s.financeUser(r, true)
	if err != nil {
		return err
	}
	var req EnvelopeJSON
	if err := decodeBody(r, &req, `{"payer", "year", "fen", "rule", "clause"?, "tag"?, "name"?}`); err != nil {
		return err
	}
	id, err := s.svc().PutEnvelope(r.Context(), u, fulfil.Envelope{Name: req.Name, Payer: req.Payer, Year: req.Year, Clause: req.Clause, Tag: req.Tag, Fen: req.Fen, Rule: req.Rule})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"id": id})
}

// BatchJSON is a batch with its lines and allocation.
type BatchJSON struct {
	ID         int64                `json:"id"`
	Payer      string               `json:"payer"`
	Year       int64                `json:"year"`
	State      string               `json:"state"`
	Count      int                  `json:"count"`
	Fen        money.Fen            `json:"fen"`
	Payments   []PaymentJSON        `json:"payments"`
	Allotments []store.AllotmentRow `json:"allotments"`
	NoBudget   []int64              `json:"no_budget,omitempty"`
}

// PaymentJSON is one ledger line.
type PaymentJSON struct {
	ID       int64     `json:"id"`
	Key      string    `json:"key"`
	Case     int64     `json:"case"`
	Batch    int64     `json:"batch"`
	Subject  string    `json:"subject"`
	Name     string    `json:"subject_name"`
	Clause   string    `json:"clause"`
	Payer    string    `json:"payer"`
	Year     int64     `json:"year"`
	Fen      money.Fen `json:"fen"`
	Kind     string    `json:"kind"`
	Reverses int64     `json:"reverses,omitempty"`
	State    string    `json:"state"`
	Note     string    `json:"note,omitempty"`
	PaidAt   string    `json:"paid_at,omitempty"`
}

func paymentsJSON(ps []fulfil.Payment) []PaymentJSON {
	out := []PaymentJSON{}
	for _, p := range ps {
		out = append(out, PaymentJSON{p.ID, p.Key, p.Case, p.Batch, p.Subject, p.SubjectName, p.Clause, p.Payer, p.Year, p.Fen, p.Kind, p.Reverses, p.State, p.Note, p.PaidAt})
	}
	return out
}

func batchJSON(b fulfil.Batch, ps []fulfil.Payment, as []store.AllotmentRow) BatchJSON {
	if as == nil {
		as = []store.AllotmentRow{}
	}
	return BatchJSON{ID: b.ID, Payer: b.Payer, Year: b.Year, State: b.State, Count: b.Count, Fen: b.Fen, Payments: paymentsJSON(ps), Allotments: as}
}

func (s *Server) createBatch(w http.ResponseWriter, r *http.Request) error {
	u, err := s.financeUser(r, true)
	if err != nil {
		return err
	}
	var req struct {
		Payer string `json:"payer"`
		Year  int64  `json:"year"`
	}
	if err := decodeBody(r, &req, `{"payer", "year"}`); err != nil {
		return err
	}
	plan, err := s.svc().Batch(r.Context(), u, req.Payer, req.Year)
	if err != nil {
		return err
	}
	_, ps, _, err := s.Store.Batch(r.Context(), plan.Batch.ID)
	if err != nil {
		return err
	}
	j := batchJSON(plan.Batch, ps, plan.Allotments)
	j.NoBudget = plan.NoBudget
	return writeJSON(w, http.StatusOK, j)
}

func (s *Server) listBatches(w http.ResponseWriter, r *http.Request) error {
	u, err := s.financeUser(r, false)
	if err != nil {
		return err
	}
	bs, err := s.Store.Batches(r.Context())
	if err != nil {
		return err
	}
	out := []BatchJSON{}
	for _, b := range bs {
		if s.svc().MayPay(u, b.Payer) == nil {
			out = append(out, batchJSON(b, nil, nil))
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"batches": out})
}

func (s *Server) getBatch(w http.ResponseWriter, r *http.Request) error {
	u, err := s.financeUser(r, false)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	b, ps, as, err := s.Store.Batch(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.svc().MayPay(u, b.Payer); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, batchJSON(b, ps, as))
}

func (s *Server) confirmBatch(w http.ResponseWriter, r *http.Request) error {
	u, err := s.financeUser(r, true)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.svc().Confirm(r.Context(), u, id); err != nil {
		return err
	}
	b, ps, as, err := s.Store.Batch(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, batchJSON(b, ps, as))
}

func (s *Server) exportBatch(w http.ResponseWriter, r *http.Request) error {
	u, err := s.financeUser(r, false)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "xlsx"
	}
	if format != "xlsx" && format != "csv" {
		return errs.At(errs.Pos{Path: "format"}, "format is xlsx or csv, not %q", format)
	}
	b, ps, _, err := s.Store.Batch(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.svc().MayPay(u, b.Payer); err != nil {
		return err
	}
	ct := map[string]string{"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[format]
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="batch-%d.%s"`, b.ID, format))
	return sheet.Write(w, format, sheet.Table{Name: fmt.Sprintf("拨付批次%d", b.ID), Rows: fulfil.ExportRows(b, ps)})
}

func (s *Server) ledger(w http.ResponseWriter, r *http.Request) error {
	u, err := s.user(r, false)
	if err != nil {
		return err
	}
	subject, region := r.URL.Query().Get("subject"), ""
	switch u.Role {
	case auth.Enterprise:
		subject = u.Subject
	case auth.Finance:
		region, _ = auth.RegionScope(u)
	case auth.Admin:
	default:
		return errs.E(errs.Permission, "台账由财政部门查看；企业可查看本单位的拨付记录")
	}
	ps, err := s.Store.Ledger(r.Context(), subject, region)
	if err != nil {
		return err
	}
	out := map[string]any{"payments": paymentsJSON(ps)}
	if u.Role != auth.Enterprise {
		rec, err := s.Store.Reconcile(r.Context())
		if err != nil {
			return err
		}
		if rec.Problems == nil {
			rec.Problems = []string{}
		}
		out["reconciliation"] = map[string]any{"payments": rec.Payments, "reversals": rec.Reversals, "paid_fen": rec.Paid, "batched_fen": rec.Batched, "problems": rec.Problems}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) reverse(w http.ResponseWriter, r *http.Request) error {
	u, err := s.financeUser(r, true)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := decodeBody(r, &req, `{"reason"}`); err != nil {
		return err
	}
	p, err := s.svc().Reverse(r.Context(), u, id, req.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, paymentsJSON([]fulfil.Payment{p})[0])
}
