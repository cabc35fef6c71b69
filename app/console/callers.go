package console

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/ticket"
)

// callerHistoryLimit is how many of a caller's earlier tickets the call form shows.
const callerHistoryLimit = 20

type callerHistoryView struct {
	Phone   string
	Rows    []queueRow
	Invalid bool // not a phone number (yet)
	More    bool // more than the form shows
}

// CallerHistory answers the call form's look-up: the caller's earlier
// tickets (by the phone's keyed hash: as contact phone, or the verified phone
// of the resident who filed them), as a fragment of the page.
func (c *Console) CallerHistory(ctx *fiber.Ctx) error {
	v, err := c.callerHistory(ctx, ctx.Query("phone"))
	if err != nil {
		return c.fail(ctx, err)
	}
	t, ok := c.pages["call"]
	if !ok {
		return fmt.Errorf("console: no template call")
	}
	var buf bytes.Buffer
	if v == nil {
		v = &callerHistoryView{Invalid: true}
	}
	if err := t.ExecuteTemplate(&buf, "caller_history", v); err != nil {
		return fmt.Errorf("console: render caller history: %w", err)
	}
	ctx.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	ctx.Set(fiber.HeaderCacheControl, "no-store")
	return ctx.Send(buf.Bytes())
}

// callerHistory looks the phone's earlier tickets up (nil for no phone).
func (c *Console) callerHistory(ctx *fiber.Ctx, phone string) (*callerHistoryView, error) {
	phone = strings.TrimSpace(phone)
	if phone == "" {
		return nil, nil
	}
	v := &callerHistoryView{Phone: phone}
	page, err := c.d.Tickets.List(ctx.UserContext(), me(ctx),
		ticket.Filter{CallerPhone: phone, Sort: ticket.SortNewest}, "", callerHistoryLimit)
	rows, next := page.Items, page.NextCursor
	if err != nil {
		if status, _ := c.classify(err); status >= 500 || status == fiber.StatusForbidden {
			return nil, err
		}
		v.Invalid = true
	}
	v.More = next != ""
	for _, r := range rows {
		v.Rows = append(v.Rows, queueRow{Summary: r, SLA: currentSLA(r.CurrentDeadline, r.Overdue)})
	}
	return v, nil
}
