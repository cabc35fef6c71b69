package account_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"govapp/internal/account"
	"govapp/internal/config"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/pii"
)

const (
	phone       = "13800138000"
	maskedPhone = "138****8000"
)

func TestResidentLogin(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		f := newFixture(t, d, nil)
		ctx := context.Background()

		t.Run("dev login returns a token that authenticates as the resident", func(t *testing.T) {
			sess, r, err := f.svc.DevLogin(ctx, "o-test-1", "小李", "")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(sess.Token, "gv_") || !sess.ExpiresAt.Equal(start.Add(f.cfg.ResidentTokenTTL.D())) {
				t.Fatalf("session = %+v, want a gv_ token expiring after ResidentTokenTTL", sess)
			}
			if r.ID == 0 || r.OpenID != "o-test-1" || r.Nickname != "小李" || r.Phone != "" || r.PhoneVerified {
				t.Fatalf("resident = %+v", r)
			}
			p, err := f.svc.Authenticate(ctx, sess.Token)
			if err != nil {
				t.Fatal(err)
			}
			want := account.Principal{Kind: account.KindResident, ID: r.ID, Role: account.RoleResident}
			if p != want || p.IsStaff() {
				t.Fatalf("principal = %+v, want %+v", p, want)
			}
		})

		t.Run("second login by the same openid is the same resident and keeps the nickname", func(t *testing.T) {
			_, first, err := f.svc.DevLogin(ctx, "o-upsert", "老王", "")
			if err != nil {
				t.Fatal(err)
			}
			_, again, err := f.svc.DevLogin(ctx, "o-upsert", "", "")
			if err != nil {
				t.Fatal(err)
			}
			if again.ID != first.ID || again.Nickname != "老王" {
				t.Fatalf("second login = %+v, want id %d with nickname 老王", again, first.ID)
			}
			_, renamed, err := f.svc.DevLogin(ctx, "o-upsert", "王师傅", "")
			if err != nil {
				t.Fatal(err)
			}
			if renamed.ID != first.ID || renamed.Nickname != "王师傅" {
				t.Fatalf("login with a new nickname = %+v, want id %d renamed 王师傅", renamed, first.ID)
			}
			if n := f.count(t, `SELECT COUNT(*) FROM residents WHERE openid = ?`, "o-upsert"); n != 1 {
				t.Fatalf("residents with the openid = %d, want 1", n)
			}
		})

		t.Run("dev login phone is bound verified and stored encrypted", func(t *testing.T) {
			_, r, err := f.svc.DevLogin(ctx, "o-phone", "", "+86 138-0013-8000")
			if err != nil {
				t.Fatal(err)
			}
			if r.Phone != phone || !r.PhoneVerified {
				t.Fatalf("resident = %+v, want phone %s verified", r, phone)
			}
			var enc []byte
			var hash sql.NullString
			if err := d.QueryRowx(d.Rebind(`SELECT phone_enc, phone_hash FROM residents WHERE id = ?`), r.ID).Scan(&enc, &hash); err != nil {
				t.Fatal(err)
			}
			if len(enc) == 0 || !hash.Valid {
				t.Fatalf("phone_enc = %x, phone_hash = %v: want both stored", enc, hash)
			}
			for _, plain := range []string{phone, maskedPhone} {
				if bytes.Contains(enc, []byte(plain)) || strings.Contains(hash.String, plain) {
					t.Fatalf("raw residents row holds %q: phone_enc = %q, phone_hash = %q", plain, enc, hash.String)
				}
			}
			if hash.String != f.box.Hash("phone", phone) {
				t.Fatalf("phone_hash = %s, want the keyed look-up hash of the number", hash.String)
			}
			got, err := f.svc.Resident(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Phone != phone || !got.PhoneVerified {
				t.Fatalf("Resident() = %+v, want the decrypted phone, verified", got)
			}
		})

		t.Run("dev login rejects invalid input naming the field", func(t *testing.T) {
			cases := []struct {
				name, openid, nickname, phone string
				fields                        []string
			}{
				{"empty openid", "", "", "", []string{"openid"}},
				{"openid with a space", "o test", "", "", []string{"openid"}},
				{"openid in Chinese", "微信用户", "", "", []string{"openid"}},
				{"openid of 65 characters", strings.Repeat("o", 65), "", "", []string{"openid"}},
				{"nickname of 33 characters", "o-nick", strings.Repeat("名", 33), "", []string{"nickname"}},
				{"phone too short", "o-bad-phone", "", "1380013800", []string{"phone"}},
				{"landline", "o-bad-phone", "", "02888888888", []string{"phone"}},
				{"phone with letters", "o-bad-phone", "", "1380013800a", []string{"phone"}},
				{"openid and phone both wrong", "", "", "12", []string{"openid", "phone"}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					_, _, err := f.svc.DevLogin(ctx, c.openid, c.nickname, c.phone)
					wantInvalid(t, err, c.fields...)
				})
			}
			if n := f.count(t, `SELECT COUNT(*) FROM residents WHERE openid IN ('o-nick', 'o-bad-phone')`); n != 0 {
				t.Fatalf("refused logins created %d residents", n)
			}
		})

		t.Run("WeChat login stores the session key encrypted", func(t *testing.T) {
			const sessionKey = "tiihtNczf5v6AKRyjwEUhQ=="
			f.wx.addLogin("code-1", account.WeChatIdentity{OpenID: "o-wx-1", UnionID: "u-wx-1", SessionKey: sessionKey})
			sess, r, err := f.svc.WeChatLogin(ctx, "code-1")
			if err != nil {
				t.Fatal(err)
			}
			if r.OpenID != "o-wx-1" || r.UnionID != "u-wx-1" {
				t.Fatalf("resident = %+v, want openid o-wx-1, unionid u-wx-1", r)
			}
			if p, err := f.svc.Authenticate(ctx, sess.Token); err != nil || p.ID != r.ID {
				t.Fatalf("Authenticate = %+v, %v; want resident %d", p, err, r.ID)
			}
			var enc []byte
			if err := d.Get(&enc, d.Rebind(`SELECT session_key_enc FROM residents WHERE id = ?`), r.ID); err != nil {
				t.Fatal(err)
			}
			if len(enc) == 0 || bytes.Contains(enc, []byte(sessionKey)) {
				t.Fatalf("session_key_enc = %q, want the key encrypted", enc)
			}
			if key, err := f.box.Decrypt(enc); err != nil || key != sessionKey {
				t.Fatalf("decrypted session key = %q, %v", key, err)
			}
		})

		t.Run("WeChat login passes on WeChat's refusal", func(t *testing.T) {
			_, _, err := f.svc.WeChatLogin(ctx, "code-never-issued")
			wantErr(t, err, errUnknownCode)
			if errs.KindOf(err) != errs.KindUnauthorized {
				t.Fatalf("kind = %v, want unauthorized", errs.KindOf(err))
			}
		})

		t.Run("WeChat login without a code is invalid", func(t *testing.T) {
			_, _, err := f.svc.WeChatLogin(ctx, "")
			wantInvalid(t, err, "code")
		})

		t.Run("bind phone sets WeChat's number", func(t *testing.T) {
			f.wx.addLogin("code-2", account.WeChatIdentity{OpenID: "o-wx-2"})
			_, r, err := f.svc.WeChatLogin(ctx, "code-2")
			if err != nil {
				t.Fatal(err)
			}
			f.wx.addPhone("phone-code-2", "+8613900139000")
			got, err := f.svc.BindPhone(ctx, r.ID, "phone-code-2")
			if err != nil {
				t.Fatal(err)
			}
			if got.Phone != "13900139000" || !got.PhoneVerified {
				t.Fatalf("resident = %+v, want phone 13900139000 verified", got)
			}
			if again, err := f.svc.Resident(ctx, r.ID); err != nil || again.Phone != "13900139000" {
				t.Fatalf("Resident() = %+v, %v", again, err)
			}
		})

		t.Run("bind phone refuses an unknown code and a foreign number", func(t *testing.T) {
			_, r, err := f.svc.DevLogin(ctx, "o-bind-refused", "", "")
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.svc.BindPhone(ctx, r.ID, "phone-code-never-issued")
			wantErr(t, err, errUnknownCode)
			f.wx.addPhone("phone-code-hk", "+85291234567")
			_, err = f.svc.BindPhone(ctx, r.ID, "phone-code-hk")
			wantInvalid(t, err, "code")
			_, err = f.svc.BindPhone(ctx, r.ID, "")
			wantInvalid(t, err, "code")
			if got, err := f.svc.Resident(ctx, r.ID); err != nil || got.Phone != "" || got.PhoneVerified {
				t.Fatalf("Resident() = %+v, %v; want no phone", got, err)
			}
		})

		t.Run("unknown resident is not found", func(t *testing.T) {
			_, err := f.svc.Resident(ctx, 999999)
			wantErr(t, err, account.ErrResidentNotFound)
		})
	})
}

