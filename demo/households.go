package demo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"diming/coverage"
	"diming/gazetteer"
)

// Households returns where the households of every village-level unit
// live: points that add up exactly to each unit's Households, Population
// (as Residents) and Population60 (as Aged60). Residential OpenStreetMap
// buildings inside a unit take households in proportion to their footprint
// (at most 200 a building in a 社区, 30 in a 村, and together at most 60 % of
// the unit), with Source "osm:<osm_id>"; the rest live at synthetic points
// 10–60 m off a road of Roads, 30–200 households a point in a 社区 and 3–15
// in a 村, with Source "synthetic". Every point is Synthetic (its figures
// are); IDs are left for the store. The same divisions give the same
// points; the result is a copy. See data/coverage-synthetic.md.
func Households(ds []gazetteer.Division) ([]coverage.HouseholdPoint, error) {
	set, err := coverageData(ds)
	if err != nil {
		return nil, err
	}
	return append([]coverage.HouseholdPoint(nil), set.households...), nil
}

//go:embed data/osm-buildings.csv
var osmFootprintsCSV []byte

// footprint is a row of osm-buildings.csv: an OSM building with its
// building=* value, whether it has a name, its footprint area and a point
// inside it.
type footprint struct {
	id, kind string
	named    bool
	area     float64
	p        orb.Point
}

