package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"diming"
	"diming/gazetteer"
)

// PlaceFixtures are a few place names of each geometry kind.
func PlaceFixtures() []gazetteer.Place {
	return []gazetteer.Place{
		{Name: "磁器口古镇", Specific: "磁器口", Generic: "古镇", Aliases: []string{"磁器口"}, FormerNames: []string{"白岩场", "龙隐镇"},
			Romanization: "Ciqikou Guzhen", Category: "1001", DivisionCode: "500106001001", Geometry: orb.Point{106.35, 29.55},
			Meaning: "因瓷器贸易得名", Origin: "明清时为瓷器集散地", History: "旧称白岩场", NamedOn: "1998-01-01",
			ApprovedBy: "重庆市沙坪坝区人民政府", ApprovedOn: "1998-01-01", Protected: true, Source: "test"},
		{Name: "汉渝路", Specific: "汉渝", Generic: "路", Romanization: "Hanyu Lu", Category: "0801", DivisionCode: "500106001004",
			Geometry: orb.LineString{{106.31, 29.61}, {106.33, 29.62}, {106.35, 29.65}}, Source: "test"},
		{Name: "沙坪公园", Specific: "沙坪", Generic: "公园", Romanization: "Shaping Gongyuan", Category: "1001", DivisionCode: "500106104200",
			Geometry: orb.Polygon{{{106.46, 29.6}, {106.47, 29.6}, {106.47, 29.61}, {106.46, 29.61}, {106.46, 29.6}}}, Source: "test"},
	}
}

func putPlaces(t *testing.T, h Harness, ps []gazetteer.Place) []gazetteer.Place {
	t.Helper()
	out, err := h.Store.PutPlaces(ctx(t), "test", "fixture", ps)
	if err != nil {
		t.Fatalf("PutPlaces: %v", err)
	}
	return out
}

func testPlacesRoundTrip(t *testing.T, h Harness) {
	fx := PlaceFixtures()
	stored := putPlaces(t, h, fx)
	if len(stored) != len(fx) {
		t.Fatalf("PutPlaces returned %d places", len(stored))
	}
	for i, s := range stored {
		if s.ID == 0 || s.Version != 1 || s.UpdatedAt.IsZero() {
			t.Fatalf("stored place %d: id %d version %d", i, s.ID, s.Version)
		}
		got, err := h.Store.Place(ctx(t), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(got.UpdatedAt) > time.Minute {
			t.Errorf("UpdatedAt %v", got.UpdatedAt)
		}
		want := fx[i]
		want.ID, want.Version = s.ID, 1
		if want.Aliases == nil {
			want.Aliases = []string{}
		}
		if want.FormerNames == nil {
			want.FormerNames = []string{}
		}
		got.UpdatedAt = time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Place(%d) =\n%+v\nwant\n%+v", s.ID, got, want)
		}
	}
	n, err := h.Store.CountPlaces(ctx(t))
	if err != nil || n != len(fx) {
		t.Fatalf("CountPlaces = %d, %v", n, err)
	}
}

