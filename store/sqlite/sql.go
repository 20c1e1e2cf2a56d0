package sqlite

import (
	"encoding/json"
	"strings"

	"github.com/paulmach/orb"

	"diming/auth"
	"diming/coverage"
	"diming/gazetteer"
	"diming/store/internal/rowstore"
)

var (
	_ gazetteer.Store            = (*Store)(nil)
	_ gazetteer.PlaceStore       = (*Store)(nil)
	_ gazetteer.ApplicationStore = (*Store)(nil)
	_ gazetteer.MarkerStore      = (*Store)(nil)
	_ coverage.Store             = (*Store)(nil)
	_ coverage.ChangeMarker      = (*Store)(nil)
	_ auth.Store                 = (*Store)(nil)
)

// question is SQLite's placeholder of any argument.
func question(int) string { return "?" }

// values is "(?, ?, …)" for the columns of cols, "(a, b, …)".
func values(cols string) string {
	return "(?" + strings.Repeat(", ?", strings.Count(cols, ",")) + ")"
}

// set is "a = ?, b = ?, …" for the columns of cols, "(a, b, …)".
func set(cols string) string {
	return strings.ReplaceAll(strings.Trim(cols, "()"), ",", " = ?,") + " = ?"
}

// The columns of each rowstore.Codec read. A table with geometry keeps its
// bounding box (minx, miny, maxx, maxy) beside it, for filtering by box.
const (
	divisionColumns = `code, name, level, parent_code, geom, households, population, population_60,
	urban_rural_code, synthetic, updated_at`
	placeColumns = `id, name, specific, generic, aliases, former_names, romanization, category, division_code,
	geom, meaning, origin, history, description, coalesce(named_on, ''), coalesce(cancelled_on, ''),
	approved_by, coalesce(approved_on, ''), protected, synthetic, source, version, updated_at`
	markerColumns   = "id, number, kind, line_id, level, lon, lat, coalesce(set_on, ''), state, note, version, updated_at"
	facilityColumns = `id, coalesce(code, ''), name, category, lon, lat, address, floor_area, beds,
	volunteer_station, comprehensive, status, coalesce(opened_on, ''), synthetic, note, version, updated_at`
	attachmentColumns = "id, application_id, kind, filename, size, sha256, uploaded_by, uploaded_at"
	runColumns        = "id, report, params, data_version, computed_at, created_by, created_at, summary"
	userColumns       = "id, name, display_name, role, disabled, created_at"

	divisionWrite = `(code, name, level, parent_code, geom, minx, miny, maxx, maxy, households, population,
	population_60, urban_rural_code, synthetic, updated_at)`
	placeWrite = `(name, specific, generic, aliases, former_names, romanization, category, division_code, geom,
	minx, miny, maxx, maxy, meaning, origin, history, description, named_on, cancelled_on, approved_by,
	approved_on, protected, synthetic, source, version, updated_at)`
	markerWrite   = "(number, kind, line_id, level, lon, lat, set_on, state, note, version, updated_at)"
	facilityWrite = `(code, name, category, lon, lat, address, floor_area, beds, volunteer_station, comprehensive,
	status, opened_on, synthetic, note, version, updated_at)`
)

