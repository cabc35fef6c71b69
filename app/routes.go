package app

import (
	"github.com/gofiber/fiber/v2"

	"govapp/internal/account"
	"govapp/internal/guide"
	"govapp/internal/ticket"
)

type authLevel int

const (
	authNone     authLevel = iota
	authResident           // a signed-in resident
	authStaff              // a signed-in staff member (Roles narrow it)
	authAny                // anyone signed in
)

// route is one line of the route table: what it serves, who may call it, and
// what the OpenAPI document says of it.
type route struct {
	Method     string
	Path       string
	Handler    fiber.Handler
	Auth       authLevel
	Roles      []account.Role
	Idempotent bool   // honours Idempotency-Key
	Limit      string // extra per-IP rule: "login"
	Tag        string
	Summary    string
	Body       any // request body type (for the document)
	Resp       any // 2xx response body type
	Status     int // success status (default 200)
	Produces   string
	BodyLimit  int // bytes; 0 is http.body_limit_bytes
}

// editors may write guides and policies (admins may do everything).
var editors = []account.Role{account.RoleEditor}

// operators work the 12345 queue; ticketStaff also includes the handlers of
// the departments (the service checks who may take which action).
var (
	operators   = []account.Role{account.RoleOperator}
	ticketStaff = []account.Role{account.RoleOperator, account.RoleHandler}
)

