package wechat

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/silenceper/wechat/v2/util"

	"govapp/internal/platform/errs"
)

// Errors returned by Client. Callers compare them with errors.Is; each carries a
// Chinese message fit to show a resident and usually wraps the WeChat answer.
var (
	// ErrInvalidCode: the wx.login code is unknown, expired or already used.
	ErrInvalidCode = errs.New(errs.KindUnauthorized, "wechat_code_invalid", "登录凭证无效或已过期，请重新进入小程序")
	// ErrInvalidPhoneCode: the getPhoneNumber code is unknown, expired or already used.
	ErrInvalidPhoneCode = errs.New(errs.KindInvalid, "phone_code_invalid", "手机号授权凭证无效或已过期，请重新授权")
	// ErrRateLimited: WeChat throttled the call (45011).
	ErrRateLimited = errs.New(errs.KindTooMany, "wechat_rate_limited", "微信服务繁忙，请稍后再试")
	// ErrUnavailable: WeChat could not be reached, timed out, was busy (-1) or
	// answered something we could not use.
	ErrUnavailable = errs.New(errs.KindUnavailable, "wechat_unavailable", "微信服务暂时不可用，请稍后再试")
)

// WeChat errcodes the client acts upon.
const (
	codeSystemBusy     = -1
	codeInvalidToken   = 40001
	codeBadToken       = 40014
	codeInvalidCode    = 40029
	codeCodeUsed       = 40163
	codeTokenExpired   = 42001
	codeQuotaExhausted = 45009
	codeRateLimited    = 45011
)

// APIError is a non-zero errcode answered by a WeChat API.
type APIError struct {
	API  string // the API called, e.g. "code2session"
	Code int64  // WeChat's errcode
	Msg  string // WeChat's errmsg
}

// Error returns the API, errcode and errmsg.
func (e *APIError) Error() string {
	return fmt.Sprintf("wechat: %s: errcode=%d errmsg=%s", e.API, e.Code, e.Msg)
}

// tokenError marks a failure to obtain the access token, so that it is never
// mistaken for an answer of the API that needed the token.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "wechat: access token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

var (
	errcodeInText = regexp.MustCompile(`errcode\s*[=:]\s*(-?\d+)`)
	// credentialInURL matches the query parameters that must never be logged:
	// the library's transport errors quote the whole URL.
	credentialInURL = regexp.MustCompile(`([?&](?:secret|access_token|js_code)=)[^&\s"]*`)
)

// redactedError hides credentials from an error's text but keeps its chain
// (errors.Is(err, context.DeadlineExceeded) still holds).
type redactedError struct {
	err error
	msg string
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with the app secret, access tokens and login codes
// blanked out of its text.
func redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := credentialInURL.ReplaceAllString(msg, "${1}***")
	if clean == msg {
		return err
	}
	return &redactedError{err: err, msg: clean}
}

// ErrCode returns the WeChat errcode carried by err: from an *APIError, a
// silenceper *util.CommonError or, for the library's plain fmt.Errorf errors,
// the "errcode=N" in the text. ok is false when err carries none.
func ErrCode(err error) (code int64, ok bool) {
	if err == nil {
		return 0, false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code, true
	}
	var ce *util.CommonError
	if errors.As(err, &ce) {
		return ce.ErrCode, true
	}
	m := errcodeInText.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, false
	}
	n, perr := strconv.ParseInt(m[1], 10, 64)
	return n, perr == nil
}

// isInvalidToken reports whether WeChat rejected the access token used by a
// call (not whether fetching a token failed).
func isInvalidToken(err error) bool {
	var te *tokenError
	if err == nil || errors.As(err, &te) {
		return false
	}
	code, ok := ErrCode(err)
	return ok && (code == codeInvalidToken || code == codeBadToken || code == codeTokenExpired)
}

// classify turns err, the outcome of a WeChat call, into a domain error with
// credentials redacted from its text:
// errcodes listed in known map to their sentinel, -1, 45009, token failures,
// transport errors and undecodable answers to ErrUnavailable, 45011 to
// ErrRateLimited. Other errcodes (configuration mistakes such as a wrong
// secret) are returned as the *APIError itself, an internal error.
func classify(err error, known map[int64]*errs.Error) error {
	if err == nil {
		return nil
	}
	err = redact(err)
	var te *tokenError
	if errors.As(err, &te) {
		return ErrUnavailable.Wrap(err)
	}
	code, ok := ErrCode(err)
	if !ok {
		return ErrUnavailable.Wrap(err)
	}
	if sentinel, found := known[code]; found {
		return sentinel.Wrap(err)
	}
	switch code {
	case codeRateLimited:
		return ErrRateLimited.Wrap(err)
	case codeSystemBusy, codeQuotaExhausted, codeInvalidToken, codeBadToken, codeTokenExpired:
		return ErrUnavailable.Wrap(err)
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	return fmt.Errorf("wechat: unexpected answer: %w", err)
}
