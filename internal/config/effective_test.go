package config

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEffectiveMasksSecrets: the start-up log's configuration shows every
// setting and whether each secret is set, never a secret or a password.
func TestEffectiveMasksSecrets(t *testing.T) {
	env := map[string]string{
		"GOVAPP_PROFILE":          "production",
		"GOVAPP_DATABASE_URL":     "postgres://govapp:db-pass-9f8e7d@db.internal:5432/govapp?sslmode=require",
		"GOVAPP_REDIS_URL":        "redis://:redis-pass-1a2b3c@cache.internal:6379/0",
		"GOVAPP_SECRET_KEY":       "k3y-0123456789abcdef0123456789abcdef-x",
		"GOVAPP_WECHAT_MP_APPID":  "wx1234567890abcdef",
		"GOVAPP_WECHAT_MP_SECRET": "mp-secret-5566778899",
	}
	c, err := LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(c.Effective())
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, secret := range []string{"db-pass-9f8e7d", "redis-pass-1a2b3c", "k3y-0123456789abcdef", "mp-secret-5566778899"} {
		if strings.Contains(out, secret) {
			t.Errorf("the effective configuration shows %q: %s", secret, out)
		}
	}
	for _, want := range []string{`"secret_key":"set"`, `"wechat_mp_secret":"set"`, `"wechat_oa_secret":"missing"`,
		"db.internal:5432", "cache.internal:6379", `"profile":"production"`, "accept_within"} {
		if !strings.Contains(out, want) {
			t.Errorf("the effective configuration lacks %s: %s", want, out)
		}
	}
}
