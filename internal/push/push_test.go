package push_test

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/riverqueue/river"

	"govapp/internal/config"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/jobs"
	"govapp/internal/push"
)

// wechatEdge stands for WeChat (the edge we don't own): it records what it
// received and fails a deterministic share of sends.
type wechatEdge struct {
	mu                          sync.Mutex
	received                    map[string]int // openid → messages received
	attempts                    map[string]int
	refusedSeen                 map[string]int
	transientEvery, refuseEvery uint32
}

func newEdge(transientEvery, refuseEvery uint32) *wechatEdge {
	return &wechatEdge{received: map[string]int{}, attempts: map[string]int{}, refusedSeen: map[string]int{},
		transientEvery: transientEvery, refuseEvery: refuseEvery}
}

func bucket(openid string, salt string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(salt + openid))
	return h.Sum32()
}

func (e *wechatEdge) Send(_ context.Context, a push.Attempt) push.Result {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.attempts[a.OpenID]++
	if e.refuseEvery > 0 && bucket(a.OpenID, "r")%e.refuseEvery == 0 {
		e.refusedSeen[a.OpenID]++
		return push.Result{Outcome: push.Refused, ErrCode: 43101}
	}
	if e.transientEvery > 0 && bucket(a.OpenID, "t")%e.transientEvery == 0 && e.attempts[a.OpenID] == 1 {
		return push.Result{Outcome: push.Transient, ErrCode: -1}
	}
	e.received[a.OpenID]++
	return push.Result{Outcome: push.Sent}
}

func (e *wechatEdge) total() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, c := range e.received {
		n += c
	}
	return n
}

func testConfig() config.Push {
	c := config.Defaults(config.ProfileEmbedded).Push
	c.RetryBase = config.Duration(20 * time.Millisecond)
	c.RatePerSecond = 1_000_000
	return c
}

type rig struct {
	t    *testing.T
	d    *db.DB
	s    *push.Service
	edge *wechatEdge
	q    *jobs.Queue
}

func newRig(t *testing.T, d *db.DB, edge *wechatEdge, cfg config.Push) *rig {
	s := push.NewService(d, nil, cfg, push.Deps{Sender: edge, Throttle: push.NewLocalThrottle(cfg.RatePerSecond)}, slog.New(slog.DiscardHandler))
	r := &rig{t: t, d: d, s: s, edge: edge}
	r.q = r.newQueue()
	s.SetQueue(r.q)
	return r
}

func (r *rig) newQueue() *jobs.Queue {
	q, err := jobs.New(r.d, jobs.Options{Work: true, Workers: 8, PollInterval: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
		Register: func(w *river.Workers) {
			river.AddWorker(w, &push.FanoutWorker{S: r.s})
			river.AddWorker(w, &push.SendWorker{S: r.s})
		}})
	if err != nil {
		r.t.Fatal(err)
	}
	return q
}

// residents inserts n residents (openid o-<i>) with one grant each of template
// and returns their ids.
func (r *rig) residents(n int, grantTemplate string) []int64 {
	r.t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	err := r.d.Tx(ctx, func(tx *sqlx.Tx) error {
		for start := 0; start < n; start += 400 {
			end := min(start+400, n)
			var vals []string
			var args []any
			for i := start; i < end; i++ {
				vals = append(vals, "(?, ?, ?, ?)")
				args = append(args, fmt.Sprintf("o-%s-%d", strings.ReplaceAll(r.t.Name(), "/", "-"), i), fmt.Sprintf("u-%d", i), now, now)
			}
			if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO residents (openid, unionid, created_at, updated_at) VALUES `+strings.Join(vals, ",")), args...); err != nil {
				return err
			}
		}
		if grantTemplate != "" {
			_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO push_grants (resident_id, template_id, remaining, updated_at) SELECT id, ?, 1, ? FROM residents`), grantTemplate, now)
			return err
		}
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
	var ids []int64
	if err := r.d.Select(&ids, `SELECT id FROM residents ORDER BY id`); err != nil {
		r.t.Fatal(err)
	}
	return ids
}

