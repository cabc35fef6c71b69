package app

import (
	"github.com/gofiber/fiber/v2"

	"govapp/internal/ticket"
)

// One request body per ticket action (SPEC §5), each with only the fields
// that action reads, so that the OpenAPI document tells a client exactly
// what to send and a field meant for another action is refused by name
// (400, like any unknown field) instead of being silently ignored. The
// domain still validates the content (lengths, ranges) in ticket.Act.
//
// Tags read by the OpenAPI generator: desc (the field's description),
// example, and required:"true" for a pointer the action needs.

// actionBody converts an action's request to the domain's input.
type actionBody interface{ input() ticket.ActInput }

// noteOptional: accept, sign, approve-extension, withdraw — nothing is
// needed; a note is kept on the timeline where the action writes one.
type noteOptionalReq struct {
	Note string `json:"note,omitempty" desc:"说明（可不填）" example:"已电话联系诉求人"`
}

func (r noteOptionalReq) input() ticket.ActInput { return ticket.ActInput{Note: r.Note} }

// noBodyReq: the action reads nothing.
type noBodyReq struct{}

func (noBodyReq) input() ticket.ActInput { return ticket.ActInput{} }

// noteReq: reject, return, ask-info, review-fail — a reason or question (2–1000 字).
type noteReq struct {
	Note string `json:"note" desc:"理由、问题或审核意见（2–1000 字）" example:"请补充具体楼栋号和停运时间"`
}

func (r noteReq) input() ticket.ActInput { return ticket.ActInput{Note: r.Note} }

type answerReq struct {
	Reply string `json:"reply" desc:"直接答复诉求人的内容（5–5000 字）" example:"您咨询的居住证办理，可携带身份证到社区服务中心办理，当场出证。"`
}

func (r answerReq) input() ticket.ActInput { return ticket.ActInput{Reply: r.Reply} }

type dispatchReq struct {
	DepartmentID  int64   `json:"department_id" desc:"主办单位 ID（GET /api/v1/departments）" example:"12"`
	CoDepartments []int64 `json:"co_departments,omitempty" desc:"协办单位 ID" example:"[15]"`
	Note          string  `json:"note,omitempty" desc:"派单意见：承办单位可见，诉求人不可见" example:"请于三日内现场核实并答复"`
	InternalNote  string  `json:"internal_note,omitempty" desc:"内部备注：仅工作人员可见" example:"同一小区本月第三次反映"`
}

func (r dispatchReq) input() ticket.ActInput {
	return ticket.ActInput{DepartmentID: r.DepartmentID, CoDepartments: r.CoDepartments, Note: r.Note, InternalNote: r.InternalNote}
}

type extensionReq struct {
	Days int    `json:"days" desc:"延期的工作日数（1 至 tickets.max_extension_days）" example:"5"`
	Note string `json:"note" desc:"延期理由（2–1000 字）" example:"需协调供电公司更换变压器"`
}

func (r extensionReq) input() ticket.ActInput { return ticket.ActInput{Days: r.Days, Note: r.Note} }

type replyReq struct {
	Reply        string `json:"reply" desc:"给诉求人的答复（5–5000 字），经话务员审核后送达" example:"已责令物业于三日内修复电梯，并安排专人回访。"`
	InternalNote string `json:"internal_note,omitempty" desc:"给审核话务员的说明，诉求人不可见" example:"物业负责人电话已留存"`
}

func (r replyReq) input() ticket.ActInput {
	return ticket.ActInput{Reply: r.Reply, InternalNote: r.InternalNote}
}

type reviewPassReq struct {
	Reply string `json:"reply,omitempty" desc:"审核时修改后的答复（不填则按原答复送达；原答复留在工作人员时间线）" example:"已责令物业于三日内修复电梯。"`
}

func (r reviewPassReq) input() ticket.ActInput { return ticket.ActInput{Reply: r.Reply} }

type mergeReq struct {
	Parent string `json:"parent" desc:"并入的主工单编号" example:"MB2026120300001"`
}

func (r mergeReq) input() ticket.ActInput { return ticket.ActInput{ParentNo: r.Parent} }

// ticketAct handles an action whose request body is B; an empty body is an
// empty B (the domain then names the missing fields).
func ticketAct[B actionBody](a *App, act ticket.Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req B
		if len(c.Body()) > 0 {
			if err := bind(c, &req); err != nil {
				return err
			}
		}
		t, err := a.tickets.Act(c.UserContext(), principal(c), c.Params("no"), act, req.input())
		if err != nil {
			return err
		}
		return c.JSON(t)
	}
}
