package rowstore

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Dialect is what an engine's SQL does differently; every statement is
// built from it once (buildSQL), with ? for the arguments (?1, ?2 where one
// is used twice).
type Dialect struct {
	// Dollar: the engine numbers its arguments $1, $2, … (PostgreSQL).
	Dollar bool
	// Lock ends a read for a write: " FOR UPDATE", or "" where the writer
	// holds the database's lock anyway (SQLite's BEGIN IMMEDIATE).
	Lock string
	// GeomOut reads a geometry column as WKB or EWKB.
	GeomOut func(col string) string
	// DateOut reads a date column as YYYY-MM-DD, "" for NULL.
	DateOut func(col string) string
	// PointOut reads the point of a table with points as lon, lat.
	PointOut string
	// GeomIn are the columns and values of a written geometry (the
	// arguments Codec.Geometry gives for box); multi makes it a multi-
	// geometry where the column is one.
	GeomIn func(box, multi bool) []Col
	// PointIn are the columns and values of a written point (lon, lat).
	PointIn []Col
	// InBox is the condition "the row's bounding box meets b".
	InBox func(w *Where, b orb.Bound) string
	// IDIn is the condition "the row's id is one of ids".
	IDIn func(w *Where, ids []int64) string
	// LockBoundaryLines serialises rewrites of the boundary lines ("" for
	// none).
	LockBoundaryLines string
}

// Col is a written column and its value's SQL ("?" for a plain argument).
type Col struct{ Name, Value string }

func plain(names ...string) []Col {
	out := make([]Col, len(names))
	for i, n := range names {
		out[i] = Col{n, "?"}
	}
	return out
}

func cols(parts ...[]Col) []Col {
	var out []Col
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func names(cs []Col) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.Name
	}
	return strings.Join(s, ", ")
}

func insertSQL(table string, cs []Col) string {
	v := make([]string, len(cs))
	for i, c := range cs {
		v[i] = c.Value
	}
	return "INSERT INTO " + table + " (" + names(cs) + ") VALUES (" + strings.Join(v, ", ") + ")"
}

func updateSQL(table string, cs []Col) string {
	v := make([]string, len(cs))
	for i, c := range cs {
		v[i] = c.Name + " = " + c.Value
	}
	return "UPDATE " + table + " SET " + strings.Join(v, ", ") + " WHERE id = ?"
}

// upsertSQL inserts or, when key exists, replaces every other column.
func upsertSQL(table, key string, cs []Col) string {
	var v []string
	for _, c := range cs {
		if c.Name != key {
			v = append(v, c.Name+" = excluded."+c.Name)
		}
	}
	return insertSQL(table, cs) + " ON CONFLICT (" + key + ") DO UPDATE SET " + strings.Join(v, ", ")
}

// rebind turns ? and ?N into $n and $N for an engine that numbers them.
func (d Dialect) rebind(q string) string {
	if !d.Dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		j := i + 1
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		if j > i+1 {
			b.WriteString("$" + q[i+1:j])
		} else {
			n++
			b.WriteString("$" + strconv.Itoa(n))
		}
		i = j - 1
	}
	return b.String()
}

