package storecopy

// The canonical text of a row, computed on each side from its own values:
// what the verification compares.

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/paulmach/orb/encoding/wkb"

	"diming/store/postgis"
)

// nullText stands for NULL in a row's canonical text (no value produces it).
const nullText = "\x00NULL"

// timeLayout is the canonical form of a timestamp: UTC, to the microsecond
// (PostgreSQL's precision; the embedded store writes nanoseconds).
const timeLayout = "2006-01-02T15:04:05.000000Z"

// fromSQLite converts a SQLite value to what COPY sends to PostGIS, and
// gives its canonical text, computed from the SQLite value.
func fromSQLite(c column, vals []any) (arg any, canon string, err error) {
	v := vals[0]
	if v == nil && c.kind != kPoint {
		return nil, nullText, nil
	}
	switch c.kind {
	case kInt:
		n, ok := v.(int64)
		if !ok {
			return nil, "", fmt.Errorf("want an integer, have %T", v)
		}
		return n, strconv.FormatInt(n, 10), nil
	case kReal:
		f, ok := v.(float64)
		if !ok {
			return nil, "", fmt.Errorf("want a number, have %T", v)
		}
		return f, strconv.FormatFloat(f, 'g', -1, 64), nil
	case kText:
		s, ok := v.(string)
		if !ok {
			return nil, "", fmt.Errorf("want text, have %T", v)
		}
		return s, s, nil
	case kBool:
		n, ok := v.(int64)
		if !ok || (n != 0 && n != 1) {
			return nil, "", fmt.Errorf("want 0 or 1, have %v", v)
		}
		return n == 1, strconv.FormatBool(n == 1), nil
	case kTime:
		s, ok := v.(string)
		if !ok {
			return nil, "", fmt.Errorf("want a timestamp, have %T", v)
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, "", fmt.Errorf("timestamp %q: %w", s, err)
		}
		t = t.UTC().Truncate(time.Microsecond)
		return t, t.Format(timeLayout), nil
	case kDate:
		s, ok := v.(string)
		if !ok {
			return nil, "", fmt.Errorf("want a date, have %T", v)
		}
		d, err := time.Parse(time.DateOnly, s)
		if err != nil || d.Format(time.DateOnly) != s {
			return nil, "", fmt.Errorf("date %q is not YYYY-MM-DD", s)
		}
		return d, s, nil
	case kJSON:
		s, ok := v.(string)
		if !ok {
			return nil, "", fmt.Errorf("want JSON text, have %T", v)
		}
		canon, err := canonicalJSON([]byte(s))
		if err != nil {
			return nil, "", err
		}
		return s, canon, nil
	case kList:
		s, ok := v.(string)
		if !ok {
			return nil, "", fmt.Errorf("want a JSON list, have %T", v)
		}
		var list []string
		if err := json.Unmarshal([]byte(s), &list); err != nil {
			return nil, "", fmt.Errorf("list %q: %w", s, err)
		}
		if list == nil {
			list = []string{}
		}
		return list, canonicalList(list), nil
	case kBytes:
		b, ok := v.([]byte)
		if !ok {
			return nil, "", fmt.Errorf("want bytes, have %T", v)
		}
		return b, bytesDigest(b), nil
	case kGeom:
		b, ok := v.([]byte)
		if !ok {
			return nil, "", fmt.Errorf("want WKB, have %T", v)
		}
		g, err := wkb.Unmarshal(b)
		if err != nil {
			return nil, "", fmt.Errorf("geometry: %w", err)
		}
		canonWKB := b
		if c.multi {
			if m, promoted := promoteToMulti(g); promoted {
				g = m
				if canonWKB, err = wkb.Marshal(g, binary.LittleEndian); err != nil {
					return nil, "", fmt.Errorf("geometry: %w", err)
				}
			}
		}
		if len(canonWKB) == 0 || canonWKB[0] != 1 { // big-endian WKB: compare in little-endian
			if canonWKB, err = wkb.Marshal(g, binary.LittleEndian); err != nil {
				return nil, "", fmt.Errorf("geometry: %w", err)
			}
		}
		e, err := ewkb.Marshal(g, postgis.SRID)
		if err != nil {
			return nil, "", fmt.Errorf("geometry: %w", err)
		}
		return e, hex.EncodeToString(canonWKB), nil
	case kPoint:
		lon, ok1 := vals[0].(float64)
		lat, ok2 := vals[1].(float64)
		if !ok1 || !ok2 {
			return nil, "", fmt.Errorf("want lon, lat numbers, have %T, %T", vals[0], vals[1])
		}
		e, err := ewkb.Marshal(orb.Point{lon, lat}, postgis.SRID)
		if err != nil {
			return nil, "", fmt.Errorf("point: %w", err)
		}
		return e, pointText(lon, lat), nil
	}
	return nil, "", fmt.Errorf("unknown column kind %d", c.kind)
}

