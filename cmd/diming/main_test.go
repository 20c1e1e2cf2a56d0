package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"diming/internal/pgtest"
	"diming/internal/refdata"
)

// realTownships reads the township names from the committed NBS list
// (demo/data/divisions.csv), which demo's TestEmbeddedDataMatchesReference
// checks against the source.
func realTownships(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(refdata.Shipped(t, "demo/data/divisions.csv"))
	if err != nil {
		t.Fatalf("reference data: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rows[1:] {
		if r[2] == "township" {
			names = append(names, r[1])
		}
	}
	slices.Sort(names)
	return names
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer collects a command's output from another goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// startServe runs `diming serve args…` in-process until the test ends and
// waits for /readyz. It returns the base URL.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out syncBuffer
	go func() {
		// No rate limit unless a test asks for one (a later flag wins).
		done <- run(ctx, append([]string{"serve", "--addr", addr, "--rate-limit", "0"}, args...), strings.NewReader(""), &out, &out)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d after SIGTERM-like cancel:\n%s", code, out.String())
			}
			if !strings.Contains(out.String(), "stopped") {
				t.Errorf("serve did not shut down gracefully:\n%s", out.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop within 30 s")
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d before it was ready:\n%s", code, out.String())
		default:
		}
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return base
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve not ready within 60 s:\n%s", out.String())
	return ""
}

func townshipNames(t *testing.T, base string) []string {
	t.Helper()
	res, err := http.Get(base + "/api/v1/divisions?level=township")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	var fc struct {
		Features []struct {
			Properties struct{ Name string } `json:"properties"`
		} `json:"features"`
	}
	if err := json.NewDecoder(res.Body).Decode(&fc); err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, f := range fc.Features {
		names = append(names, f.Properties.Name)
	}
	slices.Sort(names)
	return names
}

func runCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	return runStdin(t, "", args...)
}

// runStdin runs a command with the given standard input.
func runStdin(t *testing.T, stdin string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &out)
	return code, out.String()
}

// The newcomer's path: serve on an empty data folder gets the demo data.
func TestServeEmbeddedLoadsDemo(t *testing.T) {
	base := startServe(t, "--data-dir", t.TempDir())
	got := townshipNames(t, base)
	if want := realTownships(t); len(got) != 26 || !slices.Equal(got, want) {
		t.Fatalf("townships %v\nwant the 26 real ones %v", got, want)
	}
	res, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// A change committed by another process (here `diming demo` on the same
// folder) reaches a running server's read model without a restart.
func TestServeSeesChangesFromOtherProcesses(t *testing.T) {
	dir := t.TempDir()
	base := startServe(t, "--data-dir", dir, "--no-demo", "--refresh-interval", "100ms")
	if got := townshipNames(t, base); len(got) != 0 {
		t.Fatalf("--no-demo store has %d townships", len(got))
	}
	if code, out := runCmd(t, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(townshipNames(t, base)) != 26 {
		if time.Now().After(deadline) {
			t.Fatal("the server did not pick up the demo data within 5 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPostGISLifecycle(t *testing.T) {
	url := pgtest.NewEmptyDatabase(t)
	// An unmigrated PostGIS is refused, with the fix in the message.
	code, out := runCmd(t, "serve", "--database-url", url, "--addr", freeAddr(t))
	if code != 1 || !strings.Contains(out, "diming migrate") {
		t.Fatalf("serve on an empty PostGIS: exit %d, want 1 and a hint to migrate:\n%s", code, out)
	}
	for _, args := range [][]string{{"migrate"}, {"migrate"}, {"demo"}} {
		if code, out := runCmd(t, append(args, "--database-url", url)...); code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, out)
		}
	}
	base := startServe(t, "--database-url", url)
	if got, want := townshipNames(t, base), realTownships(t); !slices.Equal(got, want) {
		t.Fatalf("townships on PostGIS %v, want %v", got, want)
	}
}

func TestCommandLineErrors(t *testing.T) {
	cases := []struct {
		args []string
		code int
		says string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"serve", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"migrate", "extra"}, 2, "unexpected arguments"},
		{[]string{"migrate", "--database-url", "postgres://%zz"}, 1, "数据库 URL 无效"},
		{[]string{"migrate", "--database-url", "postgres://nobody@127.0.0.1:1/x?connect_timeout=1"}, 1, "PostGIS"},
		{[]string{"serve", "--log-level", "loud"}, 2, "invalid log level"},
		{[]string{"help"}, 0, "diming serve"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.args), func(t *testing.T) {
			code, out := runCmd(t, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.says) {
				t.Fatalf("exit %d, want %d; output lacks %q:\n%s", code, tc.code, tc.says, out)
			}
		})
	}
}
