package httpapi

// Vector tiles at /tiles (public, read-only), rendered from the read model
// by package tiles:
//
//	GET /tiles                          the layers: [{"id","title","tilejson"}]
//	GET /tiles/{layer}.json             TileJSON 3.0.0 with absolute tile URLs
//	GET /tiles/{layer}/{z}/{x}/{y}.mvt  a Mapbox Vector Tile (one layer named {layer})
//
// The coverage layers (coverage-villages, coverage-isochrones) take
// ?include_planned=true, on the tiles and on the TileJSON, as the coverage
// reports do: the 2025 plan's planned facilities count as if open. The
// tiles' MVT layer keeps its name, so one map style draws either variant;
// the ETag names the variant ("coverage-villages+planned.v…"), and the
// TileJSON of those layers lists both under "variants". include_planned
// must be true, false, 1 or 0 (else 400), and on any other layer only
// false (400: that layer has no such variant).
//
// Tiles: Content-Type application/vnd.mapbox-vector-tile; gzip when the
// client accepts it (Content-Encoding: gzip, Vary: Accept-Encoding); a
// strong ETag made of the layer, its data version, z/x/y and the
// pipeline's revision ("…-gz" for the gzip encoding), so If-None-Match
// gets a 304 without rendering anything; Cache-Control "public, no-cache":
// caches may keep tiles but ask every time, so an edit shows on the next
// fetch and an unchanged tile costs a 304. A tile no feature reaches is a
// 200 with an empty body (a valid tile with no layers; MapLibre and GDAL
// read it). Any zoom from 0 to 18 is rendered, also beyond the layer's
// maxzoom; z above 18, x or y outside 0…2^z−1, or coordinates that are
// not integers get a 400, an unknown layer a 404.
//
// TileJSON and the list build absolute URLs from the request's Host and
// TLS, or, behind a trusted proxy, from X-Forwarded-Proto and
// X-Forwarded-Host (see proxy.go; named in Vary).

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/prometheus/client_golang/prometheus"

	"diming"
	"diming/gazetteer"
	"diming/readmodel"
	"diming/tiles"
)

// tileCacheControl lets caches keep tiles but makes them revalidate.
const tileCacheControl = "public, no-cache"

type tileRoutes struct {
	s     *Server
	tiler *tiles.Tiler
}

// mountTiles adds the vector tile routes (/tiles…).
func (s *Server) mountTiles(r chi.Router) {
	tr := &tileRoutes{s: s}
	tr.tiler = tiles.NewTiler(tiles.Options{OnRender: func(t *tiles.Tile) {
		if t.Stats.OverCap || t.Stats.Dropped > 0 {
			s.log.Warn("tile over the size cap or with polygons dropped", "layer", t.Layer, "z", t.Z, "x", t.X, "y", t.Y,
				"bytes", t.Stats.Bytes, "over_cap", t.Stats.OverCap, "generalisation", t.Stats.Generalisation, "dropped", t.Stats.Dropped)
		}
	}})
	stat := func(f func(tiles.TilerStats) float64) func() float64 {
		return func() float64 { return f(tr.tiler.Stats()) }
	}
	s.registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "diming_tile_cache_hits_total", Help: "Tiles served from the tile cache."},
			stat(func(st tiles.TilerStats) float64 { return float64(st.Cache.Hits) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "diming_tile_renders_total", Help: "Tiles rendered."},
			stat(func(st tiles.TilerStats) float64 { return float64(st.Renders) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "diming_tile_over_cap_total", Help: "Tiles rendered over the size cap."},
			stat(func(st tiles.TilerStats) float64 { return float64(st.OverCap) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "diming_tile_cache_bytes", Help: "Bytes of tiles in the tile cache."},
			stat(func(st tiles.TilerStats) float64 { return float64(st.Cache.Bytes) })),
	)
	r.Get("/tiles", h(tr.list))
	r.Get("/tiles/{layer}.json", h(tr.tileJSON))
	r.Get("/tiles/{layer}/{z}/{x}/{y}.mvt", h(tr.tile))
	// Anything else under /tiles is a JSON 404 (not the page handler's text).
	r.Get("/tiles/*", notFound)
}

