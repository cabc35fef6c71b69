package app

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/platform/errs"
	"govapp/internal/ticket"
)

// callerTickets lists a caller's tickets, newest first: those filed with the
// phone as contact phone and those of the resident who verified it (matched
// by the phone's keyed hash; operators only).
func (a *App) callerTickets(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	phone, err := url.PathUnescape(c.Params("phone"))
	if err != nil {
		return errs.InvalidField("phone", "不是有效的电话号码")
	}
	f := ticket.Filter{CallerPhone: phone, Sort: ticket.SortNewest}
	page, err := a.tickets.List(c.UserContext(), principal(c), f, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(page)
}
