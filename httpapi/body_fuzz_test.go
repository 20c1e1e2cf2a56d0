package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"diming"
)

// FuzzDecodeJSON: any request body either decodes or gets an EINVALID error
// with a message; oversized bodies give the size error; nothing panics.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"version":"1"}`, `{"version":1.5}`, `{"name":[]}`, `{"name":{}}`, `{"version":true}`, `{"version":99999999999999999999}`, `"x"`, `7`, `{"name":"测试路","version":1}`, `{`, `[]`, `null`, `{"name":1}`, `{"x":1}`, `{"name":"a"}{"name":"b"}`,
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
		zh, en := diming.Messages(err)
		if zh == "" || en == "" {
			t.Fatalf("%q: an error without a message", body)
		}
		// The messages say what JSON wants, never a Go type (unless the
		// body itself has the word, in an unknown field's name).
		for _, w := range goTypeWords.FindAllString(zh+" "+en, -1) {
			if !strings.Contains(body, w) {
				t.Fatalf("%q: the message names a Go type (%s): %s / %s", body, w, zh, en)
			}
		}
	})
}

// goTypeWords are Go type names and the decoder's own wording.
var goTypeWords = regexp.MustCompile(`\b(u?int(8|16|32|64)?|float(32|64)|bool|struct|interface)\b|Go (struct|value)|json:|\[\]|map\[`)
