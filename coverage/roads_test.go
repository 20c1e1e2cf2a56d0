package coverage

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmxml"

	"diming"

	"diming/internal/refdata"
)

// wantWalkOSM is what testdata/walk.osm holds: the walkable ways (way 110
// cut at its missing node 999, keeping nodes 10–11) and why the others are
// left out.
var wantWalkOSM = struct {
	sources []string
	classes []string
	names   []string
	points  []int
	skipped map[string]int
}{
	sources: []string{"osm:way/100", "osm:way/101", "osm:way/105", "osm:way/109", "osm:way/110", "osm:way/112"},
	classes: []string{"footway", "residential", "cycleway", "residential", "living_street", "steps"},
	names:   []string{"滨江步道", "天星桥正街", "", "", "", ""},
	points:  []int{3, 3, 2, 2, 2, 2},
	skipped: map[string]int{
		"highway=motorway":                       1,
		"access=private":                         1,
		"highway=cycleway without foot=yes":      1,
		"no highway tag":                         1,
		"area=yes":                               1,
		"foot=no":                                1,
		"highway=construction":                   1,
		"way cut at nodes missing from the file": 1,
	},
}

func checkWalkOSM(t *testing.T, ri RoadImport) {
	t.Helper()
	w := wantWalkOSM
	if len(ri.Segments) != len(w.sources) {
		t.Fatalf("%d segments, want %d: %+v", len(ri.Segments), len(w.sources), ri.Segments)
	}
	for i, s := range ri.Segments {
		if s.ID != int64(i+1) || s.Source != w.sources[i] || s.Class != w.classes[i] || s.Name != w.names[i] || len(s.Geometry) != w.points[i] {
			t.Errorf("segment %d: %d %s %s %q %d points; want %s %s %q %d", i, s.ID, s.Source, s.Class, s.Name, len(s.Geometry),
				w.sources[i], w.classes[i], w.names[i], w.points[i])
		}
	}
	if !reflect.DeepEqual(ri.Skipped, w.skipped) {
		t.Errorf("skipped %v\nwant %v", ri.Skipped, w.skipped)
	}
	// Way 100 runs through nodes 1, 2, 3.
	// Way 100 runs through nodes 1, 2, 3 (PBF stores 1e-7°).
	want := orb.LineString{{106.45, 29.58}, {106.451, 29.58}, {106.452, 29.5805}}
	for i, p := range ri.Segments[0].Geometry {
		if math.Abs(p[0]-want[i][0]) > 1e-9 || math.Abs(p[1]-want[i][1]) > 1e-9 {
			t.Errorf("way 100: %v, want %v", ri.Segments[0].Geometry, want)
			break
		}
	}
	// The walkable ways make one network: 100–101 meet at node 3, 109 joins
	// 101 (node 5) to 105 (node 8), 112 leaves 100 at node 2; 110's kept
	// part (10–11) is apart.
	g := mustGraph(t, ri.Segments, GraphOptions{})
	if c := g.Components(); c.Count != 2 || c.Sizes[0] != 7 || c.Sizes[1] != 2 {
		t.Errorf("components %+v", c)
	}
}

func TestReadRoadsOSMXML(t *testing.T) {
	f, err := os.Open("testdata/walk.osm")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ri, err := ReadRoadsOSM(f, "xml")
	if err != nil {
		t.Fatal(err)
	}
	checkWalkOSM(t, ri)
}

// TestReadRoadsOSMPBF writes the XML fixture as PBF (osmpbf has no
// writer; pbfFile below encodes the format's messages by hand), raw and
// zlib-compressed, and reads it back.
func TestReadRoadsOSMPBF(t *testing.T) {
	data, err := os.ReadFile("testdata/walk.osm")
	if err != nil {
		t.Fatal(err)
	}
	var objs []osm.Object
	sc := osmxml.New(context.Background(), bytes.NewReader(data))
	for sc.Scan() {
		objs = append(objs, sc.Object())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, compress := range []bool{false, true} {
		ri, err := ReadRoadsOSM(bytes.NewReader(pbfFile(t, objs, compress)), "pbf")
		if err != nil {
			t.Fatalf("compress %v: %v", compress, err)
		}
		checkWalkOSM(t, ri)
	}
}

func TestReadRoadsOSMErrors(t *testing.T) {
	for _, c := range []struct {
		name, format, data string
	}{
		{"unknown format", "shp", "<osm/>"},
		{"broken XML", "xml", `<osm><node id="1" lat="29.5" lon="106.4"><way id="2"`},
		{"not PBF", "pbf", "this is not a protocol buffer file at all"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadRoadsOSM(strings.NewReader(c.data), c.format)
			var e *diming.Error
			if !asError(err, &e) || e.Code != diming.EINVALID || e.Message == "" || e.MessageEN == "" {
				t.Fatalf("err %v, want EINVALID", err)
			}
		})
	}
	// An empty XML file is an empty network.
	ri, err := ReadRoadsOSM(strings.NewReader(`<osm version="0.6"></osm>`), "xml")
	if err != nil || len(ri.Segments) != 0 {
		t.Errorf("empty file: %+v %v", ri, err)
	}
}

