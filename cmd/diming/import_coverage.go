package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"

	"diming"
	"diming/app"
	"diming/coverage"
	"diming/gazetteer"
	"diming/geo"
)

// coverageSummary is what a facilities, households or roads import reports.
type coverageSummary struct {
	File string `json:"file"`
	Kind string `json:"kind"`
	app.RoadImportResult
	Replace bool `json:"replace"`
}

// importCoverage reads the file and hands its rows to the kind's use case.
func importCoverage(ctx context.Context, st *storeHandle, kind, file string, crs geo.CRS, opt importOptions, stderr io.Writer) (coverageSummary, error) {
	sum := coverageSummary{File: file, Kind: kind, Replace: opt.replace}
	sum.Rejected = []coverage.RowError{}
	in := app.ImportFile{Path: file, Layer: opt.layer, CRS: crs}
	uo := app.ImportOptions{DryRun: opt.dryRun, SkipInvalid: opt.skipInvalid, Replace: opt.replace}
	actor, reason := diming.Actor(opt.actor), "导入 "+filepath.Base(file)
	bar := newProgressBar(stderr, "写入 writing "+kind)
	wctx := gazetteer.WithProgress(ctx, bar.set)
	var err error
	switch kind {
	case "facilities":
		var rows []coverage.FacilityRow
		if rows, err = app.ReadFacilityFile(ctx, in); err != nil {
			return sum, err
		}
		sum.ImportResult, _, err = app.Facilities{Store: st}.Import(wctx, actor, reason, rows, uo)
	case "households":
		var rows []coverage.HouseholdRow
		if rows, err = app.ReadHouseholdFile(ctx, in); err != nil {
			return sum, err
		}
		sum.ImportResult, _, err = app.Households{Store: st}.Import(wctx, actor, reason, rows, uo)
	case "roads":
		var ri coverage.RoadImport
		if ri, err = app.ReadRoadFile(ctx, in); err != nil {
			return sum, err
		}
		sum.RoadImportResult, _, err = app.Roads{Store: st, Graph: opt.network}.Import(wctx, actor, reason, ri, uo)
	}
	if sum.Written || err != nil { // a write began: the bar says how it ended
		bar.done(err == nil && sum.Written)
	}
	return sum, err
}

func printCoverageSummary(w io.Writer, s coverageSummary, opt importOptions) {
	fmt.Fprintf(w, "%s（%s）：%d 行，新增 %d，更新 %d，未变 %d，拒绝 %d（%d rows: added %d, updated %d, unchanged %d, rejected %d）\n",
		s.File, s.Kind, s.Rows, s.Added, s.Updated, s.Unchanged, len(s.Rejected), s.Rows, s.Added, s.Updated, s.Unchanged, len(s.Rejected))
	if len(s.Skipped) > 0 {
		reasons := make([]string, 0, len(s.Skipped))
		for r := range s.Skipped {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		for _, r := range reasons {
			fmt.Fprintf(w, "  跳过不可步行的道路 skipped (not walkable) %s: %d\n", printable(r), s.Skipped[r])
		}
	}
	if n := s.Network; n != nil {
		fmt.Fprintf(w, "  路网（合并容差 %g 米）：%d 个连通部分，最大部分占总长 %.1f%%；断头 %d 处，其中 %d 处距未连通的路不足 %g 米（见 /api/v1/network/gaps）\n",
			n.MergeToleranceM, n.Components, n.LargestShare*100, n.DeadEnds, n.NearGaps, n.NearGapM)
		fmt.Fprintf(w, "  network (merge tolerance %g m): %d connected parts, the largest %.1f%% of the length; %d dead ends, %d of them within %g m of a road they do not join (see /api/v1/network/gaps)\n",
			n.MergeToleranceM, n.Components, n.LargestShare*100, n.DeadEnds, n.NearGaps, n.NearGapM)
	}
	for _, r := range s.Rejected {
		fmt.Fprintf(w, "  第 %d 行 %s：%s（%s）\n", r.Line, printable(r.Name), printable(r.Reason), printable(r.ReasonEN))
	}
	switch {
	case opt.dryRun:
		fmt.Fprintln(w, "试运行：未写入任何数据 (dry run: nothing written)")
	case s.Written && s.Replace:
		fmt.Fprintln(w, "已在一个事务中写入，替换了原有数据 (written in one transaction, replacing what was there)")
	case s.Written:
		fmt.Fprintln(w, "已在一个事务中写入 (written in one transaction)")
	case len(s.Rejected) > 0 && !opt.skipInvalid:
		fmt.Fprintln(w, "有错误：未写入任何数据 (errors: nothing written)")
	default:
		fmt.Fprintln(w, "没有需要写入的变化 (nothing to write)")
	}
}
