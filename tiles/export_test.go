package tiles

// ResetLevelsForTest drops the layer's per-zoom generalisations, so that the
// next Render at each zoom generalises the layer again (benchmarks that
// time tiles with no generalisation precomputed).
func (ix *Index) ResetLevelsForTest() {
	for i := range ix.levels {
		ix.levels[i] = level{}
	}
}
