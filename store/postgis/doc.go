// Package postgis is the production store: PostgreSQL with PostGIS through a
// pgx connection pool. Geometry columns are typed (geometry(MultiPolygon,
// 4326), …) with GiST indexes, so planners can open the tables in QGIS.
// Geometry crosses the wire as EWKB (orb/encoding/ewkb) and is orb on both
// sides of this package.
package postgis
