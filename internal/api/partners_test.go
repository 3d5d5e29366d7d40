package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/clock"
)

// partnerPassword is the password tests give partner users.
const partnerPassword = "partner-password-77"

// setClock moves the test clock to t.
func setClock(s *apptest.Server, t time.Time) { s.App.Clock.(*clock.Adjustable).Set(t) }

// jst is a time on the billing calendar's zone.
func jst(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, time.FixedZone("JST", 9*3600))
}

// newPartner creates a partner and a user of it as an operator, and
// returns the partner and the user's bearer token.
func newPartner(t testing.TB, s *apptest.Server, ops, name, email string) (api.Partner, string) {
	t.Helper()
	p := decode[api.Partner](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: "/api/v1/ops/partners", Token: ops,
		Body: map[string]any{"name": name, "contact_name": "営業部", "contact_email": email, "registration": "T1234567890123", "discount_percent": 20}}))
	expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: "/api/v1/ops/partners/" + p.ID + "/users", Token: ops,
		Body: map[string]any{"email": email, "name": "担当者", "language": "ja", "password": partnerPassword}})
	return p, partnerLogin(t, s, email)
}

func partnerLogin(t testing.TB, s *apptest.Server, email string) string {
	t.Helper()
	res := expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/partner/login",
		Body: map[string]string{"login_id": email, "password": partnerPassword}})
	return decode[struct{ Token string }](t, res).Token
}

func issueCode(t testing.TB, s *apptest.Server, ten *apptest.Tenant) api.PartnerCode {
	t.Helper()
	return decode[api.PartnerCode](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/partner-codes"), Token: ten.AdminToken}))
}

func authenticateReq(token, code string) apptest.Request {
	return apptest.Request{Method: "POST", Path: "/api/v1/partner/codes/authenticate", Token: token, Body: map[string]string{"code": code},
		Header: http.Header{"Accept-Language": {"ja"}}}
}

func contract(t testing.TB, s *apptest.Server, ten *apptest.Tenant) api.PartnerContract {
	t.Helper()
	return decode[api.PartnerContract](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(ten.ID, "/partner-contract"), Token: ten.AdminToken}))
}

func approveReq(ten *apptest.Tenant, code string, body map[string]any) apptest.Request {
	return apptest.Request{Method: "POST", Path: tpath(ten.ID, "/partner-codes/", code, "/approve"), Token: ten.AdminToken, Body: body,
		Header: http.Header{"Accept-Language": {"ja"}}}
}

// halfUp is a×n/d rounded half up: the proration rule of SPEC §8, computed
// apart from the billing package.
func halfUp(a, n, d int64) int64 {
	x := a * n
	if x < 0 {
		return -((-x*2 + d) / (2 * d))
	}
	return (x*2 + d) / (2 * d)
}

// twoPartners signs up acme, issues it a code and makes two partners with
// a user each: acme, an operator's token, the partners' users' tokens and
// the code.
func twoPartners(t testing.TB, s *apptest.Server) (*apptest.Tenant, string, string, string, api.PartnerCode) {
	t.Helper()
	a := s.Signup("acme")
	ops := operatorToken(t, s)
	_, p1 := newPartner(t, s, ops, "ABC 株式会社", "sales@abc.example.jp")
	_, p2 := newPartner(t, s, ops, "XYZ 商事", "sales@xyz.example.jp")
	return a, ops, p1, p2, issueCode(t, s, a)
}

