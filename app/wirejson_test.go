package app

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// timeShaped is any string a client would take for a timestamp.
var timeShaped = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}`)

// cityTime is the API's one convention (wirejson.go): RFC 3339, whole
// seconds, the city's offset.
var cityTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$`)

// walkTimes calls fn with the path and value of every timestamp-shaped
// string in a decoded JSON document.
func walkTimes(path string, v any, fn func(path, s string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			walkTimes(path+"."+k, e, fn)
		}
	case []any:
		for _, e := range x {
			walkTimes(path+"[]", e, fn)
		}
	case string:
		if timeShaped.MatchString(x) {
			fn(path, x)
		}
	}
}

// TestEveryTimeFieldIsCityTime walks the answer of every GET route of the
// API (the authorization matrix's world: a ticket in progress and a
// published one, an appointment, guides, a policy, halls, schedules, audit
// entries) as a person allowed to read it, and checks that every time in
// every answer is in the one convention — whatever domain wrote it.
func TestEveryTimeFieldIsCityTime(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *testApp) {
		w := newWorld(t, a)
		seen := map[string]bool{} // route → it had a time field
		for _, m := range authzMatrix() {
			if m.method != "GET" || m.console || m.oa || !strings.HasPrefix(m.path, "/api/") {
				continue
			}
			// the person of the route's audience most likely to see most: staff before residents
			for _, p := range []who{admin, oper, handX, clerk1, editor, resA, anon} {
				if m.expect(p) != passed {
					continue
				}
				r := w.probe(t, m, p)
				if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
					break
				}
				var doc any
				if err := json.Unmarshal(r.Body, &doc); err != nil {
					t.Fatalf("%s %s: %v", m.method, m.path, err)
				}
				walkTimes("", doc, func(path, s string) {
					if m.path == "/api/v1/subscribe-templates" && strings.HasSuffix(path, ".example") {
						return // a WeChat message's text, in the template's own time format
					}
					seen[m.path] = true
					if !cityTime.MatchString(s) {
						t.Errorf("%s as %s: %s = %q, want RFC 3339 with +08:00 and whole seconds", m.path, p, path, s)
					}
				})
				break
			}
		}
		// the slots need their query: the day's slots at hall 1
		r := a.do("GET", fmt.Sprintf("/api/v1/halls/%d/slots?guide_code=%s&date=2026-11-17", w.hall1, authzGuide), "", nil)
		if r.Status != 200 {
			t.Fatalf("slots: %d %s", r.Status, r.Body)
		}
		walkTimes("", r.json(t), func(path, s string) {
			seen["/api/v1/halls/:id/slots"] = true
			if !cityTime.MatchString(s) {
				t.Errorf("slots: %s = %q, want RFC 3339 with +08:00 and whole seconds", path, s)
			}
		})
		// the walk proves nothing unless it met the domains' times
		for _, want := range []string{"/api/v1/me/tickets/:no", "/api/v1/ops/tickets/:no", "/api/v1/me/appointments/:id",
			"/api/v1/guides/:code", "/api/v1/policies/:id", "/api/v1/halls/:id/slots", "/api/v1/admin/guides/:code/versions/:version", "/api/v1/admin/audit-log"} {
			if !seen[want] {
				t.Errorf("%s: the walk met no time field there (a route renamed, or the fixture lost its object)", want)
			}
		}
		var routes []string
		for p := range seen {
			routes = append(routes, p)
		}
		sort.Strings(routes)
		t.Logf("time fields checked on %d routes: %s", len(routes), strings.Join(routes, " "))
	})
}
