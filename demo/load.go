package demo

import (
	"context"
	"fmt"
	"strings"

	"diming"
	"diming/coverage"
	"diming/gazetteer"
)

// Actor is who the demo loader writes as.
const Actor diming.Actor = "system:demo"

// LoadResult counts what Load wrote.
type LoadResult struct {
	Divisions int
	Places    int
	Coverage  CoverageLoadResult
}

// Store is what Load writes to.
type Store interface {
	gazetteer.Store
	coverage.Store
}

// Load writes the demo dataset into a store: the divisions, a place name for
// every division (行政区域 and 群众自治组织 classes), and the demo gazetteer
// (Places), with romanizations proposed by the converter, and the coverage
// data (LoadCoverage). It is idempotent: a second run changes nothing and
// so writes no audit entries.
func Load(ctx context.Context, st Store) (LoadResult, error) {
	ds, err := Divisions()
	if err != nil {
		return LoadResult{}, err
	}
	if err := st.PutDivisions(ctx, Actor, ds); err != nil {
		return LoadResult{}, fmt.Errorf("demo: divisions: %w", err)
	}
	places := DivisionPlaces(ds)
	more, err := Places()
	if err != nil {
		return LoadResult{}, err
	}
	places = append(places, more...)
	for i := range places {
		p := &places[i]
		if p.Specific == "" {
			p.Specific, p.Generic = gazetteer.SplitName(p.Name, p.Category)
		}
		if p.Romanization == "" {
			p.Romanization = gazetteer.ProposeRomanization(p.Name, p.Specific, p.Generic, p.Category).Standard
		}
	}
	existing, err := st.Places(ctx, gazetteer.PlaceFilter{})
	if err != nil {
		return LoadResult{}, err
	}
	type key struct{ name, category, division string }
	ids := make(map[key]int64, len(existing))
	for _, p := range existing {
		ids[key{p.Name, p.Category, p.DivisionCode}] = p.ID
	}
	for i := range places {
		places[i].ID = ids[key{places[i].Name, places[i].Category, places[i].DivisionCode}]
	}
	if _, err := st.PutPlaces(ctx, Actor, "演示数据", places); err != nil {
		return LoadResult{}, fmt.Errorf("demo: places: %w", err)
	}
	cov, err := LoadCoverage(ctx, st, ds)
	if err != nil {
		return LoadResult{}, err
	}
	return LoadResult{Divisions: len(ds), Places: len(places), Coverage: cov}, nil
}

// divisionGenerics maps the endings of division names to their category and
// the short alias people use (龙泉路社区居民委员会 → 龙泉路社区).
var divisionGenerics = []struct{ suffix, category, short string }{
	{"社区居民委员会", "0501", "社区"},
	{"村民委员会", "0502", ""},
	{"街道", "0402", ""},
	{"镇", "0403", ""},
	{"乡", "0403", ""},
	{"区", "0401", ""},
}

// DivisionPlaces returns a place name for every division: its name, class,
// its own code as division, its polygon as geometry, and the short form as
// an alias.
func DivisionPlaces(ds []gazetteer.Division) []gazetteer.Place {
	out := make([]gazetteer.Place, 0, len(ds))
	for _, d := range ds {
		p := gazetteer.Place{Name: d.Name, DivisionCode: d.Code, Geometry: d.Geometry, Synthetic: d.Synthetic,
			Source: "division", Description: "行政区划单位，统计用区划代码 " + d.Code}
		for _, g := range divisionGenerics {
			if !strings.HasSuffix(d.Name, g.suffix) || len(d.Name) == len(g.suffix) {
				continue
			}
			p.Category = g.category
			p.Specific, p.Generic = strings.TrimSuffix(d.Name, g.suffix), g.suffix
			switch {
			case g.short != "":
				p.Aliases = []string{p.Specific + g.short}
			case g.suffix == "村民委员会" && strings.HasSuffix(p.Specific, "村"):
				p.Aliases = []string{p.Specific}
			}
			break
		}
		if p.Category == "" {
			p.Category = map[gazetteer.Level]string{gazetteer.LevelDistrict: "0401", gazetteer.LevelTownship: "0402", gazetteer.LevelVillage: "0501"}[d.Level]
		}
		if d.Synthetic {
			p.Description += "；边界为合成演示数据"
		}
		out = append(out, p)
	}
	return out
}
