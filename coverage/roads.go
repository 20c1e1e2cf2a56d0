package coverage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmpbf"
	"github.com/paulmach/osm/osmxml"

	"diming"
)

// RoadImport is what a road reader found: the walkable segments, numbered
// 1..n in file order (a store assigns its own ids), and how many lines it
// left out for each reason ("highway=motorway", "foot=no", …).
type RoadImport struct {
	Segments []RoadSegment
	Skipped  map[string]int
}

func (ri *RoadImport) skip(reason string) {
	if ri.Skipped == nil {
		ri.Skipped = map[string]int{}
	}
	ri.Skipped[reason]++
}

func (ri *RoadImport) add(s RoadSegment) {
	s.ID = int64(len(ri.Segments) + 1)
	ri.Segments = append(ri.Segments, s)
}

// maxRoadFeatures is the most features (or ways) one road import takes.
const maxRoadFeatures = 2_000_000

func roadErr(feature int, zh, en string, args ...any) error {
	e := diming.Errorf(diming.EINVALID, zh, en, args...)
	if feature > 0 {
		e.Message = fmt.Sprintf("第 %d 个要素：", feature) + e.Message
		e.MessageEN = fmt.Sprintf("feature %d: ", feature) + e.MessageEN
	}
	return e
}

// ReadRoadsGeoJSON reads a road network from a GeoJSON FeatureCollection of
// LineString and MultiLineString features in WGS84 lon/lat (one segment per
// line; a MultiLineString gives one per part). The class comes from the
// property highway, ROADLEVEL or class, the name from name or NAME, and
// Source is the feature's id or "feature#N" (N counts from 1). Lines that
// are not walkable are skipped and counted: highway=motorway(_link) and
// the other highway values OpenStreetMap readers skip, foot=no,
// access=private/no (unless foot allows it), ROADLEVEL=高速公路, and lines
// of no length. Broken JSON, another geometry type, a coordinate outside
// lon/lat or a line of fewer than two points is EINVALID naming the
// feature.
func ReadRoadsGeoJSON(r io.Reader) (RoadImport, error) {
	var top struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
		CRS      json.RawMessage   `json:"crs"`
	}
	dec := json.NewDecoder(r)
	if err := dec.Decode(&top); err != nil {
		return RoadImport{}, roadErr(0, "GeoJSON 格式错误：%s", "malformed GeoJSON: %s", jsonProblem(err))
	}
	if top.Type != "FeatureCollection" {
		return RoadImport{}, roadErr(0, "GeoJSON 顶层应为 FeatureCollection，而不是 %q", "the GeoJSON top level must be a FeatureCollection, not %q", clip(top.Type, 40))
	}
	if len(top.CRS) > 0 && !bytes.Contains(top.CRS, []byte("4326")) && !bytes.Contains(top.CRS, []byte("CRS84")) && !bytes.Contains(top.CRS, []byte("4490")) {
		return RoadImport{}, roadErr(0, "GeoJSON 声明了不支持的坐标系 %s；请转换为 WGS84 经纬度（ogr2ogr -t_srs EPSG:4326）",
			"the GeoJSON declares an unsupported CRS %s; convert it to WGS84 lon/lat (ogr2ogr -t_srs EPSG:4326)", clip(string(top.CRS), 120))
	}
	if len(top.Features) > maxRoadFeatures {
		return RoadImport{}, diming.Errorf(diming.ETOOLARGE, "一次最多导入 %d 个要素", "at most %d features per import", maxRoadFeatures)
	}
	var out RoadImport
	for i, raw := range top.Features {
		n := i + 1
		var f struct {
			Type       string          `json:"type"`
			ID         json.RawMessage `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(raw, &f); err != nil || f.Type != "Feature" {
			return RoadImport{}, roadErr(n, "不是有效的 Feature", "not a valid Feature")
		}
		props := map[string]any{}
		if len(f.Properties) > 0 && string(f.Properties) != "null" {
			d := json.NewDecoder(bytes.NewReader(f.Properties))
			d.UseNumber()
			if err := d.Decode(&props); err != nil {
				return RoadImport{}, roadErr(n, "properties 应为对象", "properties must be an object")
			}
		}
		tag := func(keys ...string) string {
			for _, k := range keys {
				if v, ok := props[k]; ok && v != nil {
					if s := strings.TrimSpace(fmt.Sprint(v)); s != "" {
						return s
					}
				}
			}
			return ""
		}
		lines, err := roadLines(n, f.Geometry)
		if err != nil {
			return RoadImport{}, err
		}
		for _, v := range []string{tag("highway", "ROADLEVEL", "class"), tag("name", "NAME")} {
			if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
				return RoadImport{}, roadErr(n, "道路的等级或名称 %q 含有控制字符或不是有效的 UTF-8 文本", "the road's class or name %q has control characters or is not valid UTF-8", clip(v, 40))
			}
		}
		if reason := roadNotWalkable(func(k string) string { return tag(k) }); reason != "" {
			out.skip(reason)
			continue
		}
		if tag("ROADLEVEL") == "高速公路" {
			out.skip("ROADLEVEL=高速公路")
			continue
		}
		source := fmt.Sprintf("feature#%d", n)
		if id := featureID(f.ID); id != "" {
			source = id
		}
		for _, ls := range lines {
			if zeroLength(ls) {
				out.skip("zero length")
				continue
			}
			out.add(RoadSegment{Geometry: ls, Class: tag("highway", "ROADLEVEL", "class"), Name: tag("name", "NAME"), Source: source})
		}
	}
	return out, nil
}

// roadLines decodes a LineString or MultiLineString geometry strictly.
func roadLines(n int, raw json.RawMessage) ([]orb.LineString, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, roadErr(n, "缺少几何（应为 LineString 或 MultiLineString）", "the geometry is missing (a LineString or MultiLineString is needed)")
	}
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, roadErr(n, "几何格式错误：%s", "malformed geometry: %s", jsonProblem(err))
	}
	var parts [][][]float64
	switch g.Type {
	case "LineString":
		var line [][]float64
		if err := json.Unmarshal(g.Coordinates, &line); err != nil {
			return nil, roadErr(n, "LineString 的坐标格式错误：%s", "malformed LineString coordinates: %s", jsonProblem(err))
		}
		parts = [][][]float64{line}
	case "MultiLineString":
		if err := json.Unmarshal(g.Coordinates, &parts); err != nil {
			return nil, roadErr(n, "MultiLineString 的坐标格式错误：%s", "malformed MultiLineString coordinates: %s", jsonProblem(err))
		}
		if len(parts) == 0 {
			return nil, roadErr(n, "MultiLineString 没有线", "the MultiLineString has no lines")
		}
	default:
		return nil, roadErr(n, "几何类型应为 LineString 或 MultiLineString，而不是 %q", "the geometry must be a LineString or MultiLineString, not %q", clip(g.Type, 40))
	}
	out := make([]orb.LineString, 0, len(parts))
	for k, part := range parts {
		where, whereEN := "", ""
		if g.Type == "MultiLineString" {
			where, whereEN = fmt.Sprintf("第 %d 条线", k+1), fmt.Sprintf("line %d: ", k+1)
		}
		if len(part) < 2 {
			return nil, roadErr(n, "%[1]s少于两个点", "%[2]sthe line has fewer than two points", where, whereEN)
		}
		ls := make(orb.LineString, len(part))
		for j, c := range part {
			if len(c) < 2 || len(c) > 4 {
				return nil, roadErr(n, "%[1]s第 %[2]d 个坐标应有 2 或 3 个数", "%[3]sposition %[2]d must have 2 or 3 numbers", where, j+1, whereEN)
			}
			p := orb.Point{c[0], c[1]}
			if math.IsNaN(p[0]) || math.IsNaN(p[1]) || !validLonLat(p) {
				return nil, roadErr(n, "%[1]s第 %[2]d 个坐标 (%[3]v, %[4]v) 超出经纬度范围", "%[5]sposition %[2]d (%[3]v, %[4]v) is out of lon/lat range", where, j+1, p[0], p[1], whereEN)
			}
			ls[j] = p
		}
		out = append(out, ls)
	}
	return out, nil
}

func zeroLength(ls orb.LineString) bool {
	for _, p := range ls[1:] {
		if p != ls[0] {
			return false
		}
	}
	return true
}

// featureID renders a GeoJSON feature id (string or number).
func featureID(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return clip(s, 100)
	}
	var num json.Number
	if json.Unmarshal(raw, &num) == nil {
		return num.String()
	}
	return ""
}

// jsonProblem says briefly what encoding/json found wrong.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("%v (byte %d)", syn, syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("a %s where %s was expected (byte %d)", typ.Value, typ.Type, typ.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the file ends too early"
	}
	return err.Error()
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// walkableHighways are the OpenStreetMap highway values a person may walk
// on unless the tags say otherwise; footAllowed ones only when foot=yes
// (designated, permissive).
var (
	walkableHighways = map[string]bool{
		"footway": true, "path": true, "pedestrian": true, "steps": true, "living_street": true,
		"residential": true, "service": true, "unclassified": true, "road": true, "track": true,
		"corridor": true, "tertiary": true, "tertiary_link": true, "secondary": true,
		"secondary_link": true, "primary": true, "primary_link": true, "trunk": true, "trunk_link": true,
	}
	footAllowedHighways = map[string]bool{"cycleway": true, "bridleway": true, "busway": true}
)

// roadNotWalkable returns why a line with these tags is not walkable, or ""
// when it is (or carries no OpenStreetMap tags that say).
func roadNotWalkable(tag func(string) string) string {
	foot := tag("foot")
	footYes := foot == "yes" || foot == "designated" || foot == "permissive"
	if hw := tag("highway"); hw != "" {
		switch {
		case hw == "motorway" || hw == "motorway_link":
			return "highway=" + hw
		case walkableHighways[hw]:
		case footAllowedHighways[hw]:
			if !footYes {
				return "highway=" + hw + " without foot=yes"
			}
		default:
			return "highway=" + hw
		}
	}
	if tag("area") == "yes" {
		return "area=yes"
	}
	if foot == "no" || foot == "private" {
		return "foot=" + foot
	}
	if a := tag("access"); (a == "private" || a == "no") && !footYes {
		return "access=" + a
	}
	return ""
}

// ReadRoadsOSM reads the walkable ways of an OpenStreetMap file, format
// "pbf" or "xml": ways whose highway is a footway, path, pedestrian street,
// steps, living street, residential, service, unclassified, track,
// corridor, tertiary, secondary, primary or trunk road (and their links),
// or a cycleway or bridleway with foot=yes; never a motorway, an area, or a
// way with foot=no or access=private/no (unless foot allows it). Each way
// is one segment (Class its highway, Name its name, Source "osm:way/ID");
// a way whose nodes are missing from the file (a clipped extract) is cut
// at them. Skipped counts the ways left out by reason.
func ReadRoadsOSM(r io.Reader, format string) (RoadImport, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sc osm.Scanner
	switch format {
	case "pbf":
		sc = osmpbf.New(ctx, r, min(runtime.GOMAXPROCS(0), 4))
	case "xml", "osm":
		sc = osmxml.New(ctx, r)
	default:
		return RoadImport{}, roadErr(0, "未知的 OSM 格式 %q：pbf 或 xml", "unknown OSM format %q: pbf or xml", clip(format, 20))
	}
	defer sc.Close()
	type wayRec struct {
		id         osm.WayID
		class      string
		name       string
		nodes      []osm.NodeID
		inlineGeom orb.LineString // when the file gives way node coordinates
	}
	coords := map[osm.NodeID]orb.Point{}
	var ways []wayRec
	var out RoadImport
	for sc.Scan() {
		switch o := sc.Object().(type) {
		case *osm.Node:
			coords[o.ID] = orb.Point{o.Lon, o.Lat}
		case *osm.Way:
			if reason := roadNotWalkable(o.Tags.Find); reason != "" || o.Tags.Find("highway") == "" {
				if reason == "" {
					reason = "no highway tag"
				}
				out.skip(reason)
				continue
			}
			if len(ways) >= maxRoadFeatures {
				return RoadImport{}, diming.Errorf(diming.ETOOLARGE, "一次最多导入 %d 条路", "at most %d ways per import", maxRoadFeatures)
			}
			w := wayRec{id: o.ID, class: o.Tags.Find("highway"), name: o.Tags.Find("name"), nodes: o.Nodes.NodeIDs()}
			for _, wn := range o.Nodes {
				if wn.Lon != 0 || wn.Lat != 0 {
					w.inlineGeom = o.LineString()
					break
				}
			}
			ways = append(ways, w)
		}
	}
	if err := sc.Err(); err != nil {
		return RoadImport{}, diming.Wrap(err, diming.EINVALID, "OSM 文件无法读取：%s", "the OSM file cannot be read: %s", clip(err.Error(), 200))
	}
	for _, w := range ways {
		source := "osm:way/" + strconv.FormatInt(int64(w.id), 10)
		var run orb.LineString
		cut := false
		flush := func() {
			if len(run) >= 2 && !zeroLength(run) {
				out.add(RoadSegment{Geometry: run, Class: w.class, Name: w.name, Source: source})
			}
			run = nil
		}
		for k, id := range w.nodes {
			p, ok := coords[id]
			if !ok && len(w.inlineGeom) == len(w.nodes) && w.inlineGeom[k] != (orb.Point{}) {
				p, ok = w.inlineGeom[k], true
			}
			if ok && !validLonLat(p) {
				// A node the file has, at an impossible place: the file is
				// broken (a node it lacks is only the edge of an extract).
				return RoadImport{}, roadErr(0, "道路 way/%[1]d 的节点 node/%[2]d 坐标 (%[3]v, %[4]v) 超出经纬度范围",
					"way/%[1]d: node/%[2]d has coordinates (%[3]v, %[4]v) outside lon/lat", int64(w.id), int64(id), p[0], p[1])
			}
			if !ok {
				cut = true
				flush()
				continue
			}
			run = append(run, p)
		}
		flush()
		if cut {
			out.skip("way cut at nodes missing from the file")
		}
	}
	return out, nil
}
