package policy_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/riverqueue/river"

	"govapp/internal/config"
	"govapp/internal/platform/cache"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/jobs"
	"govapp/internal/policy"
	"govapp/internal/push"
)

var editor = policy.Actor{Name: "editor-test"}

// guideNames stands for the guide catalogue: the published guides by code.
type guideNames map[string]string

func (g guideNames) GuideName(_ context.Context, code string) (string, bool, error) {
	n, ok := g[code]
	return n, ok, nil
}

// rig is a policy service over a fresh database, releasing through a real
// push service whose queue only inserts (nothing is sent).
type rig struct {
	t    *testing.T
	d    *db.DB
	push *push.Service
	s    *policy.Service
}

func newRig(t *testing.T, d *db.DB) *rig {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	ps := push.NewService(d, nil, config.Defaults(config.ProfileEmbedded).Push, push.Deps{}, log)
	q, err := jobs.New(d, jobs.Options{Logger: log, Register: func(w *river.Workers) {
		river.AddWorker(w, &push.FanoutWorker{S: ps})
		river.AddWorker(w, &push.SendWorker{S: ps})
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Stop(context.Background()) })
	ps.SetQueue(q)
	r := &rig{t: t, d: d, push: ps}
	r.s = r.service()
	ps.Register(policy.AudienceKind, r.s.Subscribers())
	return r
}

// service returns another instance's service on the same database.
func (r *rig) service() *policy.Service {
	r.t.Helper()
	s := policy.NewService(r.d, slog.New(slog.DiscardHandler), r.push, guideNames{"RS-0005": "就业创业证申领"},
		policy.Options{SharedCache: cache.NewMemory(0), VideoHosts: []string{"v.qq.com"}})
	if err := s.Load(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	return s
}

func (r *rig) count(q string, args ...any) int {
	r.t.Helper()
	var n int
	if err := r.d.Get(&n, r.d.Rebind(q), args...); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// residents inserts n residents and returns their ids.
func (r *rig) residents(n int) []int64 {
	r.t.Helper()
	now := time.Now().UTC()
	var ids []int64
	for i := 0; i < n; i++ {
		var id int64
		err := r.d.QueryRowx(r.d.Rebind(`INSERT INTO residents (openid, created_at, updated_at) VALUES (?, ?, ?) RETURNING id`),
			fmt.Sprintf("o-policy-%d-%d", now.UnixNano(), i), now, now).Scan(&id)
		if err != nil {
			r.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func (r *rig) create(c policy.Content) int64 {
	r.t.Helper()
	d, err := r.s.Create(context.Background(), editor, c)
	if err != nil {
		r.t.Fatal(err)
	}
	return d.ID
}

func major() policy.Content {
	c := valid()
	c.Major = true
	c.Interpretations = nil
	c.Topics = []string{"jiuye", "shebao"}
	c.RelatedGuides = []string{"RS-0005"}
	return c
}

func TestAMajorPolicyIsPublishedOnlyWithItsInterpretation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		id := r.create(major())
		_, err := r.s.Publish(ctx, editor, id, true)
		if !errors.Is(err, policy.ErrNeedInterpreting) || errs.KindOf(err) != errs.KindConflict {
			t.Fatalf("publishing a major policy without an interpretation: %v", err)
		}
		if e, _ := errs.As(err); !strings.Contains(e.Message, "解读") {
			t.Fatalf("message %q does not say what is missing", e.Message)
		}
		if dr, _ := r.s.GetDraft(ctx, id); dr.Status != policy.StatusDraft || dr.PublishedVersion != 0 {
			t.Fatalf("refused, yet the policy is %s v%d", dr.Status, dr.PublishedVersion)
		}
		if n := r.count(`SELECT COUNT(*) FROM push_messages`) + r.count(`SELECT COUNT(*) FROM river_job`) + r.count(`SELECT COUNT(*) FROM policy_versions`); n != 0 {
			t.Fatalf("a refused publication left %d versions, messages or jobs", n)
		}
		if _, err := r.s.Detail(ctx, id); !errors.Is(err, policy.ErrNotFound) {
			t.Fatalf("residents see a refused policy: %v", err)
		}

		c := major()
		c.Interpretations = []policy.Interpretation{{Kind: policy.KindGraphic, Title: "一图读懂稳就业十条", ImageURL: "https://img.example/tujie.png", Author: "市人社局"}}
		if _, err := r.s.Update(ctx, editor, id, c, 0); err != nil {
			t.Fatal(err)
		}
		p, err := r.s.Publish(ctx, editor, id, true)
		if err != nil || p.Status != policy.StatusPublished || p.Version != 1 {
			t.Fatalf("publish with an interpretation: %+v %v", p, err)
		}
		if len(p.Guides) != 1 || p.Guides[0].Name != "就业创业证申领" || strings.Join(p.TopicNames, ",") != "就业创业,社会保障" {
			t.Fatalf("guides %+v, topics %v", p.Guides, p.TopicNames)
		}
		if n := r.count(`SELECT COUNT(*) FROM push_messages WHERE cause = ?`, policy.Cause(id, 1)); n != 1 {
			t.Fatalf("%d messages for the release, want 1", n)
		}
		if n := r.count(`SELECT COUNT(*) FROM river_job WHERE kind = 'push_fanout'`); n != 1 {
			t.Fatalf("%d fan-out jobs, want 1", n)
		}
		if _, err := r.s.Publish(ctx, editor, id, true); !errors.Is(err, policy.ErrAlreadyPublished) {
			t.Fatalf("publishing twice: %v", err)
		}
	})
}

func TestAReleaseWhoseCommitFailsLeavesNothingBehind(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		id := r.create(valid())
		boom := errors.New("commit failed")
		policy.SetBeforeCommit(r.s, func(ctx context.Context, tx *sqlx.Tx) error {
			// the release and its fan-out are written by now, in this transaction
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM push_messages`); err != nil || n != 1 {
				t.Errorf("inside the transaction: %d messages (%v), want 1", n, err)
			}
			return boom
		})
		if _, err := r.s.Publish(ctx, editor, id, true); !errors.Is(err, boom) {
			t.Fatalf("publish: %v", err)
		}
		for _, table := range []string{"push_messages", "river_job", "policy_versions", "policy_changes"} {
			if n := r.count(`SELECT COUNT(*) FROM ` + table); n != 0 {
				t.Errorf("the failed release left %d rows in %s", n, table)
			}
		}
		if n := r.count(`SELECT COUNT(*) FROM audit_log WHERE action = 'policy.publish'`); n != 0 {
			t.Errorf("the failed release was audited")
		}
		if dr, _ := r.s.GetDraft(ctx, id); dr.Status != policy.StatusDraft {
			t.Fatalf("status %s after a failed release", dr.Status)
		}
		if _, err := r.s.Detail(ctx, id); !errors.Is(err, policy.ErrNotFound) {
			t.Fatalf("the catalogue took a failed release: %v", err)
		}
		policy.SetBeforeCommit(r.s, nil)
		if _, err := r.s.Publish(ctx, editor, id, true); err != nil {
			t.Fatal(err)
		}
		if n := r.count(`SELECT COUNT(*) FROM river_job`); n != 1 {
			t.Fatalf("%d jobs after the release, want 1", n)
		}
	})
}

func TestCorrectionsAndWithdrawal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		c := valid()
		id := r.create(c)
		if _, err := r.s.Correct(ctx, editor, id, "改正", false); !errors.Is(err, policy.ErrNotPublished) {
			t.Fatalf("correcting a draft: %v", err)
		}
		if _, err := r.s.Publish(ctx, editor, id, true); err != nil {
			t.Fatal(err)
		}
		if _, err := r.s.Correct(ctx, editor, id, "无改动", false); !errors.Is(err, policy.ErrUnchanged) {
			t.Fatalf("correcting without a change: %v", err)
		}
		c.EffectiveDate = "2025-05-01"
		if _, err := r.s.Update(ctx, editor, id, c, 0); err != nil {
			t.Fatal(err)
		}
		if b, _ := r.s.Detail(ctx, id); !strings.Contains(string(b), `"effective_date":"2025-04-01"`) {
			t.Fatalf("an unpublished edit reached residents: %s", b)
		}
		if _, err := r.s.Correct(ctx, editor, id, "  ", false); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("a correction without a changelog: %v", err)
		}
		p2, err := r.s.Correct(ctx, editor, id, "施行日期更正为 2025 年 5 月 1 日", false)
		if err != nil || p2.Version != 2 || len(p2.Corrections) != 1 || !p2.PublishedAt.Before(p2.UpdatedAt.Add(time.Nanosecond)) {
			t.Fatalf("correction: %+v %v", p2, err)
		}
		if n := r.count(`SELECT COUNT(*) FROM push_messages`); n != 1 {
			t.Fatalf("a correction not to be announced enqueued a message (%d)", n)
		}
		c.Title += "（修订）"
		if _, err := r.s.Update(ctx, editor, id, c, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := r.s.Correct(ctx, editor, id, "标题更正", true); err != nil {
			t.Fatal(err)
		}
		if n := r.count(`SELECT COUNT(*) FROM push_messages WHERE cause = ?`, policy.Cause(id, 3)); n != 1 {
			t.Fatalf("an announced correction enqueued %d messages", n)
		}
		var p policy.Policy
		b, _ := r.s.Detail(ctx, id)
		_ = json.Unmarshal(b, &p)
		if p.Version != 3 || len(p.Corrections) != 2 || p.Corrections[1].Note != "标题更正" || p.EffectiveDate != "2025-05-01" {
			t.Fatalf("residents see %+v", p)
		}
		if v1, err := r.s.Version(ctx, id, 1); err != nil || v1.EffectiveDate != "2025-04-01" || len(v1.Corrections) != 0 {
			t.Fatalf("version 1 must stay as published: %+v %v", v1, err)
		}
		if vs, _ := r.s.Versions(ctx, id); len(vs) != 3 || vs[0].PushCause == "" || vs[1].PushCause != "" || vs[2].PushCause == "" {
			t.Fatalf("versions %+v", vs)
		}

		if _, err := r.s.Withdraw(ctx, editor, id, ""); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("a withdrawal without a reason: %v", err)
		}
		if _, err := r.s.Withdraw(ctx, editor, id, "该文件已被《关于调整就业补贴标准的通知》替代"); err != nil {
			t.Fatal(err)
		}
		w, err := r.s.Get(ctx, id)
		if err != nil || w.Status != policy.StatusWithdrawn || w.WithdrawReason == "" || w.WithdrawnAt == nil || w.Body != "" || w.DocNumber == "" {
			t.Fatalf("residents see of a withdrawn policy: %+v %v", w, err)
		}
		if page, _ := r.s.List(policy.ListQuery{Limit: 20}); len(page.Items) != 0 {
			t.Fatalf("a withdrawn policy is listed: %+v", page.Items)
		}
		if _, err := r.s.Update(ctx, editor, id, c, 0); !errors.Is(err, policy.ErrWithdrawn) {
			t.Fatalf("editing a withdrawn policy: %v", err)
		}
		if _, err := r.s.Withdraw(ctx, editor, id, "再次撤回"); !errors.Is(err, policy.ErrWithdrawn) {
			t.Fatalf("withdrawing twice: %v", err)
		}
		var actions []string
		if err := d.Select(&actions, d.Rebind(`SELECT action FROM audit_log WHERE target_type = 'policy' AND target_id = ? ORDER BY id`), fmt.Sprint(id)); err != nil {
			t.Fatal(err)
		}
		want := "policy.create,policy.publish,policy.update,policy.correct,policy.update,policy.correct,policy.withdraw"
		if got := strings.Join(actions, ","); got != want {
			t.Fatalf("audit = %s\nwant    %s", got, want)
		}
	})
}

func TestBodiesAreSanitisedBeforeTheyAreStored(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		c := valid()
		c.Body = "<p>正文</p>" + strings.Join(hostile, "\n")
		id := r.create(c)
		if _, err := r.s.Publish(ctx, editor, id, false); err != nil {
			t.Fatal(err)
		}
		var stored []string
		if err := d.Select(&stored, d.Rebind(`SELECT draft FROM policies WHERE id = ? UNION ALL SELECT doc FROM policy_versions WHERE policy_id = ?`), id, id); err != nil {
			t.Fatal(err)
		}
		b, _ := r.s.Detail(ctx, id)
		for _, s := range append(stored, string(b)) {
			var doc struct {
				Body string `json:"body"`
			}
			_ = json.Unmarshal([]byte(s), &doc)
			if !strings.Contains(doc.Body, "<p>正文</p>") {
				t.Fatalf("the body lost its text: %q", doc.Body)
			}
			for _, f := range forbidden {
				if strings.Contains(strings.ToLower(doc.Body), f) {
					t.Errorf("stored body holds %q: %s", f, doc.Body)
				}
			}
		}
	})
}

func TestTopicSubscribersAreEachCountedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		ids := r.residents(5)
		subs := [][]string{{"jiuye", "shebao"}, {"jiuye"}, {"zhufang"}, {"shebao", "jiuye", "jiaoyu"}, {}}
		for i, topics := range subs {
			if _, err := r.s.SetSubscriptions(ctx, ids[i], topics); err != nil {
				t.Fatal(err)
			}
		}
		if got, _ := r.s.Subscriptions(ctx, ids[3]); strings.Join(got, ",") != "jiuye,shebao,jiaoyu" {
			t.Fatalf("subscriptions in display order: %v", got)
		}
		if _, err := r.s.SetSubscriptions(ctx, ids[4], []string{"jiuye", "no-such-topic"}); errs.KindOf(err) != errs.KindInvalid {
			t.Fatalf("an unknown topic: %v", err)
		}
		if _, err := r.s.SetSubscriptions(ctx, ids[1], nil); err != nil {
			t.Fatal(err)
		}
		aud := push.Audience{Kind: policy.AudienceKind, Params: json.RawMessage(`{"topics":["jiuye","shebao"]}`)}
		var got []int64
		for after := int64(0); ; {
			page, err := r.s.Subscribers().Recipients(ctx, aud, after, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			got = append(got, page...)
			after = page[len(page)-1]
		}
		if fmt.Sprint(got) != fmt.Sprint([]int64{ids[0], ids[3]}) {
			t.Fatalf("recipients %v, want %v once each (resident %d unsubscribed)", got, []int64{ids[0], ids[3]}, ids[1])
		}
	})
}

func TestListSearchAndPaging(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		docs := []policy.Content{valid(), valid(), valid()}
		docs[1].Title, docs[1].DocNumber, docs[1].Topics = "关于调整城乡居民基本医疗保险筹资标准的通知", "长医保发〔2025〕3号", []string{"yiliao"}
		docs[1].Body = "<p>城乡居民医保个人缴费标准为每人每年 380 元。</p>"
		docs[2].Title, docs[2].DocNumber, docs[2].Topics = "关于支持高校毕业生留长就业的通知", "长人社发〔2025〕21号", []string{"jiuye"}
		for _, c := range docs {
			if _, err := r.s.Publish(ctx, editor, r.create(c), false); err != nil {
				t.Fatal(err)
			}
		}
		cases := []struct {
			q, topic string
			want     string
		}{
			{"", "", "关于支持高校毕业生留长就业的通知,关于调整城乡居民基本医疗保险筹资标准的通知,关于进一步稳就业促创业的若干措施"},
			{"", "yiliao", "关于调整城乡居民基本医疗保险筹资标准的通知"},
			{"长医保发〔2025〕3号", "", "关于调整城乡居民基本医疗保险筹资标准的通知"},
			{"缴费标准", "", "关于调整城乡居民基本医疗保险筹资标准的通知"},
			{"就业", "jiuye", "关于支持高校毕业生留长就业的通知,关于进一步稳就业促创业的若干措施"},
			{"就业", "yiliao", ""},
			{"", "no-such-topic", ""},
		}
		for _, tc := range cases {
			page, err := r.s.List(policy.ListQuery{Q: tc.q, Topic: tc.topic, Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, h := range page.Items {
				titles = append(titles, h.Title)
			}
			if got := strings.Join(titles, ","); !sameSet(got, tc.want, tc.q != "") {
				t.Errorf("q=%q topic=%q: %s\nwant %s", tc.q, tc.topic, got, tc.want)
			}
		}
		first, _ := r.s.List(policy.ListQuery{Limit: 2})
		second, err := r.s.List(policy.ListQuery{Limit: 2, Cursor: first.NextCursor})
		if err != nil || len(first.Items) != 2 || len(second.Items) != 1 || second.NextCursor != "" {
			t.Fatalf("paging: %d then %d (%v)", len(first.Items), len(second.Items), err)
		}
		if _, err := r.s.List(policy.ListQuery{Limit: 2, Cursor: "forged"}); !errors.Is(err, policy.ErrBadCursor) {
			t.Fatalf("forged cursor: %v", err)
		}
		if _, err := r.s.List(policy.ListQuery{Q: "。。。", Limit: 2}); !errors.Is(err, policy.ErrBadQuery) {
			t.Fatalf("punctuation only: %v", err)
		}
	})
}

// sameSet compares comma lists, in order unless ranked results may tie.
func sameSet(got, want string, anyOrder bool) bool {
	if !anyOrder {
		return got == want
	}
	g, w := strings.Split(got, ","), strings.Split(want, ",")
	if len(g) != len(w) {
		return false
	}
	seen := map[string]bool{}
	for _, x := range g {
		seen[x] = true
	}
	for _, x := range w {
		if !seen[x] {
			return false
		}
	}
	return true
}

func TestAnotherInstanceFollowsPublicationsAndWithdrawals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		other := r.service()
		id := r.create(valid())
		if _, err := r.s.Publish(ctx, editor, id, false); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Detail(ctx, id); !errors.Is(err, policy.ErrNotFound) {
			t.Fatalf("before sync: %v", err)
		}
		if err := other.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if p, err := other.Get(ctx, id); err != nil || p.Version != 1 || other.Catalog().Len() != 1 {
			t.Fatalf("after sync: %+v %v", p, err)
		}
		if _, err := r.s.Withdraw(ctx, editor, id, "政策调整"); err != nil {
			t.Fatal(err)
		}
		if err := other.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if p, err := other.Get(ctx, id); err != nil || p.Status != policy.StatusWithdrawn || p.WithdrawReason != "政策调整" || other.Catalog().Len() != 0 {
			t.Fatalf("after the withdrawal: %+v %v", p, err)
		}
		if third := r.service(); third.Catalog().Len() != 0 {
			t.Fatal("a fresh instance lists a withdrawn policy")
		}
	})
}

func TestPagesAreRenderedOncePerVersion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		c := valid()
		id := r.create(c)
		if _, err := r.s.Publish(ctx, editor, id, false); err != nil {
			t.Fatal(err)
		}
		renders := 0
		render := func(p *policy.Policy) ([]byte, error) {
			renders++
			return []byte(fmt.Sprintf("v%d %s", p.Version, p.Status)), nil
		}
		for i := 0; i < 5; i++ {
			if b, err := r.s.Page(ctx, id, render); err != nil || string(b) != "v1 published" {
				t.Fatalf("page: %s %v", b, err)
			}
		}
		c.Title = "更正后的标题"
		_, _ = r.s.Update(ctx, editor, id, c, 0)
		_, _ = r.s.Correct(ctx, editor, id, "标题", false)
		if b, _ := r.s.Page(ctx, id, render); string(b) != "v2 published" {
			t.Fatalf("after the correction: %s", b)
		}
		_, _ = r.s.Withdraw(ctx, editor, id, "废止")
		if b, _ := r.s.Page(ctx, id, render); string(b) != "v2 withdrawn" {
			t.Fatalf("after the withdrawal: %s", b)
		}
		if renders != 3 {
			t.Fatalf("%d renders for 3 states", renders)
		}
		if _, err := r.s.Page(ctx, id+100, render); !errors.Is(err, policy.ErrNotFound) {
			t.Fatalf("unknown policy: %v", err)
		}
	})
}

func TestChangeFeedRowsOlderThanADayArePurged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d)
		ctx := context.Background()
		if _, err := r.s.Publish(ctx, editor, r.create(valid()), false); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Exec(d.Rebind(`INSERT INTO policy_changes (policy_id, changed_at) VALUES (1, ?)`), time.Now().UTC().Add(-48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n, err := r.s.PurgeExpired(ctx); err != nil || n != 1 {
			t.Fatalf("purged %d (%v), want 1", n, err)
		}
		if n := r.count(`SELECT COUNT(*) FROM policy_changes`); n != 1 {
			t.Fatalf("%d recent changes left, want 1", n)
		}
	})
}
