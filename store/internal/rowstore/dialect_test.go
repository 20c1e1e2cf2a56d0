package rowstore

import (
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	d := Dialect{Dollar: true}
	for _, tc := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ? OR c LIKE ? || '__'", "a = $1 AND b = $2 OR c LIKE $3 || '__'"},
		{"(?1 = '' OR status = ?1) AND (?2 = '' OR applicant = ?2) LIMIT 10", "($1 = '' OR status = $1) AND ($2 = '' OR applicant = $2) LIMIT 10"},
	} {
		if got := d.rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := (Dialect{}).rebind("a = ?1"); got != "a = ?1" {
		t.Errorf("SQLite's statements changed: %q", got)
	}
}

func TestUpsertReplacesAllButTheKey(t *testing.T) {
	q := upsertSQL("divisions", "code", plain("code", "name", "geom"))
	want := "INSERT INTO divisions (code, name, geom) VALUES (?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, geom = excluded.geom"
	if q != want {
		t.Fatalf("%s\nwant %s", q, want)
	}
	if u := updateSQL("t", []Col{{"a", "?"}, {"geom", "ST_GeomFromEWKB(?)"}}); !strings.HasSuffix(u, "SET a = ?, geom = ST_GeomFromEWKB(?) WHERE id = ?") {
		t.Fatalf("update: %s", u)
	}
}
