package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/tenant"
)

// mailFilters are the mailbox's search fields, in the query string.
var mailFilters = []string{"recipient", "tenant", "template", "status"}

// opsMailPage is the operator's mailbox: every mail Kanri wrote, newest
// first, searched by recipient, tenant, template and status.
type opsMailPage struct {
	Page
	Mails     []*notify.Mail
	Tenants   map[string]*tenant.Tenant // the listed mails' tenants, by id
	Templates []string
	Statuses  []string
	Paging    opsPaging
}

func (c *Console) opsMail(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := &opsMailPage{Page: c.opsPage(r, "ops.mail.title", Crumb{Key: "ops.mail.title"}), Statuses: notify.MailStatuses,
		Templates: c.svc.Notify.Service.Templates.Names()}
	keep := url.Values{}
	for _, name := range mailFilters {
		if v := strings.TrimSpace(q.Get(name)); v != "" {
			keep.Set(name, v)
		}
	}
	p.Form.Values = keep
	f := notify.MailFilter{Recipient: keep.Get("recipient"), Tenant: keep.Get("tenant"), Template: keep.Get("template"),
		Status: keep.Get("status"), Page: notify.Page{After: q.Get("after"), Limit: opsListSize(q)}}
	mails, next, err := c.svc.Notify.SearchMails(r.Context(), f)
	status := http.StatusOK
	if err != nil {
		if !p.refuse(err) {
			c.fail(w, r, p.Page, err)
			return
		}
		status = api.Status(err)
	}
	if q.Has("limit") {
		keep.Set("limit", q.Get("limit"))
	}
	p.Mails, p.Paging = mails, pagingOf("/ops/mail", keep, f.After, next)
	if p.Tenants, err = c.tenantsOf(r, mails); err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, status, "ops_mail", p)
}

// tenantsOf reads the tenants the mails were written for, once each.
func (c *Console) tenantsOf(r *http.Request, mails []*notify.Mail) (map[string]*tenant.Tenant, error) {
	out := map[string]*tenant.Tenant{}
	for _, m := range mails {
		if _, seen := out[m.TenantID]; seen || m.TenantID == "" {
			continue
		}
		t, err := c.svc.Tenants.GetAny(r.Context(), m.TenantID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
		out[m.TenantID] = t // nil when it is gone: the id is shown
	}
	return out, nil
}

// opsMailOnePage is one mail with its headers, its text part, its HTML
// part (drawn in a sandboxed frame from opsMailHTML) and its delivery
// attempts.
type opsMailOnePage struct {
	Page
	Mail   *notify.Mail
	Tenant *tenant.Tenant // nil for a mail outside any tenant
}

func (c *Console) opsMailOne(w http.ResponseWriter, r *http.Request) {
	p, err := c.loadOpsMailOne(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "ops_mail_one", p)
}

func (c *Console) loadOpsMailOne(r *http.Request) (*opsMailOnePage, error) {
	p := &opsMailOnePage{Page: c.opsPage(r, "ops.mail.one_title",
		Crumb{Key: "ops.mail.title", Href: "/ops/mail"}, Crumb{Key: "ops.mail.one_title"})}
	var err error
	if p.Mail, err = c.svc.Notify.Mail(r.Context(), r.PathValue("mail")); err != nil {
		return p, err
	}
	if p.Mail.TenantID != "" {
		if p.Tenant, err = c.svc.Tenants.GetAny(r.Context(), p.Mail.TenantID); errs.Is(err, errs.NotFound) {
			err = nil
		}
	}
	return p, err
}

// opsMailResend queues a failed mail again; a mail that did not fail is
// refused on its page.
func (c *Console) opsMailResend(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("mail")
	if _, err := c.svc.Notify.ResendMail(r.Context(), id); err != nil {
		p, lerr := c.loadOpsMailOne(r)
		if lerr != nil {
			c.fail(w, r, p.Page, lerr)
			return
		}
		c.formFailed(w, r, "ops_mail_one", p, err)
		return
	}
	redirect(w, r, "/ops/mail/"+id, "ops_mail_resent")
}

// mailCSP is the policy of a mail's HTML part shown in the mailbox's frame:
// a sandbox (no script runs, no form is sent, an origin of its own), its
// inline styles, pictures in data: URLs only, nothing loaded from outside.
const mailCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox"

// opsMailHTML serves a mail's HTML part as written, for the frame of its
// page: mails carry the tenants' data, so it is held to mailCSP.
func (c *Console) opsMailHTML(w http.ResponseWriter, r *http.Request) {
	m, err := c.svc.Notify.Mail(r.Context(), r.PathValue("mail"))
	if err != nil {
		c.fail(w, r, c.opsPage(r, "error.title"), err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", mailCSP)
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write([]byte(m.HTML))
}