// statusesAtOnce sends n requests at once (the i-th is req(i)) and counts
// their answers' statuses.
func statusesAtOnce(s *apptest.Server, n int, req func(i int) apptest.Request) map[int]int {
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res := s.Do(req(i))
			mu.Lock()
			got[res.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return got
}

// TestPartnerSwitchAnnual takes a tenant on an annual contract of 10
// licenses from 2027-03-01 through the seed's four steps on 2027-03-14:
// the code, the partner's authentication, the approval refused while the
// phone number is missing, then approved: a credit note for the unused
// 353 of the term's 366 days, refunded to the card; the channel is the
// partner's for good; both sides mailed.
func TestPartnerSwitchAnnual(t *testing.T) {
	t.Parallel()
	onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
		setClock(s, jst(2027, 3, 1, 10))
		a := s.Signup("acme")
		subscribe(t, s, a, "standard", "annual", 10)
		setClock(s, jst(2027, 3, 14, 10))
		a.AdminToken = s.Login("admin@"+a.Domain, apptest.Password)
		ops := operatorToken(t, s)
		p, pt := newPartner(t, s, ops, "ABC 株式会社", "sales@abc.example.jp")

		if c := contract(t, s, a); c.Step != 1 || c.Code != nil || c.Channel != "direct" {
			t.Fatalf("before a code: got %+v, want step 1", c)
		}
		old := issueCode(t, s, a)
		code := issueCode(t, s, a)
		if len(code.Code) != 19 || code.Code[:3] != "ERV" || !code.ExpiresAt.Equal(code.IssuedAt.Add(30*24*time.Hour)) {
			t.Fatalf("code: got %+v, want ERV + 16, valid 30 days", code)
		}
		if c := contract(t, s, a); c.Step != 2 || c.Code.Code != code.Code {
			t.Fatalf("after issuing: got %+v, want step 2 with the new code", c)
		}
		if got := decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, authenticateReq(pt, old.Code))); got.Code != "partner.code_revoked" {
			t.Fatalf("the revoked code: got %+v, want partner.code_revoked", got)
		}
		typed := "erv" + code.Code[3:10] + " " + code.Code[10:] // as a person types it
		req := decode[api.PartnerRequest](t, expect(t, s, http.StatusOK, authenticateReq(pt, typed)))
		if req.TenantID != a.ID || req.Status != "authenticated" || req.CompanyName != "acme Inc." {
			t.Fatalf("authenticated: got %+v", req)
		}
		if got := decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, authenticateReq(pt, code.Code))); got.Code != "partner.code_used" ||
			got.Detail != "このパートナーコードはすでに認証済みのため、再利用できません。" {
			t.Fatalf("used again: got %+v, want partner.code_used in Japanese", got)
		}
		c := contract(t, s, a)
		if c.Step != 3 || c.PartnerName != "ABC 株式会社" || len(c.Missing) != 1 || c.Missing[0] != "phone" {
			t.Fatalf("awaiting approval: got %+v, want step 3 by ABC, the phone missing", c)
		}
		expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: a.AdminToken,
			Body: map[string]any{"login_id": "hanako", "display_name": "Hanako", "email": "hanako@acme.example.com", "password": memberPassword,
				"role_ids": []string{builtinRole(t, s, a, "admin")}}})
		before := readBilling(t, s, a)
		missing := decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, approveReq(a, code.Code, map[string]any{})))
		if missing.Code != "partner.company_info_missing" || len(missing.Errors) != 1 || missing.Errors[0].Location != "body.phone" ||
			missing.Detail != "パートナー連携を行うには、会社情報の入力が必要です。電話番号を入力してください。" {
			t.Fatalf("approval without a phone: got %+v, want partner.company_info_missing at body.phone in Japanese", missing)
		}
		if after := readBilling(t, s, a); after != before {
			t.Fatalf("a refused approval changed billing:\n%+v\n%+v", before, after)
		}

		sw := decode[api.PartnerSwitch](t, expect(t, s, http.StatusOK, approveReq(a, code.Code,
			map[string]any{"phone": "03-1234-5678", "admin_email": "it@acme.example.com"})))
		credit := halfUp(-450*12*10, 353, 366)
		inv := sw.Settlement
		if inv == nil || inv.Kind != "credit_note" || inv.Status != "refunded" || len(inv.Lines) != 1 || inv.Lines[0].Amount != credit ||
			inv.Lines[0].Days != 353 || inv.Lines[0].PeriodDays != 366 {
			t.Fatalf("settlement: got %+v, want a refunded credit note of %d for 353/366 days", inv, credit)
		}
		cn := decode[api.Invoice](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/invoices/", inv.ID), Token: a.AdminToken}))
		if cn.OriginalID == "" || cn.OriginalNumber != "KNR-000001" {
			t.Fatalf("the credit note read alone: got original %q %q, want the contract's invoice KNR-000001", cn.OriginalID, cn.OriginalNumber)
		}
		if sw.Contract.Step != 4 || sw.Contract.Channel != "partner" || sw.Contract.PartnerName != "ABC 株式会社" {
			t.Fatalf("switched: got %+v, want step 4 through ABC", sw.Contract)
		}
		if got := decode[codedProblem](t, expect(t, s, http.StatusConflict, apptest.Request{Method: "POST", Path: tpath(a.ID, "/partner-codes"),
			Token: a.AdminToken})); got.Code != "partner.already_switched" {
			t.Fatalf("a new code after the switch: got %+v, want partner.already_switched", got)
		}
		if got := decode[codedProblem](t, expect(t, s, http.StatusConflict, approveReq(a, code.Code, map[string]any{}))); got.Code != "partner.already_switched" {
			t.Fatalf("approving again: got %+v, want partner.already_switched", got)
		}
		customers := listAll[api.Customer](t, s, pt, "/api/v1/partner/customers")
		if len(customers) != 1 || customers[0].TenantID != a.ID || customers[0].Licenses != 10 || customers[0].Plan != "standard" {
			t.Fatalf("customers: got %+v, want acme with 10 licenses", customers)
		}
		detail := decode[api.PartnerDetail](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/ops/partners/" + p.ID, Token: ops}))
		if len(detail.Customers) != 1 || len(detail.Users) != 1 {
			t.Fatalf("operator's view: got %+v, want one customer and one user", detail)
		}
		db := s.App.Config.DatabaseURL
		for template, want := range map[string]int{"partner_approval_needed": 1, "partner_switched": 3} {
			if n := apptest.CountRows(t, db, `SELECT COUNT(*) FROM mails WHERE template = ?`, template); n != want {
				t.Errorf("%s mails: got %d, want %d", template, n, want)
			}
		}
		for _, to := range []string{"it@acme.example.com", "hanako@acme.example.com", "sales@abc.example.jp"} {
			if n := apptest.CountRows(t, db, `SELECT COUNT(*) FROM mails WHERE template = 'partner_switched' AND to_addr = ?`, to); n != 1 {
				t.Errorf("the completion mail went to %s %d times, want 1 (the super admin's new address, the admin, the partner)", to, n)
			}
		}
		// 完了日時 to the second, as the seed writes it, in the reader's zone.
		if n := apptest.CountRows(t, db, `SELECT COUNT(*) FROM mails WHERE template = 'partner_switched'
			AND (text_body LIKE '%完了日時: 2027-03-14 10:__:__ JST%' OR text_body LIKE '%Completed: 2027-03-14 10:__:__ JST%')
			AND html_body LIKE '%2027-03-14 10:__:__ JST%'`); n != 3 {
			t.Errorf("completion mails with the time to the second: got %d, want 3", n)
		}
		for _, action := range []string{"partner.code_issued", "partner.code_authenticated", "partner.switch_approved", "partner.switched"} {
			if n := apptest.CountRows(t, db, `SELECT COUNT(*) FROM audit_events WHERE tenant_id = ? AND action = ?`, a.ID, action); n < 1 {
				t.Errorf("no %s audit event", action)
			}
		}
	})
}