func testPlaceFilter(t *testing.T, h Harness) {
	stored := putPlaces(t, h, PlaceFixtures())
	names := func(ps []gazetteer.Place) []string {
		out := []string{}
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	for _, tc := range []struct {
		f    gazetteer.PlaceFilter
		want []string
	}{
		{gazetteer.PlaceFilter{}, []string{"磁器口古镇", "汉渝路", "沙坪公园"}},
		{gazetteer.PlaceFilter{Category: "10"}, []string{"磁器口古镇", "沙坪公园"}},
		{gazetteer.PlaceFilter{Category: "0801"}, []string{"汉渝路"}},
		{gazetteer.PlaceFilter{DivisionCode: "500106104200"}, []string{"沙坪公园"}},
		{gazetteer.PlaceFilter{IDs: []int64{stored[2].ID, stored[0].ID}}, []string{"磁器口古镇", "沙坪公园"}},
		{gazetteer.PlaceFilter{Category: "01"}, []string{}},
	} {
		got, err := h.Store.Places(ctx(t), tc.f)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(names(got), tc.want) {
			t.Errorf("Places(%+v) = %v, want %v", tc.f, names(got), tc.want)
		}
	}
}

func testPlaceHistory(t *testing.T, h Harness) {
	stored := putPlaces(t, h, PlaceFixtures())
	p := stored[1]
	// Writing it unchanged is not a new version.
	if again := putPlaces(t, h, []gazetteer.Place{p}); again[0].Version != 1 {
		t.Fatalf("unchanged write made version %d", again[0].Version)
	}
	renamed := p
	renamed.Name, renamed.Specific, renamed.Romanization = "汉渝大道", "汉渝", "Hanyu Dadao"
	renamed.Generic = "大道"
	renamed.FormerNames = []string{"汉渝路"}
	out, err := h.Store.PutPlaces(ctx(t), "official:李四", "更名", []gazetteer.Place{renamed})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Version != 2 {
		t.Fatalf("rename made version %d, want 2", out[0].Version)
	}
	// A change based on version 1 now conflicts and writes nothing.
	stale := p
	stale.Description = "基于旧版本的修改"
	if _, err := h.Store.PutPlaces(ctx(t), "test", "", []gazetteer.Place{stale}); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("stale write: %v, want conflict", err)
	}
	hist, err := h.Store.PlaceHistory(ctx(t), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Version != 1 || hist[1].Version != 2 || hist[1].Actor != "official:李四" || hist[1].Reason != "更名" {
		t.Fatalf("history %+v", hist)
	}
	if !jsonHas(hist[0].Record, "name", "汉渝路") || !jsonHas(hist[1].Record, "name", "汉渝大道") {
		t.Fatalf("history records %s / %s", hist[0].Record, hist[1].Record)
	}
	audit, _ := h.Store.Audit(ctx(t), diming.AuditFilter{Entity: "place"})
	if len(audit) != 4 || audit[0].Action != "update" || audit[0].Actor != "official:李四" {
		t.Fatalf("audit %+v", audit)
	}
	if _, err := h.Store.PlaceHistory(ctx(t), 999999); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("history of an unknown place: %v", err)
	}
	if _, err := h.Store.Place(ctx(t), 999999); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("unknown place: %v", err)
	}
	if err := h.Exec(ctx(t), "DELETE FROM place_versions"); err == nil {
		t.Fatal("deleting place history succeeded")
	}
}

func testPlaceInvalidBatch(t *testing.T, h Harness) {
	putPlaces(t, h, PlaceFixtures()[:1])
	bad := []func(*gazetteer.Place){
		func(p *gazetteer.Place) { p.Category = "99" },
		func(p *gazetteer.Place) { p.Specific = "汉" },
		func(p *gazetteer.Place) { p.Geometry = orb.Point{200, 30} },
		func(p *gazetteer.Place) { p.Geometry = nil },
		func(p *gazetteer.Place) {
			p.Geometry = orb.Polygon{{{106.4, 29.5}, {106.5, 29.7}, {106.5, 29.5}, {106.4, 29.7}, {106.4, 29.5}}}
		},
		func(p *gazetteer.Place) { p.DivisionCode = "5001" },
		func(p *gazetteer.Place) { p.NamedOn = "2020-13-01" },
		func(p *gazetteer.Place) { p.Romanization = "Hànyú Lù; DROP TABLE places" },
		func(p *gazetteer.Place) { p.Meaning = "含\x00义" },
		func(p *gazetteer.Place) { p.ID = 424242 },
	}
	for i, mutate := range bad {
		p := PlaceFixtures()[1]
		mutate(&p)
		_, err := h.Store.PutPlaces(ctx(t), "test", "", []gazetteer.Place{PlaceFixtures()[2], p})
		if c := diming.Code(err); c != diming.EINVALID && c != diming.ENOTFOUND {
			t.Errorf("bad place %d: %v, want invalid or not found", i, err)
		}
	}
	n, _ := h.Store.CountPlaces(ctx(t))
	audit, _ := h.Store.Audit(ctx(t), diming.AuditFilter{Entity: "place"})
	if n != 1 || len(audit) != 1 {
		t.Fatalf("after rejected batches: %d places, %d audit entries; want 1 and 1", n, len(audit))
	}
}
