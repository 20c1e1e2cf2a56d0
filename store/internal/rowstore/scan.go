package rowstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"

	"diming"
	"diming/auth"
	"diming/coverage"
	"diming/gazetteer"
)

// Codec is how an engine's columns and arguments carry Go values where
// the drivers differ. Its methods scan rows into the domain types, once for
// both stores: each names the columns it reads, in order, and an adapter's
// SELECT gives them so. Most columns scan as they are in both drivers
// (database/sql turns SQLite's 0 and 1 into bool, and NULL into a nil
// pointer); geometry columns are WKB or EWKB (SRID 4326 or none) as []byte.
type Codec struct {
	// ScanTime is a scan destination for a timestamp column into dst.
	ScanTime func(dst *time.Time) any
	// ScanNullTime is one for a nullable timestamp (nil for NULL).
	ScanNullTime func(dst **time.Time) any
	// ScanStrings is one for a list of strings (text[] or a JSON array).
	ScanStrings func(dst *[]string) any

	// Time is a timestamp argument; NullTime a nullable one.
	Time     func(t time.Time) any
	NullTime func(t *time.Time) any
	// Strings is a list-of-strings argument.
	Strings func(s []string) any
	// Geometry is a geometry column's arguments: for PostGIS its EWKB; for
	// SQLite its WKB, then, with box, its bounding box (minx, miny, maxx,
	// maxy) for the columns that follow the geometry in tables that keep
	// one.
	Geometry func(g orb.Geometry, box bool) ([]any, error)
	// TimeResolution is what a stored time keeps (PostgreSQL: a
	// microsecond, pgx truncating); 0 for all of it.
	TimeResolution time.Duration
}

// stored is t as the engine keeps it.
func (d Codec) stored(t time.Time) time.Time {
	if d.TimeResolution > 0 {
		return t.Truncate(d.TimeResolution)
	}
	return t
}

// SRID of every geometry: WGS84 longitude, latitude (CGCS2000 is used
// interchangeably at this scale).
const SRID = 4326

// Geometry decodes WKB or EWKB with SRID 4326 (or none).
func Geometry(b []byte) (orb.Geometry, error) {
	g, srid, err := ewkb.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("decode geometry: %w", err)
	}
	if srid != SRID && srid != 0 {
		return nil, fmt.Errorf("geometry has SRID %d, want %d", srid, SRID)
	}
	return g, nil
}

// MultiPolygon decodes a polygon or a multipolygon.
func MultiPolygon(b []byte) (orb.MultiPolygon, error) {
	g, err := Geometry(b)
	if err != nil {
		return nil, err
	}
	switch g := g.(type) {
	case orb.MultiPolygon:
		return g, nil
	case orb.Polygon:
		return orb.MultiPolygon{g}, nil
	}
	return nil, fmt.Errorf("geometry is a %s, not a multipolygon", g.GeoJSONType())
}

func rawJSON(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	return json.RawMessage(*s)
}

// Division: code, name, level, parent_code, geom, households, population,
// population_60, urban_rural_code, synthetic, updated_at.
func (d Codec) Division(row Scanner) (gazetteer.Division, error) {
	var v gazetteer.Division
	var geom []byte
	var level string
	err := row.Scan(&v.Code, &v.Name, &level, &v.ParentCode, &geom, &v.Households, &v.Population,
		&v.Population60, &v.UrbanRuralCode, &v.Synthetic, d.ScanTime(&v.UpdatedAt))
	if err != nil {
		return v, err
	}
	v.Level = gazetteer.Level(level)
	if v.Geometry, err = MultiPolygon(geom); err != nil {
		return v, fmt.Errorf("division %s: %w", v.Code, err)
	}
	return v, nil
}

// Place: id, name, specific, generic, aliases, former_names, romanization,
// category, division_code, geom, meaning, origin, history, description,
// named_on, cancelled_on, approved_by, approved_on (dates as YYYY-MM-DD or
// ""), protected, synthetic, source, version, updated_at.
func (d Codec) Place(row Scanner) (gazetteer.Place, error) {
	var p gazetteer.Place
	var geom []byte
	err := row.Scan(&p.ID, &p.Name, &p.Specific, &p.Generic, d.ScanStrings(&p.Aliases), d.ScanStrings(&p.FormerNames), &p.Romanization, &p.Category,
		&p.DivisionCode, &geom, &p.Meaning, &p.Origin, &p.History, &p.Description, &p.NamedOn, &p.CancelledOn,
		&p.ApprovedBy, &p.ApprovedOn, &p.Protected, &p.Synthetic, &p.Source, &p.Version, d.ScanTime(&p.UpdatedAt))
	if err != nil {
		return p, err
	}
	if p.Geometry, err = Geometry(geom); err != nil {
		return p, fmt.Errorf("place %d: %w", p.ID, err)
	}
	return p, nil
}

