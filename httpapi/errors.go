package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
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
	case diming.ETOOMANY:
		return http.StatusTooManyRequests
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

// writeJSON answers with v as JSON. Its error is for handlers to return: a
// value that cannot be encoded is an internal error, answered by the handler
// adapter; a failed write to the client is only logged.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	if contentType == "" {
		contentType = "application/json; charset=utf-8"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	if _, err := w.Write(b); err != nil {
		slog.Debug("write response", "err", err)
	}
	return nil
}

// apiHandler is a handler that returns its error instead of writing it.
type apiHandler func(w http.ResponseWriter, r *http.Request) error

// h adapts an apiHandler: a returned error is answered by writeError, the
// one mapping from errors to statuses.
func h(f apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			writeError(w, r, err)
		}
	}
}
