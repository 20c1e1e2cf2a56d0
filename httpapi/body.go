package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"diming"
)

// decodeJSON reads a request body strictly: JSON content type, one object,
// no unknown fields, within the size limit.
func decodeJSON(r *http.Request, v any) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		return diming.Errorf(diming.EINVALID, "请求体须为 JSON（Content-Type: application/json）", "the body must be JSON (Content-Type: application/json)")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return err
		case errors.Is(err, io.EOF):
			return diming.Errorf(diming.EINVALID, "请求体为空", "the body is empty")
		case errors.As(err, &se):
			return diming.Errorf(diming.EINVALID, "JSON 格式错误（第 %d 字节附近）", "malformed JSON (near byte %d)", se.Offset)
		case errors.As(err, &te):
			return diming.Errorf(diming.EINVALID, "字段 %s 的类型错误：应为 %s", "field %s has the wrong type: want %s", te.Field, te.Type.String())
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.TrimPrefix(err.Error(), "json: unknown field ")
			return diming.Errorf(diming.EINVALID, "未知的字段 %s", "unknown field %s", truncate(field, 60))
		}
		return diming.Errorf(diming.EINVALID, "无法解析请求体：%s", "cannot parse the body: %s", truncate(err.Error(), 200))
	}
	if dec.More() {
		return diming.Errorf(diming.EINVALID, "请求体只能含一个 JSON 对象", "the body must hold one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return diming.Errorf(diming.EINVALID, "请求体只能含一个 JSON 对象", "the body must hold one JSON object")
	}
	return nil
}
