package booking

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/platform/db"
)

// apptRow is a stored appointment.
type apptRow struct {
	ID              int64          `db:"id"`
	ResidentID      int64          `db:"resident_id"`
	PersonKey       string         `db:"person_key"`
	SlotID          int64          `db:"slot_id"`
	HallID          int64          `db:"hall_id"`
	GuideCode       string         `db:"guide_code"`
	GuideName       string         `db:"guide_name"`
	Lane            string         `db:"lane"`
	StartsAt        time.Time      `db:"starts_at"`
	EndsAt          time.Time      `db:"ends_at"`
	Pin             string         `db:"pin"`
	Status          string         `db:"status"`
	RescheduledFrom *int64         `db:"rescheduled_from"`
	CancelReason    string         `db:"cancel_reason"`
	CreatedAt       time.Time      `db:"created_at"`
	QueueNumber     sql.NullString `db:"queue_number"`
	WindowName      sql.NullString `db:"window_name"` // the window that called the queue number
	Hall            string         `db:"hall"`        // when the query joins it
}

const apptCols = `id, resident_id, person_key, slot_id, hall_id, guide_code, guide_name, lane, starts_at, ends_at, pin, status,
	rescheduled_from, cancel_reason, created_at`

const selectAppt = `SELECT a.id, a.resident_id, a.person_key, a.slot_id, a.hall_id, a.guide_code, a.guide_name, a.lane, a.starts_at,
	a.ends_at, a.pin, a.status, a.rescheduled_from, a.cancel_reason, a.created_at, q.number AS queue_number,
	w.name AS window_name
	FROM appointments a LEFT JOIN queue_tickets q ON q.appointment_id = a.id LEFT JOIN hall_windows w ON w.id = q.window_id`

func getAppt(ctx context.Context, q db.Queryer, id int64) (*apptRow, error) {
	var r apptRow
	if err := q.GetContext(ctx, &r, q.Rebind(selectAppt+` WHERE a.id = ?`), id); err != nil {
		return nil, db.MapError(err, ErrAppointmentNotFound, nil)
	}
	return &r, nil
}

// refusedPerson is a person key no phone hash (hex) can equal: the
// one-statement booking gives it to an appointment whose person the limits
// refused, so that the foreign key to booking_persons fails the statement and
// PostgreSQL undoes the slot's increment with it.
const refusedPerson = "!refused"

// sameTime joins to slot x (the one the resident named) every slot o of the
// same hall, lane and time: the windows that serve that time, which the
// resident sees as one merged slot (Slots) and books as one.
const sameTime = `o.hall_id = x.hall_id AND o.lane = x.lane AND o.starts_at = x.starts_at AND o.ends_at = x.ends_at`

// sameTimeIDsSQL lists the ids of the slots of the same time as slot ?.
const sameTimeIDsSQL = `SELECT o.id FROM slots x JOIN slots o ON ` + sameTime + ` WHERE x.id = ? ORDER BY o.id`

// timeFull, in the RETURNING of an update of slots, says whether the updated
// slot and every other open slot of its time are full: the merged slot is
// sold out, and a "full" note may be kept for it.
const timeFull = `booked >= capacity AND NOT EXISTS (SELECT 1 FROM slots o WHERE o.hall_id = slots.hall_id AND o.lane = slots.lane
	  AND o.starts_at = slots.starts_at AND o.ends_at = slots.ends_at AND o.id <> slots.id AND o.booked < o.capacity AND o.status = 'open')`

// bookCTE books in one PostgreSQL statement: pick, among the slots of the
// named slot's time, the first with a place left (locking it; a slot filled
// meanwhile is passed over for the next — its lock is kept, so every booker
// takes the locks in id order, which no other order would keep free of
// deadlocks), take the place (conditional update), count the person in (conditional upsert: under
// the active limit and not barred), insert the appointment, and say whether
// that was the slot's last place. No place: no row and nothing changed.
// Person refused or a second active appointment for the item: the statement
// fails (foreign key, unique index) and changes nothing.
const bookCTE = `WITH r AS (
	SELECT phone_hash FROM residents WHERE id = $1 AND phone_hash IS NOT NULL AND phone_verified_at IS NOT NULL
), pick AS (
	SELECT o.id FROM slots x JOIN slots o ON ` + sameTime + `
	WHERE x.id = $2 AND o.booked < o.capacity AND o.status = 'open' AND o.released_at <= $3 AND o.starts_at > $3
	  AND EXISTS (SELECT 1 FROM r)
	  AND EXISTS (SELECT 1 FROM hall_guides g WHERE g.hall_id = o.hall_id AND g.guide_code = $4 AND g.lane = o.lane)
	ORDER BY o.id LIMIT 1 FOR UPDATE OF o
), s AS (
	UPDATE slots SET booked = booked + 1
	WHERE id = (SELECT id FROM pick) AND booked < capacity
	RETURNING id, hall_id, lane, starts_at, ends_at, ` + timeFull + ` AS slot_full
), p AS (
	INSERT INTO booking_persons AS bp (person_key, active, updated_at)
	SELECT r.phone_hash, 1, $3 FROM r, s
	ON CONFLICT (person_key) DO UPDATE SET active = bp.active + 1, updated_at = EXCLUDED.updated_at
	WHERE bp.active < $5 AND (bp.barred_until IS NULL OR bp.barred_until <= $3)
	RETURNING person_key
), a AS (
	INSERT INTO appointments (resident_id, person_key, slot_id, hall_id, guide_code, guide_name, lane, starts_at, ends_at, pin, status,
		place_held, created_at, updated_at)
	SELECT $1, COALESCE(p.person_key, '` + refusedPerson + `'), s.id, s.hall_id, g.guide_code, g.guide_name, s.lane, s.starts_at, s.ends_at,
		$6, 'booked', TRUE, $3, $3
	FROM s JOIN hall_guides g ON g.hall_id = s.hall_id AND g.guide_code = $4 LEFT JOIN p ON TRUE
	RETURNING ` + apptCols + `
)
SELECT a.*, s.slot_full, h.name AS hall FROM a, s JOIN halls h ON h.id = s.hall_id`

