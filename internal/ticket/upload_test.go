package ticket_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"govapp/internal/calendar"
	"govapp/internal/config"
	"govapp/internal/housekeeping"
	"govapp/internal/platform/db"
	"govapp/internal/platform/db/dbtest"
	"govapp/internal/platform/errs"
	"govapp/internal/platform/pii"
	"govapp/internal/ticket"
)

// The upload purge runs with the housekeeping purge job.
var _ housekeeping.Purger = ticket.UploadPurger{}

// newUploadWorld is newWorld with the ticket settings changed by tweak and
// images stored in the directory it returns.
func newUploadWorld(t *testing.T, d *db.DB, tweak func(*config.Tickets)) (*world, string) {
	t.Helper()
	w := newWorld(t, d)
	cfg := config.Defaults(config.ProfileEmbedded).Tickets
	dir := t.TempDir()
	cfg.UploadDir = dir
	if tweak != nil {
		tweak(&cfg)
	}
	box, err := pii.New("ticket-test-secret-0123456789abcdefghij")
	if err != nil {
		t.Fatal(err)
	}
	cal := calendar.Default()
	w.s = ticket.NewService(d, box, func() ticket.Clock { return cal }, nil, nil, cfg, shanghai, slog.New(slog.DiscardHandler))
	w.s.SetClock(func() time.Time { return w.now })
	return w, dir
}

// pngOf returns a PNG of w×h pixels (its size grows with the area).
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{uint8(x), uint8(x * 7), 0, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// filesIn lists the regular files under dir, relative and sorted.
func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func uploadRows(t *testing.T, d *db.DB, a ticket.Actor) int {
	t.Helper()
	var n int
	if err := d.Get(&n, d.Rebind(`SELECT COUNT(*) FROM uploads WHERE owner_kind = ? AND owner_id = ?`), a.Kind, a.ID); err != nil {
		t.Fatal(err)
	}
	return n
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// wantQuotaRefusal fails unless err is the quota refusal: 429 kind, a
// Chinese message.
func wantQuotaRefusal(t *testing.T, err error) {
	t.Helper()
	e, ok := errs.As(err)
	if !errors.Is(err, ticket.ErrUploadQuota) || !ok || e.Kind != errs.KindTooMany || !hasHan(e.Message) {
		t.Fatalf("upload over the quota: %v, want %v (429, Chinese message)", err, ticket.ErrUploadQuota)
	}
}

func TestUploadDailyQuota(t *testing.T) {
	ctx := context.Background()
	img := pngOf(t, 40, 30)

	t.Run("the count a day is capped and a refused upload stores nothing", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			w, dir := newUploadWorld(t, d, func(c *config.Tickets) { c.UploadDailyCount = 3 })
			for i := range 3 {
				if _, err := w.s.SaveUpload(ctx, w.alice, img); err != nil {
					t.Fatalf("upload %d of 3: %v", i+1, err)
				}
			}
			_, err := w.s.SaveUpload(ctx, w.alice, img)
			wantQuotaRefusal(t, err)
			if n, files := uploadRows(t, d, w.alice), filesIn(t, dir); n != 3 || len(files) != 3 {
				t.Fatalf("after a refused 4th upload: %d rows, files %v; want 3 and 3", n, files)
			}
			if _, err := w.s.SaveUpload(ctx, w.bob, img); err != nil {
				t.Fatalf("another resident's quota is their own: %v", err)
			}
			if _, err := w.s.SaveUpload(ctx, w.handler, img); err != nil {
				t.Fatalf("staff have their own quota: %v", err)
			}
			w.now = w.now.Add(24 * time.Hour)
			if _, err := w.s.SaveUpload(ctx, w.alice, img); err != nil {
				t.Fatalf("the next day starts afresh: %v", err)
			}
		})
	})

	t.Run("the bytes a day are capped", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			w, dir := newUploadWorld(t, d, func(c *config.Tickets) {
				c.UploadMaxBytes = len(img)
				c.UploadDailyBytes = int64(2*len(img) + len(img)/2)
			})
			for i := range 2 {
				if _, err := w.s.SaveUpload(ctx, w.alice, img); err != nil {
					t.Fatalf("upload %d of 2: %v", i+1, err)
				}
			}
			_, err := w.s.SaveUpload(ctx, w.alice, img)
			wantQuotaRefusal(t, err)
			if len(filesIn(t, dir)) != 2 {
				t.Fatalf("files after the refusal: %v", filesIn(t, dir))
			}
		})
	})

	t.Run("the day is the local calendar day", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			w, _ := newUploadWorld(t, d, func(c *config.Tickets) { c.UploadDailyCount = 1 })
			w.now = at(2026, 9, 14, 23, 50)
			if _, err := w.s.SaveUpload(ctx, w.alice, img); err != nil {
				t.Fatal(err)
			}
			w.now = at(2026, 9, 15, 0, 10) // still the 14th in UTC
			if _, err := w.s.SaveUpload(ctx, w.alice, img); err != nil {
				t.Fatalf("just after local midnight: %v", err)
			}
		})
	})

	t.Run("parallel uploads never pass the quota", func(t *testing.T) {
		dbtest.Each(t, func(t *testing.T, d *db.DB) {
			const limit, tries = 5, 30
			w, dir := newUploadWorld(t, d, func(c *config.Tickets) { c.UploadDailyCount = limit })
			var wg sync.WaitGroup
			results := make(chan error, tries)
			for range tries {
				wg.Go(func() {
					_, err := w.s.SaveUpload(ctx, w.alice, img)
					results <- err
				})
			}
			wg.Wait()
			close(results)
			ok := 0
			for err := range results {
				if err == nil {
					ok++
					continue
				}
				wantQuotaRefusal(t, err)
			}
			if n, files := uploadRows(t, d, w.alice), filesIn(t, dir); ok != limit || n != limit || len(files) != limit {
				t.Fatalf("%d parallel uploads with a quota of %d: %d accepted, %d rows, %d files", tries, limit, ok, n, len(files))
			}
		})
	})
}

