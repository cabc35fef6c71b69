package console

import (
	"bytes"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/booking"
)

// The calling display is the page on a hall's screen: the numbers at the
// windows and the next numbers, large, reloading itself. It needs no login
// and is addressed by the hall's id (/display/halls/{id}): it shows only
// what the physical screen in the hall shows anyone walking in — queue
// numbers and window names, never a guide, a name or a phone — and hall ids
// are public already (GET /api/v1/halls), so a secret token would protect
// nothing while adding a credential to provision, leak and rotate on every
// screen.

// DisplaySettings tune the calling display.
type DisplaySettings struct {
	Refresh time.Duration // between reloads; 5 s when zero
	Next    int           // waiting numbers shown; 8 when zero
	// WindowMemory is how long a browser keeps its clerk's window ("my
	// window"); 16 h when zero: the day's reloads, not the next shift.
	WindowMemory time.Duration
}

func (d DisplaySettings) windowMemory() time.Duration {
	if d.WindowMemory <= 0 {
		return 16 * time.Hour
	}
	return d.WindowMemory
}

func (d DisplaySettings) refresh() int {
	if d.Refresh <= 0 {
		return 5
	}
	return max(1, int(d.Refresh/time.Second))
}

func (d DisplaySettings) next() int {
	if d.Next <= 0 {
		return 8
	}
	return d.Next
}

type displayView struct {
	D       *booking.Display
	Refresh int
}

// CallingDisplay answers the public calling screen of a hall.
func (c *Console) CallingDisplay(ctx *fiber.Ctx) error {
	id, err := strconv.ParseInt(ctx.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return c.displayError(ctx, fiber.StatusNotFound)
	}
	d, err := c.d.Bookings.Display(ctx.UserContext(), id, c.d.Display.next())
	if err != nil {
		status, _ := c.classify(err)
		return c.displayError(ctx, status)
	}
	v := displayView{D: d, Refresh: c.d.Display.refresh()}
	var b bytes.Buffer
	if err := c.pages["display"].ExecuteTemplate(&b, "display-page", v); err != nil {
		return err
	}
	ctx.Set(fiber.HeaderCacheControl, "no-store")
	ctx.Type("html", "utf-8")
	return ctx.Send(b.Bytes())
}

func (c *Console) displayError(ctx *fiber.Ctx, status int) error {
	msg := "服务大厅不存在"
	if status >= 500 {
		msg = "叫号信息暂时无法显示，稍后自动重试"
	}
	var b bytes.Buffer
	if err := c.pages["display"].ExecuteTemplate(&b, "display-error", map[string]any{"Message": msg, "Refresh": c.d.Display.refresh()}); err != nil {
		return err
	}
	ctx.Type("html", "utf-8")
	return ctx.Status(status).Send(b.Bytes())
}
