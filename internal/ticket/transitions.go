package ticket

// Action is something done to a ticket.
type Action string

// Actions of SPEC §5.
const (
	ActAccept           Action = "accept"
	ActReject           Action = "reject"
	ActWithdraw         Action = "withdraw"
	ActAnswer           Action = "answer"
	ActDispatch         Action = "dispatch"
	ActSign             Action = "sign"
	ActReturn           Action = "return"
	ActAskInfo          Action = "ask_info"
	ActProvideInfo      Action = "provide_info"
	ActRequestExtension Action = "request_extension"
	ActApproveExtension Action = "approve_extension"
	ActReply            Action = "reply"
	ActReviewPass       Action = "review_pass"
	ActReviewFail       Action = "review_fail"
	ActRate             Action = "rate"
	ActAutoClose        Action = "auto_close"
	ActMerge            Action = "merge"
	ActCallback         Action = "callback"
)

// actionOrder is the fixed order in which actions are listed (the API's
// "actions" and the console's forms follow the work from submission to close).
var actionOrder = []Action{ActAccept, ActReject, ActAnswer, ActDispatch, ActSign, ActReturn, ActAskInfo, ActProvideInfo,
	ActRequestExtension, ActApproveExtension, ActReply, ActReviewPass, ActReviewFail, ActCallback, ActRate, ActWithdraw,
	ActAutoClose, ActMerge}

// Who may take an action.
type who int

const (
	byOperator  who = iota // 12345 operator (or admin)
	byLead                 // handler of the lead department's subtree
	bySubmitter            // the resident who submitted the ticket
	bySystem               // periodic jobs
)

// rule is one line of the transition table.
type rule struct {
	from []Status
	to   Status // the rate action decides between Closed and Handling at run time
	who  who
	// needs lists what the action requires: "note" (a reason), "reply",
	// "department"; "edited_reply" checks a reply the reviewer may send in
	// place of the handler's, "callback" the verdict recorded by phone.
	needs []string
}

// transitions is the table of SPEC §5. Anything not in it is refused with
// ErrInvalidTransition and changes nothing.
var transitions = map[Action]rule{
	ActAccept:   {from: []Status{Submitted}, to: Accepted, who: byOperator},
	ActReject:   {from: []Status{Submitted}, to: Rejected, who: byOperator, needs: []string{"note"}},
	ActWithdraw: {from: []Status{Submitted, Accepted}, to: Cancelled, who: bySubmitter},
	ActAnswer:   {from: []Status{Accepted}, to: Visiting, who: byOperator, needs: []string{"reply"}},
	// dispatch again from dispatched: an operator may re-dispatch (改派) before the department signs
	ActDispatch:         {from: []Status{Accepted, Returned, Dispatched}, to: Dispatched, who: byOperator, needs: []string{"department"}},
	ActSign:             {from: []Status{Dispatched}, to: Handling, who: byLead},
	ActReturn:           {from: []Status{Dispatched}, to: Returned, who: byLead, needs: []string{"note"}},
	ActAskInfo:          {from: []Status{Handling}, to: NeedInfo, who: byLead, needs: []string{"note"}},
	ActProvideInfo:      {from: []Status{NeedInfo}, to: Handling, who: bySubmitter, needs: []string{"note"}},
	ActRequestExtension: {from: []Status{Handling}, to: Handling, who: byLead, needs: []string{"note", "days"}},
	ActApproveExtension: {from: []Status{Handling}, to: Handling, who: byOperator},
	ActReply:            {from: []Status{Handling}, to: Replied, who: byLead, needs: []string{"reply"}},
	ActReviewPass:       {from: []Status{Replied}, to: Visiting, who: byOperator, needs: []string{"edited_reply"}},
	ActReviewFail:       {from: []Status{Replied}, to: Handling, who: byOperator, needs: []string{"note"}},
	ActRate:             {from: []Status{Visiting}, to: Closed, who: bySubmitter, needs: []string{"rating"}},
	// callback: the operator records a phone caller's verdict (回访), counted as a rating
	ActCallback:  {from: []Status{Visiting}, to: Closed, who: byOperator, needs: []string{"callback"}},
	ActAutoClose: {from: []Status{Visiting}, to: Closed, who: bySystem},
	ActMerge:     {from: []Status{Submitted, Accepted, Dispatched, Returned, Handling, NeedInfo, Replied}, to: Merged, who: byOperator, needs: []string{"parent"}},
}

// Actions lists every action (for the console and the tests), in a fixed order.
func Actions() []Action {
	return append([]Action(nil), actionOrder...)
}

// allowedFrom reports whether a may be taken in status s.
func (r rule) allowedFrom(s Status) bool {
	for _, f := range r.from {
		if f == s {
			return true
		}
	}
	return false
}

// AllowedActions lists what may be done to a ticket in status s (the console
// shows only these), always in the same order (actionOrder).
func AllowedActions(s Status) []Action {
	var out []Action
	for _, a := range actionOrder {
		if r := transitions[a]; r.allowedFrom(s) && r.who != bySystem {
			out = append(out, a)
		}
	}
	return out
}

// ActionsFor lists the actions actor a may take on t now, in the fixed
// order of actionOrder — the one rule the API's "actions" and the console's
// forms both show: the transition table allows the action from t's status,
// a is the actor the table names for it (an operator, the lead
// department's handler, the submitter — so a handler is never offered
// accept), and it applies to this ticket (a callback only where the
// caller phoned in, an extension requested once and approved once).
func ActionsFor(a Actor, t *Ticket) []Action {
	var out []Action
	for _, act := range AllowedActions(t.Status) {
		r := transitions[act]
		switch {
		case !mayAct(a, r.who, t.deptPath, t.submitter):
		case act == ActCallback && !t.PhonedIn():
		case act == ActRequestExtension && t.Extension != nil:
		case act == ActApproveExtension && (t.Extension == nil || t.Extension.Approved):
		default:
			out = append(out, act)
		}
	}
	return out
}
