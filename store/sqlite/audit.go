package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"diming"
)

func appendAudit(ctx context.Context, tx *sql.Tx, stamp string, e diming.AuditEntry) error {
	if e.Reason == "" {
		e.Reason = diming.ReasonFrom(ctx)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, stamp, string(e.Actor), e.Action, e.Entity, e.EntityID,
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
	if f.Entity != "" {
		where = append(where, "entity = ?")
		args = append(args, f.Entity)
	}
	if f.EntityID != "" {
		where = append(where, "entity_id = ?")
		args = append(args, f.EntityID)
	}
	q := "SELECT id, at, actor, action, entity, entity_id, before, after, reason FROM audit_log"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, classify(err, "查询审计日志", "query the audit log")
	}
	defer rows.Close()
	var out []diming.AuditEntry
	for rows.Next() {
		var e diming.AuditEntry
		var at, actor string
		var before, after sql.NullString
		if err := rows.Scan(&e.ID, &at, &actor, &e.Action, &e.Entity, &e.EntityID, &before, &after, &e.Reason); err != nil {
			return nil, classify(err, "读取审计日志", "read the audit log")
		}
		e.Actor = diming.Actor(actor)
		if e.At, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return nil, fmt.Errorf("sqlite: audit %d: time %q: %w", e.ID, at, err)
		}
		if before.Valid {
			e.Before = []byte(before.String)
		}
		if after.Valid {
			e.After = []byte(after.String)
		}
		out = append(out, e)
	}
	return out, classify(rows.Err(), "查询审计日志", "query the audit log")
}

// ChangeMark returns the id of the newest audit entry (0 when there is none).
func (s *Store) ChangeMark(ctx context.Context) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM audit_log").Scan(&id)
	return id, classify(err, "读取变更标记", "read the change mark")
}
