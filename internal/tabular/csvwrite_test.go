package tabular_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"diming/internal/tabular"
)

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{
		// Formulas and what starts one are written as text.
		`=HYPERLINK("http://evil.example/x","点击查看")`: `'=HYPERLINK("http://evil.example/x","点击查看")`,
		"=1+1":                   "'=1+1",
		"+1+1":                   "'+1+1",
		"-1+1":                   "'-1+1",
		"-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
		"@SUM(A1:A9)":            "'@SUM(A1:A9)",
		"\t=1+1":                 "'\t=1+1",
		"\r=1+1":                 "'\r=1+1",
		"-":                      "'-",
		"+":                      "'+",
		"-Inf":                   "'-Inf",
		"-0x1p3":                 "'-0x1p3",
		"- 3":                    "'- 3",
		"-3.5 米":                 "'-3.5 米",
		"=沙坪坝区":                  "'=沙坪坝区",
		// Numbers stay numbers.
		"-3.5":    "-3.5",
		"-12":     "-12",
		"+12":     "+12",
		"0":       "0",
		"-0.25":   "-0.25",
		"-.5":     "-.5",
		"-1e-3":   "-1e-3",
		"-12.50%": "-12.50%",
		"91.96%":  "91.96%",
		// Text that starts with anything else is unchanged.
		"":               "",
		"青杠林路":           "青杠林路",
		"Qingganglin Lu": "Qingganglin Lu",
		"重庆市沙坪坝区人民政府":    "重庆市沙坪坝区人民政府",
		"2026-12-05":     "2026-12-05",
		"a=1":            "a=1",
		" =1+1":          " =1+1",
		"因沿线青杠林得名；原称“青杠林”": "因沿线青杠林得名；原称“青杠林”",
	} {
		if got := tabular.SafeCell(in); got != want {
			t.Errorf("SafeCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVWriterEscapesEveryCell(t *testing.T) {
	var b bytes.Buffer
	w := tabular.NewCSVWriter(&b)
	if err := w.Write([]string{"名称", "=1+1"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(nil); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteAll([][]string{{"青杠林路", "-3.5", "@x"}, {"-12", "+A1"}}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte("'=1+1\n\n")) {
		t.Errorf("a nil record is not an empty line: %q", b.String())
	}
	r := csv.NewReader(bytes.NewReader(b.Bytes()))
	r.FieldsPerRecord = -1
	got, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"名称", "'=1+1"}, {"青杠林路", "-3.5", "'@x"}, {"-12", "'+A1"}}
	if len(got) != len(want) {
		t.Fatalf("rows %q, want %q", got, want)
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d cell %d: %q, want %q", i, j, got[i][j], want[i][j])
			}
		}
	}
}
