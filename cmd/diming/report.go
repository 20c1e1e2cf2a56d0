package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"diming"
	"diming/coverage"
	"diming/readmodel"
)

// reportOptions are the flags of `diming report indicators`.
type reportOptions struct {
	format         string
	out            string
	includePlanned bool
	minutes, speed float64
}

// reportIndicators computes the plan's indicators from the store and
// writes them as JSON, CSV or .xlsx to a file (or - for stdout).
func reportIndicators(ctx context.Context, cfg Config, log *slog.Logger, opt reportOptions, stdout io.Writer) error {
	switch opt.format {
	case "json", "csv", "xlsx":
	default:
		return diming.Errorf(diming.EINVALID, "--format 应为 json、csv 或 xlsx", "--format must be json, csv or xlsx")
	}
	if opt.out == "" {
		return diming.Errorf(diming.EINVALID, "须用 -o 指定输出文件（- 为标准输出）", "give the output file with -o (- for standard output)")
	}
	p := coverage.IndicatorParams{IncludePlanned: opt.includePlanned, Eldercare: coverage.Walk{Minutes: opt.minutes, Speed: opt.speed}}
	if err := p.Eldercare.Validate(); err != nil {
		return err
	}
	gopt, err := graphOptions(cfg.NetworkTolerance)
	if err != nil {
		return err
	}
	st, err := openChecked(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	holder := readmodel.NewHolder(st, log)
	holder.Coverage = st
	holder.Graph = gopt
	m, err := holder.Refresh(ctx)
	if err != nil {
		return err
	}
	rep, err := m.Coverage.Indicators(p)
	if err != nil {
		return err
	}
	w := stdout
	var f *os.File
	if opt.out != "-" {
		if f, err = os.CreateTemp(filepath.Dir(opt.out), ".indicators-*"); err != nil {
			return diming.Wrap(err, diming.EINVALID, "无法写入 %s", "cannot write %s", opt.out)
		}
		defer os.Remove(f.Name())
		defer f.Close()
		w = f
	}
	switch opt.format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	case "csv":
		err = rep.WriteCSV(w)
	case "xlsx":
		err = rep.WriteXLSX(w)
	}
	if err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
		// Written whole or not at all: the finished file replaces the target.
		if err := os.Rename(f.Name(), opt.out); err != nil {
			return diming.Wrap(err, diming.EINVALID, "无法写入 %s", "cannot write %s", opt.out)
		}
	}
	met := 0
	for _, ind := range rep.Indicators {
		if ind.Met {
			met++
		}
	}
	log.Info("indicator report written", "file", opt.out, "format", opt.format, "indicators", len(rep.Indicators), "met", met, "data_version", rep.DataVersion)
	return nil
}
