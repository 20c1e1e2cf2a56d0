package coverage

import "github.com/paulmach/orb"

// ReachedEdge is a piece of the walking network a search reached: its
// line (lon/lat) and the walking distance in metres at its start and its
// end. The distance at a point s metres along the line (geodesic) is
// min(DStart+s, DEnd+(length-s)); an end the search did not reach has
// +Inf. Edges holding a search source are split at the source.
type ReachedEdge struct {
	Line   orb.LineString
	DStart float64
	DEnd   float64
}
