package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"kechuang/internal/fulfil"
	"kechuang/internal/fulfil/service"
	"kechuang/internal/rules"
)

// probe is one request as one account and the status it must get. user ""
// is a visitor who has not signed in. absent lists texts that must not
// appear in the answer (another jurisdiction's subjects).
type probe struct {
	user   string
	method string // default GET
	path   string
	want   int
	absent []string
}

// wwClause is a 武威 clause the demo population and wwA are entitled to,
// handled by 市科技局, 市工信局 and 市财政局 (not 市市场监管局).
const wwClause = "ww-hte-new"

// wwPatentClause is handled by 市科技局, 市市场监管局 and 市财政局.
const wwPatentClause = "ww-patent-award-match"

// pageProbes must name every page: a new page without probes fails
// TestPageAuthorisation. Each page is tried as a visitor, as an enterprise
// on its own and on another enterprise's data, and as staff inside and
// outside their jurisdiction.
var pageProbes = map[string][]probe{
	"GET /{$}":   {{user: "", path: "/", want: 200}, {user: "ent-a", path: "/", want: 303}},
	"GET /login": {{user: "", path: "/login", want: 200}},
	"POST /login": {
		{user: "", method: "POST", path: "/login", want: 401}, // wrong password: the form again, 401
	},
	"POST /logout": {
		{user: "", method: "POST", path: "/logout", want: 403},
		{user: "ent-a", method: "POST", path: "/logout", want: 303},
	},
	"GET /lang/{lang}":    {{user: "", path: "/lang/en?next=/policies", want: 303}, {user: "", path: "/lang/xx", want: 404}},
	"GET /policies":       {{user: "", path: "/policies", want: 200}},
	"GET /policies/{doc}": {{user: "", path: "/policies/wuwei-2022", want: 200}, {user: "", path: "/policies/nope", want: 404}},
	"GET /clauses/{id}":   {{user: "", path: "/clauses/" + wwClause, want: 200}, {user: "", path: "/clauses/nope", want: 404}},
	"GET /me": {
		{user: "", path: "/me", want: 303},
		{user: "ent-a", path: "/me", want: 303},
	},
	"GET /subjects/{id}": {
		{user: "", path: "/subjects/" + wwA, want: 303},
		{user: "ent-a", path: "/subjects/" + wwA, want: 200},
		{user: "ent-a", path: "/subjects/" + wwB, want: 403},
		{user: "ent-a", path: "/subjects/no-such-subject", want: 403},
		{user: "ent-b", path: "/subjects/" + wwA, want: 403},
		{user: "staff-ww", path: "/subjects/" + wwB, want: 200},
		{user: "staff-lz", path: "/subjects/" + wwA, want: 200},
		{user: "staff-lz", path: "/subjects/" + wwB, want: 403}, // 古浪 is not 凉州
		{user: "staff-fx", path: "/subjects/" + wwA, want: 403},
		{user: "staff-fx", path: "/subjects/" + fxA, want: 200},
		{user: "staff-fx", path: "/subjects/no-such-subject", want: 403},
		{user: "finance-ww", path: "/subjects/" + wwA, want: 200},
		{user: "expert", path: "/subjects/" + wwA, want: 403},
		{user: "admin", path: "/subjects/" + fxA, want: 200},
	},
	"GET /subjects/{id}/facts": {
		{user: "", path: "/subjects/" + wwA + "/facts", want: 303},
		{user: "ent-a", path: "/subjects/" + wwA + "/facts", want: 200},
		{user: "ent-a", path: "/subjects/" + wwB + "/facts", want: 403},
		{user: "staff-fx", path: "/subjects/" + wwA + "/facts", want: 403},
		{user: "staff-ww", path: "/subjects/" + wwA + "/facts", want: 200},
		{user: "expert", path: "/subjects/" + wwA + "/facts", want: 403},
	},
	"GET /subjects/{id}/facts/edit": {
		{user: "", path: "/subjects/" + wwA + "/facts/edit", want: 303},
		{user: "ent-a", path: "/subjects/" + wwA + "/facts/edit", want: 200},
		{user: "ent-a", path: "/subjects/" + wwB + "/facts/edit", want: 403},
		{user: "staff-fx", path: "/subjects/" + wwA + "/facts/edit", want: 403},
		{user: "staff-lz", path: "/subjects/" + wwA + "/facts/edit", want: 200},
		{user: "finance-ww", path: "/subjects/" + wwA + "/facts/edit", want: 403},
		{user: "expert", path: "/subjects/" + wwA + "/facts/edit", want: 403},
	},
	"POST /subjects/{id}/facts/edit": { // no figures: nothing changes, back to the facts page
		{user: "", method: "POST", path: "/subjects/" + wwA + "/facts/edit", want: 403},
		{user: "ent-b", method: "POST", path: "/subjects/" + wwA + "/facts/edit", want: 403},
		{user: "staff-fx", method: "POST", path: "/subjects/" + wwA + "/facts/edit", want: 403},
		{user: "finance-ww", method: "POST", path: "/subjects/" + wwA + "/facts/edit", want: 403},
		{user: "expert", method: "POST", path: "/subjects/" + wwA + "/facts/edit", want: 403},
		{user: "ent-a", method: "POST", path: "/subjects/" + wwA + "/facts/edit?year=2031", want: 422},
	},
	"GET /console": {
		{user: "", path: "/console", want: 303},
		{user: "ent-a", path: "/console", want: 403},
		{user: "expert", path: "/console", want: 403},
		{user: "staff-fx", path: "/console", want: 200, absent: []string{"武威市"}},
		{user: "staff-ww", path: "/console", want: 200},
		{user: "finance-ww", path: "/console", want: 200},
	},
	"GET /console/subjects": {
		{user: "", path: "/console/subjects", want: 303},
		{user: "ent-a", path: "/console/subjects", want: 403},
		{user: "expert", path: "/console/subjects", want: 403},
		{user: "staff-fx", path: "/console/subjects", want: 200, absent: []string{wwA, wwB, taA}},
		{user: "staff-fx", path: "/console/subjects?region=620600", want: 403},
		{user: "staff-fx", path: "/console/subjects?q=" + url.QueryEscape("绿源"), want: 200, absent: []string{wwA}},
		{user: "staff-lz", path: "/console/subjects", want: 200, absent: []string{wwB, fxA}},
		{user: "staff-ww", path: "/console/subjects?q=" + url.QueryEscape("绿源"), want: 200},
	},
	"GET /console/subjects/export": {
		{user: "", path: "/console/subjects/export?format=csv", want: 303},
		{user: "ent-a", path: "/console/subjects/export?format=csv", want: 403},
		{user: "staff-fx", path: "/console/subjects/export?format=csv", want: 200, absent: []string{wwA, wwB, taA}},
		{user: "staff-fx", path: "/console/subjects/export?format=csv&region=6206", want: 403},
		{user: "staff-ww", path: "/console/subjects/export?format=pdf", want: 422},
	},
	"GET /console/import": {
		{user: "", path: "/console/import", want: 303},
		{user: "ent-a", path: "/console/import", want: 403},
		{user: "expert", path: "/console/import", want: 403},
		{user: "staff-fx", path: "/console/import", want: 200},
		{user: "finance-ww", path: "/console/import", want: 200},
	},
	"POST /console/import": { // the probes send no file: allowed accounts get 422 naming the field
		{user: "", method: "POST", path: "/console/import", want: 403},
		{user: "ent-a", method: "POST", path: "/console/import", want: 403},
		{user: "expert", method: "POST", path: "/console/import", want: 403},
		{user: "finance-ww", method: "POST", path: "/console/import", want: 403},
		{user: "staff-ww", method: "POST", path: "/console/import", want: 422},
	},
	"GET /console/import/template": {
		{user: "", path: "/console/import/template?format=xlsx", want: 303},
		{user: "ent-a", path: "/console/import/template?format=xlsx", want: 403},
		{user: "staff-fx", path: "/console/import/template?format=xlsx", want: 200},
		{user: "staff-fx", path: "/console/import/template?format=doc", want: 422},
	},
	"GET /console/reform": {
		{user: "", path: "/console/reform", want: 303},
		{user: "ent-a", path: "/console/reform", want: 403},
		{user: "expert", path: "/console/reform", want: 403},
		{user: "staff-fx", path: "/console/reform?clause=" + wwClause, want: 200},
		{user: "finance-ww", path: "/console/reform?clause=" + wwClause, want: 200},
		{user: "staff-ww", path: "/console/reform?clause=nope", want: 404},
	},
	"POST /console/reform": { // the probes send no reform: allowed accounts get the form back, 422
		{user: "", method: "POST", path: "/console/reform", want: 403},
		{user: "ent-a", method: "POST", path: "/console/reform", want: 403},
		{user: "expert", method: "POST", path: "/console/reform", want: 403},
		{user: "staff-fx", method: "POST", path: "/console/reform", want: 422},
	},
	"GET /console/match": {
		{user: "", path: "/console/match", want: 303},
		{user: "ent-a", path: "/console/match", want: 403},
		{user: "expert", path: "/console/match", want: 403},
		{user: "staff-fx", path: "/console/match", want: 200, absent: []string{"/console/match/" + wwClause}},
		{user: "staff-ww", path: "/console/match", want: 200},
	},
	"POST /console/match/run": {
		{user: "", method: "POST", path: "/console/match/run", want: 403},
		{user: "ent-a", method: "POST", path: "/console/match/run", want: 403},
		{user: "finance-ww", method: "POST", path: "/console/match/run", want: 403},
		{user: "staff-ww", method: "POST", path: "/console/match/run", want: 303},
	},
	"GET /console/match/{clause}": {
		{user: "", path: "/console/match/" + wwClause, want: 303},
		{user: "ent-a", path: "/console/match/" + wwClause, want: 403},
		{user: "staff-fx", path: "/console/match/" + wwClause, want: 403},
		{user: "staff-ww", path: "/console/match/" + wwClause, want: 200},
		{user: "staff-lz", path: "/console/match/" + wwClause, want: 200, absent: []string{wwB}},
		{user: "staff-ww", path: "/console/match/nope", want: 404},
	},
	"GET /console/match/{clause}/export": {
		{user: "", path: "/console/match/" + wwClause + "/export?format=csv", want: 303},
		{user: "ent-a", path: "/console/match/" + wwClause + "/export?format=csv", want: 403},
		{user: "staff-fx", path: "/console/match/" + wwClause + "/export?format=csv", want: 403},
		{user: "staff-ww", path: "/console/match/" + wwClause + "/export?format=csv", want: 200},
		{user: "staff-lz", path: "/console/match/" + wwClause + "/export?format=csv", want: 200, absent: []string{wwB}},
		{user: "staff-ww-market", path: "/console/match/" + wwClause + "/export?format=csv", want: 403},
		{user: "staff-ww-market", path: "/console/match/" + wwPatentClause + "/export?format=csv", want: 200},
		{user: "finance-ww", path: "/console/match/" + wwClause + "/export?format=xlsx", want: 200},
	},

	// Fulfilment. {caseA} is wwA's 免申即享 case of wwClause, waiting for staff
	// to confirm it; {caseB} wwB's case at 拨付; {batch} the open batch paying
	// it, {payment} its payment (batched, not yet paid).
	"GET /notice": {{user: "", path: "/notice", want: 200}},
	"POST /notice/{id}/object": {
		{user: "", method: "POST", path: "/notice/{caseA}/object", want: 403},
		{user: "ent-b", method: "POST", path: "/notice/{caseA}/object", want: 422}, // no reason given
		{user: "ent-b", method: "POST", path: "/notice/999999/object", want: 404},
	},
	"GET /me/cases": {
		{user: "", path: "/me/cases", want: 303},
		{user: "ent-a", path: "/me/cases", want: 200, absent: []string{"古浪魔方"}},
		{user: "staff-ww", path: "/me/cases", want: 303},
	},
	"GET /cases/{id}": {
		{user: "", path: "/cases/{caseA}", want: 303},
		{user: "ent-a", path: "/cases/{caseA}", want: 200},
		{user: "ent-b", path: "/cases/{caseA}", want: 403},
		{user: "ent-a", path: "/cases/999999", want: 403},
		{user: "staff-ww", path: "/cases/{caseA}", want: 200},
		{user: "staff-lz", path: "/cases/{caseA}", want: 200},
		{user: "staff-lz", path: "/cases/{caseB}", want: 403}, // 古浪 is not 凉州
		{user: "staff-fx", path: "/cases/{caseA}", want: 403},
		{user: "finance-ww", path: "/cases/{caseA}", want: 200},
		{user: "expert", path: "/cases/{caseA}", want: 403},
		{user: "admin", path: "/cases/999999", want: 404},
	},
	"POST /cases/{id}/act": { // no action or version: allowed accounts are told the version is stale
		{user: "", method: "POST", path: "/cases/{caseA}/act", want: 403},
		{user: "ent-b", method: "POST", path: "/cases/{caseA}/act", want: 403},
		{user: "staff-fx", method: "POST", path: "/cases/{caseA}/act", want: 403},
		{user: "staff-ww", method: "POST", path: "/cases/{caseA}/act", want: 409},
	},
	"GET /subjects/{id}/apply/{clause}": {
		{user: "", path: "/subjects/" + wwA + "/apply/" + wwPatentClause, want: 303},
		{user: "ent-a", path: "/subjects/" + wwA + "/apply/" + wwPatentClause, want: 200},
		{user: "ent-a", path: "/subjects/" + wwB + "/apply/" + wwPatentClause, want: 403},
		{user: "ent-a", path: "/subjects/" + wwA + "/apply/nope", want: 404},
		{user: "staff-ww", path: "/subjects/" + wwA + "/apply/" + wwPatentClause, want: 403},
	},
	"POST /subjects/{id}/apply/{clause}": { // no answers: the form again, 422
		{user: "", method: "POST", path: "/subjects/" + wwA + "/apply/" + wwPatentClause, want: 403},
		{user: "ent-b", method: "POST", path: "/subjects/" + wwA + "/apply/" + wwPatentClause, want: 403},
		{user: "staff-ww", method: "POST", path: "/subjects/" + wwA + "/apply/" + wwPatentClause, want: 403},
		{user: "ent-a", method: "POST", path: "/subjects/" + wwA + "/apply/" + wwPatentClause, want: 422},
	},
	"GET /console/ladder": {
		{user: "", path: "/console/ladder", want: 303},
		{user: "ent-a", path: "/console/ladder", want: 403},
		{user: "expert", path: "/console/ladder", want: 403},
		{user: "staff-fx", path: "/console/ladder?year=2024", want: 200, absent: []string{"绿源", "古浪"}},
		{user: "staff-ww", path: "/console/ladder?year=2024", want: 200},
		{user: "staff-ww", path: "/console/ladder?year=20x4", want: 422},
	},
	"GET /console/pools": {
		{user: "", path: "/console/pools", want: 303},
		{user: "ent-a", path: "/console/pools", want: 403},
		{user: "expert", path: "/console/pools", want: 403},
		{user: "staff-fx", path: "/console/pools", want: 200, absent: []string{"武威市高新技术企业培育库", "泰安市"}},
		{user: "staff-ww", path: "/console/pools", want: 200, absent: []string{"肥乡区高新技术企业培育库"}},
		{user: "finance-ww", path: "/console/pools", want: 200},
	},
	"GET /console/pools/{id}": {
		{user: "", path: "/console/pools/fx_hte_pool", want: 303},
		{user: "ent-a", path: "/console/pools/fx_hte_pool", want: 403},
		{user: "staff-ww", path: "/console/pools/fx_hte_pool", want: 403},
		{user: "staff-fx", path: "/console/pools/fx_hte_pool", want: 200, absent: []string{"绿源", "古浪"}},
		{user: "staff-fx", path: "/console/pools/nope", want: 404},
		{user: "staff-ww", path: "/console/pools/ww_hte_pool", want: 200, absent: []string{"瑞驰"}},
		{user: "finance-ww", path: "/console/pools/ww_hte_pool", want: 200},
	},
	"POST /console/pools/{id}/members": { // no subject named: not found
		{user: "", method: "POST", path: "/console/pools/fx_hte_pool/members", want: 403},
		{user: "ent-a", method: "POST", path: "/console/pools/fx_hte_pool/members", want: 403},
		{user: "staff-ww", method: "POST", path: "/console/pools/fx_hte_pool/members", want: 403},
		{user: "finance-ww", method: "POST", path: "/console/pools/ww_hte_pool/members", want: 403},
		{user: "staff-fx", method: "POST", path: "/console/pools/fx_hte_pool/members", want: 404},
	},
	"GET /pool-members/{id}": {
		{user: "", path: "/pool-members/{member}", want: 303},
		{user: "ent-a", path: "/pool-members/{member}", want: 404},
		{user: "staff-ww", path: "/pool-members/{member}", want: 404},
		{user: "expert", path: "/pool-members/{member}", want: 404},
		{user: "staff-fx", path: "/pool-members/{member}", want: 200},
		{user: "admin", path: "/pool-members/{member}", want: 200},
		{user: "admin", path: "/pool-members/999999", want: 404},
	},
	"POST /pool-members/{id}/act": { // no act named: refused, naming it
		{user: "", method: "POST", path: "/pool-members/{member}/act", want: 403},
		{user: "ent-a", method: "POST", path: "/pool-members/{member}/act", want: 404},
		{user: "staff-ww", method: "POST", path: "/pool-members/{member}/act", want: 404},
		{user: "staff-fx", method: "POST", path: "/pool-members/{member}/act", want: 422},
	},
	"GET /me/pools": {
		{user: "", path: "/me/pools", want: 303},
		{user: "ent-a", path: "/me/pools", want: 200, absent: []string{"肥乡区高新技术企业培育库", "瑞驰"}},
		{user: "staff-ww", path: "/me/pools", want: 403},
	},
	"POST /me/pools/{id}/apply": {
		{user: "", method: "POST", path: "/me/pools/ww_hte_pool/apply", want: 403},
		{user: "staff-ww", method: "POST", path: "/me/pools/ww_hte_pool/apply", want: 403},
		{user: "ent-a", method: "POST", path: "/me/pools/ww_hte_pool/apply", want: 409}, // the document has expired
		{user: "ent-a", method: "POST", path: "/me/pools/fx_hte_pool/apply", want: 422}, // not in 肥乡
	},
	"GET /console/boards": {
		{user: "", path: "/console/boards", want: 303},
		{user: "ent-a", path: "/console/boards", want: 403},
		{user: "staff-ww", path: "/console/boards?year=2024", want: 200, absent: []string{"泰安市未来产业"}},
		{user: "admin", path: "/console/boards?year=2025", want: 200},
		{user: "staff-ww", path: "/console/boards?year=x", want: 422},
	},
	"GET /console/indicators": {
		{user: "", path: "/console/indicators", want: 303},
		{user: "ent-a", path: "/console/indicators", want: 403},
		{user: "expert", path: "/console/indicators", want: 403},
		{user: "staff-ww", path: "/console/indicators", want: 200, absent: []string{"瑞驰"}},
		{user: "staff-fx", path: "/console/indicators?j=620600", want: 403},
		{user: "admin", path: "/console/indicators?j=371300", want: 200},
		{user: "admin", path: "/console/indicators?j=abc", want: 422},
	},
	"GET /console/indicators/export": {
		{user: "", path: "/console/indicators/export?format=xlsx", want: 303},
		{user: "ent-a", path: "/console/indicators/export?format=xlsx", want: 403},
		{user: "staff-ww", path: "/console/indicators/export?format=xlsx", want: 200},
		{user: "staff-ww", path: "/console/indicators/export?format=pdf", want: 422},
	},
	"POST /console/indicators/values": { // no fields: the first problem named
		{user: "", method: "POST", path: "/console/indicators/values", want: 403},
		{user: "ent-a", method: "POST", path: "/console/indicators/values", want: 403},
		{user: "expert", method: "POST", path: "/console/indicators/values", want: 403},
		{user: "staff-ww", method: "POST", path: "/console/indicators/values", want: 422},
	},
	"POST /console/indicators/import": { // no file
		{user: "", method: "POST", path: "/console/indicators/import", want: 403},
		{user: "ent-a", method: "POST", path: "/console/indicators/import", want: 403},
		{user: "staff-ww", method: "POST", path: "/console/indicators/import", want: 422},
	},
	"GET /challenges": {
		{user: "", path: "/challenges", want: 200, absent: []string{"草拟中的榜单"}},
		{user: "ent-a", path: "/challenges", want: 200, absent: []string{"草拟中的榜单"}},
		{user: "staff-ww", path: "/challenges", want: 200},
		{user: "staff-fx", path: "/challenges", want: 200, absent: []string{"草拟中的榜单"}},
	},
	"GET /challenges/{id}": {
		{user: "", path: "/challenges/{challenge}", want: 200},
		{user: "", path: "/challenges/{draft}", want: 404},
		{user: "ent-a", path: "/challenges/{draft}", want: 404},
		{user: "staff-fx", path: "/challenges/{draft}", want: 404},
		{user: "staff-ww", path: "/challenges/{draft}", want: 200},
		{user: "admin", path: "/challenges/999999", want: 404},
	},
	"POST /challenges/{id}/act": { // no act named: refused, naming it
		{user: "", method: "POST", path: "/challenges/{challenge}/act", want: 403},
		{user: "ent-a", method: "POST", path: "/challenges/{draft}/act", want: 404},
		{user: "staff-ww", method: "POST", path: "/challenges/{challenge}/act", want: 422},
	},
	"POST /challenges/{id}/bids": { // no fields: the form again, naming the age
		{user: "", method: "POST", path: "/challenges/{challenge}/bids", want: 403},
		{user: "staff-ww", method: "POST", path: "/challenges/{challenge}/bids", want: 403},
		{user: "ent-a", method: "POST", path: "/challenges/{draft}/bids", want: 404},
		{user: "ent-a", method: "POST", path: "/challenges/{challenge}/bids", want: 422},
	},
	"POST /challenges/{id}/review": { // the challenge is still open: refused, saying the review comes after the deadline
		{user: "", method: "POST", path: "/challenges/{challenge}/review", want: 403},
		{user: "ent-a", method: "POST", path: "/challenges/{challenge}/review", want: 403},
		{user: "ent-a", method: "POST", path: "/challenges/{draft}/review", want: 404},
		{user: "staff-fx", method: "POST", path: "/challenges/{challenge}/review", want: 403},
		{user: "staff-ww", method: "POST", path: "/challenges/{challenge}/review", want: 409},
	},
	"GET /challenges/{id}/projects/{bid}": { // the fixture's challenge has no granted project
		{user: "", path: "/challenges/{challenge}/projects/1", want: 303},
		{user: "ent-a", path: "/challenges/{challenge}/projects/1", want: 404},
		{user: "staff-fx", path: "/challenges/{challenge}/projects/1", want: 404},
		{user: "staff-ww", path: "/challenges/{challenge}/projects/1", want: 404},
	},
	"POST /challenges/{id}/projects/{bid}": {
		{user: "", method: "POST", path: "/challenges/{challenge}/projects/1", want: 403},
		{user: "ent-a", method: "POST", path: "/challenges/{challenge}/projects/1", want: 404},
		{user: "staff-ww", method: "POST", path: "/challenges/{draft}/projects/1", want: 404},
	},
	"GET /console/projects": {
		{user: "", path: "/console/projects", want: 303},
		{user: "ent-a", path: "/console/projects", want: 403},
		{user: "staff-fx", path: "/console/projects", want: 200, absent: []string{"高寒日光温室智能控温"}},
		{user: "staff-ww", path: "/console/projects", want: 200},
	},
	"POST /console/challenges": { // no fields: the form again, naming them
		{user: "", method: "POST", path: "/console/challenges", want: 403},
		{user: "ent-a", method: "POST", path: "/console/challenges", want: 403},
		{user: "finance-ww", method: "POST", path: "/console/challenges", want: 403},
		{user: "staff-ww", method: "POST", path: "/console/challenges", want: 422},
	},
	"GET /console/points": {
		{user: "", path: "/console/points", want: 303},
		{user: "ent-a", path: "/console/points", want: 403},
		{user: "expert", path: "/console/points", want: 403},
		{user: "staff-fx", path: "/console/points?year=2025", want: 200, absent: []string{"绿源", "古浪"}},
		{user: "staff-ww", path: "/console/points?year=2025", want: 200},
		{user: "staff-ww", path: "/console/points?year=x", want: 422},
	},
	"GET /console/points/export": {
		{user: "", path: "/console/points/export?format=csv", want: 303},
		{user: "ent-a", path: "/console/points/export?format=csv", want: 403},
		{user: "staff-fx", path: "/console/points/export?format=csv&year=2025", want: 200, absent: []string{"绿源"}},
		{user: "finance-ww", path: "/console/points/export?format=xlsx&year=2025", want: 200},
		{user: "staff-ww", path: "/console/points/export?format=pdf", want: 422},
	},
	"GET /console/cases": {
		{user: "", path: "/console/cases", want: 303},
		{user: "ent-a", path: "/console/cases", want: 403},
		{user: "expert", path: "/console/cases", want: 403},
		{user: "staff-fx", path: "/console/cases", want: 200, absent: []string{"绿源", "古浪魔方"}},
		{user: "staff-lz", path: "/console/cases?all=1", want: 200, absent: []string{"古浪魔方"}},
		{user: "staff-ww", path: "/console/cases?all=1", want: 200},
		{user: "finance-ww", path: "/console/cases", want: 200},
	},
	"POST /console/proposals": {
		{user: "", method: "POST", path: "/console/proposals", want: 403},
		{user: "ent-a", method: "POST", path: "/console/proposals", want: 403},
		{user: "finance-ww", method: "POST", path: "/console/proposals", want: 403},
		{user: "staff-ww", method: "POST", path: "/console/proposals", want: 303},
	},
	"GET /console/fulfilment": {
		{user: "", path: "/console/fulfilment", want: 303},
		{user: "ent-a", path: "/console/fulfilment", want: 403},
		{user: "staff-fx", path: "/console/fulfilment", want: 200, absent: []string{wwClause}},
		{user: "staff-ww", path: "/console/fulfilment", want: 200},
	},
	"POST /console/fulfilment": {
		{user: "", method: "POST", path: "/console/fulfilment", want: 403},
		{user: "ent-a", method: "POST", path: "/console/fulfilment", want: 403},
		{user: "finance-ww", method: "POST", path: "/console/fulfilment", want: 403},
		{user: "staff-ww", method: "POST", path: "/console/fulfilment", want: 422}, // no clause
	},
	"GET /console/budget": {
		{user: "", path: "/console/budget", want: 303},
		{user: "ent-a", path: "/console/budget", want: 403},
		{user: "staff-fx", path: "/console/budget", want: 200, absent: []string{"武威市级财政"}},
		{user: "finance-ww", path: "/console/budget", want: 200},
	},
	"POST /console/budget/envelopes": {
		{user: "", method: "POST", path: "/console/budget/envelopes", want: 403},
		{user: "ent-a", method: "POST", path: "/console/budget/envelopes", want: 403},
		{user: "staff-ww", method: "POST", path: "/console/budget/envelopes", want: 403},
		{user: "finance-ww", method: "POST", path: "/console/budget/envelopes", want: 422}, // no amount
	},
	"GET /console/batches": {
		{user: "", path: "/console/batches", want: 303},
		{user: "ent-a", path: "/console/batches", want: 403},
		{user: "staff-fx", path: "/console/batches", want: 200, absent: []string{"/console/batches/{batch}"}},
		{user: "finance-ww", path: "/console/batches", want: 200},
	},
	"POST /console/batches": {
		{user: "", method: "POST", path: "/console/batches", want: 403},
		{user: "ent-a", method: "POST", path: "/console/batches", want: 403},
		{user: "staff-ww", method: "POST", path: "/console/batches", want: 403},
		{user: "finance-ww", method: "POST", path: "/console/batches", want: 422}, // no payer
	},
	"GET /console/batches/{id}": {
		{user: "", path: "/console/batches/{batch}", want: 303},
		{user: "ent-a", path: "/console/batches/{batch}", want: 403},
		{user: "staff-fx", path: "/console/batches/{batch}", want: 403},
		{user: "finance-ww", path: "/console/batches/{batch}", want: 200},
		{user: "finance-ww", path: "/console/batches/999999", want: 404},
	},
	"GET /console/batches/{id}/export": {
		{user: "", path: "/console/batches/{batch}/export?format=csv", want: 303},
		{user: "ent-a", path: "/console/batches/{batch}/export?format=csv", want: 403},
		{user: "staff-fx", path: "/console/batches/{batch}/export?format=csv", want: 403},
		{user: "finance-ww", path: "/console/batches/{batch}/export?format=csv", want: 200},
		{user: "finance-ww", path: "/console/batches/{batch}/export?format=pdf", want: 422},
	},
	"POST /console/batches/{id}/confirm": {
		{user: "", method: "POST", path: "/console/batches/{batch}/confirm", want: 403},
		{user: "ent-a", method: "POST", path: "/console/batches/{batch}/confirm", want: 403},
		{user: "staff-ww", method: "POST", path: "/console/batches/{batch}/confirm", want: 403},
		{user: "finance-ww", method: "POST", path: "/console/batches/999999/confirm", want: 404},
	},
	"POST /console/payments/{id}/reverse": { // the payment is not yet paid: finance is told so
		{user: "", method: "POST", path: "/console/payments/{payment}/reverse", want: 403},
		{user: "ent-a", method: "POST", path: "/console/payments/{payment}/reverse", want: 403},
		{user: "staff-ww", method: "POST", path: "/console/payments/{payment}/reverse", want: 403},
		{user: "finance-ww", method: "POST", path: "/console/payments/{payment}/reverse", want: 422}, // no reason
	},
}

