package app

// Change is what a use case changed: the audit entity it touched (as the
// audit log names it), the ids of the rows (empty when an import or a
// replacement touched the entity as a whole) and the action (create,
// update, delete, import, replace, …). A use case that wrote nothing
// reports no Change.
type Change struct {
	Entity string
	IDs    []string
	Action string
}
