package audit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"govapp/internal/audit"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
)

func TestRecord(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		req := audit.Request{RequestID: "req-0001", IP: "198.51.100.23"}
		ctx := audit.WithRequest(context.Background(), req)

		t.Run("an entry keeps who, what, on what and the request", func(t *testing.T) {
			before := time.Now().UTC().Add(-time.Second)
			e := audit.Entry{ActorKind: "staff", ActorID: 7, ActorName: "editor", Action: "guide.publish",
				TargetType: "guide", TargetID: "11510000MB1234567X", Detail: "version=3"}
			if err := audit.Record(ctx, d, e); err != nil {
				t.Fatal(err)
			}
			rows, err := audit.List(ctx, d, 0, 1)
			if err != nil || len(rows) != 1 {
				t.Fatalf("List = %v, %v", rows, err)
			}
			r := rows[0]
			if r.ActorKind != "staff" || r.ActorID == nil || *r.ActorID != 7 || r.ActorName != "editor" || r.Action != "guide.publish" ||
				r.TargetType != "guide" || r.TargetID != e.TargetID || r.Detail != "version=3" || r.RequestID != req.RequestID || r.IP != req.IP {
				t.Fatalf("row = %+v, want entry %+v from request %+v", r, e, req)
			}
			if r.CreatedAt.Before(before) || r.CreatedAt.After(time.Now().Add(time.Second)) {
				t.Fatalf("created_at = %v, want about now", r.CreatedAt)
			}
		})

		t.Run("a system entry outside a request has no actor id, request id or IP", func(t *testing.T) {
			if err := audit.Record(context.Background(), d, audit.Entry{ActorKind: "system", ActorName: "seed", Action: "staff.create"}); err != nil {
				t.Fatal(err)
			}
			rows, err := audit.List(ctx, d, 0, 1)
			if err != nil || len(rows) != 1 {
				t.Fatalf("List = %v, %v", rows, err)
			}
			if r := rows[0]; r.ActorID != nil || r.RequestID != "" || r.IP != "" || r.ActorName != "seed" {
				t.Fatalf("row = %+v", r)
			}
		})
	})
}

func TestRequestFrom(t *testing.T) {
	if got := audit.RequestFrom(context.Background()); got != (audit.Request{}) {
		t.Fatalf("RequestFrom(empty context) = %+v, want zero", got)
	}
	want := audit.Request{RequestID: "r-1", IP: "::1"}
	if got := audit.RequestFrom(audit.WithRequest(context.Background(), want)); got != want {
		t.Fatalf("RequestFrom = %+v, want %+v", got, want)
	}
}

func TestListPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		t.Parallel()
		ctx := context.Background()
		const total = 25
		for i := 1; i <= total; i++ {
			if err := audit.Record(ctx, d, audit.Entry{ActorKind: "staff", ActorName: "operator",
				Action: "ticket.accept", TargetType: "ticket", TargetID: fmt.Sprintf("HL2026030200000%02d", i)}); err != nil {
				t.Fatal(err)
			}
		}

		t.Run("pages walk from newest to oldest without gaps or repeats", func(t *testing.T) {
			var ids []int64
			var before int64
			pages := 0
			for {
				rows, err := audit.List(ctx, d, before, 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) == 0 {
					break
				}
				pages++
				if len(rows) > 10 {
					t.Fatalf("page of %d rows, limit 10", len(rows))
				}
				for _, r := range rows {
					ids = append(ids, r.ID)
				}
				before = rows[len(rows)-1].ID
			}
			if pages != 3 || len(ids) != total {
				t.Fatalf("%d pages, %d rows; want 3 pages of 10, 10, 5 covering %d rows", pages, len(ids), total)
			}
			for i := 1; i < len(ids); i++ {
				if ids[i] >= ids[i-1] {
					t.Fatalf("ids %v are not strictly newest first", ids)
				}
			}
		})

		t.Run("the first page is the newest entries", func(t *testing.T) {
			rows, err := audit.List(ctx, d, 0, 3)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.TargetID)
			}
			want := []string{"HL202603020000025", "HL202603020000024", "HL202603020000023"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("first page = %v, want %v", got, want)
			}
		})

		t.Run("before the oldest entry there is nothing", func(t *testing.T) {
			all, err := audit.List(ctx, d, 0, 100)
			if err != nil || len(all) != total {
				t.Fatalf("List(limit 100) = %d rows, %v", len(all), err)
			}
			rows, err := audit.List(ctx, d, all[len(all)-1].ID, 10)
			if err != nil || len(rows) != 0 {
				t.Fatalf("List(before oldest) = %v, %v; want none", rows, err)
			}
		})
	})
}