// waitSettled waits until no delivery of cause is pending or sending and the fan-out is done.
func (r *rig) waitSettled(cause string, want int, within time.Duration) map[string]int {
	r.t.Helper()
	deadline := time.Now().Add(within)
	for {
		st, err := r.s.Stats(context.Background(), cause)
		if err == nil && st.FanoutDone && st.ByStatus[push.StatusPending]+st.ByStatus[push.StatusSending] == 0 {
			total := 0
			for _, n := range st.ByStatus {
				total += n
			}
			if total == want {
				return st.ByStatus
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("cause %s not settled within %s: %+v (%v)", cause, within, st, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (r *rig) stop(q *jobs.Queue) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_ = q.Stop(ctx)
}

const policyTemplate = "tmpl-policy-release"

func TestEnqueueCommitsWithTheCause(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d, newEdge(0, 0), testConfig())
		ids := r.residents(3, policyTemplate)
		ctx := context.Background()
		msg := push.Message{Cause: "policy:1", Template: "policy_release", Data: map[string]string{"thing1": "稳就业政策"}, Audience: push.Audience{Kind: "residents", ResidentIDs: ids}}
		boom := errors.New("the cause failed")
		err := d.Tx(ctx, func(tx *sqlx.Tx) error {
			if _, err := r.s.EnqueueTx(ctx, tx, msg); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		var msgs, jobsLeft int
		_ = d.Get(&msgs, `SELECT COUNT(*) FROM push_messages`)
		_ = d.Get(&jobsLeft, `SELECT COUNT(*) FROM river_job`)
		if msgs != 0 || jobsLeft != 0 {
			t.Fatalf("a rolled-back cause left %d messages and %d jobs", msgs, jobsLeft)
		}
		if created, err := r.s.Enqueue(ctx, msg); err != nil || !created {
			t.Fatalf("enqueue: %v %v", created, err)
		}
		if created, _ := r.s.Enqueue(ctx, msg); created {
			t.Fatal("the same cause was enqueued twice")
		}
	})
}

func TestGrantsDecideWhoIsSent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		r := newRig(t, d, newEdge(0, 0), testConfig())
		ids := r.residents(4, "") // no grants yet
		if _, err := r.s.AddGrants(ctx, ids[0], policyTemplate, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := r.s.AddGrants(ctx, ids[1], policyTemplate, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := r.s.AddGrants(ctx, ids[0], "not-a-template", 1); !errors.Is(err, push.ErrUnknownTemplate) {
			t.Fatalf("unknown template: %v", err)
		}
		if _, err := r.s.PutSettings(ctx, ids[1], push.Settings{Tickets: true, Appointments: true, Policies: false}); err != nil {
			t.Fatal(err)
		}
		if err := r.q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer r.stop(r.q)
		// two causes at once for everyone: resident 0 has one grant, so exactly one of them reaches them
		for _, cause := range []string{"policy:a", "policy:b"} {
			if _, err := r.s.Enqueue(ctx, push.Message{Cause: cause, Template: "policy_release", Data: map[string]string{"thing1": "x"},
				Audience: push.Audience{Kind: "residents", ResidentIDs: ids}}); err != nil {
				t.Fatal(err)
			}
		}
		a := r.waitSettled("policy:a", 4, 30*time.Second)
		b := r.waitSettled("policy:b", 4, 30*time.Second)
		if a[push.StatusSent]+b[push.StatusSent] != 1 {
			t.Fatalf("one grant paid for %d sends (a %v, b %v)", a[push.StatusSent]+b[push.StatusSent], a, b)
		}
		if a[push.StatusSkipped] != 1 || b[push.StatusSkipped] != 1 {
			t.Fatalf("a resident who turned policies off must be skipped: a %v b %v", a, b)
		}
		if a[push.StatusNoGrant]+b[push.StatusNoGrant] != 5 {
			t.Fatalf("no_grant: a %v b %v", a, b)
		}
		if got := r.edge.total(); got != 1 {
			t.Fatalf("WeChat received %d messages, want 1", got)
		}
		grants, _ := r.s.Grants(ctx, ids[1])
		if len(grants) != 1 || grants[0].Remaining != 2 {
			t.Fatalf("a skipped delivery must not spend a grant: %+v", grants)
		}
	})
}

// A message may fill only the keywords its kind declares (push.Kinds, what
// GET /api/v1/subscribe-templates tells the mini-program); anything else is
// a programming error refused before a row is written.
func TestEnqueueRefusesUndeclaredKeywords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d, newEdge(0, 0), testConfig())
		ids := r.residents(1, policyTemplate)
		ctx := context.Background()
		for _, m := range []push.Message{
			{Cause: "policy:x1", Template: "policy_release", Data: map[string]string{"thing9": "未声明"}},
			{Cause: "policy:x2", Template: "no_such_kind", Data: map[string]string{"thing1": "x"}},
		} {
			m.Audience = push.Audience{Kind: "residents", ResidentIDs: ids}
			if _, err := r.s.Enqueue(ctx, m); err == nil {
				t.Errorf("%s with %v was enqueued", m.Template, m.Data)
			}
		}
		var msgs int
		_ = d.Get(&msgs, `SELECT COUNT(*) FROM push_messages`)
		if msgs != 0 {
			t.Fatalf("%d messages written", msgs)
		}
		for _, k := range push.Kinds {
			if _, ok := testConfig().Templates[k.Name]; !ok {
				t.Errorf("kind %s has no template in the default configuration", k.Name)
			}
		}
	})
}

