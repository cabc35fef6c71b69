package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lib/pq"

	"govapp/internal/platform/errs"
)

// uploadedFiles lists the files under the app's upload directory.
func (a *testApp) uploadedFiles() []string {
	a.t.Helper()
	var out []string
	err := filepath.WalkDir(a.tickets.UploadDir(), func(p string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return fs.SkipAll
		}
		if err != nil {
			return err
		}
		if e.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return out
}

// TestUploadQuotaOverHTTP: a resident's uploads a day are capped (429 with a
// Chinese message and Retry-After, nothing stored), also when they come in
// parallel.
func TestUploadQuotaOverHTTP(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			cfg := testConfig(t, b)
			cfg.Tickets.UploadDailyCount = 4
			a := newTestApp(t, cfg)
			alice := a.devLogin("o-alice", "")
			img := pngBytes(t)
			var wg sync.WaitGroup
			var mu sync.Mutex
			statuses := map[int]int{}
			for range 12 {
				wg.Go(func() {
					r := a.uploadFile(alice, "photo.png", img)
					mu.Lock()
					defer mu.Unlock()
					statuses[r.Status]++
				})
			}
			wg.Wait()
			if statuses[201] != 4 || statuses[429] != 8 {
				t.Fatalf("12 parallel uploads with a quota of 4 a day: %v", statuses)
			}
			r := a.uploadFile(alice, "photo.png", img)
			if r.Status != 429 || r.errorCode(t) != "upload_quota_exceeded" || r.Header.Get("Retry-After") == "" {
				t.Fatalf("the 13th upload of the day: %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
			}
			if files := a.uploadedFiles(); len(files) != 4 {
				t.Fatalf("files stored: %d, want 4", len(files))
			}
			if r := a.uploadFile(a.devLogin("o-bob", ""), "photo.png", img); r.Status != 201 {
				t.Fatalf("another resident's upload: %d %s", r.Status, r.Body)
			}
		})
	}
}

// enospcFile takes half of a write, then reports the disk full.
type enospcFile struct{ f *os.File }

func (w enospcFile) Write(p []byte) (int, error) {
	n, _ := w.f.Write(p[:len(p)/2])
	return n, &os.PathError{Op: "write", Path: w.f.Name(), Err: syscall.ENOSPC}
}

func (w enospcFile) Close() error { return w.f.Close() }

// TestDiskFullAnswers503: an upload on a full disk answers 503 storage_full
// (not 500) and leaves no .part file behind.
func TestDiskFullAnswers503(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, a *testApp) {
		alice := a.devLogin("o-alice", "")
		a.tickets.SetUploadCreate(func(name string) (io.WriteCloser, error) {
			f, err := os.Create(name)
			return enospcFile{f}, err
		})
		r := a.uploadFile(alice, "photo.png", pngBytes(t))
		if r.Status != 503 || r.errorCode(t) != "storage_full" {
			t.Fatalf("an upload on a full disk: %d %s", r.Status, r.Body)
		}
		if files := a.uploadedFiles(); len(files) != 0 {
			t.Fatalf("files left by the failed write: %v", files)
		}
		a.tickets.SetUploadCreate(nil)
		if r := a.uploadFile(alice, "photo.png", pngBytes(t)); r.Status != 201 {
			t.Fatalf("once there is space again: %d %s", r.Status, r.Body)
		}
	})
}

// TestStorageFullIsMappedOnce: whatever request meets a full disk (a login
// writing its session, a submission) answers 503 storage_full with a
// Chinese message, not 500, even when no domain mapped the error.
func TestStorageFullIsMappedOnce(t *testing.T) {
	t.Parallel()
	a := &App{}
	for name, err := range map[string]error{
		"ENOSPC":                    fmt.Errorf("account: write: %w", &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}),
		"PostgreSQL disk_full":      fmt.Errorf("account: insert session: %w", &pq.Error{Code: "53100"}),
		"already mapped by a store": errs.ErrStorageFull.Wrap(syscall.ENOSPC),
	} {
		status, e := a.classify(err)
		if status != 503 || e.Code != "storage_full" || !hasHan(e.Message) {
			t.Errorf("%s: %d %s %q, want 503 storage_full with a Chinese message", name, status, e.Code, e.Message)
		}
	}
	if status, e := a.classify(errors.New("boom")); status != 500 || e.Code == "storage_full" {
		t.Errorf("an unknown error: %d %s", status, e.Code)
	}
}