// TestPartnerSwitchMonthly: a monthly contract with 2 members from
// 2027-03-01 switched on the 14th gets a final invoice for 13 of March's
// 31 days.
func TestPartnerSwitchMonthly(t *testing.T) {
	t.Parallel()
	onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
		setClock(s, jst(2027, 3, 1, 10))
		a := s.Signup("acme")
		s.PayMonthly(a)
		addMember(t, s, a.ID, a.AdminToken, "taro", "Taro", memberPassword)
		setClock(s, jst(2027, 3, 14, 10))
		a.AdminToken = s.Login("admin@"+a.Domain, apptest.Password)
		_, pt := newPartner(t, s, operatorToken(t, s), "ABC 株式会社", "sales@abc.example.jp")
		code := issueCode(t, s, a)
		expect(t, s, http.StatusOK, authenticateReq(pt, code.Code))
		sw := decode[api.PartnerSwitch](t, expect(t, s, http.StatusOK, approveReq(a, code.Code, map[string]any{"phone": "03-1234-5678"})))
		want := halfUp(540*2, 13, 31)
		inv := sw.Settlement
		if inv == nil || inv.Kind != "invoice" || len(inv.Lines) != 1 || inv.Lines[0].Amount != want || inv.Lines[0].Quantity != 2 ||
			inv.Lines[0].Days != 13 || inv.Lines[0].PeriodDays != 31 || inv.Subtotal != want || inv.Tax != want/10 {
			t.Fatalf("settlement: got %+v, want an invoice of %d + tax for 2 members × 13/31 days", inv, want)
		}
	})
}

// TestPartnerCodeRefusals: expiry exactly at the boundary, another
// partner trying a used code, a code of another tenant, a member who is
// not the super admin.
func TestPartnerCodeRefusals(t *testing.T) {
	t.Parallel()
	onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
		start := jst(2027, 3, 1, 10)
		setClock(s, start)
		a, b := s.Signup("acme"), s.Signup("bolt")
		ops := operatorToken(t, s)
		_, p1 := newPartner(t, s, ops, "ABC 株式会社", "sales@abc.example.jp")
		_, p2 := newPartner(t, s, ops, "XYZ 商事", "sales@xyz.example.jp")
		code := issueCode(t, s, a)

		setClock(s, code.ExpiresAt)
		p1 = partnerLogin(t, s, "sales@abc.example.jp")
		expired := decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, authenticateReq(p1, code.Code)))
		if expired.Code != "partner.code_expired" {
			t.Fatalf("at the expiry: got %+v, want partner.code_expired", expired)
		}
		// The partner reads the expiry in the server's zone (Asia/Tokyo).
		if want := "有効期限(2027-03-31 10:00 JST)"; !strings.Contains(expired.Detail, want) || strings.Contains(expired.Detail, "UTC") {
			t.Fatalf("at the expiry: got detail %q, want it to contain %q", expired.Detail, want)
		}
		setClock(s, code.ExpiresAt.Add(-2*time.Second))
		expect(t, s, http.StatusOK, authenticateReq(p1, code.Code))
		p2 = partnerLogin(t, s, "sales@xyz.example.jp")
		if got := decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, authenticateReq(p2, code.Code))); got.Code != "partner.code_used" {
			t.Fatalf("another partner: got %+v, want partner.code_used", got)
		}
		if got := decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, authenticateReq(p2, "ERV0000000000000000"))); got.Code != "partner.code_unknown" {
			t.Fatalf("an unknown code: got %+v, want partner.code_unknown", got)
		}
		if got := decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, authenticateReq(p2, "ERV-123"))); got.Code != "partner.code_malformed" {
			t.Fatalf("not a code: got %+v, want partner.code_malformed", got)
		}
		b.AdminToken = s.Login("admin@"+b.Domain, apptest.Password)
		if got := decode[codedProblem](t, expect(t, s, http.StatusNotFound, approveReq(b, code.Code, map[string]any{}))); got.Code != "partner.code_not_found" {
			t.Fatalf("another tenant approving: got %+v, want partner.code_not_found", got)
		}
		a.AdminToken = s.Login("admin@"+a.Domain, apptest.Password)
		addMember(t, s, a.ID, a.AdminToken, "hanako", "Hanako", memberPassword, builtinRole(t, s, a, "admin"))
		hanako := s.Login("hanako@"+a.Domain, memberPassword)
		expect(t, s, http.StatusForbidden, apptest.Request{Method: "POST", Path: tpath(a.ID, "/partner-codes"), Token: hanako})
		expect(t, s, http.StatusForbidden, apptest.Request{Method: "GET", Path: tpath(a.ID, "/partner-contract"), Token: hanako})
		// A member's token is not a partner's, nor a partner's a member's.
		expect(t, s, http.StatusNotFound, apptest.Request{Method: "GET", Path: "/api/v1/partner/customers", Token: hanako})
		expect(t, s, http.StatusNotFound, apptest.Request{Method: "GET", Path: tpath(a.ID, "/partner-contract"), Token: p1})
	})
}

