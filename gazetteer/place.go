package gazetteer

import (
	"context"
	"encoding/json"
	"time"

	"github.com/paulmach/orb"

	"diming"
)

// Place is a standard place name (标准地名) and what the gazetteer records
// about it.
type Place struct {
	ID int64 `json:"id"` // assigned by the store
	// Name is the standard name (标准名称); Specific + Generic = Name
	// (专名 + 通名), e.g. 沙坪坝 + 街道.
	Name     string `json:"name"`
	Specific string `json:"specific"`
	Generic  string `json:"generic"`
	// Aliases (别名, 简称) and FormerNames (曾用名) are searched too.
	Aliases     []string `json:"aliases"`
	FormerNames []string `json:"former_names"`
	// Romanization is the reviewed Hanyu Pinyin spelling by the place-name
	// rules (Shapingba Jiedao); the converter only proposes it.
	Romanization string `json:"romanization"`
	Category     string `json:"category"`      // a Categories code
	DivisionCode string `json:"division_code"` // 12 digits: the division it lies in
	// Geometry is a point, line or polygon in WGS84 (≈ CGCS2000).
	Geometry    orb.Geometry `json:"-"`
	Meaning     string       `json:"meaning"`     // 含义
	Origin      string       `json:"origin"`      // 来历
	History     string       `json:"history"`     // 历史沿革
	Description string       `json:"description"` // 地理实体概况
	// Dates are civil dates, YYYY-MM-DD, or empty.
	NamedOn     string `json:"named_on"`
	CancelledOn string `json:"cancelled_on"` // set when the name is cancelled (注销)
	ApprovedBy  string `json:"approved_by"`  // 批准机关
	ApprovedOn  string `json:"approved_on"`
	// Protected puts the name on the protected historic-name list (历史地名保护名录).
	Protected bool `json:"protected"`
	// Synthetic marks generated demo records.
	Synthetic bool `json:"synthetic"`
	// Source says where the record came from ("demo", "osm", "import:FILE", "approval:N").
	Source    string    `json:"source"`
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updated_at"`
}

// PlaceVersion is one entry of a place's history: the record as it was
// after a change, who made it and why.
type PlaceVersion struct {
	PlaceID int64           `json:"place_id"`
	Version int             `json:"version"`
	Actor   diming.Actor    `json:"actor"`
	Reason  string          `json:"reason"`
	At      time.Time       `json:"at"`
	Record  json.RawMessage `json:"record"`
}

// PlaceFilter selects places for a store listing. Zero fields select all.
type PlaceFilter struct {
	DivisionCode string
	Category     string
	IDs          []int64
}

// PlaceStore is what the service needs of a store for place names. Errors
// are *diming.Error values as for DivisionStore.
type PlaceStore interface {
	// Places returns the places matching f, ordered by id.
	Places(ctx context.Context, f PlaceFilter) ([]Place, error)
	// Place returns one place by id.
	Place(ctx context.Context, id int64) (Place, error)
	// PlaceHistory returns every version of a place, oldest first.
	PlaceHistory(ctx context.Context, id int64) ([]PlaceVersion, error)
	// PutPlaces inserts (ID 0) or updates (ID set) places in one
	// transaction: each change bumps the version, keeps the old record in the
	// history and writes an audit entry. It returns the places as stored (with
	// ids and versions). On any error nothing is written.
	PutPlaces(ctx context.Context, actor diming.Actor, reason string, ps []Place) ([]Place, error)
	// CountPlaces returns how many places are stored.
	CountPlaces(ctx context.Context) (int, error)
}
