// Package sqlite is the embedded store: modernc.org/sqlite (pure Go, no cgo)
// in WAL mode in one file under the data folder. Geometry is kept as WKB with
// its bounding box in columns; spatial queries run on the in-memory read
// model, so the store only needs to filter by box.
package sqlite
