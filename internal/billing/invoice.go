package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/tenant"
)

// bill is an invoice to issue.
type bill struct {
	id             string // the invoice's id; a new one when ""
	period, reason string
	lines          []Line
	method         *PaymentMethod // nil: the tenant's default at issue
	chargeID       string         // the card was charged already
}

// issue issues an invoice (a credit note when the lines net below zero) in
// the transaction in ctx; once it is numbered, it is recorded, told and
// mailed to the billing contact. Where the store numbers it after the
// commit (Store.CreateInvoice), that happens before the transaction's InTx
// returns, which is when the returned invoice carries its number.
func (s *Service) issue(ctx context.Context, t *tenant.Tenant, b bill, now time.Time) (*Invoice, error) {
	admin, err := s.superAdmin(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	if b.id == "" {
		b.id = s.IDs.New("inv")
	}
	inv := &Invoice{ID: b.id, TenantID: t.ID, Number: s.Issuer.Prefix, Kind: KindInvoice, Period: b.period, Reason: b.reason,
		Currency: s.Catalog.Currency, Lines: b.lines, IssuerName: s.Issuer.Name, IssuerRegistration: s.Issuer.Registration,
		RecipientName: t.CompanyName, RecipientEmail: admin.Email, IssuedAt: now, Status: InvoicePaid, PaidAt: now}
	if inv.Subtotal, inv.Taxes, inv.Tax, inv.Total, err = totals(inv.Currency, b.lines); err != nil {
		return nil, err
	}
	if err := s.settle(ctx, inv, b, now); err != nil {
		return nil, err
	}
	if err := s.Store.CreateInvoice(ctx, inv); err != nil {
		return nil, err
	}
	if inv.Number == "" {
		s.Store.AfterCommit(ctx, func(ctx context.Context) { s.numbered(ctx, waiting{inv, t, admin}) })
		return inv, nil
	}
	return inv, s.announce(ctx, t, admin, inv)
}

// announce records, tells and mails a numbered invoice.
func (s *Service) announce(ctx context.Context, t *tenant.Tenant, admin *member.Member, inv *Invoice) error {
	if err := s.audit(ctx, s.Audit.Event(ctx, inv.IssuedAt, t.ID, "invoice.issued", "invoice", inv.ID, nil, invoiceSnap(inv))); err != nil {
		return err
	}
	if err := s.Notify.Emit(ctx, t.ID, "invoice.issued", invoiceSnap(inv)); err != nil {
		return err
	}
	return s.mail(ctx, t, admin, "invoice_issued", s.invoiceData(t, inv))
}

// waiting is an invoice of this process's waiting for its number, with
// its tenant and billing contact as its change read them.
type waiting struct {
	inv   *Invoice
	t     *tenant.Tenant
	admin *member.Member
}

// numbered numbers the invoices committed so far, inv among them, and
// sets inv's number. Callers in this process take turns: changes
// committed while one numbers are numbered together by the next, and the
// rest find theirs done. A failure leaves them to the next numbering (the
// minutely resume job's at the latest), logged.
func (s *Service) numbered(ctx context.Context, w waiting) {
	ctx = context.WithoutCancel(ctx) // committed: a caller gone does not hold up the invoice's mail
	s.waitingMu.Lock()
	if s.waiting == nil {
		s.waiting = map[string]waiting{}
	}
	s.waiting[w.inv.ID] = w
	s.waitingMu.Unlock()
	defer s.seen(w.inv.ID)
	s.numbering.Lock()
	defer s.numbering.Unlock()
	if w.inv.Number != "" { // numbered by the one before
		return
	}
	err := s.numberInvoices(ctx)
	if err == nil && w.inv.Number == "" { // numbered meanwhile by another instance
		w.inv.Number, err = s.Store.InvoiceNumber(ctx, w.inv.ID)
	}
	if err != nil {
		s.log().ErrorContext(ctx, "invoice numbering failed; the resume job retries it", "invoice", w.inv.ID, "err", err)
	}
}

// seen forgets a waiting invoice.
func (s *Service) seen(id string) {
	s.waitingMu.Lock()
	delete(s.waiting, id)
	s.waitingMu.Unlock()
}

// waitingFor returns the invoice id this process waits for, if it does.
func (s *Service) waitingFor(id string) (waiting, bool) {
	s.waitingMu.Lock()
	defer s.waitingMu.Unlock()
	w, ok := s.waiting[id]
	return w, ok
}

// numberBatch is how many invoices one numbering transaction takes.
const numberBatch = 200

// NumberInvoices numbers every committed invoice still without a number
// (Store.CreateInvoice), in the order they were issued (SPEC §8: gapless),
// and announces each, in the numbering's transaction. Concurrent callers
// take turns on the issuer's counter; each finds what the last one left.
func (s *Service) NumberInvoices(ctx context.Context) error {
	s.numbering.Lock()
	defer s.numbering.Unlock()
	return s.numberInvoices(ctx)
}

// numberInvoices is NumberInvoices, with s.numbering held.
func (s *Service) numberInvoices(ctx context.Context) error {
	ctx = auth.System(ctx, "billing") // the requests' own actors are on their changes' events
	for {
		var numbered []*Invoice
		err := s.Store.InTx(ctx, func(ctx context.Context) error {
			invs, err := s.Store.NumberInvoices(ctx, s.Issuer.Registration, s.Issuer.Prefix, numberBatch)
			if err != nil || len(invs) == 0 {
				return err
			}
			numbered = invs
			var events []*audit.Event
			ctx = context.WithValue(ctx, auditKey{}, &events)
			return s.Notify.Batch(ctx, func(ctx context.Context) error {
				for _, inv := range invs {
					w, ok := s.waitingFor(inv.ID)
					if !ok { // another instance's, or one a crash left
						if w.t, err = s.Store.ReadTenant(ctx, inv.TenantID); err != nil {
							return err
						}
						if w.admin, err = s.Store.ReadSuperAdmin(ctx, inv.TenantID); err != nil {
							return err
						}
					}
					if err := s.announce(ctx, w.t, w.admin, inv); err != nil {
						return err
					}
				}
				return s.Store.AppendAuditEvents(ctx, events...)
			})
		})
		if err != nil {
			return fmt.Errorf("number invoices: %w", err)
		}
		for _, inv := range numbered { // committed: tell the changes waiting here
			if w, ok := s.waitingFor(inv.ID); ok {
				w.inv.Number = inv.Number
			}
		}
		if len(numbered) < numberBatch {
			return nil
		}
	}
}

// settle decides how an invoice is paid: a credit note credits the last
// invoice; a charged card is paid; a card to charge, or invoice payment
// (due at the end of next month, with the bank details), is open.
func (s *Service) settle(ctx context.Context, inv *Invoice, b bill, now time.Time) error {
	if inv.Total < 0 {
		return s.credit(ctx, inv)
	}
	if inv.Total == 0 {
		return nil
	}
	m := b.method
	if m == nil {
		var err error
		if m, err = s.defaultMethod(ctx, inv.TenantID); err != nil {
			return err
		}
	}
	inv.PaymentKind, inv.ChargeID = m.Kind, b.chargeID
	if b.chargeID != "" {
		return nil
	}
	inv.Status, inv.PaidAt = InvoiceOpen, time.Time{}
	today := s.today(now)
	if m.Kind == MethodInvoice {
		inv.BankDetails, inv.DueAt = s.Issuer.BankDetails, monthStart(today).AddDate(0, 2, -1)
		return nil
	}
	inv.DueAt, inv.NextAttemptAt = today.AddDate(0, 0, 1), now // charged right after the run commits
	return nil
}

// credit makes inv a credit note. Its money goes back to the newest card
// payment that covers it (a refund, after the commit), or else comes off
// the next regular invoice.
func (s *Service) credit(ctx context.Context, inv *Invoice) error {
	recent, err := s.Store.ListInvoices(ctx, InvoiceFilter{TenantID: inv.TenantID, Kind: KindInvoice, Limit: 50})
	if err != nil {
		return err
	}
	if len(recent) == 0 {
		return errs.E(errs.FailedPrecondition, "billing.nothing_to_credit")
	}
	inv.Kind, inv.OriginalID, inv.Status, inv.PaidAt = KindCreditNote, recent[0].ID, InvoiceCredited, time.Time{}
	// The newest card payment that covers the whole credit takes the refund.
	for _, o := range recent {
		if o.Status == InvoicePaid && o.PaymentKind == MethodCard && o.ChargeID != "" && o.Total >= -inv.Total {
			inv.OriginalID, inv.Status, inv.PaymentKind, inv.refundTo = o.ID, InvoiceIssued, MethodCard, o.ChargeID
			return nil
		}
	}
	return s.Store.AddPendingLines(ctx, inv.TenantID, inv.Lines)
}

// refund returns a credit note's money to the card that paid the invoice it
// credits; the credit note's id is the refund's key, so a retry refunds once.
// cn becomes what is stored.
func (s *Service) refund(ctx context.Context, cn *Invoice) error {
	charge := cn.refundTo
	if charge == "" {
		orig, err := s.Store.GetInvoice(ctx, cn.TenantID, cn.OriginalID)
		if err != nil {
			return err
		}
		charge = orig.ChargeID
	}
	refundID, err := s.Provider.Refund(ctx, charge, money.New(-cn.Total, cn.Currency), cn.ID)
	if err != nil {
		return fmt.Errorf("refund %s: %w", cn.Number, err)
	}
	now := s.Clock.Now()
	done, err := s.Store.MarkRefunded(ctx, cn.ID, refundID, now)
	switch {
	case err != nil:
		return err
	case done:
		cn.Status, cn.ChargeID, cn.PaidAt = InvoiceRefunded, refundID, now
		return nil
	}
	stored, err := s.Store.GetInvoice(ctx, cn.TenantID, cn.ID) // refunded by another run meanwhile
	if err == nil {
		*cn = *stored
	}
	return err
}

// invoiceSnap is an invoice as the audit trail and webhooks show it.
func invoiceSnap(inv *Invoice) map[string]any {
	return map[string]any{"id": inv.ID, "number": inv.Number, "kind": inv.Kind, "status": inv.Status, "currency": inv.Currency,
		"total": inv.Total, "tax": inv.Tax, "period": inv.Period, "reason": inv.Reason}
}

// invoiceData is what the invoice mails say.
func (s *Service) invoiceData(t *tenant.Tenant, inv *Invoice) notify.MailData {
	d := notify.MailData{CompanyName: t.CompanyName, WorksGroup: t.WorksGroup, InvoiceNumber: inv.Number,
		Amount: money.New(inv.Total, inv.Currency).String(), InvoiceURL: s.BaseURL + "/admin/billing/invoices/" + inv.ID,
		BankDetails: inv.BankDetails}
	if !inv.DueAt.IsZero() && inv.PaymentKind == MethodInvoice {
		d.DueDate = FormatDay(inv.DueAt)
	}
	for _, l := range inv.Lines {
		ja, _ := l.Basis(inv.Currency, i18n.JA) // a basis that cannot be written is left out
		en, _ := l.Basis(inv.Currency, i18n.EN)
		d.Lines = append(d.Lines, notify.MailLine{Description: l.Description, Amount: money.New(l.Amount, inv.Currency).String(), BasisJA: ja, BasisEN: en})
	}
	for _, t := range inv.Taxes {
		d.Taxes = append(d.Taxes, notify.MailTax{Percent: t.Percent, Base: money.New(t.Base, inv.Currency).String(), Tax: money.New(t.Tax, inv.Currency).String()})
	}
	return d
}

// mail mails the billing contact m.
func (s *Service) mail(ctx context.Context, t *tenant.Tenant, m *member.Member, template string, data notify.MailData) error {
	data.MemberName, data.LoginID = m.DisplayName, m.LoginID
	if data.ConsoleURL == "" {
		data.ConsoleURL = s.BaseURL + "/admin/billing"
	}
	return s.Notify.MailTo(ctx, t.ID, member.RecipientOf(t, m), template, data)
}

// paymentFailed records and tells that a card was refused.
func (s *Service) paymentFailed(ctx context.Context, t *tenant.Tenant, now time.Time, ref string, amount money.Money, d *Declined) error {
	data := map[string]any{"reference": ref, "amount": amount.Amount, "currency": amount.Currency, "code": d.Code}
	if err := s.audit(ctx, s.Audit.Event(ctx, now, t.ID, "payment.failed", "payment", ref, nil, data)); err != nil {
		return err
	}
	if err := s.Notify.Emit(ctx, t.ID, "payment.failed", data); err != nil {
		return err
	}
	admin, err := s.superAdmin(ctx, t.ID)
	if err != nil {
		return err
	}
	// The reason reads in the language the mail is written in: the admin's.
	_, reason := d.refusal()
	return s.mail(ctx, t, admin, "payment_failed", notify.MailData{CompanyName: t.CompanyName, WorksGroup: t.WorksGroup, Amount: amount.String(),
		Reason: i18n.Messages().Fill(member.RecipientOf(t, admin).Language, string(reason), nil), ConsoleURL: s.BaseURL + "/admin/billing/payment-methods"})
}

// changed records a subscription change: audit, event, mail.
func (s *Service) changed(ctx context.Context, t *tenant.Tenant, now time.Time, action string, before, after *Subscription) error {
	if err := s.audit(ctx, s.Audit.Event(ctx, now, t.ID, action, "subscription", t.ID, subSnap(before), subSnap(after))); err != nil {
		return err
	}
	if err := s.Notify.Emit(ctx, t.ID, action, subSnap(after)); err != nil {
		return err
	}
	if action == "subscription.past_due" { // pastDue mails it, with the amount
		return nil
	}
	admin, err := s.superAdmin(ctx, t.ID)
	if err != nil {
		return err
	}
	lang := member.RecipientOf(t, admin).Language // the plan is named in the mail's language
	plan := s.Catalog.Plan(after.Plan)
	data := notify.MailData{CompanyName: t.CompanyName, WorksGroup: t.WorksGroup, PlanName: plan.Name.In(lang),
		Contract: ContractName(after.Contract, lang), Licenses: after.Licenses, Effective: FormatDay(s.today(now))}
	switch {
	case action == "subscription.canceled" && after.Status != StatusCanceled:
		data.Effective = FormatDay(after.CancelAt)
	case after.Next != nil && (before.Next == nil || *before.Next != *after.Next):
		next := s.Catalog.Plan(after.Next.Plan)
		data.PlanName, data.Contract, data.Licenses = next.Name.In(lang), ContractName(after.Next.Contract, lang), after.Next.Licenses
		data.Effective = FormatDay(after.PeriodEnd)
	}
	if action == "subscription.canceled" {
		return s.mail(ctx, t, admin, "subscription_canceled", data)
	}
	return s.mail(ctx, t, admin, "subscription_changed", data)
}

// subSnap is a subscription as the audit trail and webhooks show it.
func subSnap(s *Subscription) map[string]any {
	m := map[string]any{"plan": s.Plan, "contract": s.Contract, "licenses": s.Licenses, "status": s.Status, "version": s.Version}
	if !s.PeriodEnd.IsZero() {
		m["period_start"], m["period_end"] = isoDay(s.PeriodStart), isoDay(s.PeriodEnd)
	}
	if s.Next != nil {
		m["next"] = map[string]any{"plan": s.Next.Plan, "contract": s.Next.Contract, "licenses": s.Next.Licenses}
	}
	if !s.CancelAt.IsZero() {
		m["cancel_at"] = isoDay(s.CancelAt)
	}
	return m
}

// Invoices lists a tenant's invoices, newest first.
func (s *Service) Invoices(ctx context.Context, tenantID string, f InvoiceFilter) ([]*Invoice, error) {
	if _, err := auth.RequireReader(ctx, tenantID, auth.PermTenantManage); err != nil {
		return nil, err
	}
	f.TenantID = tenantID
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 200
	}
	invs, err := s.Store.ListInvoices(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list invoices: %w", err)
	}
	return invs, nil
}

