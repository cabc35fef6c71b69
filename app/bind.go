package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"govapp/internal/platform/errs"
)

var (
	errNotJSON   = errs.New(errs.KindInvalid, "invalid_json", "请求体不是有效的 JSON")
	errEmptyBody = errs.New(errs.KindInvalid, "empty_body", "请求体不能为空")
)

// bind decodes the JSON body into v strictly: unknown fields, wrong types and
// trailing data are 400 errors naming the field.
func bind(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return errEmptyBody
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errNotJSON
	}
	return nil
}

func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			return errNotJSON.WithMessage("请求体须为 JSON 对象")
		}
		return errs.InvalidField(field, "类型错误，应为"+jsonKind(te.Type.Kind().String()))
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		field := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return errs.InvalidField(field, "不支持的字段")
	}
	return errNotJSON
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "字符串"
	case "bool":
		return "布尔值"
	case "slice", "array":
		return "数组"
	case "struct", "map":
		return "对象"
	default:
		if strings.Contains(k, "int") || strings.Contains(k, "float") {
			return "数字"
		}
		return k
	}
}

// listResp is the shape of every list: items and an opaque cursor.
type listResp[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// errsInvalid is errs.Invalid, for handlers that build the field list themselves.
func errsInvalid(fields map[string]string) error { return errs.Invalid(fields) }