// canonPG gives the canonical text of a value read back from PostGIS (with
// the expressions of digestPGTable).
func canonPG(c column, vals []any) (string, error) {
	v := vals[0]
	if v == nil {
		return nullText, nil
	}
	switch c.kind {
	case kInt:
		if n, ok := v.(int64); ok {
			return strconv.FormatInt(n, 10), nil
		}
	case kReal:
		if f, ok := v.(float64); ok {
			return strconv.FormatFloat(f, 'g', -1, 64), nil
		}
	case kText, kDate:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case kBool:
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), nil
		}
	case kTime:
		if t, ok := v.(time.Time); ok {
			return t.UTC().Truncate(time.Microsecond).Format(timeLayout), nil
		}
	case kJSON:
		if s, ok := v.(string); ok {
			return canonicalJSON([]byte(s))
		}
	case kList:
		if l, ok := v.([]any); ok {
			list := make([]string, len(l))
			for i, e := range l {
				s, ok := e.(string)
				if !ok {
					return "", fmt.Errorf("list element %T", e)
				}
				list[i] = s
			}
			return canonicalList(list), nil
		}
	case kBytes:
		if b, ok := v.([]byte); ok {
			return bytesDigest(b), nil
		}
	case kGeom:
		if b, ok := v.([]byte); ok {
			return hex.EncodeToString(b), nil
		}
	case kPoint:
		lon, ok1 := vals[0].(float64)
		lat, ok2 := vals[1].(float64)
		if ok1 && ok2 {
			return pointText(lon, lat), nil
		}
		return "", fmt.Errorf("point %T, %T", vals[0], vals[1])
	}
	return "", fmt.Errorf("unexpected %T", v)
}

// promoteToMulti makes a Multi* of a single polygon or line.
func promoteToMulti(g orb.Geometry) (orb.Geometry, bool) {
	switch g := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}, true
	case orb.LineString:
		return orb.MultiLineString{g}, true
	case orb.Point:
		return orb.MultiPoint{g}, true
	}
	return g, false
}

func pointText(lon, lat float64) string {
	return "POINT(" + strconv.FormatFloat(lon, 'g', -1, 64) + " " + strconv.FormatFloat(lat, 'g', -1, 64) + ")"
}

func bytesDigest(b []byte) string {
	h := sha256.Sum256(b)
	return strconv.Itoa(len(b)) + ":" + hex.EncodeToString(h[:])
}

func canonicalList(list []string) string {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, s := range list {
		if i > 0 {
			buf.WriteByte(',')
		}
		b, _ := json.Marshal(s)
		buf.Write(b)
	}
	buf.WriteByte(']')
	return buf.String()
}

// canonicalJSON writes a JSON document in one form whatever its spelling:
// object keys sorted, no spaces, strings re-escaped, numbers as exact
// rationals (jsonb keeps 1.0 as 1.0 and 1e2 as 100; both sides agree on the
// value). Duplicate keys keep the last value, as jsonb does.
func canonicalJSON(b []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("JSON: data after the value")
	}
	var buf bytes.Buffer
	if err := writeCanonicalJSON(&buf, v); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func writeCanonicalJSON(buf *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case nil:
		buf.WriteString("null")
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case json.Number:
		r, ok := new(big.Rat).SetString(v.String())
		if !ok {
			return fmt.Errorf("JSON: number %s", v)
		}
		buf.WriteString(r.RatString())
	case string:
		b, _ := json.Marshal(v)
		buf.Write(b)
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeCanonicalJSON(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			b, _ := json.Marshal(k)
			buf.Write(b)
			buf.WriteByte(':')
			if err := writeCanonicalJSON(buf, v[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	default:
		return fmt.Errorf("JSON: unexpected %T", v)
	}
	return nil
}

// rowDigest is a row's key (for ordering) and the SHA-256 of its canonical text.
type rowDigest struct {
	key string
	sum [sha256.Size]byte
}

// digest hashes a row's canonical values: each column's name and value,
// length-prefixed so that no two rows share a text.
func digest(t table, canon []string) rowDigest {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	key := make([]string, len(t.key))
	for i, c := range t.cols {
		for _, s := range []string{c.name, canon[i]} {
			h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
			h.Write([]byte(s))
		}
		if k := slices.Index(t.key, c.name); k >= 0 {
			key[k] = canon[i]
			if c.kind == kInt {
				key[k] = fmt.Sprintf("%020s", canon[i]) // numeric order for ids (never negative)
			}
		}
	}
	d := rowDigest{key: strings.Join(key, "\x00")}
	h.Sum(d.sum[:0])
	return d
}

// tableSum is the SHA-256 over a table's row digests in key order.
func tableSum(ds []rowDigest) string {
	sort.Slice(ds, func(i, j int) bool { return ds[i].key < ds[j].key })
	h := sha256.New()
	for _, d := range ds {
		h.Write(d.sum[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}
