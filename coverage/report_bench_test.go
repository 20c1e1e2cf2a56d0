package coverage

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"diming/gazetteer"
	"diming/geo"
)

// districtCase is the district-sized case the issue sets: a 16 km street
// lattice of 100 m blocks (160 × 160 crossings, 50,880 edges), 200,000
// household points and 200 community eldercare facilities at random, in
// 100 village-level units of 1.6 km squares under one township.
type districtCase struct {
	model      *Model
	build      time.Duration
	facilities []Facility
	queries    []orb.Point
}

var (
	districtOnce sync.Once
	district     *districtCase
)

func districtModel(tb testing.TB) *districtCase {
	tb.Helper()
	districtOnce.Do(func() {
		rng := rand.New(rand.NewPCG(2026, 11))
		proj := geo.NewLocalProjection(reportOrigin)
		const half = 7950.0
		rect := func(x0, y0, x1, y1 float64) orb.MultiPolygon {
			ring := orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
			for i, p := range ring {
				ring[i] = proj.Inverse(p)
			}
			return orb.MultiPolygon{{ring}}
		}
		ds := []gazetteer.Division{
			{Code: codeDistrict, Name: "测试区", Level: gazetteer.LevelDistrict, ParentCode: "500100000000", Geometry: rect(-8000, -8000, 8000, 8000)},
			{Code: codeT1, Name: "测试街道", Level: gazetteer.LevelTownship, ParentCode: codeDistrict, Geometry: rect(-8000, -8000, 8000, 8000)},
		}
		for i := range 10 {
			for j := range 10 {
				x0, y0 := -8000+float64(i)*1600, -8000+float64(j)*1600
				ds = append(ds, gazetteer.Division{Code: fmt.Sprintf("500106001%03d", i*10+j+1), Name: fmt.Sprintf("第%d社区居民委员会", i*10+j+1),
					Level: gazetteer.LevelVillage, ParentCode: codeT1, Geometry: rect(x0, y0, x0+1600, y0+1600)})
			}
		}
		at := func() orb.Point {
			return proj.Inverse(orb.Point{(rng.Float64()*2 - 1) * half, (rng.Float64()*2 - 1) * half})
		}
		dc := &districtCase{}
		for i := range 200 {
			dc.facilities = append(dc.facilities, Facility{ID: int64(i + 1), Name: fmt.Sprintf("站%d", i), Category: CommunityEldercareStation, Point: at(), Status: StatusOpen})
		}
		hs := make([]HouseholdPoint, 200_000)
		for i := range hs {
			hs[i] = HouseholdPoint{ID: int64(i + 1), Point: at(), Households: 1 + rng.IntN(60), Residents: 3, Aged60: 1}
		}
		for range 4096 {
			dc.queries = append(dc.queries, at())
		}
		g, err := NewWalkingGraph(gridRoads(160, 160, 100, reportOrigin), GraphOptions{})
		if err != nil {
			panic(err)
		}
		start := time.Now()
		dc.model = NewModel(Data{Version: 1, Divisions: gazetteer.NewDivisionIndex(ds), Facilities: dc.facilities, Households: hs, Graph: g})
		dc.build = time.Since(start)
		district = dc
	})
	if district.model.Graph.NumEdges() < 50_000 {
		tb.Fatalf("the case has %d edges, want ≥ 50,000", district.model.Graph.NumEdges())
	}
	return district
}

// BenchmarkEldercareReport is the whole eldercare report (search from 200
// facilities, 200,000 household walks, per-unit rows, the uncovered list)
// on the district-sized case; the budget is 200 ms.
func BenchmarkEldercareReport(b *testing.B) {
	dc := districtModel(b)
	p := EldercareParams{Walk: DefaultEldercareWalk}
	b.ReportAllocs()
	var worst time.Duration
	var r *EldercareReport
	for b.Loop() {
		t0 := time.Now()
		r = dc.model.eldercare(p)
		worst = max(worst, time.Since(t0))
	}
	if r.Households.Covered+r.Households.Uncovered != r.Households.Total || r.Households.Covered == 0 {
		b.Fatalf("report does not add up: %+v", r.Households)
	}
	if worst > 200*time.Millisecond {
		b.Logf("WARNING: slowest report %v, over the 200 ms budget (a busy machine?)", worst)
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
	b.ReportMetric(dc.build.Seconds(), "model-build-s")
	b.ReportMetric(r.Households.Share*100, "covered-%")
}
