package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// schema is a JSON schema of the OpenAPI document, decoded.
type schema = map[string]any

// hostileCase is one hostile request body. bindField, when set, names the
// field the JSON binding must refuse (error.fields); bindCode, when set, is
// the error code the binding answers with. Neither set: any 4xx will do
// (the value may be refused by the binding, the rules or a missing record).
type hostileCase struct {
	name      string
	body      []byte
	ctype     string // Content-Type; application/json when empty
	bindField string
	bindCode  string
}

// Hostile strings and numbers.
var (
	sqlText    = `' OR '1'='1'; DROP TABLE tickets; --`
	scriptText = `<script>alert(1)</script><img src=x onerror=alert(1)>`
	ctrlText   = "a\x00b\u202e\x1b[31m"
	longText   = strings.Repeat("长", 10_000)
	// invisibleText hides a mobile number behind zero-width, soft-hyphen,
	// word-joiner and bidi characters.
	invisibleText = "电话138\u200b0013\u00ad8000\u2060\ufeff\u202e\u2066"
	// loneSurrogate stands for the JSON escape \ud800 (half of a UTF-16
	// pair), which no Go string can hold; it is swapped in after marshalling.
	loneSurrogate = "LONE-SURROGATE"
)

// sample returns a plausible value of s: every property present, each
// array with one element.
func sample(s schema) any {
	switch s["type"] {
	case "string":
		if s["format"] == "date-time" {
			return "2026-11-17T09:00:00+08:00"
		}
		return "测试"
	case "integer":
		return int64(1)
	case "number":
		return 1.5
	case "boolean":
		return false
	case "array":
		items, _ := s["items"].(schema)
		return []any{sample(items)}
	case "object":
		out := map[string]any{}
		if props, ok := s["properties"].(schema); ok {
			for k, p := range props {
				out[k] = sample(p.(schema))
			}
		} else if ap, ok := s["additionalProperties"].(schema); ok {
			out["1"] = sample(ap)
		}
		return out
	}
	return "测试"
}

// mapLeaves returns v with every leaf for which f answers ok replaced.
func mapLeaves(v any, f func(any) (any, bool)) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = mapLeaves(e, f)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = mapLeaves(e, f)
		}
		return out
	}
	if r, ok := f(v); ok {
		return r
	}
	return v
}

func everyString(v any, s string) any {
	return mapLeaves(v, func(x any) (any, bool) { _, ok := x.(string); return s, ok })
}

