package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"diming"
)

// statusOf is the one mapping from error codes to HTTP statuses.
func statusOf(code diming.ErrorCode) int {
	switch code {
	case diming.EINVALID:
		return http.StatusBadRequest
	case diming.ENOTFOUND:
		return http.StatusNotFound
	case diming.ECONFLICT:
		return http.StatusConflict
	case diming.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case diming.EFORBIDDEN:
		return http.StatusForbidden
	case diming.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case diming.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error struct {
		Code      diming.ErrorCode `json:"code"`
		Message   string           `json:"message"`
		MessageEN string           `json:"message_en,omitempty"`
		RequestID string           `json:"request_id,omitempty"`
	} `json:"error"`
}

// writeError answers with err's status and a JSON body. The message is
// Chinese unless the client prefers English (Accept-Language: en…); the
// other language is in message_en when Chinese is shown. Internal errors are
// logged with their cause and shown only as a generic message.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = diming.Errorf(diming.ETOOLARGE, "请求体超过 %d 字节的上限", "request body exceeds the %d-byte limit", mbe.Limit)
	}
	writeErrorStatus(w, r, statusOf(diming.Code(err)), err)
}

func writeErrorStatus(w http.ResponseWriter, r *http.Request, status int, err error) {
	code := diming.Code(err)
	zh, en := diming.Messages(err)
	var body errorBody
	body.Error.Code = code
	body.Error.RequestID = requestID(r.Context())
	if prefersEnglish(r) {
		body.Error.Message = en
	} else {
		body.Error.Message, body.Error.MessageEN = zh, en
	}
	if status >= 500 {
		logger(r.Context()).Error("request failed", "status", status, "err", err)
	} else {
		logger(r.Context()).Debug("request rejected", "status", status, "err", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func prefersEnglish(r *http.Request) bool {
	al := strings.ToLower(r.Header.Get("Accept-Language"))
	if r.URL.Query().Get("lang") == "en" {
		return true
	}
	if i := strings.IndexAny(al, ",;"); i >= 0 {
		al = al[:i]
	}
	return strings.HasPrefix(strings.TrimSpace(al), "en")
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("encode response", "err", err)
		http.Error(w, `{"error":{"code":"internal","message":"服务内部错误"}}`, http.StatusInternalServerError)
		return
	}
	if contentType == "" {
		contentType = "application/json; charset=utf-8"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
