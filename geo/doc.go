// Package geo is pure geometry on orb: strict validation with reasons people
// can act on, geodesic measures, a local metric projection, conversion to and
// from simplefeatures for overlay, and the in-memory spatial index.
//
// Coordinates are longitude, latitude in WGS84 (≈ CGCS2000 at district scale)
// unless a function says otherwise.
package geo
