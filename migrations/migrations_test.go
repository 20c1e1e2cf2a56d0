package migrations_test

import (
	"strings"
	"testing"

	"diming/migrations"
)

func TestBothDialectsInStep(t *testing.T) {
	pg, err := migrations.For(migrations.PostGIS)
	if err != nil {
		t.Fatal(err)
	}
	lite, err := migrations.For(migrations.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if len(pg) == 0 || len(pg) != len(lite) {
		t.Fatalf("%d PostGIS and %d SQLite migrations: the stores must move in step", len(pg), len(lite))
	}
	for i := range pg {
		if pg[i].Version != i+1 || pg[i].Name != lite[i].Name || strings.TrimSpace(pg[i].SQL) == "" {
			t.Errorf("migration %d: PostGIS %d %q, SQLite %d %q", i, pg[i].Version, pg[i].Name, lite[i].Version, lite[i].Name)
		}
	}
	if migrations.Latest(migrations.PostGIS) != len(pg) {
		t.Fatal("Latest disagrees with For")
	}
	if migrations.Checksum(migrations.PostGIS) == migrations.Checksum(migrations.SQLite) {
		t.Fatal("checksums of different content are equal")
	}
	if _, err := migrations.For("oracle"); err == nil {
		t.Fatal("unknown dialect accepted")
	}
}