// pbfFile encodes nodes and ways as an OSM PBF file: an OSMHeader block
// and one OSMData block (dense nodes, then ways), per
// https://wiki.openstreetmap.org/wiki/PBF_Format.
func pbfFile(tb testing.TB, objs []osm.Object, compress bool) []byte {
	tb.Helper()
	varint := func(b []byte, field int, v uint64) []byte {
		return binary.AppendUvarint(binary.AppendUvarint(b, uint64(field)<<3), v)
	}
	bytesField := func(b []byte, field int, v []byte) []byte {
		b = binary.AppendUvarint(b, uint64(field)<<3|2)
		return append(binary.AppendUvarint(b, uint64(len(v))), v...)
	}
	zigzag := func(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }
	packed := func(vs []uint64) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.AppendUvarint(b, v)
		}
		return b
	}
	strs := []string{""}
	index := map[string]uint64{"": 0}
	str := func(s string) uint64 {
		if i, ok := index[s]; ok {
			return i
		}
		index[s] = uint64(len(strs))
		strs = append(strs, s)
		return index[s]
	}
	var ids, lats, lons, kv []uint64
	var prevID, prevLat, prevLon int64
	var ways [][]byte
	for _, o := range objs {
		switch o := o.(type) {
		case *osm.Node:
			lat, lon := int64(math.Round(o.Lat*1e7)), int64(math.Round(o.Lon*1e7)) // granularity 100 nanodegrees
			ids = append(ids, zigzag(int64(o.ID)-prevID))
			lats = append(lats, zigzag(lat-prevLat))
			lons = append(lons, zigzag(lon-prevLon))
			prevID, prevLat, prevLon = int64(o.ID), lat, lon
			for _, tg := range o.Tags {
				kv = append(kv, str(tg.Key), str(tg.Value))
			}
			kv = append(kv, 0)
		case *osm.Way:
			var keys, vals, refs []uint64
			for _, tg := range o.Tags {
				keys = append(keys, str(tg.Key))
				vals = append(vals, str(tg.Value))
			}
			prev := int64(0)
			for _, n := range o.Nodes {
				refs = append(refs, zigzag(int64(n.ID)-prev))
				prev = int64(n.ID)
			}
			w := varint(nil, 1, uint64(o.ID))
			w = bytesField(w, 2, packed(keys))
			w = bytesField(w, 3, packed(vals))
			w = bytesField(w, 8, packed(refs))
			ways = append(ways, w)
		}
	}
	dense := bytesField(nil, 1, packed(ids))
	dense = bytesField(dense, 8, packed(lats))
	dense = bytesField(dense, 9, packed(lons))
	dense = bytesField(dense, 10, packed(kv))
	var table []byte
	for _, s := range strs {
		table = bytesField(table, 1, []byte(s))
	}
	block := bytesField(nil, 1, table)
	block = bytesField(block, 2, bytesField(nil, 2, dense))
	var wayGroup []byte
	for _, w := range ways {
		wayGroup = bytesField(wayGroup, 3, w)
	}
	block = bytesField(block, 2, wayGroup)

	header := bytesField(nil, 4, []byte("OsmSchema-V0.6"))
	header = bytesField(header, 4, []byte("DenseNodes"))
	var file []byte
	for _, part := range []struct {
		kind string
		data []byte
	}{{"OSMHeader", header}, {"OSMData", block}} {
		blob := bytesField(nil, 1, part.data)
		if compress {
			var z bytes.Buffer
			zw := zlib.NewWriter(&z)
			if _, err := zw.Write(part.data); err != nil {
				tb.Fatal(err)
			}
			if err := zw.Close(); err != nil {
				tb.Fatal(err)
			}
			blob = varint(nil, 2, uint64(len(part.data)))
			blob = bytesField(blob, 3, z.Bytes())
		}
		bh := bytesField(nil, 1, []byte(part.kind))
		bh = varint(bh, 3, uint64(len(blob)))
		file = binary.BigEndian.AppendUint32(file, uint32(len(bh)))
		file = append(append(file, bh...), blob...)
	}
	return file
}

