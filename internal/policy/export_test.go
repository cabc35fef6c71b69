package policy

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// SetBeforeCommit makes f run last in every release's transaction: an error
// from it rolls the release back as a failed commit would.
func SetBeforeCommit(s *Service, f func(ctx context.Context, tx *sqlx.Tx) error) { s.beforeCommit = f }
