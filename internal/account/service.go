package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"

	"govapp/internal/config"
	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/pii"
)

// Service is the account domain.
type Service struct {
	db  *db.DB
	box *pii.Box
	wx  WeChat
	cfg config.Auth
	log *slog.Logger
	now func() time.Time
	// dummyHash is compared against when a username is unknown, so that a
	// wrong username costs as much time as a wrong password.
	dummyHash []byte
	dummyOnce sync.Once
	// checkPassword compares a password with a bcrypt hash (a seam: tests
	// count the verifications through it).
	checkPassword func(hash, password []byte) error
	// revoked is this instance's copy of session_revocations (token.go).
	revoked revocations
}

// NewService returns the account service.
func NewService(d *db.DB, box *pii.Box, wx WeChat, cfg config.Auth, log *slog.Logger) *Service {
	return &Service{db: d, box: box, wx: wx, cfg: cfg, log: log, now: func() time.Time { return time.Now().UTC() },
		checkPassword: bcrypt.CompareHashAndPassword}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SetPasswordCheck replaces the bcrypt comparison of staff logins (tests wrap
// it to count the verifications). Set it before the service is used.
func (s *Service) SetPasswordCheck(check func(hash, password []byte) error) { s.checkPassword = check }

var openIDPattern = regexp.MustCompile(`^[A-Za-z0-9_\-]{1,64}$`)

// DevLogin signs a resident in by openid without WeChat (embedded profile
// only). A phone, when given, is bound as verified.
func (s *Service) DevLogin(ctx context.Context, openid, nickname, phone string) (Session, Resident, error) {
	if !s.cfg.DevLogin {
		return Session{}, Resident{}, ErrDevLoginDisabled
	}
	fields := map[string]string{}
	if !openIDPattern.MatchString(openid) {
		fields["openid"] = "须为 1–64 位字母、数字、下划线或连字符"
	}
	if len([]rune(nickname)) > 32 {
		fields["nickname"] = "不能超过 32 个字"
	}
	if phone != "" {
		p, err := pii.NormalizePhone(phone)
		if err != nil {
			fields["phone"] = "不是有效的手机号码"
		}
		phone = p
	}
	if len(fields) > 0 {
		return Session{}, Resident{}, errs.Invalid(fields)
	}
	return s.loginResident(ctx, WeChatIdentity{OpenID: openid}, nickname, phone)
}

// WeChatLogin exchanges a wx.login code for a session.
func (s *Service) WeChatLogin(ctx context.Context, code string) (Session, Resident, error) {
	if code == "" || len(code) > 256 {
		return Session{}, Resident{}, errs.InvalidField("code", "不能为空")
	}
	id, err := s.wx.Login(ctx, code)
	if err != nil {
		return Session{}, Resident{}, err
	}
	return s.loginResident(ctx, id, "", "")
}

func (s *Service) loginResident(ctx context.Context, id WeChatIdentity, nickname, phone string) (Session, Resident, error) {
	now := s.now()
	var sess Session
	var rid int64
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if rid, err = upsertResident(ctx, tx, id.OpenID, id.UnionID, nickname, now); err != nil {
			return err
		}
		if id.SessionKey != "" {
			enc, err := s.box.Encrypt(id.SessionKey)
			if err != nil {
				return err
			}
			if err := setResidentSessionKey(ctx, tx, rid, enc); err != nil {
				return err
			}
		}
		if phone != "" {
			if err := s.bindPhoneTx(ctx, tx, rid, phone, now); err != nil {
				return err
			}
		}
		sess, err = s.newSession(ctx, tx, KindResident, rid, s.cfg.ResidentTokenTTL.D(), now)
		return err
	})
	if err != nil {
		return Session{}, Resident{}, db.MapErrorIn("account.loginResident", err, nil, nil)
	}
	r, err := s.Resident(ctx, rid)
	return sess, r, err
}

func (s *Service) bindPhoneTx(ctx context.Context, tx *sqlx.Tx, rid int64, phone string, now time.Time) error {
	enc, err := s.box.Encrypt(phone)
	if err != nil {
		return err
	}
	return setResidentPhone(ctx, tx, rid, enc, s.box.Hash("phone", phone), now)
}

// BindPhone binds the number WeChat returns for a getPhoneNumber code.
func (s *Service) BindPhone(ctx context.Context, residentID int64, code string) (Resident, error) {
	if code == "" || len(code) > 256 {
		return Resident{}, errs.InvalidField("code", "不能为空")
	}
	raw, err := s.wx.PhoneNumber(ctx, code)
	if err != nil {
		return Resident{}, err
	}
	phone, err := pii.NormalizePhone(raw)
	if err != nil {
		return Resident{}, errs.InvalidField("code", "该手机号不是有效的大陆手机号码")
	}
	err = s.db.Tx(ctx, func(tx *sqlx.Tx) error { return s.bindPhoneTx(ctx, tx, residentID, phone, s.now()) })
	if err != nil {
		return Resident{}, db.MapErrorIn("account.BindPhone", err, nil, nil)
	}
	return s.Resident(ctx, residentID)
}

// Resident returns a resident with the phone decrypted.
func (s *Service) Resident(ctx context.Context, id int64) (Resident, error) {
	row, err := getResident(ctx, s.db, id)
	if err != nil {
		return Resident{}, err
	}
	phone, err := s.box.Decrypt(row.PhoneEnc)
	if err != nil {
		return Resident{}, fmt.Errorf("account: resident %d: %w", id, err)
	}
	return Resident{ID: row.ID, OpenID: row.OpenID, UnionID: row.UnionID.String, Nickname: row.Nickname,
		Phone: phone, PhoneVerified: row.PhoneVerifiedAt.Valid, CreatedAt: row.CreatedAt}, nil
}