func TestDevLoginDisabled(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		f := newFixture(t, d, func(c *config.Auth) { c.DevLogin = false })
		_, _, err := f.svc.DevLogin(context.Background(), "o-test-1", "", phone)
		wantErr(t, err, account.ErrDevLoginDisabled)
		if n := f.count(t, `SELECT COUNT(*) FROM residents`); n != 0 {
			t.Fatalf("residents = %d, want none", n)
		}
	})
}

func TestSessions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		f := newFixture(t, d, nil)
		ctx := context.Background()
		login := func(t *testing.T, openid string) account.Session {
			t.Helper()
			sess, _, err := f.svc.DevLogin(ctx, openid, "", "")
			if err != nil {
				t.Fatal(err)
			}
			return sess
		}

		// First, while the sessions table is empty.
		t.Run("purge deletes only expired sessions", func(t *testing.T) {
			ttl := f.cfg.ResidentTokenTTL.D()
			old := login(t, "o-old")
			f.clock.Advance(ttl / 2)
			fresh := login(t, "o-fresh")
			f.clock.Advance(ttl/2 + time.Second)

			n, err := f.svc.PurgeExpired(ctx)
			if err != nil || n != 1 {
				t.Fatalf("PurgeExpired = %d, %v; want 1 (only the expired session)", n, err)
			}
			if left := f.count(t, `SELECT COUNT(*) FROM sessions`); left != 1 {
				t.Fatalf("sessions left = %d, want 1", left)
			}
			if _, err := f.svc.Authenticate(ctx, fresh.Token); err != nil {
				t.Fatalf("unexpired session after purge: %v", err)
			}
			_, err = f.svc.Authenticate(ctx, old.Token)
			wantErr(t, err, account.ErrInvalidToken)
			if n, err := f.svc.PurgeExpired(ctx); err != nil || n != 0 {
				t.Fatalf("second PurgeExpired = %d, %v; want 0", n, err)
			}
		})

		t.Run("forged and malformed tokens are invalid", func(t *testing.T) {
			login(t, "o-real")
			buf := make([]byte, 32)
			_, _ = rand.Read(buf)
			for name, tok := range map[string]string{
				"forged":           "gv_" + base64.RawURLEncoding.EncodeToString(buf),
				"empty":            "",
				"no prefix":        base64.RawURLEncoding.EncodeToString(buf),
				"with Bearer":      "Bearer gv_" + base64.RawURLEncoding.EncodeToString(buf),
				"prefix only":      "gv_",
				"longer than 128":  "gv_" + strings.Repeat("A", 200),
				"SQL in the token": "gv_' OR '1'='1",
			} {
				t.Run(name, func(t *testing.T) {
					_, err := f.svc.Authenticate(ctx, tok)
					wantErr(t, err, account.ErrInvalidToken)
				})
			}
		})

		t.Run("a token expires after ResidentTokenTTL", func(t *testing.T) {
			sess := login(t, "o-expiring")
			f.clock.Advance(f.cfg.ResidentTokenTTL.D() - time.Second)
			if _, err := f.svc.Authenticate(ctx, sess.Token); err != nil {
				t.Fatalf("a second before expiry: %v", err)
			}
			f.clock.Advance(2 * time.Second)
			_, err := f.svc.Authenticate(ctx, sess.Token)
			wantErr(t, err, account.ErrInvalidToken)
		})

		t.Run("logout revokes the token", func(t *testing.T) {
			sess := login(t, "o-logout")
			other := login(t, "o-logout")
			if err := f.svc.Logout(ctx, sess.Token); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.Authenticate(ctx, sess.Token)
			wantErr(t, err, account.ErrInvalidToken)
			wantErr(t, f.svc.Logout(ctx, sess.Token), account.ErrInvalidToken)
			if _, err := f.svc.Authenticate(ctx, other.Token); err != nil {
				t.Fatalf("the resident's other session: %v", err)
			}
		})

		t.Run("refresh rotates the token", func(t *testing.T) {
			old := login(t, "o-rotate")
			p, err := f.svc.Authenticate(ctx, old.Token)
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(f.cfg.ResidentTokenTTL.D() / 2)
			fresh, err := f.svc.Refresh(ctx, old.Token)
			if err != nil {
				t.Fatal(err)
			}
			if fresh.Token == old.Token || !fresh.ExpiresAt.Equal(f.clock.Now().Add(f.cfg.ResidentTokenTTL.D()).Truncate(time.Second)) {
				t.Fatalf("refreshed session %+v: want a new token expiring a full lifetime from now", fresh)
			}
			_, err = f.svc.Authenticate(ctx, old.Token)
			wantErr(t, err, account.ErrInvalidToken)
			q, err := f.svc.Authenticate(ctx, fresh.Token)
			if err != nil || q.ID != p.ID || q.Kind != p.Kind {
				t.Fatalf("new token = %+v, %v; want the same resident %d", q, err, p.ID)
			}
			// past the old token's end, the new one still works
			f.clock.Advance(f.cfg.ResidentTokenTTL.D()/2 + time.Hour)
			if _, err := f.svc.Authenticate(ctx, fresh.Token); err != nil {
				t.Fatalf("refreshed token after the old one's expiry: %v", err)
			}
			_, err = f.svc.Refresh(ctx, old.Token)
			wantErr(t, err, account.ErrInvalidToken)
		})

		t.Run("two refreshes of one token: one wins", func(t *testing.T) {
			sess := login(t, "o-rotate-race")
			var wg sync.WaitGroup
			results := make([]error, 8)
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, results[i] = f.svc.Refresh(ctx, sess.Token)
				}()
			}
			wg.Wait()
			won := 0
			for _, err := range results {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, account.ErrInvalidToken):
					t.Fatalf("a losing refresh failed with %v, want ErrInvalidToken", err)
				}
			}
			if won != 1 {
				t.Fatalf("%d refreshes of one token succeeded, want 1", won)
			}
		})

		t.Run("tokens are stored hashed", func(t *testing.T) {
			sess := login(t, "o-hashed")
			var hashes []string
			if err := d.Select(&hashes, `SELECT token_hash FROM sessions`); err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, h := range hashes {
				if strings.Contains(h, sess.Token) || strings.Contains(h, strings.TrimPrefix(sess.Token, "gv_")) {
					t.Fatalf("sessions.token_hash %q holds the token", h)
				}
				found = found || h == f.box.TokenHash(sess.Token)
			}
			if !found {
				t.Fatal("no session row holds the token's hash")
			}
		})
	})
}

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// TestRevocationReachesEveryInstance: a resident's token is accepted on its
// signature, so a logout on one instance reaches another when that one reads
// the revocations (every auth.revocation_sync); on the instance that served
// the logout it is refused at once.
func TestRevocationReachesEveryInstance(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := newFixture(t, d, nil)
		b := newFixture(t, d, nil)
		if err := b.svc.SyncRevocations(ctx); err != nil {
			t.Fatal(err)
		}
		sess, _, err := a.svc.DevLogin(ctx, "o-two-instances", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.Authenticate(ctx, sess.Token); err != nil {
			t.Fatalf("instance B: %v", err)
		}
		if err := a.svc.Logout(ctx, sess.Token); err != nil {
			t.Fatal(err)
		}
		_, err = a.svc.Authenticate(ctx, sess.Token)
		wantErr(t, err, account.ErrInvalidToken)
		if err := b.svc.SyncRevocations(ctx); err != nil {
			t.Fatal(err)
		}
		_, err = b.svc.Authenticate(ctx, sess.Token)
		wantErr(t, err, account.ErrInvalidToken)

		// another spelling of the revoked token (base64's spare bits in the
		// last character, a line break) is the same token, and refused
		base := strings.TrimPrefix(sess.Token, "gv_")
		last := strings.IndexByte(alphabet, base[len(base)-1])
		for i := 1; i < 4; i++ {
			alt := "gv_" + base[:len(base)-1] + string(alphabet[last^i])
			_, err = a.svc.Authenticate(ctx, alt)
			wantErr(t, err, account.ErrInvalidToken)
		}
		_, err = a.svc.Authenticate(ctx, "gv_"+base[:10]+"\n"+base[10:])
		wantErr(t, err, account.ErrInvalidToken)

		// a revocation whose transaction committed after later ones (its id
		// below the highest already read) still reaches B
		late, _, err := a.svc.DevLogin(ctx, "o-late-commit", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.Authenticate(ctx, late.Token); err != nil {
			t.Fatal(err)
		}
		f := a
		f.exec(t, `INSERT INTO session_revocations (id, token_hash, expires_at, created_at) VALUES (?, ?, ?, ?)`,
			-1, f.box.TokenHash(late.Token), late.ExpiresAt, f.clock.Now())
		if err := b.svc.SyncRevocations(ctx); err != nil {
			t.Fatal(err)
		}
		_, err = b.svc.Authenticate(ctx, late.Token)
		wantErr(t, err, account.ErrInvalidToken)

		// a fresh instance loads the revocations still in force
		c := newFixture(t, d, nil)
		if err := c.svc.SyncRevocations(ctx); err != nil {
			t.Fatal(err)
		}
		_, err = c.svc.Authenticate(ctx, sess.Token)
		wantErr(t, err, account.ErrInvalidToken)
	})
}

