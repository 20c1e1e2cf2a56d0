package rowstore

import (
	"context"
	"time"

	"diming"
	"diming/auth"
	"diming/coverage"
	"diming/gazetteer"
)

// The reads of a store, outside any transaction.

func (e Engine) count(ctx context.Context, q string, op Op) (int, error) {
	var n int
	err := e.db.QueryRow(ctx, q).Scan(&n)
	return n, e.classify(err, op)
}

// Audit returns audit entries, newest first.
func (e Engine) Audit(ctx context.Context, f diming.AuditFilter) ([]diming.AuditEntry, error) {
	w := &Where{}
	q := e.rebind(e.sql.Audit + auditWhere(w, f))
	return ListOrNil(e.classify, OpQueryAudit, e.codec.Audit)(e.db.Query(ctx, q, w.Args...))
}

// ---- divisions and places

// Divisions returns the divisions matching f, ordered by code.
func (e Engine) Divisions(ctx context.Context, f gazetteer.DivisionFilter) ([]gazetteer.Division, error) {
	w := &Where{}
	q := e.rebind(e.sql.Divisions + divisionWhere(w, f, e.sql.DivisionInBox))
	return ListOrNil(e.classify, OpQueryDivisions, e.codec.Division)(e.db.Query(ctx, q, w.Args...))
}

// Division returns one division by its 12-digit code.
func (e Engine) Division(ctx context.Context, code string) (gazetteer.Division, error) {
	return One(e.classify, OpReadDivision, func() error { return NoDivision(code) }, e.codec.Division,
		e.db.QueryRow(ctx, e.sql.DivisionByCode, code))
}

// CountDivisions returns how many divisions are stored.
func (e Engine) CountDivisions(ctx context.Context) (int, error) {
	return e.count(ctx, e.sql.CountDivisions, OpCountDivisions)
}

// Places returns the places matching f, ordered by id.
func (e Engine) Places(ctx context.Context, f gazetteer.PlaceFilter) ([]gazetteer.Place, error) {
	w := &Where{}
	q := e.rebind(e.sql.Places + placeWhere(w, f, e.sql.PlaceIDIn))
	return ListOrNil(e.classify, OpQueryPlaces, e.codec.Place)(e.db.Query(ctx, q, w.Args...))
}

// Place returns one place by id.
func (e Engine) Place(ctx context.Context, id int64) (gazetteer.Place, error) {
	return One(e.classify, OpReadPlace, func() error { return NoPlace(id) }, e.codec.Place, e.db.QueryRow(ctx, e.sql.PlaceByID, id))
}

// CountPlaces returns how many places are stored.
func (e Engine) CountPlaces(ctx context.Context) (int, error) {
	return e.count(ctx, e.sql.CountPlaces, OpCountPlaces)
}

// PlaceHistory returns every version of a place, oldest first.
func (e Engine) PlaceHistory(ctx context.Context, id int64) ([]gazetteer.PlaceVersion, error) {
	if _, err := e.Place(ctx, id); err != nil {
		return nil, err
	}
	return ListOrNil(e.classify, OpPlaceHistory, e.codec.PlaceVersion)(e.db.Query(ctx, e.sql.PlaceHistory, id))
}

// ---- markers

// Markers lists every marker by number.
func (e Engine) Markers(ctx context.Context) ([]gazetteer.Marker, error) {
	return List(e.classify, OpQueryMarkers, e.codec.Marker)(e.db.Query(ctx, e.sql.Markers))
}

// Marker returns one marker.
func (e Engine) Marker(ctx context.Context, id int64) (gazetteer.Marker, error) {
	return One(e.classify, OpReadMarker, NoMarker, e.codec.Marker, e.db.QueryRow(ctx, e.sql.MarkerByID, id))
}

// Inspections lists a marker's visits, oldest first.
func (e Engine) Inspections(ctx context.Context, markerID int64) ([]gazetteer.Inspection, error) {
	return List(e.classify, OpQueryInspections, e.codec.Inspection)(e.db.Query(ctx, e.sql.Inspections, markerID))
}

// ---- applications

// Application returns one application.
func (e Engine) Application(ctx context.Context, id int64) (gazetteer.Application, error) {
	return One(e.classify, OpReadApplication, func() error { return NoApplication(id) }, e.codec.Application,
		e.db.QueryRow(ctx, e.sql.ApplicationByID, id))
}

// Applications lists applications, newest first (at most 1,000).
func (e Engine) Applications(ctx context.Context, f gazetteer.AppFilter) ([]gazetteer.Application, error) {
	return List(e.classify, OpQueryApplications, e.codec.Application)(e.db.Query(ctx, e.sql.Applications, string(f.Status), f.Applicant))
}

// ApplicationEvents returns an application's history, oldest first.
func (e Engine) ApplicationEvents(ctx context.Context, id int64) ([]gazetteer.AppEvent, error) {
	return List(e.classify, OpQueryAppEvents, e.codec.AppEvent)(e.db.Query(ctx, e.sql.AppEvents, id))
}

// Attachments lists an application's reports (without their bytes).
func (e Engine) Attachments(ctx context.Context, applicationID int64) ([]gazetteer.Attachment, error) {
	return List(e.classify, OpQueryAttachments, e.codec.Attachments)(e.db.Query(ctx, e.sql.Attachments, applicationID))
}

