package app

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"govapp/internal/account"
)

func ticketBody(title string) map[string]any {
	return map[string]any{"kind": "complaint", "category": "住房城建", "title": title,
		"content": "小区电梯已经停运两周，物业一直不修，老人上下楼非常困难，请相关部门督促维修。", "location": "城东区东湖街道幸福路",
		"contact_phone": "13800138000", "public_consent": true}
}

func TestTicketLifecycleOverHTTP(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		alice := a.devLogin("o-alice", "")
		bob := a.devLogin("o-bob", "")
		op := a.staffToken("op1", account.RoleOperator, "12345 热线中心")
		zj := a.staffToken("zj1", account.RoleHandler, "市住建局")
		rs := a.staffToken("rs1", account.RoleHandler, "市人社局")

		r := a.do("POST", "/api/v1/tickets", alice, ticketBody("小区电梯停运两周"), "Idempotency-Key", "submit-0000001")
		if r.Status != 201 {
			t.Fatalf("submit: %d %s", r.Status, r.Body)
		}
		no := r.json(t)["tracking_no"].(string)
		if again := a.do("POST", "/api/v1/tickets", alice, ticketBody("小区电梯停运两周"), "Idempotency-Key", "submit-0000001"); again.Status != 201 || again.json(t)["tracking_no"] != no {
			t.Fatalf("the same Idempotency-Key must return the first ticket: %s", again.Body)
		}
		var n int
		_ = a.DB().Get(&n, `SELECT COUNT(*) FROM tickets`)
		if n != 1 {
			t.Fatalf("%d tickets after a repeated submission", n)
		}
		if r := a.do("GET", "/api/v1/me/tickets/"+no, bob, nil); r.Status != 404 {
			t.Fatalf("resident B reads A's ticket: %d", r.Status)
		}
		step := func(tok, action string, body any, want int) response {
			t.Helper()
			r := a.do("POST", "/api/v1/ops/tickets/"+no+"/"+action, tok, body)
			if r.Status != want {
				t.Fatalf("%s: %d %s", action, r.Status, r.Body)
			}
			return r
		}
		step(zj, "accept", nil, 404) // not yet theirs: it does not exist for them
		step(op, "accept", nil, 200)
		step(op, "sign", nil, 403)
		step(op, "dispatch", map[string]any{"department_id": a.deptID("市住建局")}, 200)
		if r := a.do("GET", "/api/v1/ops/tickets/"+no, rs, nil); r.Status != 404 {
			t.Fatalf("a handler of 市人社局 sees a 市住建局 ticket: %d", r.Status)
		}
		if r := a.do("GET", "/api/v1/ops/tickets", rs, nil); strings.Contains(string(r.Body), no) {
			t.Fatal("a handler of 市人社局 lists a 市住建局 ticket")
		}
		step(zj, "sign", nil, 200)
		step(zj, "sign", nil, 409)
		step(zj, "reply", map[string]any{"reply": "已责令物业于三日内修复电梯。", "internal_note": "物业经理王某已约谈"}, 200)
		mine := a.do("GET", "/api/v1/me/tickets/"+no, alice, nil)
		if strings.Contains(string(mine.Body), "三日内修复") || strings.Contains(string(mine.Body), "王某") || strings.Contains(string(mine.Body), "zj1") {
			t.Fatalf("the resident sees an unreviewed reply, an internal note or a staff name: %s", mine.Body)
		}
		step(op, "review-pass", nil, 200)
		mine = a.do("GET", "/api/v1/me/tickets/"+no, alice, nil)
		if !strings.Contains(string(mine.Body), "三日内修复") {
			t.Fatalf("the reviewed reply does not reach the resident: %s", mine.Body)
		}
		if r := a.do("POST", "/api/v1/me/tickets/"+no+"/rating", bob, map[string]any{"rating": 5}); r.Status != 404 {
			t.Fatalf("resident B rates: %d", r.Status)
		}
		if r := a.do("POST", "/api/v1/me/tickets/"+no+"/rating", alice, map[string]any{"rating": 6}); r.Status != 400 {
			t.Fatalf("rating 6: %d", r.Status)
		}
		if r := a.do("POST", "/api/v1/me/tickets/"+no+"/rating", alice, map[string]any{"rating": 5, "comment": "修好了"}); r.Status != 200 || r.json(t)["status"] != "closed" {
			t.Fatalf("rating: %d %s", r.Status, r.Body)
		}
		var actions []string
		_ = a.DB().Select(&actions, a.DB().Rebind(`SELECT tl.action FROM ticket_timeline tl JOIN tickets t ON t.id = tl.ticket_id WHERE t.tracking_no = ? ORDER BY tl.id`), no)
		if got := strings.Join(actions, ","); got != "submit,accept,dispatch,sign,reply,review_pass,rate" {
			t.Fatalf("timeline %s", got)
		}
		var pushes int
		_ = a.DB().Get(&pushes, a.DB().Rebind(`SELECT COUNT(*) FROM push_messages WHERE cause LIKE ?`), "ticket:"+no+":%")
		if pushes != 3 {
			t.Fatalf("%d notifications enqueued, want accept, reply and close", pushes)
		}
	})
}

