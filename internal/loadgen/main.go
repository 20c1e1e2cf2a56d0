// Command loadgen drives mixed traffic (the public's search, autocomplete,
// reverse geocoding, vector tiles, nearest facility and isochrones, and a
// planner's coverage reports) against a running diming for a bounded time and reports
// throughput, latency percentiles and errors; with -o it writes the result
// into docs/benchmarks.md between the load markers. `make load` starts a
// server on the demo data and runs it for 60 s.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// request is one kind of public request, with its weight in the mix.
type request struct {
	kind   string
	weight int
	path   func(r *rand.Rand) string
}

// plannerKinds are a planner's requests (the coverage reports), sent with
// the -token bearer token; the rest are the public's.
var plannerKinds = map[string]bool{"coverage": true}

var plannerToken string

// anchors are points where people are (the service's own schools and
// eldercare stations, fetched at the start); queries land within about
// 500 m of one, inside the district and near the walking network.
var anchors [][2]float64

func point(r *rand.Rand) (float64, float64) {
	a := anchors[r.IntN(len(anchors))]
	return a[0] + (r.Float64()-0.5)*0.01, a[1] + (r.Float64()-0.5)*0.01
}

// loadAnchors reads the facilities the query points are drawn around.
func loadAnchors(client *http.Client, base string) error {
	res, err := client.Get(base + "/api/v1/facilities?category=school,community_eldercare")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var fc struct {
		Features []struct {
			Geometry struct{ Coordinates [2]float64 }
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&fc); err != nil {
		return fmt.Errorf("facilities: %w", err)
	}
	for _, f := range fc.Features {
		anchors = append(anchors, f.Geometry.Coordinates)
	}
	if len(anchors) == 0 {
		return errors.New("the service has no schools or eldercare facilities to draw query points around")
	}
	return nil
}

// tile returns a random tile of the district at zoom z.
func tile(r *rand.Rand, z int) (int, int) {
	lon, lat := point(r)
	n := math.Exp2(float64(z))
	x := int((lon + 180) / 360 * n)
	y := int((1 - math.Log(math.Tan(lat*math.Pi/180)+1/math.Cos(lat*math.Pi/180))/math.Pi) / 2 * n)
	return x, y
}

var words = []string{"沙坪坝", "磁器口", "歌乐山", "小龙坎", "spb", "ciqikou", "gls", "汉渝路", "天星桥", "qinjiagang", "井口", "青木关", "大学城", "公园", "路"}

var mix = []request{
	{"search", 20, func(r *rand.Rand) string { return "/api/v1/places?q=" + words[r.IntN(len(words))] }},
	{"autocomplete", 15, func(r *rand.Rand) string {
		w := []rune(words[r.IntN(len(words))])
		return "/api/v1/places/autocomplete?q=" + string(w[:1+r.IntN(len(w))])
	}},
	{"reverse", 15, func(r *rand.Rand) string {
		lon, lat := point(r)
		return fmt.Sprintf("/api/v1/reverse?lon=%.5f&lat=%.5f", lon, lat)
	}},
	{"tile", 35, func(r *rand.Rand) string {
		layers := []string{"divisions-village", "divisions-township", "facilities", "coverage-villages", "places", "boundary-lines"}
		z := 11 + r.IntN(5)
		x, y := tile(r, z)
		return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layers[r.IntN(len(layers))], z, x, y)
	}},
	{"coverage", 5, func(r *rand.Rand) string {
		return []string{"/api/v1/coverage/eldercare?uncovered_limit=10", "/api/v1/coverage/lottery", "/api/v1/coverage/facility-area", "/api/v1/indicators"}[r.IntN(4)]
	}},
	{"nearest", 8, func(r *rand.Rand) string {
		lon, lat := point(r)
		by := []string{"straight", "walk"}[r.IntN(2)]
		return fmt.Sprintf("/api/v1/nearest?lon=%.5f&lat=%.5f&category=community_eldercare&k=3&by=%s", lon, lat, by)
	}},
	{"isochrone", 2, func(r *rand.Rand) string {
		lon, lat := point(r)
		return fmt.Sprintf("/api/v1/isochrone?lon=%.5f&lat=%.5f", lon, lat)
	}},
}

type result struct {
	kind   string
	path   string
	status int
	took   time.Duration
	err    error
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "the service")
	dur := flag.Duration("duration", 60*time.Second, "how long to run")
	conc := flag.Int("c", 32, "concurrent clients")
	out := flag.String("o", "", "markdown file to write the result into (between the load markers)")
	flag.StringVar(&plannerToken, "token", "", "a planner's bearer token for the coverage reports in the mix")
	freePort := flag.Bool("free-port", false, "print a free TCP port of 127.0.0.1 and exit (for scripts/load.sh)")
	flag.Parse()
	if *freePort {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		return
	}
	res, err := run(*base, *dur, *conc)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	report := format(res, *dur, *conc)
	fmt.Print(report)
	if *out != "" {
		if err := writeSection(*out, report); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
	}
	if res.errors+res.serverErrors+res.clientErrors > 0 {
		fmt.Fprintf(os.Stderr, "loadgen: %d transport errors, %d 5xx, %d 4xx (first: %s)\n", res.errors, res.serverErrors, res.clientErrors, res.firstErr)
		os.Exit(1)
	}
}