// AttachmentData returns one report and its bytes.
func (e Engine) AttachmentData(ctx context.Context, applicationID, attachmentID int64) (gazetteer.Attachment, []byte, error) {
	var data []byte
	a, err := One(e.classify, OpReadAttachment, NoAttachment, func(row Scanner) (gazetteer.Attachment, error) {
		return e.codec.Attachment(row, &data)
	}, e.db.QueryRow(ctx, e.sql.AttachmentData, attachmentID, applicationID))
	return a, data, err
}

// Comments lists the public comments on an application.
func (e Engine) Comments(ctx context.Context, applicationID int64) ([]gazetteer.Comment, error) {
	return List(e.classify, OpQueryComments, e.codec.Comment)(e.db.Query(ctx, e.sql.Comments, applicationID))
}

// ---- coverage

// Facilities lists every facility by id.
func (e Engine) Facilities(ctx context.Context) ([]coverage.Facility, error) {
	return List(e.classify, OpQueryFacilities, e.codec.Facility)(e.db.Query(ctx, e.sql.Facilities))
}

// Facility returns one facility.
func (e Engine) Facility(ctx context.Context, id int64) (coverage.Facility, error) {
	return One(e.classify, OpReadFacility, func() error { return NoFacility(id) }, e.codec.Facility, e.db.QueryRow(ctx, e.sql.FacilityByID, id))
}

// RoadSegments lists every segment by id.
func (e Engine) RoadSegments(ctx context.Context) ([]coverage.RoadSegment, error) {
	return List(e.classify, OpQueryRoads, e.codec.RoadSegment)(e.db.Query(ctx, e.sql.RoadSegments))
}

// Households lists every household point by id.
func (e Engine) Households(ctx context.Context) ([]coverage.HouseholdPoint, error) {
	return List(e.classify, OpQueryHouseholds, e.codec.Household)(e.db.Query(ctx, e.sql.Households))
}

// Runs lists saved runs, newest first (50 unless f says), without their
// units and points.
func (e Engine) Runs(ctx context.Context, f coverage.RunFilter) ([]coverage.Run, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	return List(e.classify, OpQueryRuns, e.codec.Run)(e.db.Query(ctx, e.sql.Runs, f.Report, limit))
}

// Run returns one saved run with its units and points.
func (e Engine) Run(ctx context.Context, id int64) (coverage.Run, error) {
	r, err := One(e.classify, OpReadRun, func() error { return NoRun(id) }, e.codec.Run, e.db.QueryRow(ctx, e.sql.RunByID, id))
	if err != nil {
		return r, err
	}
	if r.Units, err = ListOrNil(e.classify, OpReadRun, e.codec.RunUnit)(e.db.Query(ctx, e.sql.RunUnits, id)); err != nil {
		return r, err
	}
	r.Points, err = ListOrNil(e.classify, OpReadRun, e.codec.RunPoint)(e.db.Query(ctx, e.sql.RunPoints, id))
	return r, err
}

// ---- accounts

// UserByName returns the user and the password hash.
func (e Engine) UserByName(ctx context.Context, name string) (auth.User, string, error) {
	var hash string
	u, err := One(e.classify, OpReadUser, NoUser, func(row Scanner) (auth.User, error) { return e.codec.User(row, &hash) },
		e.db.QueryRow(ctx, e.sql.UserByName, name))
	return u, hash, err
}

// UserByID returns a user.
func (e Engine) UserByID(ctx context.Context, id int64) (auth.User, error) {
	return One(e.classify, OpReadUser, NoUser, e.codec.Users, e.db.QueryRow(ctx, e.sql.UserByID, id))
}

// TokenByHash returns a live token.
func (e Engine) TokenByHash(ctx context.Context, tokenHash string, now time.Time) (auth.Token, error) {
	t, err := One(e.classify, OpReadToken, NoToken, e.codec.Token, e.db.QueryRow(ctx, e.sql.TokenByHash, tokenHash))
	if err != nil {
		return t, err
	}
	return t, LiveToken(t, now)
}

// CreateSession stores a login session (and drops expired ones).
func (e Engine) CreateSession(ctx context.Context, idHash string, sess auth.Session) error {
	now := time.Now()
	if _, err := e.db.Exec(ctx, e.sql.ClearSessions, e.codec.Time(now)); err != nil {
		return e.classify(err, OpCleanSessions)
	}
	_, err := e.db.Exec(ctx, e.sql.InsertSession, idHash, sess.UserID, sess.CSRFHash, e.codec.Time(now), e.codec.Time(sess.ExpiresAt))
	return e.classify(err, OpCreateSession)
}

// SessionByHash returns a live session.
func (e Engine) SessionByHash(ctx context.Context, idHash string, now time.Time) (auth.Session, error) {
	sess, err := One(e.classify, OpReadSession, NoSession, e.codec.Session, e.db.QueryRow(ctx, e.sql.SessionByHash, idHash))
	if err != nil {
		return sess, err
	}
	return sess, LiveSession(sess, now)
}

// DeleteSession ends a session.
func (e Engine) DeleteSession(ctx context.Context, idHash string) error {
	_, err := e.db.Exec(ctx, e.sql.DeleteSession, idHash)
	return e.classify(err, OpDeleteSession)
}
