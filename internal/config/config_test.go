package config_test

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"govapp/internal/config"
)

// env is a map-backed environment for LoadFrom.
type env map[string]string

func (e env) lookup(k string) (string, bool) {
	v, ok := e[k]
	return v, ok
}

// with returns a copy of e with kv set; a value of "<unset>" removes the key.
func (e env) with(kv ...string) env {
	c := maps.Clone(e)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == unset {
			delete(c, kv[i])
		} else {
			c[kv[i]] = kv[i+1]
		}
	}
	return c
}

const unset = "<unset>"

// strongKey passes the production key check.
const strongKey = "b7f3c9e2a4d8f1e6c0b5a9d3e7f2c4a8"

// productionEnv is a complete production environment.
func productionEnv(t *testing.T) env {
	return env{
		"GOVAPP_PROFILE":          config.ProfileProduction,
		"GOVAPP_DATA_DIR":         t.TempDir(),
		"GOVAPP_SECRET_KEY":       strongKey,
		"GOVAPP_DATABASE_URL":     "postgres://govapp:pw@db:5432/govapp?sslmode=disable",
		"GOVAPP_REDIS_URL":        "redis://redis:6379/0",
		"GOVAPP_WECHAT_MP_APPID":  "wx0123456789abcdef",
		"GOVAPP_WECHAT_MP_SECRET": "0123456789abcdef0123456789abcdef",
	}
}

func embeddedEnv(t *testing.T) env { return env{"GOVAPP_DATA_DIR": t.TempDir()} }

func writeYAML(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "govapp.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustLoad(t *testing.T, e env) config.Config {
	t.Helper()
	c, err := config.LoadFrom(e.lookup)
	if err != nil {
		t.Fatalf("LoadFrom: %v", err)
	}
	return c
}

// withoutEnvOnly clears the fields YAML cannot set (secrets and URLs).
func withoutEnvOnly(c config.Config) config.Config {
	c.SecretKey = ""
	c.Database.URL = ""
	c.Redis.URL = ""
	c.WeChat.MP.Secret = ""
	c.WeChat.OA.Secret = ""
	c.WeChat.OA.Token = ""
	c.WeChat.OA.AESKey = ""
	if len(c.HTTP.TrustedProxies) == 0 {
		c.HTTP.TrustedProxies = nil
	}
	return c
}

func TestConfigFilesMatchTheBuiltInDefaults(t *testing.T) {
	files := []struct{ path, profile string }{
		{"../../configs/embedded.yaml", config.ProfileEmbedded},
		{"../../configs/production.example.yaml", config.ProfileProduction},
	}
	for _, f := range files {
		t.Run(filepath.Base(f.path), func(t *testing.T) {
			raw, err := os.ReadFile(f.path)
			if errors.Is(err, os.ErrNotExist) {
				t.Skipf("%s does not exist yet", f.path)
			}
			if err != nil {
				t.Fatal(err)
			}
			// Decode over a zero Config so that a key the file leaves out
			// shows up as a difference too.
			var fromFile config.Config
			dec := yaml.NewDecoder(bytes.NewReader(raw))
			dec.KnownFields(true)
			if err := dec.Decode(&fromFile); err != nil {
				t.Fatalf("parse %s: %v", f.path, err)
			}
			got, want := withoutEnvOnly(fromFile), withoutEnvOnly(config.Defaults(f.profile))
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s differs from Defaults(%q):\nfile:     %+v\ndefaults: %+v", f.path, f.profile, got, want)
			}
		})
	}

	t.Run("loading embedded.yaml gives the same configuration as loading nothing", func(t *testing.T) {
		const path = "../../configs/embedded.yaml"
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			t.Skipf("%s does not exist yet", path)
		}
		e := embeddedEnv(t)
		withFile := mustLoad(t, e.with("GOVAPP_CONFIG", path))
		without := mustLoad(t, e)
		if !reflect.DeepEqual(withoutEnvOnly(withFile), withoutEnvOnly(without)) {
			t.Fatalf("with the file:    %+v\nwithout the file: %+v", withFile, without)
		}
	})
}

