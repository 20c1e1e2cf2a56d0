package tiles_test

import (
	"context"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"diming"
	"diming/coverage"
	"diming/gazetteer"
	"diming/geo"
	"diming/readmodel"
	"diming/tiles"
)

// plannedLayer returns a catalogue layer in its variant with planned
// facilities.
func plannedLayer(t *testing.T, id string) (plain, planned tiles.Layer) {
	t.Helper()
	plain, err := tiles.LayerByID(id)
	if err != nil {
		t.Fatal(err)
	}
	if planned, err = plain.With(tiles.Variant{IncludePlanned: true}); err != nil {
		t.Fatal(err)
	}
	return plain, planned
}

// villageValue is a property of one feature of a coverage-villages tile,
// the tile checked against the encoder's rules first.
func villageValue(t *testing.T, data []byte, id uint64, name string) any {
	t.Helper()
	if err := tiles.Validate(data, tiles.EncoderRules); err != nil {
		t.Fatal(err)
	}
	f := decodeLayer(t, data, "coverage-villages")[id]
	if f == nil {
		t.Fatalf("feature %d is not in the tile", id)
	}
	return f.Properties[name]
}

// gainedVillage is the village-level unit whose share of households within
// 15 minutes of eldercare grows most when planned facilities count (read
// from the reports themselves), with both reports.
func gainedVillage(t *testing.T, m *readmodel.Model) (code string, open, planned *coverage.EldercareReport) {
	t.Helper()
	var err error
	if open, err = m.Coverage.Eldercare(coverage.EldercareParams{Walk: coverage.DefaultEldercareWalk}); err != nil {
		t.Fatal(err)
	}
	if planned, err = m.Coverage.Eldercare(coverage.EldercareParams{Walk: coverage.DefaultEldercareWalk, IncludePlanned: true}); err != nil {
		t.Fatal(err)
	}
	before := map[string]float64{}
	for _, v := range open.Villages {
		before[v.Code] = v.Households.Share
	}
	best := 0.0
	for _, v := range planned.Villages {
		if gain := v.Households.Share - before[v.Code]; gain > best {
			code, best = v.Code, gain
		}
	}
	if code == "" {
		t.Fatal("no village-level unit gains eldercare coverage from the planned facilities in the demo data")
	}
	return code, open, planned
}

