// Package refdata finds the reference data tests read: the files the
// product ships (committed under the repository's testdata/shapingba, or
// embedded by demo and gazetteer) and the test-only files that may not ship
// (roads and navigation links without a licence, GCJ-02 and BD-09 inputs),
// which live beside the repository in ../shared/data and are absent from a
// plain clone.
//
// A test that needs a test-only file calls TestOnly: without the file the
// test skips with a message naming it, and under CI=true it fails, so CI
// cannot pass by skipping.
package refdata

import (
	"os"
	"path/filepath"
	"testing"
)

// Root is the repository's root: the nearest folder above the working
// directory (a package's folder, under go test) holding go.mod.
func Root(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("refdata: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			tb.Fatal("refdata: no go.mod above the working directory")
		}
		dir = up
	}
}

// Shipped is the path of a committed reference file, relative to the
// repository root (testdata/shapingba/buildings.osm.wgs84.geojson,
// demo/data/divisions.csv). A missing one fails the test: it is part of
// the repository.
func Shipped(tb testing.TB, rel string) string {
	tb.Helper()
	path := filepath.Join(Root(tb), filepath.FromSlash(rel))
	if _, err := os.Stat(path); err != nil {
		tb.Fatalf("refdata: the committed file %s is missing: %v", rel, err)
	}
	return path
}

// SharedDir is where the test-only reference data lives: ../shared/data
// beside the repository.
func SharedDir(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(filepath.Dir(Root(tb)), "shared", "data")
}

// TestOnly is the path of a test-only reference file under ../shared/data
// (rel: shapingba/roads.wgs84.geojson). Without it the test skips loudly,
// naming the file; under CI=true it fails.
func TestOnly(tb testing.TB, rel string) string {
	tb.Helper()
	path := filepath.Join(SharedDir(tb), filepath.FromSlash(rel))
	if _, err := os.Stat(path); err != nil {
		what := "test-only reference data ../shared/data/" + rel +
			" is not beside the repository (test-only data, or the source a committed copy is checked against: see ../shared/data/shapingba/README.md)"
		if os.Getenv("CI") == "true" {
			tb.Fatal("参考数据缺失 / MISSING: " + what + "; under CI=true missing reference data is a failure")
		}
		tb.Skip("参考数据缺失，测试被跳过 / SKIPPING: " + what)
	}
	return path
}