// statements are the store's SQL (see rowstore.SQL for each one's columns
// and arguments). Reads for a write lock nothing: the writer holds the
// database's write lock from BEGIN IMMEDIATE.
var statements = rowstore.SQL{
	InsertAudit: "INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	Audit:       "SELECT id, at, actor, action, entity, entity_id, before, after, reason FROM audit_log",

	Divisions:      "SELECT " + divisionColumns + " FROM divisions",
	DivisionByCode: "SELECT " + divisionColumns + " FROM divisions WHERE code = ?",
	LockDivision:   "SELECT " + divisionColumns + " FROM divisions WHERE code = ?",
	CountDivisions: "SELECT count(*) FROM divisions",
	DivisionInBox: func(w *rowstore.Where, b orb.Bound) string {
		return "maxx >= " + w.Arg(b.Min[0]) + " AND minx <= " + w.Arg(b.Max[0]) + " AND maxy >= " + w.Arg(b.Min[1]) + " AND miny <= " + w.Arg(b.Max[1])
	},
	UpsertDivision: "INSERT INTO divisions " + divisionWrite + " VALUES " + values(divisionWrite) + `
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
			parent_code = excluded.parent_code, geom = excluded.geom, households = excluded.households,
			population = excluded.population, population_60 = excluded.population_60,
			urban_rural_code = excluded.urban_rural_code, synthetic = excluded.synthetic,
			updated_at = excluded.updated_at, minx = excluded.minx, miny = excluded.miny,
			maxx = excluded.maxx, maxy = excluded.maxy`,
	AllDivisions:        "SELECT " + divisionColumns + " FROM divisions ORDER BY code",
	DeleteBoundaryLines: "DELETE FROM boundary_lines",
	InsertBoundaryLine:  "INSERT INTO boundary_lines (id, level, left_code, right_code, left_name, right_name, length_m, geom) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",

	Places:    "SELECT " + placeColumns + " FROM places",
	PlaceByID: "SELECT " + placeColumns + " FROM places WHERE id = ?",
	LockPlace: "SELECT " + placeColumns + " FROM places WHERE id = ?",
	PlaceIDIn: func(w *rowstore.Where, ids []int64) string {
		b, _ := json.Marshal(ids)
		return "id IN (SELECT value FROM json_each(" + w.Arg(string(b)) + "))"
	},
	CountPlaces:        "SELECT count(*) FROM places",
	InsertPlace:        "INSERT INTO places " + placeWrite + " VALUES " + values(placeWrite),
	UpdatePlace:        "UPDATE places SET " + set(placeWrite) + " WHERE id = ?",
	PlaceHistory:       "SELECT place_id, version, actor, reason, at, record FROM place_versions WHERE place_id = ? ORDER BY version",
	InsertPlaceVersion: "INSERT INTO place_versions (place_id, version, actor, reason, at, record) VALUES (?, ?, ?, ?, ?, ?)",

	ApplicationByID:   "SELECT record FROM applications WHERE id = ?",
	LockApplication:   "SELECT record FROM applications WHERE id = ?",
	Applications:      "SELECT record FROM applications WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR applicant = ?2) ORDER BY id DESC LIMIT 1000",
	InsertApplication: "INSERT INTO applications (kind, status, applicant, name, record, version, created_at, updated_at) VALUES (?, ?, ?, ?, '{}', 1, ?, ?)",
	SetAppRecord:      "UPDATE applications SET record = ? WHERE id = ?",
	UpdateApplication: "UPDATE applications SET status = ?, name = ?, record = ?, version = ?, updated_at = ? WHERE id = ?",
	AppEvents:         "SELECT at, actor, action, from_status, to_status, note FROM application_events WHERE application_id = ? ORDER BY id",
	InsertAppEvent:    "INSERT INTO application_events (application_id, at, actor, action, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
	Attachments:       "SELECT " + attachmentColumns + " FROM attachments WHERE application_id = ? ORDER BY id",
	AttachmentData:    "SELECT " + attachmentColumns + ", data FROM attachments WHERE id = ? AND application_id = ?",
	InsertAttachment:  "INSERT INTO attachments (application_id, kind, filename, size, sha256, data, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	Comments:          "SELECT id, application_id, author, text, created_at FROM notice_comments WHERE application_id = ? ORDER BY id",
	InsertComment:     "INSERT INTO notice_comments (application_id, author, text, created_at) VALUES (?, ?, ?, ?)",
	ReleaseClaims:     "DELETE FROM name_claims WHERE place_id = ?",
	TakeClaim:         "INSERT INTO name_claims (claim_key, application_id, place_id, created_at) VALUES (?, ?, NULL, ?) ON CONFLICT DO NOTHING",
	BindClaim:         "UPDATE name_claims SET place_id = ? WHERE claim_key = ?",

	Markers:          "SELECT " + markerColumns + " FROM boundary_markers ORDER BY number",
	MarkerByID:       "SELECT " + markerColumns + " FROM boundary_markers WHERE id = ?",
	LockMarker:       "SELECT " + markerColumns + " FROM boundary_markers WHERE id = ?",
	InsertMarker:     "INSERT INTO boundary_markers " + markerWrite + " VALUES " + values(markerWrite),
	UpdateMarker:     "UPDATE boundary_markers SET " + set(markerWrite) + " WHERE id = ?",
	SetMarkerState:   "UPDATE boundary_markers SET state = ?, version = version + 1, updated_at = ? WHERE id = ?",
	Inspections:      "SELECT id, marker_id, inspected_on, state, note, inspector, created_at FROM marker_inspections WHERE marker_id = ? ORDER BY id",
	InsertInspection: "INSERT INTO marker_inspections (marker_id, inspected_on, state, note, inspector, created_at) VALUES (?, ?, ?, ?, ?, ?)",

	Facilities:         "SELECT " + facilityColumns + " FROM facilities ORDER BY id",
	FacilityByID:       "SELECT " + facilityColumns + " FROM facilities WHERE id = ?",
	LockFacility:       "SELECT " + facilityColumns + " FROM facilities WHERE id = ?",
	LockFacilityByCode: "SELECT " + facilityColumns + " FROM facilities WHERE code = ?",
	InsertFacility:     "INSERT INTO facilities " + facilityWrite + " VALUES " + values(facilityWrite),
	UpdateFacility:     "UPDATE facilities SET " + set(facilityWrite) + " WHERE id = ?",
	DeleteFacility:     "DELETE FROM facilities WHERE id = ?",

	RoadSegments:      "SELECT id, geom, class, name, source, synthetic FROM road_segments ORDER BY id",
	ClearRoadSegments: "DELETE FROM road_segments",
	Households:        "SELECT id, lon, lat, households, residents, aged_60, source, synthetic FROM households ORDER BY id",
	ClearHouseholds:   "DELETE FROM households",
	Runs:              "SELECT " + runColumns + " FROM coverage_runs WHERE (?1 = '' OR report = ?1) ORDER BY id DESC LIMIT ?2",
	RunByID:           "SELECT " + runColumns + " FROM coverage_runs WHERE id = ?",
	RunUnits:          "SELECT division_code, name, level, total, covered, value, met, extra, geom FROM coverage_run_units WHERE run_id = ? ORDER BY id",
	RunPoints:         "SELECT kind, ref_id, value, extra, lon, lat FROM coverage_run_points WHERE run_id = ? ORDER BY id",
	InsertRun:         "INSERT INTO coverage_runs (report, params, data_version, computed_at, created_by, created_at, summary) VALUES (?, ?, ?, ?, ?, ?, ?)",

	UserByName:       "SELECT " + userColumns + ", password_hash FROM users WHERE name = ?",
	UserByID:         "SELECT " + userColumns + " FROM users WHERE id = ?",
	InsertUser:       "INSERT INTO users (name, display_name, role, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)",
	SetPassword:      "UPDATE users SET password_hash = ? WHERE id = ?",
	DeleteSessionsOf: "DELETE FROM sessions WHERE user_id = ?",
	InsertToken:      "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
	TokenByHash:      "SELECT id, user_id, label, created_at, expires_at, revoked_at FROM api_tokens WHERE token_hash = ?",
	ClearSessions:    "DELETE FROM sessions WHERE expires_at < ?",
	InsertSession:    "INSERT INTO sessions (id_hash, user_id, csrf_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
	SessionByHash:    "SELECT user_id, csrf_hash, expires_at FROM sessions WHERE id_hash = ?",
	DeleteSession:    "DELETE FROM sessions WHERE id_hash = ?",
}