// routes is the single route table of govapp.
func (a *App) routes() []route {
	return []route{
		{Method: "GET", Path: "/healthz", Handler: a.healthz, Tag: "运维", Summary: "进程存活检查", Resp: healthResp{}},
		{Method: "GET", Path: "/readyz", Handler: a.readyz, Tag: "运维", Summary: "就绪检查：分别报告数据库与缓存", Resp: readyResp{}},
		{Method: "GET", Path: "/metrics", Handler: a.metricsHandler(), Tag: "运维", Summary: "Prometheus 指标", Produces: "text/plain"},
		{Method: "GET", Path: "/openapi.json", Handler: a.openapiJSON, Tag: "运维", Summary: "OpenAPI 3 文档"},
		{Method: "GET", Path: "/docs", Handler: a.docsPage, Tag: "运维", Summary: "接口说明页面", Produces: "text/html"},
		{Method: "GET", Path: "/wechat/oa", Handler: wechatOA(a.oaServer), Tag: "公众号", Summary: "微信服务器地址验证：校验签名与时间戳后回显 echostr", Produces: "text/plain"},
		{Method: "POST", Path: "/wechat/oa", Handler: wechatOA(a.oaServer), Tag: "公众号", Summary: "公众号消息与事件推送：明文与安全模式、重试去重、5 秒内应答", Produces: "application/xml"},

		{Method: "POST", Path: "/api/v1/auth/wechat/login", Handler: a.wechatLogin, Limit: "login", Tag: "账号", Summary: "小程序登录（wx.login code）", Body: wechatLoginReq{}, Resp: loginResp{}},
		{Method: "POST", Path: "/api/v1/auth/dev/login", Handler: a.devLogin, Limit: "login", Tag: "账号", Summary: "开发登录（仅内嵌模式）", Body: devLoginReq{}, Resp: loginResp{}},
		{Method: "POST", Path: "/api/v1/auth/staff/login", Handler: a.staffLogin, Limit: "login", Tag: "账号", Summary: "工作人员登录", Body: staffLoginReq{}, Resp: loginResp{}},
		{Method: "POST", Path: "/api/v1/auth/logout", Handler: a.logout, Auth: authAny, Tag: "账号", Summary: "退出登录（注销令牌）", Status: fiber.StatusNoContent},
		{Method: "GET", Path: "/api/v1/me", Handler: a.me, Auth: authAny, Tag: "账号", Summary: "当前登录的居民或工作人员", Resp: meResp{}},
		{Method: "POST", Path: "/api/v1/me/phone", Handler: a.bindPhone, Auth: authResident, Limit: "login", Tag: "账号", Summary: "绑定手机号（getPhoneNumber code）", Body: bindPhoneReq{}, Resp: meResp{}},

		{Method: "GET", Path: "/api/v1/departments", Handler: a.listDepartments, Tag: "账号", Summary: "部门树", Resp: listResp[departmentResp]{}},
		{Method: "GET", Path: "/api/v1/admin/audit-log", Handler: a.listAudit, Auth: authStaff, Roles: []account.Role{account.RoleAdmin}, Tag: "管理", Summary: "审计日志（新到旧）", Resp: listResp[auditResp]{}},
		{Method: "POST", Path: "/api/v1/admin/staff", Handler: a.createStaff, Auth: authStaff, Roles: []account.Role{account.RoleAdmin}, Tag: "管理", Summary: "创建工作人员账号", Body: createStaffReq{}, Resp: meResp{}, Status: fiber.StatusCreated},
		{Method: "POST", Path: "/api/v1/me/subscribe-grants", Handler: a.addGrants, Auth: authResident, Tag: "消息推送", Summary: "登记小程序订阅消息授权（每次授权可发送一条）", Body: grantReq{}, Resp: grantResp{}},
		{Method: "GET", Path: "/api/v1/me/subscribe-grants", Handler: a.listGrants, Auth: authResident, Tag: "消息推送", Summary: "剩余的订阅消息授权", Resp: listResp[grantResp]{}},
		{Method: "GET", Path: "/api/v1/me/notification-settings", Handler: a.getSettings, Auth: authResident, Tag: "消息推送", Summary: "接收哪些消息", Resp: settingsResp{}},
		{Method: "PUT", Path: "/api/v1/me/notification-settings", Handler: a.putSettings, Auth: authResident, Tag: "消息推送", Summary: "修改接收哪些消息", Body: settingsReq{}, Resp: settingsResp{}},
		{Method: "POST", Path: "/api/v1/tickets", Handler: a.submitTicket, Auth: authResident, Idempotent: true, Tag: "12345 热线与市长信箱", Summary: "提交诉求（市长信箱或网上 12345）", Body: ticketReq{}, Resp: ticketResp{}, Status: fiber.StatusCreated},
		{Method: "GET", Path: "/api/v1/me/tickets", Handler: a.myTickets, Auth: authResident, Tag: "12345 热线与市长信箱", Summary: "我的诉求", Resp: ticketListResp{}},
		{Method: "GET", Path: "/api/v1/me/tickets/:no", Handler: a.ticketDetail, Auth: authResident, Tag: "12345 热线与市长信箱", Summary: "我的诉求详情与进度", Resp: ticketDetailResp{}},
		{Method: "POST", Path: "/api/v1/me/tickets/:no/rating", Handler: a.rateTicket, Auth: authResident, Idempotent: true, Tag: "12345 热线与市长信箱", Summary: "评价答复（1–5 星；不满意可退回重办一次）", Body: rateReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/me/tickets/:no/info", Handler: a.provideInfo, Auth: authResident, Tag: "12345 热线与市长信箱", Summary: "补充承办单位要求的信息", Body: infoReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/me/tickets/:no/withdraw", Handler: a.ticketAction(ticket.ActWithdraw), Auth: authResident, Tag: "12345 热线与市长信箱", Summary: "撤回诉求", Body: actReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/uploads", Handler: a.upload, Auth: authAny, Tag: "12345 热线与市长信箱", Summary: "上传图片（JPEG/PNG/GIF，按内容校验）", Resp: uploadResp{}, Status: fiber.StatusCreated, BodyLimit: a.cfg.Tickets.UploadMaxBytes + 64<<10},
		{Method: "GET", Path: "/api/v1/uploads/:id", Handler: a.getUpload, Auth: authAny, Tag: "12345 热线与市长信箱", Summary: "查看图片（仅本人或有权查看该工单者）", Produces: "image/*"},
		{Method: "POST", Path: "/api/v1/ops/tickets", Handler: a.recordCall, Auth: authStaff, Roles: operators, Tag: "工单办理", Summary: "话务员登记来电", Body: callReq{}, Resp: ticketResp{}, Status: fiber.StatusCreated},
		{Method: "GET", Path: "/api/v1/ops/tickets", Handler: a.opsTickets, Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "工单队列（status、channel、kind、department_id、overdue、due_before、q）", Resp: ticketListResp{}},
		{Method: "GET", Path: "/api/v1/ops/tickets/:no", Handler: a.ticketDetail, Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "工单详情、流转记录与可执行操作", Resp: ticketDetailResp{}},
		{Method: "GET", Path: "/api/v1/ops/tickets/:no/duplicates", Handler: a.ticketDuplicates, Auth: authStaff, Roles: operators, Tag: "工单办理", Summary: "疑似重复诉求", Resp: duplicatesResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/accept", Handler: a.ticketAction(ticket.ActAccept), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "受理", Body: actReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/reject", Handler: a.ticketAction(ticket.ActReject), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "不予受理（须说明理由）", Body: actReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/answer", Handler: a.ticketAction(ticket.ActAnswer), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "直接答复咨询", Body: actReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/dispatch", Handler: a.ticketAction(ticket.ActDispatch), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "派单（主办、协办）", Body: actReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/sign", Handler: a.ticketAction(ticket.ActSign), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "签收", Body: actReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/return", Handler: a.ticketAction(ticket.ActReturn), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "退单（须说明理由）", Body: actReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/ask-info", Handler: a.ticketAction(ticket.ActAskInfo), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "请诉求人补充信息（计时暂停）", Body: actReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/request-extension", Handler: a.ticketAction(ticket.ActRequestExtension), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "申请延期（一次）", Body: actReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/approve-extension", Handler: a.ticketAction(ticket.ActApproveExtension), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "同意延期", Body: actReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/reply", Handler: a.ticketAction(ticket.ActReply), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "答复（送话务员审核）", Body: actReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/review-pass", Handler: a.ticketAction(ticket.ActReviewPass), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "审核通过，答复送达诉求人", Body: actReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/review-fail", Handler: a.ticketAction(ticket.ActReviewFail), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "审核退回承办单位", Body: actReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/merge", Handler: a.ticketAction(ticket.ActMerge), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "合并到重复诉求的主工单", Body: actReq{}, Resp: ticketResp{}},
		{Method: "GET", Path: "/api/v1/ops/tickets/:no/publication", Handler: a.publicationPreview, Auth: authStaff, Roles: operators, Tag: "办理结果公开", Summary: "公开前的自动脱敏预览（差异对照）", Resp: previewResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/publication", Handler: a.publishTicket, Auth: authStaff, Roles: operators, Tag: "办理结果公开", Summary: "公开办理结果（可修改脱敏文本；仅限同意公开的工单）", Body: publishReq{}, Resp: publicationResp{}},
		{Method: "GET", Path: "/api/v1/public/tickets", Handler: a.publicTickets, Tag: "办理结果公开", Summary: "已公开的办理结果（q、category、department_id）", Resp: publicListResp{}},
		{Method: "GET", Path: "/api/v1/public/tickets/:no", Handler: a.publicTicket, Tag: "办理结果公开", Summary: "某件已公开的办理结果", Resp: publicationResp{}},
		{Method: "GET", Path: "/api/v1/public/stats/tickets", Handler: a.ticketStats, Tag: "办理结果公开", Summary: "诉求统计：按类型、分类、部门，按时办结率与满意度（from、to）", Resp: statsResp{}},
		{Method: "GET", Path: "/api/v1/admin/calendar", Handler: a.getCalendar, Auth: authStaff, Roles: []account.Role{account.RoleAdmin}, Tag: "管理", Summary: "节假日与调休日历", Resp: calendarResp{}},
		{Method: "PUT", Path: "/api/v1/admin/calendar/:date", Handler: a.putCalendarDay, Auth: authStaff, Roles: []account.Role{account.RoleAdmin}, Tag: "管理", Summary: "设置某日放假或调休上班", Body: calendarDayReq{}, Resp: calendarResp{}},

		{Method: "GET", Path: "/api/v1/guide-categories", Handler: a.guideCategories, Tag: "办事指南", Summary: "事项分类（含已发布事项数）", Resp: listResp[categoryResp]{}},
		{Method: "GET", Path: "/api/v1/guides", Handler: a.listGuides, Tag: "办事指南", Summary: "已发布的办事指南：q 搜索（中文、拼音、简称）、category、audience、department_id 筛选", Resp: guideListResp{}},
		{Method: "GET", Path: "/api/v1/guides/:code", Handler: a.getGuide, Tag: "办事指南", Summary: "办事指南全文（最新发布版本）", Resp: guideResp{}},
		{Method: "GET", Path: "/api/v1/guides/:code/checklist", Handler: a.guideChecklist, Tag: "办事指南", Summary: "一次性告知单（JSON；format=html 为可打印页面）", Resp: checklistResp{}},
		{Method: "GET", Path: "/api/v1/admin/guides", Handler: a.adminListGuides, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "全部事项（含草稿、已下线）", Resp: editorListResp{}},
		{Method: "POST", Path: "/api/v1/admin/guides", Handler: a.createGuide, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "新建草稿", Body: guideContentReq{}, Resp: guide.Draft{}, Status: fiber.StatusCreated},
		{Method: "POST", Path: "/api/v1/admin/guides/import", Handler: a.importGuides, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "批量导入（JSON 数组或 CSV；publish、skip_invalid）", Resp: importResp{}, BodyLimit: a.cfg.HTTP.ImportBodyLimit},
		{Method: "GET", Path: "/api/v1/admin/guides/:code", Handler: a.getGuideDraft, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "草稿与状态", Resp: guide.Draft{}},
		{Method: "PUT", Path: "/api/v1/admin/guides/:code", Handler: a.updateGuide, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "保存草稿（If-Match: 修订号 防止覆盖他人修改）", Body: guideContentReq{}, Resp: guide.Draft{}},
		{Method: "GET", Path: "/api/v1/admin/guides/:code/preview", Handler: a.previewGuide, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "预览草稿（居民看到的样子）", Resp: guideResp{}},
		{Method: "POST", Path: "/api/v1/admin/guides/:code/publish", Handler: a.publishGuide, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "发布（生成不可修改的新版本）", Resp: guideResp{}},
		{Method: "POST", Path: "/api/v1/admin/guides/:code/retire", Handler: a.retireGuide, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "下线（保留历史版本）", Status: fiber.StatusNoContent},
		{Method: "GET", Path: "/api/v1/admin/guides/:code/versions", Handler: a.guideVersions, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "历史版本", Resp: versionsResp{}},
		{Method: "GET", Path: "/api/v1/admin/guides/:code/versions/:version", Handler: a.guideVersion, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "读取某一历史版本", Resp: guideResp{}},
	}
}

// mount registers the table on f, each route behind its auth, limit and
// idempotency middleware.
func (a *App) mount(f *fiber.App) {
	for _, r := range a.routes() {
		chain := []fiber.Handler{a.tagRoute(r.Path)}
		if r.Method == fiber.MethodPost || r.Method == fiber.MethodPut || r.Method == fiber.MethodPatch {
			limit := r.BodyLimit
			if limit == 0 {
				limit = a.cfg.HTTP.BodyLimit
			}
			chain = append(chain, limitBody(limit))
		}
		if r.Limit == "login" {
			chain = append(chain, a.limitIP("login", a.rules.login))
		}
		if r.Auth != authNone {
			chain = append(chain, a.requireAuth(r.Auth, r.Roles))
		}
		if r.Idempotent {
			chain = append(chain, a.idempotent)
		}
		chain = append(chain, r.Handler)
		f.Add(r.Method, r.Path, chain...)
	}
}

var errBodyTooLarge = fiberErrors[fiber.StatusRequestEntityTooLarge]

// limitBody refuses bodies above limit (the server itself accepts up to the
// largest limit of any route).
func limitBody(limit int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if len(c.Body()) > limit {
			return errBodyTooLarge
		}
		return c.Next()
	}
}

func (a *App) tagRoute(path string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Locals(localRoute, path)
		return c.Next()
	}
}
