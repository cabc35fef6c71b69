// Package calendar answers working-time questions on the Chinese public-holiday
// calendar: is this a working day, what instant is N working days or hours after
// this one, how much working time lies between two instants, and how a deadline
// moves while its clock is paused. It is pure: no database, no clock of its own,
// no package state other than the shipped holiday table (SPEC §8: 2025 and 2026
// from the State Council notices). A *Calendar is immutable and safe for
// concurrent use.
//
// # Working days and working time
//
// A date is a working day when the table lists it as a make-up working day
// (调休上班, Kind Workday), or when it is Monday to Friday and the table does not
// list it as a day off (Kind Off). Everything else is a rest day. Years the table
// does not cover follow the plain weekend rule; admins add them with
// [Calendar.With] (extra entries override existing ones for the same date).
//
// Working time is the half-open window [Start, End) of [WorkingHours] on each
// working day, 09:00–17:00 by default, in the calendar's location (Asia/Shanghai
// by default). Instants of any location are accepted; results are returned in the
// calendar's location.
//
// # Deadlines
//
// The clock of a deadline starts at [Calendar.NextWorkingInstant] of its start:
// the start itself when it lies in working time, otherwise the opening of the next
// working day (an acceptance on Saturday 10:00 starts the clock on Monday 09:00,
// or at once if that Saturday is a make-up working day; one at 18:00 on the Friday
// before National Day starts it at 09:00 on the first working day after it).
//
// A deadline is the first working instant at or after the moment the budget of
// working time is used up. A budget that runs out exactly at closing time is
// therefore due at the next opening: that is the same point in working time
// (nothing is worked in between), and it keeps results inside working time so
// that days and hours agree — 8 working hours from Monday 09:00 are due Tuesday
// 09:00, exactly like 1 working day. A zero budget is due at the clock's start.
//
//   - [Calendar.AddWorkingDays](t, n): the same time of day n working days after
//     the clock's start. A complaint accepted on Friday 2026-09-18 16:00 with 10
//     working days is due 2026-10-09 16:00 (the make-up Sunday 2026-09-20 counts;
//     2026-09-25…27 and Oct 1–7 do not); one accepted Wednesday 2026-09-30 10:00 is
//     due 2026-10-20 10:00 (the make-up Saturday 2026-10-10 counts).
//   - [Calendar.AddWorkingHours](t, d): d of working time after the clock's start,
//     across days: 2 working hours from Friday 16:30 are due at 10:30 on the next
//     working day. For t in working time, AddWorkingDays(t, n) equals
//     AddWorkingHours(t, n × the length of the working day).
//   - [Calendar.WorkingTimeBetween](a, b): working time in [a, b); so
//     WorkingTimeBetween(t, AddWorkingHours(t, d)) == d.
//
// Both adders walk the calendar a day at a time (never minute by minute), so a
// year's worth costs a few hundred steps. Negative counts and budgets count as 0.
//
// Clock time is a different notion: "within 24 hours" for urgent tickets is
// t.Add(24*time.Hour), and this package offers nothing for it.
//
// # Pauses
//
// A ticket's clock stops while it waits for the submitter (need_info). Pauses are
// half-open [Interval] values [From, To); a zero To means the pause is still running.
// Overlapping pauses count once, and only their part after the start matters.
//
//   - [Calendar.DeadlineWithPauses](start, budget, pauses): the deadline moves by
//     the working time spent paused before the budget ran out, so a pause of 3
//     working days moves it by exactly 3 working days. A pause beginning after the
//     budget ran out does not move it. While a pause that began before the budget
//     ran out is still open, the deadline is not yet known and the zero Time is
//     returned.
//   - [Calendar.Elapsed](start, now, pauses): working time on the clock, pauses
//     excluded (an open pause counts as paused until now).
//   - [Calendar.Fraction] and [Calendar.Remaining] relate that to a deadline
//     (possibly moved by an approved extension): the share of the allowance used —
//     0 at the start, 0.8 for the reminder (催办), 1 at the deadline and more once
//     overdue — and the working time left, negative when overdue.
package calendar
