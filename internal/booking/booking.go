// Package booking is appointment booking at the service halls (一号申请、一窗
// 受理、一网通办): halls, their windows and the items each handles, weekly
// schedules and closures, slots generated on the working days of the holiday
// calendar and released N days ahead, rush-proof booking (the database alone
// guards capacity and the per-person limits), cancel and atomic reschedule,
// the no-show rule, reminders through the push pipeline, and each hall's
// queue on the day.
package booking

import (
	"fmt"
	"time"

	"govapp/internal/platform/errs"
	"govapp/internal/platform/paging"
)

// Appointment statuses (SPEC §6).
const (
	StatusBooked            = "booked"
	StatusCheckedIn         = "checked_in"
	StatusCalled            = "called"
	StatusDone              = "done"
	StatusAbsent            = "absent"
	StatusCancelled         = "cancelled"
	StatusNoShow            = "no_show"
	StatusRescheduled       = "rescheduled"
	StatusCancelledByOffice = "cancelled_by_office"
)

// Window kinds.
const (
	KindComprehensive = "comprehensive" // 综合窗口: every bookable item of the hall (一窗受理)
	KindDedicated     = "dedicated"     // 专窗: the items assigned to its lane
)

// DefaultLane is the prefix of comprehensive windows and their queue numbers.
const DefaultLane = "A"

// Queue ticket kinds and statuses.
const (
	QueueAppointment = "appointment"
	QueueWalkIn      = "walk_in"
	QueueWaiting     = "waiting"
	QueueCalled      = "called"
	QueueDone        = "done"
	QueueAbsent      = "absent"
)

// maxCalls is how many times a number is called before it may be marked absent.
const maxCalls = 3

// Hall is a service hall as residents see it.
type Hall struct {
	ID           int64             `json:"id"`
	Name         string            `json:"name"`
	District     string            `json:"district"`
	Address      string            `json:"address"`
	Phone        string            `json:"phone"`
	Lat          *float64          `json:"lat"`
	Lng          *float64          `json:"lng"`
	Hours        map[string]string `json:"hours"` // ISO weekday "1"…"7" → "09:00-12:00,13:30-17:00"
	DepartmentID int64             `json:"department_id,omitempty"`
	Today        Today             `json:"today"`
	DistanceM    *int              `json:"distance_m,omitempty"`
}

// Today is a hall's opening on the current local date.
type Today struct {
	Date  string `json:"date"`
	Open  bool   `json:"open"`
	Hours string `json:"hours"`
	Note  string `json:"note,omitempty"`
}

// HallDetail is a hall with its windows and bookable items.
type HallDetail struct {
	Hall
	Windows []Window    `json:"windows"`
	Guides  []HallGuide `json:"guides"`
}

// Window is a counter of a hall.
type Window struct {
	ID     int64  `db:"id" json:"id"`
	HallID int64  `db:"hall_id" json:"hall_id"`
	Name   string `db:"name" json:"name"`
	Kind   string `db:"kind" json:"kind"`
	Prefix string `db:"prefix" json:"prefix"`
	Active bool   `db:"active" json:"active"`
}

// HallGuide is an item a hall takes bookings for, and the lane that handles it.
type HallGuide struct {
	Code string `db:"guide_code" json:"guide_code"`
	Name string `db:"guide_name" json:"guide_name"`
	Lane string `db:"lane" json:"lane"`
}

// Schedule makes slots for one window on the days it names.
type Schedule struct {
	ID          int64  `db:"id" json:"id"`
	HallID      int64  `db:"hall_id" json:"hall_id"`
	WindowID    int64  `db:"window_id" json:"window_id"`
	Days        string `db:"days" json:"days"` // "workdays" or ISO weekdays "1,2,3,4,5,6"
	Start       string `db:"start_time" json:"start"`
	End         string `db:"end_time" json:"end"`
	SlotMinutes int    `db:"slot_minutes" json:"slot_minutes"`
	Capacity    int    `db:"capacity" json:"capacity"`
	Active      bool   `db:"active" json:"active"`
}

