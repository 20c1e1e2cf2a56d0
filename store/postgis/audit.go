package postgis

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"diming"
)

func appendAudit(ctx context.Context, tx pgx.Tx, e diming.AuditEntry) error {
	if e.Reason == "" {
		e.Reason = diming.ReasonFrom(ctx)
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (actor, action, entity, entity_id, before, after, reason)
		VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)`, string(e.Actor), e.Action, e.Entity, e.EntityID,
		nullJSON(e.Before), nullJSON(e.After), e.Reason)
	return classify(err, "写入审计日志", "append to the audit log")
}

func nullJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// Audit returns audit entries, newest first.
func (s *Store) Audit(ctx context.Context, f diming.AuditFilter) ([]diming.AuditEntry, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Entity != "" {
		where = append(where, "entity = "+arg(f.Entity))
	}
	if f.EntityID != "" {
		where = append(where, "entity_id = "+arg(f.EntityID))
	}
	q := "SELECT id, at, actor, action, entity, entity_id, before::text, after::text, reason FROM audit_log"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += " ORDER BY id DESC LIMIT " + arg(limit)
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, classify(err, "查询审计日志", "query the audit log")
	}
	defer rows.Close()
	var out []diming.AuditEntry
	for rows.Next() {
		var e diming.AuditEntry
		var actor string
		var before, after *string
		if err := rows.Scan(&e.ID, &e.At, &actor, &e.Action, &e.Entity, &e.EntityID, &before, &after, &e.Reason); err != nil {
			return nil, classify(err, "读取审计日志", "read the audit log")
		}
		e.Actor = diming.Actor(actor)
		if before != nil {
			e.Before = []byte(*before)
		}
		if after != nil {
			e.After = []byte(*after)
		}
		out = append(out, e)
	}
	return out, classify(rows.Err(), "查询审计日志", "query the audit log")
}

// ChangeMark returns the id of the newest audit entry (0 when there is none).
func (s *Store) ChangeMark(ctx context.Context) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, "SELECT coalesce(max(id), 0) FROM audit_log").Scan(&id)
	return id, classify(err, "读取变更标记", "read the change mark")
}
