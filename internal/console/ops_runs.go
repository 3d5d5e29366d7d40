package console

import (
	"net/http"
	"net/url"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
)

// opsRunsURL is 請求処理: the billing runs and the form that starts one.
const opsRunsURL = "/ops/billing-runs"

// opsRunsPageSize is how many runs a page shows.
const opsRunsPageSize = 20

func (c *Console) registerOpsRuns(rt *router) {
	rt.page(opsRunsURL, c.opsOnly(c.opsRuns))
	rt.post(opsRunsURL, c.opsOnly(c.opsRunStart))
}

// opsRunsPage lists the latest billing runs, newest first: when, who
// started it, what it did and each failure with its tenant and reason.
type opsRunsPage struct {
	Page
	opsPaging
	Runs []*billing.RunRecord
}

// Scheduled reports whether the schedule started r, not an operator.
func (opsRunsPage) Scheduled(r *billing.RunRecord) bool {
	return r.ActorKind != string(auth.KindOperator)
}

// Reason is why a failure happened in the page's language; an internal
// error reads as such (its text is shown beside it).
func (p *opsRunsPage) Reason(f billing.RunFailure) (string, error) {
	if f.Reason == nil {
		return p.T("ops.runs.internal")
	}
	return f.Reason.In(p.Lang), nil
}

func (c *Console) loadOpsRuns(r *http.Request) (*opsRunsPage, error) {
	p := &opsRunsPage{Page: c.opsPage(r, "ops.runs.title", Crumb{Key: "ops.runs.title"})}
	after := r.URL.Query().Get("after")
	runs, next, err := c.svc.Billing.Runs(r.Context(), after, opsRunsPageSize)
	p.Runs, p.opsPaging = runs, pagingOf(opsRunsURL, url.Values{}, after, next)
	return p, err
}

func (c *Console) opsRuns(w http.ResponseWriter, r *http.Request) {
	p, err := c.loadOpsRuns(r)
	if err != nil {
		if !c.refuseCursor(r, &p.Page, err) {
			c.fail(w, r, p.Page, err)
			return
		}
		p.First = opsRunsURL
		c.render(w, r, http.StatusBadRequest, "ops_billing_runs", p)
		return
	}
	c.render(w, r, http.StatusOK, "ops_billing_runs", p)
}

// opsRunStart runs billing now, once the operator confirmed it: it bills
// what is due and charges cards. It comes back to the list, whose first
// run is this one; a notice says whether anything failed.
func (c *Console) opsRunStart(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	if err == nil && v.Get("confirm") != "yes" {
		err = errs.Field("confirm", "ops.runs.confirm_needed")
	}
	var rec *billing.RunRecord
	if err == nil {
		rec, err = c.svc.Billing.StartRun(r.Context())
	}
	switch {
	case rec != nil && err != nil: // what failed is on the run's record
		redirect(w, r, opsRunsURL, "ops_billing_run_failures")
	case rec != nil:
		redirect(w, r, opsRunsURL, "ops_billing_run_done")
	default:
		p, lerr := c.loadOpsRuns(r)
		if lerr != nil {
			c.fail(w, r, p.Page, lerr)
			return
		}
		c.formFailed(w, r, "ops_billing_runs", p, err)
	}
}