// TestPartnerCodeOnce: 50 concurrent authentications of one code by two
// partners' users: exactly one succeeds; the others are told it is used,
// or to wait (the attempt limits).
func TestPartnerCodeOnce(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		_, _, p1, p2, code := twoPartners(t, s)
		got := statusesAtOnce(s, 50, func(i int) apptest.Request { return authenticateReq([]string{p1, p2}[i%2], code.Code) })
		if got[http.StatusOK] != 1 || got[http.StatusOK]+got[http.StatusUnprocessableEntity]+got[http.StatusTooManyRequests] != 50 {
			t.Fatalf("50 at once: got statuses %v, want one 200 and the rest 422 or 429", got)
		}
		if n := apptest.CountRows(t, s.App.Config.DatabaseURL, `SELECT COUNT(*) FROM mails WHERE template = 'partner_approval_needed'`); n != 1 {
			t.Fatalf("approval mails: got %d, want 1", n)
		}
	})
}

// partnerBodies has a body for every partner-portal operation but the
// public ones (sign-in, accepting an invitation); a new one without an
// entry fails TestPartnerScope.
var partnerBodies = map[string]any{
	"partner-authenticate-code": map[string]any{"code": "ERV0000000000000000"},
	"partner-list-requests":     nil,
	"partner-list-customers":    nil,
	"partner-get-statement":     nil,
	"partner-quote-customer":    map[string]any{"add_licenses": 1},
	"partner-apply-customer":    map[string]any{"quote_id": "quo_00000000000000000000000000"},
	"partner-export-statement":  nil,
	"partner-statement-pdf":     nil,
}

// TestPartnerScope: every partner-portal route refuses tenant and
// operator tokens (404) and the anonymous (401); a partner user sees only
// its own partner's requests and customers, and reaches no operator route.
func TestPartnerScope(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a, ops, p1, p2, code := twoPartners(t, s)
		expect(t, s, http.StatusOK, authenticateReq(p1, code.Code))
		expect(t, s, http.StatusOK, approveReq(a, code.Code, map[string]any{"phone": "03-1234-5678"}))

		seen := map[string]bool{}
		for _, op := range openAPIOperations(t, s) {
			if !strings.HasPrefix(op.Path, "/api/v1/partner/") || op.ID == "partner-login" || op.ID == "partner-accept-invitation" {
				continue
			}
			seen[op.ID] = true
			body, known := partnerBodies[op.ID]
			if !known {
				t.Errorf("%s %s: partner operation %q has no entry in partnerBodies: add one", op.Method, op.Path, op.ID)
				continue
			}
			for _, c := range []struct {
				name, token string
				want        int
			}{{"a tenant's super admin", a.AdminToken, http.StatusNotFound}, {"an operator", ops, http.StatusNotFound}, {"anonymous", "", http.StatusUnauthorized}} {
				res := s.Do(apptest.Request{Method: op.Method, Path: strings.NewReplacer("{month}", "2027-04", "{t}", a.ID).Replace(op.Path), Token: c.token, Body: body})
				if res.Status != c.want {
					t.Errorf("%s %s as %s: got %d, want %d; body: %s", op.Method, op.Path, c.name, res.Status, c.want, clip(res.Body))
				}
			}
		}
		for id := range partnerBodies {
			if !seen[id] {
				t.Errorf("partnerBodies has %q, which is no partner route in the OpenAPI document: remove it", id)
			}
		}
		for _, who := range []struct {
			token string
			want  int
		}{{p1, 1}, {p2, 0}} {
			customers := listAll[api.Customer](t, s, who.token, "/api/v1/partner/customers")
			requests := listAll[api.PartnerRequest](t, s, who.token, "/api/v1/partner/requests")
			if len(customers) != who.want || len(requests) != who.want {
				t.Errorf("got %d customers and %d requests, want %d of each", len(customers), len(requests), who.want)
			}
		}
		for _, path := range []string{"/api/v1/ops/partners", "/api/v1/ops/tenants", tpath(a.ID), tpath(a.ID, "/members")} {
			expect(t, s, http.StatusNotFound, apptest.Request{Method: "GET", Path: path, Token: p1})
		}
	})
}

