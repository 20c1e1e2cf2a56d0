// Package web holds the pages people open in a browser, embedded in the
// binary and served same-origin: nothing is loaded from another host.
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// pages maps the addresses people use to the files behind them.
var pages = map[string]string{"/admin": "/admin.html", "/boundaries": "/boundaries.html"}

// Handler serves the pages.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder exists
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = w.Write([]byte(`{"error":{"code":"invalid","message":"页面只支持 GET 请求","message_en":"pages accept GET only"}}`))
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		if page, ok := pages[r.URL.Path]; ok {
			r2 := r.Clone(r.Context())
			r2.URL.Path = page
			files.ServeHTTP(w, r2)
			return
		}
		files.ServeHTTP(w, r)
	})
}