func TestPurgeUploads(t *testing.T) {
	ctx := context.Background()
	img := pngOf(t, 8, 8)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w, dir := newUploadWorld(t, d, nil)
		start := w.now
		old, err := w.s.SaveUpload(ctx, w.alice, img)
		if err != nil {
			t.Fatal(err)
		}
		attached, err := w.s.SaveUpload(ctx, w.alice, img)
		if err != nil {
			t.Fatal(err)
		}
		in := ticket.Input{Kind: ticket.KindComplaint, Category: "住房城建", Title: "楼道堆放杂物", Content: "楼道里堆满了杂物，存在消防隐患，请尽快处理。",
			AttachmentIDs: []int64{attached.ID}}
		if _, err := w.s.Submit(ctx, w.alice, in); err != nil {
			t.Fatal(err)
		}
		w.now = start.Add(25 * time.Hour)
		fresh, err := w.s.SaveUpload(ctx, w.alice, img)
		if err != nil {
			t.Fatal(err)
		}
		pathOf := map[int64]string{}
		for _, id := range []int64{old.ID, attached.ID, fresh.ID} {
			var p string
			if err := d.Get(&p, d.Rebind(`SELECT path FROM uploads WHERE id = ?`), id); err != nil {
				t.Fatal(err)
			}
			pathOf[id] = p
		}
		// .part files left by writes that were interrupted (a crash): one
		// two hours old, one of ten minutes (a write that may still run).
		month := filepath.Dir(pathOf[fresh.ID])
		strayPart, livePart := filepath.Join(month, "stray.jpg.part"), filepath.Join(month, "live.png.part")
		for p, age := range map[string]time.Duration{strayPart: 2 * time.Hour, livePart: 10 * time.Minute} {
			if err := os.WriteFile(filepath.Join(dir, p), []byte("half an image"), 0o640); err != nil {
				t.Fatal(err)
			}
			mt := w.now.Add(-age)
			if err := os.Chtimes(filepath.Join(dir, p), mt, mt); err != nil {
				t.Fatal(err)
			}
		}

		n, err := ticket.UploadPurger{S: w.s}.PurgeExpired(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("purged %d, want 2 (the old unattached image and the stray .part)", n)
		}
		var left []int64
		if err := d.Select(&left, `SELECT id FROM uploads ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		if len(left) != 2 || left[0] != attached.ID || left[1] != fresh.ID {
			t.Fatalf("uploads left %v, want the attached %d and the fresh %d", left, attached.ID, fresh.ID)
		}
		want := []string{pathOf[attached.ID], pathOf[fresh.ID], livePart}
		sort.Strings(want)
		if got := filesIn(t, dir); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("files left %v, want %v", got, want)
		}
		if _, err := w.s.SaveUpload(ctx, w.alice, img); err != nil {
			t.Fatalf("uploading after a purge: %v", err)
		}

		t.Run("quota rows of past days go too", func(t *testing.T) {
			w.now = start.Add(72 * time.Hour)
			if _, err := (ticket.UploadPurger{S: w.s}).PurgeExpired(ctx); err != nil {
				t.Fatal(err)
			}
			var days []string
			if err := d.Select(&days, `SELECT day FROM upload_quota ORDER BY day`); err != nil {
				t.Fatal(err)
			}
			if len(days) != 0 {
				t.Fatalf("quota rows of past days left: %v", days)
			}
		})
	})
}

// fullDisk is a file that takes half of a write and then reports the disk
// full, as a write of an image does when the disk fills during it.
type fullDisk struct {
	f *os.File
}

func (w *fullDisk) Write(p []byte) (int, error) {
	n, _ := w.f.Write(p[:len(p)/2])
	return n, &os.PathError{Op: "write", Path: w.f.Name(), Err: syscall.ENOSPC}
}

func (w *fullDisk) Close() error { return w.f.Close() }

// failingClose writes everything but fails to close (a network file system
// reporting the full disk only then).
type failingClose struct{ f *os.File }

func (w *failingClose) Write(p []byte) (int, error) { return w.f.Write(p) }
func (w *failingClose) Close() error {
	_ = w.f.Close()
	return &os.PathError{Op: "close", Path: w.f.Name(), Err: syscall.ENOSPC}
}

func TestFailedUploadWriteLeavesNothing(t *testing.T) {
	ctx := context.Background()
	img := pngOf(t, 40, 30)
	wraps := map[string]func(*os.File) io.WriteCloser{
		"the write fails half way": func(f *os.File) io.WriteCloser { return &fullDisk{f} },
		"the close fails":          func(f *os.File) io.WriteCloser { return &failingClose{f} },
	}
	for name, wrap := range wraps {
		t.Run(name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, d *db.DB) {
				w, dir := newUploadWorld(t, d, func(c *config.Tickets) { c.UploadDailyCount = 1 })
				created := 0
				w.s.SetUploadCreate(func(name string) (io.WriteCloser, error) {
					f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
					if err != nil {
						return nil, err
					}
					created++
					return wrap(f), nil
				})
				_, err := w.s.SaveUpload(ctx, w.alice, img)
				if created != 1 {
					t.Fatalf("the .part file was created %d times, want 1", created)
				}
				if files := filesIn(t, dir); len(files) != 0 {
					t.Fatalf("files left by the failed write: %v", files)
				}
				if n := uploadRows(t, d, w.alice); n != 0 {
					t.Fatalf("rows left by the failed write: %d", n)
				}
				if !errors.Is(err, errs.ErrStorageFull) || errs.KindOf(err) != errs.KindUnavailable {
					t.Fatalf("SaveUpload on a full disk = %v, want storage_full", err)
				}
				w.s.SetUploadCreate(nil)
				if _, err := w.s.SaveUpload(ctx, w.alice, img); err != nil {
					t.Fatalf("the failed write used up the quota of 1: %v", err)
				}
			})
		})
	}
}
