package gazetteer

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
	sf "github.com/peterstace/simplefeatures/geom"
	"github.com/tidwall/rtree"

	"diming/geo"
)

// Boundary lines (行政区域界线) and the topology check (界线争议隐患排查) are a
// pure computation over divisions: no store, no HTTP. Overlay is done by
// simplefeatures directly in lon, lat (the demo and survey data are rounded to
// 1e-7°, so shared vertices coincide exactly); areas and lengths of the results
// are measured on the ellipsoid with geo.Area and geo.Length. Only pairs whose
// bounding boxes meet (an R-tree search) are intersected.

// BoundaryLine is the shared boundary of two neighbouring divisions of one
// level, or the part of a division's boundary that borders no other division
// of that level (RightCode ""): for the district its whole outline, for a
// township or village the stretches along the district edge (or along land
// no unit of the level covers).
//
// LeftCode is the smaller code; each line is oriented so that LeftCode's
// polygon lies on its left where its segments are edges of that polygon.
type BoundaryLine struct {
	// ID is "left|right", e.g. "500106001000|500106002000"; an outer line
	// is "500106000000|".
	ID        string              `json:"id"`
	Level     Level               `json:"level"`
	LeftCode  string              `json:"left_code"`
	RightCode string              `json:"right_code"`
	LeftName  string              `json:"left_name"`
	RightName string              `json:"right_name"`
	Geometry  orb.MultiLineString `json:"-"` // WGS84 lon, lat; maximal merged lines
	LengthM   float64             `json:"length_m"`
}

