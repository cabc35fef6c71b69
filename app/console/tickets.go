package console

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/account"
	"govapp/internal/platform/errs"
	"govapp/internal/ticket"
)

// kindOrder lists the ticket kinds in the order forms offer them.
var kindOrder = ticket.KindOrder

type queueRow struct {
	ticket.Summary
	SLA stepSLA
}

type queueView struct {
	Rows     []queueRow
	Next     string
	Filter   ticket.Filter
	Statuses []ticket.Status
	Kinds    []string
	Operator bool
	NextURL  string // the next page with the same filter
	Total    int    // tickets matching the filter, whatever the page
}

// Queue lists tickets, most urgent first unless asked for the newest:
// everything for operators, the department's subtree for handlers, filtered
// by status, channel, kind, text (a phone number finds its caller's tickets)
// and overdue.
func (c *Console) Queue(ctx *fiber.Ctx) error {
	f := ticket.Filter{Status: ctx.Query("status"), Channel: ctx.Query("channel"), Kind: ctx.Query("kind"),
		Text: strings.TrimSpace(ctx.Query("q")), Overdue: ctx.Query("overdue") != "", Sort: ticket.SortUrgent}
	if ctx.Query("sort") == ticket.SortNewest {
		f.Sort = ticket.SortNewest
	}
	if len([]rune(f.Text)) > 64 {
		f.Text = string([]rune(f.Text)[:64])
	}
	page, err := c.d.Tickets.List(ctx.UserContext(), me(ctx), f, ctx.Query("cursor"), 50)
	if err != nil {
		return c.fail(ctx, err)
	}
	rows, next := page.Items, page.NextCursor
	v := queueView{Next: next, Total: page.Total, Filter: f, Statuses: ticket.Statuses, Kinds: kindOrder, Operator: isOperator(me(ctx))}
	for _, r := range rows {
		v.Rows = append(v.Rows, queueRow{Summary: r, SLA: currentSLA(r.CurrentDeadline, r.Overdue)})
	}
	if next != "" {
		q := url.Values{"cursor": {next}}
		for k, val := range map[string]string{"status": f.Status, "channel": f.Channel, "kind": f.Kind, "q": f.Text, "sort": f.Sort} {
			if val != "" {
				q.Set(k, val)
			}
		}
		if f.Overdue {
			q.Set("overdue", "1")
		}
		v.NextURL = "/console/tickets?" + q.Encode()
	}
	title := "工单队列"
	if me(ctx).Role == account.RoleHandler {
		title = "本单位工单"
	}
	return c.render(ctx, fiber.StatusOK, "tickets", title, v)
}

func isOperator(p account.Principal) bool {
	return p.Role == account.RoleOperator || p.Role == account.RoleAdmin
}

type callView struct {
	Kinds      []string
	Categories []string
	F          map[string]string
	History    *callerHistoryView // the caller's earlier tickets, once the phone is known
}

// NewCall shows the form an operator records a phone call with (?phone=
// fills the number in and shows the caller's earlier tickets).
func (c *Console) NewCall(ctx *fiber.Ctx) error {
	phone := ctx.Query("phone")
	h, err := c.callerHistory(ctx, phone)
	if err != nil {
		return c.fail(ctx, err)
	}
	return c.render(ctx, fiber.StatusOK, "call", "登记来电", callView{Kinds: kindOrder, Categories: c.d.TicketRules.Categories,
		F: map[string]string{"kind": ticket.KindConsultation, "contact_phone": phone}, History: h})
}

var callFields = []string{"caller_name", "contact_phone", "kind", "priority", "category", "title", "content", "location",
	"anonymous", "public_consent"}

// RecordCall files the call as a hotline ticket and opens it.
func (c *Console) RecordCall(ctx *fiber.Ctx) error {
	in := ticket.Input{Kind: ctx.FormValue("kind"), Priority: ctx.FormValue("priority"), Category: ctx.FormValue("category"),
		Title: ctx.FormValue("title"), Content: ctx.FormValue("content"), Location: ctx.FormValue("location"),
		ContactPhone: ctx.FormValue("contact_phone"), CallerName: ctx.FormValue("caller_name"),
		Anonymous: formBool(ctx, "anonymous"), PublicConsent: formBool(ctx, "public_consent")}
	t, err := c.d.Tickets.Record(ctx.UserContext(), me(ctx), in)
	if err != nil {
		status, _ := c.classify(err)
		if status >= 500 {
			return c.fail(ctx, err)
		}
		f := map[string]string{}
		for _, k := range callFields {
			f[k] = ctx.FormValue(k)
		}
		h, herr := c.callerHistory(ctx, f["contact_phone"])
		if herr != nil {
			return c.fail(ctx, herr)
		}
		return c.render(ctx, status, "call", "登记来电", callView{Kinds: kindOrder, Categories: c.d.TicketRules.Categories, F: f, History: h}, c.withError(err))
	}
	return back(ctx, "/console/tickets/"+t.TrackingNo, "ok", "已登记来电，工单编号 "+t.TrackingNo)
}

