// Package gpkg reads feature tables of OGC GeoPackage files (an SQLite
// database with the gpkg_* metadata tables), as QGIS and ogr2ogr write them.
// It is a small read-only adapter: it knows nothing of divisions or places;
// callers turn Features into their own records.
//
// Geometries are GeoPackageBinary blobs: a header (magic "GP", version,
// flags, srs_id, optional envelope) followed by standard 2D WKB, decoded
// with orb/encoding/wkb. Z and M coordinates and the extended GeoPackage
// geometry types are not supported (convert with
// `ogr2ogr -dim XY -f GPKG out.gpkg in.gpkg`).
package gpkg

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"diming"
)

// MaxFeatures bounds how many features one read returns.
const MaxFeatures = 1_000_000

// SRS is a spatial reference system row of gpkg_spatial_ref_sys.
type SRS struct {
	ID             int64  `json:"srs_id"`
	Name           string `json:"srs_name"`
	Organization   string `json:"organization"`
	OrganizationID int64  `json:"organization_coordsys_id"`
}

// EPSG returns the EPSG code of the SRS, or 0 when it is not an EPSG one.
func (s SRS) EPSG() int64 {
	if strings.EqualFold(s.Organization, "EPSG") {
		return s.OrganizationID
	}
	return 0
}

// Feature is one row of a feature table.
type Feature struct {
	FID        int64
	Geometry   orb.Geometry // nil with Err set when the blob cannot be read; nil for an empty geometry
	Properties map[string]any
	Err        error // why the geometry could not be read
}

// Layer is a feature table read whole.
type Layer struct {
	Table          string
	GeometryColumn string
	GeometryType   string // as gpkg_geometry_columns declares it (POLYGON, MULTIPOLYGON, GEOMETRY...)
	SRS            SRS
	// Tables lists every feature table in the file, in gpkg_contents order.
	Tables   []string
	Features []Feature
}

// ReadLayer opens the GeoPackage at path read-only and reads the feature
// table named table, or the first feature table in gpkg_contents when table
// is empty. Attribute columns come back as int64, float64, string, []byte or
// nil, keyed by column name; the primary key column is Feature.FID.
func ReadLayer(ctx context.Context, path, table string) (*Layer, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, diming.Wrap(err, diming.EINVALID, "无法读取文件 %s", "cannot read file %s", path)
	}
	q := url.Values{}
	q.Add("mode", "ro")
	q.Add("_pragma", "query_only(1)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, notGPKG(path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	return readLayer(ctx, db, path, table)
}

func notGPKG(path string, err error) error {
	return diming.Wrap(err, diming.EINVALID, "%s 不是可读的 GeoPackage 文件：%v", "%s is not a readable GeoPackage file: %v", path, err)
}

