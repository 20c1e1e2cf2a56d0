package gazetteer

// ProposeRomanization is the converter's proposal for a place record's
// reviewed romanization: 专名 and 通名 apart, except natural villages
// (0702: 李家湾 → Lijiawan), which are written as one word.
func ProposeRomanization(name, specific, generic, category string) Romanization {
	if InCategory(category, "0702") {
		return RomanizeName(name, category)
	}
	return Romanize(specific, generic)
}