func TestPageAuthorisation(t *testing.T) {
	f := newFixture(t, 0)
	for _, p := range Pages {
		key := p.Method + " " + p.Path
		probes, ok := pageProbes[key]
		if !ok {
			t.Errorf("page %s has no authorisation probes: add them to pageProbes", key)
			continue
		}
		if p.Access != Public {
			// Every page behind a sign-in is tried without one.
			found := false
			for _, pr := range probes {
				found = found || pr.user == ""
			}
			if !found {
				t.Errorf("page %s: no probe as a visitor", key)
			}
		}
	}
	for key := range pageProbes {
		found := false
		for _, p := range Pages {
			found = found || p.Method+" "+p.Path == key
		}
		if !found {
			t.Errorf("pageProbes names %s, which is not a page", key)
		}
	}
	ids := strings.NewReplacer("{caseA}", fmt.Sprint(f.caseA), "{caseB}", fmt.Sprint(f.caseB), "{batch}", fmt.Sprint(f.batch), "{payment}", fmt.Sprint(f.payment), "{member}", fmt.Sprint(f.member),
		"{challenge}", fmt.Sprint(f.challenge), "{draft}", fmt.Sprint(f.draftChallenge))
	for key, probes := range pageProbes {
		for _, pr := range probes {
			pr.path = ids.Replace(pr.path)
			for i := range pr.absent {
				pr.absent[i] = ids.Replace(pr.absent[i])
			}
			// A fresh session per probe: signing out must not end the next probe's.
			c := f.anon(t)
			if pr.user != "" {
				c = f.login(t, pr.user)
			}
			var res response
			switch pr.method {
			case "", "GET":
				res = c.get(pr.path)
			case "POST":
				form := url.Values{}
				if pr.path == "/login" {
					form = url.Values{"id": {"ent-a"}, "password": {"wrong password"}}
				}
				if pr.user != "" {
					res = c.postCSRF(pr.path, form)
				} else {
					res = c.post(pr.path, form)
				}
			}
			if res.status != pr.want {
				t.Errorf("%s: %s %s as %q: status %d, want %d", key, pr.method, pr.path, pr.user, res.status, pr.want)
			}
			if res.status == http.StatusSeeOther && pr.user == "" && strings.HasPrefix(res.location, "/login") && !strings.Contains(res.location, "next=") {
				t.Errorf("%s: sign-in redirect without next: %s", key, res.location)
			}
			for _, a := range pr.absent {
				if strings.Contains(res.body, a) {
					t.Errorf("%s: %s as %q shows %q, which is outside the account's reach", key, pr.path, pr.user, a)
				}
			}
		}
	}
}

