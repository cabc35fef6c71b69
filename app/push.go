package app

import (
	"github.com/gofiber/fiber/v2"

	"govapp/internal/push"
)

type grantReq struct {
	TemplateID string `json:"template_id"`
	Count      int    `json:"count"`
}

type grantResp = push.Grant

func (a *App) addGrants(c *fiber.Ctx) error {
	var req grantReq
	if err := bind(c, &req); err != nil {
		return err
	}
	n, err := a.push.AddGrants(c.UserContext(), principal(c).ID, req.TemplateID, req.Count)
	if err != nil {
		return err
	}
	return c.JSON(grantResp{TemplateID: req.TemplateID, Remaining: n})
}

func (a *App) listGrants(c *fiber.Ctx) error {
	gs, err := a.push.Grants(c.UserContext(), principal(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(listResp[grantResp]{Items: gs})
}

type settingsResp = push.Settings

// settingsReq uses pointers so that a missing field is an error, not "off".
type settingsReq struct {
	Tickets      *bool `json:"tickets"`
	Appointments *bool `json:"appointments"`
	Policies     *bool `json:"policies"`
}

func (a *App) getSettings(c *fiber.Ctx) error {
	st, err := a.push.GetSettings(c.UserContext(), principal(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

func (a *App) putSettings(c *fiber.Ctx) error {
	var req settingsReq
	if err := bind(c, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	for name, v := range map[string]*bool{"tickets": req.Tickets, "appointments": req.Appointments, "policies": req.Policies} {
		if v == nil {
			fields[name] = "不能为空"
		}
	}
	if len(fields) > 0 {
		return errsInvalid(fields)
	}
	st, err := a.push.PutSettings(c.UserContext(), principal(c).ID, push.Settings{Tickets: *req.Tickets, Appointments: *req.Appointments, Policies: *req.Policies})
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// subscribeTemplate is one kind of message with the WeChat template ids the
// mini-program asks the resident to allow (wx.requestSubscribeMessage).
type subscribeTemplate struct {
	push.Kind
	TemplateID string `json:"template_id"`
	LongTerm   bool   `json:"long_term"` // long-term subscription: no one-time grant needed
	Setting    string `json:"setting" enums:"tickets,appointments,policies"`
	Page       string `json:"page"` // the mini-program page the message opens
}

// subscribeTemplates lists the messages residents may receive: the template
// id to ask a grant for, which notification setting governs it, and the
// keywords each message fills.
func (a *App) subscribeTemplates(c *fiber.Ctx) error {
	out := []subscribeTemplate{}
	for _, k := range push.Kinds {
		t, ok := a.cfg.Push.Templates[k.Name]
		if !ok || t.SubscribeID == "" {
			continue
		}
		out = append(out, subscribeTemplate{Kind: k, TemplateID: t.SubscribeID, LongTerm: t.LongTerm, Setting: t.Setting, Page: t.Page})
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.JSON(listResp[subscribeTemplate]{Items: out})
}
