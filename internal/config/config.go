// Package config loads govapp's one typed configuration: built-in defaults for the
// profile, then the YAML file named by GOVAPP_CONFIG, then GOVAPP_* variables.
// Secrets come only from the environment.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Profiles.
const (
	ProfileEmbedded   = "embedded"
	ProfileProduction = "production"
)

// Duration is a time.Duration written as "15m" in YAML.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("invalid duration %q: %w", n.Value, err)
	}
	*d = Duration(v)
	return nil
}

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalYAML writes the duration as it is read ("15m0s").
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Config is the whole configuration of one govapp process.
type Config struct {
	Profile     string      `yaml:"profile"`
	DataDir     string      `yaml:"data_dir"`
	HTTP        HTTP        `yaml:"http"`
	Database    Database    `yaml:"database"`
	Redis       Redis       `yaml:"redis"`
	Auth        Auth        `yaml:"auth"`
	RateLimit   RateLimit   `yaml:"rate_limit"`
	Idempotency Idempotency `yaml:"idempotency"`
	Jobs        Jobs        `yaml:"jobs"`
	Guides      Guides      `yaml:"guides"`
	Policies    Policies    `yaml:"policies"`
	Push        Push        `yaml:"push"`
	Tickets     Tickets     `yaml:"tickets"`
	Booking     Booking     `yaml:"booking"`
	WeChat      WeChat      `yaml:"wechat"`
	Log         Log         `yaml:"log"`
	Health      Health      `yaml:"health"`

	// SecretKey signs tokens and derives the keys that encrypt personal data.
	// Environment only (GOVAPP_SECRET_KEY); on the embedded profile it is
	// generated once and kept in the data directory.
	SecretKey string `yaml:"-"`
}