// switched is a customer on an annual contract of 10 standard licenses
// from 2027-03-01, switched to the partner ABC (discount 20 %) on
// 2027-03-14, with another partner XYZ beside it.
type switched struct {
	tenant       *apptest.Tenant
	ops          string // an operator's token
	abc          api.Partner
	abcUser, xyz string // the partners' users' tokens
}

func switchOn14th(t *testing.T, s *apptest.Server) switched {
	t.Helper()
	setClock(s, jst(2027, 3, 1, 10))
	a := s.Signup("acme")
	subscribe(t, s, a, "standard", "annual", 10)
	setClock(s, jst(2027, 3, 14, 10))
	a.AdminToken = s.Login("admin@"+a.Domain, apptest.Password)
	ops := operatorToken(t, s)
	p, pt := newPartner(t, s, ops, "ABC 株式会社", "sales@abc.example.jp")
	_, other := newPartner(t, s, ops, "XYZ 商事", "sales@xyz.example.jp")
	code := issueCode(t, s, a)
	expect(t, s, http.StatusOK, authenticateReq(pt, code.Code))
	expect(t, s, http.StatusOK, approveReq(a, code.Code, map[string]any{"phone": "03-1234-5678"}))
	return switched{a, ops, p, pt, other}
}

// TestWholesaleStatement: the month after a switch on 2027-03-14, the
// partner's statement lists the customer's 10 annual licenses at the
// catalog's ¥450 less the partner's 20 % (¥360) for all 30 of April's
// days; March's from the 14th; JSON and CSV; another partner's users and
// tenants are refused; operators read it too.
func TestWholesaleStatement(t *testing.T) {
	t.Parallel()
	onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
		sw := switchOn14th(t, s)
		a, ops, p, pt, other := sw.tenant, sw.ops, sw.abc, sw.abcUser, sw.xyz

		get := func(token, path string) api.Statement {
			t.Helper()
			return decode[api.Statement](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: path, Token: token}))
		}
		april := get(pt, "/api/v1/partner/statements/2027-04")
		unit := halfUp(450, 80, 100)
		want := halfUp(unit*10, 30, 30)
		if len(april.Lines) != 1 || april.Lines[0].TenantID != a.ID || april.Lines[0].UnitPerMonth != unit || april.Lines[0].Quantity != 10 ||
			april.Lines[0].Amount != want || april.Subtotal != want || april.Tax != want/10 || april.Total != want+want/10 {
			t.Fatalf("April: got %+v, want acme's 10 licenses at %d: %d + tax", april, unit, want)
		}
		march := get(pt, "/api/v1/partner/statements/2027-03")
		if len(march.Lines) != 1 || march.Lines[0].Days != 18 || march.Lines[0].Amount != halfUp(unit*10, 18, 31) {
			t.Fatalf("March: got %+v, want 18 of 31 days from the switch", march)
		}
		if feb := get(pt, "/api/v1/partner/statements/2027-02"); !feb.Final || march.Final || april.Final {
			t.Errorf("final on 2027-03-14: February %v, March %v, April %v; want only February's", feb.Final, march.Final, april.Final)
		}
		if got := get(ops, "/api/v1/ops/partners/"+p.ID+"/statements/2027-04"); got.Total != april.Total {
			t.Fatalf("the operator's view: got %+v, want the partner's", got)
		}
		if got := get(other, "/api/v1/partner/statements/2027-04"); len(got.Lines) != 0 || got.Total != 0 {
			t.Fatalf("another partner's statement: got %+v, want nothing of acme", got)
		}
		res := expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/partner/statements/2027-04/csv", Token: pt,
			Header: http.Header{"Accept-Language": {"ja"}}})
		if csv := string(res.Body); !strings.Contains(csv, "顧客,テナントID") || !strings.Contains(csv, a.ID) || !strings.Contains(csv, "合計") {
			t.Fatalf("CSV: got %q", csv)
		}
		pdf := expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/partner/statements/2027-04/pdf", Token: pt})
		if ct := pdf.Header.Get("Content-Type"); ct != "application/pdf" || !strings.HasPrefix(string(pdf.Body), "%PDF-") {
			t.Fatalf("PDF: got %s, %.20q", ct, pdf.Body)
		}
		expect(t, s, http.StatusNotFound, apptest.Request{Method: "GET", Path: "/api/v1/partner/statements/2027-04", Token: a.AdminToken})

		// A price list replaces the discount for its plans and contracts.
		patch := func(prices map[string]any, want int) *apptest.Response {
			return expect(t, s, want, apptest.Request{Method: "PATCH", Path: "/api/v1/ops/partners/" + p.ID, Token: ops,
				Body: map[string]any{"prices": prices}, Header: http.Header{"Accept-Language": {"ja"}}})
		}
		unknown := decode[codedProblem](t, patch(map[string]any{"standard/weekly": 100}, http.StatusUnprocessableEntity))
		if unknown.Code != "partner.price_unknown" || len(unknown.Errors) != 1 || unknown.Errors[0].Location != "body.prices" {
			t.Fatalf("a price for a contract not sold: got %+v, want partner.price_unknown at body.prices", unknown)
		}
		if got := decode[api.Partner](t, patch(map[string]any{"standard/annual": 300}, http.StatusOK)); got.Prices["standard/annual"] != 300 {
			t.Fatalf("price list: got %+v", got)
		}
		listed := get(pt, "/api/v1/partner/statements/2027-04")
		if len(listed.Lines) != 1 || listed.Lines[0].UnitPerMonth != 300 || listed.Lines[0].Amount != 3000 {
			t.Fatalf("April on the price list: got %+v, want 10 licenses at ¥300: ¥3,000", listed.Lines)
		}
		bad := decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "GET", Path: "/api/v1/partner/statements/April", Token: pt}))
		if bad.Code != "partner.month_invalid" || len(bad.Errors) != 1 || bad.Errors[0].Location != "path.month" {
			t.Fatalf("a month that is none: got %+v, want partner.month_invalid at path.month", bad)
		}
	})
}