// TestCSRF: a signed-in POST without the session's token changes nothing.
func TestCSRF(t *testing.T) {
	f := newFixture(t, 0)
	c := f.login(t, "staff-ww")
	for _, path := range []string{"/logout", "/console/match/run"} {
		res := c.post(path, url.Values{"csrf": {"forged"}})
		if res.status != http.StatusForbidden || !strings.Contains(res.body, "CSRF") {
			t.Errorf("POST %s with a forged token: status %d, want 403 naming CSRF", path, res.status)
		}
	}
	if res := c.get("/console"); res.status != http.StatusOK {
		t.Errorf("the session ended on a forged sign-out: status %d", res.status)
	}
	// A sign-in form posted from another site is refused (login CSRF); from this one it works.
	for origin, want := range map[string]int{"https://evil.example": http.StatusForbidden, f.srv.URL: http.StatusSeeOther} {
		req, _ := http.NewRequest("POST", f.srv.URL+"/login", strings.NewReader(url.Values{"id": {"ent-a"}, "password": {testPassword}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		if res := f.anon(t).do(req); res.status != want {
			t.Errorf("sign-in posted from %s: status %d, want %d", origin, res.status, want)
		}
	}
}

// A document's route and workflow: set by an account that may act on every
// clause of it; a clause without its own setting follows it.
func TestDocumentSetting(t *testing.T) {
	f := newFixture(t, 0)
	form := url.Values{"doc": {"wuwei-2022"}, "route": {"auto"}, "days_accept": {"3"}, "notice_days": {"5"}}
	for user, want := range map[string]int{"staff-fx": 403, "staff-ww-market": 403, "admin": 303} {
		if res := f.login(t, user).postCSRF("/console/fulfilment", form); res.status != want {
			t.Errorf("document setting as %s: %d, want %d", user, res.status, want)
		}
	}
	st, err := f.db.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := f.eng.ClauseByID(wwPatentClause)
	k := service.ConfigOf(st, c)
	if k.From != "doc:wuwei-2022" || k.Route != fulfil.RouteAuto || k.Workflow.NoticeDays != 5 || k.Workflow.Steps[1].Days != 3 {
		t.Errorf("the clause's configuration: %+v", k)
	}
	if own := service.ConfigOf(st, mustClause(t, f, wwClause)); own.From != "clause:"+wwClause {
		t.Errorf("a clause's own setting lost to its document's: %+v", own)
	}
	// A step given to one of the clause's 责任单位; another unit is refused, naming the field.
	admin := f.login(t, "admin")
	if res := admin.postCSRF("/console/fulfilment", url.Values{"clause": {wwClause}, "route": {"auto"}, "dept_recheck": {"市财政局"}}); res.status != 303 {
		t.Errorf("a step given to 市财政局: %d %s", res.status, res.body)
	}
	st, _ = f.db.Settings(context.Background())
	if k := service.ConfigOf(st, mustClause(t, f, wwClause)); k.Workflow.Steps[3].Step != fulfil.Recheck || k.Workflow.Steps[3].Department != "市财政局" {
		t.Errorf("the 复核 step: %+v", k.Workflow.Steps[3])
	}
	if res := admin.postCSRF("/console/fulfilment", url.Values{"clause": {wwClause}, "route": {"auto"}, "dept_review": {"市教育局"}}); res.status != 422 || !strings.Contains(res.body, "责任单位") {
		t.Errorf("a step given to a unit not responsible: %d", res.status)
	}
	if res := admin.postCSRF("/console/fulfilment", url.Values{"clause": {wwClause}, "route": {"auto"}, "days_accept": {"五"}}); res.status != 422 || !strings.Contains(res.body, "不是天数") {
		t.Errorf("a deadline that is not a number: %d", res.status)
	}
	if res := f.login(t, "admin").get("/console/fulfilment"); !strings.Contains(res.body, `id="d-wuwei-2022"`) {
		t.Error("the settings page does not list the document")
	}
}

func mustClause(t *testing.T, f *fixture, id string) *rules.Clause {
	c, ok := f.eng.ClauseByID(id)
	if !ok {
		t.Fatalf("no clause %s", id)
	}
	return c
}

// Every fulfilment, ladder and points page renders in English with every
// message found in the catalog (a missing key shows as [key]).
func TestEnglishPages(t *testing.T) {
	f := newFixture(t, 30)
	c := f.login(t, "admin")
	if res := c.get("/lang/en?next=/policies"); res.status != http.StatusSeeOther {
		t.Fatalf("switching to English: %d", res.status)
	}
	missing := regexp.MustCompile(`\[[a-z]+\.[a-z0-9._-]+\]`)
	for _, p := range []string{fmt.Sprintf("/cases/%d", f.caseA), "/console/cases?all=1", "/console/fulfilment", "/console/budget", "/console/batches",
		fmt.Sprintf("/console/batches/%d", f.batch), "/notice", "/console/ladder?year=2025", "/console/points?year=2025",
		"/subjects/" + wwA + "/apply/" + wwPatentClause} {
		res := c.get(p)
		if p == "/subjects/"+wwA+"/apply/"+wwPatentClause {
			res = f.login(t, "ent-a").getLang(p, "en")
		}
		if res.status != http.StatusOK {
			t.Errorf("%s: %d", p, res.status)
			continue
		}
		if m := missing.FindString(res.body); m != "" {
			t.Errorf("%s shows the missing message %s", p, m)
		}
		if !strings.Contains(res.body, `lang="en"`) {
			t.Errorf("%s is not in English", p)
		}
	}
}
