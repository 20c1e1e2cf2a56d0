// Package unionfind is a disjoint-set forest over 0…n−1 (union-find), as
// the walking graph merges nearby road ends and counts connected parts.
package unionfind

// Sets holds each element's parent; a root is its own parent.
type Sets []int32

// New returns n singleton sets.
func New(n int) Sets {
	s := make(Sets, n)
	for i := range s {
		s[i] = int32(i)
	}
	return s
}

// Find returns the root of x's set, halving the path on the way.
func (s Sets) Find(x int32) int32 {
	for s[x] != x {
		s[x] = s[s[x]]
		x = s[x]
	}
	return x
}

// Union joins the sets of x and y under the smaller root; it reports
// whether they were apart.
func (s Sets) Union(x, y int32) bool {
	rx, ry := s.Find(x), s.Find(y)
	if rx == ry {
		return false
	}
	s[max(rx, ry)] = min(rx, ry)
	return true
}