func TestProductionRefusesToStart(t *testing.T) {
	cases := []struct {
		rule string
		env  []string
		want string
	}{
		{"dev login enabled", []string{"GOVAPP_DEV_LOGIN", "true"}, "dev login is enabled"},
		{"fake WeChat enabled", []string{"GOVAPP_WECHAT_FAKE", "true"}, "fake WeChat is enabled"},
		{"secret key missing", []string{"GOVAPP_SECRET_KEY", unset}, "GOVAPP_SECRET_KEY is missing"},
		{"secret key empty", []string{"GOVAPP_SECRET_KEY", ""}, "GOVAPP_SECRET_KEY is missing"},
		{"secret key is the default changeme", []string{"GOVAPP_SECRET_KEY", "changeme"}, "GOVAPP_SECRET_KEY is a default or weak value"},
		{"secret key is short", []string{"GOVAPP_SECRET_KEY", "x7Qp2Lz9"}, "GOVAPP_SECRET_KEY is a default or weak value"},
		{"secret key is 31 characters", []string{"GOVAPP_SECRET_KEY", strongKey[:31]}, "GOVAPP_SECRET_KEY is a default or weak value"},
		{"secret key is long but contains changeme", []string{"GOVAPP_SECRET_KEY", "changeme-changeme-changeme-changeme"}, "GOVAPP_SECRET_KEY is a default or weak value"},
		{"secret key is long but repetitive", []string{"GOVAPP_SECRET_KEY", strings.Repeat("ab", 20)}, "GOVAPP_SECRET_KEY is a default or weak value"},
		{"database URL missing", []string{"GOVAPP_DATABASE_URL", unset}, "GOVAPP_DATABASE_URL is missing"},
		{"Redis URL missing", []string{"GOVAPP_REDIS_URL", unset}, "GOVAPP_REDIS_URL is missing"},
		{"mini-program credentials missing", []string{"GOVAPP_WECHAT_MP_SECRET", unset}, "GOVAPP_WECHAT_MP_APPID and GOVAPP_WECHAT_MP_SECRET are required"},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			_, err := config.LoadFrom(productionEnv(t).with(c.env...).lookup)
			if err == nil {
				t.Fatal("production started")
			}
			msg := err.Error()
			if !strings.Contains(msg, "refusing to start") || !strings.Contains(msg, c.want) {
				t.Fatalf("error %q does not name the problem %q", msg, c.want)
			}
		})
	}

	t.Run("every problem is named at once", func(t *testing.T) {
		_, err := config.LoadFrom(env{"GOVAPP_PROFILE": "production", "GOVAPP_DEV_LOGIN": "true", "GOVAPP_DATA_DIR": t.TempDir()}.lookup)
		if err == nil {
			t.Fatal("production started")
		}
		for _, want := range []string{"dev login", "GOVAPP_SECRET_KEY", "GOVAPP_DATABASE_URL", "GOVAPP_REDIS_URL", "GOVAPP_WECHAT_MP_APPID"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
		}
	})

	t.Run("dev login enabled in the YAML file", func(t *testing.T) {
		p := writeYAML(t, "profile: production\nauth:\n  dev_login: true\n")
		_, err := config.LoadFrom(productionEnv(t).with("GOVAPP_PROFILE", unset, "GOVAPP_CONFIG", p).lookup)
		if err == nil || !strings.Contains(err.Error(), "dev login is enabled") {
			t.Fatalf("LoadFrom = %v, want dev login refused", err)
		}
	})

	t.Run("the secret key is never echoed in the error", func(t *testing.T) {
		weak := "changeme-but-long-enough-to-pass-the-length"
		_, err := config.LoadFrom(productionEnv(t).with("GOVAPP_SECRET_KEY", weak).lookup)
		if err == nil || strings.Contains(err.Error(), weak) {
			t.Fatalf("LoadFrom = %v", err)
		}
	})
}

