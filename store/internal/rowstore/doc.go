// Package rowstore is the one store both adapters are: every read and
// write, the flow of each write (one transaction, the version check, the
// audit entry in the same transaction, the name-claim protocol), the
// statements, the scanning of rows, the error messages, and the domain
// checks a store still makes before it writes (guard.go).
//
// An adapter (store/postgis, store/sqlite) gives a Config and embeds the
// Engine built from it in its Store, whose exported methods are then the
// Engine's:
//   - Dialect: how its SQL differs (placeholders, geometry and date
//     columns, points, row locks, the box and id-list conditions, the lock
//     that serialises boundary-line rewrites); buildSQL makes every
//     statement from it;
//   - Codec: how its columns and arguments carry times, lists and geometry;
//   - Conn and Begin: its pool or handle, and a transaction (Tx) with the
//     engine's clock and its bulk loads (COPY, or batched INSERTs);
//   - Classify: its error classification (SQLSTATE, SQLite result codes)
//     into the Reasons of messages.go.
//
// What stays in an adapter is what only that engine does: connecting,
// migrating, LISTEN/NOTIFY, bulk loading, snapshots, and the change marks.
package rowstore
