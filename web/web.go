// Package web holds the pages people open in a browser, embedded in the
// binary and served same-origin: nothing is loaded from another host.
//
// The planners' map (/map) needs MapLibre GL JS, which comes from the npm
// registry (pinned by web/map/package-lock.json) and is not in git: `make`
// (the maplibre target that run, build and test depend on) copies its ES
// module files into web/vendor/maplibre/, and the binary embeds whatever is
// there when it is built. Without them /map says to run make.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// vendor always holds README.md (committed); `make maplibre` adds maplibre/.
//
//go:embed vendor
var vendor embed.FS

// MapLibreFiles are the files of maplibre-gl's dist/ folder that the map
// page loads, as `make maplibre` copies them into web/vendor/maplibre/ and
// as they are served under /vendor/maplibre/.
var MapLibreFiles = []string{"maplibre-gl.mjs", "maplibre-gl-worker.mjs", "maplibre-gl.css"}

// pages maps the addresses people use to the files behind them.
var pages = map[string]string{"/admin": "/admin.html", "/boundaries": "/boundaries.html", "/map": "/map.html"}

// MissingMapLibre lists the MapLibre files that were not embedded (the
// binary was built without running make first); empty when the map works.
func MissingMapLibre() []string { return missingMapLibre(vendorFS()) }

func missingMapLibre(v fs.FS) []string {
	var missing []string
	for _, f := range MapLibreFiles {
		if st, err := fs.Stat(v, "maplibre/"+f); err != nil || st.Size() == 0 {
			missing = append(missing, "web/vendor/maplibre/"+f)
		}
	}
	return missing
}

func vendorFS() fs.FS {
	sub, err := fs.Sub(vendor, "vendor")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder exists
	}
	return sub
}

// Handler serves the pages and, under /vendor/maplibre/, MapLibre GL JS.
func Handler() http.Handler {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder exists
	}
	return NewHandler(sub, vendorFS())
}

// NewHandler serves pages from the files of static and the MapLibre files
// from vendor/maplibre (Handler passes the embedded folders; tests may pass
// others). Every file gets an ETag (a hash of its content), so browsers
// revalidate with If-None-Match and get 304 rather than megabytes of
// MapLibre on each visit.
func NewHandler(static, vendor fs.FS) http.Handler {
	etags := map[string]string{}
	hashAll(static, "/", etags)
	hashAll(vendor, "/vendor/", etags)
	files := http.FileServerFS(static)
	maplibre := http.StripPrefix("/vendor/", http.FileServerFS(vendor))
	missing := missingMapLibre(vendor)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusMethodNotAllowed)
			_, _ = w.Write([]byte(`{"error":{"code":"invalid","message":"页面只支持 GET 请求","message_en":"pages accept GET only"}}`))
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		p := r.URL.Path
		if page, ok := pages[p]; ok {
			p = page
		}
		if p == "/map.html" && len(missing) > 0 {
			notBundled(w, r, missing)
			return
		}
		if tag, ok := etags[p]; ok {
			w.Header().Set("ETag", tag)
		} else if tag, ok := etags[p+"index.html"]; ok && strings.HasSuffix(p, "/") {
			w.Header().Set("ETag", tag)
		}
		if strings.HasSuffix(p, ".mjs") {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		}
		switch {
		case strings.HasPrefix(p, "/vendor/maplibre/"):
			maplibre.ServeHTTP(w, r)
		case strings.HasPrefix(p, "/vendor/"):
			http.NotFound(w, r)
		case p != r.URL.Path:
			r2 := r.Clone(r.Context())
			r2.URL.Path = p
			files.ServeHTTP(w, r2)
		default:
			files.ServeHTTP(w, r)
		}
	})
}

// hashAll records a strong ETag for every file under fsys, by its URL path.
func hashAll(fsys fs.FS, prefix string, etags map[string]string) {
	_ = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil
		}
		sum := sha256.Sum256(b)
		etags[path.Join(prefix, name)] = `"` + hex.EncodeToString(sum[:12]) + `"`
		return nil
	})
}

// notBundled is /map on a binary built without MapLibre: a page that says
// so, in Chinese and English, and how to fix it.
func notBundled(w http.ResponseWriter, r *http.Request, missing []string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	if r.Method == http.MethodHead {
		return
	}
	var list strings.Builder
	for _, m := range missing {
		list.WriteString("<li><code>" + m + "</code></li>")
	}
	_, _ = w.Write([]byte(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>规划地图不可用 · diming</title>
<link rel="stylesheet" href="/style.css"></head>
<body><main id="map-not-bundled">
<h1>规划地图暂不可用</h1>
<p class="error">本程序构建时没有打包地图组件 MapLibre GL JS。请在仓库根目录运行 <code>make</code>（或 <code>make run</code>、<code>make build</code>），它会从 npm 安装固定版本的 MapLibre 并打包进程序，然后重新启动服务。</p>
<p class="error" lang="en">The planners' map is unavailable: this binary was built without MapLibre GL JS. Run <code>make</code> (or <code>make run</code>, <code>make build</code>) at the repository root: it installs the pinned MapLibre from npm and embeds it. Then restart the service.</p>
<p>缺少的文件 / missing files:</p><ul>` + list.String() + `</ul>
<p><a href="/">地名查询 / Place-name lookup</a></p>
</main></body></html>
`))
}