// Closure closes a hall (WindowID nil) or one window for a day.
type Closure struct {
	ID        int64     `db:"id" json:"id"`
	HallID    int64     `db:"hall_id" json:"hall_id"`
	WindowID  *int64    `db:"window_id" json:"window_id"`
	Date      string    `db:"day" json:"date"`
	Reason    string    `db:"reason" json:"reason"`
	Cancelled int       `db:"cancelled" json:"cancelled"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// Slot is a bookable time of a hall for an item: the slots of every window
// of the item's lane at that time, merged, with the places left in all of
// them. Booking it (by ID) takes a place at whichever of those windows has
// one.
type Slot struct {
	ID        int64     `json:"id"`                  // book with this id
	WindowID  int64     `json:"window_id,omitempty"` // only when one window serves the time
	Window    string    `json:"window"`              // the window's name, or the windows' names joined by "、"
	Windows   int       `json:"windows"`             // how many windows serve the time
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	Capacity  int       `json:"capacity"`  // summed over the windows
	Remaining int       `json:"remaining"` // summed over the windows
}

// DaySlots is the answer to "which slots of this hall can I book for this item on that date".
type DaySlots struct {
	HallID     int64      `json:"hall_id"`
	GuideCode  string     `json:"guide_code"`
	Date       string     `json:"date"`
	ReleasesAt *time.Time `json:"releases_at,omitempty"` // set while the day's slots are not yet open
	Items      []Slot     `json:"items"`
}

// Appointment is a booking as its resident sees it.
type Appointment struct {
	ID              int64     `json:"id"`
	Code            string    `json:"code"` // check-in code shown at the hall
	Status          string    `json:"status"`
	HallID          int64     `json:"hall_id"`
	Hall            string    `json:"hall"`
	GuideCode       string    `json:"guide_code"`
	GuideName       string    `json:"guide_name"`
	SlotID          int64     `json:"slot_id"`
	StartsAt        time.Time `json:"starts_at"`
	EndsAt          time.Time `json:"ends_at"`
	CancelUntil     time.Time `json:"cancel_until"`
	CheckinFrom     time.Time `json:"checkin_from"`
	CheckinUntil    time.Time `json:"checkin_until"`
	QueueNumber     string    `json:"queue_number,omitempty"`
	WindowName      string    `json:"window_name,omitempty"` // the window that called the resident's number
	RescheduledFrom *int64    `json:"rescheduled_from,omitempty"`
	CancelReason    string    `json:"cancel_reason,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
}

// QueueTicket is one number of a hall's day.
type QueueTicket struct {
	ID            int64      `json:"id"`
	Number        string     `json:"number"`
	Kind          string     `json:"kind"`
	AppointmentID *int64     `json:"appointment_id,omitempty"`
	GuideCode     string     `json:"guide_code"`
	GuideName     string     `json:"guide_name"`
	Status        string     `json:"status"`
	WindowID      *int64     `json:"window_id,omitempty"`
	Window        string     `json:"window,omitempty"`
	Calls         int        `json:"calls"`
	CheckedInAt   time.Time  `json:"checked_in_at"`
	CalledAt      *time.Time `json:"called_at,omitempty"`
	Ahead         int        `json:"ahead"` // numbers of the same lane called before this one
}

// Expected is an appointment of the day not checked in yet.
type Expected struct {
	ID        int64     `db:"id" json:"id"`
	StartsAt  time.Time `db:"starts_at" json:"starts_at"`
	GuideName string    `db:"guide_name" json:"guide_name"`
	Lane      string    `db:"lane" json:"lane"`
}

// QueueView is a hall's day as clerks watch it live.
type QueueView struct {
	HallID             int64          `json:"hall_id"`
	Date               string         `json:"date"`
	Expected           []Expected     `json:"expected"`
	Waiting            []QueueTicket  `json:"waiting"`
	Serving            []QueueTicket  `json:"serving"`
	Counts             map[string]int `json:"counts"`
	AverageWaitMinutes float64        `json:"average_wait_minutes"`
}