func TestReadRoadsGeoJSON(t *testing.T) {
	in := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[
	{"type":"Feature","properties":{"highway":"residential","name":"小龙坎正街"},"geometry":{"type":"LineString","coordinates":[[106.45,29.58],[106.451,29.58,310.5]]}},
	{"type":"Feature","id":"r-17","properties":{"ROADLEVEL":"支路","NAME":"童家桥"},"geometry":{"type":"MultiLineString","coordinates":[[[106.451,29.58],[106.452,29.58]],[[106.452,29.58],[106.452,29.581]]]}},
	{"type":"Feature","id":42,"properties":{"class":"path"},"geometry":{"type":"LineString","coordinates":[[106.452,29.581],[106.453,29.581]]}},
	{"type":"Feature","properties":{"highway":"motorway"},"geometry":{"type":"LineString","coordinates":[[106.45,29.57],[106.46,29.57]]}},
	{"type":"Feature","properties":{"highway":"motorway_link"},"geometry":{"type":"LineString","coordinates":[[106.45,29.57],[106.46,29.57]]}},
	{"type":"Feature","properties":{"ROADLEVEL":"高速公路"},"geometry":{"type":"LineString","coordinates":[[106.45,29.57],[106.46,29.57]]}},
	{"type":"Feature","properties":{"highway":"service","access":"private"},"geometry":{"type":"LineString","coordinates":[[106.45,29.57],[106.46,29.57]]}},
	{"type":"Feature","properties":{"highway":"primary","foot":"no"},"geometry":{"type":"LineString","coordinates":[[106.45,29.57],[106.46,29.57]]}},
	{"type":"Feature","properties":{"highway":"service","access":"no","foot":"yes"},"geometry":{"type":"LineString","coordinates":[[106.453,29.581],[106.453,29.582]]}},
	{"type":"Feature","properties":null,"geometry":{"type":"LineString","coordinates":[[106.46,29.59],[106.46,29.59]]}}
	]}`
	ri, err := ReadRoadsGeoJSON(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []RoadSegment{
		{ID: 1, Class: "residential", Name: "小龙坎正街", Source: "feature#1"},
		{ID: 2, Class: "支路", Name: "童家桥", Source: "r-17"},
		{ID: 3, Class: "支路", Name: "童家桥", Source: "r-17"},
		{ID: 4, Class: "path", Source: "42"},
		{ID: 5, Class: "service", Source: "feature#9"},
	}
	if len(ri.Segments) != len(want) {
		t.Fatalf("%d segments: %+v", len(ri.Segments), ri.Segments)
	}
	for i, s := range ri.Segments {
		got := s
		got.Geometry = nil
		if !reflect.DeepEqual(got, want[i]) || len(s.Geometry) != 2 {
			t.Errorf("segment %d: %+v, want %+v", i, s, want[i])
		}
	}
	if ri.Segments[0].Geometry[1] != (orb.Point{106.451, 29.58}) {
		t.Errorf("the height is not dropped: %v", ri.Segments[0].Geometry)
	}
	wantSkipped := map[string]int{"highway=motorway": 1, "highway=motorway_link": 1, "ROADLEVEL=高速公路": 1, "access=private": 1, "foot=no": 1, "zero length": 1}
	if !reflect.DeepEqual(ri.Skipped, wantSkipped) {
		t.Errorf("skipped %v, want %v", ri.Skipped, wantSkipped)
	}
	// The five lines chain into one street.
	g := mustGraph(t, ri.Segments, GraphOptions{})
	if g.Components().Count != 1 || g.NumEdges() != 5 {
		t.Errorf("%d edges, %d components", g.NumEdges(), g.Components().Count)
	}
}

func TestReadRoadsGeoJSONErrors(t *testing.T) {
	fc := func(features ...string) string {
		return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
	}
	good := `{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[106.45,29.58],[106.46,29.58]]}}`
	line := func(coords string) string {
		return `{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":` + coords + `}}`
	}
	for _, c := range []struct {
		name, in, zh, en string
	}{
		{"broken JSON", `{"type":"FeatureCollection","features":[`, "GeoJSON 格式错误", "malformed GeoJSON"},
		{"not a collection", `{"type":"Feature"}`, "FeatureCollection", "FeatureCollection"},
		{"projected CRS", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4547"}},"features":[]}`, "坐标系", "CRS"},
		{"not a feature", fc(good, `{"type":"Point"}`), "第 2 个要素", "feature 2"},
		{"point geometry", fc(good, good, `{"type":"Feature","geometry":{"type":"Point","coordinates":[106.45,29.58]}}`), "第 3 个要素：几何类型", "feature 3: the geometry must be"},
		{"polygon", fc(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[106.45,29.58],[106.46,29.58],[106.46,29.59],[106.45,29.58]]]}}`), "第 1 个要素", "feature 1"},
		{"no geometry", fc(good, `{"type":"Feature","properties":{},"geometry":null}`), "第 2 个要素：缺少几何", "feature 2: the geometry is missing"},
		{"one point", fc(line(`[[106.45,29.58]]`)), "第 1 个要素：少于两个点", "feature 1: the line has fewer than two points"},
		{"empty line", fc(good, line(`[]`)), "第 2 个要素", "feature 2: the line has fewer than two points"},
		{"empty multiline", fc(`{"type":"Feature","geometry":{"type":"MultiLineString","coordinates":[]}}`), "没有线", "no lines"},
		{"short part", fc(`{"type":"Feature","geometry":{"type":"MultiLineString","coordinates":[[[106.45,29.58],[106.46,29.58]],[[106.45,29.58]]]}}`), "第 2 条线少于两个点", "line 2: the line has fewer than two points"},
		{"latitude out of range", fc(line(`[[106.45,29.58],[106.46,91]]`)), "第 1 个要素：第 2 个坐标 (106.46, 91) 超出经纬度范围", "feature 1: position 2 (106.46, 91) is out of lon/lat range"},
		{"projected metres", fc(line(`[[590000,3270000],[590100,3270000]]`)), "超出经纬度范围", "out of lon/lat range"},
		{"NaN", fc(line(`[[106.45,29.58],[NaN,29.58]]`)), "GeoJSON 格式错误", "malformed GeoJSON"},
		{"huge number", fc(line(`[[106.45,29.58],[1e999,29.58]]`)), "坐标格式错误", "malformed LineString coordinates"},
		{"string coordinate", fc(line(`[[106.45,29.58],["106.46",29.58]]`)), "第 1 个要素", "feature 1: malformed LineString coordinates"},
		{"one number", fc(line(`[[106.45,29.58],[106.46]]`)), "第 2 个坐标应有 2 或 3 个数", "position 2 must have 2 or 3 numbers"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadRoadsGeoJSON(strings.NewReader(c.in))
			var e *diming.Error
			if !asError(err, &e) || e.Code != diming.EINVALID {
				t.Fatalf("err %v, want EINVALID", err)
			}
			if !strings.Contains(e.Message, c.zh) || !strings.Contains(e.MessageEN, c.en) {
				t.Errorf("messages %q / %q, want them to say %q / %q", e.Message, e.MessageEN, c.zh, c.en)
			}
		})
	}
}

// TestReadRoadsRealGeoJSON reads the Shapingba roads and checks them
// against orb's own GeoJSON decoding.
func TestReadRoadsRealGeoJSON(t *testing.T) {
	data, err := os.ReadFile(refdata.TestOnly(t, "shapingba/roads.wgs84.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	ri, err := ReadRoadsGeoJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != 1187 {
		t.Fatalf("%d features", len(fc.Features))
	}
	var want []orb.LineString
	classes := map[string]int{}
	for _, f := range fc.Features {
		switch g := f.Geometry.(type) {
		case orb.LineString:
			want = append(want, g)
		case orb.MultiLineString:
			want = append(want, g...)
		}
	}
	for _, s := range ri.Segments {
		classes[s.Class]++
	}
	if len(ri.Segments) != len(want) || len(ri.Skipped) != 0 {
		t.Fatalf("%d segments (skipped %v), want %d", len(ri.Segments), ri.Skipped, len(want))
	}
	for i, s := range ri.Segments {
		if !reflect.DeepEqual(s.Geometry, want[i]) {
			t.Fatalf("segment %d differs from orb's reading", i)
		}
	}
	wantClasses := map[string]int{"快速路": 141, "主干路": 170, "次干路": 388, "支路": 346, "匝道": 146}
	if !reflect.DeepEqual(classes, wantClasses) {
		t.Errorf("classes %v, want %v", classes, wantClasses)
	}
	if s := ri.Segments[0]; s.ID != 1 || s.Source != "feature#1" || s.Class != "主干路" || s.Name != "" {
		t.Errorf("first segment %+v", s)
	}
}

// FuzzReadRoadsGeoJSON: any input is read or refused with EINVALID (or
// ETOOLARGE), and what is read makes a graph.
func FuzzReadRoadsGeoJSON(f *testing.F) {
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"highway":"footway"},"geometry":{"type":"LineString","coordinates":[[106.45,29.58],[106.46,29.58]]}}]}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","id":3,"geometry":{"type":"MultiLineString","coordinates":[[[1,2],[3,4]],[[3,4],[5,6],[1,2]]]}}]}`)
	f.Add(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"foot":"no"},"geometry":{"type":"LineString","coordinates":[[0,0],[0,0]]}}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		ri, err := ReadRoadsGeoJSON(strings.NewReader(in))
		if err != nil {
			if c := diming.Code(err); c != diming.EINVALID && c != diming.ETOOLARGE {
				t.Fatalf("%v: code %s", err, c)
			}
			return
		}
		if _, err := NewWalkingGraph(ri.Segments, GraphOptions{}); err != nil {
			t.Fatalf("read, but no graph: %v", err)
		}
	})
}
