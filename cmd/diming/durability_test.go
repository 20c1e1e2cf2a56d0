package main

// Durability: the real binary killed with SIGKILL in the middle of a stream
// of writes loses no acknowledged write and leaves none half written; and a
// SIGTERM lets a request in flight finish before the process exits.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"diming"
	"diming/coverage"
	"diming/internal/pgtest"
	"diming/store/postgis"
	"diming/store/sqlite"
)

// buildDiming builds the binary into the test's temporary folder.
func buildDiming(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "diming")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// childProcess is the binary running as a child process.
type childProcess struct {
	cmd    *exec.Cmd
	base   string
	out    *syncBuffer
	exited chan struct{} // closed when the process has exited
	err    error         // cmd.Wait's error, once exited
}

// startProcess runs `bin serve --addr … args…` and waits for /readyz; the
// process is killed when the test ends if it still runs.
func startProcess(t *testing.T, bin string, args ...string) *childProcess {
	t.Helper()
	addr := freeAddr(t)
	p := &childProcess{base: "http://" + addr, out: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr, "--rate-limit", "0"}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			t.Fatalf("diming serve exited before it was ready (%v):\n%s", p.err, p.out.String())
		default:
		}
		if res, err := http.Get(p.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("diming serve not ready within 60 s:\n%s", p.out.String())
	return nil
}

// wait waits up to limit for the process to exit and returns its error.
func (p *childProcess) wait(t *testing.T, limit time.Duration) error {
	t.Helper()
	select {
	case <-p.exited:
		return p.err
	case <-time.After(limit):
		t.Fatalf("diming serve still running after %v:\n%s", limit, p.out.String())
		return nil
	}
}

// sentWrite is one facility create of the stream: what was sent and what
// the service answered.
type sentWrite struct {
	code  string
	body  map[string]any
	acked bool
	id    int64
}

// streamFacility is the facility writer w sends as its n-th write: every
// field differs from write to write, so a mix-up shows.
func streamFacility(w, n int) map[string]any {
	code := fmt.Sprintf("KILL-%d-%04d", w, n)
	body := map[string]any{"code": code, "name": fmt.Sprintf("断电测试服务中心%d-%d", w, n), "category": "community_service_facility",
		"lon": 106.40 + 0.005*float64(w) + 0.000002*float64(n), "lat": 29.58 + 0.00001*float64(n), // inside the district
		"floor_area": 100 + 0.25*float64(n), "volunteer_station": n%2 == 0, "address": fmt.Sprintf("沙坪坝区测试路 %d 号", 100*w+n),
		"status": []string{"open", "planned"}[n%2], "opened_on": fmt.Sprintf("20%02d-0%d-1%d", 10+n%15, 1+n%9, n%10),
		"note": fmt.Sprintf("第 %d 路写入的第 %d 条", w, n), "reason": "断电测试"}
	return body
}

// sameFacility compares a facility as the API shows it (GeoJSON feature
// properties and point) with what was sent; it returns the differences.
func sameFacility(sent map[string]any, props map[string]any, point []float64) []string {
	var diffs []string
	for _, k := range []string{"code", "name", "category", "address", "status", "opened_on", "note", "floor_area", "volunteer_station"} {
		if fmt.Sprint(props[k]) != fmt.Sprint(sent[k]) {
			diffs = append(diffs, fmt.Sprintf("%s: stored %v, sent %v", k, props[k], sent[k]))
		}
	}
	if len(point) != 2 || point[0] != sent["lon"].(float64) || point[1] != sent["lat"].(float64) {
		diffs = append(diffs, fmt.Sprintf("point: stored %v, sent %v,%v", point, sent["lon"], sent["lat"]))
	}
	return diffs
}

// facilityJSON is a facility as the API answers it.
type facilityJSON struct {
	Geometry struct {
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// auditedStore is what the durability check reads straight from a store.
type auditedStore interface {
	Facilities(ctx context.Context) ([]coverage.Facility, error)
	Audit(ctx context.Context, f diming.AuditFilter) ([]diming.AuditEntry, error)
	Close() error
}

// TestKillDuringWrites: the binary, on the embedded SQLite store and on
// PostGIS, is killed with SIGKILL while several clients create facilities.
// After a restart on the same store every acknowledged write is there
// exactly once with every field as sent; no write is half there: every
// stored facility has exactly one audit 'create' entry and no audit entry
// names a facility that is not stored. Writes sent but not acknowledged may
// or may not be there, whole.
func TestKillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildDiming(t)
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		data := []string{"--data-dir", dir}
		killDuringWrites(t, bin, data, func() auditedStore {
			st, err := sqlite.Open(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			return st
		})
	})
	t.Run("postgis", func(t *testing.T) {
		dbURL := pgtest.NewDatabase(t)
		data := []string{"--database-url", dbURL}
		if code, out := runCmd(t, append([]string{"demo"}, data...)...); code != 0 {
			t.Fatalf("demo: %s", out)
		}
		killDuringWrites(t, bin, data, func() auditedStore {
			st, err := postgis.Open(context.Background(), postgis.Config{URL: dbURL})
			if err != nil {
				t.Fatal(err)
			}
			return st
		})
	})
}

