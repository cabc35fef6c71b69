package console

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/account"
	"govapp/internal/booking"
	"govapp/internal/platform/errs"
)

var weekdays = []string{"1", "2", "3", "4", "5", "6", "7"}

type hallsView struct {
	Halls       []booking.Hall
	Departments []account.Department
	Weekdays    []string
}

// HallsAdmin lists the service halls with a form to add one.
func (c *Console) HallsAdmin(ctx *fiber.Ctx) error {
	hs, err := c.d.Bookings.Halls(ctx.UserContext(), nil, nil)
	if err != nil {
		return c.fail(ctx, err)
	}
	ds, err := c.d.Accounts.Departments(ctx.UserContext())
	if err != nil {
		return c.fail(ctx, err)
	}
	return c.render(ctx, fiber.StatusOK, "halls", "服务大厅", hallsView{Halls: hs, Departments: ds, Weekdays: weekdays})
}

func hallAdminID(ctx *fiber.Ctx) int64 {
	n, _ := strconv.ParseInt(ctx.Params("id"), 10, 64)
	return n
}

func hallAdminURL(id int64) string { return "/console/halls/" + itoa(id) }

// readHall reads the hall form: hours per ISO weekday ("09:00-12:00,13:30-17:00").
func readHall(ctx *fiber.Ctx) (booking.HallInput, error) {
	in := booking.HallInput{Name: ctx.FormValue("name"), District: ctx.FormValue("district"), Address: ctx.FormValue("address"),
		Phone: ctx.FormValue("phone"), DepartmentID: formInt(ctx, "department_id"), Hours: map[string]string{}}
	for _, d := range weekdays {
		if h := strings.TrimSpace(ctx.FormValue("hours_" + d)); h != "" {
			in.Hours[d] = h
		}
	}
	lat, lng := strings.TrimSpace(ctx.FormValue("lat")), strings.TrimSpace(ctx.FormValue("lng"))
	if lat != "" || lng != "" {
		a, err1 := strconv.ParseFloat(lat, 64)
		b, err2 := strconv.ParseFloat(lng, 64)
		if err1 != nil || err2 != nil {
			return in, errs.InvalidField("lat", "坐标须为数字")
		}
		in.Lat, in.Lng = &a, &b
	}
	return in, nil
}

// SaveHall creates a hall (no id) or changes one.
func (c *Console) SaveHall(ctx *fiber.Ctx) error {
	id := hallAdminID(ctx)
	target := "/console/halls"
	if id != 0 {
		target = hallAdminURL(id)
	}
	in, err := readHall(ctx)
	if err != nil {
		return c.failBack(ctx, target, err)
	}
	h, err := c.d.Bookings.SaveHall(ctx.UserContext(), me(ctx), id, in)
	if err != nil {
		return c.failBack(ctx, target, err)
	}
	return back(ctx, hallAdminURL(h.ID), "ok", "已保存 "+h.Name)
}

type hallAdminView struct {
	H           *booking.HallDetail
	Schedules   []booking.Schedule
	Closures    []booking.Closure
	Departments []account.Department
	Weekdays    []string
	GuideLines  string
}

