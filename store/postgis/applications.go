package postgis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"diming"
	"diming/gazetteer"
)

var _ gazetteer.ApplicationStore = (*Store)(nil)

// CreateApplication stores a new application as version 1.
func (s *Store) CreateApplication(ctx context.Context, actor diming.Actor, a gazetteer.Application) (gazetteer.Application, error) {
	if err := gazetteer.ValidateApplication(a); err != nil {
		return a, err
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO applications (kind, status, applicant, name, record, version)
			VALUES ($1, $2, $3, $4, '{}', 1) RETURNING id, created_at`, a.Kind, string(a.Status), a.Applicant, a.Name).Scan(&a.ID, &a.CreatedAt); err != nil {
			return err
		}
		a.Version, a.UpdatedAt = 1, a.CreatedAt
		rec := a.Record()
		if _, err := tx.Exec(ctx, "UPDATE applications SET record = $1 WHERE id = $2", string(rec), a.ID); err != nil {
			return err
		}
		if err := appendEvent(ctx, tx, a.ID, gazetteer.AppEvent{Actor: actor, Action: "create", To: a.Status}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, diming.AuditEntry{Actor: actor, Action: "create", Entity: "application", EntityID: fmt.Sprint(a.ID), After: rec})
	})
	return a, classify(err, "创建申请", "create the application")
}

func appendEvent(ctx context.Context, tx pgx.Tx, id int64, ev gazetteer.AppEvent) error {
	_, err := tx.Exec(ctx, "INSERT INTO application_events (application_id, actor, action, from_status, to_status, note) VALUES ($1, $2, $3, $4, $5, $6)",
		id, string(ev.Actor), ev.Action, string(ev.From), string(ev.To), ev.Note)
	return err
}

func applicationByID(ctx context.Context, q rowQuerier, id int64, forUpdate bool) (gazetteer.Application, error) {
	var rec string
	sql := "SELECT record::text FROM applications WHERE id = $1"
	if forUpdate {
		sql += " FOR UPDATE"
	}
	err := q.QueryRow(ctx, sql, id).Scan(&rec)
	if errors.Is(err, pgx.ErrNoRows) {
		return gazetteer.Application{}, diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的申请", "no application with id %d", id)
	}
	if err != nil {
		return gazetteer.Application{}, classify(err, "读取申请", "read the application")
	}
	return gazetteer.ApplicationFromRecord([]byte(rec))
}

// Application returns one application.
func (s *Store) Application(ctx context.Context, id int64) (gazetteer.Application, error) {
	return applicationByID(ctx, s.pool, id, false)
}

// Applications lists applications, newest first.
func (s *Store) Applications(ctx context.Context, f gazetteer.AppFilter) ([]gazetteer.Application, error) {
	rows, err := s.pool.Query(ctx, `SELECT record::text FROM applications WHERE ($1 = '' OR status = $1) AND ($2 = '' OR applicant = $2)
		ORDER BY id DESC LIMIT 1000`, string(f.Status), f.Applicant)
	if err != nil {
		return nil, classify(err, "查询申请", "query applications")
	}
	defer rows.Close()
	out := []gazetteer.Application{}
	for rows.Next() {
		var rec string
		if err := rows.Scan(&rec); err != nil {
			return nil, classify(err, "读取申请", "read applications")
		}
		a, err := gazetteer.ApplicationFromRecord([]byte(rec))
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, classify(rows.Err(), "查询申请", "query applications")
}

// ApplicationEvents returns an application's history, oldest first.
func (s *Store) ApplicationEvents(ctx context.Context, id int64) ([]gazetteer.AppEvent, error) {
	rows, err := s.pool.Query(ctx, "SELECT at, actor, action, from_status, to_status, note FROM application_events WHERE application_id = $1 ORDER BY id", id)
	if err != nil {
		return nil, classify(err, "查询申请记录", "query application events")
	}
	defer rows.Close()
	out := []gazetteer.AppEvent{}
	for rows.Next() {
		var ev gazetteer.AppEvent
		var actor, from, to string
		if err := rows.Scan(&ev.At, &actor, &ev.Action, &from, &to, &ev.Note); err != nil {
			return nil, classify(err, "读取申请记录", "read application events")
		}
		ev.Actor, ev.From, ev.To = diming.Actor(actor), gazetteer.AppStatus(from), gazetteer.AppStatus(to)
		out = append(out, ev)
	}
	return out, classify(rows.Err(), "查询申请记录", "query application events")
}

// UpdateApplication writes a transition (and a publication) in one transaction.
func (s *Store) UpdateApplication(ctx context.Context, actor diming.Actor, a gazetteer.Application, ev gazetteer.AppEvent, pub *gazetteer.Publication) (gazetteer.Application, error) {
	if err := gazetteer.ValidateApplication(a); err != nil {
		return a, err
	}
	if pub != nil {
		if err := gazetteer.ValidatePlaces(actor, []gazetteer.Place{pub.Place}); err != nil {
			return a, err
		}
	}
	out := a
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		a := a
		old, err := applicationByID(ctx, tx, a.ID, true)
		if err != nil {
			return err
		}
		if old.Version != a.Version {
			return diming.Errorf(diming.ECONFLICT, "申请 #%d 已被他人处理（当前第 %d 版，操作基于第 %d 版），请刷新后重试",
				"application #%d was changed by someone else (now version %d, this is based on %d): reload and retry", a.ID, old.Version, a.Version)
		}
		if pub != nil {
			if pub.Place.ID != 0 {
				// A renamed or cancelled record gives up the name it had.
				if _, err := tx.Exec(ctx, "DELETE FROM name_claims WHERE place_id = $1", pub.Place.ID); err != nil {
					return err
				}
			}
			if pub.ClaimKey != "" {
				// Claim first: of concurrent publications of one name, the
				// others wait here and then fail on the key.
				tag, err := tx.Exec(ctx, "INSERT INTO name_claims (claim_key, application_id, place_id) VALUES ($1, $2, NULL) ON CONFLICT DO NOTHING", pub.ClaimKey, a.ID)
				if err != nil {
					return err
				}
				if tag.RowsAffected() != 1 {
					return diming.Errorf(diming.ECONFLICT, "同一范围内已公告同名或同音的地名，申请 #%d（%s）不能公告",
						"a name that is the same or sounds the same is already published in this scope: application #%d (%s) cannot be published", a.ID, a.Name)
				}
			}
			places, err := putPlacesTx(ctx, tx, actor, pub.Reason, []gazetteer.Place{pub.Place})
			if err != nil {
				return err
			}
			a.PublishedPlaceID = places[0].ID
			if pub.ClaimKey != "" {
				if _, err := tx.Exec(ctx, "UPDATE name_claims SET place_id = $1 WHERE claim_key = $2", a.PublishedPlaceID, pub.ClaimKey); err != nil {
					return err
				}
			}
		}
		var now time.Time
		if err := tx.QueryRow(ctx, "SELECT clock_timestamp()").Scan(&now); err != nil {
			return err
		}
		a.Version, a.UpdatedAt = old.Version+1, now
		rec := a.Record()
		if _, err := tx.Exec(ctx, "UPDATE applications SET status = $1, name = $2, record = $3, version = $4, updated_at = $5 WHERE id = $6",
			string(a.Status), a.Name, string(rec), a.Version, now, a.ID); err != nil {
			return err
		}
		if err := appendEvent(ctx, tx, a.ID, ev); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, diming.AuditEntry{Actor: actor, Action: "update", Entity: "application",
			EntityID: fmt.Sprint(a.ID), Before: old.Record(), After: rec}); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, classify(err, "更新申请", "update the application")
}

// AddAttachment stores a report.
func (s *Store) AddAttachment(ctx context.Context, actor diming.Actor, att gazetteer.Attachment, data []byte) (gazetteer.Attachment, error) {
	sum := sha256.Sum256(data)
	att.SHA256, att.Size, att.UploadedBy = hex.EncodeToString(sum[:]), len(data), string(actor)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := applicationByID(ctx, tx, att.ApplicationID, false); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO attachments (application_id, kind, filename, size, sha256, data, uploaded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, uploaded_at`, att.ApplicationID, att.Kind, att.Filename, att.Size, att.SHA256, data, att.UploadedBy).
			Scan(&att.ID, &att.UploadedAt); err != nil {
			return err
		}
		return appendAudit(ctx, tx, diming.AuditEntry{Actor: actor, Action: "create", Entity: "attachment", EntityID: fmt.Sprint(att.ID),
			After: []byte(fmt.Sprintf(`{"application_id":%d,"kind":%q,"filename":%q,"sha256":%q}`, att.ApplicationID, att.Kind, att.Filename, att.SHA256))})
	})
	return att, classify(err, "保存附件", "store the attachment")
}

