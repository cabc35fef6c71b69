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
)

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
	// needs lists what the action requires: "note" (a reason), "reply", "department".
	needs []string
}

// transitions is the table of SPEC §5. Anything not in it is refused with
// ErrInvalidTransition and changes nothing.
var transitions = map[Action]rule{
	ActAccept:           {from: []Status{Submitted}, to: Accepted, who: byOperator},
	ActReject:           {from: []Status{Submitted}, to: Rejected, who: byOperator, needs: []string{"note"}},
	ActWithdraw:         {from: []Status{Submitted, Accepted}, to: Cancelled, who: bySubmitter},
	ActAnswer:           {from: []Status{Accepted}, to: Visiting, who: byOperator, needs: []string{"reply"}},
	ActDispatch:         {from: []Status{Accepted, Returned}, to: Dispatched, who: byOperator, needs: []string{"department"}},
	ActSign:             {from: []Status{Dispatched}, to: Handling, who: byLead},
	ActReturn:           {from: []Status{Dispatched}, to: Returned, who: byLead, needs: []string{"note"}},
	ActAskInfo:          {from: []Status{Handling}, to: NeedInfo, who: byLead, needs: []string{"note"}},
	ActProvideInfo:      {from: []Status{NeedInfo}, to: Handling, who: bySubmitter, needs: []string{"note"}},
	ActRequestExtension: {from: []Status{Handling}, to: Handling, who: byLead, needs: []string{"note", "days"}},
	ActApproveExtension: {from: []Status{Handling}, to: Handling, who: byOperator},
	ActReply:            {from: []Status{Handling}, to: Replied, who: byLead, needs: []string{"reply"}},
	ActReviewPass:       {from: []Status{Replied}, to: Visiting, who: byOperator},
	ActReviewFail:       {from: []Status{Replied}, to: Handling, who: byOperator, needs: []string{"note"}},
	ActRate:             {from: []Status{Visiting}, to: Closed, who: bySubmitter, needs: []string{"rating"}},
	ActAutoClose:        {from: []Status{Visiting}, to: Closed, who: bySystem},
	ActMerge:            {from: []Status{Submitted, Accepted, Dispatched, Returned, Handling, NeedInfo, Replied}, to: Merged, who: byOperator, needs: []string{"parent"}},
}

// Actions lists every action (for the console and the tests).
func Actions() []Action {
	out := make([]Action, 0, len(transitions))
	for a := range transitions {
		out = append(out, a)
	}
	return out
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
// shows only these).
func AllowedActions(s Status) []Action {
	var out []Action
	for a, r := range transitions {
		if r.allowedFrom(s) && r.who != bySystem {
			out = append(out, a)
		}
	}
	return out
}
