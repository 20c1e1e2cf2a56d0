package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"diming"
	"diming/gazetteer"
)

var _ gazetteer.ApplicationStore = (*Store)(nil)

func (s *Store) tx(ctx context.Context, zh, en string, fn func(tx *sql.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return classify(err, zh, en)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return classify(err, zh, en)
	}
	return classify(tx.Commit(), zh, en)
}

// CreateApplication stores a new application as version 1.
func (s *Store) CreateApplication(ctx context.Context, actor diming.Actor, a gazetteer.Application) (gazetteer.Application, error) {
	if err := gazetteer.ValidateApplication(a); err != nil {
		return a, err
	}
	now := s.now().UTC()
	a.Version, a.CreatedAt, a.UpdatedAt = 1, now, now
	err := s.tx(ctx, "创建申请", "create the application", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO applications (kind, status, applicant, name, record, version, created_at, updated_at) VALUES (?, ?, ?, ?, '{}', 1, ?, ?)",
			a.Kind, string(a.Status), a.Applicant, a.Name, ts(now), ts(now))
		if err != nil {
			return err
		}
		if a.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		rec := a.Record()
		if _, err := tx.ExecContext(ctx, "UPDATE applications SET record = ? WHERE id = ?", string(rec), a.ID); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, a.ID, gazetteer.AppEvent{At: now, Actor: actor, Action: "create", To: a.Status}); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ts(now), diming.AuditEntry{Actor: actor, Action: "create", Entity: "application", EntityID: fmt.Sprint(a.ID), After: rec})
	})
	return a, err
}

func (s *Store) appendEvent(ctx context.Context, tx *sql.Tx, id int64, ev gazetteer.AppEvent) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO application_events (application_id, at, actor, action, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
		id, ts(ev.At), string(ev.Actor), ev.Action, string(ev.From), string(ev.To), ev.Note)
	return err
}

func applicationByID(ctx context.Context, q queryer, id int64) (gazetteer.Application, error) {
	var rec string
	err := q.QueryRowContext(ctx, "SELECT record FROM applications WHERE id = ?", id).Scan(&rec)
	if errors.Is(err, sql.ErrNoRows) {
		return gazetteer.Application{}, diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的申请", "no application with id %d", id)
	}
	if err != nil {
		return gazetteer.Application{}, classify(err, "读取申请", "read the application")
	}
	return gazetteer.ApplicationFromRecord([]byte(rec))
}

// Application returns one application.
func (s *Store) Application(ctx context.Context, id int64) (gazetteer.Application, error) {
	return applicationByID(ctx, s.db, id)
}

