package guide_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"govapp/internal/guide"
	"govapp/internal/guide/seeddata"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
)

type qualityQuery struct {
	Q      string   `json:"q"`
	Expect []string `json:"expect"`
}

// TestSearchQuality runs the committed queries, as residents type them, over
// the seeded guides: at least 90 % must have an expected guide in the top 3,
// with the same ranking on every database.
func TestSearchQuality(t *testing.T) {
	raw, err := os.ReadFile("testdata/search_queries.json")
	if err != nil {
		t.Fatal(err)
	}
	var queries []qualityQuery
	if err := json.Unmarshal(raw, &queries); err != nil {
		t.Fatal(err)
	}
	if len(queries) < 40 {
		t.Fatalf("only %d quality queries; the bar needs at least 40", len(queries))
	}
	rankings := map[db.Dialect][]string{}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		s.SetSearchCutoff(guide.DefaultSearchCutoff) // as shipped (guides.search_cutoff)
		rows, err := guide.ParseJSON(seeddata.GuidesJSON)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.Import(context.Background(), editor, rows, guide.ImportOptions{Publish: true})
		if err != nil || !rep.Committed || rep.Published < 45 {
			t.Fatalf("seed import: %+v %v", rep, err)
		}
		hitsAt3 := 0
		var misses []string
		for _, q := range queries {
			page, err := s.List(guide.ListQuery{Q: q.Q, Limit: 3})
			if err != nil {
				t.Fatalf("%q: %v", q.Q, err)
			}
			var got []string
			for _, h := range page.Items {
				got = append(got, h.Code)
			}
			rankings[d.Dialect] = append(rankings[d.Dialect], q.Q+"→"+strings.Join(got, ","))
			if anyIn(q.Expect, got) {
				hitsAt3++
			} else {
				misses = append(misses, q.Q+" → "+strings.Join(got, ",")+" (want "+strings.Join(q.Expect, "|")+")")
			}
		}
		recall := float64(hitsAt3) / float64(len(queries))
		t.Logf("recall@3 = %.1f%% (%d of %d)", recall*100, hitsAt3, len(queries))
		for _, m := range misses {
			t.Logf("miss: %s", m)
		}
		if recall < 0.9 {
			t.Fatalf("recall@3 %.1f%% is below 90%%", recall*100)
		}
	})
	if a, b := rankings[db.SQLite], rankings[db.Postgres]; b != nil && strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatalf("rankings differ between SQLite and PostgreSQL")
	}
}

func anyIn(want, got []string) bool {
	for _, w := range want {
		for _, g := range got {
			if w == g {
				return true
			}
		}
	}
	return false
}
