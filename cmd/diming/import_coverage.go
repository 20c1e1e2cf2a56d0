package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming"
	"diming/coverage"
	"diming/gazetteer"
	"diming/geo"
	"diming/store/gpkg"
)

// coverageSummary is what a facilities, households or roads import reports.
type coverageSummary struct {
	File      string              `json:"file"`
	Kind      string              `json:"kind"`
	Rows      int                 `json:"rows"`
	Added     int                 `json:"added"`
	Updated   int                 `json:"updated"`
	Unchanged int                 `json:"unchanged"`
	Replace   bool                `json:"replace"`
	Skipped   map[string]int      `json:"skipped,omitempty"` // roads that are not walkable, by reason
	Rejected  []coverage.RowError `json:"rejected"`
	Written   bool                `json:"written"`
	// Network: roads only, the walking network the imported lines make on
	// their own.
	Network *networkShape `json:"network,omitempty"`
}

// networkShape is how connected a road import is: its parts, the share of
// the length in the largest, and the dead ends near a part they are not
// connected to (see GET /api/v1/network/gaps).
type networkShape struct {
	MergeToleranceM float64 `json:"merge_tolerance_m"`
	Components      int     `json:"components"`
	LargestShare    float64 `json:"largest_component_length_share"`
	DeadEnds        int     `json:"dead_ends"`
	NearGapM        float64 `json:"near_gap_m"`
	NearGaps        int     `json:"near_gaps"`
}

// readImportFile reads a file within the import size limit.
func readImportFile(file string) ([]byte, error) {
	info, err := os.Stat(file)
	if err != nil {
		return nil, diming.Wrap(err, diming.EINVALID, "无法读取文件 %s", "cannot read file %s", file)
	}
	const maxBytes = 2 << 30
	if !info.Mode().IsRegular() || info.Size() > maxBytes {
		return nil, diming.Errorf(diming.ETOOLARGE, "%s 不是文件或超过 %d MB", "%s is not a file or is larger than %d MB", file, maxBytes>>20)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, diming.Wrap(err, diming.EINVALID, "无法读取文件 %s", "cannot read file %s", file)
	}
	return data, nil
}

