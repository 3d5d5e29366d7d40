package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
)

// TestLicenses is seed 002 through the API, by an admin whose role has
// licenses.manage only: the license state before any quote (on the free
// plan: nothing to change, in Japanese), more licenses with the basis of
// their amount, fewer at renewal, the scheduled reduction withdrawn, and
// going below the billable members refused with how many to deactivate.
func TestLicenses(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		addCard(t, s, a, cardOK)
		role := decode[api.Role](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, "/roles"), Token: a.AdminToken,
			Body: map[string]any{"name": "license clerks", "permissions": []string{"licenses.manage"}}}))
		addMember(t, s, a.ID, a.AdminToken, "clerk", "Clerk", memberPassword, role.ID)
		clerk := s.Login("clerk@"+a.Domain, memberPassword)
		licenses := func() api.Licenses {
			t.Helper()
			return decode[api.Licenses](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/licenses"), Token: clerk,
				Header: http.Header{"Accept-Language": {"ja"}}}))
		}
		l := licenses()
		if l.SelfService || l.Refusal == nil || l.Refusal.Code != "licenses.monthly_contract" || l.Billable != 2 ||
			l.Refusal.Detail != "月額契約(フリープランを含む)は利用メンバー数に応じてご請求するため、変更できるライセンス数がありません。ライセンス数を決めてご契約いただくには、年額契約に変更してください(購入/請求 > 商品の契約/変更)。" {
			t.Fatalf("on the free plan: got %+v, want no self-service, licenses.monthly_contract in Japanese, 2 billable", l)
		}

		subscribe(t, s, a, "standard", "annual", 2)
		if l := licenses(); !l.SelfService || l.Refusal != nil || l.Subscription.Licenses != 2 {
			t.Fatalf("on an annual contract: got %+v, want self-service with 2 licenses", l)
		}
		apply := func(q api.Quote) api.Applied {
			t.Helper()
			return decode[api.Applied](t, expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: tpath(a.ID, "/subscription"), Token: clerk,
				Body: map[string]any{"quote_id": q.ID}}))
		}
		// 2 → 5 on the term's first day: 3 × ¥450/月 × 12か月 × 365/365日.
		q := decode[api.Quote](t, expect(t, s, http.StatusCreated, quoteReq(a, clerk, "standard", "annual", 5)))
		term := q.Lines[0].PeriodDays
		if q.Kind != "licenses" || q.Invoicing != "now" || len(q.Lines) != 1 || q.Lines[0].UnitPerMonth != 450 || q.Lines[0].Days != term ||
			(term != 365 && term != 366) || q.Lines[0].Amount != 16200 || q.Total != 17820 {
			t.Fatalf("2 → 5: got %+v, want 3 licenses for the whole term, ¥16,200 + tax", q)
		}
		if res := apply(q); res.Invoice == nil || res.Invoice.Lines[0].UnitPerMonth != 450 || res.Invoice.Lines[0].PeriodDays != term {
			t.Fatalf("2 → 5 applied: got %+v, want an invoice whose line keeps its basis", res.Invoice)
		}
		// 5 → 3 waits for the renewal (the plan's at_renewal policy).
		q = decode[api.Quote](t, expect(t, s, http.StatusCreated, quoteReq(a, clerk, "standard", "annual", 3)))
		if q.Kind != "reduce" || q.Invoicing != "none" || len(q.Lines) != 0 {
			t.Fatalf("5 → 3: got %+v, want a reduction scheduled for the renewal", q)
		}
		apply(q)
		if l := licenses(); l.Subscription.Licenses != 5 || l.Subscription.Next == nil || l.Subscription.Next.Licenses != 3 {
			t.Fatalf("after 5 → 3: got %+v, want 5 now and 3 scheduled", l.Subscription)
		}
		sub := decode[api.Subscription](t, expect(t, s, http.StatusOK, apptest.Request{Method: "DELETE", Path: tpath(a.ID, "/subscription/next"), Token: clerk}))
		if sub.Next != nil || sub.Licenses != 5 {
			t.Fatalf("withdrawn: got %+v, want 5 and nothing scheduled", sub)
		}
		none := decode[codedProblem](t, expect(t, s, http.StatusConflict, apptest.Request{Method: "DELETE", Path: tpath(a.ID, "/subscription/next"), Token: clerk}))
		if none.Code != "billing.nothing_scheduled" {
			t.Errorf("withdrawing nothing: got %+v, want billing.nothing_scheduled", none)
		}
		below := decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, quoteReq(a, clerk, "standard", "annual", 1)))
		if below.Code != "licenses.below_billable" || !cmp.Equal(below.Params, map[string]any{"billable": 2.0, "licenses": 1.0, "deactivate": 1.0}) {
			t.Errorf("below the billable members: got %+v, want licenses.below_billable saying to deactivate 1", below)
		}
	})
}

// TestAddLicenses: add_licenses over HTTP, by the licenses clerk's kind of
// admin (here the super admin): a quote for 2 more, applied after another
// admin's 1 more landed, bills 2 and leaves the count at 5; add_licenses
// with a plan is refused on add_licenses in the reader's language, and a
// quote with neither asks for the plan.
func TestAddLicenses(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		addCard(t, s, a, cardOK)
		subscribe(t, s, a, "standard", "annual", 2)
		quote := func(body map[string]any) api.Quote {
			t.Helper()
			return decode[api.Quote](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, "/subscription/quote"),
				Token: a.AdminToken, Body: body}))
		}
		two, one := quote(map[string]any{"add_licenses": 2}), quote(map[string]any{"add_licenses": 1})
		if two.Kind != "licenses" || two.From.Licenses != 2 || two.To.Licenses != 4 || len(two.Lines) != 1 || two.Lines[0].Quantity != 2 {
			t.Fatalf("add 2 to 2: got %+v, want 2 → 4, one line of 2 licenses", two)
		}
		for _, q := range []api.Quote{one, two} {
			expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: tpath(a.ID, "/subscription"), Token: a.AdminToken,
				Body: map[string]any{"quote_id": q.ID}})
		}
		sub := decode[api.Subscription](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/subscription"), Token: a.AdminToken}))
		if sub.Licenses != 5 {
			t.Errorf("after add 1 and add 2 on 2: %d licenses, want 5", sub.Licenses)
		}
		p := decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "POST", Path: tpath(a.ID, "/subscription/quote"),
			Token: a.AdminToken, Header: http.Header{"Accept-Language": {"ja"}}, Body: map[string]any{"add_licenses": 1, "plan": "standard"}}))
		if p.Code != "billing.add_licenses_alone" || len(p.Errors) != 1 || p.Errors[0].Location != "body.add_licenses" ||
			!strings.HasPrefix(p.Errors[0].Message, "add_licenses(増減するライセンス数)を指定するときは") {
			t.Errorf("add_licenses with a plan: got %+v, want billing.add_licenses_alone on body.add_licenses in Japanese", p)
		}
		p = decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "POST", Path: tpath(a.ID, "/subscription/quote"),
			Token: a.AdminToken, Body: map[string]any{"add_licenses": -5}}))
		if len(p.Errors) != 1 || p.Errors[0].Location != "body.add_licenses" {
			t.Errorf("5 licenses, add_licenses -5: got %+v, want a refusal on body.add_licenses", p)
		}
		p = decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "POST", Path: tpath(a.ID, "/subscription/quote"),
			Token: a.AdminToken, Body: map[string]any{}}))
		if p.Code != "billing.plan_choose" {
			t.Errorf("a quote of nothing: got %+v, want billing.plan_choose", p)
		}
	})
}
