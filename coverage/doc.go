// Package coverage will hold facilities, households, the walking network,
// isochrones, nearest-facility search and the plan's coverage indicators.
// It is empty until the coverage issue lands; the divisions it will count
// against are in package gazetteer.
package coverage
