package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming"
	"diming/coverage"
	"diming/gazetteer"
	"diming/geo"
	"diming/store/gpkg"
)

// HouseholdStore is what the household import needs of a store.
type HouseholdStore interface {
	PutHouseholds(ctx context.Context, actor diming.Actor, hs []coverage.HouseholdPoint, replace bool) (int, error)
}

// Households is the household-point import.
type Households struct {
	Store     HouseholdStore
	Publisher Publisher // nil: no read model in this process
	Log       *slog.Logger
}

// Import writes the valid household rows (adding to the stored points, or
// replacing them all with opt.Replace) in one transaction with one audit
// entry, unless the result is blocked (see ImportOptions). Added counts the
// points written.
func (a Households) Import(ctx context.Context, actor diming.Actor, reason string, rows []coverage.HouseholdRow, opt ImportOptions) (ImportResult, Change, error) {
	res := ImportResult{Rows: len(rows), Rejected: []coverage.RowError{}}
	if rej := coverage.Rejected(rows); rej != nil {
		res.Rejected = rej
	}
	var hs []coverage.HouseholdPoint
	for _, r := range rows {
		if r.Err == nil {
			hs = append(hs, r.Household)
		}
	}
	if res.blocked(opt, len(hs)) {
		return res, Change{}, nil
	}
	n, err := a.Store.PutHouseholds(diming.WithReason(ctx, reason), actor, hs, opt.Replace)
	if err != nil {
		return res, Change{}, err
	}
	res.Added, res.Written = n, true
	ch := Change{Entity: coverage.EntityHouseholds, Action: importAction(opt)}
	ch = refreshReadModel(ctx, a.Publisher, a.Log, ch)
	return res, ch, nil
}

// RoadStore is what the road import needs of a store.
type RoadStore interface {
	PutRoadSegments(ctx context.Context, actor diming.Actor, segs []coverage.RoadSegment, replace bool) (int, error)
}

// Roads is the walking-network import.
type Roads struct {
	Store RoadStore
	// Graph are the walking graph's options (the merge tolerance) the
	// imported lines are checked with.
	Graph     coverage.GraphOptions
	Publisher Publisher // nil: no read model in this process
	Log       *slog.Logger
}

// RoadImportResult is what a road import found and did.
type RoadImportResult struct {
	ImportResult
	// Skipped counts the lines that are not walkable, by reason.
	Skipped map[string]int `json:"skipped,omitempty"`
	// Network is the walking network the imported lines make on their
	// own (nil when they make no edge).
	Network *NetworkShape `json:"network,omitempty"`
}

// NetworkShape is how connected a road import is: its parts, the share of
// the length in the largest, and the dead ends near a part they are not
// connected to (see GET /api/v1/network/gaps).
type NetworkShape struct {
	MergeToleranceM float64 `json:"merge_tolerance_m"`
	Components      int     `json:"components"`
	LargestShare    float64 `json:"largest_component_length_share"`
	DeadEnds        int     `json:"dead_ends"`
	NearGapM        float64 `json:"near_gap_m"`
	NearGaps        int     `json:"near_gaps"`
}

// Import builds the walking graph of the read lines (a graph that cannot
// be built is refused), reports its shape, and, unless it is a dry run or
// there is no line, writes the segments (adding to the stored network, or
// replacing it with opt.Replace) in one transaction with one audit entry.
// Roads have no rejected rows: a bad line fails the whole read.
func (a Roads) Import(ctx context.Context, actor diming.Actor, reason string, ri coverage.RoadImport, opt ImportOptions) (RoadImportResult, Change, error) {
	res := RoadImportResult{ImportResult: ImportResult{Rows: len(ri.Segments), Rejected: []coverage.RowError{}}, Skipped: ri.Skipped}
	g, err := coverage.NewWalkingGraph(ri.Segments, a.Graph)
	if err != nil {
		return res, Change{}, err
	}
	if g.NumEdges() > 0 {
		c, gaps := g.Components(), g.Gaps(coverage.DefaultGapDistance, 0)
		tol, _ := g.MergeTolerance()
		res.Network = &NetworkShape{MergeToleranceM: tol, Components: c.Count, LargestShare: math.Round(c.Lengths[0]/g.TotalLength()*1e4) / 1e4,
			DeadEnds: gaps.DeadEnds, NearGapM: gaps.MaxDistanceM, NearGaps: gaps.Total}
	}
	if opt.DryRun || len(ri.Segments) == 0 {
		return res, Change{}, nil
	}
	n, err := a.Store.PutRoadSegments(diming.WithReason(ctx, reason), actor, ri.Segments, opt.Replace)
	if err != nil {
		return res, Change{}, err
	}
	res.Added, res.Written = n, true
	ch := Change{Entity: coverage.EntityRoads, Action: importAction(opt)}
	ch = refreshReadModel(ctx, a.Publisher, a.Log, ch)
	return res, ch, nil
}

