// Command benchtable turns `go test -bench` output (stdin) into the markdown
// table of docs/benchmarks.md. A benchmark with a sub-benchmark named
// "diming" and others named for peers (postgis, pgrouting, pg_trgm, …) is
// reported side by side with the ratio peer ÷ diming; repeated runs
// (-count) are summarised by their median.
package main

import (
	"bufio"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed notes.md
var notes string

// line matches a result line: name, iterations, then "value unit" pairs.
var line = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

type sample struct {
	ns, bytes, allocs []float64
	extra             map[string][]float64 // custom metrics (b.ReportMetric), by unit
	units             []string
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func human(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.2f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func main() {
	out := flag.String("o", "docs/benchmarks.md", "markdown file to write")
	cmd := flag.String("cmd", "make bench", "the command that produced the input, for the record")
	flag.Parse()
	if err := run(os.Stdin, *out, *cmd); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// The markers around the load section that internal/loadgen writes.
const loadBegin, loadEnd = "<!-- load:begin -->", "<!-- load:end -->"

func run(in io.Reader, out, cmd string) error {
	samples := map[string]*sample{}
	var order []string
	cpu := ""
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		text := sc.Text()
		if strings.HasPrefix(text, "cpu: ") {
			cpu = strings.TrimPrefix(text, "cpu: ")
		}
		m := line.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		fields := strings.Fields(m[2])
		if len(fields) < 2 || fields[1] != "ns/op" {
			continue
		}
		name := m[1]
		s, ok := samples[name]
		if !ok {
			s = &sample{extra: map[string][]float64{}}
			samples[name] = s
			order = append(order, name)
		}
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				break
			}
			switch unit := fields[i+1]; unit {
			case "ns/op":
				s.ns = append(s.ns, v)
			case "B/op":
				s.bytes = append(s.bytes, v)
			case "allocs/op":
				s.allocs = append(s.allocs, v)
			default:
				if _, seen := s.extra[unit]; !seen {
					s.units = append(s.units, unit)
				}
				s.extra[unit] = append(s.extra[unit], v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(order) == 0 {
		return fmt.Errorf("no benchmark results in the input")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\nWritten by `%s` on %s (%s, %s, %d cores). The machines are shared and noisy:\n",
		cmd, time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.Version(), orUnknown(cpu), runtime.NumCPU())
	b.WriteString("quote the **ratios**, which compare both engines on the same data in the same run, not the absolute times.\n")
	b.WriteString("Each figure is the median of the runs (`-count`).\n\n")
	b.WriteString("## diming against its peers\n\n| benchmark | diming | peer | what the peer does | peer time | peer ÷ diming | p50 / p99 diming · peer |\n|---|---:|---|---|---:|---:|---|\n")
	peers := 0
	for _, name := range order {
		base, sub, ok := strings.Cut(name, "/")
		if !ok || sub != "diming" {
			continue
		}
		own := median(samples[name].ns)
		for _, other := range order {
			ob, osub, ok := strings.Cut(other, "/")
			if !ok || ob != base || osub == "diming" || strings.Contains(osub, "/") {
				continue
			}
			peer := median(samples[other].ns)
			short := strings.TrimPrefix(base, "Benchmark")
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | **%.1f×** | %s |\n", short, human(own), osub, peerDoes(short, osub),
				human(peer), peer/own, percentiles(samples[name], samples[other]))
			peers++
		}
	}
	if peers == 0 {
		b.WriteString("| (no side-by-side benchmarks ran) | | | | | | |\n")
	}
	b.WriteString("\n## Every benchmark\n\n| benchmark | time/op | B/op | allocs/op | other measures |\n|---|---:|---:|---:|---|\n")
	for _, name := range order {
		s := samples[name]
		var other []string
		for _, u := range s.units {
			other = append(other, fmt.Sprintf("%s %s", strconv.FormatFloat(median(s.extra[u]), 'g', 4, 64), u))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", strings.TrimPrefix(name, "Benchmark"), human(median(s.ns)), count(s.bytes), count(s.allocs), strings.Join(other, ", "))
	}
	b.WriteString("\n" + notes)
	// The load test's section (written by internal/loadgen) stays.
	if old, err := os.ReadFile(out); err == nil {
		text := string(old)
		if i, j := strings.Index(text, loadBegin), strings.Index(text, loadEnd); i >= 0 && j > i {
			b.WriteString("\n" + text[i:j+len(loadEnd)] + "\n")
		}
	}
	if err := os.MkdirAll(dir(out), 0o755); err != nil {
		return err
	}
	return os.WriteFile(out, []byte(b.String()), 0o644)
}

// peerSetups say what each peer does, by benchmark (a path.Match pattern,
// without "Benchmark") and peer; notes.md says it at length.
var peerSetups = []struct{ bench, peer, does string }{
	{"DivisionAt", "postgis", "`ST_Intersects` per point on the GiST-indexed divisions"},
	{"NearestFacility", "postgis", "`ORDER BY geog <-> point LIMIT 1` (GiST KNN)"},
	{"BoundaryTopology", "postgis", "the same overlay in SQL (`ST_Intersection`, `ST_Difference`, `ST_Union`), one query per level"},
	{"MultiSourceSearch", "pgrouting", "`pgr_drivingDistance` on the same edge table"},
	{"Search", "postgres", "btree `text_pattern_ops` prefixes, GiST `gist_trgm_ops` KNN (`<->`) typos; plans EXPLAINed, answers compared (agree-%)"},
	{"Autocomplete", "postgres", "btree `text_pattern_ops` prefixes; plans EXPLAINed, answers compared (agree-%)"},
	{"Tile*Precomputed", "postgis", "`ST_AsMVT` from a table simplified per zoom beforehand (diming: generalisation built before the timer)"},
	{"Tile*Cold", "postgis", "`ST_AsMVT(ST_AsMVTGeom(ST_Simplify(geom, tol)))` per call (diming: generalises the layer in the timer)"},
	{"TileFacilities*", "postgis", "`ST_AsMVT` of points (nothing to generalise on either side)"},
}

func peerDoes(bench, peer string) string {
	for _, s := range peerSetups {
		if ok, _ := path.Match(s.bench, bench); ok && s.peer == peer {
			return s.does
		}
	}
	return "see below"
}

// percentiles prints the p50 and p99 both sides reported (µs), or nothing.
func percentiles(own, peer *sample) string {
	p := func(s *sample, unit string) (string, bool) {
		xs, ok := s.extra[unit]
		if !ok {
			return "", false
		}
		return human(median(xs) * 1e3), true
	}
	a50, ok1 := p(own, "p50-µs")
	a99, ok2 := p(own, "p99-µs")
	b50, ok3 := p(peer, "p50-µs")
	b99, ok4 := p(peer, "p99-µs")
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return ""
	}
	return a50 + " / " + a99 + " · " + b50 + " / " + b99
}

// count prints a median count, or a dash when the benchmark did not report it.
func count(xs []float64) string {
	if len(xs) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", median(xs))
}

func orUnknown(s string) string {
	if s == "" {
		return "cpu unknown"
	}
	return s
}

func dir(p string) string {
	if i := strings.LastIndex(p, "/"); i > 0 {
		return p[:i]
	}
	return "."
}
