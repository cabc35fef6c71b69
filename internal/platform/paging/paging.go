// Package paging holds the opaque list cursors the API hands out.
package paging

import (
	"encoding/base64"
	"strconv"
	"strings"

	"govapp/internal/platform/errs"
)

// ErrBadCursor is returned for a cursor this server did not issue.
var ErrBadCursor = errs.InvalidField("cursor", "无效的分页游标")

// EncodeOffset returns the opaque cursor of an offset into a ranked list.
func EncodeOffset(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

// DecodeOffset returns the offset a cursor stands for ("" is the start), or
// ErrBadCursor.
func DecodeOffset(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	if len(c) > 64 {
		return 0, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), "o:") {
		return 0, ErrBadCursor
	}
	n, err := strconv.Atoi(string(b[2:]))
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, ErrBadCursor
	}
	return n, nil
}