// The portable booking: the same three steps as bookCTE, one statement each,
// in one transaction.
const (
	pickSlotSQL = `SELECT o.id FROM slots x JOIN slots o ON ` + sameTime + `
		WHERE x.id = ? AND o.booked < o.capacity AND o.status = 'open' AND o.released_at <= ? AND o.starts_at > ?
		  AND EXISTS (SELECT 1 FROM hall_guides g WHERE g.hall_id = o.hall_id AND g.guide_code = ? AND g.lane = o.lane)
		ORDER BY o.id LIMIT 1`
	takePlaceSQL   = `UPDATE slots SET booked = booked + 1 WHERE id = ? AND booked < capacity RETURNING ` + timeFull
	admitPersonSQL = `INSERT INTO booking_persons AS bp (person_key, active, updated_at) VALUES (?, 1, ?)
		ON CONFLICT (person_key) DO UPDATE SET active = bp.active + 1, updated_at = excluded.updated_at
		WHERE bp.active < ? AND (bp.barred_until IS NULL OR bp.barred_until <= ?)
		RETURNING person_key`
	insertApptSQL = `INSERT INTO appointments (resident_id, person_key, slot_id, hall_id, guide_code, guide_name, lane, starts_at, ends_at,
		pin, status, place_held, rescheduled_from, created_at, updated_at)
		SELECT ?, ?, s.id, s.hall_id, g.guide_code, g.guide_name, s.lane, s.starts_at, s.ends_at, ?, 'booked', TRUE, ?, ?, ?
		FROM slots s JOIN hall_guides g ON g.hall_id = s.hall_id AND g.guide_code = ? WHERE s.id = ?
		RETURNING ` + apptCols
)

// Outcomes of a booking attempt that changed nothing.
var (
	errNoPlace       = errors.New("booking: no place taken")
	errPersonRefused = errors.New("booking: person over the limit or barred")
)

// bookArgs is one booking attempt.
type bookArgs struct {
	resident  int64
	person    string // portable form: the resident's phone hash
	slot      int64
	guide     string
	maxActive int
	pin       string
	now       time.Time
}

// bookOne runs the one-statement form (prepared once per pool); it
// reports whether the booking filled the slot.
func (s *Service) bookOne(ctx context.Context, a bookArgs) (*apptRow, bool, error) {
	st, err := s.preparedBook(ctx)
	if err != nil {
		return nil, false, err
	}
	var r struct {
		apptRow
		SlotFull bool `db:"slot_full"`
	}
	err = st.QueryRowxContext(ctx, a.resident, a.slot, a.now, a.guide, a.maxActive, a.pin).StructScan(&r)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, false, errNoPlace
	case db.IsForeignKeyViolation(err):
		return nil, false, errPersonRefused
	case db.IsUniqueViolation(err):
		return nil, false, ErrAlreadyBooked
	case err != nil:
		return nil, false, db.MapErrorIn("booking.bookOne", err, nil, nil)
	}
	return &r.apptRow, r.SlotFull, nil
}

func (s *Service) preparedBook(ctx context.Context) (*sqlx.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.bookStmt == nil {
		st, err := s.db.PreparexContext(ctx, bookCTE)
		if err != nil {
			return nil, db.MapError(fmt.Errorf("booking: prepare: %w", err), nil, nil)
		}
		s.bookStmt = st
	}
	return s.bookStmt, nil
}

// bookTx runs the portable form in one transaction; it reports whether the
// booking filled the slot.
func (s *Service) bookTx(ctx context.Context, a bookArgs) (*apptRow, bool, error) {
	done, err := s.turn(ctx)
	if err != nil {
		return nil, false, err
	}
	defer done()
	if s.knownFull(ctx, a.slot) { // filled while this attempt waited its turn
		return nil, false, ErrSlotFull
	}
	var r apptRow
	var full bool
	err = s.db.Tx(ctx, func(tx *sqlx.Tx) error {
		picked, f, err := takePlace(ctx, tx, a.slot, a.guide, a.now)
		if err != nil {
			return err
		}
		full = f
		if err := admitPerson(ctx, tx, a.person, a.maxActive, a.now); err != nil {
			return err
		}
		at := a
		at.slot = picked
		return insertAppt(ctx, tx, &r, at, nil)
	})
	if err != nil {
		return nil, false, err
	}
	return &r, full, nil
}