// Invoice returns one of a tenant's invoices with its lines; a credit
// note with its original's number and issue time.
func (s *Service) Invoice(ctx context.Context, tenantID, invoiceID string) (*Invoice, error) {
	if _, err := auth.RequireReader(ctx, tenantID, auth.PermTenantManage); err != nil {
		return nil, err
	}
	inv, err := s.Store.GetInvoice(ctx, tenantID, invoiceID)
	if err == nil && inv.Kind == KindCreditNote {
		var orig *Invoice
		if orig, err = s.Store.GetInvoice(ctx, tenantID, inv.OriginalID); err == nil {
			inv.OriginalNumber, inv.OriginalIssuedAt = orig.Number, orig.IssuedAt
		}
	}
	if err != nil {
		return nil, fmt.Errorf("invoice: %w", err)
	}
	return inv, nil
}

// AllInvoices lists every tenant's invoices for operators, searchable by
// date, amount and counterparty (SPEC §8).
func (s *Service) AllInvoices(ctx context.Context, f InvoiceFilter) ([]*Invoice, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	f.TenantID = ""
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	return s.Store.ListInvoices(ctx, f)
}

// MarkPaid records an operator's receipt of a bank transfer for an open invoice.
func (s *Service) MarkPaid(ctx context.Context, invoiceID string) (*Invoice, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var inv *Invoice
	found, err := s.Store.GetInvoice(ctx, "", invoiceID) // outside the transaction: no lock yet
	if err != nil {
		return nil, fmt.Errorf("mark invoice paid: %w", err)
	}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		// The tenant is locked first, as every other change does: a charge
		// of the same invoice by the billing run waits instead of deadlocking.
		if _, err := s.Store.GetTenant(ctx, found.TenantID); err != nil {
			return err
		}
		if inv, err = s.Store.GetInvoice(ctx, found.TenantID, invoiceID); err != nil {
			return err
		}
		if inv.Status != InvoiceOpen {
			return errs.E(errs.FailedPrecondition, "billing.invoice_not_open", "number", inv.Number, "status", i18n.Term("billing.inv.status."+inv.Status))
		}
		before := invoiceSnap(inv)
		inv.Status, inv.PaidAt, inv.NextAttemptAt = InvoicePaid, now, time.Time{}
		if err := s.Store.UpdateInvoicePayment(ctx, inv); err != nil {
			return err
		}
		if err := s.audit(ctx, s.Audit.Event(ctx, now, inv.TenantID, "invoice.paid", "invoice", inv.ID, before, invoiceSnap(inv))); err != nil {
			return err
		}
		if err := s.Notify.Emit(ctx, inv.TenantID, "invoice.paid", invoiceSnap(inv)); err != nil {
			return err
		}
		return s.settled(ctx, inv.TenantID, now)
	})
	if err != nil {
		return nil, fmt.Errorf("mark invoice paid: %w", err)
	}
	return inv, nil
}

