package diming

import (
	"context"
	"encoding/json"
	"time"
)

// Actor is who makes a change: an official's account name, or a system
// process such as "system:demo" or "system:import".
type Actor string

// AuditEntry is one row of the append-only audit log. Stores write it in the
// same transaction as the change it describes and refuse to update or delete it.
type AuditEntry struct {
	ID       int64           `json:"id"`
	At       time.Time       `json:"at"`
	Actor    Actor           `json:"actor"`
	Action   string          `json:"action"`    // "create", "update", "delete"; bulk loads: "import", "replace"
	Entity   string          `json:"entity"`    // "division", …
	EntityID string          `json:"entity_id"` // e.g. the division code
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	// Reason is why the change was made, when the request said (WithReason).
	Reason string `json:"reason,omitempty"`
}

type reasonKey struct{}

// WithReason returns a context whose writes record reason in the audit log.
func WithReason(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, reasonKey{}, reason)
}

// ReasonFrom is the reason set by WithReason, or "".
func ReasonFrom(ctx context.Context) string {
	r, _ := ctx.Value(reasonKey{}).(string)
	return r
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Entity   string
	EntityID string
	Limit    int // 0 means 100
}
