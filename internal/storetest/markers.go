package storetest

import (
	"testing"

	"github.com/paulmach/orb"

	"diming"
	"diming/gazetteer"
)

func testMarkers(t *testing.T, h Harness) {
	st := h.Store
	m, err := st.PutMarker(ctx(t), "user:shenhe", gazetteer.Marker{Number: "沙坪坝-001", Kind: "double", LineID: "500106001000|500106104000",
		Level: gazetteer.LevelTownship, Point: orb.Point{106.4, 29.6}, SetOn: "2020-05-01", State: "intact"})
	if err != nil || m.ID == 0 || m.Version != 1 {
		t.Fatalf("PutMarker: %+v %v", m, err)
	}
	got, err := st.Marker(ctx(t), m.ID)
	if err != nil || got.Point != m.Point || got.SetOn != "2020-05-01" || got.Level != gazetteer.LevelTownship {
		t.Fatalf("Marker: %+v %v", got, err)
	}
	if _, err := st.PutMarker(ctx(t), "user:x", gazetteer.Marker{Number: "沙坪坝-001", Kind: "single", LineID: "a|b", Level: gazetteer.LevelTownship, Point: orb.Point{106.4, 29.6}, State: "intact"}); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("duplicate number: %v", err)
	}
	if _, err := st.PutMarker(ctx(t), "user:x", gazetteer.Marker{Number: "x", Kind: "round", Level: gazetteer.LevelTownship, State: "intact"}); diming.Code(err) != diming.EINVALID {
		t.Fatalf("bad kind: %v", err)
	}
	in, err := st.AddInspection(ctx(t), "user:shenhe", gazetteer.Inspection{MarkerID: m.ID, InspectedOn: "2026-11-20", State: "moved", Note: "被施工移动", Inspector: "shenhe"})
	if err != nil || in.ID == 0 {
		t.Fatalf("AddInspection: %v", err)
	}
	if _, err := st.AddInspection(ctx(t), "user:shenhe", gazetteer.Inspection{MarkerID: 999999, InspectedOn: "2026-11-20", State: "intact", Inspector: "shenhe"}); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("inspection of an unknown marker: %v", err)
	}
	after, _ := st.Marker(ctx(t), m.ID)
	if after.State != "moved" || after.Version != 2 {
		t.Fatalf("after inspection: %+v", after)
	}
	stale := after
	stale.Version = 1
	if _, err := st.PutMarker(ctx(t), "user:x", stale); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("stale marker update: %v", err)
	}
	after.Note, after.State = "已复位", "intact"
	if upd, err := st.PutMarker(ctx(t), "user:shenhe", after); err != nil || upd.Version != 3 {
		t.Fatalf("update: %+v %v", upd, err)
	}
	ins, _ := st.Inspections(ctx(t), m.ID)
	if len(ins) != 1 || ins[0].InspectedOn != "2026-11-20" || ins[0].State != "moved" {
		t.Fatalf("inspections %+v", ins)
	}
	if all, _ := st.Markers(ctx(t)); len(all) != 1 {
		t.Fatalf("markers %+v", all)
	}
	if err := h.Exec(ctx(t), "DELETE FROM marker_inspections"); err == nil {
		t.Fatal("deleting inspections succeeded")
	}
	audit, _ := st.Audit(ctx(t), diming.AuditFilter{})
	kinds := map[string]int{}
	for _, e := range audit {
		kinds[e.Entity]++
	}
	if kinds["marker"] != 2 || kinds["inspection"] != 1 {
		t.Fatalf("audit %v", kinds)
	}
}
