package domain

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// Check is what one ownership check of a domain found.
type Check struct {
	Domain   *Domain
	Outcome  string  // OutcomeVerified, OutcomeNotFound, OutcomeNotVisibleYet or OutcomeExpired
	Finding  Finding // the outcome in words, with what to do
	Expected Proof
	TXT      []string // the TXT records found at Expected.TXTName
	MX       []string // the MX hosts found at the domain
	method   string   // the proof found
	taken    bool     // the proof is there, but another tenant owns the name
}

// Finding is a check's outcome in words: a code of the message catalog
// (web/i18n/errors_domain.json) and its parameters, so that each reader
// reads it in their own language and a program reads the code. Parameters
// are strings, so they read back from the database as they were written.
type Finding struct {
	Code   string // e.g. "domain.check_txt_mismatch"; "" before the first check
	Params map[string]string
}

// Message is the finding in lang ("ja" or "en").
func (f Finding) Message(lang string) string {
	p := make(map[string]any, len(f.Params))
	for k, v := range f.Params {
		p[k] = v
	}
	return i18n.Messages().Fill(lang, f.Code, p)
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
		return &Check{Domain: d, Outcome: OutcomeVerified, Expected: s.Proof(d),
			Finding: Finding{"domain.check_verified_already", map[string]string{"domain": d.Name}}}, nil
	}
	c, err := s.settle(ctx, s.lookup(ctx, d))
	if err == nil && c.taken {
		err = errs.Taken("name", nil, "domain.taken", "domain", c.Domain.Name)
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

// lookup asks DNS for both proofs; either one is enough. When a question
// got no answer the finding says only that: the resolver logs why, and a
// server's words (REFUSED from 192.0.2.53) would tell an admin nothing to do.
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
		c.Finding = Finding{"domain.check_verified", map[string]string{"domain": d.Name, "record": strings.ToUpper(c.method)}}
	case txtErr != nil || mxErr != nil:
		c.Outcome = OutcomeNotVisibleYet
		c.Finding = Finding{"domain.check_dns_unanswered", map[string]string{"domain": d.Name}}
	default:
		c.Outcome, c.Finding = OutcomeNotFound, mismatch(p, c.TXT, c.MX)
	}
	return c
}

// mismatch says what DNS holds instead of the proof. A TXT record at the
// challenge name is someone's attempt at the proof: its value is wrong. MX
// hosts are most often the domain's own mail servers, so that finding
// offers both ways.
func mismatch(p Proof, txt, mx []string) Finding {
	switch {
	case len(txt) > 0:
		quoted := make([]string, len(txt))
		for i, v := range txt {
			quoted[i] = strconv.Quote(v) // a TXT value may hold any byte, a line break too
		}
		return Finding{"domain.check_txt_mismatch", map[string]string{"name": p.TXTName, "found": strings.Join(quoted, ", "), "expected": p.TXTValue}}
	case len(mx) > 0:
		return Finding{"domain.check_mx_mismatch", map[string]string{"name": p.MXName, "found": strings.Join(mx, ", "), "expected": p.MXHost,
			"txt_name": p.TXTName, "txt_value": p.TXTValue}}
	}
	return Finding{"domain.check_no_records", map[string]string{"txt_name": p.TXTName, "txt_value": p.TXTValue, "mx_name": p.MXName, "mx_host": p.MXHost}}
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
		d.LastCheckAt, d.LastCheck, d.UpdatedAt = now, c.Finding, now
		switch {
		case now.After(d.Deadline):
			c.Outcome, c.Finding = OutcomeExpired, Finding{"domain.check_expired", map[string]string{"domain": d.Name}}
			d.Status, d.LastCheck = StatusExpired, c.Finding
			return s.changed(ctx, now, d, &before, "domain.expired", "domain_expired")
		case c.Outcome == OutcomeVerified:
			if c.taken, err = s.Store.VerifiedElsewhere(ctx, d.TenantID, d.Name); err != nil {
				return err
			}
			if c.taken { // kept as the check's result: the list says why it stays pending
				c.Outcome, c.Finding = OutcomeNotFound, Finding{"domain.taken", map[string]string{"domain": d.Name}}
				d.LastCheck = c.Finding
				return s.Store.UpdateDomain(ctx, d)
			}
			d.Status, d.Method, d.VerifiedAt = StatusActive, c.method, now
			return s.changed(ctx, now, d, &before, "domain.verified", "domain_verified")
		}
		return s.Store.UpdateDomain(ctx, d)
	})
	if errs.Is(err, errs.Conflict) { // verified elsewhere at the same moment: the unique index decided
		err = errs.Taken("name", err, "domain.taken", "domain", c.Domain.Name)
	}
	return c, err
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
