package ticket_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/account"
	"govapp/internal/calendar"
	"govapp/internal/config"
	"govapp/internal/platform/db"
	"govapp/internal/platform/pii"
	"govapp/internal/ticket"
)

var shanghai = calendar.DefaultLocation()

// world is a ticket service on a fresh database with two departments, the
// residents and the staff the rules speak of.
type world struct {
	t        *testing.T
	d        *db.DB
	s        *ticket.Service
	now      time.Time
	operator ticket.Actor
	handler  ticket.Actor // of 市住建局 (the lead department)
	stranger ticket.Actor // handler of 市人社局
	alice    ticket.Actor // the submitter
	bob      ticket.Actor // another resident
	lead     int64        // 市住建局
	other    int64        // 市人社局
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{t: t, d: d, now: time.Date(2026, 9, 14, 10, 0, 0, 0, shanghai).UTC()}
	var lead, other account.Department
	err := d.Tx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if _, err = account.EnsureDepartmentTx(ctx, tx, "市人民政府", "", "city", 0); err != nil {
			return err
		}
		if lead, err = account.EnsureDepartmentTx(ctx, tx, "市住建局", "市人民政府", "bureau", 1); err != nil {
			return err
		}
		other, err = account.EnsureDepartmentTx(ctx, tx, "市人社局", "市人民政府", "bureau", 2)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	w.lead, w.other = lead.ID, other.ID
	for i, name := range []string{"alice", "bob"} {
		if _, err := d.Exec(d.Rebind(`INSERT INTO residents (openid, created_at, updated_at) VALUES (?, ?, ?)`), "o-"+name, w.now, w.now); err != nil {
			t.Fatal(err)
		}
		var id int64
		_ = d.Get(&id, d.Rebind(`SELECT id FROM residents WHERE openid = ?`), "o-"+name)
		a := ticket.Actor{Kind: account.KindResident, ID: id, Role: account.RoleResident, OpenID: "o-" + name}
		if i == 0 {
			w.alice = a
		} else {
			w.bob = a
		}
	}
	for _, st := range []struct {
		name string
		role account.Role
		dept account.Department
		out  *ticket.Actor
	}{{"op1", account.RoleOperator, account.Department{}, &w.operator}, {"zj1", account.RoleHandler, lead, &w.handler}, {"rs1", account.RoleHandler, other, &w.stranger}} {
		var dept any
		if st.dept.ID != 0 {
			dept = st.dept.ID
		}
		var id int64
		if err := d.QueryRowx(d.Rebind(`INSERT INTO staff (username, password_hash, role, department_id, created_at, updated_at) VALUES (?, 'x', ?, ?, ?, ?) RETURNING id`),
			st.name, string(st.role), dept, w.now, w.now).Scan(&id); err != nil {
			t.Fatal(err)
		}
		*st.out = ticket.Actor{Kind: account.KindStaff, ID: id, Role: st.role, Name: st.name, DeptPath: st.dept.Path}
	}
	box, err := pii.New("ticket-test-secret-0123456789abcdefghij")
	if err != nil {
		t.Fatal(err)
	}
	cal := calendar.Default()
	cfg := config.Defaults(config.ProfileEmbedded).Tickets
	cfg.UploadDir = t.TempDir()
	w.s = ticket.NewService(d, box, func() ticket.Clock { return cal }, nil, nil, cfg, shanghai, slog.New(slog.DiscardHandler))
	w.s.SetClock(func() time.Time { return w.now })
	return w
}

func (w *world) submit(a ticket.Actor, title string) *ticket.Ticket {
	w.t.Helper()
	in := ticket.Input{Kind: ticket.KindComplaint, Category: "住房城建", Title: title, Content: "小区电梯已经停运两周，物业一直不修，老人上下楼困难。",
		Location: "城东区东湖街道幸福路", ContactPhone: "13800138000", PublicConsent: true}
	var t *ticket.Ticket
	var err error
	if a.Kind == account.KindResident {
		t, err = w.s.Submit(context.Background(), a, in)
	} else {
		t, err = w.s.Record(context.Background(), a, in)
	}
	if err != nil {
		w.t.Fatalf("submit: %v", err)
	}
	return t
}

func (w *world) act(a ticket.Actor, no string, act ticket.Action, in ticket.ActInput) (*ticket.Ticket, error) {
	return w.s.Act(context.Background(), a, no, act, in)
}

func (w *world) must(t *ticket.Ticket, err error) *ticket.Ticket {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
	return t
}

func (w *world) timelineLen(no string) int {
	var n int
	if err := w.d.Get(&n, w.d.Rebind(`SELECT COUNT(*) FROM ticket_timeline tl JOIN tickets t ON t.id = tl.ticket_id WHERE t.tracking_no = ?`), no); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, shanghai).UTC()
}

func fmtLocal(t *time.Time) string {
	if t == nil {
		return "<nil>"
	}
	return fmt.Sprint(t.In(shanghai).Format("2006-01-02 15:04"))
}
