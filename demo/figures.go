package demo

import (
	"math"
	"sort"
)

type figures struct {
	households, population, population60 int
}

// universityTown lists the 街道 of the university town and its surroundings
// west of the Zhongliang mountains, whose 社区 are newer and younger.
var universityTown = map[string]bool{
	"500106015000": true, // 陈家桥
	"500106016000": true, // 虎溪
	"500106017000": true, // 西永
	"500106019000": true, // 丰文
	"500106020000": true, // 香炉山
	"500106021000": true, // 土主
}

// span is a range of values for a kind of unit.
type span struct{ lo, hi float64 }

// draw returns a value in s, more often near its middle (mean of two uniforms).
func (s span) draw(u1, u2 float64) float64 { return s.lo + (s.hi-s.lo)*(u1+u2)/2 }

// buildFigures generates households and population for every village-level
// unit. Each 村 draws its population (1,000–4,000); the 社区 share the rest
// of the district total in proportion to draws by kind (urban 6,000–15,000,
// university town 4,000–12,000, town centre 3,000–8,000). The share aged 60
// or more and the household size are drawn per unit and scaled so that the
// totals are exact; every split uses largest-remainder rounding.
func buildFigures(towns []record, villages map[string][]record) map[string]figures {
	type unit struct {
		code                 string
		village              bool
		popDraw, old, hhSize float64
	}
	var units []unit
	for _, t := range towns {
		for _, v := range villages[t.Code] {
			r := rng("figures/" + v.Code)
			u := unit{code: v.Code, village: isVillage(v.Name)}
			var pop, old span
			switch {
			case u.village:
				pop, old = span{1000, 4000}, span{0.19, 0.26}
			case isTown(t.Code):
				pop, old = span{3000, 8000}, span{0.16, 0.23}
			case universityTown[t.Code]:
				pop, old = span{4000, 12000}, span{0.10, 0.17}
			default:
				pop, old = span{6000, 15000}, span{0.13, 0.21}
			}
			u.popDraw = pop.draw(r.Float64(), r.Float64())
			u.old = old.draw(r.Float64(), r.Float64())
			u.hhSize = span{2.3, 2.95}.draw(r.Float64(), r.Float64())
			units = append(units, u)
		}
	}

	pop := make([]int, len(units))
	villageTotal := 0
	var communityIdx []int
	var communityW []float64
	for i, u := range units {
		if u.village {
			pop[i] = int(math.Round(u.popDraw))
			villageTotal += pop[i]
		} else {
			communityIdx = append(communityIdx, i)
			communityW = append(communityW, u.popDraw)
		}
	}
	for k, p := range largestRemainder(TotalPopulation-villageTotal, communityW) {
		pop[communityIdx[k]] = p
	}

	oldW := make([]float64, len(units))
	hhW := make([]float64, len(units))
	for i, u := range units {
		oldW[i] = u.old * float64(pop[i])
		hhW[i] = float64(pop[i]) / u.hhSize
	}
	old := largestRemainder(TotalPopulation60, oldW)
	hh := largestRemainder(TotalHouseholds, hhW)

	out := make(map[string]figures, len(units))
	for i, u := range units {
		out[u.code] = figures{households: hh[i], population: pop[i], population60: old[i]}
	}
	return out
}

// largestRemainder splits total into integers proportional to weights: each
// gets the floor of its quota, and the units left go to the largest
// remainders (ties to the earlier position).
func largestRemainder(total int, weights []float64) []int {
	out := make([]int, len(weights))
	var sum float64
	for _, w := range weights {
		sum += w
	}
	if sum <= 0 || total <= 0 {
		return out
	}
	rem := make([]float64, len(weights))
	given := 0
	for i, w := range weights {
		q := float64(total) * w / sum
		out[i] = int(math.Floor(q))
		rem[i] = q - float64(out[i])
		given += out[i]
	}
	idx := make([]int, len(weights))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return rem[idx[a]] > rem[idx[b]] })
	for k := 0; given < total; k = (k + 1) % len(idx) {
		out[idx[k]]++
		given++
	}
	return out
}
