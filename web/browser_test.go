package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"diming/demo"
	"diming/httpapi"
	"diming/readmodel"
	"diming/store/sqlite"
	"diming/web"
)

const chromiumPath = "/usr/bin/chromium"

// needBrowser returns node, or skips (loudly) when the browser tools are
// missing; under CI=true it fails instead. scripts/browser.sh installs them.
func needBrowser(t *testing.T) string {
	t.Helper()
	var missing []string
	if _, err := os.Stat(chromiumPath); err != nil {
		missing = append(missing, chromiumPath+" (Debian package chromium)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat("e2e/node_modules/playwright-core/package.json"); err != nil {
		missing = append(missing, "web/e2e/node_modules/playwright-core (npm ci in web/e2e)")
	}
	if len(missing) == 0 {
		return node
	}
	msg := "BROWSER TEST NOT RUN: missing " + strings.Join(missing, ", ") + "; run scripts/browser.sh (make test does)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	fmt.Fprintln(os.Stderr, "!!! "+msg)
	t.Skip(msg)
	return ""
}

// startService wires the service as `diming serve` does, on a fresh SQLite
// store holding the demo data, and serves it on 127.0.0.1 until the test ends.
func startService(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	loadDemo(t, ctx, st)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	model := readmodel.NewHolder(st, log)
	if _, err := model.Refresh(ctx); err != nil {
		t.Fatalf("build read model: %v", err)
	}
	cfg := httpapi.DefaultConfig()
	cfg.StoreKind = "sqlite"
	srv := httptest.NewServer(httpapi.New(cfg, st, model, log, web.Handler()).Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

// loadDemo writes the demo dataset as `diming serve` does on an empty store:
// the divisions, a place name for each, and the demo gazetteer.
func loadDemo(t *testing.T, ctx context.Context, st *sqlite.Store) {
	t.Helper()
	res, err := demo.Load(ctx, st)
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	if res.Places < 100 {
		t.Fatalf("the demo dataset has only %d places", res.Places)
	}
}

// screenshotDir is where the screenshots go: $DIMING_SCREENSHOTS, or a
// fixed folder in the temp dir that each run overwrites.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("DIMING_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "diming-browser-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The public lookup page in headless Chromium (web/e2e/lookup.mjs): type
// "spb", choose 沙坪坝街道, see its pinyin and map; search 磁器口 and open a
// result; a Chinese error; no request leaves 127.0.0.1.
// e2eReport is what a web/e2e script writes to $REPORT.
type e2eReport struct {
	Requests    []string `json:"requests"`
	Screenshots []string `json:"screenshots"`
}

// runE2E runs `node e2e/SCRIPT` against base with extra environment, fails
// the test when the script fails, checks that every request the page made
// stayed on 127.0.0.1, and returns the report with the set of
// "METHOD /path" requests seen.
func runE2E(t *testing.T, node, script, base string, timeout time.Duration, env ...string) (e2eReport, map[string]bool) {
	t.Helper()
	shots := screenshotDir(t)
	report := filepath.Join(t.TempDir(), "report.json")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "e2e/"+script)
	cmd.Env = append(append(os.Environ(), "BASE_URL="+base, "CHROMIUM="+chromiumPath, "SCREENSHOT_DIR="+shots, "REPORT="+report), env...)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("node e2e/%s:\n%s", script, out)
	fmt.Fprintf(os.Stderr, "%s screenshots: %s\n", script, shots)
	if err != nil {
		t.Fatalf("e2e/%s failed: %v (screenshots in %s)", script, err, shots)
	}
	var rep e2eReport
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	saw := map[string]bool{}
	for _, r := range rep.Requests {
		method, raw, _ := strings.Cut(r, " ")
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "data" && u.Scheme != "blob" && u.Hostname() != "127.0.0.1") {
			t.Errorf("the page made a request off 127.0.0.1: %s", r)
			continue
		}
		saw[method+" "+u.Path] = true
	}
	return rep, saw
}

func TestLookupPageInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser test is not short")
	}
	node := needBrowser(t)
	base := startService(t)

	// The search API must answer before the page can be tested.
	res, err := http.Get(base + "/api/v1/places?q=" + url.QueryEscape("沙坪坝"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/places?q=沙坪坝: %d, want 200", res.StatusCode)
	}

	rep, saw := runE2E(t, node, "lookup.mjs", base, 3*time.Minute)
	if len(rep.Requests) < 5 {
		t.Fatalf("only %d requests recorded: %v", len(rep.Requests), rep.Requests)
	}
	for _, p := range []string{"/", "/app.js", "/style.css", "/api/v1/places/autocomplete", "/api/v1/places", "/api/v1/divisions/500106"} {
		if !saw["GET "+p] {
			t.Errorf("the page never requested %s", p)
		}
	}
	if len(rep.Screenshots) < 3 {
		t.Errorf("screenshots: %v, want 3", rep.Screenshots)
	}
}