// HTTP configures the listener.
type HTTP struct {
	Addr      string `yaml:"addr"`
	PublicURL string `yaml:"public_url"`
	BodyLimit int    `yaml:"body_limit_bytes"`
	// ImportBodyLimit is the larger limit of bulk-import routes.
	ImportBodyLimit int      `yaml:"import_body_limit_bytes"`
	ReadTimeout     Duration `yaml:"read_timeout"`
	WriteTimeout    Duration `yaml:"write_timeout"`
	IdleTimeout     Duration `yaml:"idle_timeout"`
	ShutdownGrace   Duration `yaml:"shutdown_grace"`
	// ProxyHeader names the header that carries the client IP behind a trusted
	// load balancer (e.g. X-Forwarded-For); empty uses the socket address.
	ProxyHeader    string   `yaml:"proxy_header"`
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// Database configures the store. URL is a secret (environment only).
type Database struct {
	URL          string   `yaml:"-"`
	MaxOpenConns int      `yaml:"max_open_conns"`
	MaxIdleConns int      `yaml:"max_idle_conns"`
	AutoMigrate  bool     `yaml:"auto_migrate"`
	QueryTimeout Duration `yaml:"query_timeout"`
}

// Redis configures the shared cache. URL is a secret (environment only).
type Redis struct {
	URL          string   `yaml:"-"`
	DialTimeout  Duration `yaml:"dial_timeout"`
	ReadTimeout  Duration `yaml:"read_timeout"`
	WriteTimeout Duration `yaml:"write_timeout"`
	PoolSize     int      `yaml:"pool_size"`
}

// Auth configures sessions and logins.
type Auth struct {
	ResidentTokenTTL Duration `yaml:"resident_token_ttl"`
	StaffTokenTTL    Duration `yaml:"staff_token_ttl"`
	// RevocationSync is how often an instance reads the tokens revoked
	// (logout, rotation) on the others; resident tokens are otherwise
	// accepted on their signature without a database read.
	RevocationSync Duration `yaml:"revocation_sync"`
	// DevLogin enables POST /api/v1/auth/dev/login and the fake WeChat's
	// "dev:" and "dev-phone:" codes explicitly; on the embedded profile they
	// are also on when the server listens on loopback only (see DevLoginOn).
	DevLogin         bool     `yaml:"dev_login"`
	StaffMaxFailures int      `yaml:"staff_max_failures"`
	StaffLockout     Duration `yaml:"staff_lockout"`
	// PasswordCost is the bcrypt work factor of staff passwords (10–14 in
	// production; tests lower it).
	PasswordCost int `yaml:"password_cost"`
}

// Rule is a number of requests allowed per window.
type Rule struct {
	Limit  int      `yaml:"limit"`
	Window Duration `yaml:"window"`
}

// RateLimit configures the per-IP and per-account limits.
type RateLimit struct {
	Enabled    bool `yaml:"enabled"`
	PerIP      Rule `yaml:"per_ip"`
	PerAccount Rule `yaml:"per_account"`
	Login      Rule `yaml:"login"`
}

// Idempotency configures stored responses for Idempotency-Key.
type Idempotency struct {
	TTL Duration `yaml:"ttl"`
	// ClaimLease is how long a request being handled keeps a retry with its
	// key waiting (409); a claim older than that was left by a process that
	// died, and the retry runs. Longer than any request takes.
	ClaimLease Duration `yaml:"claim_lease"`
}

// Jobs configures the durable job queue.
type Jobs struct {
	Workers       int      `yaml:"workers"`
	PollInterval  Duration `yaml:"poll_interval"`
	PurgeInterval Duration `yaml:"purge_interval"`
	// RunInServe makes `serve` work jobs too (set false when dedicated workers run).
	RunInServe bool `yaml:"run_in_serve"`
	// RescueStuckAfter is how long a job may stay running before it is taken
	// to be orphaned by a process that died (SIGKILL, OOM) and is run again.
	// Every job's timeout is at most half of it.
	RescueStuckAfter Duration `yaml:"rescue_stuck_after"`
}

// Guides configures the guide catalogue and its caches.
type Guides struct {
	// SyncInterval is how often an instance follows the change feed: a
	// publish on one instance is visible on every other within it.
	SyncInterval  Duration `yaml:"sync_interval"`
	CacheTTL      Duration `yaml:"cache_ttl"`       // a version in the shared cache
	LocalCacheTTL Duration `yaml:"local_cache_ttl"` // and in the in-process layer (production)
	// SearchCutoff drops the search results scoring below this share of the
	// best result (0 keeps every match): a word found in the titles of a few
	// guides no longer answers every guide that merely lists it in its materials.
	SearchCutoff float64 `yaml:"search_cutoff"`
}

// Policies configures the policy catalogue, its caches and what policy
// bodies may embed.
type Policies struct {
	// SyncInterval is how often an instance follows the policy change feed.
	SyncInterval  Duration `yaml:"sync_interval"`
	CacheTTL      Duration `yaml:"cache_ttl"`       // a published version in the shared cache
	LocalCacheTTL Duration `yaml:"local_cache_ttl"` // and in the in-process layer (production)
	// VideoHosts are the only hosts whose video players a policy body may
	// embed (https iframes); empty allows no iframe at all.
	VideoHosts []string `yaml:"video_hosts"`
}

// Push configures the push pipeline.
type Push struct {
	// RatePerSecond caps sends across all instances (WeChat's daily quota
	// makes this the real limit: 10M/day ≈ 116/s).
	RatePerSecond int      `yaml:"rate_per_second"`
	BatchSize     int      `yaml:"batch_size"`   // recipients per fan-out batch (one send job each)
	SendChunk     int      `yaml:"send_chunk"`   // deliveries claimed together by a send job
	MaxAttempts   int      `yaml:"max_attempts"` // sends of one delivery before it is failed
	RetryBase     Duration `yaml:"retry_base"`   // first retry delay, doubled each time
	// OAFallback sends an official-account template message to residents
	// without a grant who follow the account (linked by unionid).
	OAFallback       bool                    `yaml:"oa_fallback"`
	MiniProgramState string                  `yaml:"miniprogram_state"` // formal, trial or developer
	Templates        map[string]PushTemplate `yaml:"templates"`
}

// PushTemplate maps one kind of message to its WeChat templates.
type PushTemplate struct {
	SubscribeID  string `yaml:"subscribe_id"`   // mini-program subscribe template
	LongTerm     bool   `yaml:"long_term"`      // long-term subscription: no one-time grant needed
	OATemplateID string `yaml:"oa_template_id"` // official-account template for followers without a grant
	Page         string `yaml:"page"`           // mini-program page opened from the message
	Setting      string `yaml:"setting"`        // the resident's switch that governs it: tickets, appointments, policies
}

// Tickets configures the hotline and mailbox: SLA deadlines (working time on
// the holiday calendar), limits, duplicates and uploads.
type Tickets struct {
	AcceptWithin   Duration       `yaml:"accept_within"`    // working time from submission to acceptance
	SignWithinDays int            `yaml:"sign_within_days"` // working days from dispatch to signing
	ReplyDays      map[string]int `yaml:"reply_days"`       // working days from acceptance to the reply, per kind
	UrgentWithin   Duration       `yaml:"urgent_within"`    // clock time for urgent tickets
	ReminderAt     float64        `yaml:"reminder_at"`      // share of the reply time after which the assignee is reminded (催办)
	AutoCloseAfter Duration       `yaml:"auto_close_after"` // a reply not rated within this closes the ticket
	ReopenWithin   Duration       `yaml:"reopen_within"`    // an unsatisfied rating within this reopens it (once)
	MaxExtension   int            `yaml:"max_extension_days"`
	PerResidentDay int            `yaml:"per_resident_per_day"` // submissions a resident may make a local calendar day (counted in the database)
	// Per client IP (SPEC §10); many residents share a mobile carrier's NAT
	// address, so these stop floods, not people.
	PerIP        Rule     `yaml:"per_ip"`         // ticket submissions
	UploadsPerIP Rule     `yaml:"uploads_per_ip"` // image uploads
	Categories   []string `yaml:"categories"`
	// Duplicates: open tickets of the same category with similar text, within
	// this distance when both have coordinates.
	DuplicateRadiusMeters float64  `yaml:"duplicate_radius_meters"`
	DuplicateSimilarity   float64  `yaml:"duplicate_similarity"`
	UploadMaxBytes        int      `yaml:"upload_max_bytes"`
	UploadDir             string   `yaml:"upload_dir"`     // empty: <data_dir>/uploads
	SweepInterval         Duration `yaml:"sweep_interval"` // how often reminders, overdue flags and auto-close run
	// Uploads per uploader (resident or staff) and local calendar day, counted
	// in the database; and what the housekeeping purge removes.
	UploadDailyCount    int      `yaml:"upload_daily_count"`    // images a day
	UploadDailyBytes    int64    `yaml:"upload_daily_bytes"`    // bytes a day
	UploadUnattachedTTL Duration `yaml:"upload_unattached_ttl"` // an image attached to no ticket is deleted after this
	UploadPartTTL       Duration `yaml:"upload_part_ttl"`       // a stray .part file (an interrupted write) is deleted after this
	// PublicNumbers are phone numbers kept in published results besides
	// 12345, the halls' phones and the guides' consultation and complaint
	// lines: a department's duty line or duty mobile quoted in replies.
	PublicNumbers []string `yaml:"public_numbers"`
}

// Booking configures appointments (SPEC §6): when slots open, what a
// resident may cancel, the no-show rule, check-in, reminders, the availability
// cache and the booking rate limits. One active appointment per person and
// item is a database rule (a unique index), not a setting.
type Booking struct {
	ReleaseDaysAhead int      `yaml:"release_days_ahead"` // a day's slots open this many days before it
	ReleaseTime      string   `yaml:"release_time"`       // at this local time (HH:MM): the moment of the rush
	CancelCutoff     Duration `yaml:"cancel_cutoff"`      // cancel or reschedule until this long before the start
	ReturnDelay      Duration `yaml:"return_delay"`       // a cancelled place returns to the pool after this
	MaxActive        int      `yaml:"max_active"`         // active appointments per person, all items together
	CheckinOpens     Duration `yaml:"checkin_opens"`      // check-in opens this long before the start
	Grace            Duration `yaml:"grace"`              // and closes this long after the end; then no_show
	NoShowLimit      int      `yaml:"no_show_limit"`      // this many no-shows
	NoShowWindow     Duration `yaml:"no_show_window"`     // within this
	NoShowBar        Duration `yaml:"no_show_bar"`        // bar booking for this long
	ReminderEvening  string   `yaml:"reminder_evening"`   // HH:MM the evening before
	ReminderBefore   Duration `yaml:"reminder_before"`    // and this long before the start
	SlotsCacheTTL    Duration `yaml:"slots_cache_ttl"`    // slot availability in the cache
	PerPerson        Rule     `yaml:"per_person"`         // booking writes per resident
	PerIP            Rule     `yaml:"per_ip"`             // and per IP
	SweepInterval    Duration `yaml:"sweep_interval"`     // slot release, returned places, no-shows, reminders
	// The hall's public calling display and the clerk's "my window".
	DisplayRefresh Duration `yaml:"display_refresh"` // the calling display reloads this often
	DisplayNext    int      `yaml:"display_next"`    // and lists this many waiting numbers
	WindowMemory   Duration `yaml:"window_memory"`   // a clerk's browser keeps their window this long
}

// WeChat configures the mini-program and the official account.
type WeChat struct {
	Fake        bool     `yaml:"fake"`
	HTTPTimeout Duration `yaml:"http_timeout"`
	MP          App      `yaml:"mini_program"`
	OA          OA       `yaml:"official_account"`
}

// App is a WeChat application's credentials (AppID from YAML or env, secret env only).
type App struct {
	AppID  string `yaml:"app_id"`
	Secret string `yaml:"-"`
}

// OA is the official account: credentials plus the callback token and AES key.
type OA struct {
	App    `yaml:",inline"`
	Token  string `yaml:"-"`
	AESKey string `yaml:"-"`
	// MessageMode is the account's 消息加解密方式 as chosen in its server
	// configuration: "safe" (安全模式, only encrypted pushes), "compatible"
	// (兼容模式: plaintext pushes accepted too — their signature does not
	// cover the body) or "plain" (明文模式, no AES key). Empty: safe when an
	// AES key is set, plain otherwise.
	MessageMode string `yaml:"message_mode"`
}

// problems checks MessageMode against the AES key: safe and compatible need
// one, plain takes none (compatible is the explicit way to accept plaintext).
func (o OA) problems() []string {
	switch {
	case o.MessageMode != "" && o.MessageMode != "safe" && o.MessageMode != "compatible" && o.MessageMode != "plain":
		return []string{"wechat.official_account.message_mode must be safe, compatible, plain or empty"}
	case o.AppID == "" || o.Token == "":
		return nil // no callback server
	case o.MessageMode == "plain" && o.AESKey != "":
		return []string{"wechat.official_account.message_mode is plain but GOVAPP_WECHAT_OA_AESKEY is set: choose compatible to accept plaintext pushes, or remove the key"}
	case o.MessageMode != "" && o.MessageMode != "plain" && o.AESKey == "":
		return []string{"wechat.official_account.message_mode " + o.MessageMode + " needs GOVAPP_WECHAT_OA_AESKEY"}
	}
	return nil
}

// Health configures what /readyz checks beyond the database and the cache.
type Health struct {
	// MinFreeBytes: less free space than this in the upload directory or
	// beside the SQLite file reports the instance degraded.
	MinFreeBytes int64 `yaml:"min_free_bytes"`
	// CalendarNextYearFrom ("MM-DD"): from this day of the year, /readyz
	// and every admin page of the console warn while the holiday calendar
	// has no entry for the next year.
	CalendarNextYearFrom string `yaml:"calendar_next_year_from"`
}

// Log configures structured logging.
type Log struct {
	Level string `yaml:"level"`
}

// Defaults returns the built-in configuration of a profile; for embedded it is
// the same as configs/embedded.yaml.
func Defaults(profile string) Config {
	c := Config{
		Profile: profile,
		DataDir: "./data",
		HTTP: HTTP{
			Addr: "127.0.0.1:8080", BodyLimit: 1 << 20, ImportBodyLimit: 32 << 20,
			ReadTimeout: Duration(15 * time.Second), WriteTimeout: Duration(30 * time.Second),
			IdleTimeout: Duration(60 * time.Second), ShutdownGrace: Duration(20 * time.Second),
		},
		Database: Database{MaxOpenConns: 20, MaxIdleConns: 10, AutoMigrate: true, QueryTimeout: Duration(5 * time.Second)},
		Redis: Redis{DialTimeout: Duration(300 * time.Millisecond), ReadTimeout: Duration(300 * time.Millisecond),
			WriteTimeout: Duration(300 * time.Millisecond), PoolSize: 50},
		Auth: Auth{
			ResidentTokenTTL: Duration(30 * 24 * time.Hour), StaffTokenTTL: Duration(12 * time.Hour), RevocationSync: Duration(500 * time.Millisecond),
			DevLogin: false, StaffMaxFailures: 5, StaffLockout: Duration(15 * time.Minute), PasswordCost: 11,
		},
		RateLimit: RateLimit{
			Enabled:    true,
			PerIP:      Rule{Limit: 600, Window: Duration(time.Minute)},
			PerAccount: Rule{Limit: 300, Window: Duration(time.Minute)},
			Login:      Rule{Limit: 20, Window: Duration(time.Minute)},
		},
		Idempotency: Idempotency{TTL: Duration(24 * time.Hour), ClaimLease: Duration(time.Minute)},
		Push: Push{RatePerSecond: 100, BatchSize: 1000, SendChunk: 50, MaxAttempts: 5, RetryBase: Duration(30 * time.Second),
			OAFallback: true, MiniProgramState: "formal", Templates: defaultTemplates()},
		Tickets: Tickets{AcceptWithin: Duration(2 * time.Hour), SignWithinDays: 1,
			ReplyDays:    map[string]int{"consultation": 1, "help": 5, "suggestion": 5, "praise": 5, "complaint": 10, "report": 10},
			UrgentWithin: Duration(24 * time.Hour), ReminderAt: 0.8, AutoCloseAfter: Duration(7 * 24 * time.Hour),
			ReopenWithin: Duration(7 * 24 * time.Hour), MaxExtension: 10, PerResidentDay: 10,
			PerIP: Rule{Limit: 120, Window: Duration(time.Hour)}, UploadsPerIP: Rule{Limit: 600, Window: Duration(time.Hour)},
			Categories: []string{"城市管理", "住房城建", "劳动保障", "交通出行", "生态环境", "教育", "医疗卫生", "市场监管",
				"社会治安", "民政服务", "政务服务", "其他"},
			DuplicateRadiusMeters: 500, DuplicateSimilarity: 0.3, UploadMaxBytes: 5 << 20, SweepInterval: Duration(time.Minute),
			UploadDailyCount: 50, UploadDailyBytes: 50 << 20, UploadUnattachedTTL: Duration(24 * time.Hour), UploadPartTTL: Duration(time.Hour),
			PublicNumbers: []string{}},
		Booking: Booking{ReleaseDaysAhead: 7, ReleaseTime: "08:00", CancelCutoff: Duration(time.Hour), MaxActive: 3,
			CheckinOpens: Duration(30 * time.Minute), Grace: Duration(15 * time.Minute), NoShowLimit: 3,
			NoShowWindow: Duration(90 * 24 * time.Hour), NoShowBar: Duration(30 * 24 * time.Hour), ReminderEvening: "18:00",
			ReminderBefore: Duration(time.Hour), SlotsCacheTTL: Duration(2 * time.Second),
			PerPerson: Rule{Limit: 10, Window: Duration(time.Minute)}, PerIP: Rule{Limit: 300, Window: Duration(time.Minute)},
			SweepInterval: Duration(time.Minute), DisplayRefresh: Duration(5 * time.Second), DisplayNext: 8,
			WindowMemory: Duration(16 * time.Hour)},
		Guides: Guides{SyncInterval: Duration(500 * time.Millisecond), CacheTTL: Duration(time.Hour), LocalCacheTTL: Duration(time.Minute), SearchCutoff: 0.4},
		Jobs:   Jobs{Workers: 10, PollInterval: Duration(500 * time.Millisecond), PurgeInterval: Duration(time.Hour), RunInServe: true, RescueStuckAfter: Duration(10 * time.Minute)},
		Policies: Policies{SyncInterval: Duration(500 * time.Millisecond), CacheTTL: Duration(time.Hour), LocalCacheTTL: Duration(time.Minute),
			VideoHosts: []string{"v.qq.com", "player.bilibili.com"}},
		WeChat: WeChat{
			Fake: true, HTTPTimeout: Duration(5 * time.Second),
			MP: App{AppID: "wxfakeminiprogram0", Secret: "fake-mp-secret"},
			OA: OA{App: App{AppID: "wxfakeofficialacct", Secret: "fake-oa-secret"},
				Token: "govappdevtoken", AESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"},
		},
		Log:    Log{Level: "info"},
		Health: Health{MinFreeBytes: 512 << 20, CalendarNextYearFrom: "11-01"},
	}
	if profile == ProfileProduction {
		c.HTTP.Addr = ":8080"
		c.WeChat.Fake = false
		c.WeChat.MP = App{}
		c.WeChat.OA = OA{}
		c.Database.MaxOpenConns = 40
	}
	return c
}

func defaultTemplates() map[string]PushTemplate {
	return map[string]PushTemplate{
		"policy_release":       {SubscribeID: "tmpl-policy-release", OATemplateID: "oa-tmpl-policy-release", Page: "pages/policy/detail", Setting: "policies"},
		"ticket_update":        {SubscribeID: "tmpl-ticket-update", OATemplateID: "oa-tmpl-ticket-update", Page: "pages/ticket/detail", Setting: "tickets"},
		"appointment_reminder": {SubscribeID: "tmpl-appointment-reminder", OATemplateID: "oa-tmpl-appointment", Page: "pages/appointment/detail", Setting: "appointments"},
		"appointment_change":   {SubscribeID: "tmpl-appointment-change", OATemplateID: "oa-tmpl-appointment", Page: "pages/appointment/detail", Setting: "appointments"},
	}
}

// Load builds the configuration from defaults, GOVAPP_CONFIG and the environment,
// prepares the embedded secret key, and validates the result.
func Load() (Config, error) {
	return LoadFrom(os.LookupEnv)
}

// LookupFunc reads one environment variable.
type LookupFunc func(string) (string, bool)

// LoadFrom is Load with an explicit environment (tests).
func LoadFrom(env LookupFunc) (Config, error) {
	c, err := read(env)
	if err != nil {
		return Config{}, err
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// LoadDatabase builds the configuration for `govapp migrate`, which opens
// the database and nothing else: only the database settings are checked, so
// that a migration job in production needs GOVAPP_DATABASE_URL and no
// WeChat, Redis or encryption secrets.
func LoadDatabase() (Config, error) { return LoadDatabaseFrom(os.LookupEnv) }

// LoadDatabaseFrom is LoadDatabase with an explicit environment (tests).
func LoadDatabaseFrom(env LookupFunc) (Config, error) {
	c, err := read(env)
	if err != nil {
		return Config{}, err
	}
	if c.Profile != ProfileEmbedded && c.Profile != ProfileProduction {
		return Config{}, fmt.Errorf("config: refusing to start: unknown profile %q", c.Profile)
	}
	if c.Profile == ProfileProduction && c.Database.URL == "" {
		return Config{}, errors.New("config: refusing to migrate: GOVAPP_DATABASE_URL is missing (PostgreSQL URL)")
	}
	return c, nil
}

// read builds the configuration from the defaults of the profile, the file
// GOVAPP_CONFIG names and the environment, without validating it.
func read(env LookupFunc) (Config, error) {
	profile := ProfileEmbedded
	var raw []byte
	if path, ok := env("GOVAPP_CONFIG"); ok && path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: read %s: %w", path, err)
		}
		raw = b
		var peek struct {
			Profile string `yaml:"profile"`
		}
		if err := yaml.Unmarshal(b, &peek); err != nil {
			return Config{}, fmt.Errorf("config: parse %s: %w", path, err)
		}
		if peek.Profile != "" {
			profile = peek.Profile
		}
	}
	if p, ok := env("GOVAPP_PROFILE"); ok && p != "" {
		profile = p
	}
	c := Defaults(profile)
	if raw != nil {
		dec := yaml.NewDecoder(strings.NewReader(string(raw)))
		dec.KnownFields(true)
		// io.EOF: the file holds no document (only comments), so nothing changes.
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("config: parse: %w", err)
		}
	}
	c.Profile = profile
	if err := applyEnv(&c, env); err != nil {
		return Config{}, err
	}
	if c.Profile == ProfileEmbedded && c.SecretKey == "" {
		key, err := embeddedSecret(c.DataDir)
		if err != nil {
			return Config{}, err
		}
		c.SecretKey = key
	}
	return c, nil
}

func applyEnv(c *Config, env LookupFunc) error {
	str := map[string]*string{
		"GOVAPP_HTTP_ADDR":         &c.HTTP.Addr,
		"GOVAPP_PUBLIC_URL":        &c.HTTP.PublicURL,
		"GOVAPP_DATA_DIR":          &c.DataDir,
		"GOVAPP_DATABASE_URL":      &c.Database.URL,
		"GOVAPP_REDIS_URL":         &c.Redis.URL,
		"GOVAPP_SECRET_KEY":        &c.SecretKey,
		"GOVAPP_WECHAT_MP_APPID":   &c.WeChat.MP.AppID,
		"GOVAPP_WECHAT_MP_SECRET":  &c.WeChat.MP.Secret,
		"GOVAPP_WECHAT_OA_APPID":   &c.WeChat.OA.AppID,
		"GOVAPP_WECHAT_OA_SECRET":  &c.WeChat.OA.Secret,
		"GOVAPP_WECHAT_OA_TOKEN":   &c.WeChat.OA.Token,
		"GOVAPP_WECHAT_OA_AESKEY":  &c.WeChat.OA.AESKey,
		"GOVAPP_LOG_LEVEL":         &c.Log.Level,
		"GOVAPP_HTTP_PROXY_HEADER": &c.HTTP.ProxyHeader,
	}
	if v, ok := env("GOVAPP_HTTP_TRUSTED_PROXIES"); ok {
		c.HTTP.TrustedProxies = nil
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				c.HTTP.TrustedProxies = append(c.HTTP.TrustedProxies, p)
			}
		}
	}
	for k, p := range str {
		if v, ok := env(k); ok {
			*p = v
		}
	}
	if v, ok := env("GOVAPP_WECHAT_OA_MESSAGE_MODE"); ok {
		c.WeChat.OA.MessageMode = v
	}
	bools := map[string]*bool{
		"GOVAPP_DEV_LOGIN":     &c.Auth.DevLogin,
		"GOVAPP_WECHAT_FAKE":   &c.WeChat.Fake,
		"GOVAPP_AUTO_MIGRATE":  &c.Database.AutoMigrate,
		"GOVAPP_JOBS_IN_SERVE": &c.Jobs.RunInServe,
	}
	for k, p := range bools {
		if v, ok := env(k); ok && v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("config: %s=%q is not a boolean", k, v)
			}
			*p = b
		}
	}
	if v, ok := env("GOVAPP_RATE_LIMIT"); ok && v != "" {
		switch strings.ToLower(v) {
		case "on", "true", "1":
			c.RateLimit.Enabled = true
		case "off", "false", "0":
			c.RateLimit.Enabled = false
		default:
			return fmt.Errorf("config: GOVAPP_RATE_LIMIT=%q must be on or off", v)
		}
	}
	return nil
}

