package gazetteer

import (
	"encoding/json"

	"github.com/paulmach/orb/geojson"
)

// AuditRecord is how a division is written into the audit log: every field
// but UpdatedAt, with the boundary as GeoJSON. Two divisions with the same
// AuditRecord are the same, so stores use it to skip writes that change nothing.
func (d Division) AuditRecord() json.RawMessage {
	rec := struct {
		Division
		UpdatedAt struct{}          `json:"updated_at,omitzero"`
		Geometry  *geojson.Geometry `json:"geometry"`
	}{Division: d, Geometry: geojson.NewGeometry(d.Geometry)}
	b, err := json.Marshal(rec)
	if err != nil {
		// Only NaN/Inf coordinates fail to marshal, and Validate rejects them.
		return json.RawMessage(`null`)
	}
	return b
}
