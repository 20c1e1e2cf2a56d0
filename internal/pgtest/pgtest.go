// Package pgtest gives each test a fresh PostGIS database cloned from a
// migrated template. The server comes from DIMING_TEST_DATABASE_URL (which
// `make test` sets from scripts/postgis.sh); without it tests skip loudly, and
// under CI=true they fail.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"diming/migrations"
	"diming/store/postgis"
)

// EnvURL is the variable that names the test server.
const EnvURL = "DIMING_TEST_DATABASE_URL"

// ServerURL returns the test server's URL. Without one it skips the test with
// a loud message, or fails it under CI=true.
func ServerURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		msg := "PostGIS 测试被跳过 / SKIPPING PostGIS TEST: " + EnvURL + " is not set; run `make test` (it provisions PostGIS with scripts/postgis.sh)"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg + " — under CI=true a missing PostGIS is a failure")
		}
		tb.Skip(msg)
	}
	return u
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// NewDatabase creates an empty, migrated database for the test and returns
// its URL; it is dropped when the test ends.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	server := ServerURL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx, server) })
	if templateErr != nil {
		tb.Fatalf("pgtest: template database: %v", templateErr)
	}
	name := "diming_test_" + randomHex(6)
	err := withLock(ctx, server, func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, templateName))
		return err
	})
	if err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() { dropDatabase(tb, server, name) })
	return WithDatabase(server, name)
}

// NewEmptyDatabase creates a database without diming's schema (PostGIS is
// there when the server's template1 has it, as scripts/postgis.sh sets up)
// and returns its URL; it is dropped when the test ends.
func NewEmptyDatabase(tb testing.TB) string {
	tb.Helper()
	server := ServerURL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := "diming_test_" + randomHex(6)
	if err := withLock(ctx, server, func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "CREATE DATABASE "+name)
		return err
	}); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() { dropDatabase(tb, server, name) })
	return WithDatabase(server, name)
}

func dropDatabase(tb testing.TB, server, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		tb.Logf("pgtest: drop %s: %v", name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		tb.Logf("pgtest: drop %s: %v", name, err)
	}
}

// WithDatabase returns server's URL pointing at another database.
func WithDatabase(server, name string) string {
	u, err := url.Parse(server)
	if err != nil {
		return server
	}
	u.Path = "/" + name
	return u.String()
}

// templateLock serialises template creation and cloning across test binaries
// (go test runs packages in parallel).
const templateLock = 0x64696d7470 // "dimtp"

func withLock(ctx context.Context, server string, fn func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return fmt.Errorf("connect %s: %w", redact(server), err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", templateLock) //nolint:errcheck
	return fn(conn)
}

// ensureTemplate makes (once per migration content) a migrated template.
func ensureTemplate(ctx context.Context, server string) (string, error) {
	name := "diming_tpl_" + migrations.Checksum(migrations.PostGIS)
	err := withLock(ctx, server, func(conn *pgx.Conn) error {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return nil
		}
		build := name + "_build"
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+build+" WITH (FORCE)"); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+build); err != nil {
			return err
		}
		st, err := postgis.Open(ctx, postgis.Config{URL: WithDatabase(server, build)})
		if err != nil {
			return err
		}
		err = st.Migrate(ctx)
		st.Close()
		if err != nil {
			return fmt.Errorf("migrate template: %w", err)
		}
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+build+" RENAME TO "+name); err != nil {
			return err
		}
		_, err = conn.Exec(ctx, "ALTER DATABASE "+name+" IS_TEMPLATE true")
		return err
	})
	return name, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func redact(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Redacted()
	}
	return strings.SplitN(u, "@", 2)[0] + "@…"
}
