package app

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/mailer"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/password"
	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/webhook"
)

// jobHandler does the background jobs' work.
type jobHandler struct {
	*notify.Service
	domains   *domain.Service
	billing   *billing.Service
	passwords *password.Service
	db        *store.DB
	clock     interface{ Now() time.Time }
}

// Cleanup purges expired rows.
func (h jobHandler) Cleanup(ctx context.Context) error { return h.db.Purge(ctx, h.clock.Now()) }

// ChangeDomain works a primary-domain change.
func (h jobHandler) ChangeDomain(ctx context.Context, changeID string) error {
	return h.domains.RunChange(ctx, changeID)
}

// CheckDomains resumes interrupted changes first (a slow DNS server must not
// hold them up), then checks pending domains.
func (h jobHandler) CheckDomains(ctx context.Context) error {
	return errors.Join(h.domains.ResumeChanges(ctx), h.domains.CheckPending(ctx))
}

// SendPasswordReset works a "forgot password" request.
func (h jobHandler) SendPasswordReset(ctx context.Context, r password.Request) error {
	return h.passwords.Send(ctx, r)
}

// SettleInvoice charges or refunds what a member change billed.
func (h jobHandler) SettleInvoice(ctx context.Context, invoiceID string) error {
	return h.billing.Settle(ctx, invoiceID)
}

// RunBilling runs the billing run.
func (h jobHandler) RunBilling(ctx context.Context) error {
	_, err := h.billing.Run(ctx)
	return err
}

// ResumeApplies finishes the applies a crash cut off after the charge.
func (h jobHandler) ResumeApplies(ctx context.Context) error { return h.billing.ResumeApplies(ctx) }

// webhookClient posts webhooks: it dials only public addresses (checked
// again at every connection, so DNS rebinding cannot reach the inside), uses
// no proxy (which would hide the address dialled) and follows no redirect.
func webhookClient(allowPrivate bool) *http.Client {
	return &http.Client{
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{Proxy: nil, DialContext: webhook.SafeDialer(allowPrivate).DialContext, MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// smtpSender returns the mail sender for cfg, or nil without an SMTP host:
// then every mail is kept in the operator's mailbox.
func smtpSender(cfg Config) (func(context.Context, []*notify.Mail) []error, error) {
	if cfg.SMTP.Host == "" {
		return nil, nil
	}
	s := cfg.SMTP
	m, err := mailer.New(mailer.Config{Host: s.Host, Port: s.Port, TLS: s.TLS, Username: s.Username, Password: s.Password, From: s.From, FromName: s.FromName})
	if err != nil {
		return nil, err
	}
	host := messageIDHost(s.From)
	return func(ctx context.Context, ms []*notify.Mail) []error {
		msgs := make([]mailer.Message, len(ms))
		for i, ml := range ms {
			// The Message-ID derives from the mail's id: a retried delivery carries the same one.
			msgs[i] = mailer.Message{MessageID: ml.ID + "@" + host, To: ml.To, ToName: ml.ToName, Subject: ml.Subject, Text: ml.Text, HTML: ml.HTML, Date: ml.CreatedAt}
		}
		return m.SendAll(ctx, msgs)
	}, nil
}

// messageIDHost is the right side of every Message-ID: the sender address's
// domain, which every process that sends mail shares (unlike the base URL,
// which a `kanri worker` may lack), so a mail sent again by another process
// after a crash carries the same Message-ID; "kanri" for a domain literal.
func messageIDHost(from string) string {
	host := from[strings.LastIndex(from, "@")+1:]
	if host == "" || strings.ContainsAny(host, "[]") {
		return "kanri"
	}
	return host
}