// Errors.
var (
	ErrHallNotFound        = errs.New(errs.KindNotFound, "hall_not_found", "服务大厅不存在")
	ErrWindowNotFound      = errs.New(errs.KindNotFound, "window_not_found", "窗口不存在")
	ErrScheduleNotFound    = errs.New(errs.KindNotFound, "schedule_not_found", "排班不存在")
	ErrSlotNotFound        = errs.New(errs.KindNotFound, "slot_not_found", "预约时段不存在")
	ErrSlotFull            = errs.New(errs.KindConflict, "slot_full", "该时段已约满")
	ErrSlotNotReleased     = errs.New(errs.KindConflict, "slot_not_released", "该时段尚未开放预约")
	ErrSlotUnavailable     = errs.New(errs.KindConflict, "slot_unavailable", "该时段已过或已停止预约，请选择其他时段")
	ErrGuideNotHere        = errs.New(errs.KindInvalid, "guide_not_bookable_here", "该时段不办理此事项，请选择其他时段或大厅")
	ErrPhoneRequired       = errs.New(errs.KindForbidden, "phone_required", "预约前请先绑定手机号（一号申请：一个手机号即一人）")
	ErrAlreadyBooked       = errs.New(errs.KindConflict, "already_booked", "您已预约该事项，同一事项只能有一个有效预约，可在“我的预约”中改约")
	ErrActiveLimit         = errs.New(errs.KindConflict, "active_limit", "您的有效预约已达上限，请办结或取消后再预约")
	ErrBarred              = errs.New(errs.KindForbidden, "booking_barred", "您多次预约未到，暂停预约")
	ErrAppointmentNotFound = errs.New(errs.KindNotFound, "appointment_not_found", "预约不存在")
	ErrNotBooked           = errs.New(errs.KindConflict, "appointment_not_booked", "该预约当前状态不能取消或改约")
	ErrCancelTooLate       = errs.New(errs.KindConflict, "cancel_too_late", "距预约开始时间太近，不能取消或改约")
	ErrSameSlot            = errs.New(errs.KindConflict, "same_slot", "新时段与原时段相同")
	ErrOtherHall           = errs.New(errs.KindForbidden, "other_hall", "只能操作本大厅的队列")
	ErrBadCode             = errs.New(errs.KindNotFound, "checkin_code_invalid", "预约码无效或不是本大厅的预约")
	ErrNotCheckable        = errs.New(errs.KindConflict, "appointment_not_checkable", "该预约已取消或已失效，不能签到")
	ErrAlreadyCheckedIn    = errs.New(errs.KindConflict, "already_checked_in", "该预约已签到")
	ErrCheckinClosed       = errs.New(errs.KindConflict, "checkin_closed", "不在签到时间内")
	ErrQueueEmpty          = errs.New(errs.KindConflict, "queue_empty", "当前没有等候的号码")
	ErrWindowBusy          = errs.New(errs.KindConflict, "window_busy", "该窗口当前号码尚未办结，请先办结或标记过号")
	ErrNothingCalled       = errs.New(errs.KindConflict, "nothing_called", "该窗口当前没有叫号")
	ErrRecallLimit         = errs.New(errs.KindConflict, "recall_limit", "已叫号三次，请标记过号")
	ErrAbsentTooSoon       = errs.New(errs.KindConflict, "absent_too_soon", "叫号三次未到方可标记过号")
	ErrBadCursor           = paging.ErrBadCursor
)

// localDay formats t's date in loc as 2006-01-02.
func localDay(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// chineseDate formats t in loc as 2026年12月1日.
func chineseDate(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	return fmt.Sprintf("%d年%d月%d日", l.Year(), int(l.Month()), l.Day())
}

// chineseTime formats t in loc as 12月1日 09:30.
func chineseTime(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	return fmt.Sprintf("%d月%d日 %s", int(l.Month()), l.Day(), l.Format("15:04"))
}
