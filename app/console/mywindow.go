package console

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// "My window": a clerk picks the window they sit at once; the browser keeps
// it in a cookie (hall and window) and the hall page then shows that window
// alone, its buttons calling numbers to it. Choosing "all windows" ends it.

const windowCookie = "govapp_console_window"

// myWindow is the window this browser works at in hall, or 0.
func myWindow(ctx *fiber.Ctx, hall int64) int64 {
	h, w, ok := strings.Cut(ctx.Cookies(windowCookie), ":")
	if !ok || h != itoa(hall) {
		return 0
	}
	n, _ := strconv.ParseInt(w, 10, 64)
	return n
}

// pickWindow remembers (or, for 0, forgets) the window of this browser and
// goes back to the hall page.
func (c *Console) pickWindow(ctx *fiber.Ctx, hall int64, w string) error {
	n, err := strconv.ParseInt(w, 10, 64)
	if err != nil || n < 0 {
		return back(ctx, hallURL(hall), "error", "请选择窗口")
	}
	if n == 0 {
		c.clearCookie(ctx, windowCookie)
		return back(ctx, hallURL(hall), "ok", "已显示全部窗口")
	}
	h, err := c.d.Bookings.Hall(ctx.UserContext(), hall)
	if err != nil {
		return c.fail(ctx, err)
	}
	for _, win := range h.Windows {
		if win.ID == n && win.Active {
			c.setCookie(ctx, windowCookie, itoa(hall)+":"+itoa(n), time.Now().Add(c.d.Display.windowMemory()))
			return back(ctx, hallURL(hall), "ok", "已切换到我的窗口："+win.Name)
		}
	}
	return back(ctx, hallURL(hall), "error", "该窗口不存在或未开放")
}
