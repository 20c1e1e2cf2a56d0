package postgis_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"diming/coverage"
	"diming/internal/pgtest"
	"diming/store/postgis"
)

// A change committed by one process reaches another's Listen within a
// second; an uncommitted one does not.
func TestListenForChanges(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := postgis.Open(ctx, postgis.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgis.Open(ctx, postgis.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var calls atomic.Int64
	got := make(chan struct{}, 16)
	go a.Listen(ctx, nil, func() { calls.Add(1); got <- struct{}{} })
	time.Sleep(300 * time.Millisecond) // let it LISTEN

	// A rolled-back transaction that wrote the audit log notifies nobody.
	tx, err := b.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (actor, action, entity, entity_id) VALUES ('test', 'create', 'facility', '0')`); err != nil {
		t.Fatal(err)
	}
	_ = tx.Rollback(ctx)
	select {
	case <-got:
		t.Fatal("a rolled-back change was notified")
	case <-time.After(300 * time.Millisecond):
	}

	start := time.Now()
	f := coverage.Facility{Name: "测试养老服务站", Category: coverage.CommunityEldercareStation, Point: orb.Point{106.45, 29.56}, Status: coverage.StatusOpen}
	if _, err := b.PutFacility(ctx, "test", f); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
		t.Logf("notified %v after the commit", time.Since(start))
	case <-time.After(time.Second):
		t.Fatal("no notification within a second of the commit")
	}
}
