package coverage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/paulmach/orb"

	"diming"
)

// RoadSegment is one walkable line of the network (a road, a path, steps).
type RoadSegment struct {
	ID       int64          `json:"id"`
	Geometry orb.LineString `json:"-"`
	// Class is the road class as the source says it (OSM highway=*, or
	// 快速路/主干路/次干路/支路…).
	Class string `json:"class,omitempty"`
	Name  string `json:"name,omitempty"`
	// Source says where the line came from ("osm:way/123", "roads.geojson#17").
	Source    string `json:"source,omitempty"`
	Synthetic bool   `json:"synthetic,omitempty"`
}

// HouseholdPoint is where households live: a building or a cluster of
// dwellings, with how many households, residents and residents aged 60+.
type HouseholdPoint struct {
	ID         int64     `json:"id"`
	Point      orb.Point `json:"-"`
	Households int       `json:"households"`
	Residents  int       `json:"residents"`
	Aged60     int       `json:"aged_60"`
	Source     string    `json:"source,omitempty"`
	Synthetic  bool      `json:"synthetic,omitempty"`
}

// Run is a saved coverage result: the report, the parameters and the data
// version it was computed from, its summary, and per-unit rows with the
// unit's polygon (so planners can open it in QGIS on PostGIS).
type Run struct {
	ID          int64           `json:"id"`
	Report      string          `json:"report"` // eldercare, facility-area, lottery, funeral, siting, indicators
	Params      json.RawMessage `json:"params"`
	DataVersion int64           `json:"data_version"`
	ComputedAt  time.Time       `json:"computed_at"`
	CreatedBy   diming.Actor    `json:"created_by"`
	CreatedAt   time.Time       `json:"created_at"`
	Summary     json.RawMessage `json:"summary"`
	Units       []RunUnit       `json:"units,omitempty"`
	Points      []RunPoint      `json:"points,omitempty"`
}

// RunUnit is one division's row of a saved run.
type RunUnit struct {
	DivisionCode string           `json:"division_code"`
	Name         string           `json:"name"`
	Level        string           `json:"level"`
	Total        float64          `json:"total"`   // what is counted (households, area…)
	Covered      float64          `json:"covered"` // the part that meets the rule
	Value        float64          `json:"value"`   // the unit's indicator value (share, m² per 100 households…)
	Met          bool             `json:"met"`
	Geometry     orb.MultiPolygon `json:"-"`
	Extra        json.RawMessage  `json:"extra,omitempty"`
}

// RunPoint is a point of a saved run: an uncovered household point, a
// suggested site, a facility with its walk.
type RunPoint struct {
	Kind  string          `json:"kind"` // uncovered_household, site, …
	RefID int64           `json:"ref_id,omitempty"`
	Value float64         `json:"value"`
	Point orb.Point       `json:"-"`
	Extra json.RawMessage `json:"extra,omitempty"`
}

// RunFilter selects saved runs, newest first.
type RunFilter struct {
	Report string
	Limit  int // 0 means 50
}

// Store keeps facilities, the walking network, household points and saved
// runs. Every write is one transaction with its audit entries; on any
// error nothing is written. Errors: ENOTFOUND, ECONFLICT (a taken code, a
// stale version), EINVALID.
type Store interface {
	Facilities(ctx context.Context) ([]Facility, error)
	Facility(ctx context.Context, id int64) (Facility, error)
	// PutFacility creates (ID 0) or updates a facility (Version must match).
	PutFacility(ctx context.Context, actor diming.Actor, f Facility) (Facility, error)
	// DeleteFacility deletes a facility whose version matches.
	DeleteFacility(ctx context.Context, actor diming.Actor, id int64, version int) error
	// ImportFacilities creates the facilities without a code or with a new
	// one and updates those whose code exists (skipping unchanged ones),
	// all in one transaction; it returns how many were created and updated.
	ImportFacilities(ctx context.Context, actor diming.Actor, fs []Facility) (created, updated int, err error)

	RoadSegments(ctx context.Context) ([]RoadSegment, error)
	// PutRoadSegments adds segments (or replaces the whole network when
	// replace is set) with one audit entry for the import.
	PutRoadSegments(ctx context.Context, actor diming.Actor, segs []RoadSegment, replace bool) (int, error)

	Households(ctx context.Context) ([]HouseholdPoint, error)
	// PutHouseholds adds household points (or replaces them all) with one
	// audit entry for the import.
	PutHouseholds(ctx context.Context, actor diming.Actor, hs []HouseholdPoint, replace bool) (int, error)

	// SaveRun stores a run with its units and points.
	SaveRun(ctx context.Context, actor diming.Actor, r Run) (Run, error)
	// Runs lists saved runs without their units and points.
	Runs(ctx context.Context, f RunFilter) ([]Run, error)
	// Run returns one saved run with its units and points.
	Run(ctx context.Context, id int64) (Run, error)
}

// Audit entities of this package's writes.
const (
	EntityFacility   = "facility"
	EntityRoads      = "road_network"
	EntityHouseholds = "households"
	EntityRun        = "coverage_run"
)

// ChangeMarker tells what changed: the newest audit id among entries of the
// given entities (0 when none), so the read model rebuilds only the part a
// change touched.
type ChangeMarker interface {
	ChangeMarkOf(ctx context.Context, entities ...string) (int64, error)
}
