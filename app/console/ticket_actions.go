package console

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/ticket"
)

// formYesNo reads a yes/no choice ("yes" or "no"); nil when none was made.
func formYesNo(ctx *fiber.Ctx, key string) *bool {
	var v bool
	switch ctx.FormValue(key) {
	case "yes":
		v = true
	case "no":
	default:
		return nil
	}
	return &v
}

// dispatchNote is the operator's latest 派单意见 on the timeline (staff read
// it; the resident's timeline leaves it out), without its prefix.
func dispatchNote(tl []ticket.Entry) string {
	for i := len(tl) - 1; i >= 0; i-- {
		e := tl[i]
		if e.Action != string(ticket.ActDispatch) {
			continue
		}
		if !e.Internal { // the latest dispatch carried no 派单意见
			return ""
		}
		first, _, _ := strings.Cut(e.Note, "\n")
		if rest, ok := strings.CutPrefix(first, ticket.DispatchNotePrefix); ok {
			return rest
		}
		return ""
	}
	return ""
}