// importAction is the audit action of a bulk import.
func importAction(opt ImportOptions) string {
	if opt.Replace {
		return "replace"
	}
	return "import"
}

// RunStore is what saving a coverage run needs of a store.
type RunStore interface {
	SaveRun(ctx context.Context, actor diming.Actor, r coverage.Run) (coverage.Run, error)
}

// SaveRun saves a computed coverage report (one of coverage.Model's
// reports) as a run, with each unit's polygon from divs, in one
// transaction with its audit entry. A run is not part of the read model:
// nothing is refreshed.
func SaveRun(ctx context.Context, st RunStore, actor diming.Actor, report any, divs *gazetteer.DivisionIndex) (coverage.Run, Change, error) {
	run, err := coverage.NewRun(report, divs)
	if err != nil {
		return run, Change{}, err
	}
	if run, err = st.SaveRun(ctx, actor, run); err != nil {
		return run, Change{}, err
	}
	return run, Change{Entity: coverage.EntityRun, IDs: []string{strconv.FormatInt(run.ID, 10)}, Action: "create"}, nil
}

// ---- reading import files

// ImportFile is a file to import and how to read it.
type ImportFile struct {
	Path string
	// Layer is the GeoPackage feature table ("": the first).
	Layer string
	// CRS is what the coordinates are (a GeoPackage's own label must
	// still say lon/lat: see CheckGeoPackageSRS).
	CRS geo.CRS
}

// maxImportFile is the largest file an import reads.
const maxImportFile = 2 << 30

// ext is the file's type by its name (.osm.pbf as .pbf).
func (f ImportFile) ext() string {
	if strings.HasSuffix(strings.ToLower(f.Path), ".osm.pbf") {
		return ".pbf"
	}
	return strings.ToLower(filepath.Ext(f.Path))
}

// read reads the file within the size limit; a GeoPackage layer is read as
// a GeoJSON FeatureCollection, so that one parser checks both formats.
func (f ImportFile) read(ctx context.Context) (data []byte, ext string, err error) {
	info, err := os.Stat(f.Path)
	if err != nil {
		return nil, "", diming.Wrap(err, diming.EINVALID, "无法读取文件 %s", "cannot read file %s", f.Path)
	}
	if !info.Mode().IsRegular() || info.Size() > maxImportFile {
		return nil, "", diming.Errorf(diming.ETOOLARGE, "%s 不是文件或超过 %d MB", "%s is not a file or is larger than %d MB", f.Path, maxImportFile>>20)
	}
	ext = f.ext()
	if ext == ".gpkg" {
		data, err = geoPackageAsGeoJSON(ctx, f.Path, f.Layer)
		return data, ".geojson", err
	}
	if data, err = os.ReadFile(f.Path); err != nil {
		return nil, "", diming.Wrap(err, diming.EINVALID, "无法读取文件 %s", "cannot read file %s", f.Path)
	}
	return data, ext, nil
}

func unsupportedFile(ext, kind, allowed string) error {
	return diming.Errorf(diming.EINVALID, "不支持的文件类型 %q：%s 可用 %s", "unsupported file type %q: %s takes %s", ext, kind, allowed)
}

// ReadFacilityFile reads facility rows from a .csv, .geojson/.json or
// .gpkg file.
func ReadFacilityFile(ctx context.Context, f ImportFile) ([]coverage.FacilityRow, error) {
	data, ext, err := f.read(ctx)
	if err != nil {
		return nil, err
	}
	switch ext {
	case ".csv":
		return coverage.ParseFacilitiesCSV(bytes.NewReader(data), f.CRS)
	case ".geojson", ".json":
		return coverage.ParseFacilitiesGeoJSON(data, f.CRS)
	}
	return nil, unsupportedFile(ext, "facilities", ".csv, .geojson, .gpkg")
}