// PlaceVersion: place_id, version, actor, reason, at, record.
func (d Codec) PlaceVersion(row Scanner) (gazetteer.PlaceVersion, error) {
	var v gazetteer.PlaceVersion
	var actor, rec string
	err := row.Scan(&v.PlaceID, &v.Version, &actor, &v.Reason, d.ScanTime(&v.At), &rec)
	v.Actor, v.Record = diming.Actor(actor), json.RawMessage(rec)
	return v, err
}

// Marker: id, number, kind, line_id, level, lon, lat, set_on, state, note,
// version, updated_at.
func (d Codec) Marker(row Scanner) (gazetteer.Marker, error) {
	var m gazetteer.Marker
	var level string
	err := row.Scan(&m.ID, &m.Number, &m.Kind, &m.LineID, &level, &m.Point[0], &m.Point[1], &m.SetOn, &m.State, &m.Note, &m.Version, d.ScanTime(&m.UpdatedAt))
	m.Level = gazetteer.Level(level)
	return m, err
}

// Inspection: id, marker_id, inspected_on, state, note, inspector, created_at.
func (d Codec) Inspection(row Scanner) (gazetteer.Inspection, error) {
	var in gazetteer.Inspection
	err := row.Scan(&in.ID, &in.MarkerID, &in.InspectedOn, &in.State, &in.Note, &in.Inspector, d.ScanTime(&in.CreatedAt))
	return in, err
}

// Application: record (the application's JSON).
func (d Codec) Application(row Scanner) (gazetteer.Application, error) {
	var rec string
	if err := row.Scan(&rec); err != nil {
		return gazetteer.Application{}, err
	}
	return gazetteer.ApplicationFromRecord([]byte(rec))
}

// AppEvent: at, actor, action, from_status, to_status, note.
func (d Codec) AppEvent(row Scanner) (gazetteer.AppEvent, error) {
	var ev gazetteer.AppEvent
	var actor, from, to string
	err := row.Scan(d.ScanTime(&ev.At), &actor, &ev.Action, &from, &to, &ev.Note)
	ev.Actor, ev.From, ev.To = diming.Actor(actor), gazetteer.AppStatus(from), gazetteer.AppStatus(to)
	return ev, err
}

// Attachment: id, application_id, kind, filename, size, sha256,
// uploaded_by, uploaded_at, then the extra destinations.
func (d Codec) Attachment(row Scanner, extra ...any) (gazetteer.Attachment, error) {
	var a gazetteer.Attachment
	err := row.Scan(append([]any{&a.ID, &a.ApplicationID, &a.Kind, &a.Filename, &a.Size, &a.SHA256, &a.UploadedBy, d.ScanTime(&a.UploadedAt)}, extra...)...)
	return a, err
}

// Attachments is Attachment for List.
func (d Codec) Attachments(row Scanner) (gazetteer.Attachment, error) { return d.Attachment(row) }

// Comment: id, application_id, author, text, created_at.
func (d Codec) Comment(row Scanner) (gazetteer.Comment, error) {
	var c gazetteer.Comment
	err := row.Scan(&c.ID, &c.ApplicationID, &c.Author, &c.Text, d.ScanTime(&c.CreatedAt))
	return c, err
}

// Facility: id, code, name, category, lon, lat, address, floor_area, beds,
// volunteer_station, comprehensive, status, opened_on, synthetic, note,
// version, updated_at.
func (d Codec) Facility(row Scanner) (coverage.Facility, error) {
	var f coverage.Facility
	var category string
	err := row.Scan(&f.ID, &f.Code, &f.Name, &category, &f.Point[0], &f.Point[1], &f.Address, &f.FloorArea, &f.Beds,
		&f.VolunteerStation, &f.Comprehensive, &f.Status, &f.OpenedOn, &f.Synthetic, &f.Note, &f.Version, d.ScanTime(&f.UpdatedAt))
	f.Category = coverage.Category(category)
	return f, err
}

