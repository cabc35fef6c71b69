// Package migrations embeds govapp's forward-only SQL migrations, one set per
// dialect. Files are numbered (0001_name.sql) and never edited once released.
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
