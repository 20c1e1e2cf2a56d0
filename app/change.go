package app

// Change reports what a use case changed, for the door to print or encode:
// the kind of entity ("application", "standard_name", "division",
// "adjustment", "marker", "account", "facility", …), the ids it touched and
// the action ("create", "update", "transition:approve", "publish",
// "import", "delete", …). Published is true when the read model was
// refreshed after the commit; PublishErr holds why not (the change is
// committed either way, and the holder's watcher retries the refresh).
type Change struct {
	Entity     string
	IDs        []string
	Action     string
	Published  bool
	PublishErr error
}
