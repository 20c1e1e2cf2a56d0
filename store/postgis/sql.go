package postgis

import (
	"fmt"
	"strconv"

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

// dollar is PostgreSQL's placeholder of the nth argument.
func dollar(n int) string { return "$" + strconv.Itoa(n) }

// The columns of each rowstore.Codec read.
const (
	divisionColumns = `code, name, level, parent_code, ST_AsEWKB(geom), households, population,
	population_60, urban_rural_code, synthetic, updated_at`
	placeColumns = `id, name, specific, generic, aliases, former_names, romanization, category, division_code,
	ST_AsEWKB(geom), meaning, origin, history, description, coalesce(to_char(named_on, 'YYYY-MM-DD'), ''),
	coalesce(to_char(cancelled_on, 'YYYY-MM-DD'), ''), approved_by, coalesce(to_char(approved_on, 'YYYY-MM-DD'), ''),
	protected, synthetic, source, version, updated_at`
	markerColumns   = "id, number, kind, line_id, level, ST_X(geom), ST_Y(geom), coalesce(to_char(set_on, 'YYYY-MM-DD'), ''), state, note, version, updated_at"
	facilityColumns = `id, coalesce(code, ''), name, category, ST_X(geom), ST_Y(geom), address, floor_area, beds,
	volunteer_station, comprehensive, status, coalesce(opened_on, ''), synthetic, note, version, updated_at`
	attachmentColumns = "id, application_id, kind, filename, size, sha256, uploaded_by, uploaded_at"
	runColumns        = "id, report, params::text, data_version, computed_at, created_by, created_at, summary::text"
	userColumns       = "id, name, display_name, role, disabled, created_at"

	placeWrite = `(name, specific, generic, aliases, former_names, romanization, category, division_code,
	geom, meaning, origin, history, description, named_on, cancelled_on, approved_by, approved_on,
	protected, synthetic, source, version, updated_at)`
	placeValues = `($1, $2, $3, $4, $5, $6, $7, $8, ST_GeomFromEWKB($9), $10, $11, $12, $13,
	$14::date, $15::date, $16, $17::date, $18, $19, $20, $21, $22)`
	markerWrite   = "(number, kind, line_id, level, geom, set_on, state, note, version, updated_at)"
	markerValues  = "($1, $2, $3, $4, ST_SetSRID(ST_MakePoint($5, $6), 4326), $7::date, $8, $9, $10, $11)"
	facilityWrite = `(code, name, category, geom, address, floor_area, beds, volunteer_station, comprehensive,
	status, opened_on, synthetic, note, version, updated_at)`
	facilityValues = `($1, $2, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326), $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`
)

// lock locks the rows a write reads.
const lock = " FOR UPDATE"

// boundaryLinesLock is the advisory lock key serialising line rewrites.
const boundaryLinesLock = 0x64696d626c // "dimbl"

// statements are the store's SQL (see rowstore.SQL for each one's columns
// and arguments).
var statements = rowstore.SQL{
	InsertAudit: `INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after, reason)
		VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8)`,
	Audit: "SELECT id, at, actor, action, entity, entity_id, before::text, after::text, reason FROM audit_log",

	Divisions:      "SELECT " + divisionColumns + " FROM divisions",
	DivisionByCode: "SELECT " + divisionColumns + " FROM divisions WHERE code = $1",
	LockDivision:   "SELECT " + divisionColumns + " FROM divisions WHERE code = $1" + lock,
	CountDivisions: "SELECT count(*) FROM divisions",
	DivisionInBox: func(w *rowstore.Where, b orb.Bound) string {
		return fmt.Sprintf("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", w.Arg(b.Min[0]), w.Arg(b.Min[1]), w.Arg(b.Max[0]), w.Arg(b.Max[1]))
	},
	UpsertDivision: `INSERT INTO divisions (code, name, level, parent_code, geom, households,
			population, population_60, urban_rural_code, synthetic, updated_at)
		VALUES ($1, $2, $3, $4, ST_GeomFromEWKB($5), $6, $7, $8, $9, $10, $11)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
			parent_code = excluded.parent_code, geom = excluded.geom, households = excluded.households,
			population = excluded.population, population_60 = excluded.population_60,
			urban_rural_code = excluded.urban_rural_code, synthetic = excluded.synthetic,
			updated_at = excluded.updated_at`,
	// One rewrite at a time: a concurrent writer waits here until the other
	// commits, then reads the divisions and lines as that one left them.
	LockBoundaryLines:   fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", boundaryLinesLock),
	AllDivisions:        "SELECT " + divisionColumns + " FROM divisions ORDER BY code",
	DeleteBoundaryLines: "DELETE FROM boundary_lines",
	InsertBoundaryLine: `INSERT INTO boundary_lines (id, level, left_code, right_code, left_name, right_name, length_m, geom)
		VALUES ($1, $2, $3, $4, $5, $6, $7, ST_Multi(ST_GeomFromEWKB($8)))`,

	Places:             "SELECT " + placeColumns + " FROM places",
	PlaceByID:          "SELECT " + placeColumns + " FROM places WHERE id = $1",
	LockPlace:          "SELECT " + placeColumns + " FROM places WHERE id = $1" + lock,
	PlaceIDIn:          func(w *rowstore.Where, ids []int64) string { return "id = ANY(" + w.Arg(ids) + ")" },
	CountPlaces:        "SELECT count(*) FROM places",
	InsertPlace:        "INSERT INTO places " + placeWrite + " VALUES " + placeValues + " RETURNING id",
	UpdatePlace:        "UPDATE places SET " + placeWrite + " = ROW" + placeValues + " WHERE id = $23",
	PlaceHistory:       "SELECT place_id, version, actor, reason, at, record::text FROM place_versions WHERE place_id = $1 ORDER BY version",
	InsertPlaceVersion: "INSERT INTO place_versions (place_id, version, actor, reason, at, record) VALUES ($1, $2, $3, $4, $5, $6::jsonb)",

	ApplicationByID: "SELECT record::text FROM applications WHERE id = $1",
	LockApplication: "SELECT record::text FROM applications WHERE id = $1" + lock,
	Applications: `SELECT record::text FROM applications WHERE ($1 = '' OR status = $1) AND ($2 = '' OR applicant = $2)
		ORDER BY id DESC LIMIT 1000`,
	InsertApplication: `INSERT INTO applications (kind, status, applicant, name, record, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, '{}', 1, $5, $6) RETURNING id`,
	SetAppRecord:      "UPDATE applications SET record = $1 WHERE id = $2",
	UpdateApplication: "UPDATE applications SET status = $1, name = $2, record = $3, version = $4, updated_at = $5 WHERE id = $6",
	AppEvents:         "SELECT at, actor, action, from_status, to_status, note FROM application_events WHERE application_id = $1 ORDER BY id",
	InsertAppEvent: `INSERT INTO application_events (application_id, at, actor, action, from_status, to_status, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
	Attachments:    "SELECT " + attachmentColumns + " FROM attachments WHERE application_id = $1 ORDER BY id",
	AttachmentData: "SELECT " + attachmentColumns + ", data FROM attachments WHERE id = $1 AND application_id = $2",
	InsertAttachment: `INSERT INTO attachments (application_id, kind, filename, size, sha256, data, uploaded_by, uploaded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
	Comments:      "SELECT id, application_id, author, text, created_at FROM notice_comments WHERE application_id = $1 ORDER BY id",
	InsertComment: "INSERT INTO notice_comments (application_id, author, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
	ReleaseClaims: "DELETE FROM name_claims WHERE place_id = $1",
	// Of concurrent publications of one name, the others wait here for the
	// first to commit and then insert nothing.
	TakeClaim: "INSERT INTO name_claims (claim_key, application_id, place_id, created_at) VALUES ($1, $2, NULL, $3) ON CONFLICT DO NOTHING",
	BindClaim: "UPDATE name_claims SET place_id = $1 WHERE claim_key = $2",

	Markers:          "SELECT " + markerColumns + " FROM boundary_markers ORDER BY number",
	MarkerByID:       "SELECT " + markerColumns + " FROM boundary_markers WHERE id = $1",
	LockMarker:       "SELECT " + markerColumns + " FROM boundary_markers WHERE id = $1" + lock,
	InsertMarker:     "INSERT INTO boundary_markers " + markerWrite + " VALUES " + markerValues + " RETURNING id",
	UpdateMarker:     "UPDATE boundary_markers SET " + markerWrite + " = ROW" + markerValues + " WHERE id = $12",
	SetMarkerState:   "UPDATE boundary_markers SET state = $1, version = version + 1, updated_at = $2 WHERE id = $3",
	Inspections:      "SELECT id, marker_id, to_char(inspected_on, 'YYYY-MM-DD'), state, note, inspector, created_at FROM marker_inspections WHERE marker_id = $1 ORDER BY id",
	InsertInspection: "INSERT INTO marker_inspections (marker_id, inspected_on, state, note, inspector, created_at) VALUES ($1, $2::date, $3, $4, $5, $6) RETURNING id",

	Facilities:         "SELECT " + facilityColumns + " FROM facilities ORDER BY id",
	FacilityByID:       "SELECT " + facilityColumns + " FROM facilities WHERE id = $1",
	LockFacility:       "SELECT " + facilityColumns + " FROM facilities WHERE id = $1" + lock,
	LockFacilityByCode: "SELECT " + facilityColumns + " FROM facilities WHERE code = $1" + lock,
	InsertFacility:     "INSERT INTO facilities " + facilityWrite + " VALUES " + facilityValues + " RETURNING id",
	UpdateFacility:     "UPDATE facilities SET " + facilityWrite + " = ROW" + facilityValues + " WHERE id = $17",
	DeleteFacility:     "DELETE FROM facilities WHERE id = $1",

	RoadSegments:      "SELECT id, ST_AsEWKB(geom), class, name, source, synthetic FROM road_segments ORDER BY id",
	ClearRoadSegments: "DELETE FROM road_segments",
	Households:        "SELECT id, ST_X(geom), ST_Y(geom), households, residents, aged_60, source, synthetic FROM households ORDER BY id",
	ClearHouseholds:   "DELETE FROM households",
	Runs:              "SELECT " + runColumns + " FROM coverage_runs WHERE ($1 = '' OR report = $1) ORDER BY id DESC LIMIT $2",
	RunByID:           "SELECT " + runColumns + " FROM coverage_runs WHERE id = $1",
	RunUnits: `SELECT division_code, name, level, total, covered, value, met, extra::text, ST_AsEWKB(geom)
		FROM coverage_run_units WHERE run_id = $1 ORDER BY id`,
	RunPoints: "SELECT kind, ref_id, value, extra::text, ST_X(geom), ST_Y(geom) FROM coverage_run_points WHERE run_id = $1 ORDER BY id",
	InsertRun: `INSERT INTO coverage_runs (report, params, data_version, computed_at, created_by, created_at, summary)
		VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7::jsonb) RETURNING id`,

	UserByName:       "SELECT " + userColumns + ", password_hash FROM users WHERE name = $1",
	UserByID:         "SELECT " + userColumns + " FROM users WHERE id = $1",
	InsertUser:       "INSERT INTO users (name, display_name, role, password_hash, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
	SetPassword:      "UPDATE users SET password_hash = $1 WHERE id = $2",
	DeleteSessionsOf: "DELETE FROM sessions WHERE user_id = $1",
	InsertToken:      "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
	TokenByHash:      "SELECT id, user_id, label, created_at, expires_at, revoked_at FROM api_tokens WHERE token_hash = $1",
	ClearSessions:    "DELETE FROM sessions WHERE expires_at < $1",
	InsertSession:    "INSERT INTO sessions (id_hash, user_id, csrf_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
	SessionByHash:    "SELECT user_id, csrf_hash, expires_at FROM sessions WHERE id_hash = $1",
	DeleteSession:    "DELETE FROM sessions WHERE id_hash = $1",
}