// takePlace takes a place at the time of the named slot, in whichever of
// that time's slots (one per window) has one left — on PostgreSQL the pick
// locks the slot it takes and passes over one filled meanwhile. It returns
// the slot taken and whether the time is now full.
func takePlace(ctx context.Context, tx *sqlx.Tx, slot int64, guide string, now time.Time) (int64, bool, error) {
	lock := ""
	if tx.DriverName() == "postgres" {
		lock = " FOR UPDATE OF o"
	}
	var picked int64
	err := tx.QueryRowxContext(ctx, tx.Rebind(pickSlotSQL+lock), slot, now, now, guide).Scan(&picked)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, errNoPlace
	}
	if err != nil {
		return 0, false, db.MapErrorIn("booking.takePlace", err, nil, nil)
	}
	var full bool
	err = tx.QueryRowxContext(ctx, tx.Rebind(takePlaceSQL), picked).Scan(&full)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, errNoPlace
	}
	return picked, full, db.MapErrorIn("booking.takePlace", err, nil, nil)
}

func admitPerson(ctx context.Context, tx *sqlx.Tx, person string, maxActive int, now time.Time) error {
	var key string
	err := tx.QueryRowxContext(ctx, tx.Rebind(admitPersonSQL), person, now, maxActive, now).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return errPersonRefused
	}
	return db.MapErrorIn("booking.admitPerson", err, nil, nil)
}

func insertAppt(ctx context.Context, tx *sqlx.Tx, r *apptRow, a bookArgs, from *int64) error {
	err := tx.QueryRowxContext(ctx, tx.Rebind(insertApptSQL), a.resident, a.person, a.pin, from, a.now, a.now, a.guide, a.slot).StructScan(r)
	if db.IsUniqueViolation(err) {
		return ErrAlreadyBooked
	}
	return db.MapErrorIn("booking.insertAppt", err, nil, nil)
}

// lockSlots takes the row locks of slots in id order (PostgreSQL; a SQLite
// write transaction holds the database already), so that transactions that
// touch two slots never wait on each other in a circle. Every writer takes
// slots before appointments before booking_persons.
func lockSlots(ctx context.Context, tx *sqlx.Tx, ids ...int64) error {
	if tx.DriverName() != "postgres" {
		return nil
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	q := `SELECT id FROM slots WHERE id IN (?` + strings.Repeat(",?", len(ids)-1) + `) ORDER BY id FOR UPDATE`
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var got []int64
	return tx.SelectContext(ctx, &got, tx.Rebind(q), args...)
}

// lockSlotsAt takes, in id order, the row locks of slot old and of every
// slot of the time of slot at (PostgreSQL; see lockSlots): a reschedule may
// take its new place in any of them.
func lockSlotsAt(ctx context.Context, tx *sqlx.Tx, old, at int64) error {
	if tx.DriverName() != "postgres" {
		return nil
	}
	const q = `SELECT id FROM slots WHERE id = ? OR id IN (` + sameTimeIDsSQL + `) ORDER BY id FOR UPDATE`
	var got []int64
	return tx.SelectContext(ctx, &got, tx.Rebind(q), old, at)
}

// releasePlace gives a place back to its slot.
func releasePlace(ctx context.Context, tx *sqlx.Tx, slot int64) error {
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE slots SET booked = booked - 1 WHERE id = ?`), slot); err != nil {
		return fmt.Errorf("booking: release place in slot %d: %w", slot, err)
	}
	return nil
}

// countOut lowers a person's count of active appointments by n.
func countOut(ctx context.Context, tx *sqlx.Tx, person string, n int, now time.Time) error {
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE booking_persons SET active = active - ?, updated_at = ? WHERE person_key = ?`),
		n, now, person); err != nil {
		return fmt.Errorf("booking: count out: %w", err)
	}
	return nil
}

// newPin returns the random six digits of a check-in code.
func newPin() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// checkinCode is what the resident shows at the hall: the appointment id
// followed by its six-digit pin.
func checkinCode(id int64, pin string) string { return strconv.FormatInt(id, 10) + pin }

// parseCode splits a check-in code into id and pin.
func parseCode(code string) (int64, string, bool) {
	code = strings.TrimSpace(code)
	if len(code) < 7 || len(code) > 25 {
		return 0, "", false
	}
	id, err := strconv.ParseInt(code[:len(code)-6], 10, 64)
	pin := code[len(code)-6:]
	if _, perr := strconv.Atoi(pin); err != nil || perr != nil || id <= 0 {
		return 0, "", false
	}
	return id, pin, true
}

// BookSQL returns the one-statement PostgreSQL booking, for benchmarks that
// run the same SQL directly: parameters $1 resident id, $2 slot id, $3 now,
// $4 guide code, $5 max active per person, $6 the six-digit pin.
func BookSQL() string { return bookCTE }
