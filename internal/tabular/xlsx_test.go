package tabular

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Numbers are numbers (planners sum and chart them), percentages fractions
// with a percent format, codes and everything else text, formulas never.
func TestWriteXLSX(t *testing.T) {
	var b bytes.Buffer
	err := WriteXLSX(&b, Sheet{
		Name:   "指标",
		Note:   []string{"数据版本", "1772"},
		Header: []string{"代码", "名称", "现值", "比例", "说明"},
		Rows: [][]string{
			{"500106001000", "小龙坎街道", "307", "75.00%", "=HYPERLINK(\"http://evil.example\")"},
			{"500106002000", "007", "-3.5", "100.00%", "≥ 350"},
		},
		NumberColumns: []int{2, 3},
	}, Sheet{Name: "第二页", Header: []string{"a"}, Rows: [][]string{{"1"}}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "指标" || got[1] != "第二页" {
		t.Fatalf("sheets %v", got)
	}
	raw := func(cell string) (string, excelize.CellType) {
		v, err := f.GetCellValue("指标", cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		ty, _ := f.GetCellType("指标", cell)
		return v, ty
	}
	for _, c := range []struct {
		cell, value string
		number      bool
	}{
		{"B1", "1772", false},
		{"A3", "代码", false},
		{"A4", "500106001000", false},
		{"B4", "小龙坎街道", false},
		{"C4", "307", true},
		{"D4", "0.75", true},
		{"C5", "-3.5", true},
		{"D5", "1", true},
		{"E5", "≥ 350", false},
		{"B5", "007", false},
		{"E4", "=HYPERLINK(\"http://evil.example\")", false},
	} {
		v, ty := raw(c.cell)
		isNumber := ty == excelize.CellTypeNumber || ty == excelize.CellTypeUnset && v != ""
		if v != c.value || isNumber != c.number {
			t.Errorf("%s: %q (type %v), want %q, number %v", c.cell, v, ty, c.value, c.number)
		}
	}
	if shown, _ := f.GetCellValue("指标", "D4"); shown != "75.00%" {
		t.Errorf("D4 shows %q, want 75.00%%", shown)
	}
	if fm, _ := f.GetCellFormula("指标", "E4"); fm != "" {
		t.Errorf("E4 became a formula: %q", fm)
	}
	if dim, _ := f.GetSheetDimension("指标"); dim != "A1:E5" {
		t.Errorf("dimension %q, want A1:E5", dim)
	}
}