// DeriveBoundaryLines returns the boundary lines between the divisions of
// level: for every pair of units of that level (siblings or not: two villages
// of different townships share a line too) whose boundaries share a stretch
// of positive length, the intersection of their boundaries merged into
// maximal lines; and for every unit the part of its boundary shared with no
// other unit of the level as an outer line with RightCode "". For
// LevelDistrict that is the district's outline. Points where two units only
// touch are not lines. The result is ordered by ID. Geometry errors of a pair
// (simplefeatures refusing an invalid input) leave that pair out; validate
// the divisions first (Division.Validate).
func DeriveBoundaryLines(ds []Division, level Level) []BoundaryLine {
	units := unitsOf(ds, level)
	n := len(units)
	bounds := make([]sf.Geometry, n)
	for i, u := range units {
		bounds[i] = u.sfg.Boundary()
	}
	shared := make([][]sf.Geometry, n)
	var out []BoundaryLine
	forEachPair(units, func(i, j int) {
		g, err := sf.Intersection(bounds[i], bounds[j])
		if err != nil {
			return
		}
		segs := linework(g)
		if len(segs) == 0 {
			return
		}
		shared[i] = append(shared[i], g)
		shared[j] = append(shared[j], g)
		out = append(out, makeLine(level, units[i], &units[j], segs))
	})
	for i, u := range units {
		rest := bounds[i]
		if len(shared[i]) > 0 {
			others, err := sf.UnionMany(shared[i])
			if err != nil {
				continue
			}
			if rest, err = sf.Difference(rest, others); err != nil {
				continue
			}
		}
		if segs := linework(rest); len(segs) > 0 {
			out = append(out, makeLine(level, u, nil, segs))
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

// TopologyConfig tunes CheckTopology.
type TopologyConfig struct {
	// SliverM2 is the area in m² under which a piece of overlap, gap or
	// outside part is taken for numerical noise and ignored; 0 means 1 m².
	SliverM2 float64
}

// Overlap is land claimed by two units of one level.
type Overlap struct {
	Level    Level            `json:"level"`
	A        string           `json:"a"` // the smaller code
	B        string           `json:"b"`
	NameA    string           `json:"name_a"`
	NameB    string           `json:"name_b"`
	AreaM2   float64          `json:"area_m2"`
	Geometry orb.MultiPolygon `json:"-"`
}

// Gap is land in a parent covered by none of its children.
type Gap struct {
	Level      Level            `json:"level"` // the children's level
	ParentCode string           `json:"parent_code"`
	ParentName string           `json:"parent_name"`
	AreaM2     float64          `json:"area_m2"`
	Geometry   orb.MultiPolygon `json:"-"`
}

// Outside is the part of a child that lies outside its parent.
type Outside struct {
	Level      Level            `json:"level"`
	Code       string           `json:"code"`
	Name       string           `json:"name"`
	ParentCode string           `json:"parent_code"`
	AreaM2     float64          `json:"area_m2"`
	Geometry   orb.MultiPolygon `json:"-"`
}

// TopologyReport lists the problems found at one level.
type TopologyReport struct {
	Level    Level     `json:"level"`
	Overlaps []Overlap `json:"overlaps"`
	Gaps     []Gap     `json:"gaps"`
	Outside  []Outside `json:"outside"`
	SliverM2 float64   `json:"sliver_m2"`
	// Checked is the number of units of the level that were checked.
	Checked int `json:"checked"`
}

// CheckTopology checks the units of level against each other and against
// their parents (the divisions one level up, found by ParentCode):
//   - Overlaps: every pair of units of the level (siblings or not) whose
//     interiors overlap, one entry per pair;
//   - Gaps: for every parent present in ds, the land inside it covered by
//     none of its children, one entry per parent (a parent with no children
//     at the level is one gap);
//   - Outside: for every unit whose parent is present, the part outside it.
//
// Each result keeps only the polygons of at least cfg.SliverM2 (default
// 1 m²), and is left out when none remain; AreaM2 is the sum of the kept
// polygons. Overlaps are ordered by (A, B), gaps by parent code, outside parts
// by code. LevelDistrict has nothing above it: only overlaps between
// districts are checked. An error means simplefeatures could not overlay
// some geometry (an invalid polygon).
func CheckTopology(ds []Division, level Level, cfg TopologyConfig) (TopologyReport, error) {
	if level.Depth() < 0 {
		if _, err := ParseLevel(string(level)); err != nil {
			return TopologyReport{}, err
		}
	}
	if cfg.SliverM2 <= 0 {
		cfg.SliverM2 = 1
	}
	units := unitsOf(ds, level)
	rep := TopologyReport{Level: level, SliverM2: cfg.SliverM2, Checked: len(units),
		Overlaps: []Overlap{}, Gaps: []Gap{}, Outside: []Outside{}}
	var firstErr error
	fail := func(err error, what string) {
		if firstErr == nil {
			firstErr = fmt.Errorf("topology %s: %s: %w", level, what, err)
		}
	}

	forEachPair(units, func(i, j int) {
		a, b := units[i], units[j]
		g, err := sf.Intersection(a.sfg, b.sfg)
		if err != nil {
			fail(err, "intersection "+a.d.Code+" "+b.d.Code)
			return
		}
		if mp, area := keepAbove(g, cfg.SliverM2); len(mp) > 0 {
			rep.Overlaps = append(rep.Overlaps, Overlap{Level: level, A: a.d.Code, B: b.d.Code,
				NameA: a.d.Name, NameB: b.d.Name, AreaM2: area, Geometry: mp})
		}
	})

	if level.Depth() > 0 {
		parentLevel := Levels[level.Depth()-1]
		parents := unitsOf(ds, parentLevel)
		byCode := make(map[string]int, len(parents))
		for k, p := range parents {
			byCode[p.d.Code] = k
		}
		children := make(map[string][]sf.Geometry)
		for _, u := range units {
			k, ok := byCode[u.d.ParentCode]
			if !ok {
				continue
			}
			children[u.d.ParentCode] = append(children[u.d.ParentCode], u.sfg)
			g, err := sf.Difference(u.sfg, parents[k].sfg)
			if err != nil {
				fail(err, "difference "+u.d.Code+" − "+u.d.ParentCode)
				continue
			}
			if mp, area := keepAbove(g, cfg.SliverM2); len(mp) > 0 {
				rep.Outside = append(rep.Outside, Outside{Level: level, Code: u.d.Code, Name: u.d.Name,
					ParentCode: u.d.ParentCode, AreaM2: area, Geometry: mp})
			}
		}
		for _, p := range parents {
			rest := p.sfg
			if cs := children[p.d.Code]; len(cs) > 0 {
				cover, err := sf.UnionMany(cs)
				if err != nil {
					fail(err, "union of the children of "+p.d.Code)
					continue
				}
				if rest, err = sf.Difference(p.sfg, cover); err != nil {
					fail(err, "difference "+p.d.Code+" − children")
					continue
				}
			}
			if mp, area := keepAbove(rest, cfg.SliverM2); len(mp) > 0 {
				rep.Gaps = append(rep.Gaps, Gap{Level: level, ParentCode: p.d.Code, ParentName: p.d.Name,
					AreaM2: area, Geometry: mp})
			}
		}
	}
	sort.Slice(rep.Overlaps, func(i, j int) bool {
		if rep.Overlaps[i].A != rep.Overlaps[j].A {
			return rep.Overlaps[i].A < rep.Overlaps[j].A
		}
		return rep.Overlaps[i].B < rep.Overlaps[j].B
	})
	sort.Slice(rep.Gaps, func(i, j int) bool { return rep.Gaps[i].ParentCode < rep.Gaps[j].ParentCode })
	sort.Slice(rep.Outside, func(i, j int) bool { return rep.Outside[i].Code < rep.Outside[j].Code })
	return rep, firstErr
}

// unit is a division prepared for overlay.
type unit struct {
	d   *Division
	sfg sf.Geometry
	box orb.Bound
}

// unitsOf returns the divisions of level with a geometry, ordered by code.
func unitsOf(ds []Division, level Level) []unit {
	var us []unit
	for k := range ds {
		d := &ds[k]
		if d.Level != level || len(d.Geometry) == 0 {
			continue
		}
		us = append(us, unit{d: d, sfg: geo.ToSF(d.Geometry).AsGeometry(), box: d.Geometry.Bound()})
	}
	sort.Slice(us, func(i, j int) bool { return us[i].d.Code < us[j].d.Code })
	return us
}

// forEachPair calls fn(i, j), i < j, for every pair of units whose bounding
// boxes intersect, in order of (i, j).
func forEachPair(us []unit, fn func(i, j int)) {
	var tr rtree.RTreeG[int]
	for i, u := range us {
		tr.Insert(u.box.Min, u.box.Max, i)
	}
	var js []int
	for i, u := range us {
		js = js[:0]
		tr.Search(u.box.Min, u.box.Max, func(_, _ [2]float64, j int) bool {
			if j > i {
				js = append(js, j)
			}
			return true
		})
		sort.Ints(js)
		for _, j := range js {
			fn(i, j)
		}
	}
}

// keepAbove returns the polygons of g's polygonal part of at least minM2 and
// their total area.
func keepAbove(g sf.Geometry, minM2 float64) (orb.MultiPolygon, float64) {
	var out orb.MultiPolygon
	total := 0.0
	for _, p := range geo.FromSF(g) {
		if a := geo.Area(p); a >= minM2 {
			out = append(out, p)
			total += a
		}
	}
	return out, total
}

// segment is a directed edge between two vertices.
type segment struct{ a, b orb.Point }

// linework returns the segments of the linear part of g (points dropped).
func linework(g sf.Geometry) []segment {
	var segs []segment
	var walk func(g sf.Geometry)
	addLS := func(ls sf.LineString) {
		seq := ls.Coordinates()
		for k := 1; k < seq.Length(); k++ {
			p, q := seq.GetXY(k-1), seq.GetXY(k)
			if p != q {
				segs = append(segs, segment{orb.Point{p.X, p.Y}, orb.Point{q.X, q.Y}})
			}
		}
	}
	walk = func(g sf.Geometry) {
		switch g.Type() {
		case sf.TypeLineString:
			addLS(g.MustAsLineString())
		case sf.TypeMultiLineString:
			mls := g.MustAsMultiLineString()
			for k := 0; k < mls.NumLineStrings(); k++ {
				addLS(mls.LineStringN(k))
			}
		case sf.TypeGeometryCollection:
			gc := g.MustAsGeometryCollection()
			for k := 0; k < gc.NumGeometries(); k++ {
				walk(gc.GeometryN(k))
			}
		}
	}
	walk(g)
	return segs
}

// makeLine merges segs into maximal lines, orients them so that left lies on
// their left and measures them. right is nil for an outer line.
func makeLine(level Level, left unit, right *unit, segs []segment) BoundaryLine {
	ml := mergeLines(segs)
	orientLeft(ml, left.d.Geometry)
	l := BoundaryLine{ID: left.d.Code + "|", Level: level, LeftCode: left.d.Code, LeftName: left.d.Name,
		Geometry: ml, LengthM: geo.Length(ml)}
	if right != nil {
		l.ID += right.d.Code
		l.RightCode, l.RightName = right.d.Code, right.d.Name
	}
	return l
}

// mergeLines joins segments (undirected, duplicates dropped) into maximal
// lines: chains through vertices where exactly two segments meet. A closed
// chain (an enclave's whole boundary) becomes a closed line. The result is
// deterministic: lines start at their smallest end vertex and are ordered by
// their first points.
func mergeLines(segs []segment) orb.MultiLineString {
	less := func(p, q orb.Point) bool { return p[0] < q[0] || (p[0] == q[0] && p[1] < q[1]) }
	type edge struct{ a, b orb.Point }
	seen := make(map[edge]bool, len(segs))
	adj := make(map[orb.Point][]orb.Point)
	var verts []orb.Point
	for _, s := range segs {
		a, b := s.a, s.b
		if less(b, a) {
			a, b = b, a
		}
		if seen[edge{a, b}] {
			continue
		}
		seen[edge{a, b}] = true
		for _, v := range [2]orb.Point{a, b} {
			if _, ok := adj[v]; !ok {
				verts = append(verts, v)
			}
		}
		adj[a] = append(adj[a], b)
		adj[b] = append(adj[b], a)
	}
	sort.Slice(verts, func(i, j int) bool { return less(verts[i], verts[j]) })
	for _, v := range verts {
		ns := adj[v]
		sort.Slice(ns, func(i, j int) bool { return less(ns[i], ns[j]) })
	}
	used := make(map[edge]bool, len(seen))
	key := func(a, b orb.Point) edge {
		if less(b, a) {
			a, b = b, a
		}
		return edge{a, b}
	}
	follow := func(start, next orb.Point) orb.LineString {
		ls := orb.LineString{start, next}
		used[key(start, next)] = true
		prev, cur := start, next
		for len(adj[cur]) == 2 && cur != start {
			nxt := adj[cur][0]
			if nxt == prev {
				nxt = adj[cur][1]
			}
			if used[key(cur, nxt)] {
				break
			}
			used[key(cur, nxt)] = true
			ls = append(ls, nxt)
			prev, cur = cur, nxt
		}
		return ls
	}
	var out orb.MultiLineString
	// Open chains start at end vertices and junctions.
	for _, v := range verts {
		if len(adj[v]) == 2 {
			continue
		}
		for _, w := range adj[v] {
			if !used[key(v, w)] {
				out = append(out, follow(v, w))
			}
		}
	}
	// What is left are closed chains through degree-2 vertices only.
	for _, v := range verts {
		for _, w := range adj[v] {
			if !used[key(v, w)] {
				out = append(out, follow(v, w))
			}
		}
	}
	return out
}

// orientLeft reverses the lines of ml that run against mp's rings, so that
// mp's interior is on their left: outer rings counter-clockwise, holes
// clockwise. A line's direction is decided by a vote of its segments that are
// edges of mp; lines with no such segment are left as they are.
func orientLeft(ml orb.MultiLineString, mp orb.MultiPolygon) {
	type edge struct{ a, b orb.Point }
	dir := make(map[edge]bool) // true: interior on the left of a→b
	for _, p := range mp {
		for k, r := range p {
			ccw := signedArea(r) > 0
			want := k == 0 // outer rings should be counter-clockwise
			for i := 1; i < len(r); i++ {
				dir[edge{r[i-1], r[i]}] = ccw == want
				dir[edge{r[i], r[i-1]}] = ccw != want
			}
		}
	}
	for k, ls := range ml {
		vote := 0
		for i := 1; i < len(ls); i++ {
			if left, ok := dir[edge{ls[i-1], ls[i]}]; ok {
				if left {
					vote++
				} else {
					vote--
				}
			}
		}
		if vote == 0 && len(ls) >= 2 {
			// No exact edge (the line was noded at another unit's vertex):
			// take the ring edge nearest the middle of the first segment.
			vote = nearestEdgeVote(ls[0], ls[1], mp)
		}
		if vote < 0 {
			ls.Reverse()
			ml[k] = ls
		}
	}
}

// nearestEdgeVote returns +1 if a→b runs along the edge of mp nearest its
// middle with mp's interior on its left, -1 if against, 0 if mp has no edges.
func nearestEdgeVote(a, b orb.Point, mp orb.MultiPolygon) int {
	m := orb.Point{(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}
	best, vote := math.Inf(1), 0
	for _, p := range mp {
		for k, r := range p {
			sign := 1.0
			if (signedArea(r) > 0) != (k == 0) {
				sign = -1
			}
			for i := 1; i < len(r); i++ {
				if d := segDist2(m, r[i-1], r[i]); d < best {
					best = d
					dot := (b[0]-a[0])*(r[i][0]-r[i-1][0]) + (b[1]-a[1])*(r[i][1]-r[i-1][1])
					if dot*sign >= 0 {
						vote = 1
					} else {
						vote = -1
					}
				}
			}
		}
	}
	return vote
}

// segDist2 is the squared planar distance from m to the segment p q.
func segDist2(m, p, q orb.Point) float64 {
	dx, dy := q[0]-p[0], q[1]-p[1]
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, ((m[0]-p[0])*dx+(m[1]-p[1])*dy)/l))
	}
	ex, ey := p[0]+t*dx-m[0], p[1]+t*dy-m[1]
	return ex*ex + ey*ey
}

// signedArea is twice the planar signed area of r (positive when
// counter-clockwise).
func signedArea(r orb.Ring) float64 {
	s := 0.0
	for i := 1; i < len(r); i++ {
		s += (r[i-1][0]-r[0][0])*(r[i][1]-r[0][1]) - (r[i][0]-r[0][0])*(r[i-1][1]-r[0][1])
	}
	return s
}
