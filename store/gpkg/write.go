package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/paulmach/orb"
)

// Column is an attribute column of a feature table to write.
type Column struct {
	Name string
	Type string // SQLite type: TEXT, INTEGER, REAL
}

// WriteLayer creates a minimal GeoPackage at path (which must not exist)
// with one feature table: the required gpkg_spatial_ref_sys, gpkg_contents
// and gpkg_geometry_columns rows, a "fid" primary key, a "geom" column of
// GeoPackageBinary blobs in srs and the given attribute columns. Features'
// FIDs are used when non-zero. It is meant for tests and small exports.
func WriteLayer(ctx context.Context, path, table string, srs SRS, geomType string, cols []Column, feats []Feature) error {
	q := url.Values{}
	q.Add("mode", "rwc")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var b orb.Bound
	for i, f := range feats {
		if f.Geometry == nil {
			continue
		}
		if i == 0 {
			b = f.Geometry.Bound()
		} else {
			b = b.Union(f.Geometry.Bound())
		}
	}
	colDefs := []string{`"fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL`, `"geom" ` + geomType}
	names := []string{`"fid"`, `"geom"`}
	for _, c := range cols {
		colDefs = append(colDefs, quoteIdent(c.Name)+" "+c.Type)
		names = append(names, quoteIdent(c.Name))
	}
	stmts := []string{
		`PRAGMA application_id = 1196444487`, // "GPKG"
		`PRAGMA user_version = 10400`,
		`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
			organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`,
		`CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
			description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
			min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER REFERENCES gpkg_spatial_ref_sys(srs_id))`,
		`CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
			srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name))`,
		`INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', NULL),
			('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', NULL)`,
		`CREATE TABLE ` + quoteIdent(table) + ` (` + strings.Join(colDefs, ", ") + `)`,
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("gpkg: %s: %w", s, err)
		}
	}
	if srs.ID != 0 && srs.ID != -1 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, 'undefined', NULL)`,
			srs.Name, srs.ID, srs.Organization, srs.OrganizationID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, max_y, srs_id)
		VALUES (?, 'features', ?, ?, ?, ?, ?, ?)`, table, table, b.Min[0], b.Min[1], b.Max[0], b.Max[1], srs.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)`, table, geomType, srs.ID); err != nil {
		return err
	}
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")
	ins, err := tx.PrepareContext(ctx, `INSERT INTO `+quoteIdent(table)+` (`+strings.Join(names, ", ")+`) VALUES (`+ph+`)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, f := range feats {
		blob, err := EncodeGeometry(int32(srs.ID), f.Geometry)
		if err != nil {
			return err
		}
		args := []any{nil, blob}
		if f.FID != 0 {
			args[0] = f.FID
		}
		for _, c := range cols {
			args = append(args, f.Properties[c.Name])
		}
		if _, err := ins.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// ColumnsOf lists the property names of feats, sorted, typed by their first
// non-nil value (int → INTEGER, float → REAL, anything else TEXT).
func ColumnsOf(feats []Feature) []Column {
	types := map[string]string{}
	for _, f := range feats {
		for k, v := range f.Properties {
			if _, ok := types[k]; ok && types[k] != "" {
				continue
			}
			switch v.(type) {
			case nil:
				types[k] = ""
			case int, int64, int32:
				types[k] = "INTEGER"
			case float64, float32:
				types[k] = "REAL"
			default:
				types[k] = "TEXT"
			}
		}
	}
	var out []Column
	for k, t := range types {
		if t == "" {
			t = "TEXT"
		}
		out = append(out, Column{Name: k, Type: t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
