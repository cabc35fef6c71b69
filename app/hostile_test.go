package app

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"govapp/internal/account"
)

// docOp is one operation of the OpenAPI document, with the route-table line
// it was generated from (for who may call it and its body limit).
type docOp struct {
	method, path string // path as in the document: /api/v1/guides/{code}
	body         schema // the JSON body's schema, nil when none
	idempotent   bool
	list         bool // answers a list: {"items","next_cursor"}
	route        route
}

var docParam = regexp.MustCompile(`\{([A-Za-z_]+)\}`)

// openAPIOps reads GET /openapi.json and pairs each operation with its route.
func (a *testApp) openAPIOps(t *testing.T) []docOp {
	t.Helper()
	r := a.do("GET", "/openapi.json", "", nil)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
			RequestBody struct {
				Content map[string]struct {
					Schema schema `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
			Responses map[string]struct {
				Content map[string]struct {
					Schema schema `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil || len(doc.Paths) == 0 {
		t.Fatalf("openapi.json (%d): %v", r.Status, err)
	}
	table := map[string]route{}
	for _, rt := range a.routes() {
		table[rt.Method+" "+openAPIPath(rt.Path)] = rt
	}
	var ops []docOp
	for p, methods := range doc.Paths {
		for m, op := range methods {
			rt, ok := table[strings.ToUpper(m)+" "+p]
			if !ok {
				t.Fatalf("%s %s is in the document but not in the route table", m, p)
			}
			o := docOp{method: strings.ToUpper(m), path: p, route: rt, body: op.RequestBody.Content["application/json"].Schema}
			for _, prm := range op.Parameters {
				o.idempotent = o.idempotent || (prm.In == "header" && prm.Name == "Idempotency-Key")
			}
			for _, resp := range op.Responses {
				props, _ := resp.Content["application/json"].Schema["properties"].(schema)
				o.list = o.list || props["next_cursor"] != nil
			}
			ops = append(ops, o)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

// skippedPrefixes are routes the walk leaves to their own tests, and why.
var skippedPrefixes = map[string]string{
	"/console":   "the console takes HTML forms behind a cookie session and a CSRF token (console_test.go refuses forms without the token)",
	"/wechat/oa": "WeChat's callback answers text/XML behind its signature protocol (TestHostileWeChatCallback, FuzzPush)",
}

// rawBodyRoutes take a body that is not a JSON object (so the document has no schema for it).
var rawBodyRoutes = map[string][]hostileCase{
	"POST /api/v1/uploads": {
		{name: "text", body: []byte("this is not an image"), ctype: "image/png"},
		{name: "JSON", body: []byte(`{"file":"x.png"}`)},
		{name: "PNG signature then garbage", body: append([]byte("\x89PNG\r\n\x1a\n"), strings.Repeat("\x00garbage", 100)...), ctype: "image/png"},
		{name: "GIF header only", body: []byte("GIF89a"), ctype: "image/gif"},
		{name: "SVG with a script", body: []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), ctype: "image/svg+xml"},
		{name: "a forged multipart", body: []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nnot a png\r\n--x--\r\n"),
			ctype: "multipart/form-data; boundary=x"},
	},
	"POST /api/v1/admin/guides/import": {
		{name: "truncated JSON", body: []byte(`[{"code":`)},
		{name: "an object instead of an array", body: []byte(`{"code":"ZZ-0001"}`)},
		{name: "wrong types", body: []byte(`[{"code":1,"name":{},"department_id":"x"}]`)},
		{name: "SQL and script in every field", body: mustJSON([]map[string]any{{"code": sqlText, "name": scriptText, "department_id": -1}})},
		{name: "a NUL in JSON", body: []byte(`[{"code":"ZZ-0001","name":"a\u0000b"}]`)},
		{name: "CSV without a header", body: []byte("ZZ-0001,名称\n"), ctype: "text/csv"},
		{name: "CSV with an unterminated quote", body: []byte("code,name\n\"ZZ-0001,名称\n"), ctype: "text/csv"},
		{name: "CSV with NUL and invalid UTF-8", body: []byte("code,name\nZZ-0001,a\x00\xff\n"), ctype: "text/csv"},
		{name: "CSV with SQL and script", body: []byte("code,name\n\"" + sqlText + "\",\"" + scriptText + "\"\n"), ctype: "text/csv"},
		{name: "an unsupported type", body: []byte("<guides/>"), ctype: "application/xml"},
	},
}

// noInputWrites are writes that take neither a body nor a parameter.
var noInputWrites = map[string]bool{"POST /api/v1/auth/logout": true, "POST /api/v1/auth/refresh": true}

// hostileWorld holds the tokens the walk signs in with: a resident with a
// bound phone, and an admin, whose role passes every staff route.
type hostileWorld struct{ resident, admin string }

func (w hostileWorld) token(rt route) string {
	switch rt.Auth {
	case authResident, authAny:
		return w.resident
	case authStaff:
		return w.admin
	}
	return ""
}

// TestHostileInputIsRefusedAndChangesNothing walks every operation of the
// OpenAPI document that takes a body, path or query parameters and sends it
// malformed JSON, wrong types, unknown fields, huge, SQL, script and control
// text, out-of-range and overflowing numbers, garbled path and query
// parameters and malformed Idempotency-Keys, signed in as someone the route
// lets in. Each answer must be a 4xx in the error envelope with a Chinese
// message — from the JSON binding itself where the body cannot be decoded —
// and no table may change over the whole walk.
func TestHostileInputIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	heavy(t)
	eachBackend(t, func(t *testing.T, a *testApp) {
		w := hostileWorld{resident: a.devLogin("o-hostile", "13800138000"),
			admin: a.staffToken("hostile-admin", account.RoleAdmin, "市政务服务中心")}
		ops := a.openAPIOps(t)
		before := dbSnapshot(t, a)
		walked, requests := 0, 0
		skipped := map[string]int{}
		for _, op := range ops {
			key := op.method + " " + op.path
			if reason := skipReason(op.path); reason != "" {
				skipped[reason]++
				continue
			}
			if op.method == "GET" && op.list && len(op.route.Query) == 0 {
				a.probePaging(t, op, w)
			}
			params := docParam.FindAllStringSubmatch(op.path, -1)
			raw, isRaw := rawBodyRoutes[key]
			hasQuery := len(op.route.Query) > 0
			if op.body == nil && len(params) == 0 && !isRaw && !hasQuery {
				if op.method != "GET" && !noInputWrites[key] {
					t.Errorf("%s takes neither a documented body nor parameters: add it to rawBodyRoutes or noInputWrites", key)
				}
				continue
			}
			walked++
			t.Run(key, func(t *testing.T) {
				sa := *a
				sa.t = t
				snap := dbSnapshot(t, a)
				requests += sa.walkOp(t, op, w, raw)
				if diff := diffSnapshots(snap, dbSnapshot(t, a)); len(diff) > 0 {
					t.Errorf("hostile input changed the database:\n%s", strings.Join(diff, "\n"))
				}
			})
		}
		if walked < 60 {
			t.Errorf("walked only %d operations", walked)
		}
		if diff := diffSnapshots(before, dbSnapshot(t, a)); len(diff) > 0 {
			t.Errorf("hostile input changed the database:\n%s", strings.Join(diff, "\n"))
		}
		t.Logf("%d operations walked with %d hostile requests", walked, requests)
		for why, n := range skipped {
			t.Logf("%d operations skipped: %s", n, why)
		}
	})
}

func skipReason(path string) string {
	for prefix, why := range skippedPrefixes {
		if path == prefix || strings.HasPrefix(path, prefix+"/") {
			return why
		}
	}
	return ""
}

// fill returns the request path of op with each parameter well-formed,
// except name, which gets value.
func fill(path, name, value string) string {
	return docParam.ReplaceAllStringFunc(path, func(m string) string {
		p := m[1 : len(m)-1]
		if p == name {
			return value
		}
		v, ok := wellFormed[p]
		if !ok {
			panic("no well-formed value for path parameter " + p + " of " + path + ": add one to wellFormed")
		}
		return v
	})
}

// probePaging fails when a list route that declares no query parameters
// (route.Query) does not refuse ?limit= and ?cursor= as unknown: the
// refusal names the parameter as unsupported, so that a new paged route
// cannot escape the query walk by forgetting to declare them.
func (a *testApp) probePaging(t *testing.T, op docOp, w hostileWorld) {
	t.Helper()
	for _, q := range []string{"limit=-1", "cursor=garbage"} {
		r := a.do("GET", fill(op.path, "", "")+"?"+q, w.token(op.route), nil)
		name, _, _ := strings.Cut(q, "=")
		if r.Status != 400 || !strings.Contains(string(r.Body), `"`+name+`":"不支持的参数"`) {
			t.Errorf("GET %s?%s = %d %.200s: want 400 naming %s as unsupported (declare the route's query parameters in its Query)", op.path, q, r.Status, r.Body, name)
		}
	}
}

// walkOp sends every hostile request of op and returns how many.
func (a *testApp) walkOp(t *testing.T, op docOp, w hostileWorld, raw []hostileCase) int {
	tok := w.token(op.route)
	path := fill(op.path, "", "")
	n := 0
	send := func(what, target string, body []byte, headers ...string) response {
		n++
		var b any
		if body != nil {
			b = body
		}
		r := a.do(op.method, target, tok, b, headers...)
		if r.Status < 400 || r.Status >= 500 {
			t.Errorf("%s: %d %.300s", what, r.Status, r.Body)
		}
		return r
	}
	envelope := func(what string, r response) (string, map[string]string) {
		if r.Status >= 500 || r.Status < 400 {
			return "", nil
		}
		if op.route.Produces == "text/html" {
			return "", nil // a page for a browser, not the API envelope
		}
		code := r.errorCode(t)
		var env struct {
			Error struct {
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		_ = json.Unmarshal(r.Body, &env)
		return code, env.Error.Fields
	}
	limit := op.route.BodyLimit
	if limit == 0 {
		limit = a.cfg.HTTP.BodyLimit
	}
	var bodies []hostileCase
	if op.body != nil {
		bodies = bodyCases(op.body, limit)
	}
	bodies = append(bodies, raw...)
	for _, c := range bodies {
		what := "body: " + c.name
		var hdr []string
		if c.ctype != "" {
			hdr = []string{"Content-Type", c.ctype}
		}
		r := send(what, path, c.body, hdr...)
		code, fields := envelope(what, r)
		switch {
		case c.bindCode != "" && code != c.bindCode:
			t.Errorf("%s: code %q, want %q from the JSON binding: %.300s", what, code, c.bindCode, r.Body)
		case c.bindField != "" && (code != "invalid_request" || fields[c.bindField] == ""):
			t.Errorf("%s: want the binding to name field %q: %.300s", what, c.bindField, r.Body)
		}
	}
	var good []byte
	if op.body != nil {
		good = mustJSON(sample(op.body))
	}
	// A compressed body is refused before anything reads it (a few hundred
	// bytes may unpack to gigabytes); a body sent to a GET route is refused.
	// (On a GET or DELETE route, the body is over the route's limit of none first.)
	if r := send("gzip-compressed body", path, gzipped(good), "Content-Encoding", "gzip"); r.Status != 415 && (acceptsBody(op.method) || r.Status != 413) {
		t.Errorf("gzip-compressed body: %d, want 415", r.Status)
	} else if code, _ := envelope("gzip", r); r.Status == 415 && code != "unsupported_content_encoding" {
		t.Errorf("gzip-compressed body: code %q", code)
	}
	if op.method == "GET" {
		if r := send("a body on a GET route", path, []byte(`{}`)); r.Status != 400 && r.Status != 413 {
			t.Errorf("a body on a GET route: %d, want 400 or 413", r.Status)
		}
	}
	for _, m := range docParam.FindAllStringSubmatch(op.path, -1) {
		for _, v := range garbagePath {
			what := fmt.Sprintf("path {%s} = %q", m[1], v)
			r := send(what, fill(op.path, m[1], v), good)
			envelope(what, r)
		}
	}
	if refusesUnknownQuery(op.route) {
		what := "an undeclared query parameter"
		r := send(what, path+"?zz_unknown=1&"+url.Values{"未知": {"x"}}.Encode(), good)
		if _, fields := envelope(what, r); r.Status != 400 || fields["zz_unknown"] != "不支持的参数" || fields["未知"] != "不支持的参数" {
			t.Errorf("%s: %d %.300s, want 400 naming zz_unknown and 未知", what, r.Status, r.Body)
		}
	}
	if op.method != "GET" {
		return n
	}
	for _, prm := range op.route.Query {
		name, kind := prm.Name, queryKind(op.path, prm)
		for _, v := range queryValues[kind] {
			q := url.Values{}
			for k, bv := range queryBase[op.path] {
				if k != name {
					q.Set(k, bv)
				}
			}
			target := path + "?" + q.Encode()
			if len(q) > 0 {
				target += "&"
			}
			target += name + "=" + v
			what := fmt.Sprintf("query %s = %.40q", name, v)
			n++
			r := a.do(op.method, target, tok, nil)
			switch {
			case r.Status >= 500:
				t.Errorf("%s: %d %.300s", what, r.Status, r.Body)
			case r.Status >= 400:
				envelope(what, r)
			case strictQuery[kind]:
				t.Errorf("%s: %d, want a 4xx for a garbled %s: %.200s", what, r.Status, kind, r.Body)
			}
		}
	}
	if op.idempotent {
		for _, k := range badIdemKeys {
			what := fmt.Sprintf("Idempotency-Key %q", k)
			r := send(what, path, good, "Idempotency-Key", k)
			if code, _ := envelope(what, r); code != "invalid_idempotency_key" {
				t.Errorf("%s: code %q, want invalid_idempotency_key", what, code)
			}
		}
	}
	return n
}

// gzipped is b compressed with gzip (an empty body compresses to a header).
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}