func TestACompleteProductionEnvironmentLoads(t *testing.T) {
	e := productionEnv(t)
	c := mustLoad(t, e)
	checks := []struct {
		rule string
		ok   bool
	}{
		{"profile is production", c.IsProduction() && c.Profile == config.ProfileProduction},
		{"dev login is off", !c.Auth.DevLogin},
		{"WeChat is live", !c.WeChat.Fake},
		{"the secret key comes from the environment", c.SecretKey == strongKey},
		{"the database URL comes from the environment", c.Database.URL == e["GOVAPP_DATABASE_URL"]},
		{"the Redis URL comes from the environment", c.Redis.URL == e["GOVAPP_REDIS_URL"]},
		{"the mini-program credentials come from the environment", c.WeChat.MP.AppID == "wx0123456789abcdef" && c.WeChat.MP.Secret == e["GOVAPP_WECHAT_MP_SECRET"]},
		{"no fake official-account credentials are left", c.WeChat.OA.Secret == "" && c.WeChat.OA.Token == "" && c.WeChat.OA.AESKey == ""},
		{"rate limits are on", c.RateLimit.Enabled},
	}
	for _, ch := range checks {
		t.Run(ch.rule, func(t *testing.T) {
			if !ch.ok {
				t.Fatalf("config: %+v", c)
			}
		})
	}
	t.Run("no secret key file is written", func(t *testing.T) {
		if _, err := os.Stat(filepath.Join(e["GOVAPP_DATA_DIR"], "secret.key")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("secret.key: %v", err)
		}
	})
}

func TestEmbeddedSecretKey(t *testing.T) {
	t.Run("is generated in the data directory once and reused", func(t *testing.T) {
		e := embeddedEnv(t)
		first := mustLoad(t, e)
		if len(first.SecretKey) != 64 || strings.Trim(first.SecretKey, "0123456789abcdef") != "" {
			t.Fatalf("generated key %q, want 64 hex digits", first.SecretKey)
		}
		path := filepath.Join(e["GOVAPP_DATA_DIR"], "secret.key")
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("secret.key mode %o, want 600", perm)
		}
		second := mustLoad(t, e)
		if second.SecretKey != first.SecretKey {
			t.Fatal("the second load generated another key")
		}
	})
	t.Run("another data directory gets another key", func(t *testing.T) {
		first, second := mustLoad(t, embeddedEnv(t)), mustLoad(t, embeddedEnv(t))
		if first.SecretKey == second.SecretKey {
			t.Fatal("two data directories share a key")
		}
	})
	t.Run("the data directory is created when missing", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "a", "b")
		c := mustLoad(t, env{"GOVAPP_DATA_DIR": dir})
		if c.SecretKey == "" || c.SQLitePath() != filepath.Join(dir, "govapp.db") {
			t.Fatalf("SecretKey %q, SQLitePath %q", c.SecretKey, c.SQLitePath())
		}
	})
	t.Run("GOVAPP_SECRET_KEY wins and nothing is written", func(t *testing.T) {
		e := embeddedEnv(t).with("GOVAPP_SECRET_KEY", strongKey)
		if c := mustLoad(t, e); c.SecretKey != strongKey {
			t.Fatalf("SecretKey = %q", c.SecretKey)
		}
		if _, err := os.Stat(filepath.Join(e["GOVAPP_DATA_DIR"], "secret.key")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("secret.key: %v", err)
		}
	})
}

func TestEmbeddedDefaults(t *testing.T) {
	c := mustLoad(t, embeddedEnv(t))
	if c.Profile != config.ProfileEmbedded || c.IsProduction() {
		t.Fatalf("profile %q", c.Profile)
	}
	if !c.DevLoginOn() || !c.WeChat.Fake || !c.RateLimit.Enabled {
		t.Fatalf("embedded: dev login %v, fake WeChat %v, rate limit %v; want all on", c.DevLoginOn(), c.WeChat.Fake, c.RateLimit.Enabled)
	}
	if c.Auth.DevLogin || !config.LoopbackOnly(c.HTTP.Addr) {
		t.Fatalf("embedded: dev login must be on only because %q is loopback-only, not explicitly (auth.dev_login %v)", c.HTTP.Addr, c.Auth.DevLogin)
	}
	if c.Idempotency.TTL.D() != 24*time.Hour {
		t.Fatalf("idempotency ttl %v, want 24h", c.Idempotency.TTL.D())
	}
}

