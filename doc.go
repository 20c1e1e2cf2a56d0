// Package diming holds what every layer of the service shares: the error type
// with its codes, and the audit entry that records every change.
//
// Domain packages (geo, gazetteer, coverage, tiles) define their types and the
// store interfaces they need; adapters (store/postgis, store/sqlite) implement
// them; httpapi serves them; cmd/diming wires everything together.
package diming