type summary struct {
	total, errors, serverErrors, clientErrors int
	byKind                                    map[string][]time.Duration
	all                                       []time.Duration
	elapsed                                   time.Duration
	firstErr                                  string
}

func run(base string, dur time.Duration, conc int) (*summary, error) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}
	if res, err := client.Get(base + "/readyz"); err != nil || res.StatusCode != 200 {
		return nil, fmt.Errorf("%s is not ready: %v", base, err)
	}
	if err := loadAnchors(client, base); err != nil {
		return nil, err
	}
	weights := 0
	for _, m := range mix {
		weights += m.weight
	}
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	results := make(chan []result, conc)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 2026))
			var mine []result
			for ctx.Err() == nil {
				k := r.IntN(weights)
				var m request
				for _, m = range mix {
					if k < m.weight {
						break
					}
					k -= m.weight
				}
				path := m.path(r)
				req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				if plannerKinds[m.kind] {
					req.Header.Set("Authorization", "Bearer "+plannerToken)
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				if ctx.Err() != nil && err != nil && errors.Is(err, context.DeadlineExceeded) {
					break // the run ended mid-request: not an error of the service
				}
				rr := result{kind: m.kind, path: path, took: time.Since(t0), err: err}
				if err == nil {
					rr.status = res.StatusCode
				}
				mine = append(mine, rr)
			}
			results <- mine
		}()
	}
	wg.Wait()
	close(results)
	s := &summary{byKind: map[string][]time.Duration{}, elapsed: time.Since(start)}
	for rs := range results {
		for _, r := range rs {
			s.total++
			switch {
			case r.err != nil:
				s.errors++
				if s.firstErr == "" {
					s.firstErr = r.err.Error()
				}
			case r.status >= 500:
				s.serverErrors++
			case r.status >= 400:
				s.clientErrors++
				if s.firstErr == "" {
					s.firstErr = fmt.Sprintf("%s: status %d", r.path, r.status)
				}
			}
			s.byKind[r.kind] = append(s.byKind[r.kind], r.took)
			s.all = append(s.all, r.took)
		}
	}
	return s, nil
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(a, b int) bool { return d[a] < d[b] })
	return d[min(len(d)-1, int(math.Ceil(p*float64(len(d))))-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func format(s *summary, dur time.Duration, conc int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Load (`make load`)\n\nWritten on %s (%s, %d cores): %d concurrent clients for %v against `diming serve` on the demo data\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.Version(), runtime.NumCPU(), conc, dur)
	b.WriteString("(embedded store, no rate limit), a mix of public requests and a planner's coverage reports; the load generator shares the machine with the server.\n\n")
	fmt.Fprintf(&b, "**%.0f requests/s**, %d requests, **%d errors** (%d transport, %d 5xx, %d 4xx), p50 %s, p99 %s.\n\n",
		float64(s.total)/s.elapsed.Seconds(), s.total, s.errors+s.serverErrors+s.clientErrors, s.errors, s.serverErrors, s.clientErrors, ms(pct(s.all, 0.5)), ms(pct(s.all, 0.99)))
	b.WriteString("| request | share | count | p50 | p99 |\n|---|---:|---:|---:|---:|\n")
	kinds := make([]string, 0, len(s.byKind))
	for k := range s.byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		d := s.byKind[k]
		fmt.Fprintf(&b, "| %s | %.0f %% | %d | %s | %s |\n", k, 100*float64(len(d))/float64(max(s.total, 1)), len(d), ms(pct(d, 0.5)), ms(pct(d, 0.99)))
	}
	if s.firstErr != "" {
		fmt.Fprintf(&b, "\nFirst error: %s\n", s.firstErr)
	}
	return b.String()
}

// Markers around the load section of docs/benchmarks.md; benchtable keeps
// what is between them when it rewrites the file.
const beginMarker, endMarker = "<!-- load:begin -->", "<!-- load:end -->"

func writeSection(path, section string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	text := string(old)
	block := beginMarker + "\n" + section + endMarker
	if i, j := strings.Index(text, beginMarker), strings.Index(text, endMarker); i >= 0 && j > i {
		text = text[:i] + block + text[j+len(endMarker):]
	} else {
		text = strings.TrimRight(text, "\n") + "\n\n" + block + "\n"
	}
	return os.WriteFile(path, []byte(text), 0o644)
}
