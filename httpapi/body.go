package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
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
	return decodeStrict(body, v, "")
}

// decodeStrict decodes one JSON value (an object, for a struct) from data
// into v, refusing unknown fields and anything after it. path names where
// data sits in the request ("params" for a run's parameters; "" for the
// whole body) so that errors name the field as the client wrote it. The
// errors say in Chinese and English which field is wrong and what kind of
// JSON value it takes (数值/number, 字符串/string, true/false, 对象/object,
// 数组/array), never a Go type.
func decodeStrict(data []byte, v any, path string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return err
		case errors.Is(err, io.EOF):
			if path != "" {
				return diming.Errorf(diming.EINVALID, "字段 %q 为空", "field %q is empty", path)
			}
			return diming.Errorf(diming.EINVALID, "请求体为空", "the body is empty")
		case errors.As(err, &se):
			if path != "" {
				return diming.Errorf(diming.EINVALID, "字段 %q 的 JSON 格式错误（第 %d 字节附近）", "field %q: malformed JSON (near byte %d)", path, se.Offset)
			}
			return diming.Errorf(diming.EINVALID, "JSON 格式错误（第 %d 字节附近）", "malformed JSON (near byte %d)", se.Offset)
		case errors.As(err, &te):
			return typeError(te, reflect.TypeOf(v), path)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
			if uerr != nil {
				field = strings.TrimPrefix(err.Error(), "json: unknown field ")
			}
			field = truncate(joinPath(path, field), 60)
			return diming.Errorf(diming.EINVALID, "未知字段 %q", "unknown field %q", field)
		}
		// An error of a field's own decoder (a geometry, a time).
		if path != "" {
			return diming.Errorf(diming.EINVALID, "无法解析字段 %q：%s", "cannot parse field %q: %s", path, truncate(err.Error(), 200))
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

func joinPath(path, field string) string {
	switch {
	case path == "":
		return field
	case field == "":
		return path
	}
	return path + "." + field
}

// typeError says which field has the wrong kind of value and what it takes.
// t is the type decoded into, to drop embedded structs from the field path.
func typeError(te *json.UnmarshalTypeError, t reflect.Type, path string) error {
	wantZH, wantEN := jsonKind(te.Type)
	gotZH, gotEN := jsonValueKind(te.Value)
	field := truncate(joinPath(path, jsonFieldPath(t, te.Field)), 60)
	if field == "" {
		return diming.Errorf(diming.EINVALID, "请求体应为 JSON %[1]s，而不是%[3]s", "the body must be %[2]s, not %[4]s", wantZH, wantEN, gotZH, gotEN)
	}
	return diming.Errorf(diming.EINVALID, "字段 %[1]q 应为%[2]s，而不是%[3]s", "field %[1]q must be %[4]s, not %[5]s", field, wantZH, gotZH, wantEN, gotEN)
}

// jsonFieldPath rewrites the decoder's field path (JSON names, but with the
// Go names of embedded structs in it: "Walk.minutes") as the client wrote
// it ("minutes"), following the path through t.
func jsonFieldPath(t reflect.Type, field string) string {
	if field == "" {
		return ""
	}
	var out []string
	for _, seg := range strings.Split(field, ".") {
		t = elemType(t)
		if t == nil || t.Kind() != reflect.Struct {
			t = nil
			out = append(out, seg)
			continue
		}
		if sf, ok := t.FieldByName(seg); ok && sf.Anonymous && jsonTagName(sf) == "" {
			t = sf.Type // an embedded struct: its fields are the outer object's
			continue
		}
		t = jsonFieldType(t, seg)
		out = append(out, seg)
	}
	return strings.Join(out, ".")
}

// elemType is what a pointer, slice, array or map holds, down to a
// type that is none of these.
func elemType(t reflect.Type) reflect.Type {
	for t != nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return t
		}
	}
	return nil
}

func jsonTagName(sf reflect.StructField) string {
	name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	return name
}

// jsonFieldType is the type of the field of struct t that JSON calls
// name, or nil.
func jsonFieldType(t reflect.Type, name string) reflect.Type {
	for _, sf := range reflect.VisibleFields(t) {
		n := jsonTagName(sf)
		if n == "-" || (sf.Anonymous && n == "") || !sf.IsExported() {
			continue
		}
		if n == "" {
			n = sf.Name
		}
		if strings.EqualFold(n, name) {
			return sf.Type
		}
	}
	return nil
}

var jsonNumberType = reflect.TypeFor[json.Number]()

// jsonKind names the kind of JSON value a Go type takes.
func jsonKind(t reflect.Type) (zh, en string) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "JSON 值", "a JSON value"
	}
	if t == jsonNumberType {
		return "数值", "a number"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "数值（范围内的整数）", "a number (an integer in range)"
	case reflect.Float32, reflect.Float64:
		return "数值（有限的）", "a number (a finite one)"
	case reflect.String:
		return "字符串", "a string"
	case reflect.Bool:
		return " true/false", "true/false"
	case reflect.Struct, reflect.Map:
		return "对象", "an object"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "字符串（Base64）", "a string (Base64)"
		}
		return "数组", "an array"
	case reflect.Array:
		return fmt.Sprintf("含 %d 个元素的数组", t.Len()), fmt.Sprintf("an array of %d", t.Len())
	}
	return "其他类型的值", "another kind of value"
}

// jsonValueKind names the JSON value the decoder met ("string", "number",
// "number 1.5", "bool", "array", "object").
func jsonValueKind(v string) (zh, en string) {
	switch {
	case v == "string":
		return "字符串", "a string"
	case v == "number":
		return "数值", "a number"
	case strings.HasPrefix(v, "number "):
		n := truncate(strings.TrimPrefix(v, "number "), 30)
		return "数值 " + n, "the number " + n
	case v == "bool":
		return " true/false", "true/false"
	case v == "array":
		return "数组", "an array"
	case v == "object":
		return "对象", "an object"
	}
	return "其他类型的值", "another kind of value"
}

// badText says a free-text field (a note, a reason) is longer than max
// characters, not valid UTF-8, or has control characters other than line
// breaks and tabs.
func badText(s string, max int) bool {
	return !utf8.ValidString(s) || utf8.RuneCountInString(s) > max ||
		strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' })
}
