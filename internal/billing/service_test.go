package billing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/invoicepdf"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/testcard"
	"github.com/kanri/kanri/internal/webhook"
)

func standardAnnual(n int) billing.QuoteInput {
	return billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.Annual, Licenses: n}}
}

// addCard registers a test card as the tenant's default.
func addCard(t *testing.T, svc *billing.Service, ten *storetest.Tenant, number string) {
	t.Helper()
	if _, err := svc.AddCard(ten.Ctx, ten.ID, billingCard(number)); err != nil {
		t.Fatal(err)
	}
}

func billingCard(number string) billing.Card {
	return billing.Card{Number: number, ExpMonth: 12, ExpYear: 2099, CVC: "123"}
}

func invoices(t *testing.T, svc *billing.Service, ten *storetest.Tenant) []*billing.Invoice {
	t.Helper()
	invs, err := svc.Invoices(ten.Ctx, ten.ID, billing.InvoiceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return invs
}

func wantKind(t *testing.T, err error, kind errs.Kind, words string) {
	t.Helper()
	if !errs.Is(err, kind) || !strings.Contains(err.Error(), words) {
		t.Fatalf("error = %v; want a %v error saying %q", err, kind, words)
	}
}

// wantJapanese fails unless err has code and reads ja in Japanese: what an
// admin of a Japanese tenant sees.
func wantJapanese(t *testing.T, err error, code, ja string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code || e.Message("ja") != ja {
		t.Fatalf("error = %#v; want code %s reading %q", err, code, ja)
	}
}

// TestUpgradeToAnnual is the README's walk: a free tenant adds a test card
// and upgrades to standard, annual, 10 licenses, on 15 March; the card is
// charged ¥59,400 once, the invoice is numbered and mailed.
func TestUpgradeToAnnual(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		ten := storetest.SignUp(t, env, "acme")
		_, err := svc.Quote(ten.Ctx, ten.ID, standardAnnual(10))
		wantKind(t, err, errs.FailedPrecondition, "Payment methods")
		wantJapanese(t, err, "billing.payment_method_missing", "先に決済方法を登録してください(購入/請求 > 決済方法の管理)。")

		addCard(t, svc, ten, testcard.Visa)
		q, err := svc.Quote(ten.Ctx, ten.ID, standardAnnual(10))
		if err != nil {
			t.Fatal(err)
		}
		if q.Subtotal != 54000 || q.Tax != 5400 || q.Total != 59400 || q.Invoicing != billing.InvoiceNow {
			t.Fatalf("quote = %d + %d = %d (%s); want 54000 + 5400 = 59400, billed now", q.Subtotal, q.Tax, q.Total, q.Invoicing)
		}
		res, err := svc.Apply(ten.Ctx, ten.ID, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		inv := res.Invoice
		if inv == nil || inv.Number != "KNR-000001" || inv.Total != 59400 || inv.Status != billing.InvoicePaid || !strings.HasPrefix(inv.ChargeID, "ch_test_") {
			t.Fatalf("invoice = %+v; want KNR-000001, ¥59,400, paid by card", inv)
		}
		if inv.IssuerRegistration != "T7123456789012" || inv.RecipientName != "Company acme" || inv.RecipientEmail != "owner@example.com" {
			t.Errorf("qualified-invoice fields = %q %q %q", inv.IssuerRegistration, inv.RecipientName, inv.RecipientEmail)
		}
		sub, err := svc.Subscription(ten.Ctx, ten.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Plan != "standard" || sub.Licenses != 10 || sub.PeriodStart.Format(time.DateOnly) != "2026-03-15" || sub.PeriodEnd.Format(time.DateOnly) != "2027-03-15" {
			t.Errorf("subscription = %+v", sub)
		}
		again, err := svc.Apply(ten.Ctx, ten.ID, q.ID)
		if err != nil || again.Invoice == nil || again.Invoice.ID != inv.ID {
			t.Fatalf("applying the quote again = %+v, %v; want the same invoice", again, err)
		}
		if n := len(invoices(t, svc, ten)); n != 1 {
			t.Errorf("%d invoices; want 1", n)
		}
		mails := mailTemplates(t, env)
		if mails["invoice_issued"] != 1 || mails["subscription_changed"] != 1 {
			t.Errorf("mails = %v; want one invoice_issued and one subscription_changed", mails)
		}
		// The mail lists the line with how its amount is computed, and the
		// tax per rate, so the buyer can check the invoice (issue 17).
		ms, err := env.DB.ListMails(context.Background(), notify.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Template == "invoice_issued" && (!strings.Contains(m.Text, "¥450/月 × 12か月 × 10 × 365/365日") || !strings.Contains(m.Text, "10%対象 ¥54,000　消費税 ¥5,400")) {
				t.Errorf("invoice mail without the line's basis or the tax per rate:\n%s", m.Text)
			}
		}
	})
}

func mailTemplates(t *testing.T, env *storetest.Env) map[string]int {
	t.Helper()
	ms, err := env.DB.ListMails(context.Background(), notify.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, m := range ms {
		n[m.Template]++
	}
	return n
}

// mailText is the text of the tenant's latest mail made from template
// (the mails are listed newest first), or "".
func mailText(t *testing.T, env *storetest.Env, tenantID, template string) string {
	t.Helper()
	ms, err := env.DB.ListMails(context.Background(), notify.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.TenantID == tenantID && m.Template == template {
			return m.Text
		}
	}
	return ""
}

// TestApplyRace applies two quotes of one subscription at once: one
// succeeds, the other is told its quote is stale; one invoice, one charge.
func TestApplyRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		ten := storetest.SignUp(t, env, "acme")
		addCard(t, svc, ten, testcard.Visa)
		for round := range 5 {
			a, err := svc.Quote(ten.Ctx, ten.ID, standardAnnual(10+2*round+1))
			if err != nil {
				t.Fatal(err)
			}
			b, err := svc.Quote(ten.Ctx, ten.ID, standardAnnual(10+2*round+2))
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errsOut := make([]error, 2)
			for i, q := range []*billing.Quote{a, b} {
				wg.Go(func() { _, errsOut[i] = svc.Apply(ten.Ctx, ten.ID, q.ID) })
			}
			wg.Wait()
			ok, stale := 0, 0
			for _, err := range errsOut {
				switch {
				case err == nil:
					ok++
				case errs.Is(err, errs.Conflict) && strings.Contains(err.Error(), "quote is stale"):
					stale++
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if ok != 1 || stale != 1 {
				t.Fatalf("round %d: %d applied, %d stale; want 1 and 1", round, ok, stale)
			}
			if n := len(invoices(t, svc, ten)); n != round+1 {
				t.Fatalf("round %d: %d invoices; want %d", round, n, round+1)
			}
		}
	})
}

// TestRefusalsChangeNothing: each refusal of SPEC §4 says what to fix and
// leaves the contract, the invoices and the counter as they were.
func TestRefusalsChangeNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		ten := storetest.SignUp(t, env, "acme")
		members := env.MemberService()
		admin := storetest.NewMember(t, env, ten.Tenant, "admin", storetest.MemberOpts{RoleIDs: []string{ten.Roles["admin"].ID}})
		for i := range 3 {
			if _, _, err := members.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: fmt.Sprintf("m%d", i), Profile: member.Profile{DisplayName: ptr("M")}}); err != nil {
				t.Fatal(err)
			}
		}
		addCard(t, svc, ten, testcard.Visa)
		cases := []struct {
			name  string
			ctx   context.Context
			in    billing.QuoteInput
			kind  errs.Kind
			words string
		}{
			{"fewer licenses than members", ten.Ctx, standardAnnual(3), errs.Invalid, "fewer than your 5 billable members"},
			{"unknown plan", ten.Ctx, billing.QuoteInput{Terms: billing.Terms{Plan: "gold", Contract: billing.Monthly}}, errs.Invalid, "unknown plan"},
			{"contract not sold", ten.Ctx, billing.QuoteInput{Terms: billing.Terms{Plan: "free", Contract: billing.Annual, Licenses: 5}}, errs.Invalid, "not sold"},
			{"advanced without a mail domain", ten.Ctx, billing.QuoteInput{Terms: billing.Terms{Plan: "advanced", Contract: billing.Monthly}}, errs.Invalid, "choose its domain"},
			{"advanced with a foreign domain", ten.Ctx, billing.QuoteInput{Terms: billing.Terms{Plan: "advanced", Contract: billing.Monthly}, MailDomain: "other.works.example"}, errs.Invalid, "choose its domain"},
			{"not the super admin", storetest.Actor(t, env, admin), standardAnnual(10), errs.PermissionDenied, "super admin"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := svc.Quote(c.ctx, ten.ID, c.in)
				wantKind(t, err, c.kind, c.words)
			})
		}
		// A refused card: nothing billed, nothing changed; the admin is told
		// why, and so is the billing contact, by mail, in the language they
		// read (the tenant's unless they chose one).
		for i, c := range []struct{ number, en, code, ja, lang, mail string }{
			{testcard.ChargeFails, "declined", "billing.card_declined",
				"カードでの決済が承認されませんでした。別のカードを登録するか、カード会社にお問い合わせください(決済は行われておらず、契約内容も変わっていません)。",
				"", "理由：カードでの決済が承認されませんでした。別のカードを登録するか、カード会社にお問い合わせください。"},
			{testcard.InsufficientFunds, "insufficient funds", "billing.card_insufficient_funds",
				"カードの利用可能額が不足しているため、決済できませんでした。別のカードを登録するか、カード会社に利用限度額の引き上げをご相談ください(決済は行われておらず、契約内容も変わっていません)。",
				"", "理由：カードの利用可能額が不足しています。別のカードを登録するか、カード会社に利用限度額の引き上げをご相談ください。"},
			{testcard.ExpiredCard, "expired", "billing.card_expired",
				"カードの有効期限が切れています。新しいカードを登録してください(決済は行われておらず、契約内容も変わっていません)。",
				"en", "Reason: the card has expired: register a new card"},
		} {
			other := storetest.SignUp(t, env, fmt.Sprintf("other%d", i))
			if _, err := members.Update(other.Ctx, other.ID, other.Owner.ID, member.Edit{Profile: member.Profile{Language: &c.lang}}); err != nil {
				t.Fatal(err)
			}
			addCard(t, svc, other, c.number)
			q, err := svc.Quote(other.Ctx, other.ID, standardAnnual(5))
			if err != nil {
				t.Fatal(err)
			}
			_, err = svc.Apply(other.Ctx, other.ID, q.ID)
			wantKind(t, err, errs.Invalid, c.en)
			wantJapanese(t, err, c.code, c.ja)
			sub, _ := svc.Subscription(other.Ctx, other.ID)
			if sub.Version != 0 || len(invoices(t, svc, other)) != 0 {
				t.Errorf("after a refused card: version %d, %d invoices; want 0 and 0", sub.Version, len(invoices(t, svc, other)))
			}
			if mail := mailText(t, env, other.ID, "payment_failed"); !strings.Contains(mail, c.mail) {
				t.Errorf("payment_failed mail:\n%s\nwant the reason %q", mail, c.mail)
			}
			_, err = svc.Apply(other.Ctx, other.ID, q.ID)
			wantKind(t, err, errs.FailedPrecondition, "declined")
			wantJapanese(t, err, "billing.quote_declined", "この見積りの決済は承認されませんでした。新しい見積りを取得してください。")
		}
		// The advanced plan with the provided domain is priced.
		if _, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "advanced", Contract: billing.Monthly}, MailDomain: "acme.works.example"}); err != nil {
			t.Errorf("advanced with the provided domain: %v", err)
		}
		if len(invoices(t, svc, ten)) != 0 {
			t.Error("a refusal issued an invoice")
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestMemberLimits: the free plan stops at 30 billable members and an
// annual contract at its licenses, each naming the fix; deactivating
// makes room.
func TestMemberLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		members := env.MemberService()
		members.Seats = svc.SeatLimit
		ten := storetest.SignUp(t, env, "acme")
		add := func(name string) (*member.Member, error) {
			m, _, err := members.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: name, Profile: member.Profile{DisplayName: ptr(name)}})
			return m, err
		}
		for i := range 28 {
			if _, err := add(fmt.Sprintf("m%02d", i)); err != nil {
				t.Fatal(err)
			}
		}
		// Only an active member can be deactivated: this one has a password.
		last, _, err := members.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: "last", Password: storetest.Password, Profile: member.Profile{DisplayName: ptr("Last")}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = add("m30")
		wantKind(t, err, errs.FailedPrecondition, "upgrade to a paid plan")
		if _, err := members.SetStatus(ten.Ctx, ten.ID, last.ID, "deactivate"); err != nil {
			t.Fatal(err)
		}
		if _, err := add("m30"); err != nil {
			t.Fatalf("after a deactivation: %v", err)
		}
		_, err = members.SetStatus(ten.Ctx, ten.ID, last.ID, "reactivate")
		wantKind(t, err, errs.FailedPrecondition, "over the limit of 30")

		addCard(t, svc, ten, testcard.Visa)
		q, err := svc.Quote(ten.Ctx, ten.ID, standardAnnual(31))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Apply(ten.Ctx, ten.ID, q.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := members.SetStatus(ten.Ctx, ten.ID, last.ID, "reactivate"); err != nil {
			t.Fatalf("reactivate within the licenses: %v", err)
		}
		_, err = add("m32")
		wantKind(t, err, errs.FailedPrecondition, "add licenses")
	})
}

