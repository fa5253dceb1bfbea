package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"kechuang/internal/rules"
	"kechuang/internal/rules/rulestest"
)

// library is the bundled policy library, compiled once per test binary.
func library(t testing.TB) *rules.Engine { return rulestest.Library(t) }

func server(t *testing.T) *httptest.Server {
	t.Helper()
	s := &Server{Engine: library(t), Now: func() time.Time { return time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) }}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// spec is the parts of openapi.yaml the contract tests read.
type spec struct {
	Paths map[string]map[string]struct {
		Responses map[string]struct {
			Ref     string `yaml:"$ref"`
			Content map[string]struct {
				Schema struct {
					Ref      string   `yaml:"$ref"`
					Required []string `yaml:"required"`
				} `yaml:"schema"`
			} `yaml:"content"`
		} `yaml:"responses"`
	} `yaml:"paths"`
	Components struct {
		Schemas map[string]struct {
			Required []string `yaml:"required"`
		} `yaml:"schemas"`
	} `yaml:"components"`
}

func loadSpec(t *testing.T) spec {
	var s spec
	if err := yaml.Unmarshal(OpenAPI, &s); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return s
}

// Every route is documented and every documented path is a route.
func TestRoutesMatchOpenAPI(t *testing.T) {
	s := loadSpec(t)
	seen := map[string]bool{}
	for _, rt := range Routes {
		key := strings.ToLower(rt.Method) + " " + rt.Path
		seen[key] = true
		if _, ok := s.Paths[rt.Path][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("route %s is not in openapi.yaml", key)
		}
	}
	for path, ops := range s.Paths {
		for method := range ops {
			if !seen[method+" "+path] {
				t.Errorf("openapi.yaml documents %s %s, which is not a route", method, path)
			}
		}
	}
}

// Contract: a request per route (and per documented error), whose status
// must be documented for the route and whose JSON body must hold the
// schema's required fields.
func TestContract(t *testing.T) {
	ts := server(t)
	s := loadSpec(t)
	fx, err := os.ReadFile("../../examples/wuwei-hte-candidate.json")
	if err != nil {
		t.Fatal(err)
	}
	good := `{"facts": ` + string(fx) + `, "assess": true}`
	for _, tt := range []struct {
		method, path, route, body string
		status                    int
	}{
		{"GET", "/api/v1/health", "/api/v1/health", "", 200},
		{"GET", "/api/v1/openapi.yaml", "/api/v1/openapi.yaml", "", 200},
		{"GET", "/api/v1/documents", "/api/v1/documents", "", 200},
		{"GET", "/api/v1/clauses/ww-hte-new", "/api/v1/clauses/{id}", "", 200},
		{"GET", "/api/v1/clauses/nope", "/api/v1/clauses/{id}", "", 404},
		{"GET", "/api/v1/standards", "/api/v1/standards", "", 200},
		{"GET", "/api/v1/standards/hte-2016", "/api/v1/standards/{id}", "", 200},
		{"GET", "/api/v1/standards/nope", "/api/v1/standards/{id}", "", 404},
		{"POST", "/api/v1/evaluate", "/api/v1/evaluate", good, 200},
		{"POST", "/api/v1/evaluate", "/api/v1/evaluate", `{"facts": {"subject": {"id": "e", "kind": "enterprise", "region": "620699"}}}`, 422},
		{"POST", "/api/v1/ladder", "/api/v1/ladder", good, 200},
		{"POST", "/api/v1/ladder", "/api/v1/ladder", `{"fact": {}}`, 422},
	} {
		req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(tt.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: status %d, want %d: %s", tt.method, tt.path, resp.StatusCode, tt.status, body)
			continue
		}
		checkContract(t, s, tt.method, tt.route, tt.status, resp.Header.Get("Content-Type"), body)
	}
}

// checkContract: the status is documented for the route, and a JSON body
// holds the documented schema's required fields.
func checkContract(t *testing.T, s spec, method, route string, status int, contentType string, body []byte) {
	t.Helper()
	doc, ok := s.Paths[route][strings.ToLower(method)].Responses[strconv.Itoa(status)]
	if !ok {
		t.Errorf("%s %s: status %d is not documented", method, route, status)
		return
	}
	required := doc.Content["application/json"].Schema.Required
	if ref := doc.Content["application/json"].Schema.Ref; ref != "" {
		required = s.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")].Required
	}
	if doc.Ref != "" {
		required = []string{"error", "errors"}
	}
	if !strings.Contains(contentType, "json") {
		return
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Errorf("%s %s: not JSON: %v", method, route, err)
		return
	}
	for _, k := range required {
		if _, ok := m[k]; !ok {
			t.Errorf("%s %s: response lacks required %q: %.300s", method, route, k, body)
		}
	}
}

// Errors say where: the JSON path of the bad fact, under $.facts.
func TestErrorField(t *testing.T) {
	ts := server(t)
	resp, err := http.Post(ts.URL+"/api/v1/evaluate", "application/json",
		strings.NewReader(`{"facts": {"subject": {"id": "e", "kind": "enterprise", "region": "620602"}, "annual": [{"year": 2024, "revenue": "abc"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Error apiError `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 422 || out.Error.Kind != "invalid" || out.Error.Field != "$.facts.annual[0].revenue" {
		t.Fatalf("status %d, error %+v", resp.StatusCode, out.Error)
	}
	big := strings.NewReader(`{"facts": "` + strings.Repeat("x", MaxBody+10) + `"}`)
	resp2, err := http.Post(ts.URL+"/api/v1/evaluate", "application/json", big)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 422 {
		t.Errorf("an oversized body: status %d, want 422", resp2.StatusCode)
	}
	resp3, _ := http.Get(ts.URL + "/api/v1/nothing")
	resp3.Body.Close()
	if resp3.StatusCode != 404 {
		t.Errorf("an unknown route: %d", resp3.StatusCode)
	}
}