// Validate reports the first configuration problem, naming it.
func (c Config) Validate() error {
	var problems []string
	switch c.Profile {
	case ProfileEmbedded, ProfileProduction:
	default:
		return fmt.Errorf("config: unknown profile %q (want embedded or production)", c.Profile)
	}
	if c.HTTP.BodyLimit <= 0 || c.HTTP.ImportBodyLimit < c.HTTP.BodyLimit {
		problems = append(problems, "http.body_limit_bytes must be positive and http.import_body_limit_bytes at least as large")
	}
	if c.HTTP.ProxyHeader != "" && len(c.HTTP.TrustedProxies) == 0 {
		problems = append(problems, "http.proxy_header is set but http.trusted_proxies is empty: name the load balancers allowed to set it (addresses or CIDR prefixes)")
	}
	for _, p := range c.HTTP.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				problems = append(problems, fmt.Sprintf("http.trusted_proxies: %q is neither an IP address nor a CIDR prefix", p))
			}
		}
	}
	if c.Push.RatePerSecond <= 0 || c.Push.BatchSize <= 0 || c.Push.SendChunk <= 0 || c.Push.MaxAttempts <= 0 {
		problems = append(problems, "push.rate_per_second, batch_size, send_chunk and max_attempts must be positive")
	}
	for name, t := range c.Push.Templates {
		switch t.Setting {
		case "tickets", "appointments", "policies":
		default:
			problems = append(problems, fmt.Sprintf("push.templates.%s.setting must be tickets, appointments or policies", name))
		}
	}
	for _, k := range []string{"consultation", "help", "suggestion", "praise", "complaint", "report"} {
		if c.Tickets.ReplyDays[k] <= 0 {
			problems = append(problems, "tickets.reply_days."+k+" must be positive")
		}
	}
	if c.Tickets.ReminderAt <= 0 || c.Tickets.ReminderAt >= 1 || c.Tickets.PerResidentDay <= 0 || c.Tickets.UploadMaxBytes <= 0 || len(c.Tickets.Categories) == 0 {
		problems = append(problems, "tickets: reminder_at must be in (0,1); per_resident_per_day, upload_max_bytes and categories must be set")
	}
	if c.Tickets.UploadDailyCount <= 0 || c.Tickets.UploadDailyBytes < int64(c.Tickets.UploadMaxBytes) || c.Tickets.UploadUnattachedTTL <= 0 || c.Tickets.UploadPartTTL <= 0 {
		problems = append(problems, "tickets: upload_daily_count, upload_unattached_ttl and upload_part_ttl must be positive, upload_daily_bytes at least upload_max_bytes")
	}
	if c.Health.MinFreeBytes < 0 {
		problems = append(problems, "health.min_free_bytes must not be negative")
	}
	if _, err := time.Parse("01-02", c.Health.CalendarNextYearFrom); err != nil {
		problems = append(problems, "health.calendar_next_year_from must be a day of the year as MM-DD, e.g. 11-01")
	}
	if c.Idempotency.ClaimLease <= 0 {
		problems = append(problems, "idempotency.claim_lease must be positive")
	}
	if c.Jobs.RescueStuckAfter.D() < 2*time.Second {
		problems = append(problems, "jobs.rescue_stuck_after must be at least 2s")
	}
	if c.Guides.SyncInterval <= 0 {
		problems = append(problems, "guides.sync_interval must be positive")
	}
	if c.Guides.SearchCutoff < 0 || c.Guides.SearchCutoff >= 1 {
		problems = append(problems, "guides.search_cutoff must be at least 0 and below 1")
	}
	if c.Policies.SyncInterval <= 0 {
		problems = append(problems, "policies.sync_interval must be positive")
	}
	problems = append(problems, c.Booking.problems()...)
	if c.Auth.PasswordCost < 4 || c.Auth.PasswordCost > 16 {
		problems = append(problems, "auth.password_cost must be between 4 and 16")
	}
	if c.Auth.ResidentTokenTTL <= 0 || c.Auth.StaffTokenTTL <= 0 {
		problems = append(problems, "auth.resident_token_ttl and auth.staff_token_ttl must be positive")
	}
	if c.Auth.RevocationSync <= 0 || c.Auth.RevocationSync.D() > time.Minute {
		problems = append(problems, "auth.revocation_sync must be positive and at most 1m")
	}
	if c.Auth.StaffMaxFailures <= 0 || c.Auth.StaffLockout <= 0 {
		problems = append(problems, "auth.staff_max_failures and auth.staff_lockout must be positive")
	}
	problems = append(problems, c.WeChat.OA.problems()...)
	if c.Profile == ProfileProduction {
		if c.Auth.DevLogin {
			problems = append(problems, "dev login is enabled (auth.dev_login / GOVAPP_DEV_LOGIN): it is refused in production")
		}
		if c.WeChat.Fake {
			problems = append(problems, "the fake WeChat is enabled (wechat.fake / GOVAPP_WECHAT_FAKE): production needs live WeChat")
		}
		if c.SecretKey == "" {
			problems = append(problems, "GOVAPP_SECRET_KEY is missing")
		} else if isWeakKey(c.SecretKey) {
			problems = append(problems, "GOVAPP_SECRET_KEY is a default or weak value (use at least 32 random characters, e.g. openssl rand -hex 32)")
		}
		if c.Database.URL == "" {
			problems = append(problems, "GOVAPP_DATABASE_URL is missing (PostgreSQL URL)")
		}
		if c.Redis.URL == "" {
			problems = append(problems, "GOVAPP_REDIS_URL is missing")
		}
		if c.WeChat.MP.AppID == "" || c.WeChat.MP.Secret == "" {
			problems = append(problems, "GOVAPP_WECHAT_MP_APPID and GOVAPP_WECHAT_MP_SECRET are required")
		}
	}
	if len(problems) > 0 {
		return errors.New("config: refusing to start: " + strings.Join(problems, "; "))
	}
	return nil
}

