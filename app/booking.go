package app

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/account"
	"govapp/internal/booking"
	"govapp/internal/calendar"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/ratelimit"
)

// Bookings returns the booking service.
func (a *App) Bookings() *booking.Service { return a.bookings }

// bookingCalendar is the current holiday calendar, for slot generation.
func (a *App) bookingCalendar() booking.Calendar { return a.cal.cur.Load() }

// clerks work the queues of the halls (the service checks which hall).
var clerks = []account.Role{account.RoleClerk}

// admins manage halls, windows, schedules and closures.
var admins = []account.Role{account.RoleAdmin}

var errBookingTooFast = errs.ErrTooMany.WithMessage("预约操作过于频繁，请稍后再试")

// limitBooking applies the per-IP and per-resident booking limits (before
// the Idempotency-Key is claimed, so that a refused attempt can be retried).
func (a *App) limitBooking(c *fiber.Ctx) error {
	bk := a.cfg.Booking
	ctx := c.UserContext()
	if d := a.limiter.Allow(ctx, "book:ip:"+clientIP(c), ratelimit.Rule{Limit: bk.PerIP.Limit, Window: bk.PerIP.Window.D()}); !d.Allowed {
		return errBookingTooFast.WithRetryAfter(d.RetryAfter)
	}
	key := "book:acct:" + strconv.FormatInt(principal(c).ID, 10)
	if d := a.limiter.Allow(ctx, key, ratelimit.Rule{Limit: bk.PerPerson.Limit, Window: bk.PerPerson.Window.D()}); !d.Allowed {
		return errBookingTooFast.WithRetryAfter(d.RetryAfter)
	}
	return c.Next()
}

// pathID reads a positive integer path parameter.
func pathID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.InvalidField(name, "须为正整数")
	}
	return id, nil
}

type hallListResp = listResp[booking.Hall]

func (a *App) listHalls(c *fiber.Ctx) error {
	var lat, lng *float64
	if c.Query("lat") != "" || c.Query("lng") != "" {
		y, err1 := strconv.ParseFloat(c.Query("lat"), 64)
		x, err2 := strconv.ParseFloat(c.Query("lng"), 64)
		if err1 != nil || err2 != nil || !(y >= -90 && y <= 90 && x >= -180 && x <= 180) { // NaN fails every comparison
			return errs.InvalidField("lat", "lat 与 lng 须同时给出有效坐标")
		}
		lat, lng = &y, &x
	}
	if len(c.Query("guide_code")) > 64 {
		return errs.InvalidField("guide_code", "事项编码过长")
	}
	halls, err := a.bookings.HallsFor(c.UserContext(), c.Query("guide_code"), lat, lng)
	if err != nil {
		return err
	}
	return c.JSON(hallListResp{Items: halls})
}

type hallResp = booking.HallDetail