func everyNumber(v any, n json.RawMessage) any {
	return mapLeaves(v, func(x any) (any, bool) {
		switch x.(type) {
		case int64, float64:
			return n, true
		}
		return nil, false
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// wrongTypes are values of any type but t.
func wrongTypes(t any) map[string]string {
	all := map[string]string{"a string": `"1"`, "a number": `12345`, "a fraction": `1.5`, "a boolean": `true`,
		"an object": `{"a":1}`, "an array": `[1]`}
	switch t {
	case "string":
		delete(all, "a string")
	case "integer":
		delete(all, "a number")
		all["an overflowing number"] = `9223372036854775808`
		all["a negative overflow"] = `-9223372036854775809`
		all["1e300"] = `1e300`
	case "number":
		delete(all, "a number")
		delete(all, "a fraction")
		all["1e999"] = `1e999`
	case "boolean":
		delete(all, "a boolean")
	case "array":
		delete(all, "an array")
	case "object":
		delete(all, "an object")
	}
	return all
}

// bodyCases returns the hostile bodies for a route whose body is s; limit is
// the route's body limit in bytes.
func bodyCases(s schema, limit int) []hostileCase {
	base, _ := sample(s).(map[string]any)
	props, _ := s["properties"].(schema)
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	first := "x"
	if len(names) > 0 {
		first = names[0]
	}
	baseJSON := mustJSON(base)
	cases := []hostileCase{
		{name: "truncated JSON", body: []byte(`{"` + first + `":`), bindCode: "invalid_json"},
		{name: "trailing data", body: append(append([]byte(nil), baseJSON...), "{}"...), bindCode: "invalid_json"},
		{name: "an array instead of an object", body: []byte("[" + string(baseJSON) + "]"), bindCode: "invalid_json"},
		{name: "a string instead of an object", body: []byte(`"{}"`), bindCode: "invalid_json"},
		{name: "a number instead of an object", body: []byte(`42`), bindCode: "invalid_json"},
		{name: "single quotes", body: []byte(`{'` + first + `': 1}`), bindCode: "invalid_json"},
		{name: "a NaN literal", body: []byte(`{"` + first + `": NaN}`), bindCode: "invalid_json"},
		{name: "bytes that are not UTF-8", body: []byte("{\"" + first + "\":\"\xff\xfe\"}"), bindCode: "invalid_characters"},
		{name: "whitespace only", body: []byte(" \n\t "), bindCode: "empty_body"},
		{name: "an escaped NUL sent as application/octet-stream", body: []byte(`{"` + first + `":"a\u0000b"}`), ctype: "application/octet-stream", bindCode: "invalid_characters"},
		{name: "a raw NUL sent as text/plain", body: []byte("{\"" + first + "\":\"a\x00b\"}"), ctype: "text/plain", bindCode: "invalid_characters"},
		{name: "nesting 20 000 deep", body: []byte(`{"` + first + `":` + strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000) + `}`), bindCode: "invalid_json"},
		{name: "an unknown field", body: mustJSON(with(base, "is_admin", true)), bindField: "is_admin"},
		{name: "a role smuggled in", body: mustJSON(with(base, "role_override", "admin")), bindField: "role_override"},
		{name: "null", body: []byte(`null`)},
		{name: "every field null", body: mustJSON(mapLeavesTop(base, nil))},
	}
	if limit < 1<<20+64 {
		cases = append(cases, hostileCase{name: "1 MB string", body: mustJSON(map[string]any{first: strings.Repeat("a", 1<<20)}), bindCode: "body_too_large"})
	}
	for _, name := range names {
		p := props[name].(schema)
		if p["type"] == nil {
			continue // any JSON value is welcome
		}
		kinds := wrongTypes(p["type"])
		kindNames := make([]string, 0, len(kinds))
		for k := range kinds {
			kindNames = append(kindNames, k)
		}
		sort.Strings(kindNames)
		for _, k := range kindNames {
			cases = append(cases, hostileCase{name: fmt.Sprintf("%s as %s", name, k),
				body: mustJSON(with(base, name, json.RawMessage(kinds[k]))), bindField: name})
		}
		// One level down: an object where a field of an array's items or
		// of a nested object belongs.
		inner := p
		if p["type"] == "array" {
			inner, _ = p["items"].(schema)
		}
		if innerProps, ok := inner["properties"].(schema); ok {
			for sub, sp := range innerProps {
				if t := sp.(schema)["type"]; t == "object" || t == nil {
					continue
				}
				elem := with(sample(inner).(map[string]any), sub, json.RawMessage(`{"$gt":""}`))
				var v any = elem
				if p["type"] == "array" {
					v = []any{elem}
				}
				cases = append(cases, hostileCase{name: fmt.Sprintf("%s.%s as an object", name, sub),
					body: mustJSON(with(base, name, v)), bindField: name + "." + sub})
			}
		}
	}
	for _, vc := range []struct {
		name string
		v    any
	}{
		{"10 000 characters in every string", everyString(base, longText)},
		{"SQL in every string", everyString(base, sqlText)},
		{"script in every string", everyString(base, scriptText)},
		{"NUL and control characters in every string", everyString(base, ctrlText)},
		{"invisible characters in every string", everyString(base, invisibleText)},
		{"a lone surrogate in every string", everyString(base, loneSurrogate)},
		{"every number -1", everyNumber(base, json.RawMessage(`-1`))},
		{"every number 0", everyNumber(base, json.RawMessage(`0`))},
		{"every number 1e300", everyNumber(base, json.RawMessage(`1e300`))},
		{"every number 9223372036854775808", everyNumber(base, json.RawMessage(`9223372036854775808`))},
	} {
		b := bytes.ReplaceAll(mustJSON(vc.v), []byte(loneSurrogate), []byte(`\ud800`))
		if !bytes.Equal(b, baseJSON) {
			cases = append(cases, hostileCase{name: vc.name, body: b})
		}
	}
	return cases
}

func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for kk, vv := range m {
		out[kk] = vv
	}
	out[k] = v
	return out
}

func mapLeavesTop(m map[string]any, v any) map[string]any {
	out := map[string]any{}
	for k := range m {
		out[k] = v
	}
	return out
}

// garbagePath are values put in place of each path parameter, as they
// appear in the request line (percent-escapes left for the server).
var garbagePath = []string{
	"../../etc", "..%2F..%2Fetc%2Fpasswd", strings.Repeat("9", 300), "%00", "-1", "0", "99999999999999999999", "1.5",
	"%27%20OR%20%271%27%3D%271", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%FF%FE", "%20", "MB202611250001234%00", "1e3",
}

// wellFormed is a value of each path parameter that has the right shape but
// names nothing in the database.
var wellFormed = map[string]string{
	"no": "MB202611250001234", "code": "ZZ-9999", "id": "987654321", "sid": "987654322", "version": "1", "date": "2031-02-03",
	"phone": "13800138000",
}

// queryKind is the kind of a declared query parameter (route.Query) for the
// walk: strict kinds must be refused (4xx) when garbled; for lenient ones
// (free text, filters and flags) an empty 200 is as right as a 400, but never
// a 5xx. queryKindOf overrides the kind derived from the declaration.
func queryKind(path string, p param) string {
	if k := queryKindOf[path][p.Name]; k != "" {
		return k
	}
	switch {
	case p.Name == "limit", p.Name == "cursor":
		return p.Name
	case p.Name == "q":
		return "text"
	case len(p.Enum) > 0, p.Type == "boolean":
		return "filter"
	case p.Type == "integer":
		return "id"
	case p.Type == "date", p.Type == "date-time":
		return "time"
	case p.Type == "number":
		return "coord"
	}
	return "filter"
}

var queryKindOf = map[string]map[string]string{
	"/api/v1/admin/guides": {"cursor": "keyset"}, // the last guide code seen: any string is a position in key order
}

// queryBase holds the valid companions a parameter needs to be read at all.
var queryBase = map[string]map[string]string{
	"/api/v1/halls":            {"lat": "28.2282", "lng": "112.9388"},
	"/api/v1/halls/{id}/slots": {"guide_code": "GA-0001", "date": "2026-11-17"},
}

var queryValues = map[string][]string{
	"limit":  {"-1", "0", "101", "abc", "1e3", "99999999999999999999", "%00", "1%20OR%201%3D1"},
	"cursor": {"-1", "0", "garbage!", strings.Repeat("z", 300), "%27%20OR%20%271%27%3D%271", "%00", "99999999999999999999", "%FF%FE"},
	"id":     {"abc", "-1", "0", "99999999999999999999", "1.5", "%00"},
	"time":   {"yesterday", "2026-13-45", "2026-02-30", "%00", "1e300", "99999999-01-01"},
	"coord":  {"NaN", "Inf", "-Inf", "1e300", "abc", "181", "-181", "%00", ""},
	"text":   {strings.Repeat("长", 1_000), "%27%20OR%20%271%27%3D%271%3B%20--", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%00", "%FF%FE", "%25", "%5C"},
	// keyset: the last key seen (a guide code); any string is a position in key order.
	"keyset": {"-1", "garbage!", strings.Repeat("z", 300), "%27%20OR%20%271%27%3D%271", "%00", "%FF%FE"},
	"filter": {"garbage", "%27%20OR%20%271%27%3D%271", "%00", "%FF%FE", strings.Repeat("x", 300)},
}

var strictQuery = map[string]bool{"limit": true, "cursor": true, "id": true, "time": true, "coord": true}

// badIdemKeys are Idempotency-Keys the idempotent routes must refuse.
var badIdemKeys = []string{"short", strings.Repeat("k", 129), "has spaces in it", "密钥密钥密钥密钥", "../../etc/passwd", "key;DROP TABLE x"}
