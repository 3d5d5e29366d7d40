package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/kanri/kanri/internal/notify"
)

// opsWebhooksPage lists the webhook endpoints, with the form that adds one.
type opsWebhooksPage struct {
	Page
	Endpoints  []*notify.Endpoint
	EventTypes []string
}

// Checked reports whether the add form has event type t ticked.
func (p *opsWebhooksPage) Checked(t string) bool {
	return slices.Contains(p.Form.Values["event_types"], t)
}

func (c *Console) opsWebhooks(w http.ResponseWriter, r *http.Request) {
	p, err := c.loadOpsWebhooks(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "ops_webhooks", p)
}

func (c *Console) loadOpsWebhooks(r *http.Request) (*opsWebhooksPage, error) {
	p := &opsWebhooksPage{Page: c.opsPage(r, "ops.hooks.title", Crumb{Key: "ops.hooks.title"}), EventTypes: notify.EventTypes}
	var err error
	p.Endpoints, err = c.svc.Notify.Endpoints(r.Context())
	return p, err
}

// opsWebhookCreate registers an endpoint and answers with its page showing
// the signing secret: once, as no later GET shows it again.
func (c *Console) opsWebhookCreate(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	var e *notify.Endpoint
	if err == nil {
		e, err = c.svc.Notify.CreateEndpoint(r.Context(), notify.EndpointInput{URL: v.Get("url"), Description: v.Get("description"),
			EventTypes: v["event_types"]})
	}
	if err != nil {
		p, lerr := c.loadOpsWebhooks(r)
		if lerr != nil {
			c.fail(w, r, p.Page, lerr)
			return
		}
		p.Form.Values = v
		c.formFailed(w, r, "ops_webhooks", p, err)
		return
	}
	c.showSecret(w, r, e, "flash.ops_webhook_created")
}

// opsWebhookPage is one endpoint: its settings, its secret's rotation,
// disabling or enabling it, and its delivery log with retries.
type opsWebhookPage struct {
	Page
	Endpoint   *notify.Endpoint
	Deliveries []*notify.Delivery
	Paging     opsPaging
	// Secret is the signing secret just made, on the answer to its
	// creation or rotation only.
	Secret string
}

func (c *Console) opsWebhook(w http.ResponseWriter, r *http.Request) {
	p, err := c.loadOpsWebhook(r, r.PathValue("w"))
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	status := http.StatusOK
	if p.Err("cursor") != "" {
		status = http.StatusBadRequest
	}
	c.render(w, r, status, "ops_webhook", p)
}

func (c *Console) loadOpsWebhook(r *http.Request, id string) (*opsWebhookPage, error) {
	p := &opsWebhookPage{Page: c.opsPage(r, "ops.hooks.one_title",
		Crumb{Key: "ops.hooks.title", Href: "/ops/webhooks"}, Crumb{Key: "ops.hooks.one_title"})}
	var err error
	if p.Endpoint, err = c.svc.Notify.Endpoint(r.Context(), id); err != nil {
		return p, err
	}
	q := r.URL.Query()
	if r.Method != http.MethodGet { // an action's answer shows the log's first page
		q = url.Values{}
	}
	var next string
	p.Deliveries, next, err = c.svc.Notify.Deliveries(r.Context(), id, notify.Page{After: q.Get("after"), Limit: opsListSize(q)})
	if err != nil && c.refuseCursor(r, &p.Page, err) {
		err = nil // a cursor edited by hand: said next to the log
	}
	keep := url.Values{}
	if q.Has("limit") {
		keep.Set("limit", q.Get("limit"))
	}
	p.Paging = pagingOf("/ops/webhooks/"+id, keep, q.Get("after"), next)
	return p, err
}

// showSecret answers a POST with endpoint e's page and its new secret.
func (c *Console) showSecret(w http.ResponseWriter, r *http.Request, e *notify.Endpoint, flash string) {
	p, err := c.loadOpsWebhook(r, e.ID)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	p.Flash, p.Secret = flash, e.Secrets[0]
	c.render(w, r, http.StatusOK, "ops_webhook", p)
}

func (c *Console) opsWebhookRotate(w http.ResponseWriter, r *http.Request) {
	e, err := c.svc.Notify.RotateSecret(r.Context(), r.PathValue("w"))
	if err != nil {
		c.opsWebhookFailed(w, r, err)
		return
	}
	c.showSecret(w, r, e, "flash.ops_webhook_rotated")
}

func (c *Console) opsWebhookDisable(w http.ResponseWriter, r *http.Request) {
	c.opsWebhookChange(w, r, c.svc.Notify.DisableEndpoint, "ops_webhook_disabled")
}

func (c *Console) opsWebhookEnable(w http.ResponseWriter, r *http.Request) {
	c.opsWebhookChange(w, r, c.svc.Notify.EnableEndpoint, "ops_webhook_enabled")
}

// opsWebhookChange disables or enables the endpoint of the path.
func (c *Console) opsWebhookChange(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, id string) (*notify.Endpoint, error), flash string) {
	id := r.PathValue("w")
	if _, err := change(r.Context(), id); err != nil {
		c.opsWebhookFailed(w, r, err)
		return
	}
	redirect(w, r, "/ops/webhooks/"+id, flash)
}

// opsDeliveryRetry queues a failed or canceled delivery again.
func (c *Console) opsDeliveryRetry(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("w")
	if _, err := c.svc.Notify.RetryDelivery(r.Context(), id, r.PathValue("delivery")); err != nil {
		c.opsWebhookFailed(w, r, err)
		return
	}
	redirect(w, r, "/ops/webhooks/"+id, "ops_delivery_retried")
}

// opsWebhookFailed shows the endpoint's page again with why an action was
// refused; an endpoint that is not there is the not-found page.
func (c *Console) opsWebhookFailed(w http.ResponseWriter, r *http.Request, err error) {
	p, lerr := c.loadOpsWebhook(r, r.PathValue("w"))
	if lerr != nil {
		c.fail(w, r, p.Page, lerr)
		return
	}
	c.formFailed(w, r, "ops_webhook", p, err)
}