// actionForm is one action offered on a ticket page.
type actionForm struct {
	Action  ticket.Action
	Label   string
	Fields  []string // note, reply, internal_note, department, dispatch_note, edit_reply, callback, days, parent
	Note    string   // label of the note field
	Confirm string
}

// actionForms lists the actions in the order the page shows them.
var actionForms = []actionForm{
	{Action: ticket.ActAccept, Label: "受理"},
	{Action: ticket.ActDispatch, Label: "派单", Fields: []string{"department", "dispatch_note"}},
	{Action: ticket.ActAnswer, Label: "直接答复（咨询）", Fields: []string{"reply"}},
	{Action: ticket.ActReject, Label: "不予受理", Fields: []string{"note"}, Note: "不予受理的理由", Confirm: "确定不予受理？"},
	{Action: ticket.ActReviewPass, Label: "审核通过，答复送达诉求人", Fields: []string{"edit_reply"}},
	{Action: ticket.ActReviewFail, Label: "审核退回承办单位", Fields: []string{"note"}, Note: "退回理由"},
	{Action: ticket.ActApproveExtension, Label: "同意延期"},
	{Action: ticket.ActCallback, Label: "登记电话回访结果", Fields: []string{"callback"}},
	{Action: ticket.ActMerge, Label: "合并到主工单", Fields: []string{"parent"}, Confirm: "确定合并？合并后本工单不再单独办理。"},
	{Action: ticket.ActSign, Label: "签收"},
	{Action: ticket.ActReply, Label: "答复", Fields: []string{"reply", "internal_note"}},
	{Action: ticket.ActAskInfo, Label: "请诉求人补充信息", Fields: []string{"note"}, Note: "需要补充的信息"},
	{Action: ticket.ActRequestExtension, Label: "申请延期", Fields: []string{"days", "note"}, Note: "延期理由"},
	{Action: ticket.ActReturn, Label: "退单（非本单位职责）", Fields: []string{"note"}, Note: "退单理由", Confirm: "确定退单？"},
}

// offered returns the actions p may take on t now.
func offered(p account.Principal, t *ticket.Ticket) []actionForm {
	ok := map[ticket.Action]bool{}
	for _, a := range ticket.ActionsFor(p, t) { // the API's rule, the same for both
		ok[a] = true
	}
	var out []actionForm
	for _, f := range actionForms {
		switch {
		case !ok[f.Action]:
		case f.Action == ticket.ActDispatch && t.Status == ticket.Dispatched:
			re := f
			re.Label = "改派（尚未签收）"
			out = append(out, re)
		default:
			out = append(out, f)
		}
	}
	return out
}

type ticketView struct {
	T            *ticket.Ticket
	Timeline     []ticket.Entry
	Actions      []actionForm
	Departments  []account.Department
	DeptNames    map[int64]string
	Duplicates   []ticket.Duplicate
	Operator     bool
	CanPublish   bool
	Failed       ticket.Action
	Form         map[string]string
	Suggested    *ticket.Suggestion // the lead department suggested for a dispatch
	DispatchNote string             // the operator's latest 派单意见 (for the handler)
}

// Ticket shows a ticket with its timeline and the actions allowed now.
func (c *Console) Ticket(ctx *fiber.Ctx) error {
	return c.ticketPage(ctx, fiber.StatusOK, "", nil)
}

func (c *Console) ticketPage(ctx *fiber.Ctx, status int, failed ticket.Action, actErr error) error {
	p, no := me(ctx), ctx.Params("no")
	act := p
	t, err := c.d.Tickets.Get(ctx.UserContext(), act, no)
	if err != nil {
		return c.fail(ctx, err)
	}
	tl, err := c.d.Tickets.Timeline(ctx.UserContext(), act, no)
	if err != nil {
		return c.fail(ctx, err)
	}
	v := ticketView{T: t, Timeline: tl, Actions: offered(p, t), Operator: isOperator(p), Failed: failed, Form: map[string]string{},
		CanPublish: isOperator(p) && t.PublicConsent && (t.Status == ticket.Visiting || t.Status == ticket.Closed)}
	if v.Departments, err = c.d.Accounts.Departments(ctx.UserContext()); err != nil {
		return c.fail(ctx, err)
	}
	v.DeptNames = map[int64]string{}
	for _, d := range v.Departments {
		v.DeptNames[d.ID] = d.Name
	}
	v.DispatchNote = dispatchNote(tl)
	for _, a := range v.Actions {
		if a.Action == ticket.ActDispatch {
			sg, found, err := c.d.Tickets.SuggestDepartment(ctx.UserContext(), act, no)
			if err != nil {
				return c.fail(ctx, err)
			}
			if found {
				v.Suggested = &sg
			}
		}
		if a.Action == ticket.ActMerge {
			if v.Duplicates, err = c.d.Tickets.Duplicates(ctx.UserContext(), act, no); err != nil {
				return c.fail(ctx, err)
			}
		}
	}
	var opts []func(*page)
	if actErr != nil {
		for _, k := range []string{"note", "reply", "internal_note", "days", "parent", "department_id", "satisfied", "resolved"} {
			v.Form[k] = ctx.FormValue(k)
		}
		opts = append(opts, c.withError(actErr))
	}
	return c.render(ctx, status, "ticket", "工单 "+t.TrackingNo, v, opts...)
}

