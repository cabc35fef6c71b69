package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Every list route of the API declares its query parameters, and the OpenAPI
// document lists them with their types and, where the values are few, enums;
// a declared parameter passes while an undeclared one is refused naming it.
func TestQueryParametersAreDeclaredDocumentedAndEnforced(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		var doc struct {
			Paths map[string]map[string]struct {
				Parameters []struct {
					Name   string         `json:"name"`
					In     string         `json:"in"`
					Schema map[string]any `json:"schema"`
				} `json:"parameters"`
			} `json:"paths"`
		}
		if err := json.Unmarshal(a.do("GET", "/openapi.json", "", nil).Body, &doc); err != nil {
			t.Fatal(err)
		}
		for _, r := range a.routes() {
			if r.Method != "GET" || !strings.HasPrefix(r.Path, "/api/") || r.Resp == nil {
				continue
			}
			name := fmt.Sprintf("%T", r.Resp)
			list := strings.Contains(name, "list") || strings.Contains(name, "List") || strings.Contains(name, "Page")
			if list && !strings.Contains(r.Path, "/versions") && !strings.HasSuffix(r.Path, "/duplicates") &&
				!strings.HasSuffix(r.Path, "/schedules") && !strings.HasSuffix(r.Path, "/closures") &&
				r.Path != "/api/v1/departments" && r.Path != "/api/v1/guide-categories" && r.Path != "/api/v1/topics" && r.Path != "/api/v1/me/subscribe-grants" &&
				r.Path != "/api/v1/subscribe-templates" && len(r.Query) == 0 {
				t.Errorf("GET %s answers a paged list but declares no query parameters", r.Path)
			}
			got := map[string]map[string]any{}
			for _, p := range doc.Paths[openAPIPath(r.Path)]["get"].Parameters {
				if p.In == "query" {
					got[p.Name] = p.Schema
				}
			}
			for _, p := range r.Query {
				s, ok := got[p.Name]
				if !ok {
					t.Errorf("GET %s: %s is declared but not in the document", r.Path, p.Name)
					continue
				}
				if len(p.Enum) > 0 && len(s["enum"].([]any)) != len(p.Enum) {
					t.Errorf("GET %s: %s enum %v, want %v", r.Path, p.Name, s["enum"], p.Enum)
				}
			}
			if len(got) != len(r.Query) {
				t.Errorf("GET %s: document lists %d query parameters, route declares %d", r.Path, len(got), len(r.Query))
			}
		}
		sort := doc.Paths["/api/v1/ops/tickets"]["get"].Parameters
		found := false
		for _, p := range sort {
			if p.Name == "sort" {
				found = strings.Contains(mustJSONString(p.Schema["enum"]), `"urgent"`)
			}
		}
		if !found {
			t.Error("GET /api/v1/ops/tickets: sort is not documented with its enum")
		}

		for _, target := range []string{"/api/v1/guides?colour=red", "/api/v1/policies?q=x&colour=red", "/api/v1/public/tickets?colour=red", "/healthz?colour=red"} {
			r := a.do("GET", target, "", nil)
			if r.Status != 400 || r.errorCode(t) != "invalid_request" || !strings.Contains(string(r.Body), `"colour":"不支持的参数"`) {
				t.Errorf("GET %s = %d %s, want 400 naming colour", target, r.Status, r.Body)
			}
		}
		for _, target := range []string{"/api/v1/guides?q=x&limit=5&category=", "/api/v1/policies?q=x&topic=", "/api/v1/public/tickets?limit=3"} {
			if r := a.do("GET", target, "", nil); r.Status != 200 {
				t.Errorf("GET %s = %d %s, want 200", target, r.Status, r.Body)
			}
		}
		// Pages accept what a WeChat share appends to their address.
		if r := a.do("GET", "/docs?from=singlemessage&isappinstalled=0", "", nil); r.Status != 200 {
			t.Errorf("/docs with WeChat's share parameters = %d", r.Status)
		}
	})
}

func mustJSONString(v any) string { b, _ := json.Marshal(v); return string(b) }
