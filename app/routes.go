package app

import (
	"github.com/gofiber/fiber/v2"

	"govapp/internal/account"
	"govapp/internal/booking"
	"govapp/internal/guide"
	"govapp/internal/policy"
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
	Limit      string // extra rule: "login" (per IP, before auth), "booking" (per IP and resident), "ticket" and "upload" (per IP)
	Tag        string
	Summary    string
	Body       any // request body type (for the document)
	Resp       any // 2xx response body type
	Status     int // success status (default 200)
	Produces   string
	BodyLimit  int     // bytes; 0 is http.body_limit_bytes
	Binary     bool    // the body is a file, not text (not checked by refuseBadText)
	Query      []param // query parameters the handler reads (others are refused on the API: see refusesUnknownQuery)
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
		{Method: "GET", Path: "/wechat/oa", Handler: wechatOA(a.oaServer), Tag: "公众号", Summary: "微信服务器地址验证：校验签名与时间戳后回显 echostr", Produces: "text/plain", Query: oaQuery},
		{Method: "POST", Path: "/wechat/oa", Handler: wechatOA(a.oaServer), Tag: "公众号", Summary: "公众号消息与事件推送：明文与安全模式、重试去重、5 秒内应答", Produces: "application/xml", Query: oaQuery},

		{Method: "POST", Path: "/api/v1/auth/wechat/login", Handler: a.wechatLogin, Limit: "login", Tag: "账号", Summary: "小程序登录（wx.login code）", Body: wechatLoginReq{}, Resp: loginResp{}},
		{Method: "POST", Path: "/api/v1/auth/dev/login", Handler: a.devLogin, Limit: "login", Tag: "账号", Summary: "开发登录（仅内嵌模式）", Body: devLoginReq{}, Resp: loginResp{}},
		{Method: "POST", Path: "/api/v1/auth/staff/login", Handler: a.staffLogin, Limit: "login", Tag: "账号", Summary: "工作人员登录", Body: staffLoginReq{}, Resp: loginResp{}},
		{Method: "POST", Path: "/api/v1/auth/logout", Handler: a.logout, Auth: authAny, Tag: "账号", Summary: "退出登录（注销令牌）", Status: fiber.StatusNoContent},
		{Method: "POST", Path: "/api/v1/auth/refresh", Handler: a.refresh, Auth: authAny, Limit: "login", Tag: "账号", Summary: "换发令牌（旧令牌在本实例随即失效、在其他实例于 auth.revocation_sync 内失效；新令牌重新计算有效期）", Resp: refreshResp{}},
		{Method: "GET", Path: "/api/v1/me", Handler: a.me, Auth: authAny, Tag: "账号", Summary: "当前登录的居民或工作人员", Resp: meResp{}},
		{Method: "POST", Path: "/api/v1/me/phone", Handler: a.bindPhone, Auth: authResident, Limit: "login", Tag: "账号", Summary: "绑定手机号（getPhoneNumber code）", Body: bindPhoneReq{}, Resp: meResp{}},

		{Method: "GET", Path: "/api/v1/departments", Handler: a.listDepartments, Tag: "账号", Summary: "部门树", Resp: listResp[departmentResp]{}},
		{Method: "GET", Path: "/api/v1/admin/audit-log", Handler: a.listAudit, Auth: authStaff, Roles: []account.Role{account.RoleAdmin}, Tag: "管理", Summary: "审计日志（新到旧）", Resp: listResp[auditResp]{}, Query: paged()},
		{Method: "POST", Path: "/api/v1/admin/staff", Handler: a.createStaff, Auth: authStaff, Roles: []account.Role{account.RoleAdmin}, Tag: "管理", Summary: "创建工作人员账号", Body: createStaffReq{}, Resp: meResp{}, Status: fiber.StatusCreated},
		{Method: "POST", Path: "/api/v1/me/subscribe-grants", Handler: a.addGrants, Auth: authResident, Tag: "消息推送", Summary: "登记小程序订阅消息授权（每次授权可发送一条）", Body: grantReq{}, Resp: grantResp{}},
		{Method: "GET", Path: "/api/v1/subscribe-templates", Handler: a.subscribeTemplates, Tag: "消息推送", Summary: "可订阅的消息：模板 ID（wx.requestSubscribeMessage 用）、所属通知开关、打开的页面和每条消息填写的关键词", Resp: listResp[subscribeTemplate]{}},
		{Method: "GET", Path: "/api/v1/me/subscribe-grants", Handler: a.listGrants, Auth: authResident, Tag: "消息推送", Summary: "剩余的订阅消息授权", Resp: listResp[grantResp]{}},
		{Method: "GET", Path: "/api/v1/me/notification-settings", Handler: a.getSettings, Auth: authResident, Tag: "消息推送", Summary: "接收哪些消息", Resp: settingsResp{}},
		{Method: "PUT", Path: "/api/v1/me/notification-settings", Handler: a.putSettings, Auth: authResident, Tag: "消息推送", Summary: "修改接收哪些消息", Body: settingsReq{}, Resp: settingsResp{}},
		{Method: "GET", Path: "/api/v1/ticket-categories", Handler: a.ticketCategories, Tag: "12345 热线与市长信箱", Summary: "提交诉求时可选的分类（category 填 name）和类型（kind 填 code）", Resp: ticketCategoriesResp{}},
		{Method: "POST", Path: "/api/v1/tickets", Handler: a.submitTicket, Auth: authResident, Limit: "ticket", Idempotent: true, Tag: "12345 热线与市长信箱", Summary: "提交诉求（市长信箱或网上 12345）", Body: ticketReq{}, Resp: ticketResp{}, Status: fiber.StatusCreated},
		{Method: "GET", Path: "/api/v1/me/tickets", Handler: a.myTickets, Auth: authResident, Tag: "12345 热线与市长信箱", Summary: "我的诉求", Resp: ticketListResp{}, Query: paged()},
		{Method: "GET", Path: "/api/v1/me/tickets/:no", Handler: a.ticketDetail, Auth: authResident, Tag: "12345 热线与市长信箱", Summary: "我的诉求详情与进度", Resp: ticketDetailResp{}},
		{Method: "POST", Path: "/api/v1/me/tickets/:no/rating", Handler: a.rateTicket, Auth: authResident, Idempotent: true, Tag: "12345 热线与市长信箱", Summary: "评价答复（1–5 星；不满意可退回重办一次）", Body: rateReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/me/tickets/:no/info", Handler: a.provideInfo, Auth: authResident, Tag: "12345 热线与市长信箱", Summary: "补充承办单位要求的信息", Body: infoReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/me/tickets/:no/withdraw", Handler: ticketAct[noteOptionalReq](a, ticket.ActWithdraw), Auth: authResident, Tag: "12345 热线与市长信箱", Summary: "撤回诉求", Body: noteOptionalReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/uploads", Handler: a.upload, Auth: authAny, Limit: "upload", Tag: "12345 热线与市长信箱", Summary: "上传图片（JPEG/PNG/GIF，按内容校验）", Resp: uploadResp{}, Status: fiber.StatusCreated, BodyLimit: a.cfg.Tickets.UploadMaxBytes + 64<<10, Binary: true},
		{Method: "GET", Path: "/api/v1/uploads/:id", Handler: a.getUpload, Auth: authAny, Tag: "12345 热线与市长信箱", Summary: "查看图片（仅本人或有权查看该工单者）", Produces: "image/*"},
		{Method: "POST", Path: "/api/v1/ops/tickets", Handler: a.recordCall, Auth: authStaff, Roles: operators, Tag: "工单办理", Summary: "话务员登记来电", Body: callReq{}, Resp: ticketResp{}, Status: fiber.StatusCreated},
		{Method: "GET", Path: "/api/v1/ops/tickets", Handler: a.opsTickets, Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "工单队列（status、channel、kind、department_id、overdue、due_before、q（含电话号码）、caller_phone（仅话务员）、sort=urgent|newest，默认最紧急在前）", Resp: ticketListResp{}, Query: paged(param{Name: "status", Enum: ticketStatusEnum, Desc: "工单状态"}, param{Name: "channel", Enum: ticketChanEnum, Desc: "渠道：hotline 热线，mailbox 市长信箱"}, param{Name: "kind", Enum: ticketKindEnum, Desc: "诉求类型"}, qDeptID, param{Name: "overdue", Type: "boolean", Desc: "只看已超期"}, param{Name: "due_before", Type: "date-time", Desc: "办理时限早于此时间（RFC 3339）"}, param{Name: "q", Desc: "搜索编号、标题、内容与电话号码（最多 64 字）"}, param{Name: "caller_phone", Desc: "来电人电话（仅话务员）"}, param{Name: "sort", Enum: ticketSortEnum, Desc: "urgent 最紧急在前（默认），newest 最新在前"})},
		{Method: "GET", Path: "/api/v1/ops/callers/:phone/tickets", Handler: a.callerTickets, Auth: authStaff, Roles: operators, Tag: "工单办理", Summary: "来电人的历史工单（按电话号码的加密摘要匹配联系电话与实名手机号）", Resp: ticketListResp{}, Query: paged()},
		{Method: "GET", Path: "/api/v1/ops/tickets/:no", Handler: a.ticketDetail, Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "工单详情、流转记录与可执行操作", Resp: ticketDetailResp{}},
		{Method: "GET", Path: "/api/v1/ops/tickets/:no/duplicates", Handler: a.ticketDuplicates, Auth: authStaff, Roles: operators, Tag: "工单办理", Summary: "疑似重复诉求", Resp: duplicatesResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/accept", Handler: ticketAct[noBodyReq](a, ticket.ActAccept), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "受理", Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/reject", Handler: ticketAct[noteReq](a, ticket.ActReject), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "不予受理（须说明理由）", Body: noteReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/answer", Handler: ticketAct[answerReq](a, ticket.ActAnswer), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "直接答复咨询", Body: answerReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/dispatch", Handler: ticketAct[dispatchReq](a, ticket.ActDispatch), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "派单（主办、协办）", Body: dispatchReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/sign", Handler: ticketAct[noBodyReq](a, ticket.ActSign), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "签收", Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/return", Handler: ticketAct[noteReq](a, ticket.ActReturn), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "退单（须说明理由）", Body: noteReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/ask-info", Handler: ticketAct[noteReq](a, ticket.ActAskInfo), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "请诉求人补充信息（计时暂停）", Body: noteReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/request-extension", Handler: ticketAct[extensionReq](a, ticket.ActRequestExtension), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "申请延期（一次）", Body: extensionReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/approve-extension", Handler: ticketAct[noBodyReq](a, ticket.ActApproveExtension), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "同意延期", Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/reply", Handler: ticketAct[replyReq](a, ticket.ActReply), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "答复（送话务员审核）", Body: replyReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/review-pass", Handler: ticketAct[reviewPassReq](a, ticket.ActReviewPass), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "审核通过，答复送达诉求人", Body: reviewPassReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/review-fail", Handler: ticketAct[noteReq](a, ticket.ActReviewFail), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "审核退回承办单位", Body: noteReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/merge", Handler: ticketAct[mergeReq](a, ticket.ActMerge), Auth: authStaff, Roles: ticketStaff, Tag: "工单办理", Summary: "合并到重复诉求的主工单", Body: mergeReq{}, Resp: ticketResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/callback", Handler: a.callbackTicket, Auth: authStaff, Roles: operators, Tag: "工单办理", Summary: "登记电话回访结果（来电工单：满意与否、是否解决，计入满意度；不满意退回重办一次）", Body: callbackReq{}, Resp: ticketResp{}},
		{Method: "GET", Path: "/api/v1/ops/tickets/:no/suggested-department", Handler: a.suggestDepartment, Auth: authStaff, Roles: operators, Tag: "工单办理", Summary: "建议的主办单位（同分类以往工单最常签收办理的单位）", Resp: suggestionResp{}},
		{Method: "GET", Path: "/api/v1/ops/tickets/:no/publication", Handler: a.publicationPreview, Auth: authStaff, Roles: operators, Tag: "办理结果公开", Summary: "公开前的自动脱敏预览（差异对照）", Resp: previewResp{}},
		{Method: "POST", Path: "/api/v1/ops/tickets/:no/publication", Handler: a.publishTicket, Auth: authStaff, Roles: operators, Tag: "办理结果公开", Summary: "公开办理结果（可修改脱敏文本，按所改文本公开并返回疑似个人信息的提醒；仅限同意公开的工单）", Body: publishReq{}, Resp: publishResp{}},
		{Method: "GET", Path: "/api/v1/public/tickets", Handler: a.publicTickets, Tag: "办理结果公开", Summary: "已公开的办理结果（q、category、department_id）", Resp: publicListResp{}, Query: paged(param{Name: "q", Desc: "搜索标题与答复"}, param{Name: "category", Desc: "诉求分类"}, qDeptID)},
		{Method: "GET", Path: "/api/v1/public/tickets/:no", Handler: a.publicTicket, Tag: "办理结果公开", Summary: "某件已公开的办理结果", Resp: publicationResp{}},
		{Method: "GET", Path: "/api/v1/public/stats/tickets", Handler: a.ticketStats, Tag: "办理结果公开", Summary: "诉求统计：按类型、分类、部门，按时办结率与满意度（from、to）", Resp: statsResp{}, Query: []param{{Name: "from", Type: "date", Desc: "起始日期（含；默认一个月前），也可为 RFC 3339 时间"}, {Name: "to", Type: "date", Desc: "截止日期（默认现在），也可为 RFC 3339 时间；跨度不超过三年"}}},
		{Method: "GET", Path: "/api/v1/admin/calendar", Handler: a.getCalendar, Auth: authStaff, Roles: []account.Role{account.RoleAdmin}, Tag: "管理", Summary: "节假日与调休日历", Resp: calendarResp{}, Query: []param{{Name: "year", Type: "integer", Desc: "只看某一年（2000–2100）"}}},
		{Method: "PUT", Path: "/api/v1/admin/calendar/:date", Handler: a.putCalendarDay, Auth: authStaff, Roles: []account.Role{account.RoleAdmin}, Tag: "管理", Summary: "设置某日放假或调休上班", Body: calendarDayReq{}, Resp: calendarResp{}},

		{Method: "GET", Path: "/api/v1/guide-categories", Handler: a.guideCategories, Tag: "办事指南", Summary: "事项分类（含已发布事项数）", Resp: listResp[categoryResp]{}},
		{Method: "GET", Path: "/api/v1/guides", Handler: a.listGuides, Tag: "办事指南", Summary: "已发布的办事指南：q 搜索（中文、拼音、简称）、category、audience、department_id 筛选", Resp: guideListResp{}, Query: paged(param{Name: "q", Desc: "搜索事项名称（中文、拼音、简称）"}, param{Name: "category", Desc: "事项分类编码"}, param{Name: "audience", Enum: []string{"personal", "legal"}, Desc: "服务对象：personal 个人，legal 法人"}, qDeptID)},
		{Method: "GET", Path: "/api/v1/guides/:code", Handler: a.getGuide, Tag: "办事指南", Summary: "办事指南全文（最新发布版本）", Resp: guideResp{}},
		{Method: "GET", Path: "/api/v1/guides/:code/checklist", Handler: a.guideChecklist, Tag: "办事指南", Summary: "一次性告知单（JSON；format=html 为可打印页面）", Resp: checklistResp{}, Query: []param{qFormat}},
		{Method: "GET", Path: "/api/v1/admin/guides", Handler: a.adminListGuides, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "全部事项（含草稿、已下线）", Resp: editorListResp{}, Query: paged(param{Name: "status", Enum: []string{"draft", "published", "retired"}, Desc: "状态"})},
		{Method: "POST", Path: "/api/v1/admin/guides", Handler: a.createGuide, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "新建草稿", Body: guideContentReq{}, Resp: guide.Draft{}, Status: fiber.StatusCreated},
		{Method: "POST", Path: "/api/v1/admin/guides/import", Handler: a.importGuides, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "批量导入（JSON 数组或 CSV；publish、skip_invalid）", Resp: importResp{}, BodyLimit: a.cfg.HTTP.ImportBodyLimit, Query: []param{{Name: "publish", Type: "boolean", Desc: "导入后直接发布"}, {Name: "skip_invalid", Type: "boolean", Desc: "跳过有误的行，导入其余"}}},
		{Method: "GET", Path: "/api/v1/admin/guides/:code", Handler: a.getGuideDraft, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "草稿与状态", Resp: guide.Draft{}},
		{Method: "PUT", Path: "/api/v1/admin/guides/:code", Handler: a.updateGuide, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "保存草稿（If-Match: 修订号 防止覆盖他人修改）", Body: guideContentReq{}, Resp: guide.Draft{}},
		{Method: "GET", Path: "/api/v1/admin/guides/:code/preview", Handler: a.previewGuide, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "预览草稿（居民看到的样子）", Resp: guideResp{}},
		{Method: "POST", Path: "/api/v1/admin/guides/:code/publish", Handler: a.publishGuide, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "发布（生成不可修改的新版本）", Resp: guideResp{}},
		{Method: "POST", Path: "/api/v1/admin/guides/:code/retire", Handler: a.retireGuide, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "下线（保留历史版本）", Status: fiber.StatusNoContent},
		{Method: "GET", Path: "/api/v1/admin/guides/:code/versions", Handler: a.guideVersions, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "历史版本", Resp: versionsResp{}},
		{Method: "GET", Path: "/api/v1/admin/guides/:code/versions/:version", Handler: a.guideVersion, Auth: authStaff, Roles: editors, Tag: "办事指南管理", Summary: "读取某一历史版本", Resp: guideResp{}},

		{Method: "GET", Path: "/api/v1/halls", Handler: a.listHalls, Tag: "预约办事", Summary: "服务大厅：今日开放时间；给出 lat、lng 时按距离排序；给出 guide_code 时只列可预约该事项的大厅", Resp: hallListResp{}, Query: []param{{Name: "lat", Type: "number", Desc: "纬度（与 lng 同时给出时按距离排序）"}, {Name: "lng", Type: "number", Desc: "经度"}, {Name: "guide_code", Desc: "只列可预约该事项的大厅"}}},
		{Method: "GET", Path: "/api/v1/halls/:id", Handler: a.getHall, Tag: "预约办事", Summary: "大厅详情：开放时间、窗口与可预约事项", Resp: hallResp{}},
		{Method: "GET", Path: "/api/v1/halls/:id/slots", Handler: a.hallSlots, Tag: "预约办事", Summary: "某事项某日的可预约时段与余量（guide_code、date）：每个时间一条，余量为各窗口之和，预约时自动分配有空位的窗口", Resp: slotsResp{}, Query: []param{{Name: "guide_code", Desc: "事项编码", Required: true}, {Name: "date", Type: "date", Desc: "日期", Required: true}}},
		{Method: "POST", Path: "/api/v1/appointments", Handler: a.book, Auth: authResident, Limit: "booking", Idempotent: true, Tag: "预约办事", Summary: "预约（须绑定手机号；同一事项一个、合计三个有效预约）", Body: bookReq{}, Resp: appointmentResp{}, Status: fiber.StatusCreated},
		{Method: "GET", Path: "/api/v1/me/appointments", Handler: a.myAppointments, Auth: authResident, Tag: "预约办事", Summary: "我的预约", Resp: appointmentListResp{}, Query: paged()},
		{Method: "GET", Path: "/api/v1/me/appointments/:id", Handler: a.myAppointment, Auth: authResident, Tag: "预约办事", Summary: "我的一个预约（订阅消息的落地页）：预约码、状态、排队号与叫号窗口", Resp: appointmentResp{}},
		{Method: "POST", Path: "/api/v1/me/appointments/:id/cancel", Handler: a.cancelAppointment, Auth: authResident, Limit: "booking", Tag: "预约办事", Summary: "取消预约（开始前 1 小时截止）", Resp: appointmentResp{}},
		{Method: "POST", Path: "/api/v1/me/appointments/:id/reschedule", Handler: a.rescheduleAppointment, Auth: authResident, Limit: "booking", Tag: "预约办事", Summary: "改约到另一时段（新时段约到才释放原时段）", Body: rescheduleReq{}, Resp: appointmentResp{}},
		{Method: "POST", Path: "/api/v1/admin/halls", Handler: a.saveHall, Auth: authStaff, Roles: admins, Tag: "大厅管理", Summary: "新建服务大厅", Body: hallReq{}, Resp: hallResp{}, Status: fiber.StatusCreated},
		{Method: "PUT", Path: "/api/v1/admin/halls/:id", Handler: a.saveHall, Auth: authStaff, Roles: admins, Tag: "大厅管理", Summary: "修改大厅信息与开放时间", Body: hallReq{}, Resp: hallResp{}},
		{Method: "POST", Path: "/api/v1/admin/halls/:id/windows", Handler: a.addWindow, Auth: authStaff, Roles: admins, Tag: "大厅管理", Summary: "新增窗口（综合窗口或专窗）", Body: windowReq{}, Resp: windowResp{}, Status: fiber.StatusCreated},
		{Method: "PUT", Path: "/api/v1/admin/halls/:id/guides", Handler: a.setHallGuides, Auth: authStaff, Roles: admins, Tag: "大厅管理", Summary: "设置大厅可预约的事项及办理窗口", Body: hallGuidesReq{}, Resp: hallGuidesResp{}},
		{Method: "GET", Path: "/api/v1/admin/halls/:id/schedules", Handler: a.listSchedules, Auth: authStaff, Roles: admins, Tag: "大厅管理", Summary: "排班", Resp: listResp[scheduleResp]{}},
		{Method: "POST", Path: "/api/v1/admin/halls/:id/schedules", Handler: a.addSchedule, Auth: authStaff, Roles: admins, Tag: "大厅管理", Summary: "新增排班（时段长度、每段名额、哪些天）", Body: scheduleReq{}, Resp: scheduleResp{}, Status: fiber.StatusCreated},
		{Method: "DELETE", Path: "/api/v1/admin/halls/:id/schedules/:sid", Handler: a.removeSchedule, Auth: authStaff, Roles: admins, Tag: "大厅管理", Summary: "停用排班（已有预约的时段保留）", Status: fiber.StatusNoContent},
		{Method: "GET", Path: "/api/v1/admin/halls/:id/closures", Handler: a.listClosures, Auth: authStaff, Roles: admins, Tag: "大厅管理", Summary: "闭厅安排", Resp: listResp[closureResp]{}},
		{Method: "POST", Path: "/api/v1/admin/halls/:id/closures", Handler: a.closeHall, Auth: authStaff, Roles: admins, Tag: "大厅管理", Summary: "闭厅或关闭窗口一天：已有预约由大厅取消并通知（不计爽约）", Body: closureReq{}, Resp: closureResp{}, Status: fiber.StatusCreated},
		{Method: "POST", Path: "/api/v1/ops/halls/:id/checkin", Handler: a.checkIn, Auth: authStaff, Roles: clerks, Tag: "大厅叫号", Summary: "凭预约码签到，取排队号", Body: checkinReq{}, Resp: queueTicketResp{}, Status: fiber.StatusCreated},
		{Method: "POST", Path: "/api/v1/ops/halls/:id/walk-ins", Handler: a.walkIn, Auth: authStaff, Roles: clerks, Tag: "大厅叫号", Summary: "现场取号", Body: walkInReq{}, Resp: queueTicketResp{}, Status: fiber.StatusCreated},
		{Method: "POST", Path: "/api/v1/ops/halls/:id/call-next", Handler: a.queueAction((*booking.Service).CallNext), Auth: authStaff, Roles: clerks, Tag: "大厅叫号", Summary: "叫下一个号到本窗口", Body: windowActionReq{}, Resp: queueTicketResp{}},
		{Method: "POST", Path: "/api/v1/ops/halls/:id/recall", Handler: a.queueAction((*booking.Service).Recall), Auth: authStaff, Roles: clerks, Tag: "大厅叫号", Summary: "重呼当前号（最多三次）", Body: windowActionReq{}, Resp: queueTicketResp{}},
		{Method: "POST", Path: "/api/v1/ops/halls/:id/complete", Handler: a.queueAction((*booking.Service).Complete), Auth: authStaff, Roles: clerks, Tag: "大厅叫号", Summary: "当前号办结", Body: windowActionReq{}, Resp: queueTicketResp{}},
		{Method: "POST", Path: "/api/v1/ops/halls/:id/absent", Handler: a.queueAction((*booking.Service).Absent), Auth: authStaff, Roles: clerks, Tag: "大厅叫号", Summary: "叫号三次未到，标记过号", Body: windowActionReq{}, Resp: queueTicketResp{}},
		{Method: "GET", Path: "/api/v1/ops/halls/:id/queue", Handler: a.hallQueue, Auth: authStaff, Roles: clerks, Tag: "大厅叫号", Summary: "大厅当日实时队列：待到、等候、在办、平均等候时间", Resp: queueResp{}},

		{Method: "GET", Path: "/api/v1/topics", Handler: a.listTopics, Tag: "政策发布", Summary: "政策主题（含已发布政策数）", Resp: listResp[topicResp]{}},
		{Method: "GET", Path: "/api/v1/policies", Handler: a.listPolicies, Tag: "政策发布", Summary: "已发布的政策：q 搜索标题、文号与正文，topic 按主题筛选", Resp: policyListResp{}, Query: paged(param{Name: "q", Desc: "搜索标题、文号与正文"}, param{Name: "topic", Desc: "主题编码"})},
		{Method: "GET", Path: "/api/v1/policies/:id", Handler: a.getPolicy, Tag: "政策发布", Summary: "政策全文、解读与相关办事指南（已撤回的只显示撤回原因）", Resp: policyResp{}},
		{Method: "GET", Path: "/api/v1/me/subscriptions", Handler: a.getSubscriptions, Auth: authResident, Tag: "政策发布", Summary: "我订阅的政策主题", Resp: subscriptionsResp{}},
		{Method: "PUT", Path: "/api/v1/me/subscriptions", Handler: a.putSubscriptions, Auth: authResident, Tag: "政策发布", Summary: "设置订阅的政策主题（整体替换；空数组退订全部）", Body: subscriptionsReq{}, Resp: subscriptionsResp{}},
		{Method: "GET", Path: "/p/:id", Handler: a.policyPage, Tag: "政策发布", Summary: "政策与解读的分享页面（移动端 HTML）", Produces: "text/html"},
		{Method: "GET", Path: "/api/v1/admin/policies", Handler: a.adminListPolicies, Auth: authStaff, Roles: editors, Tag: "政策管理", Summary: "全部政策（含草稿、已撤回；status 筛选）", Resp: policyEditorListResp{}, Query: paged(param{Name: "status", Enum: []string{"draft", "published", "withdrawn"}, Desc: "状态"})},
		{Method: "POST", Path: "/api/v1/admin/policies", Handler: a.createPolicy, Auth: authStaff, Roles: editors, Tag: "政策管理", Summary: "新建政策草稿（正文 HTML 入库前清洗）", Body: policyContentReq{}, Resp: policy.Draft{}, Status: fiber.StatusCreated},
		{Method: "GET", Path: "/api/v1/admin/policies/:id", Handler: a.getPolicyDraft, Auth: authStaff, Roles: editors, Tag: "政策管理", Summary: "草稿与状态", Resp: policy.Draft{}},
		{Method: "PUT", Path: "/api/v1/admin/policies/:id", Handler: a.updatePolicy, Auth: authStaff, Roles: editors, Tag: "政策管理", Summary: "保存草稿（If-Match: 修订号 防止覆盖他人修改）", Body: policyContentReq{}, Resp: policy.Draft{}},
		{Method: "GET", Path: "/api/v1/admin/policies/:id/preview", Handler: a.previewPolicy, Auth: authStaff, Roles: editors, Tag: "政策管理", Summary: "预览草稿（format=html 为分享页面样式）", Resp: policyResp{}, Query: []param{qFormat}},
		{Method: "POST", Path: "/api/v1/admin/policies/:id/publish", Handler: a.publishPolicy, Auth: authStaff, Roles: editors, Tag: "政策管理", Summary: "发布并推送给订阅其主题的居民（重大政策须附解读）", Resp: policyResp{}},
		{Method: "POST", Path: "/api/v1/admin/policies/:id/correct", Handler: a.correctPolicy, Auth: authStaff, Roles: editors, Tag: "政策管理", Summary: "更正：发布修改后的草稿为新版本（notify 为 true 时再次推送）", Body: correctReq{}, Resp: policyResp{}},
		{Method: "POST", Path: "/api/v1/admin/policies/:id/withdraw", Handler: a.withdrawPolicy, Auth: authStaff, Roles: editors, Tag: "政策管理", Summary: "撤回（须说明原因，居民可见）", Body: withdrawReq{}, Resp: policyResp{}},
		{Method: "GET", Path: "/api/v1/admin/policies/:id/versions", Handler: a.policyVersions, Auth: authStaff, Roles: editors, Tag: "政策管理", Summary: "历史版本与更正说明", Resp: policyVersionsResp{}},
		{Method: "GET", Path: "/api/v1/admin/policies/:id/deliveries", Handler: a.policyDeliveries, Auth: authStaff, Roles: editors, Tag: "政策管理", Summary: "推送进度：按结果统计、速率与失败的错误码（推送中实时）", Resp: deliveriesResp{}},

		// The staff console (app/console): pages behind a cookie session; every POST carries the session's CSRF token.
		{Method: "GET", Path: "/console", Handler: a.con.Auth(nil, a.con.Home), Tag: "控制台", Summary: "工作台首页：按角色进入第一个页面", Produces: "text/html"},
		{Method: "GET", Path: "/console/login", Handler: a.con.LoginPage, Tag: "控制台", Summary: "工作人员登录页", Produces: "text/html", Query: []param{{Name: "next", Desc: "登录后回到的页面（仅限本站控制台路径）"}}},
		{Method: "POST", Path: "/console/login", Handler: a.con.Login, Limit: "login", Tag: "控制台", Summary: "登录（表单；会话令牌写入 HttpOnly Cookie）", Produces: "text/html"},
		{Method: "POST", Path: "/console/logout", Handler: a.con.Auth(nil, a.con.Logout), Tag: "控制台", Summary: "退出登录（注销会话）", Produces: "text/html"},
		{Method: "GET", Path: "/console/assets/:name", Handler: a.con.Asset, Tag: "控制台", Summary: "控制台样式表与脚本", Produces: "text/css"},
		{Method: "GET", Path: "/console/tickets", Handler: a.con.Auth(ticketStaff, a.con.Queue), Tag: "控制台", Summary: "工单队列：筛选、办理时限倒计时（超期标红）；承办单位只见本单位", Produces: "text/html", Query: []param{{Name: "status", Enum: ticketStatusEnum, Desc: "工单状态"}, {Name: "channel", Enum: ticketChanEnum, Desc: "渠道"}, {Name: "kind", Enum: ticketKindEnum, Desc: "诉求类型"}, {Name: "q", Desc: "搜索"}, {Name: "overdue", Desc: "非空时只看已超期"}, {Name: "sort", Enum: ticketSortEnum, Desc: "排序"}, qCursor}},
		{Method: "GET", Path: "/console/tickets/new", Handler: a.con.Auth(operators, a.con.NewCall), Tag: "控制台", Summary: "登记来电表单", Produces: "text/html", Query: []param{{Name: "phone", Desc: "来电号码（预填并显示历史工单）"}}},
		{Method: "GET", Path: "/console/tickets/new/history", Handler: a.con.Auth(operators, a.con.CallerHistory), Tag: "控制台", Summary: "登记来电：来电人的历史工单（页面片段）", Produces: "text/html", Query: []param{{Name: "phone", Desc: "来电号码"}}},
		{Method: "POST", Path: "/console/tickets", Handler: a.con.Auth(operators, a.con.RecordCall), Tag: "控制台", Summary: "登记来电为热线工单", Produces: "text/html"},
		{Method: "GET", Path: "/console/tickets/:no", Handler: a.con.Auth(ticketStaff, a.con.Ticket), Tag: "控制台", Summary: "工单详情：办理过程、当前可执行的操作、疑似重复诉求", Produces: "text/html"},
		{Method: "POST", Path: "/console/tickets/:no/actions/:action", Handler: a.con.Auth(ticketStaff, a.con.Act), Tag: "控制台", Summary: "办理操作（受理、派单、签收、答复、退单、延期、审核、合并…）", Produces: "text/html"},
		{Method: "GET", Path: "/console/tickets/:no/publication", Handler: a.con.Auth(operators, a.con.Publication), Tag: "控制台", Summary: "公开前的脱敏对照", Produces: "text/html"},
		{Method: "POST", Path: "/console/tickets/:no/publication", Handler: a.con.Auth(operators, a.con.Publish), Tag: "控制台", Summary: "公开办理结果", Produces: "text/html"},
		{Method: "GET", Path: "/console/stats", Handler: a.con.Auth(operators, a.con.Stats), Tag: "控制台", Summary: "按承办单位的诉求统计", Produces: "text/html", Query: []param{{Name: "from", Type: "date", Desc: "起始日期"}, {Name: "to", Type: "date", Desc: "截止日期"}}},
		{Method: "GET", Path: "/console/hall", Handler: a.con.Auth(clerks, a.con.Hall), Tag: "控制台", Summary: "今日大厅：签到、取号、各窗口叫号、等候队列（自动刷新）；hall（管理员选大厅）、window（“我的窗口”，0 为全部窗口）", Produces: "text/html", Query: []param{{Name: "hall", Type: "integer", Desc: "大厅编号（管理员选择）"}, {Name: "window", Type: "integer", Desc: "我的窗口（0 为全部窗口）"}}},
		{Method: "GET", Path: "/display/halls/:id", Handler: a.con.CallingDisplay, Tag: "控制台", Summary: "大厅叫号屏（公开、无需登录、自动刷新；只显示排队号码与窗口名称）", Produces: "text/html"},
		{Method: "POST", Path: "/console/hall/checkin", Handler: a.con.Auth(clerks, a.con.CheckIn), Tag: "控制台", Summary: "凭预约码签到取号", Produces: "text/html"},
		{Method: "POST", Path: "/console/hall/walk-ins", Handler: a.con.Auth(clerks, a.con.WalkIn), Tag: "控制台", Summary: "现场取号", Produces: "text/html"},
		{Method: "POST", Path: "/console/hall/queue/:action", Handler: a.con.Auth(clerks, a.con.QueueAction), Tag: "控制台", Summary: "叫下一号、重呼、办结、过号", Produces: "text/html"},
		{Method: "GET", Path: "/console/guides", Handler: a.con.Auth(editors, a.con.Guides), Tag: "控制台", Summary: "办事指南列表（含草稿、已下线）", Produces: "text/html", Query: []param{{Name: "status", Enum: []string{"draft", "published", "retired"}, Desc: "状态"}, {Name: "after", Desc: "翻页：上一页最后一个事项编码"}}},
		{Method: "GET", Path: "/console/guides/new", Handler: a.con.Auth(editors, a.con.NewGuide), Tag: "控制台", Summary: "新建办事指南表单", Produces: "text/html"},
		{Method: "POST", Path: "/console/guides", Handler: a.con.Auth(editors, a.con.CreateGuide), Tag: "控制台", Summary: "保存新的办事指南草稿", Produces: "text/html"},
		{Method: "GET", Path: "/console/guides/:code", Handler: a.con.Auth(editors, a.con.Guide), Tag: "控制台", Summary: "编辑办事指南草稿、历史版本", Produces: "text/html"},
		{Method: "POST", Path: "/console/guides/:code", Handler: a.con.Auth(editors, a.con.SaveGuide), Tag: "控制台", Summary: "保存办事指南草稿", Produces: "text/html"},
		{Method: "GET", Path: "/console/guides/:code/preview", Handler: a.con.Auth(editors, a.con.GuidePreview), Tag: "控制台", Summary: "预览草稿（居民看到的样子）", Produces: "text/html"},
		{Method: "POST", Path: "/console/guides/:code/publish", Handler: a.con.Auth(editors, a.con.PublishGuide), Tag: "控制台", Summary: "发布办事指南新版本", Produces: "text/html"},
		{Method: "GET", Path: "/console/guides/:code/versions/:version", Handler: a.con.Auth(editors, a.con.GuideVersion), Tag: "控制台", Summary: "查看办事指南某一历史版本", Produces: "text/html"},
		{Method: "GET", Path: "/console/policies", Handler: a.con.Auth(editors, a.con.Policies), Tag: "控制台", Summary: "政策列表（含草稿、已撤回）", Produces: "text/html", Query: []param{{Name: "status", Enum: []string{"draft", "published", "withdrawn"}, Desc: "状态"}, {Name: "before", Type: "integer", Desc: "翻页：上一页最后一条的编号"}}},
		{Method: "GET", Path: "/console/policies/new", Handler: a.con.Auth(editors, a.con.NewPolicy), Tag: "控制台", Summary: "新建政策表单", Produces: "text/html"},
		{Method: "POST", Path: "/console/policies", Handler: a.con.Auth(editors, a.con.CreatePolicy), Tag: "控制台", Summary: "保存新的政策草稿", Produces: "text/html"},
		{Method: "GET", Path: "/console/policies/:id", Handler: a.con.Auth(editors, a.con.Policy), Tag: "控制台", Summary: "编辑政策草稿、发布、更正、撤回、历史版本", Produces: "text/html"},
		{Method: "POST", Path: "/console/policies/:id", Handler: a.con.Auth(editors, a.con.SavePolicy), Tag: "控制台", Summary: "保存政策草稿", Produces: "text/html"},
		{Method: "GET", Path: "/console/policies/:id/preview", Handler: a.con.Auth(editors, a.con.PolicyPreview), Tag: "控制台", Summary: "预览政策草稿（居民看到的页面）", Produces: "text/html"},
		{Method: "POST", Path: "/console/policies/:id/publish", Handler: a.con.Auth(editors, a.con.PublishPolicy), Tag: "控制台", Summary: "发布政策并推送", Produces: "text/html"},
		{Method: "POST", Path: "/console/policies/:id/correct", Handler: a.con.Auth(editors, a.con.CorrectPolicy), Tag: "控制台", Summary: "发布政策更正", Produces: "text/html"},
		{Method: "POST", Path: "/console/policies/:id/withdraw", Handler: a.con.Auth(editors, a.con.WithdrawPolicy), Tag: "控制台", Summary: "撤回政策", Produces: "text/html"},
		{Method: "GET", Path: "/console/policies/:id/deliveries", Handler: a.con.Auth(editors, a.con.Deliveries), Tag: "控制台", Summary: "政策推送进度（推送中自动刷新）", Produces: "text/html"},
		{Method: "GET", Path: "/console/audit", Handler: a.con.Auth(admins, a.con.AuditLog), Tag: "控制台", Summary: "审计日志：按操作人、操作类型、日期筛选（actor、action、from、to、before）", Produces: "text/html", Query: []param{{Name: "actor", Desc: "操作人"}, {Name: "action", Desc: "操作类型"}, {Name: "from", Type: "date", Desc: "起始日期"}, {Name: "to", Type: "date", Desc: "截止日期"}, {Name: "before", Type: "integer", Desc: "翻页：上一页最后一条的编号"}}},
		{Method: "GET", Path: "/console/staff", Handler: a.con.Auth(admins, a.con.Staff), Tag: "控制台", Summary: "工作人员账号", Produces: "text/html"},
		{Method: "POST", Path: "/console/staff", Handler: a.con.Auth(admins, a.con.CreateStaff), Tag: "控制台", Summary: "创建工作人员账号", Produces: "text/html"},
		{Method: "POST", Path: "/console/staff/:id", Handler: a.con.Auth(admins, a.con.UpdateStaff), Tag: "控制台", Summary: "修改角色、部门、大厅或停用账号", Produces: "text/html"},
		{Method: "POST", Path: "/console/staff/:id/password", Handler: a.con.Auth(admins, a.con.ResetPassword), Tag: "控制台", Summary: "重置工作人员密码", Produces: "text/html"},
		{Method: "GET", Path: "/console/departments", Handler: a.con.Auth(admins, a.con.Departments), Tag: "控制台", Summary: "部门树", Produces: "text/html"},
		{Method: "POST", Path: "/console/departments", Handler: a.con.Auth(admins, a.con.CreateDepartment), Tag: "控制台", Summary: "添加部门", Produces: "text/html"},
		{Method: "GET", Path: "/console/calendar", Handler: a.con.Auth(admins, a.con.Calendar), Tag: "控制台", Summary: "节假日与调休日历", Produces: "text/html", Query: []param{{Name: "year", Type: "integer", Desc: "年份"}}},
		{Method: "POST", Path: "/console/calendar", Handler: a.con.Auth(admins, a.con.SetCalendarDay), Tag: "控制台", Summary: "设置某日放假或调休上班", Produces: "text/html"},
		{Method: "GET", Path: "/console/halls", Handler: a.con.Auth(admins, a.con.HallsAdmin), Tag: "控制台", Summary: "服务大厅列表", Produces: "text/html"},
		{Method: "POST", Path: "/console/halls", Handler: a.con.Auth(admins, a.con.SaveHall), Tag: "控制台", Summary: "新建服务大厅", Produces: "text/html"},
		{Method: "GET", Path: "/console/halls/:id", Handler: a.con.Auth(admins, a.con.HallAdmin), Tag: "控制台", Summary: "大厅的窗口、可预约事项、排班与闭厅", Produces: "text/html"},
		{Method: "POST", Path: "/console/halls/:id", Handler: a.con.Auth(admins, a.con.SaveHall), Tag: "控制台", Summary: "修改大厅信息与开放时间", Produces: "text/html"},
		{Method: "POST", Path: "/console/halls/:id/windows", Handler: a.con.Auth(admins, a.con.AddWindow), Tag: "控制台", Summary: "新增窗口", Produces: "text/html"},
		{Method: "POST", Path: "/console/halls/:id/guides", Handler: a.con.Auth(admins, a.con.SetHallGuides), Tag: "控制台", Summary: "设置可预约事项", Produces: "text/html"},
		{Method: "POST", Path: "/console/halls/:id/schedules", Handler: a.con.Auth(admins, a.con.AddSchedule), Tag: "控制台", Summary: "新增排班", Produces: "text/html"},
		{Method: "POST", Path: "/console/halls/:id/schedules/:sid/delete", Handler: a.con.Auth(admins, a.con.RemoveSchedule), Tag: "控制台", Summary: "停用排班", Produces: "text/html"},
		{Method: "POST", Path: "/console/halls/:id/closures", Handler: a.con.Auth(admins, a.con.CloseHall), Tag: "控制台", Summary: "闭厅或关闭窗口一天", Produces: "text/html"},
	}
}

// mount registers the table on f, each route behind its auth, limit and
// idempotency middleware.
func (a *App) mount(f *fiber.App, routes []route) {
	for _, r := range routes {
		chain := []fiber.Handler{a.tagRoute(r.Path)}
		if acceptsBody(r.Method) {
			limit := r.BodyLimit
			if limit == 0 {
				limit = a.cfg.HTTP.BodyLimit
			}
			chain = append(chain, limitBody(limit), refuseBadText(r.Binary))
		} else {
			chain = append(chain, refuseBody, refuseBadText(false))
		}
		if refusesUnknownQuery(r) {
			chain = append(chain, refuseUnknownQuery(r.Query))
		}
		if r.Limit == "login" {
			chain = append(chain, a.limitIP("login", a.rules.login))
		}
		if r.Auth != authNone {
			chain = append(chain, a.requireAuth(r.Auth, r.Roles))
		}
		if r.Limit == "booking" {
			chain = append(chain, a.limitBooking)
		}
		if r.Limit == "ticket" || r.Limit == "upload" {
			chain = append(chain, a.limitTicketIP(r.Limit))
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
		if len(c.Request().Body()) > limit {
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
