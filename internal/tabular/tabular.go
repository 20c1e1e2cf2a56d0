// Package tabular reads the two shapes every importer takes: a UTF-8 CSV
// table with a header row of known columns, and the top level of a GeoJSON
// FeatureCollection. The errors are diming's, in Chinese and English, and
// say which line or what is wrong.
//
// It also writes every CSV the service exports (CSVWriter), with cells a
// spreadsheet would run as formulas escaped (SafeCell).
package tabular

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"diming"
)

func bad(zh, en string, args ...any) error { return diming.Errorf(diming.EINVALID, zh, en, args...) }

// Cut shortens s to n runes for a message.
func Cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// CSV reads a table row by row.
type CSV struct {
	cr      *csv.Reader
	cols    map[string]int
	width   int
	rows    int
	maxRows int
}

// NewCSV reads the header row: every column must be one of allowed (a
// byte-order mark and surrounding space are ignored), none may repeat, and
// the required ones must be there.
func NewCSV(r io.Reader, allowed, required []string, maxRows int) (*CSV, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, bad("CSV 文件没有表头或无法读取：%v", "the CSV file has no header row or cannot be read: %v", err)
	}
	cols := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(allowed, h) {
			return nil, bad("CSV 表头含有未知的列 %q；可用的列：%s", "unknown CSV column %q; allowed: %s", Cut(h, 40), strings.Join(allowed, ", "))
		}
		if _, dup := cols[h]; dup {
			return nil, bad("CSV 表头中列 %q 出现了两次", "CSV column %q appears twice", h)
		}
		cols[h] = i
	}
	for _, req := range required {
		if _, ok := cols[req]; !ok {
			return nil, bad("CSV 表头缺少必需的列 %q", "the CSV header lacks the required column %q", req)
		}
	}
	return &CSV{cr: cr, cols: cols, width: len(header), maxRows: maxRows}, nil
}

// Next returns the next row's cells by column name and its line number; ok
// is false at the end. rowErr is a problem of this row alone (a wrong
// number of fields); err is one of the file (broken quoting, too many rows).
func (c *CSV) Next() (fields map[string]string, line int, rowErr error, ok bool, err error) {
	rec, err := c.cr.Read()
	if err == io.EOF {
		return nil, 0, nil, false, nil
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine
		}
		return nil, line, nil, false, bad("CSV 第 %d 行格式错误：%v", "CSV line %d is malformed: %v", line, err)
	}
	line, _ = c.cr.FieldPos(0)
	if c.rows++; c.rows > c.maxRows {
		return nil, line, nil, false, diming.Errorf(diming.ETOOLARGE, "一次最多导入 %d 行", "at most %d rows per import", c.maxRows)
	}
	fields = map[string]string{}
	if len(rec) != c.width {
		return fields, line, bad("列数 %d 与表头的 %d 列不符", "%d fields where the header has %d", len(rec), c.width), true, nil
	}
	for name, i := range c.cols {
		fields[name] = rec[i]
	}
	return fields, line, nil, true, nil
}

// Has says whether the header has the column.
func (c *CSV) Has(col string) bool { _, ok := c.cols[col]; return ok }

// JSONReason describes a JSON decoding error, with the byte offset of a
// syntax error.
func JSONReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("第 %d 字节附近：%v", se.Offset, se)
	}
	return err.Error()
}

// Features checks the top level of a GeoJSON FeatureCollection (the type, a
// "crs" member that is not WGS84/CGCS2000 lon/lat, the size) and returns its
// features undecoded.
func Features(data []byte, maxFeatures int) ([]json.RawMessage, error) {
	var top struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
		CRS      json.RawMessage   `json:"crs"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, bad("GeoJSON 格式错误：%s", "malformed GeoJSON: %s", JSONReason(err))
	}
	if top.Type != "FeatureCollection" {
		return nil, bad("GeoJSON 顶层应为 FeatureCollection，而不是 %q", "the GeoJSON top level must be a FeatureCollection, not %q", Cut(top.Type, 40))
	}
	if len(top.CRS) > 0 && !bytes.Contains(top.CRS, []byte("4326")) && !bytes.Contains(top.CRS, []byte("CRS84")) && !bytes.Contains(top.CRS, []byte("4490")) {
		return nil, bad("GeoJSON 声明了不支持的坐标系 %s；请使用 WGS84 经纬度（ogr2ogr -t_srs EPSG:4326），或用 --crs 指明 gcj02/bd09",
			"the GeoJSON declares an unsupported CRS %s; use WGS84 lon/lat (ogr2ogr -t_srs EPSG:4326), or say --crs gcj02/bd09", Cut(string(top.CRS), 120))
	}
	if len(top.Features) > maxFeatures {
		return nil, diming.Errorf(diming.ETOOLARGE, "一次最多导入 %d 个要素", "at most %d features per import", maxFeatures)
	}
	return top.Features, nil
}
