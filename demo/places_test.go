package demo

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	sf "github.com/peterstace/simplefeatures/geom"

	"diming/gazetteer"
	"diming/geo"
)

var updateOSMBuildings = flag.Bool("update-osm-buildings", false,
	"rewrite data/osm-named-buildings.csv from testdata/shapingba/buildings.osm.wgs84.geojson")

// osmBuildingsSource is the OSM building extract, committed (ODbL).
const osmBuildingsSource = "../testdata/shapingba/buildings.osm.wgs84.geojson"

// extractOSMNamedBuildings turns the OSM building extract into the embedded
// CSV: every building with a name, in file order, with a representative point
// inside its footprint (the area centroid if it lies inside, else the midpoint
// of two footprint vertices that lies inside, nearest the centroid), rounded to
// 1e-7°.
func extractOSMNamedBuildings(src []byte) ([]byte, error) {
	fc, err := geojson.UnmarshalFeatureCollection(src)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write([]string{"osm_id", "name", "lon", "lat"}); err != nil {
		return nil, err
	}
	for _, f := range fc.Features {
		name, _ := f.Properties["name"].(string)
		if name == "" {
			continue
		}
		id, _ := f.Properties["osm_id"].(string)
		var mp orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			mp = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			mp = g
		default:
			return nil, fmt.Errorf("osm %s: geometry %s", id, f.Geometry.GeoJSONType())
		}
		p, ok := representativePoint(mp)
		if !ok {
			return nil, fmt.Errorf("osm %s %s: no point inside the footprint", id, name)
		}
		if err := w.Write([]string{id, name, fmtCoord(p[0]), fmtCoord(p[1])}); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func fmtCoord(v float64) string {
	return strconv.FormatFloat(math.Round(v/coordStep)*coordStep, 'f', 7, 64)
}

func representativePoint(mp orb.MultiPolygon) (orb.Point, bool) {
	c, _ := planar.CentroidArea(mp)
	if planar.MultiPolygonContains(mp, c) {
		return c, true
	}
	type cand struct {
		p orb.Point
		d float64
	}
	var cs []cand
	for _, poly := range mp {
		r := poly[0]
		for i := range r {
			for j := i + 1; j < len(r); j++ {
				m := orb.Point{(r[i][0] + r[j][0]) / 2, (r[i][1] + r[j][1]) / 2}
				if planar.MultiPolygonContains(mp, m) {
					cs = append(cs, cand{m, planar.Distance(m, c)})
				}
			}
		}
	}
	if len(cs) == 0 {
		return orb.Point{}, false
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	return cs[0].p, true
}

// The embedded CSV is what the extraction makes of the shared OSM extract.
func TestOSMBuildingsCSVMatchesSource(t *testing.T) {
	src, err := os.ReadFile(osmBuildingsSource)
	if err != nil {
		t.Fatalf("committed reference data: %v", err)
	}
	want, err := extractOSMNamedBuildings(src)
	if err != nil {
		t.Fatal(err)
	}
	if *updateOSMBuildings {
		if err := os.WriteFile("data/osm-named-buildings.csv", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(osmBuildingsCSV, want) {
		t.Errorf("data/osm-named-buildings.csv is stale: run go test ./demo -run OSMBuildingsCSV -update-osm-buildings")
	}
}

func places(t testing.TB) []gazetteer.Place {
	t.Helper()
	ps, err := Places()
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func TestPlacesDeterministicAndCopied(t *testing.T) {
	a, b := places(t), places(t)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two calls of Places differ")
	}
	fresh, err := generatePlaces()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, fresh) {
		t.Fatal("a second generation differs from the first")
	}
	a[0].Name = "改过的名称"
	a[0].Geometry = orb.Point{0, 0}
	for i := range a {
		if ls, ok := a[i].Geometry.(orb.LineString); ok {
			ls[0] = orb.Point{1, 1}
		}
		if len(a[i].FormerNames) > 0 {
			a[i].FormerNames[0] = "改过的曾用名"
		}
	}
	if c := places(t); !reflect.DeepEqual(b, c) {
		t.Fatal("changing a returned place changed the cache")
	}
}

func TestPlacesCount(t *testing.T) {
	ps := places(t)
	if len(ps) < 250 || len(ps) > 600 {
		t.Fatalf("%d places, want 250–600", len(ps))
	}
	count := map[string]int{}
	for _, p := range ps {
		count[p.Category]++
	}
	t.Logf("%d places by category: %v", len(ps), count)
	for _, c := range []string{"0801", "0803", "0701", "1001", "1002", "11", "12", "0301", "0201", "0806", "0805", "0702"} {
		if count[c] == 0 {
			t.Errorf("no place in category %s", c)
		}
	}
}

// placeGeometrySF converts a place's point or line for simplefeatures.
func placeGeometrySF(t *testing.T, g orb.Geometry) sf.Geometry {
	t.Helper()
	switch g := g.(type) {
	case orb.Point:
		return sf.XY{X: g[0], Y: g[1]}.AsPoint().AsGeometry()
	case orb.LineString:
		coords := make([]float64, 0, 2*len(g))
		for _, p := range g {
			coords = append(coords, p[0], p[1])
		}
		return sf.NewLineString(sf.NewSequence(coords, sf.DimXY)).AsGeometry()
	}
	t.Fatalf("geometry %s, want Point or LineString", g.GeoJSONType())
	return sf.Geometry{}
}

func TestPlacesValidAndInside(t *testing.T) {
	ds := divisions(t)
	ix := gazetteer.NewDivisionIndex(ds)
	district, err := ix.Division("500106000000")
	if err != nil {
		t.Fatal(err)
	}
	districtSF := geo.ToSF(district.Geometry).AsGeometry()
	for _, p := range places(t) {
		who := p.Category + " " + p.Name
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", who, err)
		}
		if p.Name != p.Specific+p.Generic || p.Specific == "" {
			t.Errorf("%s: 专名 %q + 通名 %q", who, p.Specific, p.Generic)
		}
		if _, err := gazetteer.CategoryByCode(p.Category); err != nil {
			t.Errorf("%s: %v", who, err)
		}
		if p.ID != 0 || p.Version != 0 || p.Romanization != "" || !p.UpdatedAt.IsZero() {
			t.Errorf("%s: id %d, version %d, romanization %q, updated %v: want them unset", who, p.ID, p.Version, p.Romanization, p.UpdatedAt)
		}
		switch {
		case p.Source == "osm" && !p.Synthetic && strings.HasPrefix(p.Description, "OpenStreetMap 建筑物 osm_id="):
		case p.Source == "demo" && p.Synthetic && p.Description != "":
		default:
			t.Errorf("%s: source %q, synthetic %v, description %q", who, p.Source, p.Synthetic, p.Description)
		}
		if err := gazetteer.ValidatePlaceGeometry(p.Geometry); err != nil {
			t.Errorf("%s: %v", who, err)
			continue
		}
		g := placeGeometrySF(t, p.Geometry)
		if err := g.Validate(); err != nil {
			t.Errorf("%s: %v", who, err)
		}
		if ls, ok := p.Geometry.(orb.LineString); ok && !g.MustAsLineString().IsSimple() {
			t.Errorf("%s: the line crosses itself: %v", who, ls)
		}
		if in, err := sf.Covers(districtSF, g); err != nil || !in {
			t.Errorf("%s: not inside the district (%v)", who, err)
		}
		for _, pt := range placeVertices(p.Geometry) {
			if pt != roundPoint(pt) {
				t.Errorf("%s: %v is not rounded to 1e-7°", who, pt)
			}
		}
		// Filed under the village-level unit containing its point (first vertex of a line).
		anchor := anchorPoint(p.Geometry)
		d, err := ix.Division(p.DivisionCode)
		if err != nil || d.Level != gazetteer.LevelVillage {
			t.Errorf("%s: division %q is not a village-level unit (%v)", who, p.DivisionCode, err)
			continue
		}
		if !planar.MultiPolygonContains(d.Geometry, anchor) {
			t.Errorf("%s: %v is not in %s %s", who, anchor, d.Code, d.Name)
		}
		if chain := ix.At(anchor); len(chain) != 3 || chain[2].Code != p.DivisionCode {
			t.Errorf("%s: the division index puts %v elsewhere", who, anchor)
		}
	}
}

func placeVertices(g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.Point:
		return []orb.Point{g}
	case orb.LineString:
		return g
	}
	return nil
}

func TestPlaceNamesUniqueInCategory(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range places(t) {
		k := p.Category + " " + p.Name
		if seen[k] {
			t.Errorf("%s appears twice", k)
		}
		seen[k] = true
	}
}

func TestPlacesFromOSM(t *testing.T) {
	rows, err := readOSMBuildings()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 224 {
		t.Errorf("%d named OSM buildings, want 224", len(rows))
	}
	byID := map[string]osmBuilding{}
	for _, r := range rows {
		byID[r.id] = r
	}
	byName := map[string]gazetteer.Place{}
	n := 0
	for _, p := range places(t) {
		byName[p.Name] = p
		if p.Source != "osm" {
			continue
		}
		n++
		id, _, _ := strings.Cut(strings.TrimPrefix(p.Description, "OpenStreetMap 建筑物 osm_id="), "；")
		r, ok := byID[id]
		if !ok {
			t.Errorf("%s: osm_id %q is not in the CSV", p.Name, id)
			continue
		}
		if p.Name != r.name && p.Name != r.name+"站" {
			t.Errorf("%s: the CSV names osm_id %s %q", p.Name, id, r.name)
		}
		if p.Geometry != roundPoint(r.p) {
			t.Errorf("%s: at %v, the CSV at %v", p.Name, p.Geometry, r.p)
		}
	}
	if n < 30 {
		t.Errorf("%d places from OSM, want at least 30", n)
	}
	for name, cat := range map[string]string{
		"重庆市图书馆": "11", "宝轮寺": "11", "张伯苓纪念馆": "1002", "重庆歌乐山革命纪念馆": "1002",
		"沙坪坝第一小学校": "12", "明德苑": "0701", "磁器口站": "0805", "重庆西站": "0805", "烈士墓站": "0805",
	} {
		p, ok := byName[name]
		if !ok || p.Source != "osm" || p.Synthetic || p.Category != cat {
			t.Errorf("%s: got %+v, want an OSM place in %s", name, ok, cat)
		}
	}
	for _, name := range []string{"图书馆", "第二食堂", "超豪华厕所", "Library", "#1", "17号", "南开苑 A 区", "融创茂", "重庆西", "烈士墓"} {
		if _, ok := byName[name]; ok {
			t.Errorf("%q is not a place name but is in the gazetteer", name)
		}
	}
}

func TestKnownPlaces(t *testing.T) {
	byName := map[string]gazetteer.Place{}
	for _, p := range places(t) {
		byName[p.Name] = p
	}
	for _, k := range knownPlaces {
		p := byName[k.specific+k.generic]
		if p.Source != "demo" || !p.Synthetic || !strings.Contains(p.Description, "真实地名") || !strings.Contains(p.Description, "近似") {
			t.Errorf("%s: source %q, synthetic %v, description %q", p.Name, p.Source, p.Synthetic, p.Description)
		}
	}
	c := byName["磁器口古镇"]
	if c.Category != "1001" || !c.Protected || !slices.Contains(c.FormerNames, "白岩场") || !slices.Contains(c.FormerNames, "龙隐镇") || c.Origin == "" {
		t.Errorf("磁器口古镇 = %+v", c)
	}
	for _, name := range []string{"磁器口古镇", "歌乐山", "渣滓洞", "白公馆"} {
		if !byName[name].Protected {
			t.Errorf("%s is not protected", name)
		}
	}
	if p := byName["嘉陵江"]; p.Category != "0201" {
		t.Errorf("嘉陵江 in %s", p.Category)
	} else if ls, ok := p.Geometry.(orb.LineString); !ok || geo.Length(ls) < 15000 {
		t.Errorf("嘉陵江 should be a line of 15 km or more along the east edge, got %v", p.Geometry)
	}
	for _, name := range []string{"天星桥正街", "汉渝路", "渝碚路", "沙坪坝正街", "小龙坎正街", "石小路", "凤天大道", "西永大道", "大学城中路"} {
		p := byName[name]
		if _, ok := p.Geometry.(orb.LineString); !ok || p.Category != "0801" {
			t.Errorf("%s: category %q, geometry %T", name, p.Category, p.Geometry)
		}
	}
	for name, cat := range map[string]string{"歌乐山": "0301", "沙坪公园": "1001", "红岩魂广场": "0806", "三峡广场": "0806",
		"渣滓洞": "1002", "白公馆": "1002", "重庆大学": "12", "重庆师范大学": "12", "石门大桥": "0803"} {
		if byName[name].Category != cat {
			t.Errorf("%s in %q, want %s", name, byName[name].Category, cat)
		}
	}
}

func TestSyntheticPlaces(t *testing.T) {
	ds := divisions(t)
	divNames := map[string]bool{}
	for _, d := range ds {
		divNames[d.Name] = true
		for _, st := range []string{divisionStem(d.Name), unitStem(d.Name)} {
			if roadGeneric(st) == "" {
				divNames[st] = true
			}
		}
	}
	n := 0
	for _, p := range places(t) {
		if !strings.HasPrefix(p.Description, descSynthetic) {
			continue
		}
		n++
		if p.Source != "demo" || !p.Synthetic {
			t.Errorf("%s: source %q, synthetic %v", p.Name, p.Source, p.Synthetic)
		}
		if divNames[p.Name] {
			t.Errorf("synthetic %s is a division's name", p.Name)
		}
		c, _ := gazetteer.CategoryByCode(p.Category)
		if !slices.Contains(c.Generics, p.Generic) {
			t.Errorf("synthetic %s: generic %q is not one of %s's %v", p.Name, p.Generic, c.Name, c.Generics)
		}
		if len([]rune(p.Specific)) < 2 {
			t.Errorf("synthetic %s: 专名 %q is too short", p.Name, p.Specific)
		}
		if ls, ok := p.Geometry.(orb.LineString); ok {
			if l := geo.Length(ls); l < 50 || l > 3500 {
				t.Errorf("synthetic %s: %0.f m long", p.Name, l)
			}
		}
	}
	if n < 200 {
		t.Errorf("%d synthetic places, want at least 200", n)
	}
}

func TestPlacesAttribution(t *testing.T) {
	b, err := os.ReadFile("data/ATTRIBUTION.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"OpenStreetMap", "ODbL", "osm-named-buildings.csv"} {
		if !bytes.Contains(b, []byte(s)) {
			t.Errorf("data/ATTRIBUTION.md does not mention %s", s)
		}
		if s != "osm-named-buildings.csv" && !strings.Contains(PlacesAttribution, s) {
			t.Errorf("PlacesAttribution does not mention %s", s)
		}
	}
}
