package console

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kanri/kanri/internal/auth"
)

// registerOpsMore adds the operator console's mailbox, webhook endpoints,
// operators and statistics (SPEC §9, §11).
func (c *Console) registerOpsMore(rt *router) {
	rt.page("/ops/mail", c.opsOnly(c.opsMail))
	rt.page("/ops/mail/{mail}", c.opsOnly(c.opsMailOne))
	rt.file("/ops/mail/{mail}/html", c.opsOnly(c.opsMailHTML))
	rt.post("/ops/mail/{mail}/resend", c.opsOnly(c.opsMailResend))
	rt.page("/ops/webhooks", c.opsOnly(c.opsWebhooks))
	rt.post("/ops/webhooks", c.opsOnly(c.opsWebhookCreate))
	rt.page("/ops/webhooks/{w}", c.opsOnly(c.opsWebhook))
	rt.post("/ops/webhooks/{w}/rotate-secret", c.opsOnly(c.opsWebhookRotate))
	rt.post("/ops/webhooks/{w}/disable", c.opsOnly(c.opsWebhookDisable))
	rt.post("/ops/webhooks/{w}/enable", c.opsOnly(c.opsWebhookEnable))
	rt.post("/ops/webhooks/{w}/deliveries/{delivery}/retry", c.opsOnly(c.opsDeliveryRetry))
	rt.page("/ops/operators", c.opsOnly(c.opsOperators))
	rt.post("/ops/operators", c.opsOnly(c.opsOperatorCreate))
	rt.post("/ops/operators/{o}/disable", c.opsOnly(c.opsOperatorDisable))
	rt.page("/ops/stats", c.opsOnly(c.opsStats))
}

// opsOnly lets h run for a signed-in operator. A member or a partner user
// gets the not-found page, as the API answers their tokens on operator
// routes: to them these pages do not exist. A visitor signs in first.
func (c *Console) opsOnly(h http.HandlerFunc) http.HandlerFunc {
	op := c.operator(h)
	return func(w http.ResponseWriter, r *http.Request) {
		if a := actor(r); a != nil && a.Kind != auth.KindOperator && a.Kind != auth.KindAnonymous {
			c.notFound(w, r)
			return
		}
		op(w, r)
	}
}

// opsPaging is a list's links to its first and next pages, keeping the
// list's search; Next is "" on the last page, First "" on the first.
type opsPaging struct {
	First, Next string
}

// pagingOf builds the links of a list at base searched by keep, shown
// after the cursor after, whose next page starts after next.
func pagingOf(base string, keep url.Values, after, next string) opsPaging {
	link := func(v url.Values) string {
		if len(v) == 0 {
			return base
		}
		return base + "?" + v.Encode()
	}
	var p opsPaging
	if after != "" {
		p.First = link(keep)
	}
	if next != "" {
		v := url.Values{}
		for k, vs := range keep {
			v[k] = vs
		}
		v.Set("after", next)
		p.Next = link(v)
	}
	return p
}

// opsListSize is the page size of the operator's logs; ?limit= changes it
// within the bounds of the tenants list.
func opsListSize(q url.Values) int {
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		return min(max(n, 1), opsMaxPageSize)
	}
	return opsPageSize
}