// Dev login signs anyone in as any openid with any phone marked verified: on
// the embedded profile it is on only while the server is reachable from this
// machine alone, or when a developer asks for it; never in production.
func TestDevLoginOnlyOnLoopbackOrExplicit(t *testing.T) {
	for _, tc := range []struct {
		addr     string
		explicit bool
		want     bool
	}{
		{"127.0.0.1:8080", false, true},
		{"[::1]:8080", false, true},
		{"localhost:8080", false, true},
		{"127.0.0.2:9000", false, true},
		{":8080", false, false},
		{"0.0.0.0:8080", false, false},
		{"192.168.1.20:8080", false, false},
		{"[::]:8080", false, false},
		{"8080", false, false},
		{":8080", true, true},
		{"192.168.1.20:8080", true, true},
	} {
		e := embeddedEnv(t)
		e["GOVAPP_HTTP_ADDR"] = tc.addr
		if tc.explicit {
			e["GOVAPP_DEV_LOGIN"] = "true"
		}
		if got := mustLoad(t, e).DevLoginOn(); got != tc.want {
			t.Errorf("addr %q, explicit %v: dev login %v, want %v", tc.addr, tc.explicit, got, tc.want)
		}
	}
	prod := config.Defaults(config.ProfileProduction)
	prod.HTTP.Addr = "127.0.0.1:8080"
	if prod.DevLoginOn() {
		t.Error("production on loopback: dev login must stay off")
	}
}

// A proxy header is believed only from the load balancers named.
func TestProxyHeaderNeedsTrustedProxies(t *testing.T) {
	e := embeddedEnv(t)
	e["GOVAPP_HTTP_PROXY_HEADER"] = "X-Forwarded-For"
	if _, err := config.LoadFrom(e.lookup); err == nil || !strings.Contains(err.Error(), "trusted_proxies") {
		t.Fatalf("proxy header without trusted proxies: %v", err)
	}
	e["GOVAPP_HTTP_TRUSTED_PROXIES"] = "10.0.0.0/8, 192.0.2.1"
	c := mustLoad(t, e)
	if !reflect.DeepEqual(c.HTTP.TrustedProxies, []string{"10.0.0.0/8", "192.0.2.1"}) {
		t.Fatalf("trusted proxies %q", c.HTTP.TrustedProxies)
	}
	e["GOVAPP_HTTP_TRUSTED_PROXIES"] = "10.0.0.0/8,lb.example"
	if _, err := config.LoadFrom(e.lookup); err == nil || !strings.Contains(err.Error(), "lb.example") {
		t.Fatalf("a host name among trusted proxies: %v", err)
	}
}

func TestEnvironmentSwitches(t *testing.T) {
	for _, v := range []string{"off", "OFF", "false", "0"} {
		t.Run("GOVAPP_RATE_LIMIT="+v+" disables limits", func(t *testing.T) {
			if c := mustLoad(t, embeddedEnv(t).with("GOVAPP_RATE_LIMIT", v)); c.RateLimit.Enabled {
				t.Fatal("rate limits still enabled")
			}
		})
	}
	for _, v := range []string{"on", "true", "1"} {
		t.Run("GOVAPP_RATE_LIMIT="+v+" enables limits", func(t *testing.T) {
			p := writeYAML(t, "rate_limit:\n  enabled: false\n")
			if c := mustLoad(t, embeddedEnv(t).with("GOVAPP_CONFIG", p, "GOVAPP_RATE_LIMIT", v)); !c.RateLimit.Enabled {
				t.Fatal("rate limits still disabled")
			}
		})
	}
	bad := []struct{ rule, key, value string }{
		{"a bad GOVAPP_RATE_LIMIT is an error", "GOVAPP_RATE_LIMIT", "sometimes"},
		{"a bad boolean is an error", "GOVAPP_DEV_LOGIN", "yes please"},
		{"an unknown profile is an error", "GOVAPP_PROFILE", "staging"},
	}
	for _, b := range bad {
		t.Run(b.rule, func(t *testing.T) {
			_, err := config.LoadFrom(embeddedEnv(t).with(b.key, b.value).lookup)
			if err == nil || !strings.Contains(err.Error(), b.value) {
				t.Fatalf("LoadFrom = %v, want an error quoting %q", err, b.value)
			}
		})
	}
	t.Run("GOVAPP_DEV_LOGIN=false turns dev login off in embedded", func(t *testing.T) {
		if c := mustLoad(t, embeddedEnv(t).with("GOVAPP_DEV_LOGIN", "false")); c.Auth.DevLogin {
			t.Fatal("dev login still on")
		}
	})
}

