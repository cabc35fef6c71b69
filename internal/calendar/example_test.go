package calendar_test

import (
	"fmt"
	"time"

	"govapp/internal/calendar"
)

func Example() {
	cal := calendar.Default()
	sh := cal.Location()

	// A complaint accepted on Friday 2026-09-18 16:00 has 10 working days.
	accepted := time.Date(2026, 9, 18, 16, 0, 0, 0, sh)
	due := cal.AddWorkingDays(accepted, 10)
	fmt.Println("due:", due.Format("2006-01-02 15:04 Mon"))

	// The handler asks the submitter for information for 3 working days.
	pauses := []calendar.Interval{{
		From: time.Date(2026, 9, 21, 11, 0, 0, 0, sh),
		To:   time.Date(2026, 9, 24, 11, 0, 0, 0, sh),
	}}
	due = cal.DeadlineWithPauses(accepted, 10*8*time.Hour, pauses)
	fmt.Println("due after the pause:", due.Format("2006-01-02 15:04 Mon"))

	now := time.Date(2026, 10, 10, 16, 0, 0, 0, sh) // a make-up Saturday
	fmt.Printf("used %.0f%%, %v left\n", 100*cal.Fraction(accepted, due, now, pauses), cal.Remaining(accepted, due, now, pauses))

	// 2 working hours from a Friday 16:30.
	fmt.Println(cal.AddWorkingHours(time.Date(2026, 3, 6, 16, 30, 0, 0, sh), 2*time.Hour).Format("2006-01-02 15:04 Mon"))
	// Output:
	// due: 2026-10-09 16:00 Fri
	// due after the pause: 2026-10-13 16:00 Tue
	// used 80%, 16h0m0s left
	// 2026-03-09 10:30 Mon
}

func ExampleCalendar_With() {
	// An admin adds 2027 (an illustration, not the real notice).
	cal := calendar.Default().With([]calendar.Day{
		{Date: calendar.NewDate(2027, time.February, 8), Kind: calendar.Off, Name: "春节"},
		{Date: calendar.NewDate(2027, time.February, 20), Kind: calendar.Workday, Name: "春节"},
	})
	fmt.Println(cal.Years())
	fmt.Println(cal.IsWorkingDate(calendar.NewDate(2027, time.February, 8)), cal.IsWorkingDate(calendar.NewDate(2027, time.February, 20)))
	// Output:
	// [2025 2026 2027]
	// false true
}
