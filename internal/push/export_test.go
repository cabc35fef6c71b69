package push

import (
	"context"

	"govapp/internal/config"
)

// ReleaseClaims exposes releaseClaims to the external tests.
func (s *Service) ReleaseClaims(ctx context.Context, jobID int64, tmpl config.PushTemplate) error {
	return s.releaseClaims(ctx, jobID, tmpl)
}
