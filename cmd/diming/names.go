package main

import "diming/gazetteer"

// romanizeStandard proposes the place-name spelling of a name.
func romanizeStandard(specific, generic string) string {
	return gazetteer.Romanize(specific, generic).Standard
}