func TestConcurrentSubmissionsGetDistinctNumbers(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		tokens := make([]string, 20)
		for i := range tokens {
			tokens[i] = a.devLogin(fmt.Sprintf("o-many-%d", i), "")
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[string]bool{}
		failures := 0
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := a.do("POST", "/api/v1/tickets", tokens[i%20], ticketBody(fmt.Sprintf("第%d件诉求", i)))
				mu.Lock()
				defer mu.Unlock()
				if r.Status != 201 {
					failures++
					return
				}
				seen[r.json(t)["tracking_no"].(string)] = true
			}(i)
		}
		wg.Wait()
		if failures > 0 || len(seen) != 200 {
			t.Fatalf("%d failures, %d distinct tracking numbers", failures, len(seen))
		}
		if r := a.do("POST", "/api/v1/tickets", tokens[0], ticketBody("第十一件")); r.Status != 429 || r.errorCode(t) != "ticket_daily_limit" {
			t.Fatalf("the 11th submission of a day: %d %s", r.Status, r.Body)
		}
	})
}

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (a *testApp) uploadFile(token, name string, data []byte) response {
	a.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req := httptest.NewRequest("POST", "/api/v1/uploads", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := a.Fiber().Test(req, 10000)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

func TestAttachmentsAreCheckedAndPrivate(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	alice := a.devLogin("o-alice", "")
	bob := a.devLogin("o-bob", "")
	if r := a.uploadFile(alice, "photo.png", []byte("<?php system($_GET['x']); ?>")); r.Status != 400 || r.errorCode(t) != "not_an_image" {
		t.Fatalf("a script named .png: %d %s", r.Status, r.Body)
	}
	fake := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
	if r := a.uploadFile(alice, "broken.png", fake); r.Status != 400 {
		t.Fatalf("a PNG header without an image: %d", r.Status)
	}
	r := a.uploadFile(alice, "evidence.txt", pngBytes(t))
	if r.Status != 201 {
		t.Fatalf("a real PNG (whatever its name): %d %s", r.Status, r.Body)
	}
	id := int64(r.json(t)["id"].(float64))
	body := ticketBody("楼道堆放杂物")
	body["attachment_ids"] = []int64{id}
	tr := a.do("POST", "/api/v1/tickets", alice, body)
	if tr.Status != 201 {
		t.Fatalf("submit with attachment: %d %s", tr.Status, tr.Body)
	}
	path := fmt.Sprintf("/api/v1/uploads/%d", id)
	if r := a.do("GET", path, alice, nil); r.Status != 200 || !bytes.HasPrefix(r.Body, []byte("\x89PNG")) {
		t.Fatalf("the owner reads the image: %d", r.Status)
	}
	if r := a.do("GET", path, bob, nil); r.Status != 404 {
		t.Fatalf("resident B reads A's attachment: %d", r.Status)
	}
	body["attachment_ids"] = []int64{id}
	if r := a.do("POST", "/api/v1/tickets", bob, body); r.Status != 400 {
		t.Fatalf("B attaches A's image: %d", r.Status)
	}
	op := a.staffToken("op1", account.RoleOperator, "")
	if r := a.do("GET", path, op, nil); r.Status != 200 {
		t.Fatalf("an operator reads the image of a ticket: %d", r.Status)
	}
}

func TestContentCheckHoldsOrRefuses(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, testConfig(t, embedded))
	alice := a.devLogin("o-alice", "")
	risky := ticketBody("举报违禁词测试")
	if r := a.do("POST", "/api/v1/tickets", alice, risky); r.Status != 400 || r.errorCode(t) != "content_rejected" {
		t.Fatalf("risky text: %d %s", r.Status, r.Body)
	}
	review := ticketBody("关于待审核词测试的投诉")
	r := a.do("POST", "/api/v1/tickets", alice, review)
	if r.Status != 201 || r.json(t)["held"] != true {
		t.Fatalf("text to review must be kept but held: %d %s", r.Status, r.Body)
	}
	_ = context.Background()
}

func TestPublicationIsRedactedAndOperatorOnly(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		alice := a.devLogin("o-alice", "")
		op := a.staffToken("op1", account.RoleOperator, "")
		ed := a.staffToken("ed1", account.RoleEditor, "")
		body := ticketBody("幸福路噪音扰民")
		body["content"] = "我叫李晓明，电话13912345678，住城东区东湖街道幸福路28号3栋2单元501室，楼下烧烤店每晚营业到凌晨两点，车牌湘A·12345的车常年占道。"
		no := a.do("POST", "/api/v1/tickets", alice, body).json(t)["tracking_no"].(string)
		a.do("POST", "/api/v1/ops/tickets/"+no+"/accept", op, nil)
		if r := a.do("GET", "/api/v1/ops/tickets/"+no+"/publication", op, nil); r.Status != 409 || r.errorCode(t) != "ticket_not_answered" {
			t.Fatalf("preview before the answer: %d %s", r.Status, r.Body)
		}
		a.do("POST", "/api/v1/ops/tickets/"+no+"/answer", op, map[string]any{"reply": "已联系城管部门，李晓明反映的烧烤店已限期整改。"})
		pv := a.do("GET", "/api/v1/ops/tickets/"+no+"/publication", op, nil)
		if pv.Status != 200 || !strings.Contains(string(pv.Body), `"diff"`) {
			t.Fatalf("preview: %d %s", pv.Status, pv.Body)
		}
		if r := a.do("POST", "/api/v1/ops/tickets/"+no+"/publication", ed, nil); r.Status != 403 {
			t.Fatalf("an editor publishes a ticket: %d", r.Status)
		}
		if r := a.do("POST", "/api/v1/ops/tickets/"+no+"/publication", op, nil); r.Status != 200 {
			t.Fatalf("publish: %d %s", r.Status, r.Body)
		}
		pub := string(a.do("GET", "/api/v1/public/tickets/"+no, "", nil).Body)
		for _, secret := range []string{"李晓明", "13912345678", "12345678", "28号", "501", "湘A·12345", "o-alice"} {
			if strings.Contains(pub, secret) {
				t.Fatalf("the published copy still holds %q: %s", secret, pub)
			}
		}
		for _, kept := range []string{"城东区", "东湖街道", "幸福路", "烧烤店"} {
			if !strings.Contains(pub, kept) {
				t.Fatalf("the published copy lost %q: %s", kept, pub)
			}
		}
		list := a.do("GET", "/api/v1/public/tickets?q=烧烤", "", nil)
		if !strings.Contains(string(list.Body), no) {
			t.Fatalf("public list: %s", list.Body)
		}
		noConsent := ticketBody("不同意公开的诉求")
		noConsent["public_consent"] = false
		no2 := a.do("POST", "/api/v1/tickets", alice, noConsent).json(t)["tracking_no"].(string)
		a.do("POST", "/api/v1/ops/tickets/"+no2+"/accept", op, nil)
		a.do("POST", "/api/v1/ops/tickets/"+no2+"/answer", op, map[string]any{"reply": "已答复您的诉求，感谢监督。"})
		if r := a.do("POST", "/api/v1/ops/tickets/"+no2+"/publication", op, nil); r.Status != 409 || r.errorCode(t) != "no_public_consent" {
			t.Fatalf("publishing without consent: %d %s", r.Status, r.Body)
		}
		if r := a.do("GET", "/api/v1/public/tickets/"+no2, "", nil); r.Status != 404 {
			t.Fatalf("an unpublished ticket is public: %d", r.Status)
		}
	})
}
