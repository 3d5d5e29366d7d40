package domain

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/tenant"
)

// JobKind is the outbox kind that starts a primary-domain change's job.
const JobKind = "domain_change"

// MakePrimary starts changing the tenant's primary domain to an active
// domain: both domains show primary_changing until the job (RunChange) is
// done. Only the super admin may, and not within ChangeLock of the last
// change.
func (s *Service) MakePrimary(ctx context.Context, tenantID, domainID string) (*Change, error) {
	a, err := auth.RequireSuperAdmin(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var c *Change
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Store.GetTenant(ctx, tenantID); err != nil { // one change at a time
			return err
		}
		to, err := s.onList(ctx, tenantID, domainID)
		if err != nil {
			return err
		}
		if err := s.checkChangeable(ctx, to, now); err != nil {
			return err
		}
		from, err := s.primary(ctx, tenantID)
		if err != nil {
			return err
		}
		c = &Change{ID: s.IDs.New("dch"), TenantID: tenantID, FromDomainID: from.ID, ToDomainID: to.ID, FromName: from.Name,
			ToName: to.Name, Status: ChangeRenaming, RequestedBy: a.Name, CreatedAt: now}
		for _, d := range []*Domain{from, to} {
			d.Status, d.UpdatedAt = StatusPrimaryChanging, now
			if err := s.Store.UpdateDomain(ctx, d); err != nil {
				return err
			}
		}
		if err := s.Store.CreateChange(ctx, c); err != nil {
			return err
		}
		if err := s.Store.Enqueue(ctx, JobKind, now, c.ID); err != nil {
			return err
		}
		return s.recordChange(ctx, now, c, "domain.primary_change_started")
	})
	if err != nil {
		return nil, fmt.Errorf("change primary domain: %w", err)
	}
	return c, nil
}

// checkChangeable refuses a target that is not an active non-primary
// domain, and a change while another runs or within ChangeLock of it.
func (s *Service) checkChangeable(ctx context.Context, to *Domain, now time.Time) error {
	switch {
	case to.Primary:
		return errs.E(errs.FailedPrecondition, "domain.primary_already", "domain", to.Name)
	case to.Status == StatusPending:
		return errs.E(errs.FailedPrecondition, "domain.primary_not_verified", "domain", to.Name)
	case to.Status == StatusPrimaryChanging:
		return errs.E(errs.FailedPrecondition, "domain.change_in_progress")
	}
	last, err := s.Store.LatestChange(ctx, to.TenantID)
	switch {
	case errs.Is(err, errs.NotFound):
		return nil
	case err != nil:
		return err
	case last.Status == ChangeRenaming:
		return errs.E(errs.FailedPrecondition, "domain.change_in_progress")
	case last.Status == ChangeMailing && !now.Before(s.LockedUntil(last)):
		return errs.E(errs.FailedPrecondition, "domain.change_mailing")
	case now.Before(s.LockedUntil(last)):
		return errs.E(errs.FailedPrecondition, "domain.change_locked", "changed_at", last.RenamedAt, "possible_from", s.LockedUntil(last))
	}
	return nil
}

// LockedUntil returns when the primary domain may change again after c:
// ChangeLock after c renamed the login ids (zero while it has not).
func (s *Service) LockedUntil(c *Change) time.Time {
	if c == nil || c.RenamedAt.IsZero() {
		return time.Time{}
	}
	return c.RenamedAt.Add(s.ChangeLock)
}

func (s *Service) primary(ctx context.Context, tenantID string) (*Domain, error) {
	ds, err := s.Store.ListDomains(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if d.Primary {
			return s.Store.GetDomain(ctx, tenantID, d.ID) // locked
		}
	}
	return nil, fmt.Errorf("tenant %s has no primary domain", tenantID)
}

// GetChange returns a primary-domain change of the tenant.
func (s *Service) GetChange(ctx context.Context, tenantID, changeID string) (*Change, error) {
	if _, err := auth.Require(ctx, tenantID, auth.PermTenantManage); err != nil {
		return nil, err
	}
	c, err := s.Store.GetChange(ctx, changeID)
	if errs.Is(err, errs.NotFound) || (err == nil && c.TenantID != tenantID) {
		return nil, errs.E(errs.NotFound, "domain.change_not_found")
	}
	return c, err
}

// LatestChange returns the tenant's newest primary-domain change, or
// NotFound.
func (s *Service) LatestChange(ctx context.Context, tenantID string) (*Change, error) {
	if _, err := auth.Require(ctx, tenantID, auth.PermTenantManage); err != nil {
		return nil, err
	}
	return s.Store.LatestChange(ctx, tenantID)
}

// RunChange works a change to its end: one transaction renames every
// login id, revokes the tenant's sessions and swaps the domains; then
// members are mailed their new login id a batch per transaction. Each step
// re-reads where the change stands under its lock, so a run after a crash,
// or beside another run, does nothing twice.
func (s *Service) RunChange(ctx context.Context, changeID string) error {
	ctx = auth.System(ctx, "domain change")
	if err := s.rename(ctx, changeID); err != nil {
		return fmt.Errorf("domain change %s: rename: %w", changeID, err)
	}
	c, err := s.Store.GetChange(ctx, changeID)
	if err != nil || c.Status == ChangeDone {
		return err
	}
	t, err := s.Store.GetTenant(ctx, c.TenantID) // the mails' company name and language
	if err != nil {
		return fmt.Errorf("domain change %s: %w", changeID, err)
	}
	for {
		done, err := s.mailNext(ctx, t, changeID)
		if err != nil {
			return fmt.Errorf("domain change %s: mail: %w", changeID, err)
		}
		if done {
			return nil
		}
		if err := pause(ctx, s.MailPause); err != nil {
			return err
		}
	}
}

