package rowstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"diming"
	"diming/gazetteer"
)

// ---- divisions and boundary lines

// PutDivisions inserts or updates divisions in one transaction, with an
// audit entry for each one that changed, and rewrites the boundary lines
// when any did. Nothing is written if any is invalid.
func (e Engine) PutDivisions(ctx context.Context, actor diming.Actor, ds []gazetteer.Division) error {
	if err := guardDivisions(actor, ds); err != nil {
		return err
	}
	err := e.inTx(ctx, OpWriteDivisions, func(tx Tx) error {
		now, err := tx.Now(ctx)
		if err != nil {
			return err
		}
		n := 0
		for i, d := range ds {
			gazetteer.ReportProgress(ctx, i, len(ds))
			old, err := e.codec.Division(tx.QueryRow(ctx, e.sql.LockDivision, d.Code))
			action, before := "update", []byte(nil)
			switch {
			case err == nil:
				before = old.AuditRecord()
			case NoRows(err):
				action = "create"
			default:
				return e.classify(err, OpReadDivision)
			}
			after := d.AuditRecord()
			if action == "update" && string(before) == string(after) {
				continue
			}
			d.UpdatedAt = now
			if err := e.upsertDivision(ctx, tx, d); err != nil {
				return e.classify(err, OpWriteDivision(d.Code))
			}
			if err := e.audit(ctx, tx, changed(actor, action, "division", d.Code, before, after)); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return nil
		}
		return e.classify(e.rewriteBoundaryLines(ctx, tx), OpRewriteLines)
	})
	if err == nil {
		gazetteer.ReportProgress(ctx, len(ds), len(ds))
	}
	return err
}