// Attachments lists an application's reports (without their bytes).
func (s *Store) Attachments(ctx context.Context, applicationID int64) ([]gazetteer.Attachment, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, application_id, kind, filename, size, sha256, uploaded_by, uploaded_at FROM attachments WHERE application_id = $1 ORDER BY id", applicationID)
	if err != nil {
		return nil, classify(err, "查询附件", "query attachments")
	}
	defer rows.Close()
	out := []gazetteer.Attachment{}
	for rows.Next() {
		var a gazetteer.Attachment
		if err := rows.Scan(&a.ID, &a.ApplicationID, &a.Kind, &a.Filename, &a.Size, &a.SHA256, &a.UploadedBy, &a.UploadedAt); err != nil {
			return nil, classify(err, "读取附件", "read attachments")
		}
		out = append(out, a)
	}
	return out, classify(rows.Err(), "查询附件", "query attachments")
}

// AttachmentData returns one report and its bytes.
func (s *Store) AttachmentData(ctx context.Context, applicationID, attachmentID int64) (gazetteer.Attachment, []byte, error) {
	var a gazetteer.Attachment
	var data []byte
	err := s.pool.QueryRow(ctx, "SELECT id, application_id, kind, filename, size, sha256, uploaded_by, uploaded_at, data FROM attachments WHERE id = $1 AND application_id = $2",
		attachmentID, applicationID).Scan(&a.ID, &a.ApplicationID, &a.Kind, &a.Filename, &a.Size, &a.SHA256, &a.UploadedBy, &a.UploadedAt, &data)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, nil, diming.Errorf(diming.ENOTFOUND, "没有这个附件", "no such attachment")
	}
	return a, data, classify(err, "读取附件", "read the attachment")
}