// TestPlannedVariantFeatures: the coverage layers' variant with planned
// facilities has the values of the reports with IncludePlanned, the plain
// layer those without; planned facilities only add coverage; other layers
// have no such variant.
func TestPlannedVariantFeatures(t *testing.T) {
	m := demoModel(t)
	plain, planned := plannedLayer(t, "coverage-villages")
	if plain.Key() != "coverage-villages" || planned.Key() != "coverage-villages+planned" || planned.ID != plain.ID {
		t.Fatalf("keys %q %q", plain.Key(), planned.Key())
	}
	if tiles.ETag(plain, 7, "", 14, 1, 2) == tiles.ETag(planned, 7, "", 14, 1, 2) {
		t.Error("the variants share an ETag")
	}
	for _, l := range tiles.Layers() {
		_, err := l.With(tiles.Variant{IncludePlanned: true})
		if want := l.ID == "coverage-villages" || l.ID == "coverage-isochrones"; l.Planned != want || (err == nil) != want {
			t.Errorf("%s: Planned %v, With(planned): %v", l.ID, l.Planned, err)
		} else if err != nil && diming.Code(err) != diming.EINVALID {
			t.Errorf("%s: %v, want EINVALID", l.ID, err)
		}
	}

	code, openRep, plannedRep := gainedVillage(t, m)
	lottery, err := m.Coverage.Lottery(coverage.LotteryParams{Walk: coverage.DefaultLotteryWalk, IncludePlanned: true})
	if err != nil {
		t.Fatal(err)
	}
	area := m.Coverage.FacilityArea(coverage.AreaParams{IncludePlanned: true})
	byCode := func(l tiles.Layer) map[string]map[string]any {
		fs, err := l.Features(m)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]map[string]any{}
		for _, f := range fs {
			out[f.Properties["code"].(string)] = f.Properties
		}
		return out
	}
	withPlan, without := byCode(planned), byCode(plain)
	if len(withPlan) != len(plannedRep.Villages) || len(without) != len(openRep.Villages) {
		t.Fatalf("%d and %d features, want %d village-level units", len(withPlan), len(without), len(plannedRep.Villages))
	}
	gained := 0
	for i, v := range plannedRep.Villages {
		p, o := withPlan[v.Code], without[v.Code]
		if p["eldercare_share"] != v.Households.Share || p["aged_60_share"] != v.Aged60.Share || p["eldercare_facilities"] != int64(v.Facilities) {
			t.Errorf("%s %s: planned variant %v, the report with include_planned says %+v", v.Code, v.Name, p, v)
		}
		if ov := openRep.Villages[i]; ov.Code != v.Code || o["eldercare_share"] != ov.Households.Share || o["eldercare_facilities"] != int64(ov.Facilities) {
			t.Errorf("%s: plain layer %v, the report without planned facilities says %+v", v.Code, o, ov)
		}
		if p["eldercare_share"].(float64) < o["eldercare_share"].(float64) || p["eldercare_facilities"].(int64) < o["eldercare_facilities"].(int64) {
			t.Errorf("%s: planned facilities lowered coverage: %v → %v", v.Code, o, p)
		}
		if p["eldercare_share"].(float64) > o["eldercare_share"].(float64) {
			gained++
		}
	}
	for _, v := range lottery.Villages {
		if p := withPlan[v.Code]; p["lottery_share"] != v.Households.Share || p["lottery_outlets"] != int64(v.Outlets) {
			t.Errorf("%s: lottery %v %v, the report says %v, %d", v.Code, p["lottery_share"], p["lottery_outlets"], v.Households.Share, v.Outlets)
		}
	}
	for _, v := range area.Villages {
		if p := withPlan[v.Code]; v.PerHundred != nil && p["area_per_100"] != *v.PerHundred {
			t.Errorf("%s: area_per_100 %v, the report says %v", v.Code, p["area_per_100"], *v.PerHundred)
		}
	}
	t.Logf("planned facilities raise the 15-minute share in %d of %d village-level units; most in %s: %.4f → %.4f",
		gained, len(plannedRep.Villages), code, without[code]["eldercare_share"], withPlan[code]["eldercare_share"])

	// The circle: every open facility's isochrone in both, the planned
	// facilities' in the variant only.
	isoPlain, isoPlanned := plannedLayer(t, "coverage-isochrones")
	ip, err := isoPlain.Features(m)
	if err != nil {
		t.Fatal(err)
	}
	iq, err := isoPlanned.Features(m)
	if err != nil {
		t.Fatal(err)
	}
	status := map[uint64]string{}
	for _, f := range iq {
		status[f.ID] = f.Properties["status"].(string)
	}
	for _, f := range ip {
		if f.Properties["status"] != coverage.StatusOpen || status[f.ID] != coverage.StatusOpen {
			t.Errorf("isochrone %d: status %v, in the planned variant %q", f.ID, f.Properties["status"], status[f.ID])
		}
	}
	extra := 0
	for _, s := range status {
		if s == coverage.StatusPlanned {
			extra++
		}
	}
	if extra == 0 || len(iq) != len(ip)+extra {
		t.Errorf("isochrones: %d open, %d with the plan of which %d planned", len(ip), len(iq), extra)
	}
}