// gpkgAsGeoJSON reads a GeoPackage layer as a GeoJSON FeatureCollection, so
// one parser checks both formats. The layer must be in WGS84/CGCS2000
// lon/lat (EPSG 4326 or 4490), or the CRS named by --crs.
func gpkgAsGeoJSON(ctx context.Context, file, layer string) ([]byte, error) {
	l, err := gpkg.ReadLayer(ctx, file, layer)
	if err != nil {
		return nil, err
	}
	if e := l.SRS.EPSG(); e != 4326 && e != 4490 && e != 0 {
		return nil, diming.Errorf(diming.EINVALID, "图层 %s 的坐标系是 EPSG:%d；请先转为 EPSG:4326 经纬度（ogr2ogr -t_srs EPSG:4326）", "layer %s is in EPSG:%d; convert it to EPSG:4326 lon/lat first (ogr2ogr -t_srs EPSG:4326)", l.Table, e)
	}
	fc := geojson.NewFeatureCollection()
	for _, f := range l.Features {
		if f.Err != nil {
			zh, en := diming.Messages(f.Err)
			return nil, diming.Errorf(diming.EINVALID, "要素 %d 的几何无法读取：%s", "feature %d: the geometry cannot be read: %s", f.FID, zh+" / "+en)
		}
		var g orb.Geometry = f.Geometry
		gf := geojson.NewFeature(g)
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
	return json.Marshal(fc)
}

func importCoverage(ctx context.Context, st *storeHandle, kind, file string, crs geo.CRS, opt importOptions, stderr io.Writer) (coverageSummary, error) {
	sum := coverageSummary{File: file, Kind: kind, Replace: opt.replace, Rejected: []coverage.RowError{}}
	ext := strings.ToLower(filepath.Ext(file))
	if strings.HasSuffix(strings.ToLower(file), ".osm.pbf") {
		ext = ".pbf"
	}
	data, err := readImportFile(file)
	if err != nil {
		return sum, err
	}
	if ext == ".gpkg" {
		if data, err = gpkgAsGeoJSON(ctx, file, opt.layer); err != nil {
			return sum, err
		}
		ext = ".geojson"
	}
	actor := diming.Actor(opt.actor)
	bar := newProgressBar(stderr, "写入 writing "+kind)
	wctx := gazetteer.WithProgress(diming.WithReason(ctx, "导入 "+filepath.Base(file)), bar.set)
	attempted := false // a write began: the bar then says how it ended
	defer func() {
		if attempted {
			bar.done(sum.Written)
		}
	}()
	unsupported := func(allowed string) error {
		return diming.Errorf(diming.EINVALID, "不支持的文件类型 %q：%s 可用 %s", "unsupported file type %q: %s takes %s", ext, kind, allowed)
	}
	switch kind {
	case "facilities":
		var rows []coverage.FacilityRow
		switch ext {
		case ".csv":
			rows, err = coverage.ParseFacilitiesCSV(bytes.NewReader(data), crs)
		case ".geojson", ".json":
			rows, err = coverage.ParseFacilitiesGeoJSON(data, crs)
		default:
			err = unsupported(".csv, .geojson, .gpkg")
		}
		if err != nil {
			return sum, err
		}
		// The rows are checked against the stored divisions (a point
		// outside the district is refused, as places are) and, for the
		// counts, the stored facilities: a dry run reports what the
		// import would add, update and leave alone.
		ds, err := st.Divisions(ctx, gazetteer.DivisionFilter{})
		if err != nil {
			return sum, err
		}
		existing, err := st.Facilities(ctx)
		if err != nil {
			return sum, err
		}
		plan := coverage.PlanFacilityImport(rows, existing, gazetteer.NewDivisionIndex(ds))
		sum.Rows, sum.Rejected = len(rows), nonNil(plan.Rejected)
		sum.Added, sum.Updated, sum.Unchanged = plan.Added, plan.Updated, plan.Unchanged
		fs := plan.Valid
		if opt.dryRun || (len(sum.Rejected) > 0 && !opt.skipInvalid) || len(fs) == 0 {
			return sum, nil
		}
		attempted = true
		// The store decides again in its transaction; its counts are the ones reported.
		if sum.Added, sum.Updated, err = st.ImportFacilities(wctx, actor, fs); err != nil {
			sum.Added, sum.Updated, sum.Unchanged = 0, 0, 0
			return sum, err
		}
		sum.Unchanged = len(fs) - sum.Added - sum.Updated
	case "households":
		var rows []coverage.HouseholdRow
		switch ext {
		case ".csv":
			rows, err = coverage.ParseHouseholdsCSV(bytes.NewReader(data), crs)
		case ".geojson", ".json":
			rows, err = coverage.ParseHouseholdsGeoJSON(data, crs)
		default:
			err = unsupported(".csv, .geojson, .gpkg")
		}
		if err != nil {
			return sum, err
		}
		sum.Rows, sum.Rejected = len(rows), nonNil(coverage.Rejected(rows))
		var hs []coverage.HouseholdPoint
		for _, r := range rows {
			if r.Err == nil {
				hs = append(hs, r.Household)
			}
		}
		if opt.dryRun || (len(sum.Rejected) > 0 && !opt.skipInvalid) || len(hs) == 0 {
			return sum, nil
		}
		attempted = true
		if sum.Added, err = st.PutHouseholds(wctx, actor, hs, opt.replace); err != nil {
			return sum, err
		}
	case "roads":
		var ri coverage.RoadImport
		switch ext {
		case ".geojson", ".json":
			ri, err = coverage.ReadRoadsGeoJSON(bytes.NewReader(data))
		case ".osm", ".xml":
			ri, err = coverage.ReadRoadsOSM(bytes.NewReader(data), "xml")
		case ".pbf":
			ri, err = coverage.ReadRoadsOSM(bytes.NewReader(data), "pbf")
		default:
			err = unsupported(".geojson, .gpkg, .osm (XML), .osm.pbf")
		}
		if err != nil {
			return sum, err
		}
		if crs != geo.WGS84 {
			for i := range ri.Segments {
				g, err := geo.ConvertGeometry(ri.Segments[i].Geometry, crs, geo.WGS84)
				if err != nil {
					zh, en := geo.Reasons(err)
					return sum, diming.Errorf(diming.EINVALID, "第 %d 条道路：%s", "road %[1]d: %[3]s", i+1, zh, en)
				}
				ri.Segments[i].Geometry = g.(orb.LineString)
			}
		}
		sum.Rows, sum.Skipped = len(ri.Segments), ri.Skipped
		g, err := coverage.NewWalkingGraph(ri.Segments, opt.network)
		if err != nil {
			return sum, err
		}
		if g.NumEdges() > 0 {
			c, gaps := g.Components(), g.Gaps(coverage.DefaultGapDistance, 0)
			tol, _ := g.MergeTolerance()
			sum.Network = &networkShape{MergeToleranceM: tol, Components: c.Count, LargestShare: math.Round(c.Lengths[0]/g.TotalLength()*1e4) / 1e4,
				DeadEnds: gaps.DeadEnds, NearGapM: gaps.MaxDistanceM, NearGaps: gaps.Total}
		}
		if opt.dryRun || len(ri.Segments) == 0 {
			return sum, nil
		}
		attempted = true
		if sum.Added, err = st.PutRoadSegments(wctx, actor, ri.Segments, opt.replace); err != nil {
			return sum, err
		}
	}
	sum.Written = true
	return sum, nil
}

func nonNil(rs []coverage.RowError) []coverage.RowError {
	if rs == nil {
		return []coverage.RowError{}
	}
	return rs
}

func printCoverageSummary(w io.Writer, s coverageSummary, opt importOptions) {
	fmt.Fprintf(w, "%s（%s）：%d 行，新增 %d，更新 %d，未变 %d，拒绝 %d（%d rows: added %d, updated %d, unchanged %d, rejected %d）\n",
		s.File, s.Kind, s.Rows, s.Added, s.Updated, s.Unchanged, len(s.Rejected), s.Rows, s.Added, s.Updated, s.Unchanged, len(s.Rejected))
	if len(s.Skipped) > 0 {
		reasons := make([]string, 0, len(s.Skipped))
		for r := range s.Skipped {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			fmt.Fprintf(w, "  跳过不可步行的道路 skipped (not walkable) %s: %d\n", printable(r), s.Skipped[r])
		}
	}
	if n := s.Network; n != nil {
		fmt.Fprintf(w, "  路网（合并容差 %g 米）：%d 个连通部分，最大部分占总长 %.1f%%；断头 %d 处，其中 %d 处距未连通的路不足 %g 米（见 /api/v1/network/gaps）\n",
			n.MergeToleranceM, n.Components, n.LargestShare*100, n.DeadEnds, n.NearGaps, n.NearGapM)
		fmt.Fprintf(w, "  network (merge tolerance %g m): %d connected parts, the largest %.1f%% of the length; %d dead ends, %d of them within %g m of a road they do not join (see /api/v1/network/gaps)\n",
			n.MergeToleranceM, n.Components, n.LargestShare*100, n.DeadEnds, n.NearGaps, n.NearGapM)
	}
	for _, r := range s.Rejected {
		fmt.Fprintf(w, "  第 %d 行 %s：%s（%s）\n", r.Line, printable(r.Name), printable(r.Reason), printable(r.ReasonEN))
	}
	switch {
	case opt.dryRun:
		fmt.Fprintln(w, "试运行：未写入任何数据 (dry run: nothing written)")
	case s.Written && s.Replace:
		fmt.Fprintln(w, "已在一个事务中写入，替换了原有数据 (written in one transaction, replacing what was there)")
	case s.Written:
		fmt.Fprintln(w, "已在一个事务中写入 (written in one transaction)")
	case len(s.Rejected) > 0 && !opt.skipInvalid:
		fmt.Fprintln(w, "有错误：未写入任何数据 (errors: nothing written)")
	default:
		fmt.Fprintln(w, "没有需要写入的变化 (nothing to write)")
	}
}
