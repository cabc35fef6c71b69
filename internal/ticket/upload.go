package ticket

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // GIF decoder for DecodeConfig
	_ "image/jpeg" // JPEG decoder for DecodeConfig
	_ "image/png"  // PNG decoder for DecodeConfig
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
)

// Upload is a stored image.
type Upload struct {
	ID          int64  `db:"id" json:"id"`
	ContentType string `db:"content_type" json:"content_type"`
	Size        int64  `db:"size" json:"size"`
	Width       int    `db:"width" json:"width"`
	Height      int    `db:"height" json:"height"`
}

// Upload errors.
var (
	ErrNotImage     = errs.New(errs.KindInvalid, "not_an_image", "只能上传 JPEG、PNG 或 GIF 图片")
	ErrImageTooBig  = errs.New(errs.KindTooLarge, "image_too_large", "图片过大")
	ErrUploadAbsent = errs.New(errs.KindNotFound, "upload_not_found", "图片不存在")
	ErrUploadQuota  = errs.New(errs.KindTooMany, "upload_quota_exceeded", "今天上传的图片已达上限，请明天再试")
)

var imageTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif"}

// partSuffix ends the name of an image while it is being written.
const partSuffix = ".part"

// createFunc creates an image's .part file.
type createFunc func(name string) (io.WriteCloser, error)

// UploadDir returns where images are stored.
func (s *Service) UploadDir() string { return s.uploadDir }

// SetUploadCreate replaces how an image's .part file is created (tests: a
// disk that fills up during the write); nil restores the disk.
func (s *Service) SetUploadCreate(create func(name string) (io.WriteCloser, error)) {
	s.uploadCreate = create
}

