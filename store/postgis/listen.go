package postgis

import (
	"context"
	"log/slog"
	"time"
)

// ChangeChannel is the notification channel every committed change
// signals (a trigger on the audit log, migration 0010).
const ChangeChannel = "diming_change"

// Listen calls changed after every committed change by any process (one
// call may stand for several), until ctx ends. It holds one connection of
// the pool LISTENing on ChangeChannel and reconnects with backoff when the
// database goes away; after a reconnect it calls changed once, since
// notifications sent while it was away are lost.
func (s *Store) Listen(ctx context.Context, log *slog.Logger, changed func()) {
	if log == nil {
		log = slog.Default()
	}
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, func() {
			backoff = 100 * time.Millisecond
			if !first {
				changed() // catch up on what a lost connection missed
			}
			first = false
		}, changed)
		if ctx.Err() != nil {
			return
		}
		log.Warn("change notifications interrupted; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listenOnce LISTENs on one connection until it fails or ctx ends.
func (s *Store) listenOnce(ctx context.Context, connected, changed func()) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection leaves the pool for good: a LISTENing session must
	// not serve other queries, and closing it ends the LISTEN.
	pc := conn.Hijack()
	defer pc.Close(context.WithoutCancel(ctx))
	if _, err := pc.Exec(ctx, "LISTEN "+ChangeChannel); err != nil {
		return err
	}
	connected()
	for {
		if _, err := pc.WaitForNotification(ctx); err != nil {
			return err
		}
		changed()
	}
}