// RoadSegment: id, geom, class, name, source, synthetic.
func (d Codec) RoadSegment(row Scanner) (coverage.RoadSegment, error) {
	var r coverage.RoadSegment
	var geom []byte
	if err := row.Scan(&r.ID, &geom, &r.Class, &r.Name, &r.Source, &r.Synthetic); err != nil {
		return r, err
	}
	g, err := Geometry(geom)
	if err != nil {
		return r, fmt.Errorf("road segment %d: %w", r.ID, err)
	}
	ls, ok := g.(orb.LineString)
	if !ok {
		return r, fmt.Errorf("road segment %d is a %s, not a line", r.ID, g.GeoJSONType())
	}
	r.Geometry = ls
	return r, nil
}

// Household: id, lon, lat, households, residents, aged_60, source, synthetic.
func (d Codec) Household(row Scanner) (coverage.HouseholdPoint, error) {
	var h coverage.HouseholdPoint
	err := row.Scan(&h.ID, &h.Point[0], &h.Point[1], &h.Households, &h.Residents, &h.Aged60, &h.Source, &h.Synthetic)
	return h, err
}

// Run: id, report, params, data_version, computed_at, created_by,
// created_at, summary.
func (d Codec) Run(row Scanner) (coverage.Run, error) {
	var r coverage.Run
	var params, summary *string
	var by string
	err := row.Scan(&r.ID, &r.Report, &params, &r.DataVersion, d.ScanTime(&r.ComputedAt), &by, d.ScanTime(&r.CreatedAt), &summary)
	r.Params, r.Summary, r.CreatedBy = rawJSON(params), rawJSON(summary), diming.Actor(by)
	return r, err
}

// RunUnit: division_code, name, level, total, covered, value, met, extra,
// geom (may be NULL).
func (d Codec) RunUnit(row Scanner) (coverage.RunUnit, error) {
	var u coverage.RunUnit
	var extra *string
	var geom []byte
	if err := row.Scan(&u.DivisionCode, &u.Name, &u.Level, &u.Total, &u.Covered, &u.Value, &u.Met, &extra, &geom); err != nil {
		return u, err
	}
	u.Extra = rawJSON(extra)
	if geom != nil {
		var err error
		if u.Geometry, err = MultiPolygon(geom); err != nil {
			return u, fmt.Errorf("run unit %s: %w", u.DivisionCode, err)
		}
	}
	return u, nil
}

// RunPoint: kind, ref_id, value, extra, lon, lat.
func (d Codec) RunPoint(row Scanner) (coverage.RunPoint, error) {
	var p coverage.RunPoint
	var extra *string
	err := row.Scan(&p.Kind, &p.RefID, &p.Value, &extra, &p.Point[0], &p.Point[1])
	p.Extra = rawJSON(extra)
	return p, err
}

// Audit: id, at, actor, action, entity, entity_id, before, after, reason.
func (d Codec) Audit(row Scanner) (diming.AuditEntry, error) {
	var e diming.AuditEntry
	var actor string
	var before, after *string
	err := row.Scan(&e.ID, d.ScanTime(&e.At), &actor, &e.Action, &e.Entity, &e.EntityID, &before, &after, &e.Reason)
	e.Actor, e.Before, e.After = diming.Actor(actor), rawJSON(before), rawJSON(after)
	return e, err
}

// User: id, name, display_name, role, disabled, created_at, then the extra
// destinations.
func (d Codec) User(row Scanner, extra ...any) (auth.User, error) {
	var u auth.User
	var role string
	err := row.Scan(append([]any{&u.ID, &u.Name, &u.DisplayName, &role, &u.Disabled, d.ScanTime(&u.CreatedAt)}, extra...)...)
	u.Role = auth.Role(role)
	return u, err
}

// Users is User for One.
func (d Codec) Users(row Scanner) (auth.User, error) { return d.User(row) }

// Token: id, user_id, label, created_at, expires_at, revoked_at.
func (d Codec) Token(row Scanner) (auth.Token, error) {
	var t auth.Token
	err := row.Scan(&t.ID, &t.UserID, &t.Label, d.ScanTime(&t.CreatedAt), d.ScanNullTime(&t.ExpiresAt), d.ScanNullTime(&t.RevokedAt))
	return t, err
}

// Session: user_id, csrf_hash, expires_at.
func (d Codec) Session(row Scanner) (auth.Session, error) {
	var s auth.Session
	err := row.Scan(&s.UserID, &s.CSRFHash, d.ScanTime(&s.ExpiresAt))
	return s, err
}
