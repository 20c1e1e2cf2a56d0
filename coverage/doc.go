// Package coverage holds what planners count: facilities (eldercare,
// community service, lottery, funeral, minor protection, schools), the
// households they serve, the walking network, network search (multi-source
// bounded Dijkstra, nearest facility, isochrone polygons), the coverage
// reports, lottery siting and the plan's indicators.
//
// Coverage is counted on the walking network from where households are:
// a household point is covered when its walk (off the network to the
// nearest edge, along the network, off the network to the facility) is
// within the limit. Isochrone polygons are for the map only.
package coverage