func isWeakKey(k string) bool {
	if len(k) < 32 {
		return true
	}
	l := strings.ToLower(k)
	for _, w := range []string{"change", "example", "default", "secret", "govapp"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	distinct := map[rune]bool{}
	for _, r := range k {
		distinct[r] = true
	}
	return len(distinct) < 8
}

// embeddedSecret reads the data directory's secret key, creating it on first use.
func embeddedSecret(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "secret.key")
	if b, err := os.ReadFile(path); err == nil {
		if k := strings.TrimSpace(string(b)); k != "" {
			return k, nil
		}
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return "", fmt.Errorf("config: create data dir: %w", err)
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	key := hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("config: write %s: %w", path, err)
	}
	return key, nil
}

func (b Booking) problems() []string {
	var out []string
	for name, v := range map[string]string{"release_time": b.ReleaseTime, "reminder_evening": b.ReminderEvening} {
		if _, err := time.Parse("15:04", v); err != nil || len(v) != 5 {
			out = append(out, "booking."+name+" must be a local time HH:MM")
		}
	}
	if b.ReleaseDaysAhead < 1 || b.ReleaseDaysAhead > 60 || b.MaxActive < 1 || b.NoShowLimit < 1 {
		out = append(out, "booking: release_days_ahead must be 1–60, max_active and no_show_limit at least 1")
	}
	if b.CancelCutoff < 0 || b.ReturnDelay < 0 || b.Grace < 0 || b.CheckinOpens < 0 || b.NoShowWindow <= 0 || b.NoShowBar <= 0 ||
		b.ReminderBefore <= 0 || b.SlotsCacheTTL <= 0 || b.SweepInterval <= 0 {
		out = append(out, "booking: durations must not be negative; no_show_window, no_show_bar, reminder_before, slots_cache_ttl and sweep_interval must be positive")
	}
	if b.DisplayRefresh < Duration(time.Second) || b.DisplayNext < 1 || b.DisplayNext > 50 || b.WindowMemory < Duration(time.Minute) {
		out = append(out, "booking: display_refresh must be at least 1s, display_next 1–50, window_memory at least 1m")
	}
	return out
}

