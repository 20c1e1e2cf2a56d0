// Package migrations embeds the schema of both stores as ordered SQL files:
// postgis/NNNN_name.sql and sqlite/NNNN_name.sql. Each store adapter applies
// the ones a database lacks, each in its own transaction, and records them in
// schema_migrations; a database with a version this binary does not know is
// refused.
package migrations
