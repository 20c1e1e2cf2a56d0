// Command diming is the place-name and division service of a district
// civil-affairs bureau. Subcommands: serve, migrate, demo.
//
// Configuration comes from flags, with DIMING_* environment variables as
// their defaults; see `diming help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/paulmach/orb/geojson"

	"diming"
	"diming/coverage"
	"diming/demo"
	"diming/gazetteer"
	"diming/httpapi"
	"diming/readmodel"
	"diming/store/postgis"
	"diming/store/sqlite"
	"diming/web"
)

// Config is everything the commands can be told.
type Config struct {
	Addr            string
	DataDir         string
	DatabaseURL     string
	NoDemo          bool
	LogLevel        string
	LogFormat       string
	RefreshInterval time.Duration
	MaxBodyBytes    int64
	NoticeDays      int
	WordListDir     string
	BuiltUpArea     string
	RateLimit       float64
	RateBurst       int
	SecureCookies   bool
	CORSOrigins     string
	TrustedProxies  string
	// NetworkTolerance is the walking graph's merge tolerance in metres.
	NetworkTolerance float64
}

const usage = `diming — 地名与行政区划服务 (place names and administrative divisions)

usage:
  diming serve   [--addr 127.0.0.1:8080] [--data-dir ./.data] [--database-url URL] [--no-demo]
  diming migrate [--data-dir DIR] [--database-url URL]
  diming demo    [--data-dir DIR] [--database-url URL] [--geojson FILE]
  diming import  places FILE.csv|FILE.geojson [--crs wgs84|gcj02|bd09] [--dry-run] [--skip-invalid] [--json]
  diming import  divisions FILE.geojson|FILE.gpkg [--layer TABLE] [--crs …] [--dry-run] [--skip-invalid] [--json]
  diming import  facilities FILE.csv|FILE.geojson|FILE.gpkg [--crs …] [--dry-run] [--skip-invalid] [--json]
  diming import  households FILE.csv|FILE.geojson|FILE.gpkg [--replace] [--crs …] [--dry-run] [--skip-invalid] [--json]
  diming import  roads FILE.geojson|FILE.gpkg|FILE.osm|FILE.osm.pbf [--replace] [--crs …] [--dry-run] [--json]
  diming report indicators --format json|csv|xlsx -o FILE|- [--include-planned] [--minutes 15] [--speed 0.9]
  diming user add --name NAME --role applicant|reviewer|approver|planner|admin [--display-name 张三]   (password on stdin)
  diming token create --user NAME [--label TEXT] [--expires 90d|never]                        (prints the token once)
  diming migrate-store --from DIR --to URL      move a pilot's embedded store into an empty PostGIS database, verified
  diming backup --to FILE [--data-dir DIR]      a consistent copy of the embedded store while it is in use (PostGIS: pg_dump -Fc)

Without --database-url the embedded SQLite store in --data-dir is used.
Environment: DIMING_ADDR, DIMING_DATA_DIR, DIMING_DATABASE_URL, DIMING_LOG_LEVEL (debug|info|warn|error),
DIMING_LOG_FORMAT (text|json), DIMING_REFRESH_INTERVAL (e.g. 2s), DIMING_MAX_BODY_BYTES.
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, rest := args[0], args[1:]
	// Two-word commands: user add, token create, report indicators.
	if (cmd == "user" || cmd == "token" || cmd == "report") && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	fs := flag.NewFlagSet("diming "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := Config{}
	fs.StringVar(&cfg.DataDir, "data-dir", env("DIMING_DATA_DIR", "./.data"), "folder of the embedded store")
	fs.StringVar(&cfg.DatabaseURL, "database-url", env("DIMING_DATABASE_URL", ""), "PostgreSQL/PostGIS URL (empty: embedded store)")
	fs.StringVar(&cfg.LogLevel, "log-level", env("DIMING_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&cfg.LogFormat, "log-format", env("DIMING_LOG_FORMAT", "text"), "text or json")
	var geojsonOut string
	var imp importOptions
	var acct accountOptions
	var rep reportOptions
	var ms migrateStoreOptions
	var backupTo string
	switch cmd {
	case "serve":
		fs.StringVar(&cfg.Addr, "addr", env("DIMING_ADDR", "127.0.0.1:8080"), "listen address")
		fs.BoolVar(&cfg.NoDemo, "no-demo", envBool("DIMING_NO_DEMO"), "start with an empty embedded store instead of the demo dataset")
		fs.BoolVar(&cfg.SecureCookies, "secure-cookies", envBool("DIMING_SECURE_COOKIES"), "mark the console's session cookie Secure on plain HTTP too (behind a TLS-terminating proxy)")
		fs.DurationVar(&cfg.RefreshInterval, "refresh-interval", envDuration("DIMING_REFRESH_INTERVAL", 2*time.Second), "how often to look for changes made by other processes")
		fs.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", envInt("DIMING_MAX_BODY_BYTES", 10<<20), "largest request body accepted")
		fs.StringVar(&cfg.WordListDir, "wordlists", env("DIMING_WORDLISTS", ""), "folder of word lists (leaders.txt, people.txt, foreign.txt, enterprises.txt, exaggerated.txt, …) replacing the built-in ones")
		fs.StringVar(&cfg.BuiltUpArea, "built-up-area", env("DIMING_BUILT_UP_AREA", ""), "comma-separated division codes forming the built-up area (default: every 街道)")
		fs.IntVar(&cfg.NoticeDays, "notice-days", int(envInt("DIMING_NOTICE_DAYS", 7)), "default public-notice (公示) period in days")
		fs.Float64Var(&cfg.RateLimit, "rate-limit", envFloat("DIMING_RATE_LIMIT", 100), "requests a second one client address may make on average (0: no limit)")
		fs.IntVar(&cfg.RateBurst, "rate-burst", int(envInt("DIMING_RATE_BURST", 200)), "requests one client address may make at once")
		fs.StringVar(&cfg.CORSOrigins, "cors-origins", env("DIMING_CORS_ORIGINS", ""), "comma-separated origins allowed to call the API from their pages (* for any; empty: same-origin only)")
		fs.Float64Var(&cfg.NetworkTolerance, "network-tolerance", envFloat("DIMING_NETWORK_TOLERANCE", coverage.DefaultMergeTolerance), "walking network: road ends and vertices closer than this many metres are one junction (0.1–50)")
		fs.StringVar(&cfg.TrustedProxies, "trusted-proxies", env("DIMING_TRUSTED_PROXIES", ""), "comma-separated addresses and CIDR prefixes of reverse proxies whose X-Forwarded-For/-Proto/-Host are believed (empty: none)")
	case "migrate":
	case "import":
		fs.StringVar(&imp.crs, "crs", "wgs84", "coordinate system of the file: wgs84, cgcs2000, gcj02 or bd09")
		fs.BoolVar(&imp.skipInvalid, "skip-invalid", false, "import the valid rows even when some are rejected")
		fs.BoolVar(&imp.dryRun, "dry-run", false, "check and report, write nothing")
		fs.StringVar(&imp.actor, "actor", env("USER", "cli"), "who the audit log names")
		fs.BoolVar(&imp.jsonReport, "json", false, "print the summary as JSON")
		fs.StringVar(&imp.layer, "layer", "", "GeoPackage table to read (default: the first feature table)")
		fs.BoolVar(&imp.replace, "replace", false, "roads, households: replace everything stored instead of adding to it")
		fs.Float64Var(&cfg.NetworkTolerance, "network-tolerance", envFloat("DIMING_NETWORK_TOLERANCE", coverage.DefaultMergeTolerance), "walking network: road ends and vertices closer than this many metres are one junction (0.1–50)")
	case "user add":
		fs.StringVar(&acct.name, "name", "", "account name (lower-case letters, digits, . _ -)")
		fs.StringVar(&acct.displayName, "display-name", "", "the official's name as shown, e.g. 张三")
		fs.StringVar(&acct.role, "role", "", "applicant, reviewer, approver, planner or admin")
	case "token create":
		fs.StringVar(&acct.name, "user", "", "account name")
		fs.StringVar(&acct.label, "label", "", "what the token is for")
		fs.StringVar(&acct.expires, "expires", "90d", "lifetime: e.g. 90d, 12h, or never")
	case "migrate-store":
		fs.StringVar(&ms.from, "from", "", "the pilot's data folder (holding diming.db)")
		fs.StringVar(&ms.to, "to", "", "URL of the new, empty PostGIS database")
	case "backup":
		fs.StringVar(&backupTo, "to", "", "the backup file to write (must not exist)")
	case "demo":
		fs.StringVar(&geojsonOut, "geojson", "", "also write the demo divisions to this GeoJSON file")
	case "report indicators":
		fs.StringVar(&rep.format, "format", "json", "json, csv or xlsx")
		fs.StringVar(&rep.out, "o", "", "output file (- for standard output)")
		fs.BoolVar(&rep.includePlanned, "include-planned", false, "count planned facilities as open (the 2025 plan)")
		fs.Float64Var(&cfg.NetworkTolerance, "network-tolerance", envFloat("DIMING_NETWORK_TOLERANCE", coverage.DefaultMergeTolerance), "walking network: road ends and vertices closer than this many metres are one junction (0.1–50)")
		fs.Float64Var(&rep.minutes, "minutes", coverage.DefaultEldercareWalk.Minutes, "the eldercare walk in minutes (indicator 20)")
		fs.Float64Var(&rep.speed, "speed", coverage.DefaultEldercareWalk.Speed, "walking speed in m/s")
	default:
		fmt.Fprintf(stderr, "diming: 未知命令 %q / unknown command %q\n\n%s", cmd, cmd, usage)
		return 2
	}
	if err := fs.Parse(interleaved(fs, rest)); err != nil {
		return 2
	}
	var positional []string
	if cmd == "import" {
		if fs.NArg() != 2 {
			fmt.Fprintf(stderr, "diming import: 需要类型和文件 / usage: diming import KIND FILE [--crs wgs84|gcj02|bd09]\n")
			return 2
		}
		positional = fs.Args()
	} else if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "diming %s: 多余的参数 / unexpected arguments: %s\n", cmd, strings.Join(fs.Args(), " "))
		return 2
	}
	log, err := newLogger(cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "diming:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "serve":
		err = serve(ctx, cfg, log)
	case "migrate":
		err = migrate(ctx, cfg, log)
	case "user add":
		err = userAdd(ctx, cfg, log, acct, stdin, stdout)
	case "token create":
		err = tokenCreate(ctx, cfg, log, acct, stdout)
	case "import":
		imp.actor = "cli:" + strings.TrimPrefix(imp.actor, "cli:")
		err = importCmd(ctx, cfg, log, positional[0], positional[1], imp, stdout, stderr)
	case "migrate-store":
		err = migrateStore(ctx, log, ms, stdout, stderr)
	case "backup":
		err = backupStore(ctx, cfg, log, backupTo, stdout)
	case "demo":
		err = loadDemo(ctx, cfg, log, geojsonOut)
	case "report indicators":
		err = reportIndicators(ctx, cfg, log, rep, stdout)
	}
	if err != nil {
		zh, en := diming.Messages(err)
		if diming.Code(err) == diming.EINTERNAL {
			zh, en = err.Error(), err.Error()
		}
		fmt.Fprintf(stderr, "diming %s: %s\n  (%s)\n", cmd, zh, en)
		return 1
	}
	return 0
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// envBool is true when the variable says so (1, true, yes).
func envBool(name string) bool {
	b, err := strconv.ParseBool(os.Getenv(name))
	return err == nil && b || os.Getenv(name) == "yes"
}

func envFloat(name string, def float64) float64 {
	if f, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil && f >= 0 {
		return f
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil && d > 0 {
		return d
	}
	return def
}

func envInt(name string, def int64) int64 {
	var n int64
	if _, err := fmt.Sscan(os.Getenv(name), &n); err == nil && n > 0 {
		return n
	}
	return def
}

func newLogger(cfg Config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		return nil, fmt.Errorf("日志级别无效 / invalid log level %q", cfg.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch cfg.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("日志格式无效 / invalid log format %q (text or json)", cfg.LogFormat)
}

// storeHandle is an opened store and what kind it is.
type storeHandle struct {
	httpapi.Store
	kind     string
	migrate  func(context.Context) error
	check    func(context.Context) error // refuses an unknown schema
	embedded bool
}

func openStore(ctx context.Context, cfg Config) (*storeHandle, error) {
	if cfg.DatabaseURL == "" {
		st, err := sqlite.Open(ctx, cfg.DataDir)
		if err != nil {
			return nil, err
		}
		return &storeHandle{Store: st, kind: "sqlite", migrate: st.Migrate, check: st.Migrate, embedded: true}, nil
	}
	st, err := postgis.Open(ctx, postgis.Config{URL: cfg.DatabaseURL})
	if err != nil {
		return nil, err
	}
	return &storeHandle{Store: st, kind: "postgis", migrate: st.Migrate, check: st.CheckSchema}, nil
}

// openChecked opens the store and refuses a schema this binary does not
// know (the embedded store is migrated instead).
func openChecked(ctx context.Context, cfg Config) (*storeHandle, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := st.check(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.migrate(ctx); err != nil {
		return err
	}
	log.Info("schema up to date", "store", st.kind)
	return nil
}

func loadDemo(ctx context.Context, cfg Config, log *slog.Logger, geojsonOut string) error {
	st, err := openChecked(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := demo.Load(ctx, st)
	if err != nil {
		return err
	}
	log.Info("demo dataset written", "store", st.kind, "divisions", n.Divisions, "places", n.Places)
	if geojsonOut == "" {
		return nil
	}
	ds, err := demo.Divisions()
	if err != nil {
		return err
	}
	fc := geojson.NewFeatureCollection()
	for _, d := range ds {
		f := geojson.NewFeature(d.Geometry)
		f.ID = d.Code
		f.Properties = d.Properties()
		fc.Append(f)
	}
	b, err := fc.MarshalJSON()
	if err != nil {
		return err
	}
	return os.WriteFile(geojsonOut, b, 0o644)
}

func serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	trusted, err := httpapi.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return err
	}
	st, err := openChecked(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if st.embedded && !cfg.NoDemo {
		n, err := st.CountDivisions(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			log.Info("empty embedded store: loading the demo dataset (use --no-demo to start empty)")
			if _, err := demo.Load(ctx, st); err != nil {
				return err
			}
		}
	}
	model := readmodel.NewHolder(st, log)
	model.Coverage = st
	if model.Graph, err = graphOptions(cfg.NetworkTolerance); err != nil {
		return err
	}
	if model.Checks, err = checkConfig(cfg); err != nil {
		return err
	}
	if _, err := model.Refresh(ctx); err != nil {
		return fmt.Errorf("build read model: %w", err)
	}
	// On PostGIS other processes' commits are announced (LISTEN/NOTIFY) and
	// arrive at once; polling every --refresh-interval remains the fallback.
	changed := make(chan struct{}, 1)
	if l, ok := st.Store.(interface {
		Listen(context.Context, *slog.Logger, func())
	}); ok {
		go l.Listen(ctx, log, func() {
			select {
			case changed <- struct{}{}:
			default: // a refresh is already due
			}
		})
	}
	go model.WatchNotified(ctx, cfg.RefreshInterval, changed)
	hc := httpapi.DefaultConfig()
	hc.Addr = cfg.Addr
	hc.MaxBodyBytes = cfg.MaxBodyBytes
	hc.StoreKind = st.kind
	hc.NoticeDays = cfg.NoticeDays
	hc.RateLimit, hc.RateBurst = cfg.RateLimit, cfg.RateBurst
	hc.SecureCookies = cfg.SecureCookies
	hc.TrustedProxies = trusted
	for _, o := range strings.Split(cfg.CORSOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			hc.CORSOrigins = append(hc.CORSOrigins, o)
		}
	}
	srv := httpapi.New(hc, st, model, log, web.Handler())
	err = srv.Serve(ctx, nil)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// graphOptions are the walking graph's options for a merge tolerance in
// metres (--network-tolerance). Surveyed and OSM road data often ends a
// road a few centimetres short of or onto the middle of another without a
// shared vertex, traffic-model and CAD data a few metres: ends within the
// tolerance of another line are joined to it, so T-junctions connect.
// Above 50 m distinct streets would merge.
func graphOptions(tol float64) (coverage.GraphOptions, error) {
	if !(tol >= 0.1 && tol <= 50) {
		return coverage.GraphOptions{}, diming.Errorf(diming.EINVALID, "--network-tolerance 应在 0.1 到 50 米之间，而不是 %v", "--network-tolerance must be between 0.1 and 50 metres, not %v", tol)
	}
	return coverage.GraphOptions{MergeTolerance: tol, JoinEndsToLines: true}, nil
}

// interleaved moves flags after positional arguments to the front, so
// `diming import places FILE --crs gcj02` works as people type it.
func interleaved(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") {
				if f := fs.Lookup(name); f != nil {
					if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); !(ok && bf.IsBoolFlag()) && i+1 < len(args) {
						flags = append(flags, args[i+1])
						i++
					}
				}
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

// checkConfig reads the naming checks' word lists and built-up area.
func checkConfig(cfg Config) (gazetteer.CheckConfig, error) {
	var cc gazetteer.CheckConfig
	if cfg.BuiltUpArea != "" {
		for _, c := range strings.Split(cfg.BuiltUpArea, ",") {
			code, err := gazetteer.NormalizeCode(c)
			if err != nil {
				return cc, err
			}
			cc.BuiltUpArea = append(cc.BuiltUpArea, code)
		}
	}
	if cfg.WordListDir == "" {
		return cc, nil
	}
	files, err := filepath.Glob(filepath.Join(cfg.WordListDir, "*.txt"))
	if err != nil || len(files) == 0 {
		return cc, diming.Errorf(diming.EINVALID, "词表目录 %s 中没有 .txt 文件", "no .txt word lists in %s", cfg.WordListDir)
	}
	cc.WordLists = map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return cc, diming.Wrap(err, diming.EINVALID, "无法读取词表 %s", "cannot read word list %s", f)
		}
		cc.WordLists[strings.TrimSuffix(filepath.Base(f), ".txt")] = gazetteer.ParseWordList(string(b))
	}
	return cc, nil
}
