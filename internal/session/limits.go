package session

import (
	"context"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
)

// attempt is one sign-in attempt (a password or a second-step code),
// counted on its account's and its IP's limits before anything is checked.
type attempt struct {
	account, ip           string
	n                     int // the attempt's number in the account's window
	accountStart, ipStart time.Time
}

// reserve counts an attempt on the account, then on the IP, each in one
// atomic statement, and refuses it (TooManyRequests, with the wait) when a
// count is past its limit. Attempts are counted before the check, not after
// a failure, so however many arrive at once — on any number of instances
// sharing the database — at most the limit's number are ever checked in a
// window. An attempt refused here stays counted: it ends with the window.
func (s *Service) reserve(ctx context.Context, now time.Time, account, ip string) (*attempt, error) {
	windowStart := now.Add(-s.Limits.Window)
	at := &attempt{account: account, ip: IPKey(ip)}
	var err error
	if at.n, at.accountStart, err = s.Store.ReserveLoginAttempt(ctx, at.account, now, windowStart); err != nil {
		return nil, err
	}
	if at.n > s.Limits.PerAccount {
		return nil, s.tooMany(now, at.accountStart)
	}
	n, start, err := s.Store.ReserveLoginAttempt(ctx, at.ip, now, windowStart)
	if err != nil {
		return nil, err
	}
	if n > s.Limits.PerIP {
		return nil, s.tooMany(now, start)
	}
	at.ipStart = start
	return at, nil
}

// Wait is how long a refused attempt must wait: until the window that
// started at windowStart ends.
func (l Limits) Wait(now, windowStart time.Time) time.Duration {
	// now was read before the attempt was counted, so a concurrent attempt
	// (or another instance's) may have started the window after it: the
	// wait is never longer than the window, nor shorter than a second.
	return min(max(windowStart.Add(l.Window).Sub(now), time.Second), l.Window)
}

// Minutes is wait in whole minutes, rounded up: what a refusal tells
// people to wait.
func Minutes(wait time.Duration) int {
	return int((wait + time.Minute - 1) / time.Minute)
}

func (s *Service) tooMany(now, windowStart time.Time) error {
	wait := s.Limits.Wait(now, windowStart)
	return errs.Later(wait, "session.too_many_sign_ins", "minutes", Minutes(wait))
}

// AccountKey names a member's sign-in limit. Other limits on the same
// table (password-reset requests) prefix these keys with their own name.
func AccountKey(loginID string) string { return "acct:" + loginID }

// OperatorKey names an operator's sign-in limit.
func OperatorKey(email string) string { return "op:" + email }

// PartnerKey names a partner user's sign-in limit.
func PartnerKey(email string) string { return "ptn:" + email }

// IPKey names an IP's sign-in limit.
func IPKey(ip string) string { return "ip:" + ip }

// CheckPassword checks pw against hash, the password of the account whose
// limit is key, as a sign-in attempt: counted before the check, so a form
// that asks for the current password is no way around the limits. Errors:
// TooManyRequests; Invalid at field when pw is wrong.
func (s *Service) CheckPassword(ctx context.Context, key, hash, pw, field string) error {
	at, err := s.reserve(ctx, s.Clock.Now(), key, ClientOf(ctx).IP)
	if err != nil {
		return err
	}
	if !auth.VerifyPassword(hash, pw) {
		return errs.Field(field, "session.current_password_wrong")
	}
	return s.passed(ctx, at)
}

// Unlock forgets the attempts counted on key: a password set from a reset
// link ends the account's lockout.
func (s *Service) Unlock(ctx context.Context, key string) error {
	return s.Store.ForgetLoginAttempts(ctx, key)
}

// succeeded settles an attempt that signed someone in, in the session's
// transaction. The IP gives back this attempt only: successes are not
// failures, and one good account must not wipe an IP's failures on others.
// The account forgets the attempts counted up to this one, but not those
// counted after it: they are guesses still being checked (or refused), and
// forgetting them would let a concurrent guesser past the limit.
func (s *Service) succeeded(ctx context.Context, at *attempt) error {
	if err := s.Store.ReleaseLoginAttempts(ctx, at.ip, at.ipStart, 1); err != nil {
		return err
	}
	return s.Store.ReleaseLoginAttempts(ctx, at.account, at.accountStart, at.n)
}

// passed settles an attempt whose password was right but that still needs
// its second step: it gives back only itself on both counts, so the account
// keeps every code guess counted — a known password must not reset them.
func (s *Service) passed(ctx context.Context, at *attempt) error {
	if err := s.Store.ReleaseLoginAttempts(ctx, at.ip, at.ipStart, 1); err != nil {
		return err
	}
	return s.Store.ReleaseLoginAttempts(ctx, at.account, at.accountStart, 1)
}

// Guess counts one guess of a secret (a partner code) on key's and the
// caller's IP's limits, as a sign-in attempt, then runs check: a guess it
// accepts is given back, a refused one stays counted. Errors:
// TooManyRequests, and check's.
func (s *Service) Guess(ctx context.Context, key string, check func(ctx context.Context) error) error {
	at, err := s.reserve(ctx, s.Clock.Now(), key, ClientOf(ctx).IP)
	if err != nil {
		return err
	}
	if err := check(ctx); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(ctx context.Context) error { return s.succeeded(ctx, at) })
}