// DevLoginOn reports whether dev login (and the fake WeChat's "dev:" and
// "dev-phone:" codes) is on: never in production; on the embedded profile
// when auth.dev_login is set or when http.addr is a loopback address, so that
// no one on the network can sign in as anyone with any phone marked verified.
func (c Config) DevLoginOn() bool {
	if c.Profile == ProfileProduction {
		return false
	}
	return c.Auth.DevLogin || LoopbackOnly(c.HTTP.Addr)
}

// LoopbackOnly reports whether a listen address ("127.0.0.1:8080",
// "[::1]:8080", "localhost:8080") accepts connections from this machine only;
// an empty host (":8080") listens on every interface.
func LoopbackOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// IsProduction reports whether the production profile is active.
func (c Config) IsProduction() bool { return c.Profile == ProfileProduction }

// SQLitePath returns the embedded database file.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "govapp.db") }

// Effective is the configuration as it will run, for the start-up log: every
// setting a file may hold (secrets are never among them: their yaml tag is
// "-"), and, for the values that come only from the environment, whether
// each is set — the database and Redis URLs with their passwords masked, the
// keys and WeChat secrets as "set" or "missing", never their values.
func (c Config) Effective() map[string]any {
	out := map[string]any{}
	if b, err := yaml.Marshal(c); err == nil {
		_ = yaml.Unmarshal(b, &out)
	}
	present := func(s string) string {
		if s == "" {
			return "missing"
		}
		return "set"
	}
	out["database_url"] = maskURL(c.Database.URL)
	out["redis_url"] = maskURL(c.Redis.URL)
	out["secret_key"] = present(c.SecretKey)
	out["wechat_mp_secret"] = present(c.WeChat.MP.Secret)
	out["wechat_oa_secret"] = present(c.WeChat.OA.Secret)
	out["wechat_oa_token"] = present(c.WeChat.OA.Token)
	out["wechat_oa_aes_key"] = present(c.WeChat.OA.AESKey)
	return out
}

// maskURL hides a URL's password (and, should it not parse, everything).
func maskURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable, hidden)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
