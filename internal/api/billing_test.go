package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
)

// The test cards of internal/testcard.
const (
	cardOK       = "4242424242424242"
	cardDeclined = "4000000000000341" // saves; every charge declined
)

// addCard registers a card as the tenant's super admin.
func addCard(t testing.TB, s *apptest.Server, ten *apptest.Tenant, number string) api.PaymentMethod {
	t.Helper()
	res := expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/payment-methods"), Token: ten.AdminToken,
		Body: map[string]any{"type": "card", "card": map[string]any{"number": number, "exp_month": 12, "exp_year": time.Now().Year() + 5, "cvc": "123"}}})
	if bytes.Contains(res.Body, []byte("token")) {
		t.Errorf("a payment method shows its token: %s", res.Body)
	}
	return decode[api.PaymentMethod](t, res)
}

// quoteReq is the request for a quote of plan on contract.
func quoteReq(ten *apptest.Tenant, token, plan, contract string, licenses int) apptest.Request {
	return apptest.Request{Method: "POST", Path: tpath(ten.ID, "/subscription/quote"), Token: token,
		Body: map[string]any{"plan": plan, "contract": contract, "licenses": licenses}}
}

func applyReq(ten *apptest.Tenant, quoteID string) apptest.Request {
	return apptest.Request{Method: "POST", Path: tpath(ten.ID, "/subscription"), Token: ten.AdminToken, Body: map[string]any{"quote_id": quoteID}}
}

// subscribe puts the tenant on plan and contract with a working card.
func subscribe(t testing.TB, s *apptest.Server, ten *apptest.Tenant, plan, contract string, licenses int) api.Applied {
	t.Helper()
	addCard(t, s, ten, cardOK)
	q := decode[api.Quote](t, expect(t, s, http.StatusCreated, quoteReq(ten, ten.AdminToken, plan, contract, licenses)))
	return decode[api.Applied](t, expect(t, s, http.StatusOK, applyReq(ten, q.ID)))
}

// billingState is what a tenant's billing looks like to its super admin.
type billingState struct {
	Subscription, Methods, Invoices string
}

func readBilling(t testing.TB, s *apptest.Server, ten *apptest.Tenant) billingState {
	t.Helper()
	get := func(p string) string {
		return string(expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(ten.ID, p), Token: ten.AdminToken}).Body)
	}
	return billingState{get("/subscription"), get("/payment-methods"), get("/invoices")}
}

