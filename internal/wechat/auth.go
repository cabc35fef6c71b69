package wechat

import (
	"context"
	"errors"
	"log/slog"
	"net/url"

	"govapp/internal/platform/errs"
)

// maxCodeLen bounds the login and phone codes we pass on (WeChat's are 32 characters).
const maxCodeLen = 128

// Session is the outcome of a mini-program login. SessionKey is a secret that
// never leaves the server; String and LogValue redact it.
type Session struct {
	OpenID     string
	UnionID    string
	SessionKey string
}

// String returns the session with the session key redacted.
func (s Session) String() string {
	return "Session{OpenID:" + s.OpenID + " UnionID:" + s.UnionID + " SessionKey:[redacted]}"
}

// LogValue logs the session without the session key.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("openid", s.OpenID), slog.String("unionid", s.UnionID))
}

var (
	_ slog.LogValuer = Session{}

	loginErrors = map[int64]*errs.Error{codeInvalidCode: ErrInvalidCode, codeCodeUsed: ErrInvalidCode}
	phoneErrors = map[int64]*errs.Error{codeInvalidCode: ErrInvalidPhoneCode, codeCodeUsed: ErrInvalidPhoneCode}
)

// Code2Session exchanges a wx.login code for the user's identity. Errors:
// ErrInvalidCode (unknown, expired or used code: 40029, 40163), ErrRateLimited
// (45011), ErrUnavailable (network, timeout, -1 or an unusable answer), or an
// *APIError for other errcodes (configuration mistakes).
func (c *Client) Code2Session(ctx context.Context, code string) (Session, error) {
	if code == "" || len(code) > maxCodeLen {
		return Session{}, ErrInvalidCode
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	// The library puts the code into the query unescaped.
	res, err := c.mp.GetAuth().Code2SessionContext(ctx, url.QueryEscape(code))
	if res.ErrCode != 0 {
		err = &APIError{API: "code2session", Code: res.ErrCode, Msg: res.ErrMsg}
	} else if err == nil && res.OpenID == "" {
		err = errors.New("wechat: code2session: answer without openid")
	}
	if err != nil {
		return Session{}, c.failed(ctx, "code2session", classify(err, loginErrors))
	}
	return Session{OpenID: res.OpenID, UnionID: res.UnionID, SessionKey: res.SessionKey}, nil
}

// PhoneNumber exchanges a getPhoneNumber code for the user's phone number
// without country code (purePhoneNumber). Errors: ErrInvalidPhoneCode (40029,
// 40163), ErrRateLimited (45011), ErrUnavailable (network, timeout, -1, no
// access token, token still rejected after one refresh), or an *APIError.
func (c *Client) PhoneNumber(ctx context.Context, code string) (string, error) {
	if code == "" || len(code) > maxCodeLen {
		return "", ErrInvalidPhoneCode
	}
	var phone string
	err := c.withTokenRetry(ctx, func(ctx context.Context) error {
		res, err := c.mp.GetAuth().GetPhoneNumberContext(ctx, code)
		if err != nil {
			return err
		}
		phone = res.PhoneInfo.PurePhoneNumber
		if phone == "" {
			return errors.New("wechat: getuserphonenumber: answer without a phone number")
		}
		return nil
	})
	if err != nil {
		return "", c.failed(ctx, "getuserphonenumber", classify(err, phoneErrors))
	}
	return phone, nil
}

// failed logs a failure that is not the user's doing and returns err.
func (c *Client) failed(ctx context.Context, api string, err error) error {
	switch errs.KindOf(err) {
	case errs.KindUnauthorized, errs.KindInvalid:
		c.log.InfoContext(ctx, "wechat: code rejected", "api", api, "err", err)
	default:
		c.log.WarnContext(ctx, "wechat: call failed", "api", api, "app_id", c.appID, "err", err)
	}
	return err
}
