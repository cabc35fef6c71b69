package ticket

import (
	"strings"

	"govapp/internal/account"
)

// Actor is who acts on a ticket: a resident, a staff member, or the system
// — the one actor type of every service (account.Principal).
type Actor = account.Principal

// System is the actor of periodic jobs.
var System = account.System

func isResident(a Actor) bool { return a.Kind == account.KindResident }

func isOperator(a Actor) bool {
	return a.Kind == account.KindStaff && (a.Role == account.RoleOperator || a.Role == account.RoleAdmin)
}

func isHandler(a Actor) bool { return a.Kind == account.KindStaff && a.Role == account.RoleHandler }

// covers reports whether the handler's department is path or one of its ancestors.
func covers(a Actor, path string) bool {
	return a.DeptPath != "" && path != "" && strings.HasPrefix(path, a.DeptPath)
}

// canSee reports whether a may read the ticket at all (residents: their own;
// operators: all; handlers: the lead or a co-department in their subtree).
func canSee(a Actor, r *row, coPaths []string) bool {
	switch {
	case a.Kind == account.KindSystem, isOperator(a):
		return true
	case isResident(a):
		return owns(a, r)
	case isHandler(a):
		if covers(a, r.DeptPath.String) {
			return true
		}
		for _, p := range coPaths {
			if covers(a, p) {
				return true
			}
		}
	}
	return false
}

// may reports whether a is the right actor for a rule on this ticket.
func may(a Actor, w who, r *row) bool { return mayAct(a, w, r.DeptPath.String, r.SubmitterID.Int64) }

// mayAct reports whether a is the actor w names, for a ticket led by the
// department at deptPath and filed by the resident submitter (0: none).
func mayAct(a Actor, w who, deptPath string, submitter int64) bool {
	switch w {
	case byOperator:
		return isOperator(a)
	case byLead:
		return (isHandler(a) && covers(a, deptPath)) || (a.Kind == account.KindStaff && a.Role == account.RoleAdmin)
	case bySubmitter:
		return isResident(a) && submitter != 0 && submitter == a.ID
	case bySystem:
		return a.Kind == account.KindSystem
	}
	return false
}

// owns reports whether a is the resident who filed the ticket.
func owns(a Actor, r *row) bool { return mayAct(a, bySubmitter, "", r.SubmitterID.Int64) }

// seesIdentity reports whether a may learn who filed the ticket (contact
// phone, caller's name, submitter): for an anonymous ticket only the
// operators and the submitter, never the departments that handle it — a
// 举报 may well concern them.
func seesIdentity(a Actor, r *row) bool {
	return !r.Anonymous || isOperator(a) || owns(a, r)
}

// seesPhone reports whether a may read the contact phone in full (others
// who see the submitter's identity read it masked).
func seesPhone(a Actor, r *row) bool {
	return isOperator(a) || (isHandler(a) && covers(a, r.DeptPath.String)) || owns(a, r)
}
