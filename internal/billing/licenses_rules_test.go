package billing_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/testcard"
)

// quoteLicenses quotes n licenses on the tenant's current plan and contract.
func quoteLicenses(svc *billing.Service, ten *storetest.Tenant, contract string, n int) error {
	_, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: contract, Licenses: n}})
	return err
}

// wantRefusal fails unless the tenant's license state refuses with code
// before any quote, reading ja in Japanese.
func wantRefusal(t *testing.T, svc *billing.Service, ten *storetest.Tenant, code, ja string) {
	t.Helper()
	l, err := svc.LicenseState(ten.Ctx, ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	if l.Refusal == nil || l.Refusal.Code != code || l.Refusal.Message("ja") != ja {
		t.Errorf("license state refusal %+v; want %s reading %q", l.Refusal, code, ja)
	}
}

// TestLicenseRules: each rule of SPEC §6 refuses in Japanese naming the
// fix; the screen learns the standing ones (a monthly contract, invoice
// payment) before any quote; deactivating the members the refusal names
// makes the reduction possible.
func TestLicenseRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		members := env.MemberService()
		ten := storetest.SignUp(t, env, "acme")
		addCard(t, svc, ten, testcard.Visa)

		// A monthly contract (the free plan too) has no licenses to change.
		monthly := "月額契約(フリープランを含む)は利用メンバー数に応じてご請求するため、変更できるライセンス数がありません。ライセンス数を決めてご契約いただくには、年額契約に変更してください(購入/請求 > 商品の契約/変更)。"
		wantRefusal(t, svc, ten, "licenses.monthly_contract", monthly)
		_, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "free", Contract: billing.Monthly, Licenses: 35}})
		wantJapanese(t, err, "licenses.monthly_contract", monthly)

		// 33 more members, 2 of them active (only they can be deactivated): 34 billable.
		var active []*member.Member
		for i := range 33 {
			in := member.AddInput{LoginID: fmt.Sprintf("m%02d", i), Profile: member.Profile{DisplayName: ptr("M")}}
			if i < 2 {
				in.Password = storetest.Password
			}
			m, _, err := members.Add(ten.Ctx, ten.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			if i < 2 {
				active = append(active, m)
			}
		}
		change(t, svc, ten, billing.Annual, 35)
		if l, err := svc.LicenseState(ten.Ctx, ten.ID); err != nil || l.Refusal != nil || l.Billable != 34 || l.Subscription.Licenses != 35 {
			t.Fatalf("license state = %+v, %v; want 35 licenses, 34 billable, self-service", l, err)
		}

		// 35 → 32 with 34 billable members: deactivate 2 first.
		err = quoteLicenses(svc, ten, billing.Annual, 32)
		wantJapanese(t, err, "licenses.below_billable", "ライセンス数(32)が利用メンバー数(34人)より少なくなっています。先にメンバーを2人利用停止するか、ライセンス数を34以上にしてください。")
		if e, _ := errs.As(err); !cmp.Equal(e.Params, map[string]any{"billable": 34, "licenses": 32, "deactivate": 2}) || e.Field != "licenses" {
			t.Errorf("params %v at %q; want billable 34, licenses 32, deactivate 2 at licenses", e.Params, e.Field)
		}
		err = quoteLicenses(svc, ten, billing.Annual, 0)
		wantJapanese(t, err, "billing.annual_needs_license", "年額契約ではライセンス数を1以上にしてください。")
		for _, m := range active {
			if _, err := members.SetStatus(ten.Ctx, ten.ID, m.ID, "deactivate"); err != nil {
				t.Fatal(err)
			}
		}
		if err := quoteLicenses(svc, ten, billing.Annual, 32); err != nil {
			t.Errorf("35 → 32 once 2 members are deactivated: %v", err)
		}

		// Invoice payment (bank transfer): sales changes the count, or the tenant pays by card.
		m, err := svc.RequestInvoicePayment(ten.Ctx, ten.ID)
		if err == nil {
			_, err = svc.ApproveInvoicePayment(storetest.Operator(), ten.ID, m.ID)
		}
		if err == nil {
			_, err = svc.SetDefault(ten.Ctx, ten.ID, m.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		sales := "請求書払いの場合、ライセンス数の変更は営業担当が承ります。営業担当にご連絡いただくか、クレジットカードを既定の決済方法にしてください(購入/請求 > 決済方法の管理)。"
		wantRefusal(t, svc, ten, "billing.invoice_payer_licenses", sales)
		wantJapanese(t, quoteLicenses(svc, ten, billing.Annual, 36), "billing.invoice_payer_licenses", sales)
		wantJapanese(t, quoteLicenses(svc, ten, billing.Annual, 33), "billing.invoice_payer_licenses", sales)

	})
}

