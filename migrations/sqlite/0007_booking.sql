-- Appointments (一号申请、一窗受理、一网通办): service halls, their windows, the
-- items each hall handles and at which lane of windows, weekly schedules,
-- closures, the slots generated from them, appointments, the per-person
-- counters that hold the booking limits, and the queue of each hall's day.
--
-- The database is the only guard against overbooking: slots.booked moves only
-- by conditional updates (booked < capacity) and is checked again below; one
-- active appointment per person and item is a partial unique index; the
-- number of active appointments per person is a counter row moved by
-- conditional updates in the booking's transaction.

CREATE TABLE halls (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE,
    district      TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    lat           REAL,
    lng           REAL,
    hours         TEXT NOT NULL DEFAULT '{}',
    department_id BIGINT REFERENCES departments(id),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- kind comprehensive: 综合窗口 (一窗受理); prefix names the lane of windows
-- and starts its queue numbers (A012).
CREATE TABLE hall_windows (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    hall_id    BIGINT NOT NULL REFERENCES halls(id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('comprehensive', 'dedicated')),
    prefix     TEXT NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (hall_id, name)
);

-- The bookable items of a hall and the lane (window prefix) that handles each.
CREATE TABLE hall_guides (
    hall_id    BIGINT NOT NULL REFERENCES halls(id),
    guide_code TEXT NOT NULL,
    guide_name TEXT NOT NULL,
    lane       TEXT NOT NULL,
    PRIMARY KEY (hall_id, guide_code)
);

-- days: 'workdays' (every working day of the holiday calendar, make-up
-- Saturdays included) or ISO weekdays such as '6' (never on a public holiday).
CREATE TABLE hall_schedules (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    hall_id      BIGINT NOT NULL REFERENCES halls(id),
    window_id    BIGINT NOT NULL REFERENCES hall_windows(id),
    days         TEXT NOT NULL,
    start_time   TEXT NOT NULL,
    end_time     TEXT NOT NULL,
    slot_minutes INTEGER NOT NULL CHECK (slot_minutes > 0),
    capacity     INTEGER NOT NULL CHECK (capacity > 0),
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX hall_schedules_hall_idx ON hall_schedules (hall_id);

-- A schedule's day whose slots exist (inserted with them: generated once).
CREATE TABLE schedule_days (
    schedule_id BIGINT NOT NULL REFERENCES hall_schedules(id),
    day         TEXT NOT NULL,
    PRIMARY KEY (schedule_id, day)
);

-- window_id NULL closes the whole hall that day.
CREATE TABLE hall_closures (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    hall_id    BIGINT NOT NULL REFERENCES halls(id),
    window_id  BIGINT REFERENCES hall_windows(id),
    day        TEXT NOT NULL,
    reason     TEXT NOT NULL,
    cancelled  INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES staff(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX hall_closures_day_idx ON hall_closures (hall_id, day);

CREATE TABLE slots (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    hall_id     BIGINT NOT NULL REFERENCES halls(id),
    window_id   BIGINT NOT NULL REFERENCES hall_windows(id),
    schedule_id BIGINT REFERENCES hall_schedules(id),
    lane        TEXT NOT NULL,
    day         TEXT NOT NULL,
    starts_at   TIMESTAMP NOT NULL,
    ends_at     TIMESTAMP NOT NULL,
    capacity    INTEGER NOT NULL CHECK (capacity > 0),
    booked      INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity),
    released_at TIMESTAMP NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (window_id, starts_at)
);
CREATE INDEX slots_hall_day_idx ON slots (hall_id, day, starts_at);

-- One row per person (the verified phone's hash: 一号申请): active counts the
-- appointments in status booked; barred_until follows repeated no-shows.
CREATE TABLE booking_persons (
    person_key   TEXT PRIMARY KEY,
    active       INTEGER NOT NULL DEFAULT 0 CHECK (active >= 0),
    barred_until TIMESTAMP,
    updated_at   TIMESTAMP NOT NULL
);

-- place_held: the appointment still counts in slots.booked (a cancelled place
-- returns at place_returns_at when return_delay is set).
CREATE TABLE appointments (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id      BIGINT NOT NULL REFERENCES residents(id),
    person_key       TEXT NOT NULL REFERENCES booking_persons(person_key),
    slot_id          BIGINT NOT NULL REFERENCES slots(id),
    hall_id          BIGINT NOT NULL REFERENCES halls(id),
    guide_code       TEXT NOT NULL,
    guide_name       TEXT NOT NULL,
    lane             TEXT NOT NULL,
    starts_at        TIMESTAMP NOT NULL,
    ends_at          TIMESTAMP NOT NULL,
    pin              TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('booked', 'checked_in', 'called', 'done', 'absent',
                     'cancelled', 'no_show', 'rescheduled', 'cancelled_by_office')),
    place_held       BOOLEAN NOT NULL DEFAULT TRUE,
    place_returns_at TIMESTAMP,
    rescheduled_from BIGINT REFERENCES appointments(id),
    cancel_reason    TEXT NOT NULL DEFAULT '',
    eve_reminded_at  TIMESTAMP,
    hour_reminded_at TIMESTAMP,
    checked_in_at    TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX appointments_one_per_item ON appointments (person_key, guide_code) WHERE status = 'booked';
CREATE INDEX appointments_resident_idx ON appointments (resident_id, id);
CREATE INDEX appointments_slot_idx ON appointments (slot_id, status);
CREATE INDEX appointments_due_idx ON appointments (status, starts_at);
CREATE INDEX appointments_person_idx ON appointments (person_key, status, starts_at);
CREATE INDEX appointments_returns_idx ON appointments (place_returns_at) WHERE place_returns_at IS NOT NULL;

CREATE TABLE queue_sequences (
    hall_id BIGINT NOT NULL,
    day     TEXT NOT NULL,
    prefix  TEXT NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (hall_id, day, prefix)
);

-- One number per check-in or walk-in; called FIFO by check-in minute,
-- appointments before walk-ins of the same minute.
CREATE TABLE queue_tickets (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    hall_id        BIGINT NOT NULL REFERENCES halls(id),
    day            TEXT NOT NULL,
    number         TEXT NOT NULL,
    prefix         TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('appointment', 'walk_in')),
    appointment_id BIGINT UNIQUE REFERENCES appointments(id),
    guide_code     TEXT NOT NULL,
    guide_name     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'done', 'absent')),
    window_id      BIGINT REFERENCES hall_windows(id),
    calls          INTEGER NOT NULL DEFAULT 0,
    checkin_minute BIGINT NOT NULL,
    checked_in_at  TIMESTAMP NOT NULL,
    called_at      TIMESTAMP,
    finished_at    TIMESTAMP,
    UNIQUE (hall_id, day, number)
);
CREATE INDEX queue_tickets_waiting_idx ON queue_tickets (hall_id, day, status, prefix, checkin_minute);
