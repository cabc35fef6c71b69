package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"govapp/internal/config"
	"govapp/internal/guide"
	"govapp/internal/oa"
	"govapp/internal/platform/cache"
	"govapp/internal/platform/db"
	"govapp/internal/push"
	"govapp/internal/wechat"
	"govapp/internal/wechat/oaserver"
)

// OAMenuFile is the default menu file of the official account, relative to
// the working directory.
const OAMenuFile = "configs/oa_menu.yaml"

// wechatOA returns the handler of GET and POST /wechat/oa (WeChat's
// callbacks): the official account's net/http server through Fiber's
// adaptor. Without a server (no official account configured) the route
// answers 404.
func wechatOA(s *oaserver.Server) fiber.Handler {
	if s == nil {
		return func(*fiber.Ctx) error { return fiberErrors[fiber.StatusNotFound] }
	}
	return adaptor.HTTPHandler(s)
}

// newOAService builds the official account's domain service: followers in d,
// text messages answered from the guide search, click answers and welcome
// from the menu file at menuPath (see loadOAMenu), links into the
// mini-program of cfg.MP. unions may be nil.
func newOAService(d *db.DB, guides *guide.Service, cfg config.WeChat, menuPath string, unions oa.UnionIDResolver, log *slog.Logger) (*oa.Service, error) {
	menu, err := loadOAMenu(menuPath, log)
	if err != nil {
		return nil, err
	}
	return oa.NewService(d, oaGuides{guides}, log, oa.Options{MiniProgramAppID: cfg.MP.AppID, Menu: menu, UnionIDs: unions}), nil
}

// loadOAMenu reads the menu file (OAMenuFile when path is ""). A missing
// file is an empty menu — the built-in welcome, no click answers — and a
// warning; a file that does not validate is an error.
func loadOAMenu(path string, log *slog.Logger) (oa.Menu, error) {
	if path == "" {
		path = OAMenuFile
	}
	m, err := oa.LoadMenu(path)
	if errors.Is(err, fs.ErrNotExist) {
		log.Warn("official-account menu file not found: menu clicks get no answer", "path", path)
		return oa.Menu{}, nil
	}
	return m, err
}

// newOAServer builds the callback server of the official account cfg.OA in
// its message mode (safe when an AES key is set, unless compatible is
// configured): used nonces and de-duplication in c (shared by the
// instances), answers from h (oaHandler{svc}), late answers through sender
// (nil drops them, logged).
func newOAServer(cfg config.WeChat, c cache.Cache, h oaserver.Handler, sender oaserver.CustomSender, log *slog.Logger) (*oaserver.Server, error) {
	s, err := oaserver.New(oaserver.Options{
		AppID: cfg.OA.AppID, Token: cfg.OA.Token, EncodingAESKey: cfg.OA.AESKey, Mode: oaserver.Mode(cfg.OA.MessageMode),
		Handler: h, Cache: c, Sender: sender, Log: log,
	})
	if err != nil {
		return nil, fmt.Errorf("app: official-account server: %w", err)
	}
	if oaserver.Mode(cfg.OA.MessageMode) == oaserver.ModeCompatible {
		log.Warn("official account in compatible mode: plaintext pushes are accepted although an AES key is set; " +
			"their signature does not cover the body (each timestamp and nonce is accepted for one body only) — switch to safe mode once WeChat sends encrypted pushes")
	}
	return s, nil
}

// The oa service gives the push pipeline its followers; the official-account
// client sends late answers.
var (
	_ push.Followers        = (*oa.Service)(nil)
	_ oaserver.CustomSender = (*wechat.OfficialAccount)(nil)
)

// OAMenuCreator replaces the official account's menu (the WeChat client's
// CreateMenu, adapted to oa.MenuButton).
type OAMenuCreator interface {
	CreateMenu(ctx context.Context, buttons []oa.MenuButton) error
}

// CreateOAMenu reads the menu file at path (OAMenuFile when ""), validates it
// and makes its buttons the official account's menu, mini-program buttons
// opening miniProgramAppID. It returns the file's error or mc's.
func CreateOAMenu(ctx context.Context, path, miniProgramAppID string, mc OAMenuCreator) error {
	if path == "" {
		path = OAMenuFile
	}
	if miniProgramAppID == "" {
		return errors.New("app: create menu: the mini-program app id is required")
	}
	m, err := oa.LoadMenu(path)
	if err != nil {
		return err
	}
	if len(m.Buttons) == 0 {
		return fmt.Errorf("app: create menu: %s has no buttons", path)
	}
	if err := mc.CreateMenu(ctx, m.MenuButtons(miniProgramAppID)); err != nil {
		return fmt.Errorf("app: create menu: %w", err)
	}
	return nil
}

// oaMenuClient adapts the official-account client to OAMenuCreator.
type oaMenuClient struct{ c *wechat.OfficialAccount }

func (m oaMenuClient) CreateMenu(ctx context.Context, buttons []oa.MenuButton) error {
	return m.c.CreateMenu(ctx, wechatButtons(buttons))
}

func wechatButtons(bs []oa.MenuButton) []wechat.MenuButton {
	if len(bs) == 0 {
		return nil
	}
	out := make([]wechat.MenuButton, len(bs))
	for i, b := range bs {
		out[i] = wechat.MenuButton{Type: b.Type, Name: b.Name, Key: b.Key, URL: b.URL, AppID: b.AppID,
			PagePath: b.PagePath, SubButtons: wechatButtons(b.SubButtons)}
	}
	return out
}

// PublishOAMenu makes the buttons of the menu file at path (OAMenuFile when
// "") the official account's menu (the create-oa-menu command). It fails
// when no official account is configured, or as CreateOAMenu.
func (a *App) PublishOAMenu(ctx context.Context, path string) error {
	if a.oaClient == nil {
		return errors.New("app: create menu: no official account configured (wechat.official_account app id and secret)")
	}
	return CreateOAMenu(ctx, path, a.cfg.WeChat.MP.AppID, oaMenuClient{a.oaClient})
}
