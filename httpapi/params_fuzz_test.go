package httpapi

import (
	"net/http/httptest"
	"testing"

	"diming"
	"diming/gazetteer"
)

// FuzzQueryParams: any query string either passes the checks with the
// allowed names only, or is an EINVALID error; bbox, codes and points parse
// or fail cleanly.
func FuzzQueryParams(f *testing.F) {
	for _, s := range []string{"level=township", "bbox=106,29,107,30", "%zz", "a=1&a=2", "q=%00", "near=1e999,2", "parent=500106"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		r := httptest.NewRequest("GET", "/x", nil)
		r.URL.RawQuery = raw
		q, err := queryParams(r, "level", "bbox", "parent", "near")
		if err != nil {
			if diming.Code(err) != diming.EINVALID {
				t.Fatalf("code %s: %v", diming.Code(err), err)
			}
			return
		}
		for k := range q {
			if k != "level" && k != "bbox" && k != "parent" && k != "near" && k != "lang" {
				t.Fatalf("unknown parameter %q passed", k)
			}
		}
		if b, err := parseBBox(q.Get("bbox")); err == nil && (b.Min[0] > b.Max[0] || b.Min[1] > b.Max[1]) {
			t.Fatalf("bbox %v accepted", b)
		} else if err != nil && diming.Code(err) != diming.EINVALID {
			t.Fatal(err)
		}
		if c, err := gazetteer.NormalizeCode(q.Get("parent")); err == nil && len(c) != 12 {
			t.Fatalf("code %q normalised to %q", q.Get("parent"), c)
		}
		if _, err := parsePoint(q.Get("near"), q.Get("level"), q.Get("lang"), "near"); err != nil && diming.Code(err) != diming.EINVALID {
			t.Fatal(err)
		}
	})
}
