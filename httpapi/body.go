package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"diming"
)

// decodeJSON reads a request body strictly: JSON content type, valid UTF-8
// (the decoder would otherwise store invalid bytes as U+FFFD), one object,
// no unknown fields, within the size limit.
func decodeJSON(r *http.Request, v any) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		return diming.Errorf(diming.EINVALID, "请求体须为 JSON（Content-Type: application/json）", "the body must be JSON (Content-Type: application/json)")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return diming.Errorf(diming.EINVALID, "无法读取请求体", "cannot read the body")
	}
	if !utf8.Valid(body) {
		return diming.Errorf(diming.EINVALID, "请求体不是有效的 UTF-8 文本", "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
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
		case errors.As(err, &te) && te.Field == "":
			return diming.Errorf(diming.EINVALID, "请求体应为一个 JSON 对象，而不是 %s", "the body must be a JSON object, not %s", te.Value)
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

// badText says a free-text field (a note, a reason) is longer than max
// characters, not valid UTF-8, or has control characters other than line
// breaks and tabs.
func badText(s string, max int) bool {
	return !utf8.ValidString(s) || utf8.RuneCountInString(s) > max ||
		strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' })
}
