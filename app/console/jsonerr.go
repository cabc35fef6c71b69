package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// jsonError says in Chinese what is wrong with a JSON list an editor typed,
// instead of the decoder's English message.
func jsonError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "内容不完整，请检查括号和引号是否成对"
	case errors.As(err, &syn):
		return fmt.Sprintf("第 %d 个字符附近格式有误，请检查逗号、引号和括号", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("“%s”的值类型不对（应为%s）", typ.Field, jsonKind(typ.Type.Kind().String()))
		}
		return "须为 JSON 数组，形如 [{…}, {…}]"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "含有不认识的字段 " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "格式有误，须为 JSON 数组"
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "文字"
	case "bool":
		return "是/否（true 或 false）"
	case "int", "int64", "float64":
		return "数字"
	case "slice":
		return "数组"
	case "struct", "map":
		return "对象"
	}
	return k
}