// jstToday is today in the billing zone.
func jstToday() time.Time {
	n := time.Now().In(time.FixedZone("JST", 9*3600))
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

func TestBillingScenario(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		cat := decode[api.Catalog](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/plans"}))
		if cat.Currency != "JPY" || cat.TaxPercent != 10 || len(cat.Plans) < 3 {
			t.Fatalf("got catalog %+v, want JPY, 10%% and three plans", cat)
		}
		for _, p := range cat.Plans {
			if p.ID == "standard" && (p.Prices.Annual == nil || *p.Prices.Annual != 450 || p.Prices.Monthly == nil || *p.Prices.Monthly != 540) {
				t.Errorf("standard plan prices: got %+v, want monthly 540 and annual 450", p.Prices)
			}
			if p.ID == "free" && (p.Prices.Annual != nil || !p.Free) {
				t.Errorf("free plan: got %+v, want free and no annual price", p)
			}
		}

		// No payment method yet: the refusal names the menu to use.
		p := expectProblem(t, s, http.StatusConflict, quoteReq(a, a.AdminToken, "standard", "annual", 10))
		if !strings.Contains(p.Detail, "Payment methods") {
			t.Errorf("got detail %q, want it to name Payment methods", p.Detail)
		}
		card := addCard(t, s, a, cardOK)
		if card.Type != "card" || card.Last4 != "4242" || !card.Default || card.Status != "active" {
			t.Errorf("got card %+v, want an active default card ending 4242", card)
		}

		// Annual starts today: 12 months × ¥450 × 10 licenses, tax 10%.
		q := decode[api.Quote](t, expect(t, s, http.StatusCreated, quoteReq(a, a.AdminToken, "standard", "annual", 10)))
		today := jstToday()
		term := int64(today.AddDate(1, 0, 0).Sub(today) / (24 * time.Hour)) // the basis: ¥450/月 × 12か月 × 10 × term/term
		wantLines := []api.Line{{PeriodStart: today.Format(time.DateOnly), PeriodEnd: today.AddDate(1, 0, -1).Format(time.DateOnly),
			Quantity: 10, UnitAmount: 5400, Amount: 54000, TaxPercent: 10, UnitPerMonth: 450, Days: term, PeriodDays: term}}
		for i := range q.Lines {
			q.Lines[i].Description = ""
		}
		if diff := cmp.Diff(wantLines, q.Lines); diff != "" {
			t.Errorf("quote lines (-want +got):\n%s", diff)
		}
		if q.Kind != "upgrade" || q.Effective != today.Format(time.DateOnly) || q.Invoicing != "now" || q.Currency != "JPY" ||
			q.Subtotal != 54000 || q.Tax != 5400 || q.Total != 59400 || !cmp.Equal(q.Taxes, []api.TaxAmount{{10, 54000, 5400}}) {
			t.Errorf("got quote %+v, want an upgrade effective today, billed now: ¥54,000 + ¥5,400 = ¥59,400", q)
		}

		applied := decode[api.Applied](t, expect(t, s, http.StatusOK, applyReq(a, q.ID)))
		inv := applied.Invoice
		if inv == nil || inv.Status != "paid" || inv.Number != "KNR-000001" || inv.Total != 59400 || inv.PaymentKind != "card" {
			t.Fatalf("got invoice %+v, want KNR-000001 paid by card, ¥59,400", inv)
		}
		got := decode[api.Invoice](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/invoices/", inv.ID), Token: a.AdminToken}))
		if len(got.Lines) != 1 || got.Lines[0].Amount != 54000 || got.IssuerRegistration != "T7123456789012" || got.IssuerName == "" ||
			got.RecipientName != "acme Inc." || got.Tax != 5400 || len(got.Taxes) != 1 {
			t.Errorf("got invoice %+v, want its line, the issuer's registration, the recipient and the tax", got)
		}
		pdf := expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/invoices/", inv.ID, ".pdf"), Token: a.AdminToken})
		if ct := pdf.Header.Get("Content-Type"); ct != "application/pdf" || !bytes.HasPrefix(pdf.Body, []byte("%PDF")) {
			t.Errorf("got Content-Type %q and a body starting %q, want a PDF", ct, pdf.Body[:min(8, len(pdf.Body))])
		}
		if cd := pdf.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, "KNR-000001.pdf") {
			t.Errorf("got Content-Disposition %q, want an attachment KNR-000001.pdf", cd)
		}

		sub := decode[api.Subscription](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/subscription"), Token: a.AdminToken}))
		if sub.Terms != (api.Terms{Plan: "standard", Contract: "annual", Licenses: 10}) || sub.Status != "active" || sub.PeriodEnd != today.AddDate(1, 0, -1).Format(time.DateOnly) {
			t.Errorf("got subscription %+v, want standard annual 10 until a year from today", sub)
		}

		// Applying the same quote again changes nothing and bills nothing.
		again := decode[api.Applied](t, expect(t, s, http.StatusOK, applyReq(a, q.ID)))
		if again.Invoice == nil || again.Invoice.ID != inv.ID {
			t.Errorf("applying again: got invoice %+v, want the same %s", again.Invoice, inv.ID)
		}
		invs := decode[page[api.Invoice]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/invoices"), Token: a.AdminToken}))
		if len(invs.Items) != 1 {
			t.Errorf("got %d invoices, want 1", len(invs.Items))
		}

		// A declined card: refused, naming the payment method; nothing billed.
		b := s.Signup("bravo")
		addCard(t, s, b, cardDeclined)
		qb := decode[api.Quote](t, expect(t, s, http.StatusCreated, quoteReq(b, b.AdminToken, "standard", "annual", 10)))
		p = expectProblem(t, s, http.StatusUnprocessableEntity, applyReq(b, qb.ID))
		if !cmp.Equal(p.locations(), []string{"body.payment_method"}) {
			t.Errorf("declined card: got locations %v, want body.payment_method; detail %q", p.locations(), p.Detail)
		}
		invs = decode[page[api.Invoice]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(b.ID, "/invoices"), Token: b.AdminToken}))
		subB := decode[api.Subscription](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(b.ID, "/subscription"), Token: b.AdminToken}))
		if len(invs.Items) != 0 || subB.Plan != "free" {
			t.Errorf("after a declined card: got %d invoices and plan %q, want none and free", len(invs.Items), subB.Plan)
		}

		// Cancel at the period's end, then withdraw.
		canceled := decode[api.Subscription](t, expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: tpath(a.ID, "/subscription/cancel"), Token: a.AdminToken}))
		if canceled.CancelAt != today.AddDate(1, 0, 0).Format(time.DateOnly) {
			t.Errorf("got cancel_at %q, want the day after the period (%s)", canceled.CancelAt, today.AddDate(1, 0, 0).Format(time.DateOnly))
		}
		withdrawn := decode[api.Subscription](t, expect(t, s, http.StatusOK, apptest.Request{Method: "DELETE", Path: tpath(a.ID, "/subscription/cancel"), Token: a.AdminToken}))
		if withdrawn.CancelAt != "" || withdrawn.Status != "active" {
			t.Errorf("after withdrawing: got %+v, want no cancel_at", withdrawn)
		}
	})
}

