package main

import (
	"context"
	"database/sql"
	"testing"

	_ "github.com/lib/pq"

	"govapp/internal/platform/db/dbtest"
)

// TestMigrateNeedsOnlyTheDatabaseURL: `govapp migrate` on the production
// profile opens the database and migrates it with GOVAPP_DATABASE_URL alone —
// no secret key, Redis or WeChat credentials — and a second run changes
// nothing.
func TestMigrateNeedsOnlyTheDatabaseURL(t *testing.T) {
	url := dbtest.SchemaURL(t) // skips without PostgreSQL
	t.Setenv("GOVAPP_PROFILE", "production")
	t.Setenv("GOVAPP_DATABASE_URL", url)
	for _, k := range []string{"GOVAPP_CONFIG", "GOVAPP_SECRET_KEY", "GOVAPP_REDIS_URL", "GOVAPP_WECHAT_MP_APPID",
		"GOVAPP_WECHAT_MP_SECRET", "GOVAPP_WECHAT_OA_APPID", "GOVAPP_WECHAT_OA_SECRET", "GOVAPP_WECHAT_OA_TOKEN"} {
		t.Setenv(k, "")
	}
	for i := 0; i < 2; i++ {
		if err := migrate(context.Background(), nil); err != nil {
			t.Fatalf("migrate run %d: %v", i+1, err)
		}
	}
	c, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var n int
	if err := c.QueryRow(`SELECT COUNT(*) FROM tickets`).Scan(&n); err != nil {
		t.Fatalf("the migrated schema has no tickets table: %v", err)
	}
	if err := c.QueryRow(`SELECT COUNT(*) FROM river_job`).Scan(&n); err != nil {
		t.Fatalf("River's tables are missing: %v", err)
	}

	// the database URL is the one thing it needs
	t.Setenv("GOVAPP_DATABASE_URL", "")
	if err := migrate(context.Background(), nil); err == nil {
		t.Fatal("migrate on the production profile without a database URL succeeded")
	}
}
