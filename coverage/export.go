package coverage

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"diming/internal/tabular"
)

var unitNames = map[string]string{"count": "个", "share": "比例", "m2_per_100_households": "平方米/百户"}

func formatValue(unit string, v float64) string {
	switch unit {
	case "share":
		return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	case "count":
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// SummaryTable is the indicator report as one row per indicator.
func (r *IndicatorReport) SummaryTable() (header []string, rows [][]string) {
	header = []string{"序号 id", "指标 indicator", "单位 unit", "现值 value", "目标 target", "达标 met", "2020 基数 baseline", "分子 numerator", "分母 denominator"}
	for _, ind := range r.Indicators {
		base := ""
		if ind.Baseline != nil {
			base = formatValue(ind.Unit, *ind.Baseline)
		}
		num, den := "", ""
		if ind.Denominator > 0 {
			num, den = strconv.Itoa(ind.Numerator), strconv.Itoa(ind.Denominator)
		}
		rows = append(rows, []string{strconv.Itoa(ind.ID), ind.Name + " / " + ind.NameEN, unitNames[ind.Unit],
			formatValue(ind.Unit, ind.Value), ind.Comparison + " " + formatValue(ind.Unit, ind.Target), yesNo(ind.Met), base, num, den})
	}
	return header, rows
}

// TownshipTable is the per-township breakdown: one row per township, one
// column per indicator.
func (r *IndicatorReport) TownshipTable() (header []string, rows [][]string) {
	header = []string{"代码 code", "街道/镇 township"}
	for _, ind := range r.Indicators {
		header = append(header, fmt.Sprintf("指标%d %s", ind.ID, ind.Name))
	}
	if len(r.Indicators) == 0 {
		return header, nil
	}
	for i, t := range r.Indicators[0].ByTownship {
		row := []string{t.Code, t.Name}
		for _, ind := range r.Indicators {
			cell := ""
			if i < len(ind.ByTownship) {
				tv := ind.ByTownship[i]
				cell = formatValue(ind.Unit, tv.Value)
				if ind.Unit == "share" && (ind.ID == 11 || ind.ID == 13 || ind.ID == 16) {
					cell = yesNo(tv.Value == 1)
				}
			}
			row = append(row, cell)
		}
		rows = append(rows, row)
	}
	return header, rows
}

// WriteCSV writes the summary, a blank line and the township table as
// UTF-8 CSV with a byte-order mark (so Excel reads the Chinese), every cell
// escaped against formula injection by tabular.SafeCell.
func (r *IndicatorReport) WriteCSV(w io.Writer) error {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	cw := tabular.NewCSVWriter(&b)
	h, rows := r.SummaryTable()
	_ = cw.Write([]string{"数据版本 data version", strconv.FormatInt(r.DataVersion, 10), "计算时间 computed at", r.ComputedAt.Format("2006-01-02 15:04:05Z")})
	_ = cw.Write(h)
	_ = cw.WriteAll(rows)
	_ = cw.Write(nil)
	h, rows = r.TownshipTable()
	_ = cw.Write(h)
	_ = cw.WriteAll(rows)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteXLSX writes a workbook with two sheets: 指标 (the summary) and
// 分街镇 (the per-township breakdown); values are numbers, shares
// percentages, codes text.
func (r *IndicatorReport) WriteXLSX(w io.Writer) error {
	h, rows := r.SummaryTable()
	note := []string{"数据版本 data version", strconv.FormatInt(r.DataVersion, 10), "计算时间 computed at", r.ComputedAt.Format("2006-01-02 15:04:05Z")}
	th, trows := r.TownshipTable()
	return tabular.WriteXLSX(w,
		tabular.Sheet{Name: "指标", Note: note, Header: h, Rows: rows, NumberColumns: []int{0, 3, 6, 7, 8}, ColWidth: 20},
		tabular.Sheet{Name: "分街镇", Header: th, Rows: trows, NumberColumns: numberColumns(2, len(th)), ColWidth: 20})
}

// numberColumns lists the columns from…to−1.
func numberColumns(from, to int) []int {
	var out []int
	for c := from; c < to; c++ {
		out = append(out, c)
	}
	return out
}