func TestYAMLFile(t *testing.T) {
	t.Run("overrides the defaults it names and keeps the others", func(t *testing.T) {
		p := writeYAML(t, `
http:
  addr: ":9090"
  trusted_proxies: ["10.0.0.1"]
rate_limit:
  per_ip: { limit: 5 }
auth:
  staff_lockout: 30m
log:
  level: debug
`)
		c := mustLoad(t, embeddedEnv(t).with("GOVAPP_CONFIG", p))
		d := config.Defaults(config.ProfileEmbedded)
		if c.HTTP.Addr != ":9090" || c.Log.Level != "debug" || c.RateLimit.PerIP.Limit != 5 ||
			c.Auth.StaffLockout.D() != 30*time.Minute || !reflect.DeepEqual(c.HTTP.TrustedProxies, []string{"10.0.0.1"}) {
			t.Fatalf("file values not applied: %+v", c)
		}
		if c.RateLimit.PerIP.Window != d.RateLimit.PerIP.Window || c.HTTP.BodyLimit != d.HTTP.BodyLimit || c.Auth.StaffMaxFailures != d.Auth.StaffMaxFailures {
			t.Fatalf("defaults the file does not name changed: %+v", c)
		}
	})
	t.Run("the environment overrides the file", func(t *testing.T) {
		p := writeYAML(t, "http:\n  addr: \":9090\"\n")
		if c := mustLoad(t, embeddedEnv(t).with("GOVAPP_CONFIG", p, "GOVAPP_HTTP_ADDR", ":7070")); c.HTTP.Addr != ":7070" {
			t.Fatalf("addr %q, want :7070", c.HTTP.Addr)
		}
	})
	t.Run("the profile in the file selects that profile's defaults", func(t *testing.T) {
		p := writeYAML(t, "profile: production\n")
		c := mustLoad(t, productionEnv(t).with("GOVAPP_PROFILE", unset, "GOVAPP_CONFIG", p))
		if !c.IsProduction() || c.Database.MaxOpenConns != 40 {
			t.Fatalf("profile %q, max_open_conns %d", c.Profile, c.Database.MaxOpenConns)
		}
	})
	t.Run("GOVAPP_PROFILE overrides the file's profile", func(t *testing.T) {
		p := writeYAML(t, "profile: production\n")
		if c := mustLoad(t, embeddedEnv(t).with("GOVAPP_CONFIG", p, "GOVAPP_PROFILE", "embedded")); c.IsProduction() {
			t.Fatal("production profile kept")
		}
	})
	t.Run("a file with only comments keeps the defaults", func(t *testing.T) {
		p := writeYAML(t, "# nothing changed here\n")
		e := embeddedEnv(t)
		c := mustLoad(t, e.with("GOVAPP_CONFIG", p))
		if !reflect.DeepEqual(withoutEnvOnly(c), withoutEnvOnly(mustLoad(t, e))) {
			t.Fatalf("config %+v", c)
		}
	})

	refused := []struct{ rule, body, want string }{
		{"an unknown top-level key is refused", "htp:\n  addr: \":9090\"\n", "htp"},
		{"an unknown nested key is refused", "http:\n  adress: \":9090\"\n", "adress"},
		{"a bad duration is refused", "http:\n  read_timeout: soon\n", "soon"},
		{"a value of the wrong type is refused", "http:\n  body_limit_bytes: lots\n", "lots"},
		// Secrets are tagged yaml:"-": with unknown keys refused, a secret
		// in the file is refused rather than silently ignored.
		{"secret_key in the file is refused", "secret_key: " + strongKey + "\n", "secret_key"},
		{"a database URL in the file is refused", "database:\n  url: postgres://u:p@h/db\n", "url"},
		{"a Redis URL in the file is refused", "redis:\n  url: redis://h:6379/0\n", "url"},
		{"a WeChat secret in the file is refused", "wechat:\n  mini_program:\n    secret: s3cr3t\n", "secret"},
		{"an official-account token in the file is refused", "wechat:\n  official_account:\n    token: t0k3n\n", "token"},
	}
	for _, r := range refused {
		t.Run(r.rule, func(t *testing.T) {
			p := writeYAML(t, r.body)
			_, err := config.LoadFrom(embeddedEnv(t).with("GOVAPP_CONFIG", p).lookup)
			if err == nil || !strings.Contains(err.Error(), r.want) {
				t.Fatalf("LoadFrom = %v, want an error naming %q", err, r.want)
			}
		})
	}

	t.Run("a missing file is an error naming it", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "absent.yaml")
		_, err := config.LoadFrom(embeddedEnv(t).with("GOVAPP_CONFIG", p).lookup)
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Fatalf("LoadFrom = %v, want an error naming %s", err, p)
		}
	})
}
