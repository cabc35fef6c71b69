package seed_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"govapp/internal/account"
	"govapp/internal/booking"
	"govapp/internal/calendar"
	"govapp/internal/config"
	"govapp/internal/guide"
	"govapp/internal/platform/cache"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/pii"
	"govapp/internal/seed"
)

func TestHalls(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		ctx := context.Background()
		log := slog.New(slog.DiscardHandler)
		box, err := pii.New("a-32-char-or-longer-test-secret-0123456789")
		if err != nil {
			t.Fatal(err)
		}
		cfg := config.Defaults(config.ProfileEmbedded)
		cfg.Auth.PasswordCost = bcrypt.MinCost
		accounts := account.NewService(d, box, nil, cfg.Auth, log)
		guides := guide.NewService(d, log, guide.Options{SharedCache: cache.NewMemory(0)})
		if err := guides.Load(ctx); err != nil {
			t.Fatal(err)
		}
		cal := calendar.Default()
		bookings := booking.NewService(d, cache.NewMemory(0), func() booking.Calendar { return cal }, nil, guides, cfg.Booking,
			calendar.DefaultLocation(), log)
		var discard bytes.Buffer
		if err := seed.Run(ctx, accounts, &discard); err != nil {
			t.Fatal(err)
		}
		if err := seed.Guides(ctx, guides, &discard); err != nil {
			t.Fatal(err)
		}
		var first bytes.Buffer
		if err := seed.Halls(ctx, bookings, accounts, guides, &first); err != nil {
			t.Fatal(err)
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := d.Get(&n, d.Rebind(q), args...); err != nil {
				t.Fatal(err)
			}
			return n
		}

		t.Run("three halls named as the guides name them, each with a clerk printed once", func(t *testing.T) {
			clerks := 0
			for _, line := range strings.Split(strings.TrimSpace(first.String()), "\n") {
				if m := printed.FindStringSubmatch(line); m != nil {
					clerks++
					if m[2] != string(account.RoleClerk) || !strings.Contains(line, "大厅: ") {
						t.Errorf("clerk line %q", line)
					}
				}
			}
			if clerks != 3 || count(`SELECT COUNT(*) FROM staff WHERE role = 'clerk' AND hall_id IS NOT NULL`) != 4 {
				t.Fatalf("%d clerks printed: %s", clerks, first.String())
			}
			halls, _ := bookings.Halls(ctx, nil, nil)
			names := map[string]bool{}
			for _, h := range halls {
				names[h.Name] = true
			}
			for _, n := range []string{"市民之家", "城东区政务服务中心", "高新区政务服务中心"} {
				if !names[n] {
					t.Errorf("hall %s missing", n)
				}
			}
		})
		t.Run("the seeded clerk works at 市民之家, and no clerk is left without a hall", func(t *testing.T) {
			n := count(`SELECT COUNT(*) FROM staff s JOIN halls h ON h.id = s.hall_id WHERE s.username = 'clerk' AND h.name = ?`, seed.ClerkHall)
			if n != 1 || count(`SELECT COUNT(*) FROM staff WHERE role = 'clerk' AND hall_id IS NULL`) != 0 {
				t.Fatalf("clerk in %s: %d; output: %s", seed.ClerkHall, n, first.String())
			}
			if !strings.Contains(first.String(), "工作人员 clerk 已分配到服务大厅 "+seed.ClerkHall) {
				t.Fatalf("the assignment is not printed: %s", first.String())
			}
		})
		t.Run("each hall takes the bookable guides that list it, in their lanes", func(t *testing.T) {
			halls, _ := bookings.Halls(ctx, nil, nil)
			for _, h := range halls {
				detail, err := bookings.Hall(ctx, h.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(detail.Guides) < 10 {
					t.Errorf("%s takes %d items", h.Name, len(detail.Guides))
				}
				for _, g := range detail.Guides {
					full, err := guides.Get(ctx, g.Code)
					if err != nil || !full.Bookable {
						t.Errorf("%s: %s is not a published bookable guide", h.Name, g.Code)
					}
					want := "A"
					switch {
					case h.Name == "市民之家" && full.Category == "budongchan":
						want = "B"
					case h.Name == "市民之家" && g.Code == "GA-0010":
						want = "C"
					case h.Name == "高新区政务服务中心" && full.Category == "qiyekaiban":
						want = "B"
					}
					if g.Lane != want {
						t.Errorf("%s: %s in lane %s, want %s", h.Name, g.Code, g.Lane, want)
					}
				}
			}
		})
		t.Run("every working day of the next week has slots, no day off has", func(t *testing.T) {
			loc := calendar.DefaultLocation()
			today := calendar.DateOf(time.Now().In(loc))
			for day := today; !day.After(today.AddDays(7)); day = day.AddDays(1) {
				n := count(`SELECT COUNT(*) FROM slots s JOIN halls h ON h.id = s.hall_id WHERE h.name = ? AND s.day = ?`, "城东区政务服务中心", day.String())
				if cal.IsWorkingDate(day) != (n > 0) {
					t.Errorf("%s (working: %v): %d slots", day, cal.IsWorkingDate(day), n)
				}
			}
		})
		t.Run("a second run creates and prints nothing", func(t *testing.T) {
			halls, slots := count(`SELECT COUNT(*) FROM halls`), count(`SELECT COUNT(*) FROM slots`)
			var second bytes.Buffer
			if err := seed.Halls(ctx, bookings, accounts, guides, &second); err != nil {
				t.Fatal(err)
			}
			if second.Len() != 0 || count(`SELECT COUNT(*) FROM halls`) != halls || count(`SELECT COUNT(*) FROM slots`) != slots {
				t.Fatalf("second run printed %q", second.String())
			}
		})
	})
}
