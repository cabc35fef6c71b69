// Package errs defines the error kinds every domain uses. A domain declares its
// sentinel errors with a kind, a stable English code and a Chinese message fit to
// show a resident; only the HTTP layer turns a kind into a status.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error for the transport layer.
type Kind int

// The kinds of error govapp distinguishes.
const (
	KindInternal Kind = iota
	KindInvalid
	KindUnauthorized
	KindForbidden
	KindNotFound
	KindConflict
	KindTooMany
	KindUnavailable
	KindTooLarge
	KindUnprocessable
	KindUnsupportedMedia // a body in an encoding or type the route does not take (415)
)

// Error is a domain error: a kind, a stable code, a Chinese message and, for
// validation errors, the offending fields.
type Error struct {
	Kind       Kind
	Code       string
	Message    string
	Fields     map[string]string
	RetryAfter time.Duration
	Err        error
}

// Error returns the code and message, and the wrapped cause when there is one.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code, so that sentinels
// compare equal to copies made by With* helpers.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Kind == e.Kind
}

// New returns a new error of the given kind.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// WithMessage returns a copy of e with another message (same code and kind).
func (e *Error) WithMessage(msg string) *Error {
	c := *e
	c.Message = msg
	return &c
}

// Wrap returns a copy of e that wraps cause.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// WithRetryAfter returns a copy of e carrying a retry delay.
func (e *Error) WithRetryAfter(d time.Duration) *Error {
	c := *e
	c.RetryAfter = d
	return &c
}

// Invalid returns a validation error naming the fields at fault.
func Invalid(fields map[string]string) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid_request", Message: "请求参数有误", Fields: fields}
}

// InvalidField returns a validation error for one field.
func InvalidField(field, msg string) *Error {
	return Invalid(map[string]string{field: msg})
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// KindOf returns the kind of err, KindInternal when it carries none.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return KindInternal
}

// Common errors shared by every domain.
var (
	ErrNotFound     = New(KindNotFound, "not_found", "请求的资源不存在")
	ErrConflict     = New(KindConflict, "conflict", "数据已存在或已被修改，请刷新后重试")
	ErrUnauthorized = New(KindUnauthorized, "unauthorized", "请先登录")
	ErrForbidden    = New(KindForbidden, "forbidden", "没有权限执行此操作")
	ErrUnavailable  = New(KindUnavailable, "service_unavailable", "服务暂时不可用，请稍后再试")
	ErrTooMany      = New(KindTooMany, "rate_limited", "操作过于频繁，请稍后再试")
	// ErrStorageFull: the disk (of the uploads, or of the database) is full.
	ErrStorageFull = New(KindUnavailable, "storage_full", "系统存储空间不足，暂时无法保存，请稍后再试")
)
