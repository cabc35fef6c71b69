package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"govapp/internal/platform/db"
)

type residentRow struct {
	ID              int64          `db:"id"`
	OpenID          string         `db:"openid"`
	UnionID         sql.NullString `db:"unionid"`
	Nickname        string         `db:"nickname"`
	PhoneEnc        []byte         `db:"phone_enc"`
	PhoneVerifiedAt sql.NullTime   `db:"phone_verified_at"`
	CreatedAt       time.Time      `db:"created_at"`
}

type staffRow struct {
	ID           int64          `db:"id"`
	Username     string         `db:"username"`
	DisplayName  string         `db:"display_name"`
	PasswordHash string         `db:"password_hash"`
	Role         string         `db:"role"`
	DepartmentID sql.NullInt64  `db:"department_id"`
	Department   sql.NullString `db:"department"`
	DeptPath     sql.NullString `db:"dept_path"`
	HallID       sql.NullInt64  `db:"hall_id"`
	Disabled     bool           `db:"disabled"`
}

func (r staffRow) staff() Staff {
	return Staff{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Role: Role(r.Role),
		DepartmentID: r.DepartmentID.Int64, Department: r.Department.String, DeptPath: r.DeptPath.String,
		HallID: r.HallID.Int64, Disabled: r.Disabled}
}

func upsertResident(ctx context.Context, q db.Queryer, openid, unionid, nickname string, now time.Time) (int64, error) {
	const stmt = `INSERT INTO residents (openid, unionid, nickname, created_at, updated_at, last_login_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (openid) DO UPDATE SET
			unionid = COALESCE(excluded.unionid, residents.unionid),
			nickname = CASE WHEN excluded.nickname <> '' THEN excluded.nickname ELSE residents.nickname END,
			last_login_at = excluded.last_login_at
		RETURNING id`
	var id int64
	err := q.QueryRowxContext(ctx, q.Rebind(stmt), openid, nullIfEmpty(unionid), nickname, now, now, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("account: upsert resident: %w", err)
	}
	return id, nil
}

func setResidentPhone(ctx context.Context, q db.Queryer, id int64, enc []byte, hash string, now time.Time) error {
	const stmt = `UPDATE residents SET phone_enc = ?, phone_hash = ?, phone_verified_at = ?, updated_at = ? WHERE id = ?`
	_, err := q.ExecContext(ctx, q.Rebind(stmt), enc, hash, now, now, id)
	if err != nil {
		return fmt.Errorf("account: set phone: %w", err)
	}
	return nil
}

func setResidentSessionKey(ctx context.Context, q db.Queryer, id int64, enc []byte) error {
	const stmt = `UPDATE residents SET session_key_enc = ? WHERE id = ?`
	if _, err := q.ExecContext(ctx, q.Rebind(stmt), enc, id); err != nil {
		return fmt.Errorf("account: set session key: %w", err)
	}
	return nil
}

func getResident(ctx context.Context, q db.Queryer, id int64) (residentRow, error) {
	const stmt = `SELECT id, openid, unionid, nickname, phone_enc, phone_verified_at, created_at FROM residents WHERE id = ?`
	var r residentRow
	if err := q.GetContext(ctx, &r, q.Rebind(stmt), id); err != nil {
		return r, db.MapError(err, ErrResidentNotFound, nil)
	}
	return r, nil
}

const staffColumns = `s.id, s.username, s.display_name, s.password_hash, s.role, s.department_id,
	d.name AS department, d.path AS dept_path, s.hall_id, s.disabled`

func getStaffByUsername(ctx context.Context, q db.Queryer, username string) (staffRow, error) {
	stmt := `SELECT ` + staffColumns + ` FROM staff s LEFT JOIN departments d ON d.id = s.department_id WHERE s.username = ?`
	var r staffRow
	if err := q.GetContext(ctx, &r, q.Rebind(stmt), username); err != nil {
		return r, db.MapError(err, ErrStaffNotFound, nil)
	}
	return r, nil
}

func getStaff(ctx context.Context, q db.Queryer, id int64) (staffRow, error) {
	stmt := `SELECT ` + staffColumns + ` FROM staff s LEFT JOIN departments d ON d.id = s.department_id WHERE s.id = ?`
	var r staffRow
	if err := q.GetContext(ctx, &r, q.Rebind(stmt), id); err != nil {
		return r, db.MapError(err, ErrStaffNotFound, nil)
	}
	return r, nil
}

// loginAttempt is an attempt counted at a username: its number in the
// window, the window's number, and when the window (or the lock-out) ends.
type loginAttempt struct {
	N      int       `db:"attempts"`
	Window int64     `db:"window_no"`
	Ends   time.Time `db:"window_ends"`
}

