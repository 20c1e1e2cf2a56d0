package sqlite

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
		s.db.QueryRowContext(ctx, "SELECT record FROM applications WHERE id = ?", id))
}

// Applications lists applications, newest first.
func (s *Store) Applications(ctx context.Context, f gazetteer.AppFilter) ([]gazetteer.Application, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryApplications, dec.Application)(s.db.QueryContext(ctx,
		`SELECT record FROM applications WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR applicant = ?2) ORDER BY id DESC LIMIT 1000`,
		string(f.Status), f.Applicant))
}

// ApplicationEvents returns an application's history, oldest first.
func (s *Store) ApplicationEvents(ctx context.Context, id int64) ([]gazetteer.AppEvent, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryAppEvents, dec.AppEvent)(s.db.QueryContext(ctx,
		"SELECT at, actor, action, from_status, to_status, note FROM application_events WHERE application_id = ? ORDER BY id", id))
}

const attachmentColumns = "id, application_id, kind, filename, size, sha256, uploaded_by, uploaded_at"

// Attachments lists an application's reports (without their bytes).
func (s *Store) Attachments(ctx context.Context, applicationID int64) ([]gazetteer.Attachment, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryAttachments, dec.Attachments)(s.db.QueryContext(ctx,
		"SELECT "+attachmentColumns+" FROM attachments WHERE application_id = ? ORDER BY id", applicationID))
}

// AttachmentData returns one report and its bytes.
func (s *Store) AttachmentData(ctx context.Context, applicationID, attachmentID int64) (gazetteer.Attachment, []byte, error) {
	var data []byte
	a, err := rowstore.One(classifyOp, rowstore.OpReadAttachment, rowstore.NoAttachment, func(row rowstore.Scanner) (gazetteer.Attachment, error) {
		return dec.Attachment(row, &data)
	}, s.db.QueryRowContext(ctx, "SELECT "+attachmentColumns+", data FROM attachments WHERE id = ? AND application_id = ?", attachmentID, applicationID))
	return a, data, err
}

// Comments lists the public comments on an application.
func (s *Store) Comments(ctx context.Context, applicationID int64) ([]gazetteer.Comment, error) {
	return rowstore.List(classifyOp, rowstore.OpQueryComments, dec.Comment)(s.db.QueryContext(ctx,
		"SELECT id, application_id, author, text, created_at FROM notice_comments WHERE application_id = ? ORDER BY id", applicationID))
}

// ---- rows of a write (rowstore.ApplicationRows)

func (t *tx) InsertApplication(ctx context.Context, a gazetteer.Application) (int64, error) {
	return t.insert(ctx, "INSERT INTO applications (kind, status, applicant, name, record, version, created_at, updated_at) VALUES (?, ?, ?, ?, '{}', 1, ?, ?)",
		a.Kind, string(a.Status), a.Applicant, a.Name, ts(a.CreatedAt), ts(a.CreatedAt))
}

func (t *tx) SetApplicationRecord(ctx context.Context, id int64, rec []byte) error {
	_, err := t.exec(ctx, "UPDATE applications SET record = ? WHERE id = ?", string(rec), id)
	return err
}

func (t *tx) LockApplication(ctx context.Context, id int64) (gazetteer.Application, error) {
	return dec.Application(t.tx.QueryRowContext(ctx, "SELECT record FROM applications WHERE id = ?", id))
}

func (t *tx) UpdateApplication(ctx context.Context, a gazetteer.Application, rec []byte) error {
	_, err := t.exec(ctx, "UPDATE applications SET status = ?, name = ?, record = ?, version = ?, updated_at = ? WHERE id = ?",
		string(a.Status), a.Name, string(rec), a.Version, ts(a.UpdatedAt), a.ID)
	return err
}

func (t *tx) InsertApplicationEvent(ctx context.Context, id int64, ev gazetteer.AppEvent) error {
	_, err := t.exec(ctx, "INSERT INTO application_events (application_id, at, actor, action, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
		id, ts(ev.At), string(ev.Actor), ev.Action, string(ev.From), string(ev.To), ev.Note)
	return err
}

func (t *tx) InsertAttachment(ctx context.Context, att gazetteer.Attachment, data []byte) (int64, error) {
	return t.insert(ctx, "INSERT INTO attachments (application_id, kind, filename, size, sha256, data, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		att.ApplicationID, att.Kind, att.Filename, att.Size, att.SHA256, data, att.UploadedBy, ts(att.UploadedAt))
}

func (t *tx) InsertComment(ctx context.Context, c gazetteer.Comment) (int64, error) {
	return t.insert(ctx, "INSERT INTO notice_comments (application_id, author, text, created_at) VALUES (?, ?, ?, ?)",
		c.ApplicationID, c.Author, c.Text, ts(c.CreatedAt))
}

func (t *tx) ReleaseClaims(ctx context.Context, placeID int64) error {
	_, err := t.exec(ctx, "DELETE FROM name_claims WHERE place_id = ?", placeID)
	return err
}

func (t *tx) TakeClaim(ctx context.Context, key string, applicationID int64, at time.Time) (bool, error) {
	n, err := t.exec(ctx, "INSERT INTO name_claims (claim_key, application_id, place_id, created_at) VALUES (?, ?, NULL, ?) ON CONFLICT DO NOTHING",
		key, applicationID, ts(at))
	return n == 1, err
}

func (t *tx) BindClaim(ctx context.Context, key string, placeID int64) error {
	_, err := t.exec(ctx, "UPDATE name_claims SET place_id = ? WHERE claim_key = ?", placeID, key)
	return err
}
