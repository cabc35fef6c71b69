package search

import "math"

// SetCutoff makes Rank drop the hits scoring below ratio times the best
// hit's score (0 keeps every match): a query such as 身份证, found in the
// titles of a few guides and in the materials of every other, then answers
// with the few. Ratios outside [0, 1) are taken as 0.
func (ix *Index) SetCutoff(ratio float64) {
	if !(ratio > 0 && ratio < 1) {
		ratio = 0
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.cutoff = ratio
}

// cut returns the leading hits of ranked (best first) scoring at least the
// cut-off ratio of the best.
func cut(ranked []Hit, ratio float64) []Hit {
	if ratio <= 0 || len(ranked) == 0 {
		return ranked
	}
	floor := ranked[0].Score * ratio
	for i, h := range ranked {
		if h.Score < floor {
			return ranked[:i]
		}
	}
	return ranked
}

// roundScore rounds a score to two decimals for the API (scores are sums of
// float32 weights: 10.899999618530273 reads 10.9).
func roundScore(s float64) float64 { return math.Round(s*100) / 100 }