func killDuringWrites(t *testing.T, bin string, data []string, open func() auditedStore) {
	start := time.Now()
	planner := addOfficial(t, data, "guihua", "planner")
	proc := startProcess(t, bin, data...)
	t.Logf("service up in %v", time.Since(start).Round(time.Millisecond))

	const writers = 4
	const killAfter = 30 // acknowledged writes
	var (
		mu      sync.Mutex
		sent    []*sentWrite
		acked   int
		refused []string
	)
	killNow := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 20 * time.Second}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				body := streamFacility(w, n)
				sw := &sentWrite{code: body["code"].(string), body: body}
				mu.Lock()
				sent = append(sent, sw)
				mu.Unlock()
				a := callAPIWith(client, proc.base, apiCall{"POST", "/api/v1/facilities", planner, body})
				if a.err != nil {
					return // the process is gone
				}
				var f facilityJSON
				if a.status != 201 || json.Unmarshal(a.raw, &f) != nil {
					mu.Lock()
					refused = append(refused, fmt.Sprintf("%s: %s", sw.code, a))
					mu.Unlock()
					continue
				}
				mu.Lock()
				sw.acked, sw.id = true, int64(f.Properties["id"].(float64))
				acked++
				if acked >= killAfter {
					once.Do(func() { close(killNow) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-killNow:
	case <-time.After(15 * time.Second):
		mu.Lock()
		n := acked
		mu.Unlock()
		t.Logf("only %d writes acknowledged in 15 s; killing now", n)
	}
	if err := proc.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Since(start)
	err := proc.wait(t, 10*time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the process did not die of SIGKILL: %v", err)
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(refused) > 0 {
		t.Errorf("%d writes refused before the kill (want none): %v", len(refused), refused)
	}
	if acked == 0 || acked == len(sent) {
		t.Fatalf("%d of %d writes acknowledged: the kill did not fall in the middle of the stream", acked, len(sent))
	}

	// Restart on the same store: the service comes up and serves the writes.
	proc = startProcess(t, bin, data...)
	byCode := map[string][]facilityJSON{}
	var all struct{ Features []facilityJSON }
	if a := callAPIWith(client, proc.base, apiCall{method: "GET", path: "/api/v1/facilities?status=all"}); a.status != 200 || json.Unmarshal(a.raw, &all) != nil {
		t.Fatalf("list facilities after the restart: %s", a)
	}
	for _, f := range all.Features {
		code, _ := f.Properties["code"].(string)
		byCode[code] = append(byCode[code], f)
	}
	found, foundUnacked, lost := 0, 0, 0
	sentCodes := map[string]bool{}
	for _, sw := range sent {
		sentCodes[sw.code] = true
		fs := byCode[sw.code]
		switch {
		case len(fs) > 1:
			t.Errorf("%s stored %d times", sw.code, len(fs))
		case len(fs) == 0 && sw.acked:
			lost++
			t.Errorf("acknowledged write %s (id %d) lost", sw.code, sw.id)
		case len(fs) == 0:
			continue
		}
		if len(fs) == 0 {
			continue
		}
		if d := sameFacility(sw.body, fs[0].Properties, fs[0].Geometry.Coordinates); len(d) > 0 {
			t.Errorf("%s (acknowledged %v) not as sent: %v", sw.code, sw.acked, d)
		}
		if !sw.acked {
			foundUnacked++
			continue
		}
		found++
		if id := int64(fs[0].Properties["id"].(float64)); id != sw.id {
			t.Errorf("%s: id %d, acknowledged as %d", sw.code, id, sw.id)
		}
	}
	for code := range byCode {
		if strings.HasPrefix(code, "KILL-") && !sentCodes[code] {
			t.Errorf("%s stored but never sent", code)
		}
	}
	// The history of an acknowledged write, as the API shows it.
	for _, sw := range sent {
		if !sw.acked {
			continue
		}
		var f facilityJSON
		a := callAPIWith(client, proc.base, apiCall{method: "GET", path: "/api/v1/facilities/" + strconv.FormatInt(sw.id, 10)})
		if a.status != 200 || json.Unmarshal(a.raw, &f) != nil {
			t.Errorf("facility %d after the restart: %s", sw.id, a)
			continue
		}
		h, _ := f.Properties["history"].([]any)
		if len(h) != 1 || h[0].(map[string]any)["action"] != "create" {
			t.Errorf("facility %s history %v, want one create", sw.code, h)
		}
	}
	if err := proc.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := proc.wait(t, 25*time.Second); err != nil {
		t.Errorf("restarted service after SIGTERM: %v", err)
	}

	// Straight from the store: no facility without its audit entry, no
	// audit entry without its facility.
	st := open()
	defer st.Close()
	ctx := context.Background()
	facs, err := st.Facilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := st.Audit(ctx, diming.AuditFilter{Entity: coverage.EntityFacility, Limit: math.MaxInt32})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]coverage.Facility{}
	for _, f := range facs {
		stored[strconv.FormatInt(f.ID, 10)] = f
	}
	creates := map[string]int{}
	for _, e := range entries {
		f, ok := stored[e.EntityID]
		if !ok {
			t.Errorf("audit entry %d (%s) for facility %s, which is not stored", e.ID, e.Action, e.EntityID)
			continue
		}
		if e.Action != "create" {
			t.Errorf("audit entry %d: %s of facility %s; the stream only creates", e.ID, e.Action, e.EntityID)
			continue
		}
		creates[e.EntityID]++
		var rec struct{ Code, Name string }
		if err := json.Unmarshal(e.After, &rec); err != nil || rec.Code != f.Code || rec.Name != f.Name {
			t.Errorf("audit entry %d records %+v, the facility is %s %s", e.ID, rec, f.Code, f.Name)
		}
	}
	for id, f := range stored {
		if creates[id] != 1 {
			t.Errorf("facility %s (%s) has %d audit create entries, want 1", id, f.Code, creates[id])
		}
	}
	t.Logf("killed at %v: writes sent %d, acknowledged %d, found after restart %d (+%d of the %d unacknowledged), lost %d; %d facilities and %d audit entries checked",
		killedAt.Round(time.Millisecond), len(sent), acked, found, foundUnacked, len(sent)-acked, lost, len(facs), len(entries))
}

// TestSIGTERMDrainsInFlightRequest: a request whose body is still arriving
// when SIGTERM comes is served to the end (200); meanwhile new connections
// are refused, and the process then exits 0. (TestSIGTERMStopsGracefully
// covers an idle server.)
func TestSIGTERMDrainsInFlightRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildDiming(t)
	dir := t.TempDir()
	data := []string{"--data-dir", dir}
	addOfficial(t, data, "shenqing", "applicant")
	proc := startProcess(t, bin, data...)
	addr := strings.TrimPrefix(proc.base, "http://")

	// A login whose body the client sends in two halves.
	body := `{"name":"shenqing","password":"a long enough password"}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := fmt.Sprintf("POST /api/v1/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", addr, len(body))
	if _, err := conn.Write([]byte(head + body[:20])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the server is reading the body

	if err := proc.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	sigAt := time.Now()
	// The listener closes: new connections are refused while the request
	// is still in flight.
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			// Refused, or reset: a connection the kernel had queued just as
			// the listener closed is reset rather than refused. Either way
			// it is not served.
			if !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("a new connection after SIGTERM: %v, want refused", err)
			}
			break
		}
		c.Close()
		if time.Since(sigAt) > 5*time.Second {
			t.Fatalf("new connections still accepted 5 s after SIGTERM:\n%s", proc.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	refusedAfter := time.Since(sigAt)
	time.Sleep(300 * time.Millisecond)
	select {
	case <-proc.exited:
		t.Fatalf("the process exited (%v) with a request in flight:\n%s", proc.err, proc.out.String())
	default:
	}
	if !strings.Contains(proc.out.String(), "draining in-flight requests") {
		t.Fatalf("no drain in the log:\n%s", proc.out.String())
	}

	// The rest of the body: the request completes.
	if _, err := conn.Write([]byte(body[20:])); err != nil {
		t.Fatalf("finishing the request after SIGTERM: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the in-flight request: %v\n%s", err, proc.out.String())
	}
	var me struct {
		User struct{ Name string } `json:"user"`
	}
	err = json.NewDecoder(res.Body).Decode(&me)
	res.Body.Close()
	if res.StatusCode != 200 || err != nil || me.User.Name != "shenqing" {
		t.Fatalf("in-flight login: %d %+v %v", res.StatusCode, me, err)
	}
	if err := proc.wait(t, 10*time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, proc.out.String())
	}
	if !strings.Contains(proc.out.String(), "stopped") {
		t.Errorf("no clean stop in the log:\n%s", proc.out.String())
	}
	t.Logf("new connections refused %v after SIGTERM; the in-flight request answered %d; exit 0 %v after SIGTERM",
		refusedAfter.Round(time.Millisecond), res.StatusCode, time.Since(sigAt).Round(time.Millisecond))
}
