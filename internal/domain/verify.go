package domain

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
)

// Check is what one ownership check of a domain found.
type Check struct {
	Domain   *Domain
	Outcome  string // OutcomeVerified, OutcomeNotFound, OutcomeNotVisibleYet or OutcomeExpired
	Message  string // the outcome in words, with what to do
	Expected Proof
	TXT      []string // the TXT records found at Expected.TXTName
	MX       []string // the MX hosts found at the domain
	method   string   // the proof found
	taken    bool     // the proof is there, but another tenant owns the name
}

// The outcomes of a check. A DNS failure (SERVFAIL, timeout) is never a
// failed check: the records are just not visible yet.
const (
	OutcomeVerified      = "verified"
	OutcomeNotFound      = "not_found"
	OutcomeNotVisibleYet = "not_visible_yet"
	OutcomeExpired       = "expired"
)

// Verify looks for d's proof in DNS now and activates the domain when it
// is there.
func (s *Service) Verify(ctx context.Context, tenantID, domainID string) (*Check, error) {
	if _, err := auth.Require(ctx, tenantID, auth.PermTenantManage); err != nil {
		return nil, err
	}
	d, err := s.onList(ctx, tenantID, domainID)
	if err != nil {
		return nil, err
	}
	if d.Status != StatusPending {
		return &Check{Domain: d, Outcome: OutcomeVerified, Expected: s.Proof(d), Message: fmt.Sprintf("%s is verified already", d.Name)}, nil
	}
	c, err := s.settle(ctx, s.lookup(ctx, d))
	if err == nil && c.taken {
		err = errs.Taken("name", nil, "%s", c.Message)
	}
	if err != nil {
		return nil, fmt.Errorf("verify domain: %w", err)
	}
	return c, nil
}

// CheckPending checks every pending domain: the background check. Domains
// past their deadline expire. It goes on past a domain that fails and
// returns the failures together.
func (s *Service) CheckPending(ctx context.Context) error {
	ctx = auth.System(ctx, "domain check")
	ds, err := s.Store.PendingDomains(ctx, 1000)
	if err != nil {
		return fmt.Errorf("check domains: %w", err)
	}
	var failed []error
	for _, d := range ds {
		c := &Check{Domain: d, Expected: s.Proof(d)}
		if !s.Clock.Now().After(d.Deadline) {
			c = s.lookup(ctx, d)
		}
		// Another tenant owning the name is an answer, not a failure: the
		// next check (or the deadline) settles the domain.
		if _, err := s.settle(ctx, c); err != nil && !errs.Is(err, errs.Conflict) {
			failed = append(failed, fmt.Errorf("check %s: %w", d.Name, err))
		}
	}
	return errors.Join(failed...)
}

// lookup asks DNS for both proofs; either one is enough.
func (s *Service) lookup(ctx context.Context, d *Domain) *Check {
	p := s.Proof(d)
	c := &Check{Domain: d, Expected: p}
	var txtErr, mxErr error
	c.TXT, txtErr = s.DNS.TXT(ctx, p.TXTName)
	c.MX, mxErr = s.DNS.MX(ctx, p.MXName)
	hasTXT := slices.ContainsFunc(c.TXT, func(v string) bool { return strings.TrimSpace(v) == p.TXTValue })
	hasMX := slices.ContainsFunc(c.MX, func(h string) bool { return strings.EqualFold(strings.TrimSuffix(h, "."), p.MXHost) })
	switch {
	case hasTXT, hasMX:
		c.Outcome = OutcomeVerified
		if c.method = MethodMX; hasTXT {
			c.method = MethodTXT
		}
		c.Message = fmt.Sprintf("found the %s record: %s is verified", strings.ToUpper(c.method), d.Name)
	case txtErr != nil || mxErr != nil:
		c.Outcome = OutcomeNotVisibleYet
		c.Message = fmt.Sprintf("the records are not visible yet (%s): DNS changes can take up to 24 hours; Kanri checks again every few minutes",
			oneLine(txtErr, mxErr))
	default:
		c.Outcome = OutcomeNotFound
		c.Message = fmt.Sprintf("no matching record yet: publish TXT %q at %s (found %s) or MX %s at %s (found %s)",
			p.TXTValue, p.TXTName, found(c.TXT), p.MXHost, p.MXName, found(c.MX))
	}
	return c
}

// oneLine joins the errors that are not nil with "; ".
func oneLine(errs ...error) string {
	var parts []string
	for _, err := range errs {
		if err != nil {
			parts = append(parts, err.Error())
		}
	}
	return strings.Join(parts, "; ")
}

// found lists what a lookup found, in words.
func found(vs []string) string {
	if len(vs) == 0 {
		return "none"
	}
	return strings.Join(vs, ", ")
}

// settle stores what a check found, if the domain is still pending: a
// verified domain becomes active, unless another tenant verified the name
// first; one past its deadline expires.
func (s *Service) settle(ctx context.Context, c *Check) (*Check, error) {
	now := s.Clock.Now()
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		d, err := s.Store.GetDomain(ctx, c.Domain.TenantID, c.Domain.ID)
		if err != nil {
			return err
		}
		if c.Domain = d; d.Status != StatusPending {
			return nil
		}
		before := *d
		d.LastCheckAt, d.LastCheck, d.UpdatedAt = now, c.Message, now
		switch {
		case now.After(d.Deadline):
			c.Outcome, c.Message = OutcomeExpired, fmt.Sprintf("the deadline to prove %s passed: add it again to start over", d.Name)
			d.Status, d.LastCheck = StatusExpired, c.Message
			return s.changed(ctx, now, d, &before, "domain.expired", "domain_expired")
		case c.Outcome == OutcomeVerified:
			if c.taken, err = s.Store.VerifiedElsewhere(ctx, d.TenantID, d.Name); err != nil {
				return err
			}
			if c.taken { // kept as the check's result: the list says why it stays pending
				c.Outcome, c.Message = OutcomeNotFound, takenMessage(d.Name)
				d.LastCheck = c.Message
				return s.Store.UpdateDomain(ctx, d)
			}
			d.Status, d.Method, d.VerifiedAt = StatusActive, c.method, now
			return s.changed(ctx, now, d, &before, "domain.verified", "domain_verified")
		}
		return s.Store.UpdateDomain(ctx, d)
	})
	if errs.Is(err, errs.Conflict) { // verified elsewhere at the same moment: the unique index decided
		err = errs.Taken("name", err, "%s", takenMessage(c.Domain.Name))
	}
	return c, err
}

func takenMessage(name string) string {
	return fmt.Sprintf("domain %s is already verified by another tenant: it can belong to one tenant only; ask its owner to delete it there", name)
}

// changed stores d's new status with its audit event, webhook and mail to
// the super admin.
func (s *Service) changed(ctx context.Context, now time.Time, d, before *Domain, action, template string) error {
	t, err := s.Store.GetTenant(ctx, d.TenantID)
	if err != nil {
		return err
	}
	if err := s.Store.UpdateDomain(ctx, d); err != nil {
		return err
	}
	if err := s.record(ctx, now, d, action, before); err != nil {
		return err
	}
	return s.mailSuperAdmin(ctx, t, template, d.Name)
}
