package console

import (
	"context"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/account"
	"govapp/internal/booking"
)

// hallOf is the hall a request works on: a clerk's own, or the one an admin names.
func hallOf(ctx *fiber.Ctx) int64 {
	p := me(ctx)
	if p.Role == account.RoleClerk {
		return p.HallID
	}
	if id := formInt(ctx, "hall_id"); id > 0 {
		return id
	}
	n, _ := strconv.ParseInt(ctx.Query("hall"), 10, 64)
	return n
}

func hallURL(id int64) string { return "/console/hall?hall=" + itoa(id) }

type windowView struct {
	booking.Window
	Serving *booking.QueueTicket
}

type hallView struct {
	Hall    *booking.HallDetail
	Queue   *booking.QueueView
	Windows []windowView
	All     []windowView   // every open window, to choose one's own from
	Mine    *windowView    // the window this browser works at ("my window" mode)
	Halls   []booking.Hall // admins choose
}

// Hall shows today's hall live, refreshing by itself: check-in, walk-in
// numbers, each window with its current number, the waiting line and the
// appointments still expected.
func (c *Console) Hall(ctx *fiber.Ctx) error {
	id, v := hallOf(ctx), hallView{}
	if id == 0 {
		if me(ctx).Role == account.RoleClerk {
			return c.render(ctx, fiber.StatusOK, "hall_none", "今日大厅", nil)
		}
		halls, err := c.d.Bookings.Halls(ctx.UserContext(), nil, nil)
		if err != nil {
			return c.fail(ctx, err)
		}
		v.Halls = halls
		return c.render(ctx, fiber.StatusOK, "hall", "今日大厅", v)
	}
	if w := ctx.Query("window"); w != "" {
		return c.pickWindow(ctx, id, w)
	}
	h, err := c.d.Bookings.Hall(ctx.UserContext(), id)
	if err != nil {
		return c.fail(ctx, err)
	}
	q, err := c.d.Bookings.Queue(ctx.UserContext(), me(ctx), id)
	if err != nil {
		return c.fail(ctx, err)
	}
	v.Hall, v.Queue = h, q
	for _, w := range h.Windows {
		if !w.Active {
			continue
		}
		wv := windowView{Window: w}
		for i := range q.Serving {
			if s := &q.Serving[i]; s.WindowID != nil && *s.WindowID == w.ID {
				wv.Serving = s
			}
		}
		v.Windows = append(v.Windows, wv)
	}
	v.All = v.Windows
	if mine := myWindow(ctx, id); mine > 0 {
		for i := range v.Windows {
			if v.Windows[i].ID == mine {
				v.Mine = &v.Windows[i]
				v.Windows = v.Windows[i : i+1]
				break
			}
		}
	}
	return c.render(ctx, fiber.StatusOK, "hall", "今日大厅 · "+h.Name, v, refresh(15))
}

// CheckIn checks a resident in by the code of their appointment.
func (c *Console) CheckIn(ctx *fiber.Ctx) error {
	id := hallOf(ctx)
	t, err := c.d.Bookings.CheckIn(ctx.UserContext(), me(ctx), id, ctx.FormValue("code"))
	if err != nil {
		return c.failBack(ctx, hallURL(id), err)
	}
	return back(ctx, hallURL(id), "ok", fmt.Sprintf("签到成功：%s，排队号 %s", t.GuideName, t.Number))
}

// WalkIn gives a resident without an appointment a number.
func (c *Console) WalkIn(ctx *fiber.Ctx) error {
	id := hallOf(ctx)
	t, err := c.d.Bookings.WalkIn(ctx.UserContext(), me(ctx), id, booking.WalkInInput{GuideCode: ctx.FormValue("guide_code")})
	if err != nil {
		return c.failBack(ctx, hallURL(id), err)
	}
	return back(ctx, hallURL(id), "ok", fmt.Sprintf("已取号：%s（%s）", t.Number, t.GuideName))
}

type queueOp func(s *booking.Service, ctx context.Context, p account.Principal, hallID, windowID int64) (*booking.QueueTicket, error)

var queueOps = map[string]struct {
	op   queueOp
	done string
}{
	"call-next": {(*booking.Service).CallNext, "请 %s 号到 %s 办理"},
	"recall":    {(*booking.Service).Recall, "已重呼 %s 号（%s）"},
	"complete":  {(*booking.Service).Complete, "%s 号已办结（%s）"},
	"absent":    {(*booking.Service).Absent, "%s 号已标记过号（%s）"},
}

// QueueAction calls the next number to a window, calls again, completes or
// marks the current number absent.
func (c *Console) QueueAction(ctx *fiber.Ctx) error {
	id := hallOf(ctx)
	op, ok := queueOps[ctx.Params("action")]
	if !ok {
		return c.fail(ctx, fiber.ErrNotFound)
	}
	t, err := op.op(c.d.Bookings, ctx.UserContext(), me(ctx), id, formInt(ctx, "window_id"))
	if err != nil {
		return c.failBack(ctx, hallURL(id), err)
	}
	return back(ctx, hallURL(id), "ok", fmt.Sprintf(op.done, t.Number, t.Window))
}
