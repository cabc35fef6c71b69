package idempotency_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"govapp/internal/platform/idempotency"
)

// keyRule is the documented rule, written independently of ValidKey: 8–128
// characters, each of [A-Za-z0-9_.:-].
var keyRule = regexp.MustCompile(`^[A-Za-z0-9_.:\-]{8,128}$`)

func FuzzValidKey(f *testing.F) {
	for _, seed := range []string{
		"", "a", "1234567", "12345678", "0f8fad5b-d9cb-469f-a165-70867728950e", "01ARZ3NDEKTSV4RRFFQ69G5FAV",
		"order:2026.11.17_001", strings.Repeat("k", 128), strings.Repeat("k", 129), "spaces in key", "key\nwith-newline",
		"12345678\n", "\n12345678", "ключ-ключ-ключ", "密钥密钥密钥密钥", "12345678\x00", "abc/def/ghi", "abcdefgh%00",
		"' OR '1'='1", "<script>alert(1)</script>", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", "a\u0301bcdefgh",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		got := idempotency.ValidKey(key)
		if want := keyRule.MatchString(key); got != want {
			t.Fatalf("ValidKey(%q) = %v, the rule says %v", key, got, want)
		}
		if !got {
			return
		}
		if len(key) < idempotency.MinKeyLen || len(key) > idempotency.MaxKeyLen {
			t.Fatalf("accepted a key of %d bytes: %q", len(key), key)
		}
		if strings.Trim(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-") != "" {
			t.Fatalf("accepted a key with other characters: %q", key)
		}
	})
}

func FuzzRequestHash(f *testing.F) {
	f.Add("POST", "/api/v1/tickets", []byte(`{"kind":"complaint","title":"路灯不亮"}`))
	f.Add("POST", "/api/v1/appointments", []byte(`{"slot_id":1,"guide_code":"GA-0001"}`))
	f.Add("POST", "/api/v1/me/tickets/MB202611250001234/rating", []byte{})
	f.Add("", "", []byte(nil))
	f.Add("POST", "/a\nb", []byte("\n\x00\xff"))
	f.Fuzz(func(t *testing.T, method, path string, body []byte) {
		h := idempotency.RequestHash(method, path, body)
		if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
			t.Fatalf("RequestHash = %q, want 64 lower-case hex digits", h)
		}
		if again := idempotency.RequestHash(method, path, append([]byte(nil), body...)); again != h {
			t.Fatalf("RequestHash is not deterministic: %s then %s", h, again)
		}
		if other := idempotency.RequestHash(method, path, append(append([]byte(nil), body...), 'x')); other == h {
			t.Fatal("another body gave the same hash")
		}
		if other := idempotency.RequestHash(method+"X", path, body); other == h {
			t.Fatal("another method gave the same hash")
		}
		// Paths never hold a newline on the idempotent routes (Fiber matches
		// them on fixed segments), so the body cannot be shifted into the path.
		if !strings.Contains(path, "\n") && len(body) > 0 && body[0] != '\n' {
			if other := idempotency.RequestHash(method, path+string(body[:1]), body[1:]); other == h {
				t.Fatal("moving a byte from the body to the path gave the same hash")
			}
		}
	})
}

func FuzzScope(f *testing.F) {
	f.Add("resident", int64(42), "203.0.113.9")
	f.Add("staff", int64(42), "203.0.113.9")
	f.Add("resident", int64(0), "::1")
	f.Add("", int64(-1), "")
	f.Fuzz(func(t *testing.T, kind string, id int64, ip string) {
		s := idempotency.Scope(kind, id, ip)
		if id == 0 {
			if s != "ip:"+ip {
				t.Fatalf("anonymous scope %q, want ip:%s", s, ip)
			}
			return
		}
		if s != kind+":"+strconv.FormatInt(id, 10) {
			t.Fatalf("account scope %q of %s %d", s, kind, id)
		}
		// A resident and a staff member with the same id never share keys,
		// and no account shares keys with an anonymous client.
		for _, other := range []string{"resident", "staff"} {
			if other != kind && idempotency.Scope(other, id, ip) == s {
				t.Fatalf("%s and %s %d share the scope %q", kind, other, id, s)
			}
		}
		if (kind == "resident" || kind == "staff") && idempotency.Scope(kind, 0, ip) == s {
			t.Fatalf("account and anonymous share %q", s)
		}
	})
}