// A claim whose COMMIT reached the database while the answer was lost
// leaves the job's rows "sending", never sent: the run releases them — back
// to pending with their attempt and grant restored — instead of the next run
// failing them as sends of unknown outcome (errcode -2), which lost a chunk
// of a fan-out whenever PostgreSQL was cut at that moment.
func TestUnansweredClaimIsReleased(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d, newEdge(0, 0), testConfig())
		ids := r.residents(3, policyTemplate)
		ctx := context.Background()
		now := time.Now().UTC()
		var msg int64
		if err := d.QueryRowx(d.Rebind(`INSERT INTO push_messages (cause, template, data, audience, created_at, updated_at)
			VALUES ('policy:lost-commit', 'policy_release', '{}', '{}', ?, ?) RETURNING id`), now, now).Scan(&msg); err != nil {
			t.Fatal(err)
		}
		const job = 4242
		for i, id := range ids {
			claimedBy, status := job, "sending"
			if i == 2 { // another job's claim is not this run's to release
				claimedBy = 7
			}
			if _, err := d.Exec(d.Rebind(`INSERT INTO push_deliveries (message_id, dedup_key, resident_id, channel, status, attempts,
				claimed_by, next_attempt_at, created_at, updated_at) VALUES (?, 'policy:lost-commit', ?, 'subscribe', ?, 1, ?, ?, ?, ?)`),
				msg, id, status, claimedBy, now, now, now); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Exec(d.Rebind(`UPDATE push_grants SET remaining = remaining - 1 WHERE resident_id = ?`), id); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.s.ReleaseClaims(ctx, job, testConfig().Templates["policy_release"]); err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			var st struct {
				Status    string `db:"status"`
				Attempts  int    `db:"attempts"`
				ClaimedBy int64  `db:"claimed_by"`
				Remaining int    `db:"remaining"`
			}
			if err := d.Get(&st, d.Rebind(`SELECT d.status, d.attempts, d.claimed_by, g.remaining FROM push_deliveries d
				JOIN push_grants g ON g.resident_id = d.resident_id WHERE d.resident_id = ?`), id); err != nil {
				t.Fatal(err)
			}
			want := "pending 0 0 1"
			if i == 2 {
				want = "sending 1 7 0"
			}
			if got := fmt.Sprintf("%s %d %d %d", st.Status, st.Attempts, st.ClaimedBy, st.Remaining); got != want {
				t.Errorf("resident %d: %s, want %s (status, attempts, claimed by, grants left)", i, got, want)
			}
		}
	})
}