// TestReadyzReportsLowDiskSpace: less free space than health.min_free_bytes
// where images (or the SQLite file) are written is degraded, with details.
func TestReadyzReportsLowDiskSpace(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			cfg := testConfig(t, b)
			cfg.Health.MinFreeBytes = 1 << 62 // more than any disk here
			a := newTestApp(t, cfg)
			r := a.do("GET", "/readyz", "", nil)
			var rr struct {
				Status   string `json:"status"`
				Database string `json:"database"`
				Storage  *struct {
					Status       string `json:"status"`
					Dir          string `json:"dir"`
					FreeBytes    int64  `json:"free_bytes"`
					MinFreeBytes int64  `json:"min_free_bytes"`
				} `json:"storage"`
			}
			if err := json.Unmarshal(r.Body, &rr); err != nil {
				t.Fatal(err)
			}
			s := rr.Storage
			if r.Status != 200 || rr.Status != "degraded" || rr.Database != "ok" || s == nil || s.Status != "low" ||
				s.FreeBytes <= 0 || s.MinFreeBytes != 1<<62 || s.Dir == "" || strings.Contains(s.Dir, "/") {
				t.Fatalf("/readyz with the disk below the threshold: %d %s", r.Status, r.Body)
			}

			cfg = testConfig(t, b)
			cfg.Health.MinFreeBytes = 1
			a = newTestApp(t, cfg)
			if r := a.do("GET", "/readyz", "", nil); r.Status != 200 || r.json(t)["status"] != "ok" || r.json(t)["storage"] != nil {
				t.Fatalf("/readyz with space enough: %d %s", r.Status, r.Body)
			}
		})
	}
}

// TestPeriodicPurgeRemovesOldUploads: the housekeeping purge, as the app
// registers it, deletes an image attached to nothing for a day (row and
// file) and a stray .part file, and keeps a fresh image.
func TestPeriodicPurgeRemovesOldUploads(t *testing.T) {
	t.Parallel()
	heavy(t)
	for _, b := range backends() {
		t.Run(string(b), func(t *testing.T) {
			cfg := testConfig(t, b)
			cfg.Jobs.PollInterval = 0
			a := newTestAppWith(t, cfg, Options{Fake: fake, Work: true})
			alice := a.devLogin("o-alice", "")
			var ids []int64
			for range 2 {
				r := a.uploadFile(alice, "photo.png", pngBytes(t))
				if r.Status != 201 {
					t.Fatalf("upload: %d %s", r.Status, r.Body)
				}
				ids = append(ids, int64(r.json(t)["id"].(float64)))
			}
			d := a.DB()
			var oldPath string
			if err := d.Get(&oldPath, d.Rebind(`SELECT path FROM uploads WHERE id = ?`), ids[0]); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Exec(d.Rebind(`UPDATE uploads SET created_at = ? WHERE id = ?`), time.Now().UTC().Add(-25*time.Hour), ids[0]); err != nil {
				t.Fatal(err)
			}
			stray := filepath.Join(a.tickets.UploadDir(), filepath.Dir(oldPath), "stray.png.part")
			if err := os.WriteFile(stray, []byte("half"), 0o640); err != nil {
				t.Fatal(err)
			}
			old := time.Now().Add(-2 * time.Hour)
			if err := os.Chtimes(stray, old, old); err != nil {
				t.Fatal(err)
			}
			if err := a.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				var rows int
				if err := d.Get(&rows, d.Rebind(`SELECT COUNT(*) FROM uploads WHERE id = ?`), ids[0]); err != nil {
					t.Fatal(err)
				}
				if files := a.uploadedFiles(); rows == 0 && len(files) == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("not purged within 30s: row %d, files %v", rows, a.uploadedFiles())
				}
			}
			if r := a.do("GET", fmt.Sprintf("/api/v1/uploads/%d", ids[1]), alice, nil); r.Status != 200 {
				t.Fatalf("the fresh image after the purge: %d", r.Status)
			}
		})
	}
}
