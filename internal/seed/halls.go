package seed

import (
	"context"
	"fmt"
	"io"

	"govapp/internal/account"
	"govapp/internal/audit"
	"govapp/internal/booking"
	"govapp/internal/guide"
)

// hallSeed is one demo service hall: its windows, which items go to a
// dedicated lane (by guide category or code; the rest to the comprehensive
// windows), its schedules and its clerk.
type hallSeed struct {
	name, district, department, address, phone string
	lat, lng                                   float64
	hours                                      map[string]string
	windows                                    []booking.WindowInput
	lanes                                      map[string]string // guide category or code → dedicated prefix
	schedules                                  []scheduleSeed
	clerk, clerkName                           string
}

type scheduleSeed struct {
	window, days, start, end string
	minutes, capacity        int
}

// weekdays are 09:00–12:00 and 13:30–17:00 in 30-minute slots on every working day.
func weekdays(window string, capacity int) []scheduleSeed {
	return []scheduleSeed{{window, "workdays", "09:00", "12:00", 30, capacity}, {window, "workdays", "13:30", "17:00", 30, capacity}}
}

func comprehensive(name string) booking.WindowInput {
	return booking.WindowInput{Name: name, Kind: booking.KindComprehensive, Prefix: booking.DefaultLane}
}

var workdayHours = map[string]string{"1": "09:00-12:00,13:30-17:00", "2": "09:00-12:00,13:30-17:00", "3": "09:00-12:00,13:30-17:00",
	"4": "09:00-12:00,13:30-17:00", "5": "09:00-12:00,13:30-17:00"}

// DemoHalls are the demo halls; their names are those the seeded guides list.
var DemoHalls = []hallSeed{
	{
		name: "市民之家", district: "新城区", department: "市政务服务中心", address: "本市新城大道 100 号市民之家一楼、二楼", phone: "0731-12345",
		lat: 28.2282, lng: 112.9388,
		hours: map[string]string{"1": "09:00-12:00,13:30-17:00", "2": "09:00-12:00,13:30-17:00", "3": "09:00-12:00,13:30-17:00",
			"4": "09:00-12:00,13:30-17:00", "5": "09:00-12:00,13:30-17:00", "6": "09:00-12:00"},
		windows: []booking.WindowInput{comprehensive("综合窗口1"), comprehensive("综合窗口2"), comprehensive("综合窗口3"),
			{Name: "不动产登记专窗", Kind: booking.KindDedicated, Prefix: "B"}, {Name: "出入境专窗", Kind: booking.KindDedicated, Prefix: "C"}},
		lanes: map[string]string{"budongchan": "B", "GA-0010": "C"},
		schedules: append(append(append(append(append(weekdays("综合窗口1", 3), weekdays("综合窗口2", 3)...), weekdays("综合窗口3", 3)...),
			weekdays("不动产登记专窗", 2)...), weekdays("出入境专窗", 2)...),
			scheduleSeed{"综合窗口1", "6", "09:00", "12:00", 30, 3}),
		clerk: "clerk-smzj", clerkName: "市民之家窗口",
	},
	{
		name: "城东区政务服务中心", district: "城东区", department: "城东区政务服务中心", address: "城东区东湖路 18 号", phone: "0731-84012345",
		lat: 28.1963, lng: 113.0121, hours: workdayHours,
		windows:   []booking.WindowInput{comprehensive("综合窗口1"), comprehensive("综合窗口2")},
		schedules: append(weekdays("综合窗口1", 3), weekdays("综合窗口2", 3)...),
		clerk:     "clerk-cdq", clerkName: "城东区大厅窗口",
	},
	{
		name: "高新区政务服务中心", district: "高新区", department: "高新区政务服务中心", address: "高新区创新路 6 号", phone: "0731-88012345",
		lat: 28.2318, lng: 112.8823,
		hours: map[string]string{"1": "09:00-17:00", "2": "09:00-17:00", "3": "09:00-17:00", "4": "09:00-17:00", "5": "09:00-17:00"},
		windows: []booking.WindowInput{comprehensive("综合窗口1"), comprehensive("综合窗口2"),
			{Name: "企业开办专窗", Kind: booking.KindDedicated, Prefix: "B"}},
		lanes: map[string]string{"qiyekaiban": "B"},
		schedules: []scheduleSeed{{"综合窗口1", "workdays", "09:00", "17:00", 30, 3}, {"综合窗口2", "workdays", "09:00", "17:00", 30, 3},
			{"企业开办专窗", "workdays", "09:00", "17:00", 30, 2}},
		clerk: "clerk-gxq", clerkName: "高新区大厅窗口",
	},
}

// seeder is the system acting in the audit log.
var seeder = account.Principal{Kind: "system", Name: "seed"}