// TestTamperedTokens: a signed token whose payload was changed (another
// resident's id, a later expiry) or that was signed with another secret is
// refused.
func TestTamperedTokens(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, nil)
		sess, _, err := f.svc.DevLogin(ctx, "o-tamper", "", "")
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(sess.Token, "gv_"))
		if err != nil {
			t.Fatal(err)
		}
		for name, pos := range map[string]int{"kind": 1, "subject": 9, "expiry": 16, "random part": 20, "signature": len(raw) - 1} {
			t.Run(name, func(t *testing.T) {
				b := append([]byte(nil), raw...)
				b[pos] ^= 0x01
				_, err := f.svc.Authenticate(ctx, "gv_"+base64.RawURLEncoding.EncodeToString(b))
				wantErr(t, err, account.ErrInvalidToken)
			})
		}
		otherBox, err := pii.New(testSecret + "-other")
		if err != nil {
			t.Fatal(err)
		}
		payload := raw[:len(raw)-pii.TokenMACSize]
		forged := "gv_" + base64.RawURLEncoding.EncodeToString(append(append([]byte(nil), payload...), otherBox.TokenMAC(payload)...))
		_, err = f.svc.Authenticate(ctx, forged)
		wantErr(t, err, account.ErrInvalidToken)
		if _, err := f.svc.Authenticate(ctx, sess.Token); err != nil {
			t.Fatalf("the untouched token: %v", err)
		}
	})
}
