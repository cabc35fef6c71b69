package wire

import (
	"encoding/json"
	"testing"
	"time"
)

// TestWireJSONKeepsEncodingJSON: apart from times the encoder writes what
// encoding/json writes (names, omitempty, HTML escaping, nil slices and
// maps, embedded structs, json.RawMessage, MarshalJSON methods).
func TestWireJSONKeepsEncodingJSON(t *testing.T) {
	type inner struct {
		N int `json:"n"`
	}
	type doc struct {
		inner
		Name    string            `json:"name"`
		Empty   string            `json:"empty,omitempty"`
		Nil     []int             `json:"nil"`
		NilMap  map[string]int    `json:"nil_map"`
		HTML    string            `json:"html"`
		Raw     json.RawMessage   `json:"raw"`
		Dur     time.Duration     `json:"dur"`
		Labels  map[string]string `json:"labels"`
		Skipped string            `json:"-"`
		Untag   int
	}
	v := doc{inner: inner{N: 3}, Name: "王五", HTML: "<b>&</b>", Raw: json.RawMessage(`{"a":1}`), Dur: time.Second,
		Labels: map[string]string{"b": "2", "a": "1"}, Skipped: "x", Untag: 7}
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("wire JSON\n got %s\nwant %s", got, want)
	}
}

func TestWireJSONTimes(t *testing.T) {
	at := time.Date(2026, 12, 3, 1, 30, 15, 987654321, time.UTC)
	type doc struct {
		At    time.Time  `json:"at"`
		Ptr   *time.Time `json:"ptr"`
		Nil   *time.Time `json:"nil"`
		Omit  *time.Time `json:"omit,omitempty"`
		Zero  time.Time  `json:"zero"`
		Slice []time.Time
	}
	got, err := Marshal(doc{At: at, Ptr: &at, Slice: []time.Time{at.Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"at":"2026-12-03T09:30:15+08:00","ptr":"2026-12-03T09:30:15+08:00","nil":null,"zero":null,"Slice":["2026-12-03T10:30:15+08:00"]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