// tileBase is the absolute URL of /tiles as the client reached it.
func tileBase(r *http.Request) string { return publicBase(r) + "/tiles" }

type tileLayerEntry struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	TileJSON string `json:"tilejson"`
}

// tileLayer reads the layer of the path and the routes' one query
// parameter, include_planned, and returns the layer in that variant.
// Errors: 400 for a bad or unknown parameter or a layer without the
// variant, 404 for an unknown layer.
func tileLayer(r *http.Request) (tiles.Layer, error) {
	var planned bool
	if r.URL.RawQuery != "" {
		q, err := queryParams(r, "include_planned")
		if err != nil {
			return tiles.Layer{}, err
		}
		if planned, err = boolParam(q.Get("include_planned"), "include_planned"); err != nil {
			return tiles.Layer{}, err
		}
	}
	l, err := tiles.LayerByID(chi.URLParam(r, "layer"))
	if err != nil {
		return l, err
	}
	return l.With(tiles.Variant{IncludePlanned: planned})
}

// variantQuery is the query string that selects l's variant ("" for the
// plain layer).
func variantQuery(l tiles.Layer) string {
	if l.Variant.IncludePlanned {
		return "?include_planned=true"
	}
	return ""
}

func (tr *tileRoutes) list(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r); err != nil {
		return err
	}
	base := tileBase(r)
	out := []tileLayerEntry{}
	for _, l := range tiles.Layers() {
		out = append(out, tileLayerEntry{ID: l.ID, Title: l.Title, TileJSON: base + "/" + l.ID + ".json"})
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Vary", "X-Forwarded-Proto, X-Forwarded-Host")
	return writeJSON(w, http.StatusOK, "", out)
}

// tileJSONDoc is TileJSON 3.0.0, with fields of our own: the layer's data
// version, its geometry kind, Chinese titles of its fields and, for the
// layers with a planned variant, which variant this is and both variants.
type tileJSONDoc struct {
	TileJSON     string            `json:"tilejson"`
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	Scheme       string            `json:"scheme"`
	Tiles        []string          `json:"tiles"`
	MinZoom      int               `json:"minzoom"`
	MaxZoom      int               `json:"maxzoom"`
	Bounds       [4]float64        `json:"bounds"`
	Center       [3]float64        `json:"center"`
	VectorLayers []vectorLayer     `json:"vector_layers"`
	DataVersion  int64             `json:"data_version"`
	GeometryType string            `json:"geometry_type"`
	FieldTitles  map[string]string `json:"field_titles"`
	// IncludePlanned and Variants: only for layers with a planned variant.
	IncludePlanned *bool         `json:"include_planned,omitempty"`
	Variants       []tileVariant `json:"variants,omitempty"`
}

// tileVariant is one variant of a layer in its TileJSON.
type tileVariant struct {
	IncludePlanned bool     `json:"include_planned"`
	Name           string   `json:"name"`
	TileJSON       string   `json:"tilejson"`
	Tiles          []string `json:"tiles"`
}

// variantName is the layer's title, saying when it counts planned
// facilities.
func variantName(l tiles.Layer) string {
	if l.Variant.IncludePlanned {
		return l.Title + "（含 2025 规划设施）"
	}
	return l.Title
}

type vectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