func (a *App) getHall(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	h, err := a.bookings.Hall(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(h)
}

type slotsResp = booking.DaySlots

func (a *App) hallSlots(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if c.Query("guide_code") == "" || c.Query("date") == "" {
		return errs.Invalid(map[string]string{"guide_code": "须给出事项编码与日期", "date": "须给出日期，如 " + calendar.Example(time.Now().In(a.cfgLoc()))})
	}
	out, err := a.bookings.Slots(c.UserContext(), id, c.Query("guide_code"), c.Query("date"))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

type bookReq struct {
	SlotID    int64  `json:"slot_id"`
	GuideCode string `json:"guide_code"`
}

type appointmentResp = booking.Appointment

func (a *App) book(c *fiber.Ctx) error {
	var req bookReq
	if err := bind(c, &req); err != nil {
		return err
	}
	ap, err := a.bookings.Book(c.UserContext(), principal(c).ID, req.SlotID, req.GuideCode)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ap)
}

type appointmentListResp = booking.AppointmentPage

func (a *App) myAppointments(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	page, err := a.bookings.MyAppointments(c.UserContext(), principal(c).ID, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

// myAppointment is one appointment of the signed-in resident (the push
// reminder links to it); another's answers 404.
func (a *App) myAppointment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ap, err := a.bookings.Get(c.UserContext(), principal(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(ap)
}

func (a *App) cancelAppointment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ap, err := a.bookings.Cancel(c.UserContext(), principal(c).ID, id)
	if err != nil {
		return err
	}
	return c.JSON(ap)
}

type rescheduleReq struct {
	SlotID int64 `json:"slot_id"`
}

func (a *App) rescheduleAppointment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req rescheduleReq
	if err := bind(c, &req); err != nil {
		return err
	}
	ap, err := a.bookings.Reschedule(c.UserContext(), principal(c).ID, id, req.SlotID)
	if err != nil {
		return err
	}
	return c.JSON(ap)
}

type hallReq = booking.HallInput

// saveHall creates a hall (POST) or replaces one (PUT …/:id).
func (a *App) saveHall(c *fiber.Ctx) error {
	var id int64
	if c.Params("id") != "" {
		var err error
		if id, err = pathID(c, "id"); err != nil {
			return err
		}
	}
	var req hallReq
	if err := bind(c, &req); err != nil {
		return err
	}
	h, err := a.bookings.SaveHall(c.UserContext(), principal(c), id, req)
	if err != nil {
		return err
	}
	if id == 0 {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(h)
}

type windowReq = booking.WindowInput
type windowResp = booking.Window

func (a *App) addWindow(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req windowReq
	if err := bind(c, &req); err != nil {
		return err
	}
	w, err := a.bookings.AddWindow(c.UserContext(), principal(c), id, req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(w)
}

type hallGuidesReq struct {
	Guides []booking.GuideLane `json:"guides"`
}

type hallGuidesResp = listResp[booking.HallGuide]

func (a *App) setHallGuides(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req hallGuidesReq
	if err := bind(c, &req); err != nil {
		return err
	}
	gs, err := a.bookings.SetGuides(c.UserContext(), principal(c), id, req.Guides)
	if err != nil {
		return err
	}
	return c.JSON(hallGuidesResp{Items: gs})
}

type scheduleReq = booking.ScheduleInput
type scheduleResp = booking.Schedule

func (a *App) listSchedules(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := a.bookings.Schedules(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(listResp[scheduleResp]{Items: out})
}

func (a *App) addSchedule(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req scheduleReq
	if err := bind(c, &req); err != nil {
		return err
	}
	sc, err := a.bookings.AddSchedule(c.UserContext(), principal(c), id, req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(sc)
}

func (a *App) removeSchedule(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	sid, err := pathID(c, "sid")
	if err != nil {
		return err
	}
	if err := a.bookings.RemoveSchedule(c.UserContext(), principal(c), id, sid); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type closureReq = booking.ClosureInput
type closureResp = booking.Closure

func (a *App) listClosures(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := a.bookings.Closures(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(listResp[closureResp]{Items: out})
}

func (a *App) closeHall(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req closureReq
	if err := bind(c, &req); err != nil {
		return err
	}
	cl, err := a.bookings.Close(c.UserContext(), principal(c), id, req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cl)
}

type checkinReq struct {
	Code string `json:"code"`
}

type queueTicketResp = booking.QueueTicket

func (a *App) checkIn(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req checkinReq
	if err := bind(c, &req); err != nil {
		return err
	}
	t, err := a.bookings.CheckIn(c.UserContext(), principal(c), id, req.Code)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

type walkInReq = booking.WalkInInput

func (a *App) walkIn(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req walkInReq
	if len(c.Body()) > 0 {
		if err := bind(c, &req); err != nil {
			return err
		}
	}
	t, err := a.bookings.WalkIn(c.UserContext(), principal(c), id, req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

type windowActionReq struct {
	WindowID int64 `json:"window_id"`
}

// windowAction is a queue operation at one window: call-next, recall, complete, absent.
type windowAction func(s *booking.Service, ctx context.Context, p account.Principal, hallID, windowID int64) (*booking.QueueTicket, error)

// queueAction serves one windowAction.
func (a *App) queueAction(act windowAction) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var req windowActionReq
		if err := bind(c, &req); err != nil {
			return err
		}
		t, err := act(a.bookings, c.UserContext(), principal(c), id, req.WindowID)
		if err != nil {
			return err
		}
		return c.JSON(t)
	}
}

type queueResp = booking.QueueView

func (a *App) hallQueue(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	v, err := a.bookings.Queue(c.UserContext(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}
