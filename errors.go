package diming

import (
	"errors"
	"fmt"
)

// ErrorCode classifies an error for callers: httpapi maps each code to one
// HTTP status, the CLI to one exit message.
type ErrorCode string

// The error codes. Every error that leaves a domain package or an adapter
// either is an *Error with one of these codes or is treated as EINTERNAL.
const (
	EINVALID      ErrorCode = "invalid"      // the input is malformed or breaks a rule
	ENOTFOUND     ErrorCode = "not_found"    // the addressed thing does not exist
	ECONFLICT     ErrorCode = "conflict"     // the change clashes with the stored state
	EUNAUTHORIZED ErrorCode = "unauthorized" // no or bad credentials
	EFORBIDDEN    ErrorCode = "forbidden"    // credentials fine, role not allowed
	ETOOLARGE     ErrorCode = "too_large"    // a body, file or result over its limit
	ETOOMANY      ErrorCode = "rate_limited" // too many requests or failed logins: wait
	EUNAVAILABLE  ErrorCode = "unavailable"  // a dependency (the store) is down
	EINTERNAL     ErrorCode = "internal"     // a bug; never shown in detail
)

// Error is the one error type of the service. Message is Chinese, for users;
// MessageEN is its English version. Err, when set, is the underlying cause:
// it is logged, never shown.
type Error struct {
	Code      ErrorCode
	Message   string
	MessageEN string
	Err       error
}

func (e *Error) Error() string {
	msg := e.MessageEN
	if msg == "" {
		msg = e.Message
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a Chinese and an English message. The same
// format arguments are applied to both.
func Errorf(code ErrorCode, zh, en string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(zh, args...), MessageEN: fmt.Sprintf(en, args...)}
}

// Wrap is Errorf with an underlying cause kept for the logs.
func Wrap(err error, code ErrorCode, zh, en string, args ...any) *Error {
	e := Errorf(code, zh, en, args...)
	e.Err = err
	return e
}

// Code returns the code of the first *Error in err's chain, EINTERNAL for any
// other non-nil error and "" for nil.
func Code(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Messages returns the user-facing messages of err: those of its *Error, or a
// generic message for anything else (internals are never shown).
func Messages(err error) (zh, en string) {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message, e.MessageEN
	}
	return "服务内部错误，请稍后重试", "internal error, please try again later"
}
