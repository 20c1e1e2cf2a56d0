package gazetteer

import (
	"sort"

	"github.com/paulmach/orb"

	"diming"
	"diming/geo"
)

// DivisionIndex is the in-memory read model of the divisions: lookups by
// code, children and level, and which divisions contain a point (an R-tree
// over boxes per level, then exact point-in-polygon). It is immutable once
// built and safe for any number of concurrent readers.
type DivisionIndex struct {
	all      []Division // sorted by code
	byCode   map[string]int
	children map[string][]int
	byLevel  map[Level][]int
	spatial  map[Level]*geo.PolygonIndex
}

// NewDivisionIndex builds the index. ds is not modified; the index keeps its
// own copy of the slice (geometries are shared and must not be mutated).
func NewDivisionIndex(ds []Division) *DivisionIndex {
	all := append([]Division(nil), ds...)
	sort.Slice(all, func(i, j int) bool { return all[i].Code < all[j].Code })
	ix := &DivisionIndex{
		all:      all,
		byCode:   make(map[string]int, len(all)),
		children: make(map[string][]int),
		byLevel:  make(map[Level][]int),
		spatial:  make(map[Level]*geo.PolygonIndex),
	}
	polys := make(map[Level][]orb.MultiPolygon)
	for i, d := range all {
		ix.byCode[d.Code] = i
		ix.children[d.ParentCode] = append(ix.children[d.ParentCode], i)
		ix.byLevel[d.Level] = append(ix.byLevel[d.Level], i)
		polys[d.Level] = append(polys[d.Level], d.Geometry)
	}
	for l, ps := range polys {
		ix.spatial[l] = geo.NewPolygonIndex(ps)
	}
	return ix
}

// Len is the number of divisions.
func (ix *DivisionIndex) Len() int { return len(ix.all) }

// Division returns a division by its 12-digit code.
func (ix *DivisionIndex) Division(code string) (Division, error) {
	i, ok := ix.byCode[code]
	if !ok {
		return Division{}, diming.Errorf(diming.ENOTFOUND, "没有代码为 %s 的行政区划", "no division with code %s", code)
	}
	return ix.all[i], nil
}

// Divisions returns the divisions matching f, ordered by code.
func (ix *DivisionIndex) Divisions(f DivisionFilter) []Division {
	var candidates []int
	switch {
	case f.ParentCode != "":
		candidates = ix.children[f.ParentCode]
	case f.Level != "":
		candidates = ix.byLevel[f.Level]
	default:
		candidates = make([]int, len(ix.all))
		for i := range candidates {
			candidates[i] = i
		}
	}
	out := []Division{}
	for _, i := range candidates {
		d := ix.all[i]
		if f.Level != "" && d.Level != f.Level {
			continue
		}
		if f.BBox != nil && !f.BBox.Intersects(d.Geometry.Bound()) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// At returns the divisions containing p from the top down: the district,
// the township and the village-level unit, as far as they are known (a point
// in a township but in none of its villages returns two). It looks for the
// lowest level first and takes the ancestors from the codes, so a point
// costs one R-tree search and, usually, one point-in-polygon test. Points
// on a shared boundary go to the division with the smaller code.
func (ix *DivisionIndex) At(p orb.Point) []Division {
	for l := len(Levels) - 1; l >= 0; l-- {
		i := ix.containing(Levels[l], p)
		if i < 0 {
			continue
		}
		chain := make([]Division, l+1)
		chain[l] = ix.all[i]
		for k := l - 1; k >= 0; k-- {
			j, ok := ix.byCode[chain[k+1].ParentCode]
			if !ok || ix.all[j].Level != Levels[k] {
				return chain[k+1:]
			}
			chain[k] = ix.all[j]
		}
		return chain
	}
	return nil
}

// containing returns the position in all of the division at level l that
// contains p (the smallest code if several do), or -1.
func (ix *DivisionIndex) containing(l Level, p orb.Point) int {
	sp := ix.spatial[l]
	if sp == nil {
		return -1
	}
	ids := ix.byLevel[l]
	best := -1
	sp.Containing(p, func(i int) bool {
		if best < 0 || ids[i] < best {
			best = ids[i]
		}
		return true
	})
	return best
}

// Path returns the names from the district down to the division with code,
// e.g. [沙坪坝区 小龙坎街道 龙泉路社区居民委员会].
func (ix *DivisionIndex) Path(code string) []string {
	var names []string
	for depth := 0; depth < 4; depth++ {
		i, ok := ix.byCode[code]
		if !ok {
			break
		}
		names = append([]string{ix.all[i].Name}, names...)
		code = ix.all[i].ParentCode
	}
	return names
}
