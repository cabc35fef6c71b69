package app

import (
	"io"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/calendar"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/ratelimit"
	"govapp/internal/ticket"
)

// ticketReq is what a resident submits (priority and caller name are the
// operator's to set).
type ticketReq struct {
	Channel       string   `json:"channel,omitempty"`
	Kind          string   `json:"kind"`
	Category      string   `json:"category"`
	Title         string   `json:"title"`
	Content       string   `json:"content"`
	Location      string   `json:"location,omitempty"`
	Lat           *float64 `json:"lat,omitempty"`
	Lng           *float64 `json:"lng,omitempty"`
	ContactPhone  string   `json:"contact_phone,omitempty"`
	Anonymous     bool     `json:"anonymous,omitempty"`
	PublicConsent bool     `json:"public_consent,omitempty"`
	AttachmentIDs []int64  `json:"attachment_ids,omitempty"`
}

// callReq is a phone call recorded by an operator.
type callReq struct {
	Kind          string   `json:"kind"`
	Priority      string   `json:"priority,omitempty"`
	Category      string   `json:"category"`
	Title         string   `json:"title"`
	Content       string   `json:"content"`
	Location      string   `json:"location,omitempty"`
	Lat           *float64 `json:"lat,omitempty"`
	Lng           *float64 `json:"lng,omitempty"`
	ContactPhone  string   `json:"contact_phone"`
	CallerName    string   `json:"caller_name,omitempty"`
	Anonymous     bool     `json:"anonymous,omitempty"`
	PublicConsent bool     `json:"public_consent,omitempty"`
}

type ticketResp = ticket.Ticket

// ticketDetailResp is a ticket with its timeline (and, for staff, what may be done next).
type ticketDetailResp struct {
	Ticket   *ticket.Ticket  `json:"ticket"`
	Timeline []ticket.Entry  `json:"timeline"`
	Actions  []ticket.Action `json:"actions,omitempty"`
}

func (a *App) residentActor(c *fiber.Ctx) (ticket.Actor, error) {
	act := principal(c)
	r, err := a.accounts.Resident(c.UserContext(), act.ID)
	if err != nil {
		return act, err
	}
	act.OpenID = r.OpenID
	return act, nil
}

// limitTicketIP is the per-IP limit of route limit "ticket" (tickets.per_ip)
// or "upload" (tickets.uploads_per_ip), applied after authentication and
// before the Idempotency-Key is claimed, so that a refused attempt can be
// retried. Per person, the ticket service's daily cap applies.
func (a *App) limitTicketIP(limit string) fiber.Handler {
	rule := a.cfg.Tickets.PerIP
	if limit == "upload" {
		rule = a.cfg.Tickets.UploadsPerIP
	}
	return a.limitIP(limit, ratelimit.Rule{Limit: rule.Limit, Window: rule.Window.D()})
}

