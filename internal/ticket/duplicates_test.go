package ticket_test

import (
	"context"
	"testing"

	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/ticket"
)

func TestDuplicateSuggestions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		ptr := func(f float64) *float64 { return &f }
		file := func(title, content, category string, lat, lng *float64) string {
			tk, err := w.s.Record(ctx, w.operator, ticket.Input{Kind: ticket.KindComplaint, Category: category, Title: title,
				Content: content, ContactPhone: "0731-84012345", Lat: lat, Lng: lng})
			if err != nil {
				t.Fatal(err)
			}
			return tk.TrackingNo
		}
		base := file("幸福路烧烤店油烟扰民", "幸福路28号楼下烧烤店每晚油烟很大，噪音扰民到凌晨。", "生态环境", ptr(28.2001), ptr(112.9801))
		near := file("幸福路烧烤店油烟噪音", "幸福路楼下的烧烤店每晚油烟大、噪音扰民到凌晨两点。", "生态环境", ptr(28.2010), ptr(112.9810))
		far := file("烧烤店油烟扰民", "幸福路烧烤店每晚油烟很大，噪音扰民到凌晨。", "生态环境", ptr(28.3001), ptr(112.9801))
		other := file("幸福路烧烤店油烟扰民", "幸福路28号楼下烧烤店每晚油烟很大，噪音扰民到凌晨。", "市场监管", nil, nil)
		unrelated := file("学校门口交通拥堵", "每天早上学校门口车辆乱停，交通非常拥堵。", "生态环境", nil, nil)
		got, err := w.s.Duplicates(ctx, w.operator, base)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, dup := range got {
			found[dup.TrackingNo] = true
		}
		if !found[near] || found[far] || found[other] || found[unrelated] {
			t.Fatalf("suggestions %+v: want %s only (not %s 11 km away, not %s of another category, not %s)", got, near, far, other, unrelated)
		}
		if _, err := w.s.Duplicates(ctx, w.handler, base); err == nil {
			t.Fatal("a handler asked for duplicate suggestions")
		}
		w.must(w.act(w.operator, near, ticket.ActMerge, ticket.ActInput{ParentNo: base}))
		if again, _ := w.s.Duplicates(ctx, w.operator, base); len(again) != 0 {
			t.Fatalf("a merged ticket is still suggested: %+v", again)
		}
	})
}