// buildSQL is every statement of a store in the engine's dialect.
func buildSQL(d Dialect) SQL {
	divisions := "code, name, level, parent_code, " + d.GeomOut("geom") + ", households, population, population_60, urban_rural_code, synthetic, updated_at"
	places := "id, name, specific, generic, aliases, former_names, romanization, category, division_code, " + d.GeomOut("geom") +
		", meaning, origin, history, description, " + d.DateOut("named_on") + ", " + d.DateOut("cancelled_on") + ", approved_by, " +
		d.DateOut("approved_on") + ", protected, synthetic, source, version, updated_at"
	markers := "id, number, kind, line_id, level, " + d.PointOut + ", " + d.DateOut("set_on") + ", state, note, version, updated_at"
	facilities := "id, coalesce(code, ''), name, category, " + d.PointOut + `, address, floor_area, beds,
		volunteer_station, comprehensive, status, coalesce(opened_on, ''), synthetic, note, version, updated_at`
	attachments := "id, application_id, kind, filename, size, sha256, uploaded_by, uploaded_at"
	runs := "id, report, params, data_version, computed_at, created_by, created_at, summary"
	users := "id, name, display_name, role, disabled, created_at"

	divisionWrite := cols(plain("code", "name", "level", "parent_code"), d.GeomIn(true, true),
		plain("households", "population", "population_60", "urban_rural_code", "synthetic", "updated_at"))
	placeWrite := cols(plain("name", "specific", "generic", "aliases", "former_names", "romanization", "category", "division_code"),
		d.GeomIn(true, false), plain("meaning", "origin", "history", "description", "named_on", "cancelled_on", "approved_by",
			"approved_on", "protected", "synthetic", "source", "version", "updated_at"))
	markerWrite := cols(plain("number", "kind", "line_id", "level"), d.PointIn, plain("set_on", "state", "note", "version", "updated_at"))
	facilityWrite := cols(plain("code", "name", "category"), d.PointIn, plain("address", "floor_area", "beds",
		"volunteer_station", "comprehensive", "status", "opened_on", "synthetic", "note", "version", "updated_at"))
	lineWrite := cols(plain("id", "level", "left_code", "right_code", "left_name", "right_name", "length_m"), d.GeomIn(false, true))

	s := SQL{
		InsertAudit: insertSQL("audit_log", plain("at", "actor", "action", "entity", "entity_id", "before", "after", "reason")),
		Audit:       "SELECT id, at, actor, action, entity, entity_id, before, after, reason FROM audit_log",

		Divisions:           "SELECT " + divisions + " FROM divisions",
		DivisionByCode:      "SELECT " + divisions + " FROM divisions WHERE code = ?",
		LockDivision:        "SELECT " + divisions + " FROM divisions WHERE code = ?" + d.Lock,
		CountDivisions:      "SELECT count(*) FROM divisions",
		DivisionInBox:       d.InBox,
		UpsertDivision:      upsertSQL("divisions", "code", divisionWrite),
		LockBoundaryLines:   d.LockBoundaryLines,
		AllDivisions:        "SELECT " + divisions + " FROM divisions ORDER BY code",
		DeleteBoundaryLines: "DELETE FROM boundary_lines",
		InsertBoundaryLine:  insertSQL("boundary_lines", lineWrite),

		Places:             "SELECT " + places + " FROM places",
		PlaceByID:          "SELECT " + places + " FROM places WHERE id = ?",
		LockPlace:          "SELECT " + places + " FROM places WHERE id = ?" + d.Lock,
		PlaceIDIn:          d.IDIn,
		CountPlaces:        "SELECT count(*) FROM places",
		InsertPlace:        insertSQL("places", placeWrite),
		UpdatePlace:        updateSQL("places", placeWrite),
		PlaceHistory:       "SELECT place_id, version, actor, reason, at, record FROM place_versions WHERE place_id = ? ORDER BY version",
		InsertPlaceVersion: insertSQL("place_versions", plain("place_id", "version", "actor", "reason", "at", "record")),

		ApplicationByID: "SELECT record FROM applications WHERE id = ?",
		LockApplication: "SELECT record FROM applications WHERE id = ?" + d.Lock,
		Applications:    "SELECT record FROM applications WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR applicant = ?2) ORDER BY id DESC LIMIT 1000",
		InsertApplication: "INSERT INTO applications (kind, status, applicant, name, record, version, created_at, updated_at) " +
			"VALUES (?, ?, ?, ?, '{}', 1, ?, ?)",
		SetAppRecord:      "UPDATE applications SET record = ? WHERE id = ?",
		UpdateApplication: "UPDATE applications SET status = ?, name = ?, record = ?, version = ?, updated_at = ? WHERE id = ?",
		AppEvents:         "SELECT at, actor, action, from_status, to_status, note FROM application_events WHERE application_id = ? ORDER BY id",
		InsertAppEvent:    insertSQL("application_events", plain("application_id", "at", "actor", "action", "from_status", "to_status", "note")),
		Attachments:       "SELECT " + attachments + " FROM attachments WHERE application_id = ? ORDER BY id",
		AttachmentData:    "SELECT " + attachments + ", data FROM attachments WHERE id = ? AND application_id = ?",
		InsertAttachment:  insertSQL("attachments", plain("application_id", "kind", "filename", "size", "sha256", "data", "uploaded_by", "uploaded_at")),
		Comments:          "SELECT id, application_id, author, text, created_at FROM notice_comments WHERE application_id = ? ORDER BY id",
		InsertComment:     insertSQL("notice_comments", plain("application_id", "author", "text", "created_at")),
		ReleaseClaims:     "DELETE FROM name_claims WHERE place_id = ?",
		// Of concurrent publications of one name, the others wait here for
		// the first to commit and then insert nothing.
		TakeClaim: "INSERT INTO name_claims (claim_key, application_id, place_id, created_at) VALUES (?, ?, NULL, ?) ON CONFLICT DO NOTHING",
		BindClaim: "UPDATE name_claims SET place_id = ? WHERE claim_key = ?",

		Markers:        "SELECT " + markers + " FROM boundary_markers ORDER BY number",
		MarkerByID:     "SELECT " + markers + " FROM boundary_markers WHERE id = ?",
		LockMarker:     "SELECT " + markers + " FROM boundary_markers WHERE id = ?" + d.Lock,
		InsertMarker:   insertSQL("boundary_markers", markerWrite),
		UpdateMarker:   updateSQL("boundary_markers", markerWrite),
		SetMarkerState: "UPDATE boundary_markers SET state = ?, version = version + 1, updated_at = ? WHERE id = ?",
		Inspections: "SELECT id, marker_id, " + d.DateOut("inspected_on") +
			", state, note, inspector, created_at FROM marker_inspections WHERE marker_id = ? ORDER BY id",
		InsertInspection: insertSQL("marker_inspections", plain("marker_id", "inspected_on", "state", "note", "inspector", "created_at")),

		Facilities:         "SELECT " + facilities + " FROM facilities ORDER BY id",
		FacilityByID:       "SELECT " + facilities + " FROM facilities WHERE id = ?",
		LockFacility:       "SELECT " + facilities + " FROM facilities WHERE id = ?" + d.Lock,
		LockFacilityByCode: "SELECT " + facilities + " FROM facilities WHERE code = ?" + d.Lock,
		InsertFacility:     insertSQL("facilities", facilityWrite),
		UpdateFacility:     updateSQL("facilities", facilityWrite),
		DeleteFacility:     "DELETE FROM facilities WHERE id = ?",

		RoadSegments:      "SELECT id, " + d.GeomOut("geom") + ", class, name, source, synthetic FROM road_segments ORDER BY id",
		ClearRoadSegments: "DELETE FROM road_segments",
		Households:        "SELECT id, " + d.PointOut + ", households, residents, aged_60, source, synthetic FROM households ORDER BY id",
		ClearHouseholds:   "DELETE FROM households",
		Runs:              "SELECT " + runs + " FROM coverage_runs WHERE (?1 = '' OR report = ?1) ORDER BY id DESC LIMIT ?2",
		RunByID:           "SELECT " + runs + " FROM coverage_runs WHERE id = ?",
		RunUnits: "SELECT division_code, name, level, total, covered, value, met, extra, " + d.GeomOut("geom") +
			" FROM coverage_run_units WHERE run_id = ? ORDER BY id",
		RunPoints: "SELECT kind, ref_id, value, extra, " + d.PointOut + " FROM coverage_run_points WHERE run_id = ? ORDER BY id",
		InsertRun: insertSQL("coverage_runs", plain("report", "params", "data_version", "computed_at", "created_by", "created_at", "summary")),

		UserByName:       "SELECT " + users + ", password_hash FROM users WHERE name = ?",
		UserByID:         "SELECT " + users + " FROM users WHERE id = ?",
		InsertUser:       insertSQL("users", plain("name", "display_name", "role", "password_hash", "disabled", "created_at")),
		SetPassword:      "UPDATE users SET password_hash = ? WHERE id = ?",
		DeleteSessionsOf: "DELETE FROM sessions WHERE user_id = ?",
		InsertToken:      insertSQL("api_tokens", plain("user_id", "token_hash", "label", "created_at", "expires_at")),
		TokenByHash:      "SELECT id, user_id, label, created_at, expires_at, revoked_at FROM api_tokens WHERE token_hash = ?",
		ClearSessions:    "DELETE FROM sessions WHERE expires_at < ?",
		InsertSession:    insertSQL("sessions", plain("id_hash", "user_id", "csrf_hash", "created_at", "expires_at")),
		SessionByHash:    "SELECT user_id, csrf_hash, expires_at FROM sessions WHERE id_hash = ?",
		DeleteSession:    "DELETE FROM sessions WHERE id_hash = ?",
	}
	return s.rebound(d)
}

// rebound is every statement of s rebound for d.
func (s SQL) rebound(d Dialect) SQL {
	v := reflect.ValueOf(&s).Elem()
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.String {
			f.SetString(d.rebind(f.String()))
		}
	}
	return s
}