// TestWithdrawnReductionChangesNoLicenses: withdrawing a reduction that
// waited for the renewal bills nothing and moves no count in effect, so no
// licenses.changed is sent, then or at the renewal, which keeps the count.
func TestWithdrawnReductionChangesNoLicenses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		hook := watchLicenses(t, env)
		ten := storetest.SignUp(t, env, "acme")
		addCard(t, svc, ten, testcard.Visa)
		change(t, svc, ten, billing.Annual, 35)
		change(t, svc, ten, billing.Annual, 32)
		if _, err := svc.WithdrawChange(ten.Ctx, ten.ID); err != nil {
			t.Fatal(err)
		}
		advanceTo(t, env, "2027-03-15")
		if _, err := svc.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if sub, err := svc.Subscription(ten.Ctx, ten.ID); err != nil || sub.Licenses != 35 {
			t.Errorf("after the renewal: %+v, %v; want 35 licenses", sub, err)
		}
		if got := licensesEvents(t, env, hook, ten.ID); len(got) != 1 || got[0].After != 35 {
			t.Errorf("webhooks %+v; want only 0 → 35", got)
		}
		if n := len(invoices(t, svc, ten)); n != 2 {
			t.Errorf("%d invoices; want the first term's and the renewal's", n)
		}
	})
}

// TestMinImmediateCharge: with min_immediate_charge ¥1,000, one license
// added on a term's last day (¥5,400 × 1/365 = 14.79 → ¥15, tax ¥1: ¥16)
// is not charged alone: the quote says next_invoice, the count changes at
// once, and the renewal the next day bills the line with its basis.
func TestMinImmediateCharge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := withCatalog(env, catalogEdited(t, `"tax_percent": 10,`, `"tax_percent": 10, "min_immediate_charge": 1000,`))
		hook := watchLicenses(t, env)
		ten := storetest.SignUp(t, env, "acme")
		addCard(t, svc, ten, testcard.Visa)
		change(t, svc, ten, billing.Annual, 30)
		advanceTo(t, env, "2027-03-14")
		line := billing.Line{PeriodStart: day("2027-03-14"), PeriodEnd: day("2027-03-15"), Quantity: 1, UnitAmount: 5400, Amount: 15,
			TaxPercent: 10, UnitPerMonth: 450, Days: 1, PeriodDays: 365}
		q, res := change(t, svc, ten, billing.Annual, 31)
		wantQuote(t, "30 → 31 on the last day", q, billing.QuoteLicenses, billing.InvoiceNextRun, "2027-03-14", []billing.Line{line}, 15, 1)
		if res.Invoice != nil || res.Subscription.Licenses != 31 {
			t.Fatalf("applied: invoice %+v, %d licenses; want nothing billed now and 31 licenses", res.Invoice, res.Subscription.Licenses)
		}
		if got := licensesEvents(t, env, hook, ten.ID); !containsEvent(got, licensesEvent{ten.ID, 30, 31, "2027-03-14", q.ID}) {
			t.Errorf("webhooks %+v; want 30 → 31 at once", got)
		}
		advanceTo(t, env, "2027-03-15")
		if _, err := svc.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		// 31 × ¥5,400 = ¥167,400 and the ¥15 kept: ¥167,415, tax ¥16,741.
		inv := invoiceFor(t, svc, ten, "2027-03-15")
		if inv == nil || inv.Subtotal != 167415 || inv.Tax != 16741 || len(inv.Lines) != 2 {
			t.Fatalf("renewal invoice %+v; want the kept line and 31 licenses: ¥167,415 + ¥16,741", inv)
		}
		if got := inv.Lines[0]; got.UnitPerMonth != 450 || got.Days != 1 || got.PeriodDays != 365 || got.Amount != 15 {
			t.Errorf("the kept line %+v; want its basis ¥450 × 12 × 1 × 1/365", got)
		}

		// Above the minimum, licenses are charged at once as before.
		q, _ = change(t, svc, ten, billing.Annual, 32)
		if q.Invoicing != billing.InvoiceNow || q.Total != 5940 { // ¥5,400 × 365/365 + tax
			t.Errorf("a license on the new term's first day: %s, %d; want now, ¥5,940", q.Invoicing, q.Total)
		}
	})
}