func (a *App) submitTicket(c *fiber.Ctx) error {
	var req ticketReq
	if err := bind(c, &req); err != nil {
		return err
	}
	act, err := a.residentActor(c)
	if err != nil {
		return err
	}
	t, err := a.tickets.Submit(c.UserContext(), act, ticket.Input{Channel: req.Channel, Kind: req.Kind, Category: req.Category,
		Title: req.Title, Content: req.Content, Location: req.Location, Lat: req.Lat, Lng: req.Lng, ContactPhone: req.ContactPhone,
		Anonymous: req.Anonymous, PublicConsent: req.PublicConsent, AttachmentIDs: req.AttachmentIDs})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

func (a *App) recordCall(c *fiber.Ctx) error {
	var req callReq
	if err := bind(c, &req); err != nil {
		return err
	}
	t, err := a.tickets.Record(c.UserContext(), principal(c), ticket.Input{Kind: req.Kind, Priority: req.Priority, Category: req.Category,
		Title: req.Title, Content: req.Content, Location: req.Location, Lat: req.Lat, Lng: req.Lng, ContactPhone: req.ContactPhone,
		CallerName: req.CallerName, Anonymous: req.Anonymous, PublicConsent: req.PublicConsent})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

type ticketListResp = ticket.Page[ticket.Summary]

func (a *App) myTickets(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	page, err := a.tickets.Mine(c.UserContext(), principal(c), c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (a *App) ticketDetail(c *fiber.Ctx) error {
	act := principal(c)
	no := c.Params("no")
	t, err := a.tickets.Get(c.UserContext(), act, no)
	if err != nil {
		return err
	}
	tl, err := a.tickets.Timeline(c.UserContext(), act, no)
	if err != nil {
		return err
	}
	out := ticketDetailResp{Ticket: t, Timeline: tl}
	if act.IsStaff() {
		out.Actions = ticket.ActionsFor(act, t)
	}
	return c.JSON(out)
}

func (a *App) opsTickets(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	f := ticket.Filter{Status: c.Query("status"), Channel: c.Query("channel"), Kind: c.Query("kind"), Text: c.Query("q"),
		Overdue: c.QueryBool("overdue"), CallerPhone: c.Query("caller_phone"), Sort: c.Query("sort")}
	if d := c.Query("department_id"); d != "" {
		if f.DepartmentID, err = strconv.ParseInt(d, 10, 64); err != nil || f.DepartmentID <= 0 {
			return errs.InvalidField("department_id", "须为正整数")
		}
	}
	if d := c.Query("due_before"); d != "" {
		if f.DueBefore, err = time.Parse(time.RFC3339, d); err != nil {
			return errs.InvalidField("due_before", "须为 RFC 3339 时间")
		}
	}
	if len([]rune(f.Text)) > 64 {
		return errs.InvalidField("q", "不能超过 64 个字")
	}
	page, err := a.tickets.List(c.UserContext(), principal(c), f, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

type rateReq struct {
	Rating  int    `json:"rating" desc:"1–5 星；1–2 星为不满意，可退回重办一次" example:"5"`
	Comment string `json:"comment,omitempty" desc:"评价内容（不超过 500 字）" example:"电梯已修好，感谢"`
}

func (a *App) rateTicket(c *fiber.Ctx) error {
	var req rateReq
	if err := bind(c, &req); err != nil {
		return err
	}
	t, err := a.tickets.Act(c.UserContext(), principal(c), c.Params("no"), ticket.ActRate, ticket.ActInput{Rating: req.Rating, Note: req.Comment})
	if err != nil {
		return err
	}
	return c.JSON(t)
}

type infoReq struct {
	Note string `json:"note" desc:"承办单位要求补充的信息（2–1000 字）" example:"幸福路 28 号 3 栋 2 单元"`
}

func (a *App) provideInfo(c *fiber.Ctx) error {
	var req infoReq
	if err := bind(c, &req); err != nil {
		return err
	}
	t, err := a.tickets.Act(c.UserContext(), principal(c), c.Params("no"), ticket.ActProvideInfo, ticket.ActInput{Note: req.Note})
	if err != nil {
		return err
	}
	return c.JSON(t)
}

type duplicatesResp = listResp[ticket.Duplicate]

func (a *App) ticketDuplicates(c *fiber.Ctx) error {
	ds, err := a.tickets.Duplicates(c.UserContext(), principal(c), c.Params("no"))
	if err != nil {
		return err
	}
	return c.JSON(duplicatesResp{Items: ds})
}

type uploadResp = ticket.Upload

func (a *App) upload(c *fiber.Ctx) error {
	data := c.Body()
	if fh, err := c.FormFile("file"); err == nil {
		f, err := fh.Open()
		if err != nil {
			return ticket.ErrNotImage
		}
		defer f.Close()
		buf := make([]byte, fh.Size)
		if _, err := io.ReadFull(f, buf); err != nil {
			return ticket.ErrNotImage
		}
		data = buf
	}
	if len(data) == 0 {
		return errs.InvalidField("file", "请选择图片")
	}
	u, err := a.tickets.SaveUpload(c.UserContext(), principal(c), data)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (a *App) getUpload(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return ticket.ErrUploadAbsent
	}
	path, ct, err := a.tickets.OpenUpload(c.UserContext(), principal(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	return c.SendFile(path)
}

type statsResp = ticket.Stats

func (a *App) ticketStats(c *fiber.Ctx) error {
	to := time.Now().UTC()
	from := to.AddDate(0, -1, 0)
	var err error
	if s := c.Query("from"); s != "" {
		if from, err = parseDay(s, a.cfgLoc()); err != nil {
			return errs.InvalidField("from", "须为日期（如 "+calendar.Example(time.Now().In(a.cfgLoc()))+"）或 RFC 3339 时间")
		}
	}
	if s := c.Query("to"); s != "" {
		if to, err = parseDay(s, a.cfgLoc()); err != nil {
			return errs.InvalidField("to", "须为日期（如 "+calendar.Example(time.Now().In(a.cfgLoc()))+"）或 RFC 3339 时间")
		}
	}
	if !to.After(from) || to.Sub(from) > 3*366*24*time.Hour {
		return errs.InvalidField("to", "须晚于 from，且跨度不超过三年")
	}
	st, err := a.tickets.Stats(c.UserContext(), from, to)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// parseDay reads a date (the start of that day in the city's zone) or an RFC 3339 instant.
func parseDay(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	return t.UTC(), err
}

// contentChecker screens resident text with WeChat's msgSecCheck.
type previewResp = ticket.Preview

func (a *App) publicationPreview(c *fiber.Ctx) error {
	p, err := a.tickets.PreviewPublication(c.UserContext(), principal(c), c.Params("no"))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

type publishReq = ticket.Edits
type publicationResp = ticket.Publication

// publishResp is the published copy with what in it looks like personal
// data (the operator's edits are published as written, and checked).
type publishResp = ticket.Published

func (a *App) publishTicket(c *fiber.Ctx) error {
	var req publishReq
	if len(c.Body()) > 0 {
		if err := bind(c, &req); err != nil {
			return err
		}
	}
	p, err := a.tickets.Publish(c.UserContext(), principal(c), c.Params("no"), req)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

type publicListResp = ticket.Page[ticket.Publication]

func (a *App) publicTickets(c *fiber.Ctx) error {
	limit, err := pageLimit(c)
	if err != nil {
		return err
	}
	f := ticket.PublicFilter{Q: c.Query("q"), Category: c.Query("category")}
	if len([]rune(f.Q)) > 64 {
		return errs.InvalidField("q", "不能超过 64 个字")
	}
	if d := c.Query("department_id"); d != "" {
		if f.DepartmentID, err = strconv.ParseInt(d, 10, 64); err != nil || f.DepartmentID <= 0 {
			return errs.InvalidField("department_id", "须为正整数")
		}
	}
	page, err := a.tickets.PublicList(c.UserContext(), f, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (a *App) publicTicket(c *fiber.Ctx) error {
	p, err := a.tickets.PublicGet(c.UserContext(), c.Params("no"))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

type ticketCategory struct {
	Name string `json:"name"`
}

type ticketKind struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// ticketCategoriesResp is what the submission form offers: the categories
// (tickets.categories) and the kinds of request.
type ticketCategoriesResp struct {
	Items []ticketCategory `json:"items"`
	Kinds []ticketKind     `json:"kinds"`
}

func (a *App) ticketCategories(c *fiber.Ctx) error {
	out := ticketCategoriesResp{Items: []ticketCategory{}, Kinds: []ticketKind{}}
	for _, n := range a.cfg.Tickets.Categories {
		out.Items = append(out.Items, ticketCategory{Name: n})
	}
	for _, k := range ticket.KindOrder {
		out.Kinds = append(out.Kinds, ticketKind{Code: k, Label: ticket.Kinds[k]})
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.JSON(out)
}