// Act takes one action of the transition table on the ticket; the service
// decides who may and from which state.
func (c *Console) Act(ctx *fiber.Ctx) error {
	action := ticket.Action(ctx.Params("action"))
	in := ticket.ActInput{Note: ctx.FormValue("note"), Reply: ctx.FormValue("reply"), InternalNote: ctx.FormValue("internal_note"),
		DepartmentID: formInt(ctx, "department_id"), CoDepartments: formInts(ctx, "co_departments"),
		Days: int(formInt(ctx, "days")), ParentNo: strings.TrimSpace(ctx.FormValue("parent")),
		Satisfied: formYesNo(ctx, "satisfied"), Resolved: formYesNo(ctx, "resolved")}
	no := ctx.Params("no")
	t, err := c.d.Tickets.Act(ctx.UserContext(), me(ctx), no, action, in)
	if err != nil {
		status, e := c.classify(err)
		if e.Kind == errs.KindInvalid {
			return c.ticketPage(ctx, status, action, err)
		}
		return c.failBack(ctx, "/console/tickets/"+no, err)
	}
	msg := "已" + nameOr(ticket.ActionLabels[string(action)], string(action)) + "，当前状态：" + t.Status.Label()
	return back(ctx, "/console/tickets/"+t.TrackingNo, "ok", msg)
}

// Publication shows the redaction diff an operator reviews before publishing.
func (c *Console) Publication(ctx *fiber.Ctx) error {
	pv, err := c.d.Tickets.PreviewPublication(ctx.UserContext(), me(ctx), ctx.Params("no"))
	if err != nil {
		return c.failBack(ctx, "/console/tickets/"+ctx.Params("no"), err)
	}
	return c.render(ctx, fiber.StatusOK, "publication", "公开办理结果", pv)
}

// Publish stores the redacted copy (with the operator's edits) for anyone to read.
func (c *Console) Publish(ctx *fiber.Ctx) error {
	title, content, reply := ctx.FormValue("title"), ctx.FormValue("content"), ctx.FormValue("reply")
	no := ctx.Params("no")
	pub, err := c.d.Tickets.Publish(ctx.UserContext(), me(ctx), no, ticket.Edits{Title: &title, Content: &content, Reply: &reply})
	if err != nil {
		return c.failBack(ctx, "/console/tickets/"+no+"/publication", err)
	}
	if len(pub.Warnings) > 0 {
		// Published as written; the publication page lists what to check.
		// (The flash is an "ok": it was published; the page shows the warnings in yellow.)
		return back(ctx, "/console/tickets/"+no+"/publication", "ok",
			"办理结果已按您编辑的文本公开，但其中有内容可能含有个人信息，请核对下方提醒；如需更正，修改后再次公开即可覆盖。")
	}
	return back(ctx, "/console/tickets/"+no, "ok", "办理结果已公开："+pub.Title)
}

type statsView struct {
	S        ticket.Stats
	From, To string
	Kinds    []string
}

// Stats shows the figures by department for a date range (default: the last 30 days).
func (c *Console) Stats(ctx *fiber.Ctx) error {
	loc := c.loc()
	today := time.Now().In(loc)
	to := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -30)
	if s := ctx.Query("from"); s != "" {
		if d, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
			from = d
		}
	}
	if s := ctx.Query("to"); s != "" {
		if d, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
			to = d.AddDate(0, 0, 1)
		}
	}
	if !to.After(from) || to.Sub(from) > 3*366*24*time.Hour {
		return c.fail(ctx, errs.InvalidField("to", "须晚于开始日期，且跨度不超过三年"))
	}
	st, err := c.d.Tickets.Stats(ctx.UserContext(), from.UTC(), to.UTC())
	if err != nil {
		return c.fail(ctx, err)
	}
	return c.render(ctx, fiber.StatusOK, "stats", "诉求统计", statsView{S: st, From: from.Format("2006-01-02"),
		To: to.AddDate(0, 0, -1).Format("2006-01-02"), Kinds: kindOrder})
}
