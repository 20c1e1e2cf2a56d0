// Package tiles renders Mapbox Vector Tiles (MVT 2.1) from the in-memory
// read model, for the MapLibre map and any other vector-tile client.
//
// # Layers
//
// Layers lists the catalogue; each Layer has a fixed id, a Chinese title,
// the zooms a map should ask it for, its fields and the audit entities its
// data comes from:
//
//	divisions-district, divisions-township   polygons  8–16  division
//	divisions-village                        polygons 10–16  division
//	boundary-lines                           lines    10–16  division
//	markers                                  points   12–16  marker
//	places                                   points   12–16  place
//	facilities                               points    9–16  facility, division
//	coverage-villages (+planned)             polygons 10–16  facility, road_network, households, division
//	coverage-isochrones (+planned)           polygons 10–16  facility, road_network
//
// Every zoom from 0 to MaxZoom (18) is rendered; outside a layer's range
// the tiles are merely coarse (below) or no more detailed (above).
//
// # Variants
//
// The two coverage layers (Layer.Planned) have a variant with the 2025
// plan's planned facilities counted as if open: Layer.With(Variant{
// IncludePlanned: true}). Its features come from the same coverage reports
// as GET /api/v1/coverage/…?include_planned=true (coverage.Model caches
// them per parameters), its tiles keep the layer's name inside the MVT, so
// one map style draws either, and its cache entries and ETags carry the
// variant (Layer.Key: "coverage-villages+planned").
//
// # Pipeline
//
// An Index holds one layer: the features in Web Mercator on the unit square
// with an R-tree over their boxes and their properties interned. Per zoom,
// once for the whole layer, the geometry is generalised (Douglas–Peucker at
// Tolerance(z) tile units), projected to the zoom's pixel grid (4096 units a
// tile), snapped to integers, cleaned (repeated and collinear points,
// spikes, rings under MinArea(z)), wound as MVT wants (exterior rings
// positive by the surveyor's formula in tile coordinates, that is
// clockwise on screen) and checked for validity. Per tile, the R-tree finds
// the features within the tile plus a 64-unit Buffer, parts crossing that
// box are clipped (clipRings: ring stitching, so the result stays valid),
// and the layer is encoded with each feature's id and properties. A tile
// over the size cap (500 KB by default) is drawn again from coarser
// generalisations, up to four times.
//
// # Serving
//
// A Tiler keeps each layer's Index for its data version
// (readmodel.Model.MarkOf of the layer's entities) and an LRU cache of
// rendered tiles, bounded in bytes, keyed by layer, variant, data version
// and z/x/y.
// A data change bumps only the versions of the layers built from what
// changed; their old tiles are dropped, the others keep their tiles and
// ETags.
//
// Validate checks an encoded tile against the specification (the rules the
// @mapbox/mvt-fixtures suite encodes) or, with EncoderRules, also against
// what this package promises of its own tiles.
package tiles
