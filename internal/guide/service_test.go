package guide_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"govapp/internal/account"
	"govapp/internal/guide"
	"govapp/internal/platform/cache"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/errs"
)

var editor = guide.Actor{ID: 0, Name: "editor-test"}

func newService(t *testing.T, d *db.DB) (*guide.Service, int64) {
	t.Helper()
	ctx := context.Background()
	var deptID int64
	err := d.Tx(ctx, func(tx *sqlx.Tx) error {
		dep, err := account.EnsureDepartmentTx(ctx, tx, "市公安局", "", "bureau", 0)
		deptID = dep.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s := guide.NewService(d, slog.New(slog.DiscardHandler), guide.Options{SharedCache: cache.NewMemory(0)})
	if err := s.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return s, deptID
}

func sample(code, name string, dept int64) guide.Content {
	return guide.Content{
		Code: code, Name: name, Audience: "personal", Category: "hukou", DepartmentID: dept,
		LegalBasis: "《中华人民共和国居民身份证法》第十一条", ApplicableTo: "本市户籍居民",
		Process:   []guide.Step{{Name: "申请", Description: "到窗口提交材料"}, {Name: "受理"}, {Name: "办结", TimeLimit: "20 个工作日"}},
		Materials: []guide.Material{{Name: "居民户口簿", Form: "original", Copies: 1, Required: true}, {Name: "委托书", Form: "original", Copies: 1, Required: false, Condition: "委托他人办理的"}},
		Fees:      "工本费 20 元", LegalTimeLimitDays: 60, PromisedTimeLimitDays: 20, Phone: "0731-12345", ComplaintPhone: "12345",
		Halls:    []guide.Hall{{Name: "市民之家", Address: "新城大道 100 号", Hours: "工作日 9:00-17:00"}},
		Bookable: true, MaxVisits: 1, Keywords: []string{"身份证", "换证"},
	}
}

func TestPublishVersionsAndRetire(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, dept := newService(t, d)
		c := sample("GA-0001", "居民身份证换领", dept)
		if _, err := s.Create(ctx, editor, c); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Detail(ctx, "GA-0001"); !errors.Is(err, guide.ErrNotFound) {
			t.Fatalf("a draft is visible to residents: %v", err)
		}
		g1, err := s.Publish(ctx, editor, "GA-0001")
		if err != nil || g1.Version != 1 || g1.Department != "市公安局" {
			t.Fatalf("publish 1: %+v %v", g1, err)
		}
		if _, err := s.Publish(ctx, editor, "GA-0001"); !errors.Is(err, guide.ErrNothingToPub) {
			t.Fatalf("publishing an unchanged draft: %v", err)
		}
		c.Fees = "工本费 20 元（依据发改价格〔2003〕2322号）"
		d1, _ := s.GetDraft(ctx, "GA-0001")
		if _, err := s.Update(ctx, editor, "GA-0001", c, d1.Revision); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Update(ctx, editor, "GA-0001", c, d1.Revision); !errors.Is(err, guide.ErrStale) {
			t.Fatalf("saving over a newer revision: %v", err)
		}
		if b, _ := s.Detail(ctx, "GA-0001"); !strings.Contains(string(b), `"version":1`) {
			t.Fatalf("an unpublished edit reached residents: %s", b)
		}
		if g2, err := s.Publish(ctx, editor, "GA-0001"); err != nil || g2.Version != 2 {
			t.Fatalf("publish 2: %v", err)
		}
		b, err := s.Detail(ctx, "GA-0001")
		if err != nil || !strings.Contains(string(b), `"version":2`) || !strings.Contains(string(b), "2322") {
			t.Fatalf("residents see %s (%v), want version 2", b, err)
		}
		v1, err := s.Version(ctx, "GA-0001", 1)
		if err != nil || !strings.Contains(string(v1), `"version":1`) || strings.Contains(string(v1), "2322") {
			t.Fatalf("version 1 must stay readable and unchanged: %s %v", v1, err)
		}
		vs, _ := s.Versions(ctx, "GA-0001")
		if len(vs) != 2 || vs[0].Version != 2 {
			t.Fatalf("versions = %+v", vs)
		}
		if err := s.Retire(ctx, editor, "GA-0001"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Detail(ctx, "GA-0001"); !errors.Is(err, guide.ErrNotFound) {
			t.Fatalf("a retired guide is still served: %v", err)
		}
		if p, _ := s.List(guide.ListQuery{Limit: 20}); len(p.Items) != 0 {
			t.Fatalf("a retired guide is still listed: %+v", p.Items)
		}
		if _, err := s.Version(ctx, "GA-0001", 2); err != nil {
			t.Fatalf("history of a retired guide: %v", err)
		}
		var actions []string
		if err := d.Select(&actions, `SELECT action FROM audit_log WHERE target_id = 'GA-0001' ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(actions, ","); got != "guide.create,guide.publish,guide.update,guide.publish,guide.retire" {
			t.Fatalf("audit = %s", got)
		}
	})
}

func TestValidationNamesFields(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, dept := newService(t, d)
		c := sample("bad code!", "", dept)
		c.Materials[0].Form = "scan"
		c.Category = "nope"
		_, err := s.Create(context.Background(), editor, c)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindInvalid {
			t.Fatalf("err = %v", err)
		}
		for _, f := range []string{"code", "name", "materials[0].form", "category"} {
			if e.Fields[f] == "" {
				t.Errorf("field %s not named: %v", f, e.Fields)
			}
		}
		var n int
		_ = d.Get(&n, `SELECT COUNT(*) FROM guides`)
		if n != 0 {
			t.Fatal("an invalid draft was stored")
		}
		incomplete := sample("GA-0009", "缺少内容的事项", 0)
		incomplete.Process = nil
		if _, err := s.Create(context.Background(), editor, incomplete); err != nil {
			t.Fatalf("an incomplete draft may be saved: %v", err)
		}
		_, err = s.Publish(context.Background(), editor, "GA-0009")
		if e, ok := errs.As(err); !ok || e.Code != "guide_incomplete" || e.Fields["process"] == "" || e.Fields["department_id"] == "" {
			t.Fatalf("publishing an incomplete guide: %v", err)
		}
	})
}

func TestColdDetailLoadsOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, dept := newService(t, d)
		if _, err := s.Create(ctx, editor, sample("GA-0002", "居民身份证补领", dept)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Publish(ctx, editor, "GA-0002"); err != nil {
			t.Fatal(err)
		}
		fresh := guide.NewService(d, slog.New(slog.DiscardHandler), guide.Options{SharedCache: cache.NewMemory(0)})
		if err := fresh.Load(ctx); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := 0; i < 1000; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := fresh.Detail(ctx, "GA-0002"); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := fresh.DetailLoads(); n != 1 {
			t.Fatalf("1000 concurrent cold reads made %d database reads, want 1", n)
		}
	})
}

func TestImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, dept := newService(t, d)
		var docs []map[string]any
		for i := 0; i < 100; i++ {
			c := sample(fmt.Sprintf("IM-%04d", i), fmt.Sprintf("导入测试事项%d", i), 0)
			b, _ := json.Marshal(c)
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			delete(m, "department_id")
			m["department_name"] = "市新设管理局"
			docs = append(docs, m)
		}
		docs[41]["materials"] = []map[string]any{{"name": "", "form": "original", "copies": 1, "required": true}}
		file, _ := json.Marshal(docs)
		rows, err := guide.ParseJSON(file)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.Import(ctx, editor, rows, guide.ImportOptions{Publish: true})
		if err != nil || rep.Committed || rep.Refused != 1 || rep.Refusals[0].Row != 42 || rep.Refusals[0].Errors["materials[0].name"] == "" {
			t.Fatalf("one bad row: %+v %v", rep, err)
		}
		var n int
		_ = d.Get(&n, `SELECT COUNT(*) FROM guides`)
		var depts int
		_ = d.Get(&depts, `SELECT COUNT(*) FROM departments WHERE name = '市新设管理局'`)
		if n != 0 || depts != 0 {
			t.Fatalf("a refused file changed the database: %d guides, %d departments", n, depts)
		}
		rows, _ = guide.ParseJSON(file)
		rep, err = s.Import(ctx, editor, rows, guide.ImportOptions{Publish: true, SkipInvalid: true})
		if err != nil || !rep.Committed || rep.Accepted != 99 || rep.Published != 99 || rep.Refused != 1 {
			t.Fatalf("skip-invalid: %+v %v", rep, err)
		}
		if got := s.Catalog().Len(); got != 99 {
			t.Fatalf("catalogue holds %d, want 99", got)
		}
		rows, _ = guide.ParseJSON(file)
		rep, _ = s.Import(ctx, editor, rows, guide.ImportOptions{Publish: true, SkipInvalid: true})
		if rep.Updated != 99 || rep.Published != 0 {
			t.Fatalf("re-importing the same file must publish nothing new: %+v", rep)
		}
		_ = dept
	})
}

func TestImportCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, _ := newService(t, d)
		csvText := "code,name,audience,category,department_name,legal_basis,process,materials,fees,phone,halls,keywords,bookable,max_visits\n" +
			`CSV-1,结婚登记,personal,hunyu,市民政局,《婚姻登记条例》第四条,"[{""name"":""申请""}]","[{""name"":""居民身份证"",""form"":""original"",""copies"":1,""required"":true}]",不收费,0731-12345,"[{""name"":""市民之家"",""address"":""新城大道 100 号""}]","[""领证""]",true,1` + "\n" +
			`CSV-2,坏行,personal,hunyu,市民政局,依据,[],[],不收费,0731-12345,[],[],maybe,1` + "\n"
		rows, err := guide.ParseCSV(strings.NewReader(csvText))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := s.Import(context.Background(), editor, rows, guide.ImportOptions{Publish: true, SkipInvalid: true})
		if err != nil || rep.Published != 1 || rep.Refused != 1 || rep.Refusals[0].Errors["bookable"] == "" {
			t.Fatalf("csv import: %+v %v", rep, err)
		}
		if _, err := guide.ParseCSV(strings.NewReader("code,colour\nx,y\n")); err == nil {
			t.Fatal("an unknown CSV column must refuse the file")
		}
	})
}

// TestLoadReadsTheCatalogueInPages: an instance starting up reads every
// published guide, a page at a time, and none that is retired or a draft.
func TestLoadReadsTheCatalogueInPages(t *testing.T) {
	defer guide.SetLoadPage(3)()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, dept := newService(t, d)
		for i := 0; i < 10; i++ {
			code := fmt.Sprintf("GA-%04d", 100+i)
			if _, err := s.Create(ctx, editor, sample(code, fmt.Sprintf("事项%d", i), dept)); err != nil {
				t.Fatal(err)
			}
			if i == 9 { // a draft only
				break
			}
			if _, err := s.Publish(ctx, editor, code); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Retire(ctx, editor, "GA-0104"); err != nil {
			t.Fatal(err)
		}
		fresh := guide.NewService(d, slog.New(slog.DiscardHandler), guide.Options{SharedCache: cache.NewMemory(0)})
		if err := fresh.Load(ctx); err != nil {
			t.Fatal(err)
		}
		if n := fresh.Catalog().Len(); n != 8 {
			t.Fatalf("catalogue after Load holds %d guides, want the 8 published ones", n)
		}
		for _, code := range []string{"GA-0104", "GA-0109"} {
			if fresh.Catalog().Version(code) != 0 {
				t.Fatalf("%s (retired or draft) was loaded", code)
			}
		}
	})
}