func (tr *tileRoutes) tileJSON(w http.ResponseWriter, r *http.Request) error {
	l, err := tileLayer(r)
	if err != nil {
		return err
	}
	m, err := tr.s.currentModel()
	if err != nil {
		return err
	}
	ix, err := tr.tiler.Index(m, l)
	if err != nil {
		return err
	}
	b, ok := ix.Bound()
	if !ok {
		b = districtBound(m)
	}
	base := tileBase(r)
	doc := tileJSONDoc{
		TileJSON: "3.0.0", Name: variantName(l), Description: l.Description, Scheme: "xyz",
		Tiles:   []string{base + "/" + l.ID + "/{z}/{x}/{y}.mvt" + variantQuery(l)},
		MinZoom: l.MinZoom, MaxZoom: l.MaxZoom,
		Bounds:       [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]},
		Center:       [3]float64{b.Center()[0], b.Center()[1], float64(min(l.MaxZoom, max(l.MinZoom, 11)))},
		DataVersion:  l.Version(m),
		GeometryType: string(l.Kind),
		FieldTitles:  map[string]string{},
	}
	vl := vectorLayer{ID: l.ID, Description: l.Description, MinZoom: l.MinZoom, MaxZoom: l.MaxZoom, Fields: map[string]string{}}
	for _, f := range l.Fields {
		vl.Fields[f.Name] = f.Type
		doc.FieldTitles[f.Name] = f.Title
	}
	doc.VectorLayers = []vectorLayer{vl}
	if l.Planned {
		planned := l.Variant.IncludePlanned
		doc.IncludePlanned = &planned
		for _, v := range []tiles.Variant{{}, {IncludePlanned: true}} {
			lv, err := l.With(v)
			if err != nil {
				return err
			}
			doc.Variants = append(doc.Variants, tileVariant{IncludePlanned: v.IncludePlanned, Name: variantName(lv),
				TileJSON: base + "/" + l.ID + ".json" + variantQuery(lv), Tiles: []string{base + "/" + l.ID + "/{z}/{x}/{y}.mvt" + variantQuery(lv)}})
		}
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Vary", "X-Forwarded-Proto, X-Forwarded-Host")
	return writeJSON(w, http.StatusOK, "", doc)
}

// districtBound is the box of the divisions, or of the world without any.
func districtBound(m *readmodel.Model) orb.Bound {
	ds := m.Divisions.Divisions(gazetteer.DivisionFilter{Level: gazetteer.LevelDistrict})
	if len(ds) == 0 {
		return orb.Bound{Min: orb.Point{-180, -85.0511}, Max: orb.Point{180, 85.0511}}
	}
	b := ds[0].Geometry.Bound()
	for _, d := range ds[1:] {
		b = b.Union(d.Geometry.Bound())
	}
	return b
}

// tileCoord reads z, x or y from the path: a decimal integer of at most
// eight digits.
func tileCoord(name, s string) (int, error) {
	if len(s) == 0 || len(s) > 8 || strings.Trim(s, "0123456789") != "" {
		return 0, diming.Errorf(diming.EINVALID, "瓦片坐标 %s=%q 不是非负整数", "tile coordinate %s=%q is not a non-negative integer", name, truncate(s, 20))
	}
	v, _ := strconv.Atoi(s)
	return v, nil
}

func (tr *tileRoutes) tile(w http.ResponseWriter, r *http.Request) error {
	l, err := tileLayer(r)
	if err != nil {
		return err
	}
	var zxy [3]int
	for i, name := range [3]string{"z", "x", "y"} {
		if zxy[i], err = tileCoord(name, chi.URLParam(r, name)); err != nil {
			return err
		}
	}
	z, x, y := zxy[0], zxy[1], zxy[2]
	if _, err := tiles.CheckTile(z, x, y); err != nil {
		return err
	}
	m, err := tr.s.currentModel()
	if err != nil {
		return err
	}
	etag := tiles.ETag(l, l.Version(m), l.Config(m), z, x, y)
	hdr := w.Header()
	hdr.Set("Cache-Control", tileCacheControl)
	hdr.Set("Vary", "Accept-Encoding")
	gz := acceptsGzip(r.Header.Get("Accept-Encoding"))
	if inm := r.Header.Get("If-None-Match"); inm != "" && tiles.Matches(inm, etag) {
		if gz {
			hdr.Set("ETag", tiles.GzipETag(etag))
		} else {
			hdr.Set("ETag", etag)
		}
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	t, err := tr.tiler.TileOf(m, l, z, x, y)
	if err != nil {
		return err
	}
	body := t.Data
	hdr.Set("Content-Type", "application/vnd.mapbox-vector-tile")
	if gz && t.Gzip != nil {
		body = t.Gzip
		hdr.Set("Content-Encoding", "gzip")
		hdr.Set("ETag", tiles.GzipETag(t.ETag))
	} else {
		hdr.Set("ETag", t.ETag)
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// acceptsGzip says whether an Accept-Encoding header allows gzip (by name
// or by *) with a non-zero quality.
func acceptsGzip(ae string) bool {
	for ae != "" {
		var part string
		part, ae, _ = strings.Cut(ae, ",")
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		return q > 0
	}
	return false
}
