package sqlite

import (
	"context"

	"diming"
	"diming/store/internal/rowstore"
)

// Audit returns audit entries, newest first.
func (s *Store) Audit(ctx context.Context, f diming.AuditFilter) ([]diming.AuditEntry, error) {
	w := rowstore.NewWhere(question)
	q := "SELECT id, at, actor, action, entity, entity_id, before, after, reason FROM audit_log" + rowstore.AuditWhere(w, f)
	return rowstore.ListOrNil(classifyOp, rowstore.OpQueryAudit, dec.Audit)(s.db.QueryContext(ctx, q, w.Args...))
}

// question is SQLite's placeholder of any argument.
func question(int) string { return "?" }

// ChangeMark returns the id of the newest audit entry (0 when there is none).
func (s *Store) ChangeMark(ctx context.Context) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM audit_log").Scan(&id)
	return id, classify(err, "读取变更标记", "read the change mark")
}
