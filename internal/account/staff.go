package account

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
	"unicode"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"

	"govapp/internal/audit"
	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
)

func hashPassword(p string, cost int) (string, error) {
	if cost < bcrypt.MinCost {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(p), cost)
	if err != nil {
		return "", fmt.Errorf("account: hash password: %w", err)
	}
	return string(h), nil
}

// CheckPasswordStrength rejects passwords shorter than 10 characters or
// without both letters and digits.
func CheckPasswordStrength(p string) error {
	var letter, digit bool
	for _, r := range p {
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
	}
	if len([]rune(p)) < 10 || len(p) > 72 || !letter || !digit {
		return ErrWeakPassword
	}
	return nil
}

// shanghai is the city's zone, for times shown to staff.
var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// StaffLogin checks a username and password. Every attempt is counted before
// the password is checked, in one conditional statement shared by all
// instances: of the attempts at one username within auth.staff_lockout, at
// most auth.staff_max_failures have their password checked, however many run
// at once; the next ones are refused (ErrAccountLocked, saying when to retry)
// until auth.staff_lockout after the attempt that reached the limit. A
// successful login gives back its own attempt only, never those of wrong
// passwords checked beside it. Unknown usernames are counted and locked the
// same way, and every refusal costs one bcrypt comparison, so that neither the
// answer nor its time tells whether an account exists. Every attempt is
// audited; the name typed for an unknown account is not (it is sometimes a
// password).
func (s *Service) StaffLogin(ctx context.Context, username, password string) (Session, Staff, error) {
	if username == "" || password == "" || len(username) > 64 || len(password) > 128 {
		return Session{}, Staff{}, ErrInvalidCredentials
	}
	now := s.now()
	key := s.box.Hash("staff_login", username)
	att, err := countLoginAttempt(ctx, s.db, key, s.cfg.StaffMaxFailures, now.Add(s.cfg.StaffLockout.D()), now)
	if err != nil {
		return Session{}, Staff{}, db.MapErrorIn("account.StaffLogin", err, nil, nil)
	}
	row, err := getStaffByUsername(ctx, s.db, username)
	known := err == nil
	if err != nil && !errors.Is(err, ErrStaffNotFound) {
		return Session{}, Staff{}, err
	}
	entry := audit.Entry{ActorKind: KindStaff, TargetType: "staff_login", TargetID: key[:16]}
	if known {
		entry = audit.Entry{ActorKind: KindStaff, ActorID: row.ID, ActorName: row.Username, TargetType: "staff", TargetID: strconv.FormatInt(row.ID, 10)}
	}
	locked := att.N > s.cfg.StaffMaxFailures
	if locked || !known {
		_ = s.checkPassword(s.dummy(), []byte(password)) // as long as a real check
		entry.Action, entry.Detail = "staff.login_failed", "unknown username"
		if locked {
			entry.Action, entry.Detail = "staff.login_refused", "locked"
		}
		s.audit(ctx, entry)
		if locked {
			return Session{}, Staff{}, lockedUntil(att.Ends, now)
		}
		return Session{}, Staff{}, ErrInvalidCredentials
	}
	if s.checkPassword([]byte(row.PasswordHash), []byte(password)) != nil {
		entry.Action, entry.Detail = "staff.login_failed", "wrong password"
		s.audit(ctx, entry)
		return Session{}, Staff{}, ErrInvalidCredentials
	}
	if row.Disabled {
		entry.Action, entry.Detail = "staff.login_refused", "disabled"
		s.audit(ctx, entry)
		return Session{}, Staff{}, ErrAccountDisabled
	}
	sess, err := s.startStaffSession(ctx, row.ID, key, att, entry, now)
	if err != nil {
		return Session{}, Staff{}, err
	}
	return sess, row.staff(), nil
}

// startStaffSession gives back the attempt of a successful login and issues
// the session, audited as entry.
func (s *Service) startStaffSession(ctx context.Context, id int64, key string, att loginAttempt, entry audit.Entry, now time.Time) (Session, error) {
	var sess Session
	err := s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		if err := releaseLoginAttempt(ctx, tx, key, att, s.cfg.StaffMaxFailures); err != nil {
			return err
		}
		var err error
		if sess, err = s.newSession(ctx, tx, KindStaff, id, s.cfg.StaffTokenTTL.D(), now); err != nil {
			return err
		}
		entry.Action = "staff.login"
		return audit.Record(ctx, tx, entry)
	})
	if err != nil {
		return Session{}, db.MapErrorIn("account.startStaffSession", err, nil, nil)
	}
	return sess, nil
}

