// Package rowstore is what the two stores have in common, written once:
// the flow of every write (one transaction, the version check, the audit
// entry in the same transaction, the name-claim protocol), the error
// messages, the reading loops and the domain checks a store still makes
// before it writes (guard.go).
//
// An adapter (store/postgis, store/sqlite) keeps its SQL and its row I/O: it
// implements Tx, whose methods each run one statement (or one COPY) and
// scan what it returns, and it hands Engine a way to begin a transaction and
// a way to classify its driver's errors (SQLSTATE, SQLite result codes).
// Nothing here names a table or a driver.
package rowstore
