package ticket

import (
	"strings"

	"govapp/internal/account"
)

// Actor is who acts on a ticket: a resident, a staff member, or the system.
type Actor struct {
	Kind     string // account.KindResident, account.KindStaff or "system"
	ID       int64
	Role     account.Role
	Name     string
	DeptPath string
	OpenID   string // residents: for the content check
}

// System is the actor of periodic jobs.
var System = Actor{Kind: "system", Name: "系统"}

// ActorOf turns a signed-in principal into an actor.
func ActorOf(p account.Principal) Actor {
	return Actor{Kind: p.Kind, ID: p.ID, Role: p.Role, Name: p.Name, DeptPath: p.DeptPath}
}

func (a Actor) kind() string { return a.Kind }

func (a Actor) isResident() bool { return a.Kind == account.KindResident }

func (a Actor) isOperator() bool {
	return a.Kind == account.KindStaff && (a.Role == account.RoleOperator || a.Role == account.RoleAdmin)
}

func (a Actor) isHandler() bool { return a.Kind == account.KindStaff && a.Role == account.RoleHandler }

// covers reports whether the handler's department is path or one of its ancestors.
func (a Actor) covers(path string) bool {
	return a.DeptPath != "" && path != "" && strings.HasPrefix(path, a.DeptPath)
}

// canSee reports whether a may read the ticket at all (residents: their own;
// operators: all; handlers: the lead or a co-department in their subtree).
func (a Actor) canSee(r *row, coPaths []string) bool {
	switch {
	case a.Kind == "system", a.isOperator():
		return true
	case a.isResident():
		return a.owns(r)
	case a.isHandler():
		if a.covers(r.DeptPath.String) {
			return true
		}
		for _, p := range coPaths {
			if a.covers(p) {
				return true
			}
		}
	}
	return false
}

// may reports whether a is the right actor for a rule on this ticket.
func (a Actor) may(w who, r *row) bool {
	switch w {
	case byOperator:
		return a.isOperator()
	case byLead:
		return (a.isHandler() && a.covers(r.DeptPath.String)) || (a.Kind == account.KindStaff && a.Role == account.RoleAdmin)
	case bySubmitter:
		return a.owns(r)
	case bySystem:
		return a.Kind == "system"
	}
	return false
}

// owns reports whether a is the resident who filed the ticket.
func (a Actor) owns(r *row) bool {
	return a.isResident() && r.SubmitterID.Valid && r.SubmitterID.Int64 == a.ID
}

// seesIdentity reports whether a may learn who filed the ticket (contact
// phone, caller's name, submitter): for an anonymous ticket only the
// operators and the submitter, never the departments that handle it — a
// 举报 may well concern them.
func (a Actor) seesIdentity(r *row) bool {
	return !r.Anonymous || a.isOperator() || a.owns(r)
}

// seesPhone reports whether a may read the contact phone in full (others
// who see the submitter's identity read it masked).
func (a Actor) seesPhone(r *row) bool {
	return a.isOperator() || (a.isHandler() && a.covers(r.DeptPath.String)) || a.owns(r)
}
