// Package wire is the API's JSON encoding, with its one time convention
// (README "Times"): every time in a response body — created_at, due
// dates, slot starts, publication dates, whatever the domain — is RFC 3339
// in the city's zone with whole seconds, e.g. "2026-12-03T09:30:00+08:00".
//
// Domains keep time.Time values in whatever zone the database hands back
// (UTC from SQLite and PostgreSQL, the calendar's zone for slots) and store
// their documents with encoding/json; the conversion happens here, once,
// when a response is encoded — by Fiber's JSONEncoder for c.JSON, and by
// the domains that cache a response's bytes (guide and policy details) —
// so a new field cannot drift from the convention.
//
// Apart from time.Time (and *time.Time, which the encoder dereferences) the
// output is what encoding/json writes: the v1 options keep field names,
// omitempty, HTML escaping, MarshalJSON methods and nil slices as null.
package wire

import (
	"time"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"govapp/internal/calendar"
)

// Zone is the city's zone (Asia/Shanghai; a fixed +08:00 where the zone
// database is missing — China has no daylight saving time).
var Zone = calendar.DefaultLocation()

var opts = json.JoinOptions(jsonv1.DefaultOptionsV1(), json.WithMarshalers(
	json.MarshalToFunc(func(enc *jsontext.Encoder, t time.Time) error {
		if t.IsZero() {
			return enc.WriteToken(jsontext.Null)
		}
		return enc.WriteToken(jsontext.String(Time(t)))
	})))

// Marshal encodes v for a response body. A zero time.Time (a value field
// never set, like a draft's publication date) is written as null, as a nil
// *time.Time is.
func Marshal(v any) ([]byte, error) { return json.Marshal(v, opts) }

// Time formats t in the convention.
func Time(t time.Time) string { return t.In(Zone).Truncate(time.Second).Format(time.RFC3339) }