// TestPartnerChangesCustomer: the partner adds 5 licenses to its customer's
// 10 on 2027-04-11: applied at once, nothing invoiced to the customer,
// whose own change is refused; April's statement bills 10 licenses for
// 10 days and 15 for 20; another partner cannot quote for the customer.
func TestPartnerChangesCustomer(t *testing.T) {
	t.Parallel()
	onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
		a := switchOn14th(t, s).tenant

		setClock(s, jst(2027, 4, 11, 10))
		var pt, other string
		pt, other = partnerLogin(t, s, "sales@abc.example.jp"), partnerLogin(t, s, "sales@xyz.example.jp")
		a.AdminToken = s.Login("admin@"+a.Domain, apptest.Password)
		quoteFor := func(token string, want int) *apptest.Response {
			return expect(t, s, want, apptest.Request{Method: "POST", Path: "/api/v1/partner/customers/" + a.ID + "/subscription/quote", Token: token,
				Body: map[string]any{"add_licenses": 5}})
		}
		quoteFor(other, http.StatusNotFound)
		q := decode[api.Quote](t, quoteFor(pt, http.StatusCreated))
		if q.Total != 0 || len(q.Lines) != 0 || q.Invoicing != "none" {
			t.Fatalf("the partner's quote: got %+v, want nothing billed to the customer", q)
		}
		applied := decode[api.Applied](t, expect(t, s, http.StatusOK, apptest.Request{Method: "POST",
			Path: "/api/v1/partner/customers/" + a.ID + "/subscription", Token: pt, Body: map[string]any{"quote_id": q.ID}}))
		if applied.Invoice != nil || applied.Subscription.Licenses != 15 {
			t.Fatalf("applied: got %+v, want 15 licenses and no invoice", applied)
		}
		own := decode[codedProblem](t, expect(t, s, http.StatusConflict, quoteReq(a, a.AdminToken, "standard", "annual", 20)))
		if own.Code != "billing.partner_changes" {
			t.Fatalf("the customer's own change: got %+v, want billing.partner_changes", own)
		}
		april := decode[api.Statement](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/partner/statements/2027-04", Token: pt}))
		unit := halfUp(450, 80, 100)
		before, after := halfUp(unit*10, 10, 30), halfUp(unit*15, 20, 30)
		if len(april.Lines) != 2 || april.Lines[0].Quantity != 10 || april.Lines[0].Amount != before ||
			april.Lines[1].Quantity != 15 || april.Lines[1].Amount != after || april.Subtotal != before+after {
			t.Fatalf("April: got %+v, want 10 licenses for 10 days (%d) and 15 for 20 (%d)", april.Lines, before, after)
		}
	})
}

// TestPartnerUserInvitation: a partner user added without a password is
// mailed an invitation; they cannot sign in until they choose a password
// with its token, which then stops working.
func TestPartnerUserInvitation(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		ops := operatorToken(t, s)
		p := decode[api.Partner](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: "/api/v1/ops/partners", Token: ops,
			Body: map[string]any{"name": "ABC 株式会社"}}))
		u := decode[api.PartnerUser](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: "/api/v1/ops/partners/" + p.ID + "/users",
			Token: ops, Body: map[string]any{"email": "Sales@ABC.example.jp", "name": "営業担当"}}))
		if !u.Invited || u.InvitationToken == "" || u.Email != "sales@abc.example.jp" || u.Language != "ja" {
			t.Fatalf("invited: got %+v", u)
		}
		db := s.App.Config.DatabaseURL
		if n := apptest.CountRows(t, db, `SELECT COUNT(*) FROM mails WHERE template = 'partner_user_invited' AND to_addr = 'sales@abc.example.jp'`); n != 1 {
			t.Fatalf("invitation mails: got %d, want 1", n)
		}
		login := apptest.Request{Method: "POST", Path: "/api/v1/partner/login", Body: map[string]string{"login_id": u.Email, "password": partnerPassword}}
		expect(t, s, http.StatusUnauthorized, login)
		accept := apptest.Request{Method: "POST", Path: "/api/v1/partner/accept-invitation", Header: http.Header{"Accept-Language": {"ja"}},
			Body: map[string]string{"token": string(u.InvitationToken), "password": partnerPassword}}
		if got := decode[api.PartnerUser](t, expect(t, s, http.StatusOK, accept)); got.Invited {
			t.Fatalf("accepted: got %+v, want no longer invited", got)
		}
		expect(t, s, http.StatusOK, login)
		again := decode[codedProblem](t, expect(t, s, http.StatusNotFound, accept))
		if again.Code != "partner.invitation_unknown" || !strings.Contains(again.Detail, "招待リンクは無効です") {
			t.Fatalf("accepting again: got %+v, want partner.invitation_unknown in Japanese", again)
		}
	})
}

