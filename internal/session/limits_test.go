package session_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/store/storetest"
)

// outcomes counts how concurrent calls ended: the kinds of their errors,
// and whether every 429 said how long to wait.
type outcomes struct {
	mu          sync.Mutex
	kinds       map[errs.Kind]int
	ok          int
	badRetry    []time.Duration
	windowLimit time.Duration
}

func (o *outcomes) add(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err == nil {
		o.ok++
		return
	}
	o.kinds[errs.KindOf(err)]++
	if e, ok := errs.As(err); ok && e.Kind == errs.TooManyRequests && (e.RetryAfter <= 0 || e.RetryAfter > o.windowLimit) {
		o.badRetry = append(o.badRetry, e.RetryAfter)
	}
}

// all runs n calls of fn at once, fn(i) on services[i%len(services)].
func all(n int, window time.Duration, fn func(i int) error) *outcomes {
	o := &outcomes{kinds: map[errs.Kind]int{}, windowLimit: window}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			o.add(fn(i))
		})
	}
	close(start)
	wg.Wait()
	return o
}

// TestConcurrentGuesses: however many sign-ins arrive at once, on one
// instance or two sharing the database, at most the limit's number of
// passwords are checked for an account or an IP; the rest are refused with
// how long to wait, and so is the right password afterwards.
func TestConcurrentGuesses(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		second, err := store.Open(env.URL, id.Sortable{Clock: env.Clock}, store.Options{})
		must(t, "open the database again", err)
		t.Cleanup(func() { second.Close() })
		one, two := env.SessionService(), env.SessionService()
		two.Store = second // another kanri serve on the same database
		svcs := []*session.Service{one, two}
		limits := storetest.Limits
		limits.PerIP = 12 // not 100: each check costs a password hash

		cases := []struct {
			name    string
			ip      string
			login   func(i int) string
			limit   int
			refused string // a login then refused, right password and all
		}{
			{"one account", "203.0.113.1", func(int) string { return ten.Owner.LoginID }, limits.PerAccount, ten.Owner.LoginID},
			{"one IP", "203.0.113.2", func(i int) string { return fmt.Sprintf("ghost%02d@acme.works.example", i) }, limits.PerIP, ""},
		}
		for _, s := range svcs {
			s.Limits = limits
		}
		for _, c := range cases {
			ip := session.Client{IP: c.ip}
			o := all(64, limits.Window, func(i int) error {
				_, _, err := svcs[i%2].Login(ctx, c.login(i), "wrong password", ip)
				return err
			})
			if o.kinds[errs.Unauthenticated] > c.limit || o.kinds[errs.Unauthenticated]+o.kinds[errs.TooManyRequests] != 64 {
				t.Errorf("%s: 64 wrong passwords at once: got %v, want at most %d checked (401), the rest 429", c.name, o.kinds, c.limit)
			}
			if len(o.badRetry) > 0 {
				t.Errorf("%s: 429s with a Retry-After outside (0, window]: %v", c.name, o.badRetry)
			}
			if c.refused != "" {
				_, _, err := one.Login(ctx, c.refused, storetest.Password, ip)
				wantKind(t, c.name+": right password after the guesses", err, errs.TooManyRequests)
			}
		}
	})
}

// TestSuccessForgetsOnlyEarlierGuesses: a sign-in that succeeds while
// guesses race it forgets the attempts counted before it, not those after,
// so the guesses never get past the limit.
func TestSuccessForgetsOnlyEarlierGuesses(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.SessionService()
		svc.Limits.PerAccount = 4
		ip := session.Client{IP: "192.0.2.50"}
		for range 2 {
			_, _, err := svc.Login(ctx, ten.Owner.LoginID, "wrong password", ip)
			wantKind(t, "wrong password", err, errs.Unauthenticated)
		}
		_, _, err := svc.Login(ctx, ten.Owner.LoginID, storetest.Password, ip)
		must(t, "right password after two wrong ones", err)

		// The success forgot the two before it: four more are checked.
		o := all(16, svc.Limits.Window, func(int) error {
			_, _, err := svc.Login(ctx, ten.Owner.LoginID, "wrong password", ip)
			return err
		})
		if o.kinds[errs.Unauthenticated] != 4 || o.kinds[errs.TooManyRequests] != 12 {
			t.Errorf("16 guesses after a success: got %v, want 4 checked and 12 refused", o.kinds)
		}
		// Sixteen counted in all; a success now could not forget those after it.
		_, _, err = svc.Login(ctx, ten.Owner.LoginID, storetest.Password, ip)
		wantKind(t, "right password while locked", err, errs.TooManyRequests)
	})
}