// HallAdmin shows a hall with its windows, items, schedules and closures.
func (c *Console) HallAdmin(ctx *fiber.Ctx) error {
	id, uctx := hallAdminID(ctx), ctx.UserContext()
	h, err := c.d.Bookings.Hall(uctx, id)
	if err != nil {
		return c.fail(ctx, err)
	}
	v := hallAdminView{H: h, Weekdays: weekdays}
	if v.Schedules, err = c.d.Bookings.Schedules(uctx, id); err == nil {
		if v.Closures, err = c.d.Bookings.Closures(uctx, id); err == nil {
			v.Departments, err = c.d.Accounts.Departments(uctx)
		}
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	lines := make([]string, len(h.Guides))
	for i, g := range h.Guides {
		lines[i] = g.Code + " " + g.Lane
	}
	v.GuideLines = strings.Join(lines, "\n")
	return c.render(ctx, fiber.StatusOK, "hall_admin", "服务大厅 · "+h.Name, v)
}

// AddWindow adds a window to the hall.
func (c *Console) AddWindow(ctx *fiber.Ctx) error {
	id := hallAdminID(ctx)
	w, err := c.d.Bookings.AddWindow(ctx.UserContext(), me(ctx), id, booking.WindowInput{Name: ctx.FormValue("name"),
		Kind: ctx.FormValue("kind"), Prefix: strings.TrimSpace(ctx.FormValue("prefix"))})
	if err != nil {
		return c.failBack(ctx, hallAdminURL(id), err)
	}
	return back(ctx, hallAdminURL(id), "ok", "已添加窗口 "+w.Name)
}

// SetHallGuides replaces the items the hall takes bookings for: one per
// line, the guide code and optionally the lane ("GA-0001 B").
func (c *Console) SetHallGuides(ctx *fiber.Ctx) error {
	id := hallAdminID(ctx)
	var items []booking.GuideLane
	for _, line := range strings.Split(ctx.FormValue("guides"), "\n") {
		f := strings.Fields(line)
		switch len(f) {
		case 0:
		case 1:
			items = append(items, booking.GuideLane{Code: f[0]})
		default:
			items = append(items, booking.GuideLane{Code: f[0], Lane: f[1]})
		}
	}
	if _, err := c.d.Bookings.SetGuides(ctx.UserContext(), me(ctx), id, items); err != nil {
		return c.failBack(ctx, hallAdminURL(id), err)
	}
	return back(ctx, hallAdminURL(id), "ok", "已保存可预约事项")
}

// AddSchedule adds a schedule making slots for a window.
func (c *Console) AddSchedule(ctx *fiber.Ctx) error {
	id := hallAdminID(ctx)
	days := ctx.FormValue("days")
	if days == "custom" {
		days = strings.Join(formStrings(ctx, "weekday"), ",")
	}
	in := booking.ScheduleInput{WindowID: formInt(ctx, "window_id"), Days: days, Start: ctx.FormValue("start"),
		End: ctx.FormValue("end"), SlotMinutes: int(formInt(ctx, "slot_minutes")), Capacity: int(formInt(ctx, "capacity"))}
	if _, err := c.d.Bookings.AddSchedule(ctx.UserContext(), me(ctx), id, in); err != nil {
		return c.failBack(ctx, hallAdminURL(id), err)
	}
	return back(ctx, hallAdminURL(id), "ok", "已添加排班")
}

// RemoveSchedule stops a schedule (slots already booked stay).
func (c *Console) RemoveSchedule(ctx *fiber.Ctx) error {
	id := hallAdminID(ctx)
	sid, _ := strconv.ParseInt(ctx.Params("sid"), 10, 64)
	if err := c.d.Bookings.RemoveSchedule(ctx.UserContext(), me(ctx), id, sid); err != nil {
		return c.failBack(ctx, hallAdminURL(id), err)
	}
	return back(ctx, hallAdminURL(id), "ok", "已停用排班")
}

// CloseHall closes the hall, or one window, for a day.
func (c *Console) CloseHall(ctx *fiber.Ctx) error {
	id := hallAdminID(ctx)
	cl, err := c.d.Bookings.Close(ctx.UserContext(), me(ctx), id, booking.ClosureInput{Date: ctx.FormValue("date"),
		WindowID: formInt(ctx, "window_id"), Reason: ctx.FormValue("reason")})
	if err != nil {
		return c.failBack(ctx, hallAdminURL(id), err)
	}
	return back(ctx, hallAdminURL(id), "ok", "已安排闭厅 "+cl.Date+"，取消预约 "+strconv.Itoa(cl.Cancelled)+" 个并已通知")
}