// settled makes a past-due subscription active again once nothing is overdue.
func (s *Service) settled(ctx context.Context, tenantID string, now time.Time) error {
	t, err := s.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return err
	}
	sub, err := s.Store.GetSubscription(ctx, tenantID)
	if errs.Is(err, errs.NotFound) || (err == nil && sub.Status != StatusPastDue) {
		return nil
	}
	if err != nil {
		return err
	}
	overdue, err := s.Store.OverdueInvoices(ctx, tenantID, s.today(now).AddDate(0, 0, 1))
	if err != nil || overdue > 0 {
		return err
	}
	before := *sub
	sub.Status = StatusActive
	return s.save(ctx, t, "subscription.changed", &before, sub, now)
}

type adminKey struct{}

type auditKey struct{}

// oneChange runs fn, which records one change in the transaction in ctx:
// the super admin its mails go to and the webhook endpoints its events go
// to are read once, and its audit events and its mails are written
// together (audit, notify.Batch).
func (s *Service) oneChange(ctx context.Context, tenantID string, fn func(ctx context.Context) error) error {
	admin, err := s.Store.ReadSuperAdmin(ctx, tenantID)
	if err != nil {
		return err
	}
	var events []*audit.Event
	ctx = context.WithValue(context.WithValue(ctx, adminKey{}, admin), auditKey{}, &events)
	return s.Notify.Batch(ctx, func(ctx context.Context) error {
		if err := fn(ctx); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, events...)
	})
}

// audit records e in the transaction in ctx: with the other events of its
// change when in oneChange.
func (s *Service) audit(ctx context.Context, e *audit.Event) error {
	if events, ok := ctx.Value(auditKey{}).(*[]*audit.Event); ok {
		*events = append(*events, e)
		return nil
	}
	return s.Store.AppendAuditEvents(ctx, e)
}

// superAdmin is the tenant's super admin: the one oneChange read, if any.
func (s *Service) superAdmin(ctx context.Context, tenantID string) (*member.Member, error) {
	if m, ok := ctx.Value(adminKey{}).(*member.Member); ok && m.TenantID == tenantID {
		return m, nil
	}
	return s.Store.ReadSuperAdmin(ctx, tenantID)
}
