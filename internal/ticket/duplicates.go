package ticket

import (
	"context"
	"math"
	"sort"
	"time"

	"govapp/internal/platform/db"
)

// Duplicate is an open ticket that looks like another.
type Duplicate struct {
	TrackingNo  string   `json:"tracking_no"`
	Title       string   `json:"title"`
	Status      Status   `json:"status"`
	StatusLabel string   `json:"status_label"`
	Similarity  float64  `json:"similarity"`
	DistanceM   *float64 `json:"distance_m"`
}

// Duplicates suggests open tickets of the same category from the last 30 days
// whose text is similar (Jaccard similarity of Chinese character bigrams) and,
// when both have coordinates, that lie within the configured radius.
func (s *Service) Duplicates(ctx context.Context, a Actor, no string) ([]Duplicate, error) {
	if !isOperator(a) {
		return nil, ErrNotYours
	}
	r, _, _, err := s.load(ctx, s.db, a, no, false)
	if err != nil {
		return nil, err
	}
	var cands []struct {
		TrackingNo string   `db:"tracking_no"`
		Title      string   `db:"title"`
		Content    string   `db:"content"`
		Status     Status   `db:"status"`
		Lat        *float64 `db:"lat"`
		Lng        *float64 `db:"lng"`
	}
	const q = `SELECT tracking_no, title, content, status, lat, lng FROM tickets
		WHERE category = ? AND id <> ? AND created_at >= ? AND status NOT IN ('rejected', 'cancelled', 'closed', 'merged')
		ORDER BY id DESC LIMIT 500`
	if err := s.db.SelectContext(ctx, &cands, s.db.Rebind(q), r.Category, r.ID, s.now().Add(-30*24*time.Hour)); err != nil {
		return nil, db.MapErrorIn("ticket.Duplicates", err, nil, nil)
	}
	mine := bigrams(r.Title + " " + r.Content)
	out := []Duplicate{}
	for _, c := range cands {
		sim := jaccard(mine, bigrams(c.Title+" "+c.Content))
		if sim < s.cfg.DuplicateSimilarity {
			continue
		}
		d := Duplicate{TrackingNo: c.TrackingNo, Title: c.Title, Status: c.Status, StatusLabel: c.Status.Label(), Similarity: math.Round(sim*100) / 100}
		if r.Lat.Valid && c.Lat != nil && c.Lng != nil {
			m := haversine(r.Lat.Float64, r.Lng.Float64, *c.Lat, *c.Lng)
			if m > s.cfg.DuplicateRadiusMeters {
				continue
			}
			m = math.Round(m)
			d.DistanceM = &m
		}
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Similarity > out[j].Similarity })
	if len(out) > 10 {
		out = out[:10]
	}
	return out, nil
}

// bigrams returns the set of adjacent character pairs of the letters, digits
// and Han characters of s (punctuation and spaces split runs).
func bigrams(s string) map[string]bool {
	out := map[string]bool{}
	var run []rune
	flush := func() {
		for i := 0; i+1 < len(run); i++ {
			out[string(run[i:i+2])] = true
		}
		run = run[:0]
	}
	for _, r := range s {
		if isWordRune(r) {
			run = append(run, r)
		} else {
			flush()
		}
	}
	flush()
	return out
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for k := range a {
		if b[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// haversine is the great-circle distance in metres.
func haversine(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371000.0
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := (lat2-lat1)*math.Pi/180, (lng2-lng1)*math.Pi/180
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}
