package app

import (
	"github.com/gofiber/fiber/v2"

	"govapp/internal/ticket"
)

// callbackReq is the verdict an operator takes from a caller by phone (回访).
type callbackReq struct {
	Satisfied *bool  `json:"satisfied"`        // required: 满意 or 不满意
	Resolved  *bool  `json:"resolved"`         // required: 问题已解决 or 未解决
	Rating    int    `json:"rating,omitempty"` // optional 1–5 (satisfied 3–5, unsatisfied 1–2); default 5 or 1
	Comment   string `json:"comment,omitempty"`
}

// callbackTicket records a phoned-in ticket's callback: counted as the
// resident's rating would be (unsatisfied reopens once).
func (a *App) callbackTicket(c *fiber.Ctx) error {
	var req callbackReq
	if err := bind(c, &req); err != nil {
		return err
	}
	in := ticket.ActInput{Satisfied: req.Satisfied, Resolved: req.Resolved, Rating: req.Rating, Note: req.Comment}
	t, err := a.tickets.Act(c.UserContext(), a.actor(c), c.Params("no"), ticket.ActCallback, in)
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
	sg, found, err := a.tickets.SuggestDepartment(c.UserContext(), a.actor(c), c.Params("no"))
	if err != nil {
		return err
	}
	out := suggestionResp{}
	if found {
		out.Suggestion = &sg
	}
	return c.JSON(out)
}