// TestBillingRefusals: each refused quote or apply names what to fix and
// changes nothing.
func TestBillingRefusals(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		addCard(t, s, a, cardOK)
		addMember(t, s, a.ID, a.AdminToken, "hanako", "Hanako", "")
		addMember(t, s, a.ID, a.AdminToken, "taro", "Taro", "")
		role := decode[api.Role](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, "/roles"), Token: a.AdminToken,
			Body: map[string]any{"name": "billing clerks", "permissions": []string{"licenses.manage", "members.manage"}}}))
		addMember(t, s, a.ID, a.AdminToken, "clerk", "Clerk", memberPassword, role.ID)
		clerk := s.Login("clerk@"+a.Domain, memberPassword)
		before := readBilling(t, s, a)

		cases := []struct {
			name     string
			req      apptest.Request
			status   int
			location string
			detail   string
		}{
			{"fewer licenses than billable members", quoteReq(a, a.AdminToken, "standard", "annual", 3), 422, "body.licenses", ""},
			{"unknown plan", quoteReq(a, a.AdminToken, "platinum", "annual", 10), 422, "body.plan", ""},
			{"contract the plan is not offered on", quoteReq(a, a.AdminToken, "free", "annual", 10), 422, "body.contract", ""},
			{"mail plan without a mail domain", quoteReq(a, a.AdminToken, "advanced", "annual", 10), 422, "body.mail_domain", ""},
			{"mail plan with a domain not the tenant's", apptest.Request{Method: "POST", Path: tpath(a.ID, "/subscription/quote"), Token: a.AdminToken,
				Body: map[string]any{"plan": "advanced", "contract": "annual", "licenses": 10, "mail_domain": "elsewhere.example"}}, 422, "body.mail_domain", ""},
			{"plan change by an admin who is not the super admin", quoteReq(a, clerk, "standard", "annual", 10), 403, "", ""},
			{"no such quote", applyReq(a, "quo_00000000000000000000000000"), 404, "", ""},
		}
		for _, tc := range cases {
			p := expectProblem(t, s, tc.status, tc.req)
			if tc.location != "" && !cmp.Equal(p.locations(), []string{tc.location}) {
				t.Errorf("%s: got locations %v, want %s; detail %q", tc.name, p.locations(), tc.location, p.Detail)
			}
		}
		if diff := cmp.Diff(before, readBilling(t, s, a)); diff != "" {
			t.Errorf("refusals changed the tenant's billing (-before +after):\n%s", diff)
		}

		// The mail plan with the provided domain is fine.
		expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, "/subscription/quote"), Token: a.AdminToken,
			Body: map[string]any{"plan": "advanced", "contract": "annual", "licenses": 10, "mail_domain": a.Domain}})

		// Two quotes priced on the same state: only the first applies.
		qa := decode[api.Quote](t, expect(t, s, http.StatusCreated, quoteReq(a, a.AdminToken, "standard", "annual", 10)))
		qb := decode[api.Quote](t, expect(t, s, http.StatusCreated, quoteReq(a, a.AdminToken, "standard", "annual", 12)))
		expect(t, s, http.StatusOK, applyReq(a, qa.ID))
		after := readBilling(t, s, a)
		p := expectProblem(t, s, http.StatusConflict, applyReq(a, qb.ID))
		if !strings.Contains(p.Detail, "quote is stale") {
			t.Errorf("stale quote: got detail %q, want it to say quote is stale", p.Detail)
		}
		if diff := cmp.Diff(after, readBilling(t, s, a)); diff != "" {
			t.Errorf("a stale quote changed the tenant's billing (-before +after):\n%s", diff)
		}

		// The clerk may change licenses alone (licenses.manage), not the plan.
		expect(t, s, http.StatusCreated, quoteReq(a, clerk, "standard", "annual", 11))
		expectProblem(t, s, http.StatusForbidden, quoteReq(a, clerk, "advanced", "annual", 11))
		// Nor cancel: that is the super admin's.
		expectProblem(t, s, http.StatusForbidden, apptest.Request{Method: "POST", Path: tpath(a.ID, "/subscription/cancel"), Token: clerk})
	})
}

