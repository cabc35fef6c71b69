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

// Errors of the message APIs (subscribe, template and customer-service
// messages, menus, content checks). Classify turns any of them into a
// SendClass for callers that must not depend on this package's details.
var (
	// ErrSubscribeRefused: the user has no subscribe grant left for the
	// template, refused it or revoked it (43101). Never retry: only a new tap
	// on wx.requestSubscribeMessage makes a send possible again.
	ErrSubscribeRefused = errs.New(errs.KindForbidden, "wechat_subscribe_refused", "用户未订阅或已拒收此类消息")
	// ErrNotFollowing: the user does not follow the official account (43004).
	ErrNotFollowing = errs.New(errs.KindForbidden, "wechat_not_following", "用户未关注公众号，无法接收消息")
	// ErrRecipientUnreachable: WeChat will not deliver to this user now: openid
	// unknown to the app (40003), per-user limit of long-term messages reached
	// (40038), account restricted (50002), customer-service window closed or
	// its quota spent (45015, 45047). Retrying does not help.
	ErrRecipientUnreachable = errs.New(errs.KindUnprocessable, "wechat_recipient_unreachable", "暂时无法向该用户发送微信消息")
	// ErrTemplateInvalid: the message itself was rejected: template id (40036,
	// 40037), data (47001, 47003, 45002), page (41030, 40165), message type
	// (40008), template or ability banned (43107), sensitive words (45168). A
	// configuration or content mistake: never retry the same message.
	ErrTemplateInvalid = errs.New(errs.KindInternal, "wechat_template_invalid", "消息模板或内容不符合微信要求")
	// ErrMenuInvalid: WeChat rejected the official-account menu (40015–40027,
	// 40048, 40054, 40055, 40165), or it failed our own checks first.
	ErrMenuInvalid = errs.New(errs.KindInvalid, "wechat_menu_invalid", "公众号菜单配置不符合微信要求")
	// ErrSecCheckUser: msgSecCheck refused the openid: unknown to the
	// mini-program (40003) or the user has not opened it in the last two hours
	// (61010). The text was not checked.
	ErrSecCheckUser = errs.New(errs.KindUnprocessable, "wechat_seccheck_user", "内容安全检测需要用户近期访问过小程序")
)

// Errcodes of the message APIs.
const (
	codeInvalidOpenID      = 40003
	codeInvalidMsgType     = 40008
	codeTemplateIDSize     = 40036
	codeInvalidTemplateID  = 40037
	codeLongTermLimit      = 40038
	codeInvalidWeappPage   = 40165
	codeInvalidPage        = 41030
	codeContentSize        = 45002
	codeNotFollowing       = 43004
	codeSubscribeRefused   = 43101
	codeSubscribeBanned    = 43107
	codeConcurrentSend     = 43108
	codeCustomWindowClosed = 45015
	codeCustomCountLimit   = 45047
	codeSensitiveWords     = 45168
	codeDataFormat         = 47001
	codeArgumentInvalid    = 47003
	codeUserLimited        = 50002
	codeSecCheckNoVisit    = 61010
)

// sendErrors maps the errcodes of message sends to their sentinel. 43108 (two
// sends to one user at once) is transient.
var sendErrors = map[int64]*errs.Error{
	codeSubscribeRefused: ErrSubscribeRefused,
	codeNotFollowing:     ErrNotFollowing,

	codeInvalidOpenID:      ErrRecipientUnreachable,
	codeLongTermLimit:      ErrRecipientUnreachable,
	codeUserLimited:        ErrRecipientUnreachable,
	codeCustomWindowClosed: ErrRecipientUnreachable,
	codeCustomCountLimit:   ErrRecipientUnreachable,

	codeInvalidMsgType:    ErrTemplateInvalid,
	codeTemplateIDSize:    ErrTemplateInvalid,
	codeInvalidTemplateID: ErrTemplateInvalid,
	codeInvalidWeappPage:  ErrTemplateInvalid,
	codeInvalidPage:       ErrTemplateInvalid,
	codeContentSize:       ErrTemplateInvalid,
	codeSubscribeBanned:   ErrTemplateInvalid,
	codeSensitiveWords:    ErrTemplateInvalid,
	codeDataFormat:        ErrTemplateInvalid,
	codeArgumentInvalid:   ErrTemplateInvalid,

	codeConcurrentSend: ErrRateLimited,
}