// AddComment stores a public comment on a name on notice, audited.
func (s *Store) AddComment(ctx context.Context, c gazetteer.Comment) (gazetteer.Comment, error) {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO notice_comments (application_id, author, text) VALUES ($1, $2, $3) RETURNING id, created_at",
			c.ApplicationID, c.Author, c.Text).Scan(&c.ID, &c.CreatedAt); err != nil {
			return err
		}
		after, _ := json.Marshal(c)
		return appendAudit(ctx, tx, diming.AuditEntry{Actor: "public", Action: "create", Entity: "comment", EntityID: fmt.Sprint(c.ID), After: after})
	})
	return c, classify(err, "保存意见", "store the comment")
}

// Comments lists the public comments on an application.
func (s *Store) Comments(ctx context.Context, applicationID int64) ([]gazetteer.Comment, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, application_id, author, text, created_at FROM notice_comments WHERE application_id = $1 ORDER BY id", applicationID)
	if err != nil {
		return nil, classify(err, "查询意见", "query comments")
	}
	defer rows.Close()
	out := []gazetteer.Comment{}
	for rows.Next() {
		var c gazetteer.Comment
		if err := rows.Scan(&c.ID, &c.ApplicationID, &c.Author, &c.Text, &c.CreatedAt); err != nil {
			return nil, classify(err, "读取意见", "read comments")
		}
		out = append(out, c)
	}
	return out, classify(rows.Err(), "查询意见", "query comments")
}