// TestPartnerApproveOnce: 64 approvals of one authenticated code at once
// (a double-clicked 承認, two admins' tabs) switch the tenant once: one
// succeeds, the others are told it is switched already, and exactly one
// credit note settles the contract.
func TestPartnerApproveOnce(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		subscribe(t, s, a, "standard", "annual", 10)
		_, pt := newPartner(t, s, operatorToken(t, s), "ABC 株式会社", "sales@abc.example.jp")
		code := issueCode(t, s, a)
		expect(t, s, http.StatusOK, authenticateReq(pt, code.Code))
		got := statusesAtOnce(s, 64, func(int) apptest.Request { return approveReq(a, code.Code, map[string]any{"phone": "03-1234-5678"}) })
		if got[http.StatusOK] != 1 || got[http.StatusConflict] != 63 {
			t.Fatalf("64 approvals at once: got statuses %v, want one 200 and 63 409", got)
		}
		db := s.App.Config.DatabaseURL
		if n := apptest.CountRows(t, db, `SELECT COUNT(*) FROM invoices WHERE tenant_id = ? AND kind = 'credit_note'`, a.ID); n != 1 {
			t.Fatalf("credit notes: got %d, want 1", n)
		}
		if n := apptest.CountRows(t, db, `SELECT COUNT(*) FROM mails WHERE template = 'partner_switched'`); n != 2 {
			t.Fatalf("completion mails: got %d, want 2 (the super admin, the partner's user)", n)
		}
	})
}

// TestPartnerTwoFactor: a partner user turns on two-factor sign-in as a
// member does; signing in then takes a code, or a recovery code once, and
// a code is never taken twice; turning it off takes the password.
func TestPartnerTwoFactor(t *testing.T) {
	t.Parallel()
	onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
		_, pt := newPartner(t, s, operatorToken(t, s), "ABC 株式会社", "sales@abc.example.jp")
		secret, codes := enrolAPI(t, s, pt)
		login := func() loginAnswer {
			t.Helper()
			return decode[loginAnswer](t, expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/partner/login",
				Body: map[string]string{"login_id": "sales@abc.example.jp", "password": partnerPassword}}))
		}
		first := login()
		if !first.TwoFactor || first.Pending == "" || first.Token != "" {
			t.Fatalf("password step: got %+v, want the second step's token only", first)
		}
		checkProblem(t, secondStep(s, first.Pending, "code", "000000"), http.StatusUnauthorized)
		code := totpAt(t, s, secret)
		res := secondStep(s, first.Pending, "code", code)
		if res.Status != http.StatusOK {
			t.Fatalf("second step: %d %s", res.Status, res.Body)
		}
		token := decode[loginAnswer](t, res).Token
		expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/partner/customers", Token: token})
		checkProblem(t, secondStep(s, login().Pending, "code", code), http.StatusUnauthorized) // the same code again
		if res := secondStep(s, login().Pending, "recovery_code", codes[0]); res.Status != http.StatusOK {
			t.Fatalf("recovery code: %d %s", res.Status, res.Body)
		}
		checkProblem(t, secondStep(s, login().Pending, "recovery_code", codes[0]), http.StatusUnauthorized)
		expect(t, s, http.StatusNoContent, apptest.Request{Method: "POST", Path: "/api/v1/auth/two-factor/disable", Token: token,
			Body: map[string]string{"password": partnerPassword}})
		if again := login(); again.TwoFactor || again.Token == "" {
			t.Fatalf("after turning it off: got %+v, want a session", again)
		}
		if n := apptest.CountRows(t, s.App.Config.DatabaseURL, `SELECT COUNT(*) FROM audit_events WHERE action IN
			('partner_user.two_factor_enabled', 'partner_user.two_factor_disabled')`); n != 2 {
			t.Fatalf("audit events: got %d, want enabled and disabled", n)
		}
	})
}