// menuErrors maps the errcodes of menu/create to ErrMenuInvalid.
var menuErrors = func() map[int64]*errs.Error {
	m := map[int64]*errs.Error{40048: ErrMenuInvalid, 40054: ErrMenuInvalid, 40055: ErrMenuInvalid,
		codeInvalidWeappPage: ErrMenuInvalid, codeDataFormat: ErrMenuInvalid}
	for code := int64(40015); code <= 40027; code++ {
		m[code] = ErrMenuInvalid
	}
	return m
}()

// secCheckErrors maps the errcodes of msgSecCheck to their sentinel.
var secCheckErrors = map[int64]*errs.Error{
	codeInvalidOpenID:   ErrSecCheckUser,
	codeSecCheckNoVisit: ErrSecCheckUser,
}

// SendClass tells a sender what to do with the outcome of a send.
type SendClass int

// The outcomes of a send.
const (
	// SendOK: delivered to WeChat.
	SendOK SendClass = iota
	// SendRefused: the user cannot receive it (no subscribe grant or refused:
	// 43101; not following the official account: 43004). Record, never retry.
	SendRefused
	// SendPermanent: the message or recipient was rejected (template, data,
	// page, openid, our own validation, an unknown errcode). Never retry.
	SendPermanent
	// SendTransient: WeChat busy (-1), quota or rate (45009, 45011, 43108),
	// token still rejected after one refresh, no token, timeout, network or
	// an unusable answer. Retry later with backoff.
	SendTransient
)

// String returns the class's name.
func (s SendClass) String() string {
	switch s {
	case SendOK:
		return "ok"
	case SendRefused:
		return "refused"
	case SendPermanent:
		return "permanent"
	case SendTransient:
		return "transient"
	}
	return "SendClass(" + strconv.Itoa(int(s)) + ")"
}

// Classify returns the WeChat errcode carried by err (0 when none) and what a
// sender should do about it. It accepts the errors of SendSubscribe,
// SendTemplate, SendCustomText, SendCustomMiniProgramPage, CreateMenu and
// MsgSecCheck, and raw errors alike.
func Classify(err error) (code int64, class SendClass) {
	if err == nil {
		return 0, SendOK
	}
	code, hasCode := ErrCode(err)
	switch {
	case errors.Is(err, ErrSubscribeRefused), errors.Is(err, ErrNotFollowing):
		return code, SendRefused
	case errors.Is(err, ErrTemplateInvalid), errors.Is(err, ErrRecipientUnreachable),
		errors.Is(err, ErrMenuInvalid), errors.Is(err, ErrSecCheckUser):
		return code, SendPermanent
	case errors.Is(err, ErrUnavailable), errors.Is(err, ErrRateLimited):
		return code, SendTransient
	}
	if !hasCode {
		// Our own validation is permanent; anything else without an errcode
		// (transport failure, timeout, undecodable answer) is transient.
		if errs.KindOf(err) == errs.KindInvalid {
			return 0, SendPermanent
		}
		return 0, SendTransient
	}
	return code, classOfCode(code)
}

// classOfCode classifies a raw errcode.
func classOfCode(code int64) SendClass {
	if s, ok := sendErrors[code]; ok {
		_, class := Classify(s)
		return class
	}
	switch code {
	case 0:
		return SendOK
	case codeSystemBusy, codeQuotaExhausted, codeRateLimited,
		codeInvalidToken, codeBadToken, codeTokenExpired:
		return SendTransient
	}
	return SendPermanent
}
