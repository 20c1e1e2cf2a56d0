package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"diming"
	"diming/gazetteer"
	"diming/geo"
	"diming/store/gpkg"
)

// importDivisions imports division polygons from GeoJSON or a GeoPackage's
// first feature table. See importDivisionsLayer.
func importDivisions(ctx context.Context, st *storeHandle, file string, crs geo.CRS, opt importOptions, stderr io.Writer) (importSummary, error) {
	return importDivisionsLayer(ctx, st, file, "", crs, opt, stderr)
}

// importDivisionsLayer reads divisions from a .geojson/.json file or from
// the feature table layer ("" for the first) of a .gpkg file, plans them
// against every stored division and, unless it is a dry run or something
// is rejected without --skip-invalid, writes the added and updated ones in
// one transaction. Every repair is printed to stderr.
func importDivisionsLayer(ctx context.Context, st *storeHandle, file, layer string, crs geo.CRS, opt importOptions, stderr io.Writer) (importSummary, error) {
	sum := importSummary{File: file, Rejected: []gazetteer.RowError{}}
	info, err := os.Stat(file)
	if err != nil {
		return sum, diming.Wrap(err, diming.EINVALID, "无法读取文件 %s", "cannot read file %s", file)
	}
	if !info.Mode().IsRegular() || info.Size() > gazetteer.MaxImportBytes {
		return sum, diming.Errorf(diming.ETOOLARGE, "%s 不是文件或超过 %d MB", "%s is not a file or is larger than %d MB", file, gazetteer.MaxImportBytes>>20)
	}
	rows, err := readDivisionRows(ctx, file, layer, crs, stderr)
	if err != nil {
		return sum, err
	}
	existing, err := st.Divisions(ctx, gazetteer.DivisionFilter{})
	if err != nil {
		return sum, err
	}
	plan := gazetteer.PlanDivisionImport(rows, existing)
	sum.Added, sum.Updated, sum.Unchanged, sum.Rejected = len(plan.Add), len(plan.Update), plan.Unchanged, plan.Rejected
	sum.Repairs = plan.Repairs
	printRepairs(stderr, plan.Repairs)
	if opt.dryRun || (len(plan.Rejected) > 0 && !opt.skipInvalid) || len(plan.Add)+len(plan.Update) == 0 {
		return sum, nil
	}
	bar := newProgressBar(stderr, "写入行政区划 writing divisions")
	wctx := gazetteer.WithProgress(ctx, bar.set)
	if err := st.PutDivisions(wctx, diming.Actor(opt.actor), append(plan.Add, plan.Update...)); err != nil {
		bar.done(false)
		return sum, err
	}
	bar.done(true)
	sum.Written = true
	return sum, nil
}

// readDivisionRows parses the file by its extension.
func readDivisionRows(ctx context.Context, file, layer string, crs geo.CRS, stderr io.Writer) ([]gazetteer.DivisionRow, error) {
	switch ext := strings.ToLower(filepath.Ext(file)); ext {
	case ".geojson", ".json":
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, diming.Wrap(err, diming.EINVALID, "无法读取文件 %s", "cannot read file %s", file)
		}
		return gazetteer.ParseDivisionsGeoJSON(data, crs)
	case ".gpkg":
		l, err := gpkg.ReadLayer(ctx, file, layer)
		if err != nil {
			return nil, err
		}
		if len(l.Tables) > 1 {
			fmt.Fprintf(stderr, "读取要素表 %s（文件中共有：%s）/ reading feature table %s (the file has: %s)\n",
				l.Table, strings.Join(l.Tables, ", "), l.Table, strings.Join(l.Tables, ", "))
		}
		if err := checkGPKGSRS(l.SRS, crs); err != nil {
			return nil, err
		}
		return gazetteer.ParseDivisionFeatures(gpkgFeatures(l), crs), nil
	}
	return nil, diming.Errorf(diming.EINVALID, "不支持的文件类型 %q：请用 .geojson 或 .gpkg（Shapefile 可先用 ogr2ogr 转换）",
		"unsupported file type %q: use .geojson or .gpkg (convert a Shapefile with ogr2ogr first)", filepath.Ext(file))
}

// gpkgFeatures hands GeoPackage rows to the gazetteer, numbered by fid.
func gpkgFeatures(l *gpkg.Layer) []gazetteer.SourceFeature {
	out := make([]gazetteer.SourceFeature, len(l.Features))
	for i, f := range l.Features {
		out[i] = gazetteer.SourceFeature{Line: int(f.FID), Properties: f.Properties, Geometry: f.Geometry, Err: f.Err}
	}
	return out
}

// checkGPKGSRS accepts a table in EPSG:4326 or EPSG:4490 (or the undefined
// geographic SRS 0) read as wgs84 or cgcs2000. With --crs gcj02 or bd09 the
// caller says what the coordinates are, and the label (usually 4326, as
// QGIS writes obfuscated data) is not checked.
func checkGPKGSRS(s gpkg.SRS, crs geo.CRS) error {
	if crs == geo.GCJ02 || crs == geo.BD09 {
		return nil
	}
	if e := s.EPSG(); e == 4326 || e == 4490 || s.ID == 0 {
		return nil
	}
	return diming.Errorf(diming.EINVALID,
		"GeoPackage 的坐标系为 %s（%s:%d），不是经纬度 EPSG:4326/4490；请先转换：ogr2ogr -t_srs EPSG:4326 -f GPKG out.gpkg in.gpkg",
		"the GeoPackage's SRS is %s (%s:%d), not lon/lat EPSG:4326/4490; reproject first: ogr2ogr -t_srs EPSG:4326 -f GPKG out.gpkg in.gpkg",
		s.Name, s.Organization, s.OrganizationID)
}

func printRepairs(w io.Writer, rs []gazetteer.Repair) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(w, "修复了 %d 处几何问题 (%d geometry repairs):\n", len(rs), len(rs))
	for _, r := range rs {
		fmt.Fprintf(w, "  第 %d 个要素 %s：%s，位于 %.7f, %.7f（%s）\n", r.Line, r.Code, r.What, r.Where[0], r.Where[1], r.WhatEN)
	}
}
