package billing

import (
	"context"
	"hash/maphash"
	"sync"
)

// tenantLocks queues the applies of one tenant in this process, so that
// 64 admins changing one subscription at once take turns instead of
// refusing each other's payments in flight (billing.quote_stale_paying
// stays for another instance's). Tenants share 1,024 locks by hash: a few
// unrelated applies wait for each other, memory stays flat.
type tenantLocks struct {
	once  sync.Once
	seed  maphash.Seed
	slots [1024]chan struct{}
}

// lock waits for tenantID's turn, or for ctx to end; unlock ends the turn.
func (l *tenantLocks) lock(ctx context.Context, tenantID string) (unlock func(), err error) {
	l.once.Do(func() {
		l.seed = maphash.MakeSeed()
		for i := range l.slots {
			l.slots[i] = make(chan struct{}, 1)
		}
	})
	slot := l.slots[maphash.String(l.seed, tenantID)%uint64(len(l.slots))]
	select {
	case slot <- struct{}{}:
		return func() { <-slot }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
