package postgis

import (
	"context"
	"time"

	"diming/gazetteer"
	"diming/store/internal/rowstore"
)

var _ gazetteer.ApplicationStore = (*Store)(nil)

// Application returns one application.
func (s *Store) Application(ctx context.Context, id int64) (gazetteer.Application, error) {
	return rowstore.One(classifyOp, rowstore.OpReadApplication, func() error { return rowstore.NoApplication(id) }, dec.Application,
		s.pool.QueryRow(ctx, "SELECT record::text FROM applications WHERE id = $1", id))
}

// Applications lists applications, newest first.
func (s *Store) Applications(ctx context.Context, f gazetteer.AppFilter) ([]gazetteer.Application, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryApplications, dec.Application)(s.pool.Query(ctx,
		`SELECT record::text FROM applications WHERE ($1 = '' OR status = $1) AND ($2 = '' OR applicant = $2)
		ORDER BY id DESC LIMIT 1000`, string(f.Status), f.Applicant))
}

// ApplicationEvents returns an application's history, oldest first.
func (s *Store) ApplicationEvents(ctx context.Context, id int64) ([]gazetteer.AppEvent, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryAppEvents, dec.AppEvent)(s.pool.Query(ctx, "SELECT at, actor, action, from_status, to_status, note FROM application_events WHERE application_id = $1 ORDER BY id", id))
}

const attachmentColumns = "id, application_id, kind, filename, size, sha256, uploaded_by, uploaded_at"

// Attachments lists an application's reports (without their bytes).
func (s *Store) Attachments(ctx context.Context, applicationID int64) ([]gazetteer.Attachment, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryAttachments, dec.Attachments)(
		s.pool.Query(ctx, "SELECT "+attachmentColumns+" FROM attachments WHERE application_id = $1 ORDER BY id", applicationID))
}

// AttachmentData returns one report and its bytes.
func (s *Store) AttachmentData(ctx context.Context, applicationID, attachmentID int64) (gazetteer.Attachment, []byte, error) {
	var data []byte
	a, err := rowstore.One(classifyOp, rowstore.OpReadAttachment, rowstore.NoAttachment, func(row rowstore.Scanner) (gazetteer.Attachment, error) {
		return dec.Attachment(row, &data)
	}, s.pool.QueryRow(ctx, "SELECT "+attachmentColumns+", data FROM attachments WHERE id = $1 AND application_id = $2", attachmentID, applicationID))
	return a, data, err
}

// Comments lists the public comments on an application.
func (s *Store) Comments(ctx context.Context, applicationID int64) ([]gazetteer.Comment, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryComments, dec.Comment)(s.pool.Query(ctx, "SELECT id, application_id, author, text, created_at FROM notice_comments WHERE application_id = $1 ORDER BY id", applicationID))
}

// ---- rows of a write (rowstore.ApplicationRows)

func (t *tx) InsertApplication(ctx context.Context, a gazetteer.Application) (int64, error) {
	return t.insert(ctx, `INSERT INTO applications (kind, status, applicant, name, record, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, '{}', 1, $5, $5) RETURNING id`, a.Kind, string(a.Status), a.Applicant, a.Name, a.CreatedAt)
}

func (t *tx) SetApplicationRecord(ctx context.Context, id int64, rec []byte) error {
	_, err := t.exec(ctx, "UPDATE applications SET record = $1 WHERE id = $2", string(rec), id)
	return err
}

func (t *tx) LockApplication(ctx context.Context, id int64) (gazetteer.Application, error) {
	return dec.Application(t.tx.QueryRow(ctx, "SELECT record::text FROM applications WHERE id = $1"+lock, id))
}

func (t *tx) UpdateApplication(ctx context.Context, a gazetteer.Application, rec []byte) error {
	_, err := t.exec(ctx, "UPDATE applications SET status = $1, name = $2, record = $3, version = $4, updated_at = $5 WHERE id = $6",
		string(a.Status), a.Name, string(rec), a.Version, a.UpdatedAt, a.ID)
	return err
}

func (t *tx) InsertApplicationEvent(ctx context.Context, id int64, ev gazetteer.AppEvent) error {
	_, err := t.exec(ctx, "INSERT INTO application_events (application_id, at, actor, action, from_status, to_status, note) VALUES ($1, $2, $3, $4, $5, $6, $7)",
		id, ev.At, string(ev.Actor), ev.Action, string(ev.From), string(ev.To), ev.Note)
	return err
}

func (t *tx) InsertAttachment(ctx context.Context, att gazetteer.Attachment, data []byte) (int64, error) {
	return t.insert(ctx, `INSERT INTO attachments (application_id, kind, filename, size, sha256, data, uploaded_by, uploaded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, att.ApplicationID, att.Kind, att.Filename, att.Size, att.SHA256, data, att.UploadedBy, att.UploadedAt)
}

func (t *tx) InsertComment(ctx context.Context, c gazetteer.Comment) (int64, error) {
	return t.insert(ctx, "INSERT INTO notice_comments (application_id, author, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
		c.ApplicationID, c.Author, c.Text, c.CreatedAt)
}

func (t *tx) ReleaseClaims(ctx context.Context, placeID int64) error {
	_, err := t.exec(ctx, "DELETE FROM name_claims WHERE place_id = $1", placeID)
	return err
}

func (t *tx) TakeClaim(ctx context.Context, key string, applicationID int64, at time.Time) (bool, error) {
	n, err := t.exec(ctx, "INSERT INTO name_claims (claim_key, application_id, place_id, created_at) VALUES ($1, $2, NULL, $3) ON CONFLICT DO NOTHING",
		key, applicationID, at)
	return n == 1, err
}

func (t *tx) BindClaim(ctx context.Context, key string, placeID int64) error {
	_, err := t.exec(ctx, "UPDATE name_claims SET place_id = $1 WHERE claim_key = $2", placeID, key)
	return err
}
