package housekeeping

import "context"

// PurgeFunc makes a function a Purger (a service whose purge method has
// another name).
type PurgeFunc func(ctx context.Context) (int64, error)

// PurgeExpired calls f.
func (f PurgeFunc) PurgeExpired(ctx context.Context) (int64, error) { return f(ctx) }
