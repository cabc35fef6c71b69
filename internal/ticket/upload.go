package ticket

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/gif"  // GIF decoder for DecodeConfig
	_ "image/jpeg" // JPEG decoder for DecodeConfig
	_ "image/png"  // PNG decoder for DecodeConfig
	"net/http"
	"os"
	"path/filepath"
	"time"

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
)

var imageTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif"}

// SetUploadDir sets where images are stored.
func (s *Service) SetUploadDir(dir string) { s.uploadDir = dir }

// SaveUpload checks that data is an image by its content (not its name),
// within the size limit and of sane dimensions, stores it and records it as
// the actor's. It is attached to a ticket when the ticket is submitted.
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
	name := make([]byte, 16)
	_, _ = rand.Read(name)
	now := s.now()
	rel := filepath.Join(now.Format("2006"), now.Format("01"), hex.EncodeToString(name)+ext)
	full := filepath.Join(s.uploadDir, rel)
	if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
		return Upload{}, fmt.Errorf("ticket: upload dir: %w", err)
	}
	tmp := full + ".part"
	if err := os.WriteFile(tmp, data, 0o640); err != nil {
		return Upload{}, fmt.Errorf("ticket: write upload: %w", err)
	}
	if err := os.Rename(tmp, full); err != nil {
		return Upload{}, fmt.Errorf("ticket: store upload: %w", err)
	}
	sum := sha256.Sum256(data)
	const q = `INSERT INTO uploads (owner_kind, owner_id, path, content_type, size, sha256, width, height, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`
	u := Upload{ContentType: ct, Size: int64(len(data)), Width: cfg.Width, Height: cfg.Height}
	if err := s.db.QueryRowxContext(ctx, s.db.Rebind(q), a.Kind, a.ID, rel, ct, u.Size, hex.EncodeToString(sum[:]), u.Width, u.Height, now).Scan(&u.ID); err != nil {
		_ = os.Remove(full)
		return Upload{}, db.MapError(err, nil, nil)
	}
	return u, nil
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
		allowed = a.canSee(r, paths)
	}
	if !allowed {
		return "", "", ErrUploadAbsent
	}
	return filepath.Join(s.uploadDir, u.Path), u.ContentType, nil
}

var _ = time.Now
