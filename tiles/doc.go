// Package tiles will render Mapbox Vector Tiles from the in-memory read
// model. It is empty until the maps issue lands.
package tiles
