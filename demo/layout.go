package demo

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"diming/geo"
)

// townSeeds are the approximate centres (lon, lat, WGS84) from which the
// township-level polygons are grown. They are plausible, not surveyed: the
// urban 街道 crowd the east along the Jialing river, the university-town 街道
// lie west of the Zhongliang mountains, the five 镇 spread over the rural
// west and north.
var townSeeds = map[string]orb.Point{
	"500106001000": {106.4600, 29.5525}, // 小龙坎街道
	"500106002000": {106.4610, 29.5640}, // 沙坪坝街道
	"500106003000": {106.4470, 29.5680}, // 渝碚路街道
	"500106004000": {106.4440, 29.5820}, // 磁器口街道
	"500106005000": {106.4380, 29.5960}, // 童家桥街道
	"500106006000": {106.4450, 29.6100}, // 石井坡街道
	"500106007000": {106.4380, 29.6250}, // 双碑街道
	"500106008000": {106.4300, 29.6480}, // 井口街道
	"500106009000": {106.4000, 29.5950}, // 歌乐山街道
	"500106010000": {106.3850, 29.5530}, // 山洞街道
	"500106011000": {106.4360, 29.5380}, // 新桥街道
	"500106012000": {106.4480, 29.5510}, // 天星桥街道
	"500106013000": {106.4740, 29.5530}, // 土湾街道
	"500106014000": {106.4240, 29.5610}, // 覃家岗街道
	"500106015000": {106.3380, 29.6320}, // 陈家桥街道
	"500106016000": {106.3000, 29.6050}, // 虎溪街道
	"500106017000": {106.3280, 29.5850}, // 西永街道
	"500106018000": {106.4240, 29.5150}, // 联芳街道
	"500106019000": {106.3100, 29.5560}, // 丰文街道
	"500106020000": {106.3600, 29.6050}, // 香炉山街道
	"500106021000": {106.3620, 29.6650}, // 土主街道
	"500106104000": {106.3200, 29.7150}, // 青木关镇
	"500106105000": {106.2950, 29.6800}, // 凤凰镇
	"500106106000": {106.2880, 29.6330}, // 回龙坝镇
	"500106108000": {106.2650, 29.5580}, // 曾家镇
	"500106112000": {106.4050, 29.7050}, // 中梁镇
}

// Rounding of the published coordinates (degrees, about a centimetre) and
// the tolerance under which a vertex counts as lying on another shape's edge.
const (
	coordStep = 1e-7
	nodeTol   = 1e-9
)

// buildShapes returns the polygon of every division by code.
func buildShapes(outline orb.Polygon, towns []record, villages map[string][]record) (map[string]orb.MultiPolygon, error) {
	district := geo.RoundMultiPolygon(orb.MultiPolygon{outline}, coordStep)
	if err := geo.ValidateMultiPolygon(district); err != nil {
		return nil, fmt.Errorf("demo: the district outline is invalid: %w", err)
	}
	c := district.Bound().Center()
	proj := geo.NewLocalProjection(c)
	districtXY := proj.ForwardMultiPolygon(district)

	seeds := make([]orb.Point, len(towns))
	for i, t := range towns {
		p, ok := townSeeds[t.Code]
		if !ok {
			return nil, fmt.Errorf("demo: no seed for township %s %s", t.Code, t.Name)
		}
		seeds[i] = proj.Forward(p)
	}
	townXY, err := geo.VoronoiPartition(districtXY, seeds)
	if err != nil {
		return nil, fmt.Errorf("demo: partitioning the district: %w", err)
	}

	// Villages of each township, computed concurrently (each township is
	// independent and deterministic on its own).
	villageXY := make([][]orb.MultiPolygon, len(towns))
	errs := make([]error, len(towns))
	sem := make(chan struct{}, 4)
	done := make(chan struct{})
	for i := range towns {
		go func(i int) {
			sem <- struct{}{}
			defer func() { <-sem; done <- struct{}{} }()
			villageXY[i], errs[i] = partitionTown(towns[i], villages[towns[i].Code], townXY[i], seeds[i])
		}(i)
	}
	for range towns {
		<-done
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}

	// Back to lon, lat; the district keeps its own (real) vertices.
	codes := []string{towns[0].ParentCode}
	shapes := []orb.MultiPolygon{district}
	for i, t := range towns {
		codes = append(codes, t.Code)
		shapes = append(shapes, proj.InverseMultiPolygon(townXY[i]))
		for k, v := range villages[t.Code] {
			codes = append(codes, v.Code)
			shapes = append(shapes, proj.InverseMultiPolygon(villageXY[i][k]))
		}
	}
	// Insert each shape's vertices where they lie on another shape's edge,
	// then round: shared boundaries stay shared. If rounding broke any shape,
	// publish the unrounded (noded) shapes instead.
	noded := geo.NodeShared(shapes, nodeTol)
	final := make([]orb.MultiPolygon, len(noded))
	for i, mp := range noded {
		final[i] = geo.RoundMultiPolygon(mp, coordStep)
		if geo.ValidateMultiPolygon(final[i]) != nil {
			final = noded
			break
		}
	}
	out := make(map[string]orb.MultiPolygon, len(codes))
	for i, code := range codes {
		out[code] = final[i]
	}
	return out, nil
}

// rng returns a generator seeded by a fixed key, so that every unit's random
// choices depend only on its code and purpose.
func rng(key string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(key))
	return rand.New(rand.NewPCG(h.Sum64(), 0x5a5042_2023))
}

