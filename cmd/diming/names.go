package main

import "diming/gazetteer"

// romanizeStandard proposes the place-name spelling of a name.
func romanizeStandard(name, specific, generic, category string) string {
	return gazetteer.ProposeRomanization(name, specific, generic, category).Standard
}