// codedProblem is what a program and a person read in a problem: the code
// and its parameters, the detail in the request's language.
type codedProblem struct {
	Code   string         `json:"code"`
	Params map[string]any `json:"params"`
	Detail string         `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
		Code     string `json:"code"`
	} `json:"errors"`
}

// TestBillingRefusalsInJapanese: the refusals a Japanese admin meets on
// the way to a paid plan answer in Japanese to Accept-Language: ja, with
// the code and its parameters for programs.
func TestBillingRefusalsInJapanese(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		inJapanese := func(status int, req apptest.Request) codedProblem {
			t.Helper()
			req.Header = http.Header{"Accept-Language": {"ja-JP,ja;q=0.9,en;q=0.5"}}
			res := expect(t, s, status, req)
			checkProblem(t, res, status)
			return decode[codedProblem](t, res)
		}
		a := s.Signup("acme")
		p := inJapanese(http.StatusConflict, quoteReq(a, a.AdminToken, "standard", "annual", 10))
		if p.Code != "billing.payment_method_missing" || p.Params != nil || p.Detail != "先に決済方法を登録してください(購入/請求 > 決済方法の管理)。" {
			t.Errorf("no payment method: got %+v, want billing.payment_method_missing in Japanese", p)
		}

		addCard(t, s, a, cardDeclined)
		p = inJapanese(http.StatusUnprocessableEntity, quoteReq(a, a.AdminToken, "standard", "annual", 0))
		if p.Code != "billing.annual_needs_license" || p.Detail != "年額契約ではライセンス数を1以上にしてください。" ||
			len(p.Errors) != 1 || p.Errors[0].Location != "body.licenses" || p.Errors[0].Message != p.Detail {
			t.Errorf("no license: got %+v, want billing.annual_needs_license at body.licenses in Japanese", p)
		}
		p = inJapanese(http.StatusUnprocessableEntity, quoteReq(a, a.AdminToken, "free", "annual", 10))
		if p.Code != "billing.contract_not_sold" || !cmp.Equal(p.Params, map[string]any{"plan_name": "フリー", "contract": "annual"}) ||
			p.Detail != "フリープランは契約形態「annual」では販売していません。このプランの料金がある契約形態を選んでください。" {
			t.Errorf("contract not sold: got %+v, want billing.contract_not_sold with the plan's name in Japanese", p)
		}

		q := decode[api.Quote](t, expect(t, s, http.StatusCreated, quoteReq(a, a.AdminToken, "standard", "annual", 10)))
		p = inJapanese(http.StatusUnprocessableEntity, applyReq(a, q.ID))
		want := "カードでの決済が承認されませんでした。別のカードを登録するか、カード会社にお問い合わせください(決済は行われておらず、契約内容も変わっていません)。"
		if p.Code != "billing.card_declined" || p.Params != nil || p.Detail != want ||
			len(p.Errors) != 1 || p.Errors[0].Location != "body.payment_method" || p.Errors[0].Message != want {
			t.Errorf("declined card: got %+v, want billing.card_declined at body.payment_method in Japanese", p)
		}
	})
}

// TestCardRefusedWhenSaved: the always-declined test card is refused when
// it is saved, in the reader's language, and nothing is stored; the
// tenant's methods stay as they were.
func TestCardRefusedWhenSaved(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		before := readBilling(t, s, a)
		got := decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "POST", Path: tpath(a.ID, "/payment-methods"),
			Token: a.AdminToken, Header: http.Header{"Accept-Language": {"ja"}},
			Body: map[string]any{"type": "card", "card": map[string]any{"number": "4000 0000 0000 0002", "exp_month": 12, "exp_year": 2099, "cvc": "123"}}}))
		if got.Code != "billing.card_refused_when_saved" || !strings.Contains(got.Detail, "登録できません") {
			t.Fatalf("the declined card: got %+v, want billing.card_refused_when_saved in Japanese", got)
		}
		if after := readBilling(t, s, a); after != before {
			t.Fatalf("a refused card changed billing:\n%+v\n%+v", before, after)
		}
	})
}