// rewriteBoundaryLines derives the boundary lines of every level from the
// divisions as they stand in tx and replaces the stored ones, so QGIS sees
// lines that match the polygons. One rewrite runs at a time: a concurrent
// writer waits for the lock, then reads what the other one left.
func (e Engine) rewriteBoundaryLines(ctx context.Context, tx Tx) error {
	if e.sql.LockBoundaryLines != "" {
		if _, err := tx.Exec(ctx, e.sql.LockBoundaryLines); err != nil {
			return err
		}
	}
	all, err := List(e.classify, OpReadDivision, e.codec.Division)(tx.Query(ctx, e.sql.AllDivisions))
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, e.sql.DeleteBoundaryLines); err != nil {
		return err
	}
	for _, level := range gazetteer.Levels {
		for _, l := range gazetteer.DeriveBoundaryLines(all, level) {
			geom, err := e.codec.Geometry(l.Geometry, false)
			if err != nil {
				return fmt.Errorf("line %s: %w", l.ID, err)
			}
			args := append([]any{l.ID, string(l.Level), l.LeftCode, l.RightCode, l.LeftName, l.RightName, l.LengthM}, geom...)
			if _, err := tx.Exec(ctx, e.sql.InsertBoundaryLine, args...); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e Engine) upsertDivision(ctx context.Context, tx Tx, d gazetteer.Division) error {
	geom, err := e.codec.Geometry(d.Geometry, true)
	if err != nil {
		return fmt.Errorf("division %s: %w", d.Code, err)
	}
	args := append([]any{d.Code, d.Name, string(d.Level), d.ParentCode}, geom...)
	args = append(args, d.Households, d.Population, d.Population60, d.UrbanRuralCode, d.Synthetic, e.codec.Time(d.UpdatedAt))
	_, err = tx.Exec(ctx, e.sql.UpsertDivision, args...)
	return err
}

// placeArgs are a place's arguments of InsertPlace and UpdatePlace.
func (e Engine) placeArgs(p gazetteer.Place) ([]any, error) {
	geom, err := e.codec.Geometry(p.Geometry, true)
	if err != nil {
		return nil, fmt.Errorf("place %s: %w", p.Name, err)
	}
	args := append([]any{p.Name, p.Specific, p.Generic, e.codec.Strings(nonNil(p.Aliases)), e.codec.Strings(nonNil(p.FormerNames)),
		p.Romanization, p.Category, p.DivisionCode}, geom...)
	return append(args, p.Meaning, p.Origin, p.History, p.Description, nullStr(p.NamedOn), nullStr(p.CancelledOn),
		p.ApprovedBy, nullStr(p.ApprovedOn), p.Protected, p.Synthetic, p.Source, p.Version, e.codec.Time(p.UpdatedAt)), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ---- places

// PutPlaces inserts or updates places in one transaction with their history
// and audit entries.
func (e Engine) PutPlaces(ctx context.Context, actor diming.Actor, reason string, ps []gazetteer.Place) ([]gazetteer.Place, error) {
	if err := guardPlaces(actor, ps); err != nil {
		return nil, err
	}
	var out []gazetteer.Place
	err := e.inTx(ctx, OpWritePlaces, func(tx Tx) error {
		var err error
		out, err = e.putPlaces(ctx, tx, actor, reason, ps)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// putPlaces writes checked places inside tx: the version check, the row, its
// history and its audit entry, for each place that changes.
func (e Engine) putPlaces(ctx context.Context, tx Tx, actor diming.Actor, reason string, ps []gazetteer.Place) ([]gazetteer.Place, error) {
	now, err := tx.Now(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]gazetteer.Place, 0, len(ps))
	for _, p := range ps {
		var old *gazetteer.Place
		if p.ID != 0 {
			o, err := e.codec.Place(tx.QueryRow(ctx, e.sql.LockPlace, p.ID))
			if NoRows(err) {
				return nil, NoPlace(p.ID)
			} else if err != nil {
				return nil, e.classify(err, OpReadPlace)
			}
			old = &o
		}
		ch, err := gazetteer.ChangePlace(old, p)
		if err != nil {
			return nil, err
		}
		if ch.Action == "" {
			out = append(out, ch.Place)
			continue
		}
		p, action := ch.Place, ch.Action
		p.UpdatedAt = now
		args, err := e.placeArgs(p)
		if err != nil {
			return nil, err
		}
		if action == "create" {
			p.ID, err = tx.Insert(ctx, e.sql.InsertPlace, args...)
			err = e.classify(err, OpWritePlace(p.Name))
		} else {
			_, err = tx.Exec(ctx, e.sql.UpdatePlace, append(args, p.ID)...)
			err = e.classify(err, OpUpdatePlace(p.Name))
		}
		if err != nil {
			return nil, err
		}
		rec := p.Record()
		if _, err := tx.Exec(ctx, e.sql.InsertPlaceVersion, p.ID, p.Version, string(actor), reason, e.codec.Time(now), string(rec)); err != nil {
			return nil, e.classify(err, OpWritePlaceHist)
		}
		if err := e.audit(ctx, tx, changed(actor, action, "place", fmt.Sprint(p.ID), ch.Before, rec)); err != nil {
			return nil, err
		}
		out = append(out, p)
		gazetteer.ReportProgress(ctx, len(out), len(ps))
	}
	return out, nil
}

// ---- applications

// CreateApplication stores a new application as version 1, with its first
// event and its audit entry.
func (e Engine) CreateApplication(ctx context.Context, actor diming.Actor, a gazetteer.Application) (gazetteer.Application, error) {
	if err := guardApplication(a); err != nil {
		return a, err
	}
	out := a
	err := e.inTx(ctx, OpCreateApplication, func(tx Tx) error {
		a := a
		now, err := tx.Now(ctx)
		if err != nil {
			return err
		}
		a.Version, a.CreatedAt, a.UpdatedAt = 1, now, now
		if a.ID, err = tx.Insert(ctx, e.sql.InsertApplication, a.Kind, string(a.Status), a.Applicant, a.Name, e.codec.Time(now), e.codec.Time(now)); err != nil {
			return err
		}
		rec := a.Record()
		if _, err := tx.Exec(ctx, e.sql.SetAppRecord, string(rec), a.ID); err != nil {
			return err
		}
		if err := e.appendEvent(ctx, tx, a.ID, gazetteer.AppEvent{At: now, Actor: actor, Action: "create", To: a.Status}); err != nil {
			return err
		}
		out = a
		return e.audit(ctx, tx, created(actor, "application", fmt.Sprint(a.ID), rec))
	})
	return out, err
}

// lockApplication reads an application for a write in tx.
func (e Engine) lockApplication(ctx context.Context, tx Tx, id int64) (gazetteer.Application, error) {
	a, err := e.codec.Application(tx.QueryRow(ctx, e.sql.LockApplication, id))
	if NoRows(err) {
		return a, NoApplication(id)
	}
	return a, e.classify(err, OpReadApplication)
}

// UpdateApplication writes a transition (and a publication) in one
// transaction: the version check, the publication under its name claim, the
// new version, the event and the audit entry.
func (e Engine) UpdateApplication(ctx context.Context, actor diming.Actor, a gazetteer.Application, ev gazetteer.AppEvent, pub *gazetteer.Publication) (gazetteer.Application, error) {
	if err := guardPublication(actor, a, pub); err != nil {
		return a, err
	}
	out := a
	err := e.inTx(ctx, OpUpdateApplication, func(tx Tx) error {
		a, ev := a, ev
		old, err := e.lockApplication(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		if old.Version != a.Version {
			return StaleApplication(a, old)
		}
		now, err := tx.Now(ctx)
		if err != nil {
			return err
		}
		if pub != nil {
			if a.PublishedPlaceID, err = e.publish(ctx, tx, actor, a, *pub, now); err != nil {
				return err
			}
		}
		a.Version, a.UpdatedAt = old.Version+1, now
		rec := a.Record()
		if _, err := tx.Exec(ctx, e.sql.UpdateApplication, string(a.Status), a.Name, string(rec), a.Version, e.codec.Time(now), a.ID); err != nil {
			return err
		}
		ev.At = now
		if err := e.appendEvent(ctx, tx, a.ID, ev); err != nil {
			return err
		}
		out = a
		return e.audit(ctx, tx, changed(actor, "update", "application", fmt.Sprint(a.ID), old.Record(), rec))
	})
	return out, err
}

func (e Engine) appendEvent(ctx context.Context, tx Tx, id int64, ev gazetteer.AppEvent) error {
	_, err := tx.Exec(ctx, e.sql.InsertAppEvent, id, e.codec.Time(ev.At), string(ev.Actor), ev.Action, string(ev.From), string(ev.To), ev.Note)
	return err
}

// publish writes a publication's place under its name claim, the one claim
// protocol of both stores: a renamed or cancelled record gives up the names
// it held; the new claim is taken first, so that of concurrent publications
// of one name the others wait on the key and then fail; then the place is
// written and the claim bound to it. It returns the place's id.
func (e Engine) publish(ctx context.Context, tx Tx, actor diming.Actor, a gazetteer.Application, pub gazetteer.Publication, now time.Time) (int64, error) {
	if pub.Place.ID != 0 {
		if _, err := tx.Exec(ctx, e.sql.ReleaseClaims, pub.Place.ID); err != nil {
			return 0, err
		}
	}
	if pub.ClaimKey != "" {
		took, err := tx.Exec(ctx, e.sql.TakeClaim, pub.ClaimKey, a.ID, e.codec.Time(now))
		if err != nil {
			return 0, err
		}
		if took != 1 {
			return 0, NameTaken(a)
		}
	}
	places, err := e.putPlaces(ctx, tx, actor, pub.Reason, []gazetteer.Place{pub.Place})
	if err != nil {
		return 0, err
	}
	id := places[0].ID
	if pub.ClaimKey != "" {
		if _, err := tx.Exec(ctx, e.sql.BindClaim, id, pub.ClaimKey); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// AddAttachment stores a report of an application, audited without its bytes.
func (e Engine) AddAttachment(ctx context.Context, actor diming.Actor, att gazetteer.Attachment, data []byte) (gazetteer.Attachment, error) {
	sum := sha256.Sum256(data)
	att.SHA256, att.Size, att.UploadedBy = hex.EncodeToString(sum[:]), len(data), string(actor)
	err := e.inTx(ctx, OpStoreAttachment, func(tx Tx) error {
		if _, err := e.lockApplication(ctx, tx, att.ApplicationID); err != nil {
			return err
		}
		var err error
		if att.UploadedAt, err = tx.Now(ctx); err != nil {
			return err
		}
		if att.ID, err = tx.Insert(ctx, e.sql.InsertAttachment, att.ApplicationID, att.Kind, att.Filename, att.Size, att.SHA256, data,
			att.UploadedBy, e.codec.Time(att.UploadedAt)); err != nil {
			return err
		}
		return e.audit(ctx, tx, created(actor, "attachment", fmt.Sprint(att.ID), attachmentRecord(att)))
	})
	return att, err
}

// AddComment stores a public comment on a name on notice, audited.
func (e Engine) AddComment(ctx context.Context, c gazetteer.Comment) (gazetteer.Comment, error) {
	err := e.inTx(ctx, OpStoreComment, func(tx Tx) error {
		var err error
		if c.CreatedAt, err = tx.Now(ctx); err != nil {
			return err
		}
		if c.ID, err = tx.Insert(ctx, e.sql.InsertComment, c.ApplicationID, c.Author, c.Text, e.codec.Time(c.CreatedAt)); err != nil {
			return err
		}
		return e.audit(ctx, tx, created("public", "comment", fmt.Sprint(c.ID), jsonOf(c)))
	})
	return c, err
}

// ---- boundary markers

// PutMarker creates (ID 0) or updates a marker whose version matches (or is
// not given), audited.
func (e Engine) PutMarker(ctx context.Context, actor diming.Actor, m gazetteer.Marker) (gazetteer.Marker, error) {
	if err := guardMarker(m); err != nil {
		return m, err
	}
	out := m
	err := e.inTx(ctx, OpStoreMarker, func(tx Tx) error {
		m := m
		action, before := "create", []byte(nil)
		if m.ID == 0 {
			m.Version = 1
		} else {
			old, err := e.codec.Marker(tx.QueryRow(ctx, e.sql.LockMarker, m.ID))
			if NoRows(err) {
				return NoMarker()
			} else if err != nil {
				return e.classify(err, OpReadMarker)
			}
			if m.Version != 0 && m.Version != old.Version {
				return StaleMarker(old.Number)
			}
			action, before, m.Version = "update", markerRecord(old), old.Version+1
		}
		var err error
		if m.UpdatedAt, err = tx.Now(ctx); err != nil {
			return err
		}
		args := []any{m.Number, m.Kind, m.LineID, string(m.Level), m.Point[0], m.Point[1], nullStr(m.SetOn), m.State, m.Note, m.Version, e.codec.Time(m.UpdatedAt)}
		if action == "create" {
			m.ID, err = tx.Insert(ctx, e.sql.InsertMarker, args...)
		} else {
			_, err = tx.Exec(ctx, e.sql.UpdateMarker, append(args, m.ID)...)
		}
		if err := e.classify(err, OpStoreMarker); diming.Code(err) == diming.ECONFLICT {
			return MarkerNumberTaken(m.Number)
		} else if err != nil {
			return err
		}
		out = m
		return e.audit(ctx, tx, changed(actor, action, "marker", fmt.Sprint(m.ID), before, markerRecord(m)))
	})
	return out, err
}

// AddInspection records a visit and the state found on the marker, audited.
func (e Engine) AddInspection(ctx context.Context, actor diming.Actor, in gazetteer.Inspection) (gazetteer.Inspection, error) {
	if err := guardInspection(in); err != nil {
		return in, err
	}
	err := e.inTx(ctx, OpRecordInspection, func(tx Tx) error {
		var err error
		if in.CreatedAt, err = tx.Now(ctx); err != nil {
			return err
		}
		found, err := tx.Exec(ctx, e.sql.SetMarkerState, in.State, e.codec.Time(in.CreatedAt), in.MarkerID)
		if err != nil {
			return err
		}
		if found != 1 {
			return NoMarker()
		}
		if in.ID, err = tx.Insert(ctx, e.sql.InsertInspection, in.MarkerID, in.InspectedOn, in.State, in.Note, in.Inspector, e.codec.Time(in.CreatedAt)); err != nil {
			return err
		}
		return e.audit(ctx, tx, created(actor, "inspection", fmt.Sprint(in.ID), jsonOf(in)))
	})
	return in, err
}