// ReadHouseholdFile reads household rows from a .csv, .geojson/.json or
// .gpkg file.
func ReadHouseholdFile(ctx context.Context, f ImportFile) ([]coverage.HouseholdRow, error) {
	data, ext, err := f.read(ctx)
	if err != nil {
		return nil, err
	}
	switch ext {
	case ".csv":
		return coverage.ParseHouseholdsCSV(bytes.NewReader(data), f.CRS)
	case ".geojson", ".json":
		return coverage.ParseHouseholdsGeoJSON(data, f.CRS)
	}
	return nil, unsupportedFile(ext, "households", ".csv, .geojson, .gpkg")
}

// ReadRoadFile reads the walkable lines of a .geojson/.json, .gpkg, .osm
// (XML) or .osm.pbf file, converted from f.CRS to WGS84.
func ReadRoadFile(ctx context.Context, f ImportFile) (coverage.RoadImport, error) {
	data, ext, err := f.read(ctx)
	if err != nil {
		return coverage.RoadImport{}, err
	}
	var ri coverage.RoadImport
	switch ext {
	case ".geojson", ".json":
		ri, err = coverage.ReadRoadsGeoJSON(bytes.NewReader(data))
	case ".osm", ".xml":
		ri, err = coverage.ReadRoadsOSM(bytes.NewReader(data), "xml")
	case ".pbf":
		ri, err = coverage.ReadRoadsOSM(bytes.NewReader(data), "pbf")
	default:
		err = unsupportedFile(ext, "roads", ".geojson, .gpkg, .osm (XML), .osm.pbf")
	}
	if err != nil || f.CRS == geo.WGS84 {
		return ri, err
	}
	for i := range ri.Segments {
		g, err := geo.ConvertGeometry(ri.Segments[i].Geometry, f.CRS, geo.WGS84)
		if err != nil {
			zh, en := geo.Reasons(err)
			return ri, diming.Errorf(diming.EINVALID, "第 %d 条道路：%s", "road %[1]d: %[3]s", i+1, zh, en)
		}
		ri.Segments[i].Geometry = g.(orb.LineString)
	}
	return ri, nil
}

// CheckGeoPackageSRS is the one rule for a GeoPackage table's coordinate
// system, for every import that reads one: the table must be in lon/lat,
// labelled EPSG:4326 (WGS84) or EPSG:4490 (CGCS2000), or srs_id 0, the
// GeoPackage's "undefined geographic" SRS. Anything else is refused with
// the ogr2ogr command that fixes it: a projected table (EPSG:3857, a
// CGCS2000 Gauss–Krüger zone, srs_id -1 "undefined Cartesian") holds
// metres, which no --crs turns into degrees. --crs gcj02 or bd09 says
// which lon/lat the coordinates are (QGIS labels such data EPSG:4326); it
// does not relax the label check.
func CheckGeoPackageSRS(s gpkg.SRS) error {
	if e := s.EPSG(); e == 4326 || e == 4490 || s.ID == 0 {
		return nil
	}
	return diming.Errorf(diming.EINVALID,
		"GeoPackage 的坐标系为 %s（%s:%d），不是经纬度 EPSG:4326/4490；请先转换：ogr2ogr -t_srs EPSG:4326 -f GPKG out.gpkg in.gpkg",
		"the GeoPackage's SRS is %s (%s:%d), not lon/lat EPSG:4326/4490; reproject first: ogr2ogr -t_srs EPSG:4326 -f GPKG out.gpkg in.gpkg",
		s.Name, s.Organization, s.OrganizationID)
}

// geoPackageAsGeoJSON reads a GeoPackage layer as a GeoJSON
// FeatureCollection, after CheckGeoPackageSRS.
func geoPackageAsGeoJSON(ctx context.Context, file, layer string) ([]byte, error) {
	l, err := gpkg.ReadLayer(ctx, file, layer)
	if err != nil {
		return nil, err
	}
	if err := CheckGeoPackageSRS(l.SRS); err != nil {
		return nil, err
	}
	fc := geojson.NewFeatureCollection()
	for _, f := range l.Features {
		if f.Err != nil {
			zh, en := diming.Messages(f.Err)
			return nil, diming.Errorf(diming.EINVALID, "要素 %d 的几何无法读取：%s", "feature %d: the geometry cannot be read: %s", f.FID, zh+" / "+en)
		}
		gf := geojson.NewFeature(f.Geometry)
		props := geojson.Properties{}
		for k, v := range f.Properties {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			props[k] = v
		}
		gf.Properties = props
		fc.Append(gf)
	}
	b, err := json.Marshal(fc)
	if err != nil {
		return nil, diming.Wrap(err, diming.EINVALID, "GeoPackage 图层无法转换", "the GeoPackage layer cannot be converted")
	}
	return b, nil
}
