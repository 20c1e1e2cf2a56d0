// Package gazetteer is the domain of administrative divisions and standard
// place names: their types, the rules they obey and the Store interfaces the
// rest of the service needs. It imports no adapter; store/postgis and
// store/sqlite implement its interfaces.
package gazetteer