// lockedUntil is ErrAccountLocked naming the first whole minute (Shanghai
// time) at which the account is open again, with the wait as RetryAfter.
func lockedUntil(until, now time.Time) error {
	retryAt := until.Truncate(time.Minute)
	if retryAt.Before(until) {
		retryAt = retryAt.Add(time.Minute)
	}
	return ErrAccountLocked.
		WithMessage(fmt.Sprintf("密码错误次数过多，账号已锁定，请于 %s 后重试", retryAt.In(shanghai).Format("2006-01-02 15:04"))).
		WithRetryAfter(until.Sub(now))
}

// dummy returns a hash of the configured cost to compare unknown usernames
// against, computed on first use.
func (s *Service) dummy() []byte {
	s.dummyOnce.Do(func() {
		h, _ := hashPassword("govapp-dummy-password-0", s.cfg.PasswordCost)
		s.dummyHash = []byte(h)
	})
	return s.dummyHash
}

// audit records an entry outside any transaction; a failure is logged, not
// returned, because the refusal it documents must still be answered.
func (s *Service) audit(ctx context.Context, e audit.Entry) {
	if err := audit.Record(ctx, s.db, e); err != nil {
		s.log.ErrorContext(ctx, "audit failed", "action", e.Action, "err", err)
	}
}

// Staff returns a staff member by id.
func (s *Service) Staff(ctx context.Context, id int64) (Staff, error) {
	row, err := getStaff(ctx, s.db, id)
	if err != nil {
		return Staff{}, err
	}
	return row.staff(), nil
}

var usernamePattern = regexp.MustCompile(`^[a-z][a-z0-9_.\-]{2,31}$`)

// NewStaff describes a staff account to create.
type NewStaff struct {
	Username    string
	DisplayName string
	Password    string
	Role        Role
	Department  string // department name, optional
	HallID      int64
}

// CreateStaff creates a staff account (CLI, seed and the admin console). The
// actor is recorded in the audit log.
func (s *Service) CreateStaff(ctx context.Context, actor audit.Entry, n NewStaff) (Staff, error) {
	fields := map[string]string{}
	if !usernamePattern.MatchString(n.Username) {
		fields["username"] = "须为 3–32 位小写字母开头的字母、数字、._-"
	}
	if !n.Role.Valid() {
		fields["role"] = "须为 operator、handler、clerk、editor 或 admin"
	}
	if err := CheckPasswordStrength(n.Password); err != nil {
		fields["password"] = ErrWeakPassword.Fields["password"]
	}
	if len(fields) > 0 {
		return Staff{}, errs.Invalid(fields)
	}
	hash, err := hashPassword(n.Password, s.cfg.PasswordCost)
	if err != nil {
		return Staff{}, err
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		var dept any
		if n.Department != "" {
			d, err := departmentByName(ctx, tx, n.Department)
			if err != nil {
				return err
			}
			dept = d.ID
		}
		var hall any
		if n.HallID != 0 {
			hall = n.HallID
		}
		const stmt = `INSERT INTO staff (username, display_name, password_hash, role, department_id, hall_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
		now := s.now()
		if err := tx.QueryRowxContext(ctx, tx.Rebind(stmt), n.Username, n.DisplayName, hash, string(n.Role), dept, hall, now, now).Scan(&id); err != nil {
			return db.MapError(err, nil, ErrUsernameTaken)
		}
		actor.Action, actor.TargetType, actor.TargetID = "staff.create", "staff", strconv.FormatInt(id, 10)
		actor.Detail = "role=" + string(n.Role)
		return audit.Record(ctx, tx, actor)
	})
	if err != nil {
		return Staff{}, err
	}
	return s.Staff(ctx, id)
}

// StaffExists reports whether a username is taken.
func (s *Service) StaffExists(ctx context.Context, username string) (bool, error) {
	_, err := getStaffByUsername(ctx, s.db, username)
	if errors.Is(err, ErrStaffNotFound) {
		return false, nil
	}
	return err == nil, err
}