// SaveUpload checks that data is an image by its content (not its name),
// within the size limit and of sane dimensions, counts it against the
// uploader's daily quota, stores it and records it as the actor's. It is
// attached to a ticket when the ticket is submitted. Errors: ErrNotYours,
// ErrImageTooBig, ErrNotImage, ErrUploadQuota (nothing stored),
// errs.ErrStorageFull (a full disk: nothing stored either).
func (s *Service) SaveUpload(ctx context.Context, a Actor, data []byte) (Upload, error) {
	if a.Kind != "resident" && a.Kind != "staff" {
		return Upload{}, ErrNotYours
	}
	if len(data) > s.cfg.UploadMaxBytes {
		return Upload{}, ErrImageTooBig.WithMessage(fmt.Sprintf("图片不能超过 %d MB", s.cfg.UploadMaxBytes>>20))
	}
	ct := http.DetectContentType(data)
	ext, ok := imageTypes[ct]
	if !ok {
		return Upload{}, ErrNotImage
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || "image/"+format != ct && !(format == "jpeg" && ct == "image/jpeg") {
		return Upload{}, ErrNotImage
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > 12000 || cfg.Height > 12000 {
		return Upload{}, ErrNotImage.WithMessage("图片尺寸无效")
	}
	u := Upload{ContentType: ct, Size: int64(len(data)), Width: cfg.Width, Height: cfg.Height}
	now := s.now()
	release, err := s.reserveUpload(ctx, a, u.Size, now)
	if err != nil {
		return Upload{}, err
	}
	if err := s.storeUpload(ctx, a, data, ext, now, &u); err != nil {
		release()
		return Upload{}, err
	}
	return u, nil
}

// storeUpload writes data under a random name (through a .part file that
// is removed whatever goes wrong) and records it in uploads.
func (s *Service) storeUpload(ctx context.Context, a Actor, data []byte, ext string, now time.Time, u *Upload) error {
	name := make([]byte, 16)
	_, _ = rand.Read(name)
	rel := filepath.Join(now.Format("2006"), now.Format("01"), hex.EncodeToString(name)+ext)
	full := filepath.Join(s.uploadDir, rel)
	if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
		return fileError("ticket: upload dir", err)
	}
	if err := s.writePart(full+partSuffix, data); err != nil {
		return err
	}
	if err := os.Rename(full+partSuffix, full); err != nil {
		_ = os.Remove(full + partSuffix)
		return fileError("ticket: store upload", err)
	}
	sum := sha256.Sum256(data)
	const q = `INSERT INTO uploads (owner_kind, owner_id, path, content_type, size, sha256, width, height, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	if err := s.db.QueryRowxContext(ctx, s.db.Rebind(q), a.Kind, a.ID, rel, u.ContentType, u.Size, hex.EncodeToString(sum[:]), u.Width, u.Height, now).Scan(&u.ID); err != nil {
		_ = os.Remove(full)
		return fmt.Errorf("ticket: record upload: %w", db.MapErrorIn("ticket.storeUpload", err, nil, nil))
	}
	return nil
}

// writePart writes data to the new file tmp; when the write or the close
// fails (a full disk), tmp is removed before the error is returned.
func (s *Service) writePart(tmp string, data []byte) error {
	create := s.uploadCreate
	if create == nil {
		create = func(name string) (io.WriteCloser, error) {
			return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
		}
	}
	f, err := create(tmp)
	if err != nil {
		_ = os.Remove(tmp) // a create that failed half way may leave the name
		return fileError("ticket: create upload", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fileError("ticket: write upload", err)
	}
	return nil
}

// fileError wraps a file-system error with op: errs.ErrStorageFull when the
// disk is full (503 storage_full), else an internal error.
func fileError(op string, err error) error {
	err = fmt.Errorf("%s: %w", op, err)
	if db.IsStorageFull(err) {
		return errs.ErrStorageFull.Wrap(err)
	}
	return err
}

// uploadDay names the local calendar day of t, the period of the quota.
func (s *Service) uploadDay(t time.Time) string {
	loc := s.loc
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.DateOnly)
}

// reserveUpload counts an image of size bytes against a's quota of the day
// in one conditional statement — the row is raised only while it stays
// within tickets.upload_daily_count and upload_daily_bytes — so parallel
// uploads, on any number of instances, never pass the quota. It returns
// ErrUploadQuota when the image does not fit, and a release that gives the
// reservation back (the image could not be stored).
func (s *Service) reserveUpload(ctx context.Context, a Actor, size int64, now time.Time) (release func(), err error) {
	day := s.uploadDay(now)
	refused := ErrUploadQuota.WithMessage(fmt.Sprintf("今天上传的图片已达上限（每天最多 %d 张、共 %d MB），请明天再试",
		s.cfg.UploadDailyCount, s.cfg.UploadDailyBytes>>20)).WithRetryAfter(untilMidnight(now, s.loc))
	if size > s.cfg.UploadDailyBytes {
		return nil, refused
	}
	const q = `INSERT INTO upload_quota (owner_kind, owner_id, day, count, bytes) VALUES (?, ?, ?, 1, ?)
		ON CONFLICT (owner_kind, owner_id, day) DO UPDATE SET count = upload_quota.count + 1, bytes = upload_quota.bytes + excluded.bytes
		WHERE upload_quota.count < ? AND upload_quota.bytes + excluded.bytes <= ?`
	res, err := s.db.ExecContext(ctx, s.db.Rebind(q), a.Kind, a.ID, day, size, s.cfg.UploadDailyCount, s.cfg.UploadDailyBytes)
	if err != nil {
		return nil, fmt.Errorf("ticket: reserve upload quota: %w", db.MapErrorIn("ticket.reserveUpload", err, nil, nil))
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return nil, refused
	}
	return func() {
		const q = `UPDATE upload_quota SET count = count - 1, bytes = bytes - ?
			WHERE owner_kind = ? AND owner_id = ? AND day = ? AND count > 0`
		if _, err := s.db.ExecContext(context.WithoutCancel(ctx), s.db.Rebind(q), size, a.Kind, a.ID, day); err != nil {
			s.log.WarnContext(ctx, "upload quota not released", "err", err.Error())
		}
	}, nil
}

// untilMidnight returns how long from now until the next local midnight.
func untilMidnight(now time.Time, loc *time.Location) time.Duration {
	if loc == nil {
		loc = time.UTC
	}
	l := now.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc).Sub(now)
}

// OpenUpload returns the file of an image a may see: their own unattached
// upload, or an image of a ticket they may see. Anything else is
// ErrUploadAbsent (404), so that existence does not leak.
func (s *Service) OpenUpload(ctx context.Context, a Actor, id int64) (path, contentType string, err error) {
	var u struct {
		OwnerKind   string `db:"owner_kind"`
		OwnerID     int64  `db:"owner_id"`
		TicketID    *int64 `db:"ticket_id"`
		Path        string `db:"path"`
		ContentType string `db:"content_type"`
	}
	if err := s.db.GetContext(ctx, &u, s.db.Rebind(`SELECT owner_kind, owner_id, ticket_id, path, content_type FROM uploads WHERE id = ?`), id); err != nil {
		return "", "", db.MapError(err, ErrUploadAbsent, nil)
	}
	allowed := u.OwnerKind == a.Kind && u.OwnerID == a.ID
	if !allowed && u.TicketID != nil {
		r, err := getRowByID(ctx, s.db, *u.TicketID)
		if err != nil {
			return "", "", ErrUploadAbsent
		}
		_, paths, err := coDepartments(ctx, s.db, r.ID)
		if err != nil {
			return "", "", err
		}
		allowed = canSee(a, r, paths)
	}
	if !allowed {
		return "", "", ErrUploadAbsent
	}
	return filepath.Join(s.uploadDir, u.Path), u.ContentType, nil
}

// UploadPurger is the housekeeping purge of uploads (a housekeeping.Purger).
type UploadPurger struct{ S *Service }

// PurgeExpired runs PurgeUploads.
func (p UploadPurger) PurgeExpired(ctx context.Context) (int64, error) { return p.S.PurgeUploads(ctx) }

// purgeBatch is how many unattached images one round of the purge deletes.
const purgeBatch = 500

// PurgeUploads deletes what uploads leave behind and returns how many files
// it removed: images attached to no ticket for tickets.upload_unattached_ttl
// (the row, then the file), .part files older than tickets.upload_part_ttl
// (writes cut off by a crash) and quota rows of days before yesterday.
func (s *Service) PurgeUploads(ctx context.Context) (int64, error) {
	now := s.now()
	n, err := s.purgeUnattached(ctx, now.Add(-s.cfg.UploadUnattachedTTL.D()))
	if err != nil {
		return n, err
	}
	parts, err := s.purgeParts(ctx, now.Add(-s.cfg.UploadPartTTL.D()))
	n += parts
	if err != nil {
		return n, err
	}
	if _, err := s.db.DeleteInBatches(ctx, "upload_quota", "owner_kind, owner_id, day", "day < ?", db.PurgeBatch, s.uploadDay(now.Add(-24*time.Hour))); err != nil {
		return n, fmt.Errorf("ticket: purge upload quota: %w", err)
	}
	return n, nil
}

// purgeUnattached deletes the images attached to no ticket and created
// before cutoff. A row is deleted only while still unattached (a ticket
// submitted meanwhile keeps its image), and its file only once the row is gone.
func (s *Service) purgeUnattached(ctx context.Context, cutoff time.Time) (int64, error) {
	const pick = `SELECT id FROM uploads WHERE ticket_id IS NULL AND created_at < ? ORDER BY id LIMIT ?`
	const del = `DELETE FROM uploads WHERE ticket_id IS NULL AND id IN (?) RETURNING path`
	var total int64
	for ctx.Err() == nil {
		var ids []int64
		if err := s.db.SelectContext(ctx, &ids, s.db.Rebind(pick), cutoff, purgeBatch); err != nil {
			return total, fmt.Errorf("ticket: pick unattached uploads: %w", err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		q, args, err := sqlx.In(del, ids)
		if err != nil {
			return total, err
		}
		var paths []string
		if err := s.db.SelectContext(ctx, &paths, s.db.Rebind(q), args...); err != nil {
			return total, fmt.Errorf("ticket: delete unattached uploads: %w", err)
		}
		for _, rel := range paths {
			if !filepath.IsLocal(rel) {
				s.log.WarnContext(ctx, "upload path outside the upload directory: file kept", "path", rel)
				continue
			}
			if err := os.Remove(filepath.Join(s.uploadDir, rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return total, fmt.Errorf("ticket: remove unattached upload: %w", err)
			}
			total++
		}
		if len(ids) < purgeBatch {
			return total, nil
		}
	}
	return total, ctx.Err()
}

// purgeParts removes the .part files under the upload directory last
// modified before cutoff: a write still running is younger.
func (s *Service) purgeParts(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := filepath.WalkDir(s.uploadDir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p == s.uploadDir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll // nothing uploaded yet
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), partSuffix) {
			return nil
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			return nil // gone meanwhile (renamed by its write), or young
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("ticket: purge .part files: %w", err)
	}
	return n, nil
}
