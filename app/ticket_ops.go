package app

import (
	"github.com/gofiber/fiber/v2"

	"govapp/internal/ticket"
)

// callbackReq is the verdict an operator takes from a caller by phone (回访).
type callbackReq struct {
	Satisfied *bool  `json:"satisfied" required:"true" desc:"来电人是否满意" example:"true"`
	Resolved  *bool  `json:"resolved" required:"true" desc:"问题是否已解决" example:"true"`
	Rating    int    `json:"rating,omitempty" desc:"1–5（满意 3–5，不满意 1–2）；不填则满意记 5、不满意记 1" example:"5"`
	Comment   string `json:"comment,omitempty" desc:"来电人的意见" example:"路灯已修好"`
}

// callbackTicket records a phoned-in ticket's callback: counted as the
// resident's rating would be (unsatisfied reopens once).
func (a *App) callbackTicket(c *fiber.Ctx) error {
	var req callbackReq
	if err := bind(c, &req); err != nil {
		return err
	}
	in := ticket.ActInput{Satisfied: req.Satisfied, Resolved: req.Resolved, Rating: req.Rating, Note: req.Comment}
	t, err := a.tickets.Act(c.UserContext(), principal(c), c.Params("no"), ticket.ActCallback, in)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// suggestionResp is the suggested lead department (null when none is known).
type suggestionResp struct {
	Suggestion *ticket.Suggestion `json:"suggestion"`
}

// suggestDepartment suggests where to dispatch a ticket: the department that
// most often led signed tickets of its category.
func (a *App) suggestDepartment(c *fiber.Ctx) error {
	sg, found, err := a.tickets.SuggestDepartment(c.UserContext(), principal(c), c.Params("no"))
	if err != nil {
		return err
	}
	out := suggestionResp{}
	if found {
		out.Suggestion = &sg
	}
	return c.JSON(out)
}
