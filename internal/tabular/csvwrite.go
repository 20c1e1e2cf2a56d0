package tabular

import (
	"encoding/csv"
	"io"
	"regexp"
)

// plainNumber is a number as the service writes it: an optional sign,
// digits with an optional decimal part and exponent, and an optional
// percent sign (-3.5, -12, +0.25, 1e-3, -12.50%). A spreadsheet reads it as a
// number, never as a formula.
var plainNumber = regexp.MustCompile(`^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?%?$`)

// SafeCell makes s safe to open in a spreadsheet (CSV formula injection):
// a cell that begins with =, +, -, @, a tab or a carriage return gets a
// leading ' so Excel, LibreOffice and WPS show it as text instead of
// running it as a formula (OWASP's advice). A plain number such as -3.5 or
// -12 is left as it is, so it stays a number.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if plainNumber.MatchString(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// CSVWriter writes CSV records with every cell passed through SafeCell:
// every CSV the service writes goes through it.
type CSVWriter struct {
	cw *csv.Writer
}

// NewCSVWriter returns a CSVWriter writing to w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{cw: csv.NewWriter(w)} }

// Write writes one record (nil writes an empty line).
func (w *CSVWriter) Write(record []string) error {
	safe := make([]string, len(record))
	for i, v := range record {
		safe[i] = SafeCell(v)
	}
	return w.cw.Write(safe)
}

// WriteAll writes the records and flushes.
func (w *CSVWriter) WriteAll(records [][]string) error {
	for _, r := range records {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.cw.Flush()
	return w.cw.Error()
}

// Flush writes any buffered data.
func (w *CSVWriter) Flush() { w.cw.Flush() }

// Error reports an error of a previous Write or Flush.
func (w *CSVWriter) Error() error { return w.cw.Error() }
