package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"diming"
	"diming/coverage"
	"diming/gazetteer"
	"diming/geo"
)

// importOptions are the flags of `diming import`.
type importOptions struct {
	crs         string
	skipInvalid bool
	dryRun      bool
	actor       string
	jsonReport  bool
	layer       string // GeoPackage table (default: the first feature table)
	replace     bool   // roads, households: replace what is stored instead of adding
	network     coverage.GraphOptions
}

// importSummary is what an import reports, also as JSON with --json.
type importSummary struct {
	File      string               `json:"file"`
	Added     int                  `json:"added"`
	Updated   int                  `json:"updated"`
	Unchanged int                  `json:"unchanged"`
	Rejected  []gazetteer.RowError `json:"rejected"`
	Repairs   []gazetteer.Repair   `json:"repairs,omitempty"`
	Written   bool                 `json:"written"`
}

func importCmd(ctx context.Context, cfg Config, log *slog.Logger, kind, file string, opt importOptions, stdout, stderr io.Writer) error {
	switch kind {
	case "places", "divisions", "facilities", "households", "roads":
	default:
		return diming.Errorf(diming.EINVALID, "未知的导入类型 %q（支持：places、divisions、facilities、households、roads）", "unknown import kind %q (supported: places, divisions, facilities, households, roads)", kind)
	}
	crs, err := geo.ParseCRS(opt.crs)
	if err != nil {
		zh, en := geo.Reasons(err)
		return &diming.Error{Code: diming.EINVALID, Message: zh, MessageEN: en, Err: err}
	}
	if opt.network, err = graphOptions(cfg.NetworkTolerance); err != nil {
		return err
	}
	st, err := openChecked(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if kind == "facilities" || kind == "households" || kind == "roads" {
		return importCoverageCmd(ctx, st, log, kind, file, crs, opt, stdout, stderr)
	}
	var sum importSummary
	if kind == "divisions" {
		sum, err = importDivisionsLayer(ctx, st, file, opt.layer, crs, opt, stderr)
	} else {
		sum, err = importPlaces(ctx, st, file, crs, opt, stderr)
	}
	if err != nil {
		return err
	}
	if err := reportImport(stdout, opt, sum, func() { printSummary(stdout, sum, opt) }, len(sum.Rejected)); err != nil {
		return err
	}
	log.Info("import finished", "file", file, "added", sum.Added, "updated", sum.Updated, "unchanged", sum.Unchanged,
		"rejected", len(sum.Rejected), "written", sum.Written)
	return nil
}

// reportImport prints an import's summary (as JSON with --json) and fails
// when rows were rejected and --skip-invalid was not given.
func reportImport(stdout io.Writer, opt importOptions, sum any, print func(), rejected int) error {
	if opt.jsonReport {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(sum)
	} else {
		print()
	}
	if rejected > 0 && !opt.skipInvalid {
		return diming.Errorf(diming.EINVALID, "%d 行有误，未写入任何数据（修正后重试，或用 --skip-invalid 只导入正确的行）",
			"%d rows are invalid; nothing was written (fix them, or use --skip-invalid to import only the valid rows)", rejected)
	}
	return nil
}

func importPlaces(ctx context.Context, st *storeHandle, file string, crs geo.CRS, opt importOptions, stderr io.Writer) (importSummary, error) {
	sum := importSummary{File: file, Rejected: []gazetteer.RowError{}}
	info, err := os.Stat(file)
	if err != nil {
		return sum, diming.Wrap(err, diming.EINVALID, "无法读取文件 %s", "cannot read file %s", file)
	}
	if !info.Mode().IsRegular() || info.Size() > gazetteer.MaxImportBytes {
		return sum, diming.Errorf(diming.ETOOLARGE, "%s 不是文件或超过 %d MB", "%s is not a file or is larger than %d MB", file, gazetteer.MaxImportBytes>>20)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return sum, diming.Wrap(err, diming.EINVALID, "无法读取文件 %s", "cannot read file %s", file)
	}
	var rows []gazetteer.ImportRow
	switch ext := strings.ToLower(filepath.Ext(file)); ext {
	case ".csv":
		rows, err = gazetteer.ParsePlacesCSV(strings.NewReader(string(data)), crs)
	case ".geojson", ".json":
		rows, err = gazetteer.ParsePlacesGeoJSON(data, crs)
	default:
		err = diming.Errorf(diming.EINVALID, "不支持的文件类型 %q：请用 .csv 或 .geojson（GeoPackage、Shapefile 可先用 ogr2ogr 转为 GeoJSON）",
			"unsupported file type %q: use .csv or .geojson (convert GeoPackage or Shapefile with ogr2ogr first)", ext)
	}
	if err != nil {
		return sum, err
	}
	divs, err := st.Divisions(ctx, gazetteer.DivisionFilter{})
	if err != nil {
		return sum, err
	}
	existing, err := st.Places(ctx, gazetteer.PlaceFilter{})
	if err != nil {
		return sum, err
	}
	plan := gazetteer.PlanImport(rows, gazetteer.NewDivisionIndex(divs), existing, gazetteer.ImportOptions{
		Split: gazetteer.SplitName, Romanize: romanizeStandard, Source: "import:" + filepath.Base(file),
	})
	sum.Added, sum.Updated, sum.Unchanged, sum.Rejected = len(plan.Add), len(plan.Update), plan.Unchanged, plan.Rejected
	if sum.Rejected == nil {
		sum.Rejected = []gazetteer.RowError{}
	}
	if opt.dryRun || (len(plan.Rejected) > 0 && !opt.skipInvalid) || len(plan.Add)+len(plan.Update) == 0 {
		return sum, nil
	}
	bar := newProgressBar(stderr, "写入地名 writing places")
	wctx := gazetteer.WithProgress(ctx, bar.set)
	actor := diming.Actor(opt.actor)
	if _, err := st.PutPlaces(wctx, actor, "导入 "+filepath.Base(file), append(plan.Add, plan.Update...)); err != nil {
		bar.done(false)
		return sum, err
	}
	bar.done(true)
	sum.Written = true
	return sum, nil
}

func importCoverageCmd(ctx context.Context, st *storeHandle, log *slog.Logger, kind, file string, crs geo.CRS, opt importOptions, stdout, stderr io.Writer) error {
	sum, err := importCoverage(ctx, st, kind, file, crs, opt, stderr)
	if err != nil {
		return err
	}
	if err := reportImport(stdout, opt, sum, func() { printCoverageSummary(stdout, sum, opt) }, len(sum.Rejected)); err != nil {
		return err
	}
	log.Info("import finished", "kind", kind, "file", file, "rows", sum.Rows, "added", sum.Added, "updated", sum.Updated,
		"rejected", len(sum.Rejected), "written", sum.Written)
	return nil
}

func printSummary(w io.Writer, s importSummary, opt importOptions) {
	fmt.Fprintf(w, "%s：新增 %d，更新 %d，未变 %d，拒绝 %d（added %d, updated %d, unchanged %d, rejected %d）\n",
		s.File, s.Added, s.Updated, s.Unchanged, len(s.Rejected), s.Added, s.Updated, s.Unchanged, len(s.Rejected))
	for _, r := range s.Rejected {
		fmt.Fprintf(w, "  第 %d 行 %s：%s（%s）\n", r.Line, printable(r.Name), printable(r.Reason), printable(r.ReasonEN))
	}
	switch {
	case opt.dryRun:
		fmt.Fprintln(w, "试运行：未写入任何数据 (dry run: nothing written)")
	case s.Written:
		fmt.Fprintln(w, "已在一个事务中写入 (written in one transaction)")
	case len(s.Rejected) > 0 && !opt.skipInvalid:
		fmt.Fprintln(w, "有错误：未写入任何数据 (errors: nothing written)")
	default:
		fmt.Fprintln(w, "没有需要写入的变化 (nothing to write)")
	}
}

// printable escapes the control characters a rejected row may carry, so
// that printing its name does not send escape sequences to the terminal.
func printable(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// progressBar draws "label [#####.....] done/total" on a terminal, and a
// line per 10 % elsewhere (logs, CI).
type progressBar struct {
	w        io.Writer
	label    string
	tty      bool
	lastTen  int
	lastDraw time.Time
	total    int
	at       int
}

func newProgressBar(w io.Writer, label string) *progressBar {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progressBar{w: w, label: label, tty: tty, lastTen: -1}
}

func (b *progressBar) set(done, total int) {
	b.at, b.total = done, total
	if total == 0 {
		return
	}
	if b.tty {
		if time.Since(b.lastDraw) < 100*time.Millisecond && done != total {
			return
		}
		b.lastDraw = time.Now()
		n := done * 30 / total
		fmt.Fprintf(b.w, "\r%s [%s%s] %d/%d", b.label, strings.Repeat("#", n), strings.Repeat(".", 30-n), done, total)
		return
	}
	if ten := done * 10 / total; ten != b.lastTen {
		b.lastTen = ten
		fmt.Fprintf(b.w, "%s %d%% (%d/%d)\n", b.label, ten*10, done, total)
	}
}

func (b *progressBar) done(ok bool) {
	if b.tty {
		fmt.Fprintln(b.w)
	}
	if !ok {
		fmt.Fprintf(b.w, "%s：已回滚，未写入任何数据 (rolled back, nothing written)\n", b.label)
	}
}
