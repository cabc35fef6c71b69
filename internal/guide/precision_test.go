package guide_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"govapp/internal/guide"
	"govapp/internal/guide/seeddata"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
)

// precisionAt10 runs the committed queries over s and returns the mean
// precision@10 (the share of the results shown, at most 10, that the query's
// judgments name; a query answered with nothing counts 0), the share of
// queries with a judged guide in the top 10 (recall), and the mean number of
// results.
func precisionAt10(t *testing.T, s *guide.Service, queries []qualityQuery) (precision, recall, mean float64) {
	t.Helper()
	for _, q := range queries {
		page, err := s.List(guide.ListQuery{Q: q.Q, Limit: 10})
		if err != nil {
			t.Fatalf("%q: %v", q.Q, err)
		}
		all, err := s.List(guide.ListQuery{Q: q.Q, Limit: 200})
		if err != nil {
			t.Fatalf("%q: %v", q.Q, err)
		}
		mean += float64(len(all.Items))
		relevant := 0
		for _, h := range page.Items {
			if anyIn(q.Expect, []string{h.Code}) {
				relevant++
			}
		}
		if len(page.Items) > 0 {
			precision += float64(relevant) / float64(len(page.Items))
		}
		if relevant > 0 {
			recall++
		}
	}
	n := float64(len(queries))
	return precision / n, recall / n, mean / n
}

// TestSearchPrecision: results far below the best score are dropped, so the
// committed queries keep their recall@10 and gain precision@10; q=身份证 no
// longer answers every guide whose materials ask for an identity card. The
// figures are logged (go test -v -run TestSearchPrecision ./internal/guide/).
func TestSearchPrecision(t *testing.T) {
	raw, err := os.ReadFile("testdata/search_queries.json")
	if err != nil {
		t.Fatal(err)
	}
	var queries []qualityQuery
	if err := json.Unmarshal(raw, &queries); err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		rows, err := guide.ParseJSON(seeddata.GuidesJSON)
		if err != nil {
			t.Fatal(err)
		}
		if rep, err := s.Import(context.Background(), editor, rows, guide.ImportOptions{Publish: true}); err != nil || !rep.Committed {
			t.Fatalf("seed import: %+v %v", rep, err)
		}
		s.SetSearchCutoff(0)
		p0, r0, n0 := precisionAt10(t, s, queries)
		s.SetSearchCutoff(guide.DefaultSearchCutoff)
		p1, r1, n1 := precisionAt10(t, s, queries)
		t.Logf("%d queries: precision@10 %.1f%% → %.1f%%, recall@10 %.1f%% → %.1f%%, mean results %.1f → %.1f (relative cut-off 0 → %.2f)",
			len(queries), p0*100, p1*100, r0*100, r1*100, n0, n1, guide.DefaultSearchCutoff)
		if r1 < r0 {
			t.Errorf("recall@10 fell from %.1f%% to %.1f%%", r0*100, r1*100)
		}
		if p1 < p0+0.10 {
			t.Errorf("precision@10 %.1f%% → %.1f%%: the cut-off should gain at least 10 points", p0*100, p1*100)
		}
		s.SetSearchCutoff(0)
		before, err := s.List(guide.ListQuery{Q: "身份证", Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		s.SetSearchCutoff(guide.DefaultSearchCutoff)
		id, err := s.List(guide.ListQuery{Q: "身份证", Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("q=身份证: %d results → %d", len(before.Items), len(id.Items))
		if len(id.Items) == 0 || len(id.Items) > 10 || id.Items[0].Code[:3] != "GA-" {
			codes := []string{}
			for _, h := range id.Items {
				codes = append(codes, h.Code)
			}
			t.Errorf("q=身份证 answers %d guides %v, want the identity-card guides only", len(id.Items), codes)
		}
		for _, h := range id.Items {
			if math.Abs(h.Score*100-math.Round(h.Score*100)) > 1e-9 {
				t.Errorf("score %v is not rounded to two decimals", h.Score)
			}
		}
	})
}