func readFootprints() ([]footprint, error) {
	rows, err := csv.NewReader(bytes.NewReader(osmFootprintsCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("demo: reading osm-buildings.csv: %w", err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "osm_id,building,named,area_m2,lon,lat" {
		return nil, fmt.Errorf("demo: osm-buildings.csv has an unexpected header")
	}
	out := make([]footprint, 0, len(rows)-1)
	for i, r := range rows[1:] {
		area, err1 := strconv.ParseFloat(r[3], 64)
		lon, err2 := strconv.ParseFloat(r[4], 64)
		lat, err3 := strconv.ParseFloat(r[5], 64)
		if err1 != nil || err2 != nil || err3 != nil || (r[2] != "0" && r[2] != "1") {
			return nil, fmt.Errorf("demo: osm-buildings.csv line %d is malformed", i+2)
		}
		out = append(out, footprint{id: r[0], kind: r[1], named: r[2] == "1", area: area, p: roundPoint(orb.Point{lon, lat})})
	}
	return out, nil
}

// residentialKinds are the building=* values people live in. Buildings
// without a value count when they have no name (named ones are libraries,
// canteens, halls …) and a footprint of 40–5,000 m².
var residentialKinds = map[string]bool{
	"residential": true, "apartments": true, "dormitory": true, "house": true, "detached": true,
	"commercial;residenti": true, // truncated by the shapefile's 20-character field
}

func (f footprint) residential() bool {
	return residentialKinds[f.kind] || (f.kind == "" && !f.named && f.area >= 40 && f.area <= 5000)
}

// Household parameters.
const (
	buildingShare     = 0.6 // at most this share of a unit's households live in OSM buildings
	footprintPerHouse = 8.0 // m² of footprint per household a building can hold (≈ 11 floors of 90 m²)
)

// pointSize is the range of households at a synthetic point and the
// cap of households in a building, for a 社区 or a 村.
func pointSize(village bool) (lo, hi, buildingCap float64) {
	if village {
		return 3, 15, 30
	}
	return 30, 200, 200
}

func buildHouseholds(w *covWorld) ([]coverage.HouseholdPoint, []string, error) {
	fps, err := readFootprints()
	if err != nil {
		return nil, nil, err
	}
	byVillage := make([][]footprint, len(w.villages))
	for _, f := range fps {
		if !f.residential() {
			continue
		}
		p := w.proj.Forward(f.p)
		if v := w.villageAt(p); v >= 0 && insideWith(w.villages[v].xy, p, 1) {
			byVillage[v] = append(byVillage[v], f)
		}
	}
	var out []coverage.HouseholdPoint
	var codes []string
	for v, vu := range w.villages {
		pts, err := villageHouseholds(w, v, byVillage[v])
		if err != nil {
			return nil, nil, err
		}
		out = append(out, pts...)
		for range pts {
			codes = append(codes, vu.d.Code)
		}
	}
	return out, codes, nil
}

// villageHouseholds makes the points of one village-level unit.
func villageHouseholds(w *covWorld, v int, bs []footprint) ([]coverage.HouseholdPoint, error) {
	vu := w.villages[v]
	d := vu.d
	if d.Households <= 0 {
		return nil, nil
	}
	r := rng("households/" + d.Code)
	lo, hi, bcap := pointSize(vu.village)

	// Buildings: households by footprint, capped per building.
	weights := make([]float64, len(bs))
	caps := make([]int, len(bs))
	capTotal := 0
	for i, b := range bs {
		weights[i] = b.area
		caps[i] = int(min(bcap, max(1, math.Floor(b.area/footprintPerHouse))))
		capTotal += caps[i]
	}
	inBuildings := min(capTotal, int(math.Floor(buildingShare*float64(d.Households))))
	bh := cappedSplit(inBuildings, weights, caps)
	var pts []coverage.HouseholdPoint
	for i, b := range bs {
		if bh[i] > 0 {
			pts = append(pts, coverage.HouseholdPoint{Point: b.p, Households: bh[i], Source: "osm:" + b.id, Synthetic: true})
		}
	}

	// Synthetic points off the roads for the rest.
	rest := d.Households - inBuildings
	if rest > 0 {
		n := max(1, int(math.Round(float64(rest)/((lo+hi)/2))))
		n = min(n, rest)
		sizes := make([]float64, n)
		for i := range sizes {
			sizes[i] = lo + (hi-lo)*(r.Float64()+r.Float64())/2
		}
		for _, h := range largestRemainder(rest, sizes) {
			p, ok := w.nearRoad(r, vu.segs, vu.xy, [2]float64{10, 60})
			if !ok {
				return nil, fmt.Errorf("demo: households: no place near a road in %s %s", d.Code, d.Name)
			}
			pts = append(pts, coverage.HouseholdPoint{Point: w.lonLat(p), Households: h, Source: "synthetic", Synthetic: true})
		}
	}

	// Residents and people aged 60+ follow the households, varied a little
	// from point to point.
	rw := make([]float64, len(pts))
	aw := make([]float64, len(pts))
	hw := make([]float64, len(pts))
	for i, p := range pts {
		hw[i] = float64(p.Households)
		rw[i] = hw[i] * (0.9 + 0.2*r.Float64())
		aw[i] = hw[i] * (0.7 + 0.6*r.Float64())
	}
	res, old := largestRemainder(d.Population, rw), largestRemainder(d.Population60, aw)
	if !plausiblePoints(pts, res, old) {
		res, old = largestRemainder(d.Population, hw), largestRemainder(d.Population60, hw)
		if !plausiblePoints(pts, res, old) {
			return nil, fmt.Errorf("demo: households: cannot split the figures of %s %s", d.Code, d.Name)
		}
	}
	for i := range pts {
		pts[i].Residents, pts[i].Aged60 = res[i], old[i]
	}
	return pts, nil
}

// plausiblePoints says whether every point has at least one resident per
// household and no more people aged 60+ than residents.
func plausiblePoints(pts []coverage.HouseholdPoint, res, old []int) bool {
	for i, p := range pts {
		if res[i] < p.Households || old[i] > res[i] || old[i] < 0 {
			return false
		}
	}
	return true
}

// cappedSplit splits total into integers proportional to weights, none
// above its cap (the share of a capped item goes to the others); total must
// not exceed the sum of the caps.
func cappedSplit(total int, weights []float64, caps []int) []int {
	out := make([]int, len(weights))
	fixed := make([]bool, len(weights))
	left := total
	for {
		var idx []int
		var ws []float64
		for i, w := range weights {
			if !fixed[i] {
				idx = append(idx, i)
				ws = append(ws, w)
			}
		}
		if len(idx) == 0 || left <= 0 {
			return out
		}
		var sum float64
		for _, w := range ws {
			sum += w
		}
		over := false
		for _, i := range idx {
			if float64(left)*weights[i]/sum >= float64(caps[i]) {
				out[i], fixed[i] = caps[i], true
				left -= caps[i]
				over = true
			}
		}
		if over {
			continue
		}
		for k, n := range largestRemainder(left, ws) {
			out[idx[k]] = n
		}
		return out
	}
}
