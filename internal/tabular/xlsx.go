package tabular

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Sheet is one worksheet of an .xlsx workbook: an optional note row (then
// a blank row), a bold header row and the rows.
type Sheet struct {
	Name   string
	Note   []string
	Header []string
	Rows   [][]string
	// NumberColumns (0-based) hold numbers: there a cell that is a plain
	// number is written as one. Every other cell, and every cell of other
	// columns (codes, names, free text that happens to be "007"), is text.
	NumberColumns []int
	// ColWidth is the width of every column in characters (default 18).
	ColWidth float64
}

// WriteXLSX writes the sheets as an .xlsx workbook. In a sheet's
// NumberColumns a cell that is a plain number (as SafeCell means it: -3.5,
// 307, 1e-3) is written as a number, and a percentage (75.00%) as the
// fraction with a percent format, so planners can sum and chart them;
// every other cell is text (never a formula). Note rows are text.
func WriteXLSX(w io.Writer, sheets ...Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	percent, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	if err != nil {
		return err
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
				return fmt.Errorf("xlsx sheet %q: %w", sh.Name, err)
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return fmt.Errorf("xlsx sheet %q: %w", sh.Name, err)
		}
		numeric := map[int]bool{}
		for _, c := range sh.NumberColumns {
			numeric[c] = true
		}
		width := sh.ColWidth
		if width <= 0 {
			width = 18
		}
		row, cols := 1, len(sh.Header)
		put := func(c, r int, v string, asText bool) error {
			cell, err := excelize.CoordinatesToCellName(c+1, r)
			if err != nil {
				return err
			}
			if !asText && plainNumber.MatchString(v) {
				if p, ok := strings.CutSuffix(v, "%"); ok {
					if x, err := strconv.ParseFloat(p, 64); err == nil {
						if err := f.SetCellFloat(sh.Name, cell, x/100, -1, 64); err != nil {
							return err
						}
						return f.SetCellStyle(sh.Name, cell, cell, percent)
					}
				} else if x, err := strconv.ParseFloat(v, 64); err == nil {
					return f.SetCellFloat(sh.Name, cell, x, -1, 64)
				}
			}
			return f.SetCellStr(sh.Name, cell, v)
		}
		if sh.Note != nil {
			for c, v := range sh.Note {
				if err := put(c, row, v, true); err != nil {
					return err
				}
			}
			row += 2
			cols = max(cols, len(sh.Note))
		}
		for c, v := range sh.Header {
			if err := put(c, row, v, true); err != nil {
				return err
			}
			cell, _ := excelize.CoordinatesToCellName(c+1, row)
			_ = f.SetCellStyle(sh.Name, cell, cell, bold)
		}
		for r, rec := range sh.Rows {
			for c, v := range rec {
				if err := put(c, row+1+r, v, !numeric[c]); err != nil {
					return err
				}
			}
			cols = max(cols, len(rec))
		}
		if cols > 0 {
			last, _ := excelize.ColumnNumberToName(cols)
			_ = f.SetColWidth(sh.Name, "A", last, width)
			end, _ := excelize.CoordinatesToCellName(cols, max(row+len(sh.Rows), 1))
			if err := f.SetSheetDimension(sh.Name, "A1:"+end); err != nil {
				return err
			}
		}
	}
	return f.Write(w)
}