// Applications lists applications, newest first.
func (s *Store) Applications(ctx context.Context, f gazetteer.AppFilter) ([]gazetteer.Application, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT record FROM applications WHERE (? = '' OR status = ?) AND (? = '' OR applicant = ?) ORDER BY id DESC LIMIT 1000`,
		string(f.Status), string(f.Status), f.Applicant, f.Applicant)
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
	rows, err := s.db.QueryContext(ctx, "SELECT at, actor, action, from_status, to_status, note FROM application_events WHERE application_id = ? ORDER BY id", id)
	if err != nil {
		return nil, classify(err, "查询申请记录", "query application events")
	}
	defer rows.Close()
	out := []gazetteer.AppEvent{}
	for rows.Next() {
		var ev gazetteer.AppEvent
		var at, actor, from, to string
		if err := rows.Scan(&at, &actor, &ev.Action, &from, &to, &ev.Note); err != nil {
			return nil, classify(err, "读取申请记录", "read application events")
		}
		ev.Actor, ev.From, ev.To = diming.Actor(actor), gazetteer.AppStatus(from), gazetteer.AppStatus(to)
		if ev.At, err = parseTS(at); err != nil {
			return nil, err
		}
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
	now := s.now().UTC()
	err := s.tx(ctx, "更新申请", "update the application", func(tx *sql.Tx) error {
		old, err := applicationByID(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if old.Version != a.Version {
			return staleApplication(a, old)
		}
		if pub != nil {
			if pub.Place.ID != 0 {
				// A renamed or cancelled record gives up the name it had.
				if _, err := tx.ExecContext(ctx, "DELETE FROM name_claims WHERE place_id = ?", pub.Place.ID); err != nil {
					return err
				}
			}
			places, err := s.putPlacesTx(ctx, tx, actor, pub.Reason, []gazetteer.Place{pub.Place})
			if err != nil {
				return err
			}
			a.PublishedPlaceID = places[0].ID
			if pub.ClaimKey != "" {
				if _, err := tx.ExecContext(ctx, "INSERT INTO name_claims (claim_key, application_id, place_id, created_at) VALUES (?, ?, ?, ?)",
					pub.ClaimKey, a.ID, a.PublishedPlaceID, ts(now)); err != nil {
					if diming.Code(classify(err, "", "")) == diming.ECONFLICT {
						return nameTaken(a)
					}
					return err
				}
			}
		}
		a.Version, a.UpdatedAt = old.Version+1, now
		rec := a.Record()
		if _, err := tx.ExecContext(ctx, "UPDATE applications SET status = ?, name = ?, record = ?, version = ?, updated_at = ? WHERE id = ?",
			string(a.Status), a.Name, string(rec), a.Version, ts(now), a.ID); err != nil {
			return err
		}
		ev.At = now
		if err := s.appendEvent(ctx, tx, a.ID, ev); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ts(now), diming.AuditEntry{Actor: actor, Action: "update", Entity: "application",
			EntityID: fmt.Sprint(a.ID), Before: old.Record(), After: rec})
	})
	return a, err
}

func staleApplication(a, old gazetteer.Application) error {
	return diming.Errorf(diming.ECONFLICT, "申请 #%d 已被他人处理（当前第 %d 版，操作基于第 %d 版），请刷新后重试",
		"application #%d was changed by someone else (now version %d, this is based on %d): reload and retry", a.ID, old.Version, a.Version)
}

func nameTaken(a gazetteer.Application) error {
	return diming.Errorf(diming.ECONFLICT, "同一范围内已公告同名或同音的地名，申请 #%d（%s）不能公告",
		"a name that is the same or sounds the same is already published in this scope: application #%d (%s) cannot be published", a.ID, a.Name)
}

// AddAttachment stores a report.
func (s *Store) AddAttachment(ctx context.Context, actor diming.Actor, att gazetteer.Attachment, data []byte) (gazetteer.Attachment, error) {
	sum := sha256.Sum256(data)
	att.SHA256, att.Size, att.UploadedBy, att.UploadedAt = hex.EncodeToString(sum[:]), len(data), string(actor), s.now().UTC()
	err := s.tx(ctx, "保存附件", "store the attachment", func(tx *sql.Tx) error {
		if _, err := applicationByID(ctx, tx, att.ApplicationID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO attachments (application_id, kind, filename, size, sha256, data, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			att.ApplicationID, att.Kind, att.Filename, att.Size, att.SHA256, data, att.UploadedBy, ts(att.UploadedAt))
		if err != nil {
			return err
		}
		if att.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return appendAudit(ctx, tx, ts(att.UploadedAt), diming.AuditEntry{Actor: actor, Action: "create", Entity: "attachment",
			EntityID: fmt.Sprint(att.ID), After: []byte(fmt.Sprintf(`{"application_id":%d,"kind":%q,"filename":%q,"sha256":%q}`, att.ApplicationID, att.Kind, att.Filename, att.SHA256))})
	})
	return att, err
}

// Attachments lists an application's reports (without their bytes).
func (s *Store) Attachments(ctx context.Context, applicationID int64) ([]gazetteer.Attachment, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, application_id, kind, filename, size, sha256, uploaded_by, uploaded_at FROM attachments WHERE application_id = ? ORDER BY id", applicationID)
	if err != nil {
		return nil, classify(err, "查询附件", "query attachments")
	}
	defer rows.Close()
	out := []gazetteer.Attachment{}
	for rows.Next() {
		var a gazetteer.Attachment
		var at string
		if err := rows.Scan(&a.ID, &a.ApplicationID, &a.Kind, &a.Filename, &a.Size, &a.SHA256, &a.UploadedBy, &at); err != nil {
			return nil, classify(err, "读取附件", "read attachments")
		}
		a.UploadedAt, _ = parseTS(at)
		out = append(out, a)
	}
	return out, classify(rows.Err(), "查询附件", "query attachments")
}

// AttachmentData returns one report and its bytes.
func (s *Store) AttachmentData(ctx context.Context, applicationID, attachmentID int64) (gazetteer.Attachment, []byte, error) {
	var a gazetteer.Attachment
	var at string
	var data []byte
	err := s.db.QueryRowContext(ctx, "SELECT id, application_id, kind, filename, size, sha256, uploaded_by, uploaded_at, data FROM attachments WHERE id = ? AND application_id = ?",
		attachmentID, applicationID).Scan(&a.ID, &a.ApplicationID, &a.Kind, &a.Filename, &a.Size, &a.SHA256, &a.UploadedBy, &at, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return a, nil, diming.Errorf(diming.ENOTFOUND, "没有这个附件", "no such attachment")
	}
	if err != nil {
		return a, nil, classify(err, "读取附件", "read the attachment")
	}
	a.UploadedAt, _ = parseTS(at)
	return a, data, nil
}

// AddComment stores a public comment on a name on notice, audited.
func (s *Store) AddComment(ctx context.Context, c gazetteer.Comment) (gazetteer.Comment, error) {
	c.CreatedAt = s.now().UTC()
	err := s.tx(ctx, "保存意见", "store the comment", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO notice_comments (application_id, author, text, created_at) VALUES (?, ?, ?, ?)",
			c.ApplicationID, c.Author, c.Text, ts(c.CreatedAt))
		if err != nil {
			return err
		}
		if c.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		after, _ := json.Marshal(c)
		return appendAudit(ctx, tx, ts(c.CreatedAt), diming.AuditEntry{Actor: "public", Action: "create", Entity: "comment", EntityID: fmt.Sprint(c.ID), After: after})
	})
	return c, err
}

// Comments lists the public comments on an application.
func (s *Store) Comments(ctx context.Context, applicationID int64) ([]gazetteer.Comment, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, application_id, author, text, created_at FROM notice_comments WHERE application_id = ? ORDER BY id", applicationID)
	if err != nil {
		return nil, classify(err, "查询意见", "query comments")
	}
	defer rows.Close()
	out := []gazetteer.Comment{}
	for rows.Next() {
		var c gazetteer.Comment
		var at string
		if err := rows.Scan(&c.ID, &c.ApplicationID, &c.Author, &c.Text, &at); err != nil {
			return nil, classify(err, "读取意见", "read comments")
		}
		c.CreatedAt, _ = parseTS(at)
		out = append(out, c)
	}
	return out, classify(rows.Err(), "查询意见", "query comments")
}
