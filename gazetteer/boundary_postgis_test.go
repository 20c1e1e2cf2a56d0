package gazetteer_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"diming/gazetteer"
	"diming/internal/pgtest"
	"diming/store/postgis"
)

// loadPostGIS stores ds in a fresh PostGIS database and returns its pool.
func loadPostGIS(tb testing.TB, ds []gazetteer.Division) *pgxpool.Pool {
	tb.Helper()
	ctx := context.Background()
	st, err := postgis.Open(ctx, postgis.Config{URL: pgtest.NewDatabase(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.PutDivisions(ctx, "test", ds); err != nil {
		tb.Fatal(err)
	}
	return st.Pool()
}

// The SQL the engine is compared with: overlaps of units of a level, gaps of
// each parent against the union of its children, children outside their
// parent, and the lengths of the shared boundaries.
const (
	sqlOverlaps = `SELECT a.code, b.code, ST_Area(ST_Intersection(a.geom, b.geom)::geography)
		FROM divisions a JOIN divisions b ON a.level = b.level AND a.code < b.code AND a.geom && b.geom
		WHERE a.level = $1 AND ST_Intersects(a.geom, b.geom)`
	sqlGaps = `SELECT p.code, ST_Area(ST_Difference(p.geom, ST_Union(c.geom))::geography)
		FROM divisions p JOIN divisions c ON c.parent_code = p.code AND c.level = $1
		GROUP BY p.code, p.geom`
	sqlOutside = `SELECT c.code, ST_Area(ST_Difference(c.geom, p.geom)::geography)
		FROM divisions c JOIN divisions p ON p.code = c.parent_code WHERE c.level = $1`
	sqlLines = `SELECT a.code, b.code, ST_Length(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom))::geography)
		FROM divisions a JOIN divisions b ON a.level = b.level AND a.code < b.code AND a.geom && b.geom
		WHERE a.level = $1 AND ST_Intersects(a.geom, b.geom)`
	sqlOutline = `SELECT code, ST_Perimeter(geom::geography) FROM divisions WHERE level = 'district'`
)

// pgValues runs a query returning (code, [code,] value) rows and keeps the
// values of at least min, keyed by "code|code" or "code".
func pgValues(tb testing.TB, pool *pgxpool.Pool, sql string, level gazetteer.Level, min float64) map[string]float64 {
	tb.Helper()
	var args []any
	if strings.Contains(sql, "$1") {
		args = append(args, string(level))
	}
	rows, err := pool.Query(context.Background(), sql, args...)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	out := map[string]float64{}
	n := len(rows.FieldDescriptions())
	for rows.Next() {
		var a, b string
		var v float64
		dest := []any{&a, &b, &v}
		if n == 2 {
			dest = []any{&a, &v}
		}
		if err := rows.Scan(dest...); err != nil {
			tb.Fatal(err)
		}
		if v < min {
			continue
		}
		key := strings.TrimSpace(a)
		if n == 3 {
			key += "|" + strings.TrimSpace(b)
		}
		out[key] = v
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

func compareValues(t *testing.T, what string, got, want map[string]float64, rel float64) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s %s: PostGIS %.3f, diming has none", what, k, w)
			continue
		}
		if math.Abs(g-w) > rel*w {
			t.Errorf("%s %s: diming %.3f, PostGIS %.3f (%.2e)", what, k, g, w, math.Abs(g-w)/w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s %s: diming %.3f, PostGIS has none", what, k, g)
		}
	}
}

// TestBoundaryAgreesWithPostGIS compares the topology report and the lines
// on the broken dataset with ST_Intersection / ST_Difference / ST_Union on the
// same rows: areas and lengths within 0.1 %.
func TestBoundaryAgreesWithPostGIS(t *testing.T) {
	b := newBrokenDataset(t)
	pool := loadPostGIS(t, b.ds)
	const sliver = 1.0
	for _, level := range []gazetteer.Level{gazetteer.LevelTownship, gazetteer.LevelVillage} {
		t.Run(string(level), func(t *testing.T) {
			rep, err := gazetteer.CheckTopology(b.ds, level, gazetteer.TopologyConfig{SliverM2: sliver})
			if err != nil {
				t.Fatal(err)
			}
			overlaps, gaps, outside := map[string]float64{}, map[string]float64{}, map[string]float64{}
			for _, o := range rep.Overlaps {
				overlaps[o.A+"|"+o.B] = o.AreaM2
			}
			for _, g := range rep.Gaps {
				gaps[g.ParentCode] = g.AreaM2
			}
			for _, o := range rep.Outside {
				outside[o.Code] = o.AreaM2
			}
			compareValues(t, "overlap", overlaps, pgValues(t, pool, sqlOverlaps, level, sliver), 1e-3)
			compareValues(t, "gap", gaps, pgValues(t, pool, sqlGaps, level, sliver), 1e-3)
			compareValues(t, "outside", outside, pgValues(t, pool, sqlOutside, level, sliver), 1e-3)
			if len(overlaps)+len(gaps)+len(outside) == 0 {
				t.Fatal("the broken dataset shows no fault")
			}

			lines := map[string]float64{}
			for _, l := range gazetteer.DeriveBoundaryLines(b.ds, level) {
				if l.RightCode != "" {
					lines[l.ID] = l.LengthM
				}
			}
			compareValues(t, "line", lines, pgValues(t, pool, sqlLines, level, 1e-6), 1e-3)
			t.Logf("%s: %d overlaps, %d gaps, %d outside, %d lines agree with PostGIS", level,
				len(overlaps), len(gaps), len(outside), len(lines))
		})
	}
	t.Run("outline", func(t *testing.T) {
		want := pgValues(t, pool, sqlOutline, "", 0)
		got := map[string]float64{}
		for _, l := range gazetteer.DeriveBoundaryLines(b.ds, gazetteer.LevelDistrict) {
			got[l.LeftCode] = l.LengthM
		}
		compareValues(t, "outline", got, want, 1e-3)
	})
}

// sqlAllLevel is the whole computation of BenchmarkBoundaryTopology/diming
// for one level in SQL: the merged shared lines with their lengths, the outer
// lines, overlaps, gaps and outside parts.
const sqlAllLevel = `
WITH u AS (SELECT code, geom, ST_Boundary(geom) AS b FROM divisions WHERE level = $1),
pairs AS (
	SELECT a.code AS a, b.code AS b, ST_LineMerge(ST_CollectionExtract(ST_Intersection(a.b, b.b), 2)) AS g
	FROM u a JOIN u b ON a.code < b.code AND a.geom && b.geom AND ST_Intersects(a.geom, b.geom)),
lines AS (SELECT a, b, g, ST_Length(g::geography) AS len FROM pairs WHERE NOT ST_IsEmpty(g)),
ends AS (SELECT a AS code, g FROM lines UNION ALL SELECT b, g FROM lines),
outer_lines AS (
	SELECT u.code, ST_LineMerge(ST_CollectionExtract(ST_Difference(u.b, coalesce(ST_Union(e.g), 'SRID=4326;GEOMETRYCOLLECTION EMPTY'::geometry)), 2)) AS g
	FROM u LEFT JOIN ends e ON e.code = u.code GROUP BY u.code, u.b),
ov AS (
	SELECT a.code, b.code, ST_Area(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3)::geography) AS area
	FROM u a JOIN u b ON a.code < b.code AND a.geom && b.geom AND ST_Intersects(a.geom, b.geom)),
gp AS (
	SELECT p.code, ST_Area(ST_Difference(p.geom, ST_Union(c.geom))::geography) AS area
	FROM divisions p JOIN divisions c ON c.parent_code = p.code AND c.level = $1 GROUP BY p.code, p.geom),
os AS (
	SELECT c.code, ST_Area(ST_Difference(c.geom, p.geom)::geography) AS area
	FROM divisions c JOIN divisions p ON p.code = c.parent_code WHERE c.level = $1)
SELECT (SELECT count(*) FROM lines) + (SELECT count(*) FROM outer_lines WHERE NOT ST_IsEmpty(g)),
	(SELECT coalesce(sum(len), 0) FROM lines) + (SELECT coalesce(sum(ST_Length(g::geography)), 0) FROM outer_lines),
	(SELECT count(*) FROM ov WHERE area >= 1),
	(SELECT count(*) FROM gp WHERE area >= 1),
	(SELECT count(*) FROM os WHERE area >= 1)`

// runPostGISAll runs sqlAllLevel for the district, township and village
// levels and returns a summary line per level.
func runPostGISAll(tb testing.TB, pool *pgxpool.Pool) []string {
	var out []string
	for _, level := range gazetteer.Levels {
		var lines, overlaps, gaps, outside int
		var length float64
		if err := pool.QueryRow(context.Background(), sqlAllLevel, string(level)).
			Scan(&lines, &length, &overlaps, &gaps, &outside); err != nil {
			tb.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s: %d lines %.0f m, %d overlaps, %d gaps, %d outside",
			level, lines, length, overlaps, gaps, outside))
	}
	return out
}

// TestPostGISBenchQuery checks that the benchmark's SQL computes the same
// thing as the engine on the demo: as many lines of the same total length,
// and no faults.
func TestPostGISBenchQuery(t *testing.T) {
	ds := demoDivisions(t)
	pool := loadPostGIS(t, ds)
	got := runPostGISAll(t, pool)
	for k, level := range gazetteer.Levels {
		lines := gazetteer.DeriveBoundaryLines(ds, level)
		total := 0.0
		for _, l := range lines {
			total += l.LengthM
		}
		want := fmt.Sprintf("%s: %d lines %.0f m, 0 overlaps, 0 gaps, 0 outside", level, len(lines), total)
		if got[k] != want {
			// Lengths may differ in the last metre; compare the rest exactly.
			var n, o, g, x int
			var length float64
			fmt.Sscanf(strings.TrimPrefix(got[k], string(level)+": "), "%d lines %f m, %d overlaps, %d gaps, %d outside", &n, &length, &o, &g, &x)
			if n != len(lines) || math.Abs(length-total) > 1e-3*total || o+g+x != 0 {
				t.Errorf("PostGIS %q, diming %q", got[k], want)
			}
		}
		t.Log(got[k])
	}
}