// ResumeChanges runs every change that is not done: after a crash, the
// background check finishes them.
func (s *Service) ResumeChanges(ctx context.Context) error {
	cs, err := s.Store.OpenChanges(ctx)
	if err != nil {
		return fmt.Errorf("resume domain changes: %w", err)
	}
	var failed []error
	for _, c := range cs {
		failed = append(failed, s.RunChange(ctx, c.ID))
	}
	return errors.Join(failed...)
}

func (s *Service) rename(ctx context.Context, changeID string) error {
	now := s.Clock.Now()
	return s.Store.InTx(ctx, func(ctx context.Context) error {
		c, err := s.Store.GetChange(ctx, changeID)
		if err != nil || c.Status != ChangeRenaming {
			return err
		}
		if _, err := s.Store.GetTenant(ctx, c.TenantID); err != nil { // no member joins meanwhile
			return err
		}
		from, err := s.Store.GetDomain(ctx, c.TenantID, c.FromDomainID)
		if err != nil {
			return err
		}
		to, err := s.Store.GetDomain(ctx, c.TenantID, c.ToDomainID)
		if err != nil {
			return err
		}
		if c.MembersUpTo, err = s.Store.NewestMemberID(ctx, c.TenantID); err != nil {
			return err
		}
		autoID := func() string { return "u-" + strings.ToLower(rand.Text()[:12]) }
		if err := s.Store.GiveAutoIDs(ctx, c.TenantID, autoID, now); err != nil {
			return err
		}
		if _, err := s.Store.RevokeTenantSessions(ctx, c.TenantID, now); err != nil {
			return err
		}
		// The old primary lets go first: a tenant has one primary at any time.
		from.Primary, from.Status, from.UpdatedAt = false, StatusActive, now
		to.Primary, to.Status, to.UpdatedAt = true, StatusActive, now
		for _, d := range []*Domain{from, to} {
			if err := s.Store.UpdateDomain(ctx, d); err != nil {
				return err
			}
		}
		c.Status, c.RenamedAt = ChangeMailing, now
		if err := s.Store.UpdateChange(ctx, c); err != nil {
			return err
		}
		return s.recordChange(ctx, now, c, "domain.primary_changed")
	})
}

// mailNext mails the next batch of members their new login id and reports
// whether every member has been mailed. The mails are rendered before the
// transaction, which stores them only if no other run moved on meanwhile.
func (s *Service) mailNext(ctx context.Context, t *tenant.Tenant, changeID string) (bool, error) {
	c, err := s.Store.GetChange(ctx, changeID)
	if err != nil || c.Status != ChangeMailing {
		return true, err
	}
	if c.MailedAfter == "" { // counted here, not in the renaming transaction, which stays short
		if c.Renamed, err = s.Store.CountMembers(ctx, c.TenantID, c.MembersUpTo); err != nil {
			return false, err
		}
	}
	batch := cmp.Or(s.MailBatch, 25)
	ms, err := s.Store.ListMembers(ctx, member.Filter{TenantID: c.TenantID, After: c.MailedAfter, Limit: batch})
	if err != nil {
		return false, err
	}
	// Members who joined after the rename got their id on the new domain.
	last := len(ms) < batch
	if i := slices.IndexFunc(ms, func(m *member.Member) bool { return m.ID > c.MembersUpTo }); i >= 0 {
		ms, last = ms[:i], true
	}
	var mails []*notify.Mail
	for _, m := range ms {
		if m.Status == member.StatusDeactivated {
			continue // cannot sign in
		}
		ml, err := s.Notify.Prepare(t.ID, member.RecipientOf(t, m), "domain_primary_changed",
			notify.MailData{CompanyName: t.CompanyName, WorksGroup: t.WorksGroup, MemberName: m.DisplayName, LoginID: m.LoginID,
				ConsoleURL: s.BaseURL + "/admin/login", Domain: c.ToName, OldDomain: c.FromName})
		if err != nil {
			return false, err
		}
		if ml != nil {
			mails = append(mails, ml)
		}
	}
	done := false
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.Store.GetChange(ctx, changeID)
		if err != nil || cur.Status != ChangeMailing || cur.MailedAfter != c.MailedAfter {
			return err // another run mailed this batch: read again
		}
		if err := s.Notify.Queue(ctx, mails...); err != nil {
			return err
		}
		cur.Renamed, cur.Mailed = c.Renamed, cur.Mailed+len(mails)
		if len(ms) > 0 {
			cur.MailedAfter = ms[len(ms)-1].ID
		}
		if done = last; done {
			cur.Status, cur.FinishedAt = ChangeDone, s.Clock.Now()
		}
		return s.Store.UpdateChange(ctx, cur)
	})
	return done, err
}

// pause waits d, or less if ctx ends first.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// changeEvent is a primary-domain change as the audit trail and webhooks
// show it: the vendor's product maps old login ids to new ones with it.
type changeEvent struct {
	ChangeID string `json:"change_id"`
	Name     string `json:"name"` // the new primary, the event's target
	From     string `json:"from"`
	To       string `json:"to"`
	Status   string `json:"status"`
}

func (s *Service) recordChange(ctx context.Context, now time.Time, c *Change, action string) error {
	ev := changeEvent{ChangeID: c.ID, Name: c.ToName, From: c.FromName, To: c.ToName, Status: c.Status}
	e := s.Audit.Event(ctx, now, c.TenantID, action, "domain", c.ToDomainID, map[string]string{"primary": c.FromName}, ev)
	if err := s.Store.AppendAuditEvents(ctx, e); err != nil {
		return err
	}
	return s.Notify.Emit(ctx, c.TenantID, action, ev)
}