// partitionTown divides a township (planar metres) among its village-level
// units and returns their polygons in the order of vs.
//
// Seeds come from a weighted centroidal Voronoi tessellation: a jittered grid
// of sample points inside the township, weighted by a density that peaks at
// the township's centre (its seed), is clustered by Lloyd's algorithm from
// well-spaced random starting points. Dense places get small cells; the
// densest seeds become the 社区, the others the 村.
func partitionTown(t record, vs []record, town orb.MultiPolygon, centre orb.Point) ([]orb.MultiPolygon, error) {
	n := len(vs)
	if n == 0 {
		return nil, nil
	}
	if n == 1 {
		return []orb.MultiPolygon{town}, nil
	}
	r := rng("villages/" + t.Code)
	area := planar.Area(town)
	scale := math.Sqrt(area)

	nVillage := 0
	for _, v := range vs {
		if isVillage(v.Name) {
			nVillage++
		}
	}
	// Density: a peak at the centre, stronger where 社区 and 村 mix (the
	// 社区 are the built-up core), and a second, weaker random peak.
	peak, sigma := 4.0, 0.3*scale
	if nVillage > 0 && nVillage < n {
		peak, sigma = 30.0, 0.18*scale
	} else if nVillage == n {
		peak, sigma = 2.0, 0.3*scale
	}
	b := town.Bound()
	second := orb.Point{b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1])}
	density := func(p orb.Point) float64 {
		d1 := sq(p[0]-centre[0]) + sq(p[1]-centre[1])
		d2 := sq(p[0]-second[0]) + sq(p[1]-second[1])
		return 1 + peak*math.Exp(-d1/(2*sigma*sigma)) + 1.5*math.Exp(-d2/(2*sq(0.25*scale)))
	}

	// Samples on a jittered grid, about 4000 inside the township.
	step := math.Sqrt(area / 4000)
	var pts []orb.Point
	var w []float64
	for y := b.Min[1] + step/2; y < b.Max[1]; y += step {
		for x := b.Min[0] + step/2; x < b.Max[0]; x += step {
			p := orb.Point{x + (r.Float64()-0.5)*0.8*step, y + (r.Float64()-0.5)*0.8*step}
			if planar.MultiPolygonContains(town, p) {
				pts = append(pts, p)
				w = append(w, density(p))
			}
		}
	}
	if len(pts) < 20*n {
		return nil, fmt.Errorf("demo: township %s is too small to sample", t.Code)
	}

	// Starting seeds: random samples (by weight) at least minGap apart,
	// the gap shrinking when no place is left.
	var total float64
	for _, x := range w {
		total += x
	}
	pick := func() orb.Point {
		u := r.Float64() * total
		for i, x := range w {
			u -= x
			if u <= 0 {
				return pts[i]
			}
		}
		return pts[len(pts)-1]
	}
	minGap := 0.5 * scale / math.Sqrt(float64(n))
	seeds := make([]orb.Point, 0, n)
	for tries := 0; len(seeds) < n; tries++ {
		if tries > 0 && tries%200 == 0 {
			minGap *= 0.8
		}
		p := pick()
		ok := true
		for _, s := range seeds {
			if planar.Distance(p, s) < minGap {
				ok = false
				break
			}
		}
		if ok {
			seeds = append(seeds, p)
		}
	}

	// Lloyd iterations on the weighted samples.
	assign := make([]int, len(pts))
	for it := 0; it < 30; it++ {
		sx := make([]float64, n)
		sy := make([]float64, n)
		sw := make([]float64, n)
		for i, p := range pts {
			best, bd := 0, math.Inf(1)
			for k, s := range seeds {
				if d := sq(p[0]-s[0]) + sq(p[1]-s[1]); d < bd {
					best, bd = k, d
				}
			}
			assign[i] = best
			sx[best] += w[i] * p[0]
			sy[best] += w[i] * p[1]
			sw[best] += w[i]
		}
		for k := range seeds {
			if sw[k] == 0 {
				continue
			}
			c := orb.Point{sx[k] / sw[k], sy[k] / sw[k]}
			if !planar.MultiPolygonContains(town, c) {
				// Non-convex township: the nearest of the cell's own samples.
				bd := math.Inf(1)
				for i, p := range pts {
					if assign[i] == k {
						if d := planar.DistanceSquared(p, c); d < bd {
							bd, c = d, p
						}
					}
				}
			}
			seeds[k] = c
		}
	}

	// The densest seeds are the 社区; codes go round the centre clockwise
	// from north, 社区 first.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		return density(seeds[order[a]]) > density(seeds[order[b]])
	})
	nCommunity := n - nVillage
	byAngle := func(idx []int) {
		sort.SliceStable(idx, func(a, b int) bool {
			return bearing(centre, seeds[idx[a]]) < bearing(centre, seeds[idx[b]])
		})
	}
	comm, vill := append([]int(nil), order[:nCommunity]...), append([]int(nil), order[nCommunity:]...)
	byAngle(comm)
	byAngle(vill)
	ordered := make([]orb.Point, 0, n)
	ci, vi := 0, 0
	for _, v := range vs {
		if isVillage(v.Name) {
			ordered = append(ordered, seeds[vill[vi]])
			vi++
		} else {
			ordered = append(ordered, seeds[comm[ci]])
			ci++
		}
	}
	parts, err := geo.VoronoiPartition(town, ordered)
	if err != nil {
		return nil, fmt.Errorf("demo: partitioning township %s: %w", t.Code, err)
	}
	return parts, nil
}

func sq(x float64) float64 { return x * x }

// bearing is the clockwise angle from north of b seen from a, in [0, 2π).
func bearing(a, b orb.Point) float64 {
	t := math.Atan2(b[0]-a[0], b[1]-a[1])
	if t < 0 {
		t += 2 * math.Pi
	}
	return t
}