func (s *Service) newSession(ctx context.Context, q db.Queryer, kind string, subject int64, ttl time.Duration, now time.Time) (Session, error) {
	exp := now.Add(ttl).Truncate(time.Second) // the token carries whole seconds
	tok, err := newToken(s.box, kind, subject, exp)
	if err != nil {
		return Session{}, err
	}
	if err := insertSession(ctx, q, s.box.TokenHash(tok), kind, subject, now, exp); err != nil {
		return Session{}, err
	}
	return Session{Token: tok, ExpiresAt: exp}, nil
}

// Authenticate resolves a bearer token to its principal, or ErrInvalidToken.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	if !strings.HasPrefix(token, "gv_") || len(token) > 128 {
		return Principal{}, ErrInvalidToken
	}
	hash := s.box.TokenHash(token)
	now := s.now()
	if p, ok, err := s.signedResident(token, hash, now); ok {
		return p, err
	}
	sess, err := findSession(ctx, s.db, hash, now)
	if err != nil {
		return Principal{}, err
	}
	if sess.SubjectKind == KindResident {
		return Principal{Kind: KindResident, ID: sess.SubjectID, Role: RoleResident}, nil
	}
	row, err := getStaff(ctx, s.db, sess.SubjectID)
	if errors.Is(err, ErrStaffNotFound) {
		return Principal{}, ErrInvalidToken
	}
	if err != nil {
		return Principal{}, err
	}
	if row.Disabled {
		return Principal{}, ErrAccountDisabled
	}
	st := row.staff()
	return Principal{Kind: KindStaff, ID: st.ID, Role: st.Role, Name: st.Username, DepartmentID: st.DepartmentID,
		DeptPath: st.DeptPath, HallID: st.HallID}, nil
}

// Refresh rotates a token: in one transaction the old token is revoked and a
// new one with a fresh lifetime is issued to the same resident or staff
// member. Of two refreshes of one token, one succeeds and the other finds
// the token gone (ErrInvalidToken).
func (s *Service) Refresh(ctx context.Context, token string) (Session, error) {
	if !strings.HasPrefix(token, "gv_") || len(token) > 128 {
		return Session{}, ErrInvalidToken
	}
	hash := s.box.TokenHash(token)
	now := s.now()
	var out Session
	var revokedExp time.Time
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		sess, err := findSession(ctx, tx, hash, now)
		if err != nil {
			return err
		}
		n, err := deleteSession(ctx, tx, hash)
		if err != nil {
			return err
		}
		if n == 0 { // refreshed or logged out meanwhile
			return ErrInvalidToken
		}
		if sess.SubjectKind == KindResident {
			if err := s.revoke(ctx, tx, hash, sess.ExpiresAt); err != nil {
				return err
			}
			revokedExp = sess.ExpiresAt
		}
		ttl := s.cfg.ResidentTokenTTL.D()
		if sess.SubjectKind == KindStaff {
			ttl = s.cfg.StaffTokenTTL.D()
		}
		out, err = s.newSession(ctx, tx, sess.SubjectKind, sess.SubjectID, ttl, now)
		return err
	})
	if err != nil {
		return Session{}, db.MapErrorIn("account.Refresh", err, nil, nil)
	}
	if !revokedExp.IsZero() {
		s.revoked.add(hash, revokedExp)
	}
	return out, nil
}

// Logout revokes the token; an unknown token is ErrInvalidToken.
func (s *Service) Logout(ctx context.Context, token string) error {
	hash := s.box.TokenHash(token)
	now := s.now()
	var revokedExp time.Time
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		sess, err := findSession(ctx, tx, hash, now)
		if err != nil {
			return err
		}
		n, err := deleteSession(ctx, tx, hash)
		if err != nil {
			return err
		}
		if n == 0 { // logged out meanwhile
			return ErrInvalidToken
		}
		if sess.SubjectKind != KindResident {
			return nil
		}
		revokedExp = sess.ExpiresAt
		return s.revoke(ctx, tx, hash, sess.ExpiresAt)
	})
	if err != nil {
		return db.MapErrorIn("account.Logout", err, nil, nil)
	}
	if !revokedExp.IsZero() {
		s.revoked.add(hash, revokedExp)
	}
	return nil
}

// PurgeExpired deletes expired sessions and returns how many; it also drops
// the revocations and the windows of login attempts that have run out.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	now := s.now()
	n, err := s.db.DeleteInBatches(ctx, "sessions", "id", "expires_at <= ?", db.PurgeBatch, now)
	if err != nil {
		return n, fmt.Errorf("account: %w", err)
	}
	// a revocation is kept until its token would have expired anyway
	if _, err := s.db.DeleteInBatches(ctx, "session_revocations", "id", "expires_at <= ?", db.PurgeBatch, now); err != nil {
		return n, fmt.Errorf("account: %w", err)
	}
	// a window of login attempts ended is as good as none
	if _, err := s.db.DeleteInBatches(ctx, "login_attempts", "key_hash", "window_ends <= ?", db.PurgeBatch, now); err != nil {
		return n, fmt.Errorf("account: %w", err)
	}
	return n, nil
}