// countLoginAttempt counts an attempt at key in one statement, before its
// password is checked. A window starts at the first attempt after the last
// one ended, and ends at lockUntil; the attempt numbered maxAttempts moves
// the end to lockUntil (the lock-out runs from it). Attempts after it are
// numbered maxAttempts+1 — refused until the window ends, and a sign that the
// window is full for good: releaseLoginAttempt gives nothing back then.
func countLoginAttempt(ctx context.Context, q db.Queryer, key string, maxAttempts int, lockUntil, now time.Time) (loginAttempt, error) {
	const stmt = `INSERT INTO login_attempts (key_hash, attempts, window_no, window_ends) VALUES (?, 1, 1, ?)
		ON CONFLICT (key_hash) DO UPDATE SET
			attempts = CASE WHEN login_attempts.window_ends <= ? THEN 1
				WHEN login_attempts.attempts > ? THEN login_attempts.attempts
				ELSE login_attempts.attempts + 1 END,
			window_no = CASE WHEN login_attempts.window_ends <= ? THEN login_attempts.window_no + 1
				ELSE login_attempts.window_no END,
			window_ends = CASE WHEN login_attempts.window_ends <= ? OR login_attempts.attempts + 1 = ? THEN ?
				ELSE login_attempts.window_ends END
		RETURNING attempts, window_no, window_ends`
	var a loginAttempt
	err := q.GetContext(ctx, &a, q.Rebind(stmt), key, lockUntil, now, maxAttempts, now, now, maxAttempts, lockUntil)
	if err != nil {
		return a, fmt.Errorf("account: count login attempt: %w", err)
	}
	return a, nil
}

// releaseLoginAttempt gives back the attempt a of a successful login, if its
// window is still the current one and not full for good (a later attempt
// was refused): the wrong passwords counted beside it stay counted.
func releaseLoginAttempt(ctx context.Context, q db.Queryer, key string, a loginAttempt, maxAttempts int) error {
	const stmt = `UPDATE login_attempts SET attempts = attempts - 1
		WHERE key_hash = ? AND window_no = ? AND attempts BETWEEN 1 AND ?`
	if _, err := q.ExecContext(ctx, q.Rebind(stmt), key, a.Window, maxAttempts); err != nil {
		return fmt.Errorf("account: release login attempt: %w", err)
	}
	return nil
}

// clearLoginAttempts forgets the attempts at key (a password reset lifts the
// lock-out).
func clearLoginAttempts(ctx context.Context, q db.Queryer, key string) error {
	const stmt = `DELETE FROM login_attempts WHERE key_hash = ?`
	if _, err := q.ExecContext(ctx, q.Rebind(stmt), key); err != nil {
		return fmt.Errorf("account: clear login attempts: %w", err)
	}
	return nil
}

func insertSession(ctx context.Context, q db.Queryer, tokenHash, kind string, subject int64, now, expires time.Time) error {
	const stmt = `INSERT INTO sessions (token_hash, subject_kind, subject_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`
	if _, err := q.ExecContext(ctx, q.Rebind(stmt), tokenHash, kind, subject, now, expires); err != nil {
		return fmt.Errorf("account: insert session: %w", err)
	}
	return nil
}

type sessionRow struct {
	ID          int64     `db:"id"`
	SubjectKind string    `db:"subject_kind"`
	SubjectID   int64     `db:"subject_id"`
	ExpiresAt   time.Time `db:"expires_at"`
}

func findSession(ctx context.Context, q db.Queryer, tokenHash string, now time.Time) (sessionRow, error) {
	const stmt = `SELECT id, subject_kind, subject_id, expires_at FROM sessions WHERE token_hash = ? AND expires_at > ?`
	var s sessionRow
	err := q.GetContext(ctx, &s, q.Rebind(stmt), tokenHash, now)
	if errors.Is(err, sql.ErrNoRows) {
		return s, ErrInvalidToken
	}
	if err != nil {
		return s, db.MapErrorIn("account.findSession", err, nil, nil)
	}
	return s, nil
}

func deleteSession(ctx context.Context, q db.Queryer, tokenHash string) (int64, error) {
	const stmt = `DELETE FROM sessions WHERE token_hash = ?`
	res, err := q.ExecContext(ctx, q.Rebind(stmt), tokenHash)
	if err != nil {
		return 0, fmt.Errorf("account: delete session: %w", err)
	}
	return res.RowsAffected()
}

func deleteSessionsOf(ctx context.Context, q db.Queryer, kind string, subject int64) error {
	const stmt = `DELETE FROM sessions WHERE subject_kind = ? AND subject_id = ?`
	if _, err := q.ExecContext(ctx, q.Rebind(stmt), kind, subject); err != nil {
		return fmt.Errorf("account: delete sessions: %w", err)
	}
	return nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