// Halls creates the demo halls that do not exist yet — windows, the
// bookable guides that list each hall, schedules (slots for the release
// horizon follow at once) — and a clerk per hall, printing each new clerk's
// password once to out. Running it again adds nothing.
func Halls(ctx context.Context, bookings *booking.Service, accounts *account.Service, guides *guide.Service, out io.Writer) error {
	existing, err := bookings.Halls(ctx, nil, nil)
	if err != nil {
		return err
	}
	have := map[string]int64{}
	for _, h := range existing {
		have[h.Name] = h.ID
	}
	for _, hs := range DemoHalls {
		id, ok := have[hs.name]
		if !ok {
			if id, err = seedHall(ctx, bookings, accounts, guides, hs); err != nil {
				return fmt.Errorf("seed: hall %s: %w", hs.name, err)
			}
			fmt.Fprintf(out, "已创建服务大厅 %s（%d 个窗口，%d 条排班）\n", hs.name, len(hs.windows), len(hs.schedules))
		}
		if err := seedClerk(ctx, accounts, hs, id, out); err != nil {
			return err
		}
		have[hs.name] = id
	}
	return assignClerk(ctx, accounts, have[ClerkHall], out)
}

// ClerkHall is the hall the demo account "clerk" of Run works at.
const ClerkHall = "市民之家"

// assignClerk gives the demo account "clerk" the hall hallID when it has
// none (Run creates the account before any hall exists), printing the change.
func assignClerk(ctx context.Context, accounts *account.Service, hallID int64, out io.Writer) error {
	if hallID == 0 {
		return nil
	}
	all, err := accounts.ListStaff(ctx)
	if err != nil {
		return fmt.Errorf("seed: clerk's hall: %w", err)
	}
	for _, st := range all {
		if st.Username != "clerk" || st.Role != account.RoleClerk || st.HallID != 0 {
			continue
		}
		if _, err := accounts.UpdateStaff(ctx, audit.Entry{ActorKind: "system", ActorName: "seed"}, st.ID, account.StaffUpdate{
			DisplayName: st.DisplayName, Role: st.Role, DepartmentID: st.DepartmentID, HallID: hallID, Disabled: st.Disabled}); err != nil {
			return fmt.Errorf("seed: clerk's hall: %w", err)
		}
		fmt.Fprintf(out, "工作人员 clerk 已分配到服务大厅 %s\n", ClerkHall)
	}
	return nil
}

func seedHall(ctx context.Context, bookings *booking.Service, accounts *account.Service, guides *guide.Service, hs hallSeed) (int64, error) {
	dept, err := accounts.EnsureDepartment(ctx, hs.department, "", "center", 0)
	if err != nil {
		return 0, err
	}
	lat, lng := hs.lat, hs.lng
	h, err := bookings.SaveHall(ctx, seeder, 0, booking.HallInput{Name: hs.name, District: hs.district, Address: hs.address,
		Phone: hs.phone, Lat: &lat, Lng: &lng, Hours: hs.hours, DepartmentID: dept.ID})
	if err != nil {
		return 0, err
	}
	windows := map[string]int64{}
	for _, w := range hs.windows {
		win, err := bookings.AddWindow(ctx, seeder, h.ID, w)
		if err != nil {
			return 0, err
		}
		windows[w.Name] = win.ID
	}
	items, err := hallGuides(ctx, guides, hs)
	if err != nil {
		return 0, err
	}
	if _, err := bookings.SetGuides(ctx, seeder, h.ID, items); err != nil {
		return 0, err
	}
	for _, sc := range hs.schedules {
		if _, err := bookings.AddSchedule(ctx, seeder, h.ID, booking.ScheduleInput{WindowID: windows[sc.window], Days: sc.days,
			Start: sc.start, End: sc.end, SlotMinutes: sc.minutes, Capacity: sc.capacity}); err != nil {
			return 0, err
		}
	}
	return h.ID, nil
}

// hallGuides are the published, bookable guides that list the hall, each in
// its dedicated lane or at the comprehensive windows.
func hallGuides(ctx context.Context, guides *guide.Service, hs hallSeed) ([]booking.GuideLane, error) {
	var out []booking.GuideLane
	for _, sum := range guides.Catalog().List(guide.Filter{}) {
		if !sum.Bookable {
			continue
		}
		g, err := guides.Get(ctx, sum.Code)
		if err != nil {
			return nil, err
		}
		for _, h := range g.Halls {
			if h.Name != hs.name {
				continue
			}
			lane := hs.lanes[g.Code]
			if lane == "" {
				lane = hs.lanes[g.Category]
			}
			out = append(out, booking.GuideLane{Code: g.Code, Lane: lane})
		}
	}
	return out, nil
}

func seedClerk(ctx context.Context, accounts *account.Service, hs hallSeed, hallID int64, out io.Writer) error {
	exists, err := accounts.StaffExists(ctx, hs.clerk)
	if err != nil || exists {
		return err
	}
	pw, err := Password()
	if err != nil {
		return err
	}
	if _, err := accounts.CreateStaff(ctx, audit.Entry{ActorKind: "system", ActorName: "seed"}, account.NewStaff{Username: hs.clerk,
		DisplayName: hs.clerkName, Password: pw, Role: account.RoleClerk, Department: hs.department, HallID: hallID}); err != nil {
		return fmt.Errorf("seed: clerk %s: %w", hs.clerk, err)
	}
	fmt.Fprintf(out, "已创建工作人员账号  用户名: %-9s 角色: %-8s 密码: %s  大厅: %s\n", hs.clerk, account.RoleClerk, pw, hs.name)
	return nil
}
