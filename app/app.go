package app

import (
	"context"

	"diming/readmodel"
)

// Publisher makes committed changes visible to readers: the read model's
// holder (readmodel.Holder) is one. A use case calls it after its
// transaction committed; the change is in the store whether or not the
// refresh succeeds (a failed refresh is retried by the holder's watcher).
type Publisher interface {
	Refresh(ctx context.Context) (*readmodel.Model, error)
}

var _ Publisher = (*readmodel.Holder)(nil)