func readLayer(ctx context.Context, db *sql.DB, path, table string) (*Layer, error) {
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY rowid`)
	if err != nil {
		return nil, notGPKG(path, err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, notGPKG(path, err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, notGPKG(path, err)
	}
	if len(tables) == 0 {
		return nil, diming.Errorf(diming.EINVALID, "GeoPackage %s 中没有要素表", "the GeoPackage %s has no feature table", path)
	}
	l := &Layer{Tables: tables}
	if table == "" {
		l.Table = tables[0]
	} else {
		for _, t := range tables {
			if t == table {
				l.Table = t
			}
		}
		if l.Table == "" {
			return nil, diming.Errorf(diming.EINVALID, "GeoPackage 中没有要素表 %q；现有的表：%s", "the GeoPackage has no feature table %q; it has: %s", table, strings.Join(tables, ", "))
		}
	}
	err = db.QueryRowContext(ctx, `SELECT g.column_name, g.geometry_type_name, s.srs_id, s.srs_name, s.organization, s.organization_coordsys_id
		FROM gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id
		WHERE g.table_name = ?`, l.Table).Scan(&l.GeometryColumn, &l.GeometryType, &l.SRS.ID, &l.SRS.Name, &l.SRS.Organization, &l.SRS.OrganizationID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, diming.Errorf(diming.EINVALID, "GeoPackage 表 %s 在 gpkg_geometry_columns 或 gpkg_spatial_ref_sys 中没有登记", "the GeoPackage table %s is not registered in gpkg_geometry_columns or gpkg_spatial_ref_sys", l.Table)
	}
	if err != nil {
		return nil, notGPKG(path, err)
	}
	// The primary key column is the feature id.
	pk := ""
	cols, err := db.QueryContext(ctx, `SELECT name, pk FROM pragma_table_info(?)`, l.Table)
	if err != nil {
		return nil, notGPKG(path, err)
	}
	for cols.Next() {
		var name string
		var isPK int
		if err := cols.Scan(&name, &isPK); err != nil {
			cols.Close()
			return nil, notGPKG(path, err)
		}
		if isPK == 1 && pk == "" {
			pk = name
		}
	}
	cols.Close()
	query := `SELECT rowid AS "__fid", * FROM ` + quoteIdent(l.Table)
	if pk != "" {
		query = `SELECT ` + quoteIdent(pk) + ` AS "__fid", * FROM ` + quoteIdent(l.Table) + ` ORDER BY ` + quoteIdent(pk)
	}
	fr, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, notGPKG(path, err)
	}
	defer fr.Close()
	names, err := fr.Columns()
	if err != nil {
		return nil, notGPKG(path, err)
	}
	for fr.Next() {
		if len(l.Features) >= MaxFeatures {
			return nil, diming.Errorf(diming.ETOOLARGE, "一次最多导入 %d 个要素", "at most %d features per import", MaxFeatures)
		}
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := fr.Scan(ptrs...); err != nil {
			return nil, notGPKG(path, err)
		}
		f := Feature{Properties: map[string]any{}}
		f.FID, _ = vals[0].(int64)
		for i, n := range names[1:] {
			v := vals[i+1]
			switch {
			case n == l.GeometryColumn:
				blob, ok := v.([]byte)
				if v == nil {
					continue
				}
				if !ok {
					f.Err = diming.Errorf(diming.EINVALID, "几何列 %s 不是 GeoPackage 二进制数据", "geometry column %s does not hold GeoPackage binary", n)
					continue
				}
				h, g, err := ParseGeometry(blob)
				switch {
				case err != nil:
					f.Err = err
				case h.SRSID != int32(l.SRS.ID):
					f.Err = diming.Errorf(diming.EINVALID, "几何的 srs_id %d 与表 %s 声明的 %d 不符", "the geometry's srs_id %d differs from table %s's %d", h.SRSID, l.Table, l.SRS.ID)
				default:
					f.Geometry = g
				}
			case pk != "" && n == pk:
			default:
				if b, ok := v.([]byte); ok {
					v = append([]byte(nil), b...)
				}
				f.Properties[n] = v
			}
		}
		l.Features = append(l.Features, f)
	}
	if err := fr.Err(); err != nil {
		return nil, notGPKG(path, err)
	}
	return l, nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Header is the GeoPackageBinary header of a geometry blob.
type Header struct {
	Version  byte
	Empty    bool
	SRSID    int32
	Envelope []float64 // minx, maxx, miny, maxy[, minz, maxz][, minm, maxm]; nil when absent
	Size     int       // header length in bytes; the WKB follows
}

// envelopeLen is the number of doubles for each envelope contents indicator.
var envelopeLen = [8]int{0, 4, 6, 6, 8, -1, -1, -1}

func badBlob(zh, en string, args ...any) error {
	return diming.Errorf(diming.EINVALID, zh, en, args...)
}

// ParseHeader reads the GeoPackageBinary header at the start of b.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < 8 || b[0] != 'G' || b[1] != 'P' {
		return h, badBlob("几何数据不是 GeoPackage 二进制格式（缺少 \"GP\" 标记）", "geometry blob is not GeoPackageBinary (no \"GP\" magic)")
	}
	h.Version = b[2]
	if h.Version != 0 {
		return h, badBlob("不支持的 GeoPackage 几何版本 %d", "unsupported GeoPackageBinary version %d", h.Version)
	}
	flags := b[3]
	if flags&0xC0 != 0 {
		return h, badBlob("GeoPackage 几何头的保留位不为 0", "GeoPackageBinary header has reserved flag bits set")
	}
	if flags&0x20 != 0 {
		return h, badBlob("不支持扩展的 GeoPackage 几何类型", "extended GeoPackage geometry types are not supported")
	}
	h.Empty = flags&0x10 != 0
	n := envelopeLen[(flags>>1)&0x07]
	if n < 0 {
		return h, badBlob("GeoPackage 几何头的包络标志 %d 无效", "GeoPackageBinary header has an invalid envelope indicator %d", (flags>>1)&0x07)
	}
	var order binary.ByteOrder = binary.BigEndian
	if flags&0x01 != 0 {
		order = binary.LittleEndian
	}
	h.SRSID = int32(order.Uint32(b[4:8]))
	h.Size = 8 + 8*n
	if len(b) < h.Size {
		return h, badBlob("GeoPackage 几何头被截断", "GeoPackageBinary header is truncated")
	}
	if n > 0 {
		h.Envelope = make([]float64, n)
		for i := range h.Envelope {
			h.Envelope[i] = math.Float64frombits(order.Uint64(b[8+8*i:]))
		}
	}
	return h, nil
}

// ParseGeometry reads a GeoPackageBinary blob: its header and the 2D WKB
// geometry after it. An empty geometry gives a nil geometry and no error.
// Every failure is an EINVALID *diming.Error.
func ParseGeometry(b []byte) (Header, orb.Geometry, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return h, nil, err
	}
	body := b[h.Size:]
	if h.Empty {
		return h, nil, nil
	}
	if len(body) < 5 {
		return h, nil, badBlob("GeoPackage 几何缺少 WKB 数据", "GeoPackage geometry has no WKB body")
	}
	var typ uint32
	switch body[0] {
	case 0:
		typ = binary.BigEndian.Uint32(body[1:5])
	case 1:
		typ = binary.LittleEndian.Uint32(body[1:5])
	default:
		return h, nil, badBlob("WKB 字节序标记 %d 无效", "invalid WKB byte order mark %d", body[0])
	}
	if typ > 7 {
		return h, nil, badBlob("不支持带 Z/M 坐标或类型代码为 %d 的 WKB 几何（可用 ogr2ogr -dim XY 转为二维）", "WKB geometry type %d (Z/M or unknown) is not supported (convert to 2D with ogr2ogr -dim XY)", typ)
	}
	g, err := wkb.Unmarshal(body)
	if err != nil {
		return h, nil, badBlob("WKB 几何无法解析：%v", "cannot decode the WKB geometry: %v", err)
	}
	return h, g, nil
}

// EncodeGeometry writes g as a little-endian GeoPackageBinary blob with an
// XY envelope (none for a point), as GDAL does. A nil g is written as an
// empty geometry collection.
func EncodeGeometry(srsID int32, g orb.Geometry) ([]byte, error) {
	flags := byte(0x01)
	var env []float64
	if g == nil {
		flags |= 0x10
		g = orb.Collection{}
	} else if _, isPoint := g.(orb.Point); !isPoint {
		flags |= 1 << 1
		b := g.Bound()
		env = []float64{b.Min[0], b.Max[0], b.Min[1], b.Max[1]}
	}
	body, err := wkb.Marshal(g, binary.LittleEndian)
	if err != nil {
		return nil, fmt.Errorf("gpkg: encode geometry: %w", err)
	}
	out := make([]byte, 8+8*len(env), 8+8*len(env)+len(body))
	out[0], out[1], out[2], out[3] = 'G', 'P', 0, flags
	binary.LittleEndian.PutUint32(out[4:], uint32(srsID))
	for i, v := range env {
		binary.LittleEndian.PutUint64(out[8+8*i:], math.Float64bits(v))
	}
	return append(out, body...), nil
}
