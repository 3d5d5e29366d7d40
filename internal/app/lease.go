package app

import (
	"context"
	"time"

	"github.com/kanri/kanri/internal/id"
)

// This process's instance lease: renewed every leaseRenew while the process
// lives; an instance that has not renewed it for leaseTTL is dead, and what
// it held is free — its Idempotency-Key claims (a retry takes them over)
// and the River jobs it left running (jobs runs them again). 20 s is four
// missed renewals: long for a live process, short beside the minute a
// retried request and the two minutes a due mail may wait after a crash.
const (
	leaseTTL   = 20 * time.Second
	leaseRenew = 5 * time.Second
)

// startLease registers this process as an instance and renews its lease
// until Close. Leases are on the system clock: a test clock moved days
// ahead would make every other process look dead to this one, and this
// one look alive for days after it died.
func (a *App) startLease(ctx context.Context, ids id.Generator) error {
	a.instance = ids.New("ins")
	now := a.wall.Now()
	if err := a.DB.RenewInstance(ctx, a.instance, now, now.Add(leaseTTL)); err != nil {
		return err
	}
	renewCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.renewLease(renewCtx)
	}()
	a.endLease = func() {
		cancel()
		<-done
		// A clean stop frees its claims at once; should this fail, the lease
		// lapses instead, leaving them held for up to leaseTTL.
		if err := a.DB.EndInstance(context.WithoutCancel(ctx), a.instance); err != nil {
			a.Logger.WarnContext(ctx, "ending this process's instance lease failed: its claims free when the lease lapses", "err", err)
		}
	}
	return nil
}

func (a *App) renewLease(ctx context.Context) {
	tick := time.NewTicker(leaseRenew)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := a.wall.Now()
		if err := a.DB.RenewInstance(ctx, a.instance, now, now.Add(leaseTTL)); err != nil && ctx.Err() == nil {
			a.Logger.ErrorContext(ctx, "renewing this process's instance lease failed: once it lapses, other processes take over its work", "err", err)
		}
	}
}

// lapsed returns those of the instances ids whose leases have lapsed.
func (a *App) lapsed(ctx context.Context, ids []string) ([]string, error) {
	return a.DB.LapsedInstances(ctx, ids, a.wall.Now())
}
