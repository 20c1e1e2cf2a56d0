package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTable(t *testing.T) {
	in := `goos: linux
cpu: AMD EPYC
BenchmarkDivisionAt/diming-2     2000   2000 ns/op   285 B/op   0 allocs/op
BenchmarkDivisionAt/postgis-2    2000  60000 ns/op   403 B/op   5 allocs/op
BenchmarkDivisionAt/diming-2     2000   4000 ns/op   285 B/op   0 allocs/op
BenchmarkDivisionAt/postgis-2    2000  80000 ns/op   403 B/op   5 allocs/op
BenchmarkDivisionAt/diming-2     2000   3000 ns/op   285 B/op   0 allocs/op
BenchmarkDivisionAt/postgis-2    2000  90000 ns/op   403 B/op   5 allocs/op
BenchmarkSearch-2                100    1500000 ns/op
BenchmarkAutocomplete/diming-2   2000    9000 ns/op    2.1 build-s   714 heap-MB   10.5 p50-µs   30 p99-µs   120 B/op   3 allocs/op
BenchmarkAutocomplete/postgres-2  100  3000000 ns/op   97.5 agree-%   2900 p50-µs   11000 p99-µs
BenchmarkTileVillagesZ14Cold/diming-2   200  1200000 ns/op
BenchmarkTileVillagesZ14Cold/postgis-2  1600  150000 ns/op
PASS
`
	out := filepath.Join(t.TempDir(), "b.md")
	if err := run(strings.NewReader(in), out, "make bench"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	s := string(b)
	// Medians 3000 and 80000 ns: ratio 26.7.
	for _, want := range []string{"| DivisionAt | 3.00 µs | postgis | `ST_Intersects` per point on the GiST-indexed divisions | 80.00 µs | **26.7×** |  |",
		"| Autocomplete | 9.00 µs | postgres | btree `text_pattern_ops` prefixes; plans EXPLAINed, answers compared (agree-%) | 3.00 ms | **333.3×** | 10.50 µs / 30.00 µs · 2.90 ms / 11.00 ms |",
		"| TileVillagesZ14Cold | 1.20 ms | postgis | `ST_AsMVT(ST_AsMVTGeom(ST_Simplify(geom, tol)))` per call (diming: generalises the layer in the timer) | 150.00 µs | **0.1×** |  |", "| Search | 1.50 ms | – | – |  |", "| Autocomplete/diming | 9.00 µs | 120 | 3 | 2.1 build-s, 714 heap-MB, 10.5 p50-µs, 30 p99-µs |", "What each comparison runs", "AMD EPYC"} {
		if !strings.Contains(s, want) {
			t.Errorf("table lacks %q:\n%s", want, s)
		}
	}
	if err := run(strings.NewReader("PASS\n"), out, "x"); err == nil {
		t.Error("no results should be an error, not an empty table")
	}
}

func TestKeepsTheLoadSection(t *testing.T) {
	out := filepath.Join(t.TempDir(), "b.md")
	load := loadBegin + "\n## Load (`make load`)\n\n**21000 requests/s**\n" + loadEnd
	if err := os.WriteFile(out, []byte("# Benchmarks\n\nold table\n\n"+load+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(strings.NewReader("BenchmarkX-2  10  100 ns/op\n"), out, "make bench"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if s := string(b); !strings.Contains(s, load) || strings.Contains(s, "old table") || !strings.Contains(s, "| X | 100 ns |") {
		t.Errorf("rewritten file:\n%s", s)
	}
}
