package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"diming"
)

// FuzzDecodeJSON: any request body either decodes or gets an EINVALID error
// with a message; oversized bodies give the size error; nothing panics.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"测试路","version":1}`, `{`, `[]`, `null`, `{"name":1}`, `{"x":1}`, `{"name":"a"}{"name":"b"}`,
		`{"name":"\u0000"}`, strings.Repeat("[", 1000), `{"version":1e999}`, "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1<<16)
		var v struct {
			Name    string `json:"name"`
			Version int    `json:"version"`
		}
		err := decodeJSON(r, &v)
		if err == nil {
			return
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return
		}
		if diming.Code(err) != diming.EINVALID {
			t.Fatalf("%q: error code %s: %v", body, diming.Code(err), err)
		}
		if zh, en := diming.Messages(err); zh == "" || en == "" {
			t.Fatalf("%q: an error without a message", body)
		}
	})
}
