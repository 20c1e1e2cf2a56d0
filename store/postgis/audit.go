package postgis

import (
	"context"
	"strconv"

	"diming"
	"diming/store/internal/rowstore"
)

func nullJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// Audit returns audit entries, newest first.
func (s *Store) Audit(ctx context.Context, f diming.AuditFilter) ([]diming.AuditEntry, error) {
	w := rowstore.NewWhere(dollar)
	q := "SELECT id, at, actor, action, entity, entity_id, before::text, after::text, reason FROM audit_log" + rowstore.AuditWhere(w, f)
	return rowstore.ListOrNil(classifyOp, rowstore.OpQueryAudit, dec.Audit)(s.pool.Query(ctx, q, w.Args...))
}

// dollar is PostgreSQL's placeholder of the nth argument.
func dollar(n int) string { return "$" + strconv.Itoa(n) }

// ChangeMark returns the id of the newest audit entry (0 when there is none).
func (s *Store) ChangeMark(ctx context.Context) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, "SELECT coalesce(max(id), 0) FROM audit_log").Scan(&id)
	return id, classify(err, "读取变更标记", "read the change mark")
}
