package storecopy

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"diming"
)

// kind is how a column is kept in each store.
type kind int

const (
	kInt   kind = iota // INTEGER ↔ integer, bigint
	kReal              // REAL ↔ double precision
	kText              // TEXT ↔ text, char(12)
	kBool              // INTEGER 0/1 ↔ boolean
	kTime              // RFC 3339 TEXT ↔ timestamptz (PostgreSQL keeps microseconds)
	kDate              // YYYY-MM-DD TEXT ↔ date
	kJSON              // JSON TEXT ↔ jsonb
	kList              // JSON array of strings as TEXT ↔ text[]
	kBytes             // BLOB ↔ bytea
	kGeom              // WKB BLOB ↔ geometry (SRID 4326)
	kPoint             // lon, lat REAL columns ↔ geometry(Point, 4326)
)

// column is one column of a table: its PostgreSQL name (also the SQLite
// name, except for kPoint, which is SQLite's lon and lat).
type column struct {
	name  string
	kind  kind
	multi bool // kGeom: a Multi* column; a single part is promoted
}

// table is a table as both stores keep it, read from the target's
// catalogue and checked against the source's.
type table struct {
	name string
	key  []string // the primary key: rows are compared in its order
	cols []column
	// derived are SQLite-only columns computed from others (a geometry's
	// bounding box), not copied: PostGIS indexes the geometry itself.
	derived []string
}

// bboxColumns are the embedded store's bounding-box columns of a geometry:
// the one SQLite-only encoding besides a point's lon and lat.
var bboxColumns = []string{"minx", "miny", "maxx", "maxy"}

// sqliteColumns are the table's columns in the SQLite file (derived ones too).
func (t table) sqliteColumns() []string {
	var cols []string
	for _, c := range t.cols {
		if c.kind == kPoint {
			cols = append(cols, "lon", "lat")
		} else {
			cols = append(cols, c.name)
		}
	}
	return append(cols, t.derived...)
}

// pgColumns are the table's columns in PostGIS.
func (t table) pgColumns() []string {
	cols := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i] = c.name
	}
	return cols
}

// intKey is the table's single integer key column, or "".
func (t table) intKey() string {
	if len(t.key) != 1 {
		return ""
	}
	for _, c := range t.cols {
		if c.name == t.key[0] && c.kind == kInt {
			return c.name
		}
	}
	return ""
}

// pgColumn is a column as information_schema and geometry_columns describe it.
type pgColumn struct {
	table, name, dataType, udt, geomType string
}

// kindOf maps a PostgreSQL column type to its kind. point says the SQLite
// table keeps lon and lat instead of a geometry column of that name.
func kindOf(c pgColumn, point bool) (column, error) {
	col := column{name: c.name}
	switch c.dataType {
	case "bigint", "integer", "smallint":
		col.kind = kInt
	case "double precision", "real":
		col.kind = kReal
	case "text", "character", "character varying":
		col.kind = kText
	case "boolean":
		col.kind = kBool
	case "timestamp with time zone":
		col.kind = kTime
	case "date":
		col.kind = kDate
	case "jsonb", "json":
		col.kind = kJSON
	case "bytea":
		col.kind = kBytes
	case "ARRAY":
		if c.udt != "_text" && c.udt != "_varchar" {
			return col, fmt.Errorf("%s.%s: an array of %s", c.table, c.name, strings.TrimPrefix(c.udt, "_"))
		}
		col.kind = kList
	case "USER-DEFINED":
		if c.udt != "geometry" {
			return col, fmt.Errorf("%s.%s: type %s", c.table, c.name, c.udt)
		}
		gt := strings.ToUpper(c.geomType)
		switch {
		case gt == "POINT" && point:
			col.kind = kPoint
		case strings.HasPrefix(gt, "MULTI"):
			col.kind, col.multi = kGeom, true
		default:
			col.kind = kGeom
		}
	default:
		return col, fmt.Errorf("%s.%s: type %s", c.table, c.name, c.dataType)
	}
	return col, nil
}

