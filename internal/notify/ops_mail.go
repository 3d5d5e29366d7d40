package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// MailFilter selects mails of the operator's mailbox; every field that is
// set must match.
type MailFilter struct {
	Recipient string // part of the address or of the name, any case
	Tenant    string // a tenant's id or its works-group name, exactly
	Template  string
	Status    string // MailPending, MailSent, MailKept or MailFailed
	Page
}

// MailStatuses lists the mail statuses in the order screens offer them.
var MailStatuses = []string{MailPending, MailSent, MailKept, MailFailed}

// OpsStore is what the operator's mailbox and webhook pages need from the
// database besides the rest of Store.
type OpsStore interface {
	// SearchMails returns the mails f selects, newest first, with ids
	// before f.After, at most f.Limit.
	SearchMails(ctx context.Context, f MailFilter) ([]*Mail, error)
	// RequeueMail makes failed mail id pending and due again. Errors: NotFound;
	// Conflict (it is no longer failed: another resend came first).
	RequeueMail(ctx context.Context, id string) error
	// RequeueDelivery makes delivery id pending again when it failed or
	// was canceled. Errors: NotFound; Conflict (it is neither any more).
	RequeueDelivery(ctx context.Context, id string) error
}

// SearchMails lists the mails f selects, newest first, and the next
// cursor. Errors: Invalid (an unknown status or template), Malformed (a
// cursor never handed out), NotFound (not an operator).
func (o *Ops) SearchMails(ctx context.Context, f MailFilter) ([]*Mail, string, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, "", err
	}
	f.Recipient, f.Tenant = strings.TrimSpace(f.Recipient), strings.TrimSpace(f.Tenant)
	if f.Status != "" && !slices.Contains(MailStatuses, f.Status) {
		return nil, "", errs.Field("status", "notify.mail_status_unknown", "status", f.Status, "known", strings.Join(MailStatuses, ", "))
	}
	if names := o.Service.Templates.Names(); f.Template != "" && !slices.Contains(names, f.Template) {
		return nil, "", errs.Field("template", "notify.mail_template_unknown", "template", f.Template, "known", strings.Join(names, ", "))
	}
	return pageOf(f.Page, "mail", func(p Page) ([]*Mail, error) {
		f.Page = p
		return o.Service.Store.SearchMails(ctx, f)
	}, func(m *Mail) string { return m.ID })
}

// ResendMail queues a failed mail for another round of delivery attempts,
// due at once, and records who asked. Mails that
// were sent, kept in the mailbox or are still being tried are refused.
// Errors: NotFound, FailedPrecondition (not failed).
func (o *Ops) ResendMail(ctx context.Context, id string) (*Mail, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	s := o.Service
	now := s.Clock.Now()
	var m *Mail
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if m, err = s.Store.GetMail(ctx, id); err != nil {
			return err
		}
		if m.Status != MailFailed {
			return errs.E(errs.FailedPrecondition, "notify.mail_not_failed", "status", i18n.Term("ops.mail.status."+m.Status))
		}
		if err := s.Store.RequeueMail(ctx, m.ID); err != nil {
			return err
		}
		m.Status = MailPending
		return o.AppendAuditEvents(ctx, o.Audit.Event(ctx, now, "", "mail.resent", "mail", m.ID, nil,
			map[string]any{"to": m.To, "template": m.Template, "tenant_id": m.TenantID, "attempts_before": m.Attempts}))
	})
	if err != nil {
		return nil, fmt.Errorf("resend mail: %w", err)
	}
	return m, nil
}
