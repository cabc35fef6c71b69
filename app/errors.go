package app

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/platform/db"
	"govapp/internal/platform/errs"
)

// errorBody is the one error envelope of the API.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	RequestID string            `json:"request_id"`
	Fields    map[string]string `json:"fields,omitempty"`
}

var kindStatus = map[errs.Kind]int{
	errs.KindInvalid:          http.StatusBadRequest,
	errs.KindUnauthorized:     http.StatusUnauthorized,
	errs.KindForbidden:        http.StatusForbidden,
	errs.KindNotFound:         http.StatusNotFound,
	errs.KindConflict:         http.StatusConflict,
	errs.KindTooMany:          http.StatusTooManyRequests,
	errs.KindUnavailable:      http.StatusServiceUnavailable,
	errs.KindTooLarge:         http.StatusRequestEntityTooLarge,
	errs.KindUnprocessable:    http.StatusUnprocessableEntity,
	errs.KindUnsupportedMedia: http.StatusUnsupportedMediaType,
}

// fiberErrors gives Fiber's own errors (no route, wrong method, body too
// large…) a stable code and a Chinese message.
var fiberErrors = map[int]*errs.Error{
	http.StatusNotFound:              errs.New(errs.KindNotFound, "route_not_found", "请求的接口不存在"),
	http.StatusMethodNotAllowed:      errs.New(errs.KindInvalid, "method_not_allowed", "该接口不支持此请求方法"),
	http.StatusRequestEntityTooLarge: errs.New(errs.KindTooLarge, "body_too_large", "请求内容过大"),
	http.StatusBadRequest:            errs.New(errs.KindInvalid, "bad_request", "请求格式有误"),
	http.StatusRequestTimeout:        errs.New(errs.KindInvalid, "request_timeout", "请求超时，请重试"),
	http.StatusUnsupportedMediaType:  errs.New(errs.KindInvalid, "unsupported_media_type", "请使用 application/json 提交"),
	http.StatusTooManyRequests:       errs.ErrTooMany,
	http.StatusServiceUnavailable:    errs.ErrUnavailable,
}

var errInternal = errs.New(errs.KindInternal, "internal_error", "系统繁忙，请稍后再试")

// errorHandler is the only place where errors become HTTP answers.
func (a *App) errorHandler(c *fiber.Ctx, err error) error {
	rid := requestID(c)
	status, e := a.classify(err)
	if status >= 500 {
		a.log.ErrorContext(c.UserContext(), "request failed", "request_id", rid, "method", c.Method(),
			"route", routePath(c), "status", status, "err", err.Error())
	}
	if e.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(e.RetryAfter.Seconds()+0.999)))
	}
	c.Set(fiber.HeaderXRequestID, rid)
	return c.Status(status).JSON(errorBody{Error: errorDetail{Code: e.Code, Message: e.Message, RequestID: rid, Fields: e.Fields}})
}

func (a *App) classify(err error) (int, *errs.Error) {
	if e, ok := errs.As(err); ok && e.Kind != errs.KindInternal {
		if st, ok := kindStatus[e.Kind]; ok {
			if e.Kind == errs.KindInvalid && e.Code == "method_not_allowed" {
				st = http.StatusMethodNotAllowed
			}
			return st, e
		}
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		if e, ok := fiberErrors[fe.Code]; ok {
			return fe.Code, e
		}
		if fe.Code >= 400 && fe.Code < 500 {
			return fe.Code, errs.New(errs.KindInvalid, "bad_request", "请求有误")
		}
	}
	if db.IsStorageFull(err) { // a full disk met by any route: a login, a submission
		return http.StatusServiceUnavailable, errs.ErrStorageFull
	}
	if db.IsUnavailable(err) {
		return http.StatusServiceUnavailable, errs.ErrUnavailable
	}
	return http.StatusInternalServerError, errInternal
}

// logPanic logs a recovered panic with its stack (never the request body).
func (a *App) logPanic(c *fiber.Ctx, p any, stack []byte) {
	a.log.Error("panic", "request_id", requestID(c), "route", routePath(c), "panic", p, "stack", string(stack))
}

var _ = slog.LevelError
