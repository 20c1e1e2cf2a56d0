package rowstore

import (
	"github.com/paulmach/orb"
)

// SQL is a store's statements, built from its Dialect (buildSQL). Each
// SELECT gives the columns of the Codec method named beside it, in order;
// the arguments are as listed. Statements that read a row for a write
// (Lock…) lock it where the engine locks rows (FOR UPDATE). An empty
// statement is skipped.
type SQL struct {
	InsertAudit string // at, actor, action, entity, entity_id, before, after, reason
	Audit       string // Codec.Audit from audit_log; the filter follows

	Divisions      string // Codec.Division from divisions; the filter follows
	DivisionByCode string // Codec.Division; code
	LockDivision   string // Codec.Division; code
	CountDivisions string
	// DivisionInBox is the condition "the division's bounding box meets b".
	DivisionInBox func(w *Where, b orb.Bound) string
	// UpsertDivision: code, name, level, parent_code, Codec.Geometry(box),
	// households, population, population_60, urban_rural_code, synthetic,
	// updated_at.
	UpsertDivision      string
	LockBoundaryLines   string // serialises rewrites of the lines
	AllDivisions        string // Codec.Division, ordered by code
	DeleteBoundaryLines string
	// InsertBoundaryLine: id, level, left_code, right_code, left_name,
	// right_name, length_m, Codec.Geometry(no box).
	InsertBoundaryLine string

	Places    string // Codec.Place from places; the filter follows
	PlaceByID string // Codec.Place; id
	LockPlace string // Codec.Place; id
	// PlaceIDIn is the condition "the place's id is one of ids".
	PlaceIDIn   func(w *Where, ids []int64) string
	CountPlaces string
	// InsertPlace: name, specific, generic, aliases, former_names,
	// romanization, category, division_code, Codec.Geometry(box), meaning,
	// origin, history, description, named_on, cancelled_on, approved_by,
	// approved_on, protected, synthetic, source, version, updated_at.
	// UpdatePlace: the same, then id.
	InsertPlace, UpdatePlace string
	PlaceHistory             string // Codec.PlaceVersion; place_id
	InsertPlaceVersion       string // place_id, version, actor, reason, at, record

	ApplicationByID   string // Codec.Application; id
	LockApplication   string // Codec.Application; id
	Applications      string // Codec.Application; status or "", applicant or ""
	InsertApplication string // kind, status, applicant, name, created_at, updated_at (record '{}', version 1)
	SetAppRecord      string // record, id
	UpdateApplication string // status, name, record, version, updated_at, id
	AppEvents         string // Codec.AppEvent; application_id
	InsertAppEvent    string // application_id, at, actor, action, from_status, to_status, note
	Attachments       string // Codec.Attachment; application_id
	AttachmentData    string // Codec.Attachment and data; id, application_id
	InsertAttachment  string // application_id, kind, filename, size, sha256, data, uploaded_by, uploaded_at
	Comments          string // Codec.Comment; application_id
	InsertComment     string // application_id, author, text, created_at
	ReleaseClaims     string // place_id
	// TakeClaim inserts a claim without a place unless the key is held
	// (ON CONFLICT DO NOTHING): claim_key, application_id, created_at.
	TakeClaim string
	BindClaim string // place_id, claim_key

	Markers          string // Codec.Marker, by number
	MarkerByID       string // Codec.Marker; id
	LockMarker       string // Codec.Marker; id
	InsertMarker     string // number, kind, line_id, level, lon, lat, set_on, state, note, version, updated_at
	UpdateMarker     string // the same, then id
	SetMarkerState   string // state, updated_at, id (and the version bumped)
	Inspections      string // Codec.Inspection; marker_id
	InsertInspection string // marker_id, inspected_on, state, note, inspector, created_at

	Facilities         string // Codec.Facility, by id
	FacilityByID       string // Codec.Facility; id
	LockFacility       string // Codec.Facility; id
	LockFacilityByCode string // Codec.Facility; code
	// InsertFacility: code, name, category, lon, lat, address, floor_area,
	// beds, volunteer_station, comprehensive, status, opened_on, synthetic,
	// note, version, updated_at. UpdateFacility: the same, then id.
	InsertFacility, UpdateFacility string
	DeleteFacility                 string // id

	RoadSegments      string // Codec.RoadSegment, by id
	ClearRoadSegments string
	Households        string // Codec.Household, by id
	ClearHouseholds   string
	Runs              string // Codec.Run; report or "", limit
	RunByID           string // Codec.Run; id
	RunUnits          string // Codec.RunUnit; run_id
	RunPoints         string // Codec.RunPoint; run_id
	InsertRun         string // report, params, data_version, computed_at, created_by, created_at, summary

	UserByName       string // Codec.User and password_hash; name
	UserByID         string // Codec.User; id
	InsertUser       string // name, display_name, role, password_hash, disabled, created_at
	SetPassword      string // password_hash, id
	DeleteSessionsOf string // user_id
	InsertToken      string // user_id, token_hash, label, created_at, expires_at
	TokenByHash      string // Codec.Token; token_hash
	ClearSessions    string // now: drops the sessions expired before it
	InsertSession    string // id_hash, user_id, csrf_hash, created_at, expires_at
	SessionByHash    string // Codec.Session; id_hash
	DeleteSession    string // id_hash
}