// TestPlannedVariantTilesAndCache: the two variants of a tile are cached
// apart (each served from the cache the second time), differ where a
// planned facility adds coverage, carry different ETags and each shows its
// report's value; a data change drops both.
func TestPlannedVariantTilesAndCache(t *testing.T) {
	m := demoModel(t)
	code, openRep, plannedRep := gainedVillage(t, m)
	d, err := m.Divisions.Division(code)
	if err != nil {
		t.Fatal(err)
	}
	if d.Level != gazetteer.LevelVillage {
		t.Fatalf("%s is a %s", code, d.Level)
	}
	tl := maptile.At(geo.LabelPoint(d.Geometry), 14)
	tiler := tiles.NewTiler(tiles.Options{})
	plain, planned := plannedLayer(t, "coverage-villages")
	get := func(l tiles.Layer) *tiles.Tile {
		t.Helper()
		tile, err := tiler.TileOf(m, l, int(tl.Z), int(tl.X), int(tl.Y))
		if err != nil {
			t.Fatal(err)
		}
		return tile
	}
	a, b := get(plain), get(planned)
	if st := tiler.Stats(); st.Renders != 2 || st.Cache.Tiles != 2 || st.Cache.Hits != 0 {
		t.Fatalf("after one tile of each variant: %+v", st)
	}
	if get(plain) != a || get(planned) != b {
		t.Error("a variant's tile was rendered again")
	}
	if st := tiler.Stats(); st.Renders != 2 || st.Cache.Hits != 2 {
		t.Errorf("after asking again: %+v", st)
	}
	if a.ETag == b.ETag || a.Variant.IncludePlanned || !b.Variant.IncludePlanned || a.Version != b.Version {
		t.Errorf("tiles %q (%+v) and %q (%+v)", a.ETag, a.Variant, b.ETag, b.Variant)
	}
	if a.ETag != tiles.ETag(plain, a.Version, plain.Config(m), int(tl.Z), int(tl.X), int(tl.Y)) || b.ETag != tiles.ETag(planned, b.Version, planned.Config(m), int(tl.Z), int(tl.X), int(tl.Y)) {
		t.Errorf("ETags %s %s", a.ETag, b.ETag)
	}
	if string(a.Data) == string(b.Data) {
		t.Fatal("the tile with planned facilities is the tile without")
	}
	share := func(rep *coverage.EldercareReport) float64 {
		for _, v := range rep.Villages {
			if v.Code == code {
				return v.Households.Share
			}
		}
		t.Fatalf("%s is not in the report", code)
		return 0
	}
	id := uint64(0)
	for _, c := range code {
		id = id*10 + uint64(c-'0')
	}
	if got, want := villageValue(t, a.Data, id, "eldercare_share"), share(openRep); got != want {
		t.Errorf("%s without the plan: tile says %v, the report %v", code, got, want)
	}
	if got, want := villageValue(t, b.Data, id, "eldercare_share"), share(plannedRep); got != want {
		t.Errorf("%s with the plan: tile says %v, the report %v", code, got, want)
	}
	// The plain Tile is the zero variant.
	if c, err := tiler.Tile(m, "coverage-villages", int(tl.Z), int(tl.X), int(tl.Y)); err != nil || c != a {
		t.Errorf("Tile: %v", err)
	}
	// A layer without the variant refuses it, here too.
	places, _ := tiles.LayerByID("places")
	places.Variant = tiles.Variant{IncludePlanned: true}
	if _, err := tiler.TileOf(m, places, 12, 3290, 1695); diming.Code(err) != diming.EINVALID {
		t.Errorf("places with the plan: %v", err)
	}
}

// TestPlannedVariantDataChange: a facility change gives both variants a
// new version; the first variant rebuilt drops the old tiles of both.
func TestPlannedVariantDataChange(t *testing.T) {
	st, h := smallModel(t)
	ctx := context.Background()
	if _, err := st.PutFacility(ctx, "test", coverage.Facility{Name: "龙泉路社区养老服务站（规划）", Category: coverage.CommunityEldercareStation,
		Point: orb.Point{106.351, 29.551}, Status: coverage.StatusPlanned}); err != nil {
		t.Fatal(err)
	}
	m1, err := h.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tiler := tiles.NewTiler(tiles.Options{})
	tl := maptile.At(orb.Point{106.35, 29.55}, 14)
	plain, planned := plannedLayer(t, "coverage-villages")
	get := func(m *readmodel.Model, l tiles.Layer) *tiles.Tile {
		t.Helper()
		tile, err := tiler.TileOf(m, l, int(tl.Z), int(tl.X), int(tl.Y))
		if err != nil {
			t.Fatal(err)
		}
		return tile
	}
	a1, b1 := get(m1, plain), get(m1, planned)
	if len(a1.Data) == 0 || len(b1.Data) == 0 || tiler.Stats().Cache.Tiles != 2 {
		t.Fatalf("tiles of %d and %d bytes, cache %+v", len(a1.Data), len(b1.Data), tiler.Stats().Cache)
	}
	var f coverage.Facility
	for _, pf := range m1.Coverage.Facilities() {
		if pf.Status == coverage.StatusPlanned {
			f = pf.Facility
		}
	}
	f.Name += "（调整）"
	if _, err := st.PutFacility(ctx, "test", f); err != nil {
		t.Fatal(err)
	}
	m2, err := h.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b2 := get(m2, planned)
	if b2 == b1 || b2.Version <= b1.Version || b2.ETag == b1.ETag {
		t.Errorf("planned variant after the change: version %d → %d, ETag %s → %s", b1.Version, b2.Version, b1.ETag, b2.ETag)
	}
	if st := tiler.Stats(); st.Cache.Tiles != 1 {
		t.Errorf("the old tiles of the plain variant stayed: %+v", st.Cache)
	}
	if a2 := get(m2, plain); a2 == a1 || a2.Version != b2.Version || a2.ETag == b2.ETag {
		t.Errorf("plain variant after the change: %s (was %s)", a2.ETag, a1.ETag)
	}
}