// readSchema reads the tables to copy from the target's catalogue (after
// its migrations ran) and checks them against the source's tables and
// columns (PRAGMA table_info). A source table or column the target has no
// place for, or a target column the source lacks, refuses the copy:
// nothing may be lost or invented. Tables only the target has (bookkeeping
// of its own) are not copied; they are returned as skipped. The tables
// come in an order that satisfies the target's foreign keys.
func readSchema(ctx context.Context, tx pgx.Tx, source map[string][]string) (tables []table, skipped []string, err error) {
	cols, err := readPGColumns(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	keys, deps, err := readPGKeys(ctx, tx)
	if err != nil {
		return nil, nil, err
	}
	byTable := map[string][]pgColumn{}
	for _, c := range cols {
		byTable[c.table] = append(byTable[c.table], c)
	}
	var problems, unsupported []string
	for name := range source {
		if _, ok := byTable[name]; !ok {
			problems = append(problems, "未知的表 unknown table "+name)
		}
	}
	var names []string
	for name := range byTable {
		if _, ok := source[name]; !ok {
			skipped = append(skipped, name)
			continue
		}
		names = append(names, name)
	}
	sort.Strings(skipped)
	byName := map[string]table{}
	for _, name := range names {
		have := source[name]
		t := table{name: name, key: keys[name]}
		geom := false
		for _, c := range byTable[name] {
			point := c.udt == "geometry" && !slices.Contains(have, c.name) && slices.Contains(have, "lon") && slices.Contains(have, "lat")
			col, err := kindOf(c, point)
			if err != nil {
				unsupported = append(unsupported, err.Error())
				continue
			}
			geom = geom || col.kind == kGeom
			t.cols = append(t.cols, col)
		}
		if geom {
			for _, b := range bboxColumns {
				if slices.Contains(have, b) {
					t.derived = append(t.derived, b)
				}
			}
		}
		if len(t.key) == 0 {
			problems = append(problems, "没有主键 no primary key on "+name)
		}
		problems = append(problems, columnDiff(name, t.sqliteColumns(), have)...)
		byName[name] = t
	}
	if len(unsupported) > 0 {
		sort.Strings(unsupported)
		return nil, nil, diming.Errorf(diming.EUNAVAILABLE, "目标数据库有本程序不会复制的列类型：%s", "the target has column types this binary cannot copy: %s", strings.Join(unsupported, "; "))
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, nil, diming.Errorf(diming.EUNAVAILABLE,
			"源（SQLite）与目标（PostGIS）的表结构不符，为免丢失数据，拒绝迁移：%s",
			"the source (SQLite) and target (PostGIS) tables do not match; refusing, so that nothing is lost: %s",
			strings.Join(problems, "; "))
	}
	order, err := dependencyOrder(names, deps)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range order {
		tables = append(tables, byName[n])
	}
	return tables, skipped, nil
}

// readPGColumns lists the target's columns: base tables of the current
// schema, without the extensions' tables (PostGIS's spatial_ref_sys), the
// migrations' bookkeeping and generated columns (PostgreSQL computes them).
func readPGColumns(ctx context.Context, tx pgx.Tx) ([]pgColumn, error) {
	rows, err := tx.Query(ctx, `SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.udt_name::text,
			coalesce(g.type, '')::text
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		LEFT JOIN geometry_columns g ON g.f_table_schema = c.table_schema AND g.f_table_name = c.table_name
			AND g.f_geometry_column = c.column_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
			AND c.table_name <> 'schema_migrations' AND c.is_generated = 'NEVER'
			AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
				AND d.objid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass AND d.deptype = 'e')
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, pgError(err, "读取目标数据库结构", "read the target schema")
	}
	defer rows.Close()
	var out []pgColumn
	for rows.Next() {
		var c pgColumn
		if err := rows.Scan(&c.table, &c.name, &c.dataType, &c.udt, &c.geomType); err != nil {
			return nil, pgError(err, "读取目标数据库结构", "read the target schema")
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, pgError(err, "读取目标数据库结构", "read the target schema")
	}
	return out, nil
}

// readPGKeys reads every table's primary key columns (in key order) and the
// tables each references by a foreign key.
func readPGKeys(ctx context.Context, tx pgx.Tx) (keys map[string][]string, deps map[string][]string, err error) {
	keys, deps = map[string][]string{}, map[string][]string{}
	rows, err := tx.Query(ctx, `SELECT rel.relname::text, a.attname::text
		FROM pg_constraint con
		JOIN pg_class rel ON rel.oid = con.conrelid
		JOIN pg_namespace n ON n.oid = rel.relnamespace
		CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
		JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
		WHERE con.contype = 'p' AND n.nspname = current_schema()
		ORDER BY rel.relname, k.ord`)
	if err != nil {
		return nil, nil, pgError(err, "读取目标数据库的主键", "read the target's primary keys")
	}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			rows.Close()
			return nil, nil, pgError(err, "读取目标数据库的主键", "read the target's primary keys")
		}
		keys[t] = append(keys[t], c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, pgError(err, "读取目标数据库的主键", "read the target's primary keys")
	}
	rows, err = tx.Query(ctx, `SELECT rel.relname::text, ref.relname::text
		FROM pg_constraint con
		JOIN pg_class rel ON rel.oid = con.conrelid
		JOIN pg_class ref ON ref.oid = con.confrelid
		JOIN pg_namespace n ON n.oid = rel.relnamespace
		WHERE con.contype = 'f' AND n.nspname = current_schema() AND rel.oid <> ref.oid`)
	if err != nil {
		return nil, nil, pgError(err, "读取目标数据库的外键", "read the target's foreign keys")
	}
	defer rows.Close()
	for rows.Next() {
		var t, r string
		if err := rows.Scan(&t, &r); err != nil {
			return nil, nil, pgError(err, "读取目标数据库的外键", "read the target's foreign keys")
		}
		deps[t] = append(deps[t], r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, pgError(err, "读取目标数据库的外键", "read the target's foreign keys")
	}
	return keys, deps, nil
}

// dependencyOrder orders tables so that each comes after the tables it
// references, and otherwise by name.
func dependencyOrder(names []string, deps map[string][]string) ([]string, error) {
	sort.Strings(names)
	done := map[string]bool{}
	visiting := map[string]bool{}
	var out []string
	var visit func(string) error
	visit = func(n string) error {
		if done[n] {
			return nil
		}
		if visiting[n] {
			return diming.Errorf(diming.EUNAVAILABLE, "目标数据库的外键成环（%s）", "the target's foreign keys form a cycle (%s)", n)
		}
		visiting[n] = true
		refs := append([]string(nil), deps[n]...)
		sort.Strings(refs)
		for _, r := range refs {
			if slices.Contains(names, r) {
				if err := visit(r); err != nil {
					return err
				}
			}
		}
		visiting[n], done[n] = false, true
		out = append(out, n)
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func columnDiff(table string, want, have []string) []string {
	var problems []string
	for _, c := range want {
		if !slices.Contains(have, c) {
			problems = append(problems, fmt.Sprintf("源缺少列 the source lacks column %s.%s", table, c))
		}
	}
	for _, c := range have {
		if !slices.Contains(want, c) {
			problems = append(problems, fmt.Sprintf("未知的列 unknown column %s.%s", table, c))
		}
	}
	return problems
}
