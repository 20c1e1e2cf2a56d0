// Package app holds diming's use cases: one function per change a user can
// make (file an application, move it on, adjust a boundary, import
// facilities, …). Each validates with the domain rules, writes through the
// store in one transaction with its audit row, publishes the change to the
// read model and reports what changed. The doors (httpapi, the command line,
// the database-change listener) translate their input into a call here and
// its result back; none repeats what a use case does.
package app
