package migrations

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed postgis/*.sql sqlite/*.sql
var files embed.FS

// Dialect names a store's SQL dialect, which is also its folder here.
type Dialect string

// The two dialects.
const (
	PostGIS Dialect = "postgis"
	SQLite  Dialect = "sqlite"
)

// Migration is one schema step.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// For returns the migrations of a dialect in version order. Versions must
// start at 1 and have no gaps.
func For(d Dialect) ([]Migration, error) {
	entries, err := fs.ReadDir(files, string(d))
	if err != nil {
		return nil, fmt.Errorf("migrations: %s: %w", d, err)
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migrations: %s/%s: want NNNN_name.sql", d, name)
		}
		b, err := files.ReadFile(path.Join(string(d), name))
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(rest, ".sql"), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations: %s: version %d where %d was expected", d, m.Version, i+1)
		}
	}
	return ms, nil
}

// Latest is the newest version of a dialect's schema.
func Latest(d Dialect) int {
	ms, err := For(d)
	if err != nil {
		return 0
	}
	return len(ms)
}

// Checksum identifies the exact content of a dialect's migrations; test
// helpers name their template databases by it.
func Checksum(d Dialect) string {
	ms, _ := For(d)
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d %s\n%s\n", m.Version, m.Name, m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