// TestMonthlyRunAndCancel bills a monthly contract in arrears at the
// month's end, then a cancellation closes the tenant at the period's end
// and its data goes after the retention, its invoices kept.
func TestMonthlyRunAndCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		ten := storetest.SignUp(t, env, "acme")
		for i := range 2 {
			if _, _, err := env.MemberService().Add(ten.Ctx, ten.ID, member.AddInput{LoginID: fmt.Sprintf("m%d", i), Profile: member.Profile{DisplayName: ptr("M")}}); err != nil {
				t.Fatal(err)
			}
		}
		addCard(t, svc, ten, testcard.Visa)
		q, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.Monthly}})
		if err != nil {
			t.Fatal(err)
		}
		if res, err := svc.Apply(ten.Ctx, ten.ID, q.ID); err != nil || res.Invoice != nil {
			t.Fatalf("apply monthly = %+v, %v; want nothing billed now", res, err)
		}
		// Members who join on 1 April at 08:00 JST (still 31 March in UTC)
		// count for April, not March.
		env.Clock.Advance(16*24*time.Hour + 14*time.Hour)
		for i := range 10 {
			if _, _, err := env.MemberService().Add(ten.Ctx, ten.ID, member.AddInput{LoginID: fmt.Sprintf("april%d", i), Profile: member.Profile{DisplayName: ptr("A")}}); err != nil {
				t.Fatal(err)
			}
		}
		env.Clock.Advance(4 * time.Hour) // 1 April, 12:00 JST
		rep, err := svc.Run(context.Background())
		if err != nil || rep.Renewed != 1 || rep.Charged != 1 {
			t.Fatalf("run = %+v, %v; want 1 renewed, 1 charged", rep, err)
		}
		invs := invoices(t, svc, ten)
		// 3 members × ¥540 × 17/31 days = ¥888; tax ¥88.
		if len(invs) != 1 || invs[0].Subtotal != 888 || invs[0].Tax != 88 || invs[0].Status != billing.InvoicePaid {
			t.Fatalf("March invoice = %+v; want ¥888 + ¥88, paid", invs)
		}
		if rep, err := svc.Run(context.Background()); err != nil || rep.Renewed != 0 {
			t.Fatalf("second run = %+v, %v; want nothing to do", rep, err)
		}

		// A directory, which the purge must take too.
		ms := env.MemberService()
		dep, err := ms.CreateDepartment(ten.Ctx, ten.ID, member.DepartmentInput{Name: "営業部"})
		if err != nil {
			t.Fatal(err)
		}
		grp, err := ms.SaveGroup(ten.Ctx, ten.ID, "", member.GroupInput{Name: "全員"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ms.Update(ten.Ctx, ten.ID, ten.Owner.ID, member.Edit{Profile: member.Profile{DepartmentID: &dep.ID, GroupIDs: &[]string{grp.ID}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := ms.CreateRule(ten.Ctx, ten.ID, member.RuleInput{Name: "営業", MatchKind: member.MatchDepartment, MatchID: dep.ID,
			RoleIDs: []string{ten.Roles["admin"].ID}}, member.Change{}); err != nil {
			t.Fatal(err)
		}

		sub, err := svc.Cancel(ten.Ctx, ten.ID)
		if err != nil || sub.CancelAt.Format(time.DateOnly) != "2026-05-01" {
			t.Fatalf("cancel = %+v, %v; want effective 2026-05-01", sub, err)
		}
		if _, err := svc.Withdraw(ten.Ctx, ten.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Cancel(ten.Ctx, ten.ID); err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(30*24*time.Hour + 6*time.Hour) // 1 May, 18:00 JST
		if _, err := svc.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		tn, err := env.DB.GetTenant(context.Background(), ten.ID)
		if err != nil || tn.Status != "closed" {
			t.Fatalf("tenant after the period = %+v, %v; want closed", tn, err)
		}
		if n := len(invoices(t, svc, ten)); n != 2 {
			t.Errorf("%d invoices after April; want 2", n)
		}
		env.Clock.Advance(31 * 24 * time.Hour)
		if rep, err := svc.Run(context.Background()); err != nil || rep.Purged != 1 {
			t.Fatalf("run after retention = %+v, %v; want 1 purged", rep, err)
		}
		if n, err := env.DB.CountBillable(context.Background(), ten.ID); err != nil || n != 0 {
			t.Errorf("members after the purge: %d, %v", n, err)
		}
		if ds, err := env.DB.ListDepartments(context.Background(), ten.ID); err != nil || len(ds) != 0 {
			t.Errorf("departments after the purge: %d, %v", len(ds), err)
		}
		if rs, err := env.DB.ListRules(context.Background(), ten.ID); err != nil || len(rs) != 0 {
			t.Errorf("rules after the purge: %d, %v", len(rs), err)
		}
		kept, err := env.DB.ListInvoices(context.Background(), billing.InvoiceFilter{TenantID: ten.ID, Limit: 10})
		if err != nil || len(kept) != 2 {
			t.Errorf("invoices after the purge: %d, %v; want 2 kept", len(kept), err)
		}
	})
}

// TestCheckRegistration: T + 13 digits whose first is the check digit of
// the other 12 (the corporate-number rule).
func TestCheckRegistration(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"T7000012050002", true}, // 国税庁's corporate number
		{"T7123456789012", true},
		{"T8000012050002", false}, // wrong check digit
		{"7000012050002", false},  // no T
		{"T700001205000", false},  // 12 digits
		{"T0000012050002", false}, // a check digit is never 0
		{"t7000012050002", false},
	} {
		if err := billing.CheckRegistration(c.in); (err == nil) != c.ok {
			t.Errorf("CheckRegistration(%q) = %v; want ok %v", c.in, err, c.ok)
		}
	}
}

// TestAnnualMonthlyInstalments: the run bills each month's instalment once,
// with the lines kept for the next invoice (licenses added on a plan that
// bills them with the next invoice).
func TestAnnualMonthlyInstalments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		raw, err := os.ReadFile("catalog.json")
		if err != nil {
			t.Fatal(err)
		}
		cat, err := billing.ParseCatalog("next.json", []byte(strings.Replace(string(raw), `"proration_invoicing": "immediate"`, `"proration_invoicing": "next_invoice"`, 1)))
		if err != nil {
			t.Fatal(err)
		}
		svc.Catalog = cat
		ten := storetest.SignUp(t, env, "acme")
		addCard(t, svc, ten, testcard.Visa)
		apply := func(n int) *billing.Result {
			t.Helper()
			q, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.AnnualMonthly, Licenses: n}})
			if err != nil {
				t.Fatal(err)
			}
			res, err := svc.Apply(ten.Ctx, ten.ID, q.ID)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		if res := apply(10); res.Invoice.Total != 4950 { // 10 × ¥450 + tax, 3/15–4/14
			t.Fatalf("first instalment = %d; want 4950", res.Invoice.Total)
		}
		env.Clock.Advance(16 * 24 * time.Hour) // 31 March: +2 licenses for 3/31–4/14 (15 of 31 days), kept
		if res := apply(12); res.Invoice != nil {
			t.Fatalf("licenses on a next-invoice plan billed at once: %+v", res.Invoice)
		}
		env.Clock.Advance(15 * 24 * time.Hour) // 15 April
		for range 2 {
			if _, err := svc.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		invs := invoices(t, svc, ten)
		// 12 × ¥450 = ¥5,400 for 4/15–5/14, and 2 × ¥450 × 15/31 = ¥435 kept: ¥5,835 + ¥583 tax.
		if len(invs) != 2 || invs[0].Subtotal != 5835 || invs[0].Tax != 583 {
			t.Fatalf("invoices = %d, newest %+v; want the April instalment ¥5,835 + ¥583", len(invs), invs[0])
		}
		if april, err := svc.Invoice(ten.Ctx, ten.ID, invs[0].ID); err != nil || len(april.Lines) != 2 {
			t.Errorf("April's lines = %+v, %v; want the kept line and the instalment", april, err)
		}
	})
}

