package sqlite

import (
	"context"
)

// ChangeMark returns the id of the newest audit entry (0 when there is none).
func (s *Store) ChangeMark(ctx context.Context) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM audit_log").Scan(&id)
	return id, classify(err, "读取变更标记", "read the change mark")
}
