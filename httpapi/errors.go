package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
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
	if status == http.StatusUnauthorized {
		// The console's session cookie or an API token (RFC 6750).
		w.Header().Set("WWW-Authenticate", `Bearer realm="diming"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// prefersEnglish: ?lang=en, or an Accept-Language (RFC 9110) whose most
// preferred language it names among Chinese and English is English: the
// highest q wins, the first listed among equals, q=0 means "not this",
// and a language that is neither (fr) does not count. No preference:
// Chinese.
func prefersEnglish(r *http.Request) bool {
	if r.URL.Query().Get("lang") == "en" {
		return true
	}
	bestQ, english := 0.0, false
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		primary, _, _ := strings.Cut(tag, "-")
		if primary != "en" && primary != "zh" {
			continue
		}
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || x < 0 || x > 1 {
				continue
			}
			q = x
		}
		if q > bestQ {
			bestQ, english = q, primary == "en"
		}
	}
	return english
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