// TestInvoiceNumberedAfterCommit: on PostgreSQL an invoice whose issuer's
// counter another transaction holds is committed without a number (the
// API shows none, its PDF is refused in the reader's language) and is
// numbered and mailed once the counter is free, before Apply returns; one
// a crash left without a number is numbered and mailed by the minutely
// resume job. SQLite numbers every invoice in its transaction.
func TestInvoiceNumberedAfterCommit(t *testing.T) {
	env := storetest.Open(t, storetest.PostgresURL(t))
	svc := env.BillingService()
	ten := storetest.SignUp(t, env, "acme")
	addCard(t, svc, ten, testcard.Visa)
	ctx := ten.Ctx

	// A crash between a commit and its numbering: the first invoice ever
	// finds no counter row and is left for the numbering.
	day := env.Clock.Now()
	left := &billing.Invoice{ID: env.IDs.New("inv"), TenantID: ten.ID, Number: "KNR", Kind: billing.KindInvoice, Period: "p", Reason: "crash",
		Status: billing.InvoiceOpen, Currency: "JPY", Subtotal: 100, Taxes: []billing.TaxAmount{{Percent: 10, Base: 100, Tax: 10}}, Tax: 10,
		Total: 110, IssuerName: "株式会社カンリ", IssuerRegistration: "T7123456789012", RecipientName: "Company acme", PaymentKind: billing.MethodCard,
		IssuedAt: day, Lines: []billing.Line{{Description: "x", PeriodStart: day, PeriodEnd: day, Quantity: 1, UnitAmount: 100, Amount: 100, TaxPercent: 10}}}
	if err := env.DB.CreateInvoice(ctx, left); err != nil || left.Number != "" {
		t.Fatalf("created %q, %v; want no number", left.Number, err)
	}
	if err := svc.ResumeApplies(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Invoice(ctx, ten.ID, left.ID); err != nil || got.Number != "KNR-000001" {
		t.Fatalf("after the resume job: %+v, %v; want KNR-000001", got, err)
	}
	if mails := mailTemplates(t, env); mails["invoice_issued"] != 1 {
		t.Fatalf("mails = %v; want the invoice mailed once", mails)
	}

	// Another transaction holds the counter: the change commits its
	// invoice without a number and waits for the counter after the commit.
	held, err := env.DB.Writer().BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback()
	if _, err := held.Exec(`SELECT last FROM invoice_counters FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	q, err := svc.Quote(ctx, ten.ID, standardAnnual(10))
	if err != nil {
		t.Fatal(err)
	}
	applied := make(chan *billing.Result, 1)
	go func() {
		res, err := svc.Apply(ctx, ten.ID, q.ID)
		if err != nil {
			t.Error(err)
		}
		applied <- res
	}()
	var waiting *billing.Invoice
	for deadline := time.Now().Add(10 * time.Second); waiting == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, inv := range invoices(t, svc, ten) {
			if inv.Number == "" {
				waiting = inv
			}
		}
	}
	if waiting == nil {
		t.Fatal("no invoice committed without a number while the counter was held")
	}
	_, err = invoicepdf.New().Render(waiting, "ja")
	wantJapanese(t, err, "billing.invoice_unnumbered", "この請求書は番号の採番中です。数秒後にもう一度お試しください。")
	if err := held.Rollback(); err != nil {
		t.Fatal(err)
	}
	res := <-applied
	if res == nil || res.Invoice == nil || res.Invoice.ID != waiting.ID || res.Invoice.Number != "KNR-000002" {
		t.Fatalf("applied %+v; want invoice %s numbered KNR-000002", res, waiting.ID)
	}
	if mails := mailTemplates(t, env); mails["invoice_issued"] != 2 {
		t.Errorf("mails = %v; want both invoices mailed once", mails)
	}
}

// TestInvoicesOfManyTenantsAtOnce: 64 tenants subscribe at the same
// moment, each its own apply (on PostgreSQL most invoices wait for a
// counter another change holds and are numbered in batches after their
// commits): the 64 invoices are numbered 1 to 64 without a gap, and each
// is recorded, told by its webhook and mailed exactly once, on both engines.
func TestInvoicesOfManyTenantsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		const n = 64
		svc := env.BillingService()
		hook := &notify.Endpoint{ID: env.IDs.New("whe"), URL: "https://hooks.example.com/invoices", EventTypes: []string{"invoice.issued"},
			Secrets: []string{webhook.NewSecret()}, CreatedAt: env.Clock.Now()}
		if err := env.DB.CreateEndpoint(context.Background(), hook); err != nil {
			t.Fatal(err)
		}
		tenants := make([]*storetest.Tenant, n)
		for i := range tenants {
			tenants[i] = storetest.SignUp(t, env, fmt.Sprintf("t%02d", i))
			addCard(t, svc, tenants[i], testcard.Visa)
		}
		numbers := make([]string, n)
		var wg sync.WaitGroup
		for i, ten := range tenants {
			wg.Go(func() {
				q, err := svc.Quote(ten.Ctx, ten.ID, standardAnnual(10))
				if err == nil {
					var res *billing.Result
					if res, err = svc.Apply(ten.Ctx, ten.ID, q.ID); err == nil {
						numbers[i] = res.Invoice.Number
					}
				}
				if err != nil {
					t.Errorf("tenant %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		slices.Sort(numbers)
		for i, got := range numbers {
			if want := fmt.Sprintf("KNR-%06d", i+1); got != want {
				t.Fatalf("numbers the applies answered %v: number %d is %q, want %s (no gap, each once)", numbers, i+1, got, want)
			}
		}
		count := func(q string) int {
			var c int
			if err := env.DB.Writer().QueryRow(q).Scan(&c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		if c := count(`SELECT COUNT(*) FROM invoices WHERE number IS NOT NULL`); c != n {
			t.Errorf("%d numbered invoices stored, want %d", c, n)
		}
		if c := count(`SELECT COUNT(*) FROM mails WHERE template = 'invoice_issued'`); c != n {
			t.Errorf("%d invoice mails, want %d: one each", c, n)
		}
		if c := count(`SELECT COUNT(DISTINCT target_id) FROM audit_events WHERE action = 'invoice.issued'`); c != n ||
			count(`SELECT COUNT(*) FROM audit_events WHERE action = 'invoice.issued'`) != n {
			t.Errorf("invoice.issued recorded for %d invoices (%d events), want %d once each", c,
				count(`SELECT COUNT(*) FROM audit_events WHERE action = 'invoice.issued'`), n)
		}
		after := count(`SELECT COUNT(*) FROM audit_events WHERE action = 'invoice.issued' AND actor_kind = 'system'`)
		t.Logf("%d of %d invoices numbered after their commit", after, n)
		if strings.HasPrefix(env.URL, "postgres") && after == 0 { // the first finds no counter row
			t.Error("no invoice numbered after its commit on PostgreSQL")
		}
		ds, err := env.DB.ListDeliveries(context.Background(), hook.ID, notify.Page{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		told := map[string]int{}
		for _, d := range ds {
			var p struct {
				Data struct{ Number string } `json:"data"`
			}
			if err := json.Unmarshal([]byte(d.Payload), &p); err != nil {
				t.Fatal(err)
			}
			told[p.Data.Number]++
		}
		for _, num := range numbers {
			if told[num] != 1 {
				t.Errorf("invoice %s told %d times by the webhook, want once", num, told[num])
			}
		}
	})
}
