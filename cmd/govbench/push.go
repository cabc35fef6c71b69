package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/config"
	"govapp/internal/push"
)

const (
	fanoutUncapped = 20_000 // recipients of the uncapped fan-out
	capRate        = 116    // sends/s: WeChat's daily quota (10M/day)
	capSeconds     = 8      // length of the capped run
	barCapError    = 0.10   // the measured rate stays within 10 % of the cap
)

// benchPush fans one policy out to residents through the real pipeline and
// the fake WeChat: once uncapped (the machine's rate), once capped at
// WeChat's quota rate (the cap must hold).
func benchPush(ctx context.Context, t *table, profile string) {
	rate, n, err := fanout(ctx, profile, 1_000_000, fanoutUncapped)
	if err != nil {
		t.fail(profile, "push fan-out uncapped", err)
	} else {
		t.info(profile, fmt.Sprintf("push fan-out uncapped, %d recipients", n), fmt.Sprintf("%.0f msg/s", rate))
	}
	rate, n, err = fanout(ctx, profile, capRate, capRate*capSeconds)
	if err != nil {
		t.fail(profile, "push fan-out capped", err)
		return
	}
	dev := math.Abs(rate-capRate) / capRate
	t.check(profile, fmt.Sprintf("push fan-out capped at %d/s, %d recipients", capRate, n),
		fmt.Sprintf("%.1f msg/s (%.1f %% off; %.2f× the cap)", rate, dev*100, rate/capRate), "within 10 %", dev <= barCapError)
}

// fanout runs one fan-out of n recipients at the given cap and returns the
// measured send rate (sent deliveries over the time from the first to the
// last send).
func fanout(ctx context.Context, profile string, perSecond, n int) (float64, int, error) {
	inst, err := startAppWith(ctx, profile, func(c *config.Config) {
		c.Push.RatePerSecond = perSecond
		c.Jobs.PollInterval = config.Duration(100 * time.Millisecond)
	}, true)
	if err != nil {
		return 0, 0, err
	}
	defer inst.close()
	d := inst.app.DB()
	prefix := "o-bench-" + randomHex(4) + "-"
	now := time.Now().UTC()
	err = d.Tx(ctx, func(tx *sqlx.Tx) error {
		for start := 0; start < n; start += 400 {
			var vals []string
			var args []any
			for i := start; i < min(start+400, n); i++ {
				vals = append(vals, "(?, ?, ?)")
				args = append(args, prefix+strconv.Itoa(i), now, now)
			}
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO residents (openid, created_at, updated_at) VALUES `+strings.Join(vals, ",")), args...); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO push_grants (resident_id, template_id, remaining, updated_at)
			SELECT id, 'tmpl-policy-release', 1, ? FROM residents WHERE openid LIKE ?`), now, prefix+"%")
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	var ids []int64
	if err := d.SelectContext(ctx, &ids, d.Rebind(`SELECT id FROM residents WHERE openid LIKE ? ORDER BY id`), prefix+"%"); err != nil {
		return 0, 0, err
	}
	cause := "policy:bench-" + prefix
	if _, err := inst.app.Push().Enqueue(ctx, push.Message{Cause: cause, Template: "policy_release",
		Data: map[string]string{"thing1": "性能测试"}, Audience: push.Audience{Kind: "residents", ResidentIDs: ids}}); err != nil {
		return 0, 0, err
	}
	deadline := time.Now().Add(time.Duration(n/max(perSecond/2, 1))*time.Second + 2*time.Minute)
	for {
		st, err := inst.app.Push().Stats(ctx, cause)
		if err != nil {
			return 0, 0, err
		}
		if st.FanoutDone && st.ByStatus["sent"]+st.ByStatus["failed"]+st.ByStatus["refused"]+st.ByStatus["no_grant"] == n {
			var first time.Time
			if err := d.GetContext(ctx, &first, d.Rebind(`SELECT updated_at FROM push_deliveries WHERE dedup_key = ? AND status = 'sent'
				ORDER BY updated_at LIMIT 1`), cause); err != nil {
				return 0, 0, err
			}
			secs := st.UpdatedAt.Sub(first).Seconds()
			if st.ByStatus["sent"] != n || secs <= 0 {
				return 0, 0, fmt.Errorf("fan-out ended with %v", st.ByStatus)
			}
			return float64(n-1) / secs, n, nil
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("fan-out of %d not done: %v", n, st.ByStatus)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