// TestPartnerCodeGuessesLimited: a partner user's failed code attempts
// are limited (10 in the window): the 11th is told to wait before trying
// another code, in Japanese or English, with Retry-After, and then even
// the right code waits, while the user still signs in; 64 guesses sent at
// once get no more than 10 checks.
func TestPartnerCodeGuessesLimited(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		ops := operatorToken(t, s)
		_, pt := newPartner(t, s, ops, "ABC 株式会社", "sales@abc.example.jp")
		code := issueCode(t, s, a)
		for i := range 10 {
			if got := decode[codedProblem](t, expect(t, s, http.StatusUnprocessableEntity, authenticateReq(pt, fmt.Sprintf("ERV%016d", i)))); got.Code != "partner.code_unknown" {
				t.Fatalf("guess %d: got %+v, want partner.code_unknown", i, got)
			}
		}
		res := expect(t, s, http.StatusTooManyRequests, authenticateReq(pt, code.Code))
		if got := decode[codedProblem](t, res); got.Code != "partner.code_attempts_limited" || res.Header.Get("Retry-After") == "" ||
			!strings.Contains(got.Detail, "15分ほど待って") || !strings.Contains(got.Detail, "パートナーコード") || strings.Contains(got.Detail, "パスワードを忘れた方") {
			t.Fatalf("the 11th attempt: got %+v (Retry-After %q), want partner.code_attempts_limited in Japanese, 15 minutes to wait",
				got, res.Header.Get("Retry-After"))
		}
		en := authenticateReq(pt, code.Code)
		en.Header = http.Header{"Accept-Language": {"en"}}
		if got := decode[codedProblem](t, expect(t, s, http.StatusTooManyRequests, en)); got.Code != "partner.code_attempts_limited" ||
			!strings.Contains(got.Detail, "wait 15 min before trying another code") {
			t.Fatalf("the 12th attempt in English: got %+v, want partner.code_attempts_limited", got)
		}
		// The code's limit is its own: the user still signs in.
		partnerLogin(t, s, "sales@abc.example.jp")
		if c := contract(t, s, a); c.Step != 2 {
			t.Fatalf("after the refused attempts: got step %d, want the code still awaiting authentication", c.Step)
		}
		// Another partner user's 64 wrong guesses at once: the limit is
		// counted before each check, so exactly 10 are checked.
		_, other := newPartner(t, s, ops, "XYZ 商事", "sales@xyz.example.jp")
		got := statusesAtOnce(s, 64, func(i int) apptest.Request { return authenticateReq(other, fmt.Sprintf("ERV%016d", 100+i)) })
		if got[http.StatusUnprocessableEntity] != 10 || got[http.StatusTooManyRequests] != 54 {
			t.Fatalf("64 wrong guesses at once: got statuses %v, want 10 checked (422) and 54 refused (429)", got)
		}
	})
}

// TestPartnerCodeExpiredShown: once the clock passes a code's expiry, the
// super admin sees it expired (step 1, to issue a new one) with nothing
// written; a new code is awaiting authentication again.
func TestPartnerCodeExpiredShown(t *testing.T) {
	t.Parallel()
	onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
		setClock(s, jst(2027, 3, 1, 10))
		a := s.Signup("acme")
		code := issueCode(t, s, a)
		setClock(s, code.ExpiresAt.Add(-time.Minute))
		a.AdminToken = s.Login("admin@"+a.Domain, apptest.Password)
		if c := contract(t, s, a); c.Step != 2 || c.Code == nil || c.Code.Status != "issued" {
			t.Fatalf("a minute before the expiry: got %+v, want step 2 with the code issued", c)
		}
		setClock(s, code.ExpiresAt)
		c := contract(t, s, a)
		if c.Step != 1 || c.Code == nil || c.Code.Code != code.Code || c.Code.Status != "expired" || !c.Code.ExpiresAt.Equal(code.ExpiresAt) {
			t.Fatalf("at the expiry: got %+v (code %+v), want step 1 with the code expired", c, c.Code)
		}
		again := issueCode(t, s, a)
		if c := contract(t, s, a); c.Step != 2 || c.Code == nil || c.Code.Code != again.Code || c.Code.Status != "issued" {
			t.Fatalf("after a new code: got %+v, want step 2 with the new code issued", c)
		}
	})
}

// TestPartnerFreeCustomer: a tenant switched while on the free plan is
// listed with its plan, contract and status like any other customer.
func TestPartnerFreeCustomer(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		_, pt := newPartner(t, s, operatorToken(t, s), "ABC 株式会社", "sales@abc.example.jp")
		code := issueCode(t, s, a)
		expect(t, s, http.StatusOK, authenticateReq(pt, code.Code))
		expect(t, s, http.StatusOK, approveReq(a, code.Code, map[string]any{"phone": "03-1234-5678"}))
		got := decode[struct{ Items []api.Customer }](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/partner/customers", Token: pt}))
		if len(got.Items) != 1 {
			t.Fatalf("customers: got %+v, want acme", got.Items)
		}
		if c := got.Items[0]; c.TenantID != a.ID || c.Plan != "free" || c.Contract != "monthly" || c.Status != "active" || c.Billable != 1 {
			t.Fatalf("the free customer: got %+v, want plan free, contract monthly, status active, 1 billable", c)
		}
	})
}
