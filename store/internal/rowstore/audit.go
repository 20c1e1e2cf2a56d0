package rowstore

import (
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"

	"diming"
	"diming/coverage"
	"diming/gazetteer"
)

// How each write is recorded in audit_log, once for both stores.

func created(actor diming.Actor, entity, id string, after []byte) diming.AuditEntry {
	return diming.AuditEntry{Actor: actor, Action: "create", Entity: entity, EntityID: id, After: after}
}

func changed(actor diming.Actor, action, entity, id string, before, after []byte) diming.AuditEntry {
	return diming.AuditEntry{Actor: actor, Action: action, Entity: entity, EntityID: id, Before: before, After: after}
}

func jsonOf(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// markerRecord is a marker as audited: its fields with the point.
func markerRecord(m gazetteer.Marker) []byte {
	return jsonOf(struct {
		gazetteer.Marker
		Point orb.Point `json:"point"`
	}{m, m.Point})
}

// attachmentRecord is an attachment as audited: not its bytes.
func attachmentRecord(a gazetteer.Attachment) []byte {
	return []byte(fmt.Sprintf(`{"application_id":%d,"kind":%q,"filename":%q,"sha256":%q}`, a.ApplicationID, a.Kind, a.Filename, a.SHA256))
}

// bulkAudit is the one audit entry of a bulk import: {"<noun>": n, "replace": bool},
// and for a replacement, how many rows it removed.
func bulkAudit(actor diming.Actor, entity, noun string, n int, removed int64, replace bool) diming.AuditEntry {
	action, before := "import", []byte(nil)
	if replace {
		action = "replace"
		before = jsonOf(map[string]int64{noun: removed})
	}
	return changed(actor, action, entity, "all", before, jsonOf(map[string]any{noun: n, "replace": replace}))
}

// runAudit records what was saved, not the run itself (that can be large).
func runAudit(actor diming.Actor, r coverage.Run) diming.AuditEntry {
	return created(actor, coverage.EntityRun, fmt.Sprint(r.ID),
		jsonOf(map[string]any{"report": r.Report, "data_version": r.DataVersion, "units": len(r.Units), "points": len(r.Points)}))
}
