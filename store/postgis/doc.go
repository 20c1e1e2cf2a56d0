// Package postgis is the production store: PostgreSQL with PostGIS through a
// pgx connection pool. Geometry columns are typed (geometry(MultiPolygon,
// 4326)) with GiST indexes, so planners can open the tables in QGIS; go-geom
// EWKB is used only inside this package and converted to orb at its edge.
package postgis
