package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"govapp/internal/booking"
	"govapp/internal/seed"
)

const (
	bookWorkers     = 64    // concurrency of every booking run (HTTP and SQL alike)
	bookPerRun      = 2000  // bookings attempted per run
	soldOutRequests = 20000 // answers asked of a full slot
	barBookRatio    = 0.4   // HTTP bookings/s ÷ the same SQL run directly
	barSoldOut      = 10000 // sold-out answers/s
)

type slotRef struct {
	ID    int64
	Guide string
}

// benchBooking measures bookings/s through HTTP spread over 100 slots and on
// one hot slot, each next to the same booking SQL run directly against
// PostgreSQL at the same concurrency, and the rate of sold-out answers.
func benchBooking(ctx context.Context, t *table, profile string, inst *instance) error {
	a := inst.app
	if err := seed.Halls(ctx, a.Bookings(), a.Accounts(), a.Guides(), io.Discard); err != nil {
		return err
	}
	d := a.DB()
	var slots []slotRef
	now := time.Now().UTC()
	if err := d.SelectContext(ctx, &slots, d.Rebind(`SELECT s.id AS id, g.guide_code AS guide FROM slots s
		JOIN hall_guides g ON g.hall_id = s.hall_id AND g.lane = s.lane
		WHERE s.status = 'open' AND s.released_at <= ? AND s.starts_at > ? ORDER BY s.id`), now, now.Add(2*time.Hour)); err != nil {
		return err
	}
	// one slot per row: the first guide of each slot
	seen := map[int64]bool{}
	var uniq []slotRef
	for _, s := range slots {
		if !seen[s.ID] {
			seen[s.ID] = true
			uniq = append(uniq, s)
		}
	}
	if len(uniq) < 203+rushSlots {
		return fmt.Errorf("only %d bookable slots after seeding", len(uniq))
	}
	if _, err := d.ExecContext(ctx, `UPDATE slots SET capacity = 100000`); err != nil {
		return err
	}
	spreadHTTP, spreadSQL, hotHTTP, hotSQL := uniq[0:100], uniq[100:200], uniq[200:201], uniq[201:202]
	rate := func(name string, run func(i int) bool) (float64, error) {
		ok, took := parallel(bookPerRun, bookWorkers, run)
		if ok != bookPerRun {
			return 0, fmt.Errorf("%s: %d of %d bookings succeeded", name, ok, bookPerRun)
		}
		return float64(ok) / took.Seconds(), nil
	}
	people, err := residents(ctx, inst, "bk", 4*bookPerRun+1) // the last one fills the sold-out slot
	if err != nil {
		return err
	}
	httpRate := func(set []slotRef, from int) func(int) bool {
		return func(i int) bool {
			s := set[i%len(set)]
			return postBook(inst.base, people[from+i].token, s) == http.StatusCreated
		}
	}
	sqlRate := func(set []slotRef, from int) func(int) bool {
		return func(i int) bool {
			s := set[i%len(set)]
			rows, err := d.QueryContext(ctx, booking.BookSQL(), people[from+i].id, s.ID, time.Now().UTC(), s.Guide, 3, "123456")
			if err != nil {
				return false
			}
			defer rows.Close()
			return rows.Next()
		}
	}
	sh, err := rate("HTTP spread", httpRate(spreadHTTP, 0))
	if err != nil {
		return err
	}
	if d.Dialect != "postgres" {
		t.info(profile, "bookings/s over HTTP, 100 slots", fmt.Sprintf("%.0f/s", sh))
	} else {
		ss, err := rate("SQL spread", sqlRate(spreadSQL, bookPerRun))
		if err != nil {
			return err
		}
		t.check(profile, "bookings/s over 100 slots: HTTP ÷ SQL direct", fmt.Sprintf("%.0f ÷ %.0f /s = %.2f", sh, ss, sh/ss), "≥ 0.4", sh/ss >= barBookRatio)
		hh, err := rate("HTTP hot", httpRate(hotHTTP, 2*bookPerRun))
		if err != nil {
			return err
		}
		hs, err := rate("SQL hot", sqlRate(hotSQL, 3*bookPerRun))
		if err != nil {
			return err
		}
		t.check(profile, "bookings/s on one hot slot: HTTP ÷ SQL direct", fmt.Sprintf("%.0f ÷ %.0f /s = %.2f", hh, hs, hh/hs), "≥ 0.4", hh/hs >= barBookRatio)
	}
	// sold out: one slot of capacity 1, taken; everyone else asks for it
	full := uniq[202]
	if _, err := d.ExecContext(ctx, d.Rebind(`UPDATE slots SET capacity = 1 WHERE id = ?`), full.ID); err != nil {
		return err
	}
	if postBook(inst.base, people[4*bookPerRun].token, full) != http.StatusCreated {
		return fmt.Errorf("could not fill the sold-out slot")
	}
	var other atomic.Int64
	ok, took := parallel(soldOutRequests, bookWorkers, func(i int) bool {
		code := postBook(inst.base, people[i%(len(people)-1)].token, full)
		if code != http.StatusConflict {
			other.Add(1)
		}
		return code == http.StatusConflict
	})
	r := float64(ok) / took.Seconds()
	t.check(profile, "sold-out answers (409 slot_full)", fmt.Sprintf("%.0f/s (%d of %d; %d others)", r, ok, soldOutRequests, other.Load()), "≥ 10,000/s", r >= barSoldOut && other.Load() == 0)
	return benchRush(ctx, t, profile, inst, uniq[203:])
}

type person struct {
	id    int64
	token string
}

// phoneSeq numbers the residents of a run: each has a phone of their own
// (one number is one person for the booking limits).
var phoneSeq atomic.Int64

// residents signs in n residents with bound phones.
func residents(ctx context.Context, inst *instance, tag string, n int) ([]person, error) {
	out := make([]person, n)
	for i := range out {
		k := phoneSeq.Add(1)
		s, r, err := inst.app.Accounts().DevLogin(ctx, fmt.Sprintf("o-%s-%s-%d", tag, randomHex(3), i), "", fmt.Sprintf("1%02d%08d", 30+k%60, k))
		if err != nil {
			return nil, err
		}
		out[i] = person{id: r.ID, token: s.Token}
	}
	return out, nil
}

var bookClient = newClient(bookWorkers)

func postBook(base, token string, s slotRef) int { return postBookWith(bookClient, base, token, s) }

func postBookWith(client *http.Client, base, token string, s slotRef) int {
	body, _ := json.Marshal(map[string]any{"slot_id": s.ID, "guide_code": s.Guide})
	return postJSON(client, base+"/api/v1/appointments", token, body)
}

// postJSON POSTs body as a signed-in resident and returns the status (0 when
// no answer came).
func postJSON(client *http.Client, url, token string, body []byte) int {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// parallel runs f(0..n-1) on workers goroutines and returns how many
// returned true and the time taken.
func parallel(n, workers int, f func(i int) bool) (int, time.Duration) {
	var next, ok atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if f(i) {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return int(ok.Load()), time.Since(start)
}
