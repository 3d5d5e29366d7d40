package billing_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/testcard"
)

// lostAnswer is a gateway that charges but whose first lose answers never
// arrive: the apply stops between the charge and its record.
type lostAnswer struct {
	*testcard.Provider
	lose int
}

func (g *lostAnswer) Charge(ctx context.Context, token string, amount money.Money, key string) (string, error) {
	id, err := g.Provider.Charge(ctx, token, amount, key)
	if err == nil && g.lose > 0 {
		g.lose--
		return "", errors.New("gateway timeout")
	}
	return id, err
}

// TestRunFinishesInterruptedApply: a charge taken whose answer was lost is
// tried again (same key) by the next quote, and recorded by the billing run
// once the quote expires, with the same charge.
func TestRunFinishesInterruptedApply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		gw := &lostAnswer{Provider: testcard.New(env.Clock), lose: 2}
		svc.Provider = gw
		ten := storetest.SignUp(t, env, "acme")
		addCard(t, svc, ten, testcard.Visa)
		q, err := svc.Quote(ten.Ctx, ten.ID, standardAnnual(10))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Apply(ten.Ctx, ten.ID, q.ID); err == nil {
			t.Fatal("apply with a lost gateway answer succeeded")
		}
		_, err = svc.Quote(ten.Ctx, ten.ID, standardAnnual(11))
		wantKind(t, err, errs.FailedPrecondition, "still being taken")
		env.Clock.Advance(time.Hour)
		if _, err := svc.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		invs := invoices(t, svc, ten)
		want, _ := testcard.New(env.Clock).Charge(context.Background(), "tok_test_ok_4242_x", money.New(59400, "JPY"), q.ID)
		if len(invs) != 1 || invs[0].ChargeID != want || invs[0].Total != 59400 {
			t.Fatalf("invoices after the run = %+v; want one of ¥59,400 with charge %s", invs, want)
		}
		sub, _ := svc.Subscription(ten.Ctx, ten.ID)
		if sub.Plan != "standard" || sub.Licenses != 10 {
			t.Errorf("subscription = %+v; want standard with 10 licenses", sub)
		}
	})
}

// TestInvoicePayment: 請求書払い needs an operator's approval; the invoice
// is open with the bank details and a due date until an operator marks it
// paid; an overdue one blocks upgrades.
func TestInvoicePayment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		ten := storetest.SignUp(t, env, "acme")
		m, err := svc.RequestInvoicePayment(ten.Ctx, ten.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.Quote(ten.Ctx, ten.ID, standardAnnual(10))
		wantKind(t, err, errs.FailedPrecondition, "awaits approval")
		if _, err := svc.ApproveInvoicePayment(ten.Ctx, ten.ID, m.ID); err == nil {
			t.Fatal("a tenant approved its own invoice payment")
		}
		if _, err := svc.ApproveInvoicePayment(storetest.Operator(), ten.ID, m.ID); err != nil {
			t.Fatal(err)
		}
		q, err := svc.Quote(ten.Ctx, ten.ID, standardAnnual(10))
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.Apply(ten.Ctx, ten.ID, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		inv := res.Invoice
		if inv.Status != billing.InvoiceOpen || inv.PaymentKind != billing.MethodInvoice || !strings.Contains(inv.BankDetails, "テスト銀行") ||
			inv.DueAt.Format(time.DateOnly) != "2026-04-30" {
			t.Fatalf("invoice = %+v; want open, bank details, due 2026-04-30", inv)
		}
		_, err = svc.Quote(ten.Ctx, ten.ID, standardAnnual(12))
		wantKind(t, err, errs.FailedPrecondition, "contact sales")
		advanced := billing.QuoteInput{Terms: billing.Terms{Plan: "advanced", Contract: billing.Annual, Licenses: 10}, MailDomain: "acme.works.example"}
		env.Clock.Advance(50 * 24 * time.Hour) // 4 May: overdue
		_, err = svc.Quote(ten.Ctx, ten.ID, advanced)
		wantKind(t, err, errs.FailedPrecondition, "overdue")
		if _, err := svc.MarkPaid(storetest.Operator(), inv.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Quote(ten.Ctx, ten.ID, advanced); err != nil {
			t.Fatalf("quote once paid: %v", err)
		}
	})
}

// TestDeclinedRenewal: a card refused at renewal is retried on a schedule;
// after the grace period the contract is past due; a good card ends it.
func TestDeclinedRenewal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		ten := storetest.SignUp(t, env, "acme")
		addCard(t, svc, ten, testcard.ChargeFails)
		q, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.Monthly}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Apply(ten.Ctx, ten.ID, q.ID); err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(17 * 24 * time.Hour) // 1 April: March is billed, the card refuses
		rep, err := svc.Run(context.Background())
		if err != nil || rep.Declined != 1 {
			t.Fatalf("run = %+v, %v; want 1 declined", rep, err)
		}
		for range 3 { // the retries, 1, 3 and 5 days later
			env.Clock.Advance(5 * 24 * time.Hour)
			if _, err := svc.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		sub, _ := svc.Subscription(ten.Ctx, ten.ID)
		if sub.Status != billing.StatusPastDue {
			t.Fatalf("status after the grace period = %s; want past_due", sub.Status)
		}
		if n := mailTemplates(t, env)["payment_failed"]; n != 5 {
			t.Errorf("%d payment_failed mails; want 5 (one per attempt, one for past due)", n)
		}
		addCard(t, svc, ten, testcard.Visa)
		ms, _ := svc.PaymentMethods(ten.Ctx, ten.ID)
		for _, m := range ms {
			if m.Last4 == "4242" {
				if _, err := svc.SetDefault(ten.Ctx, ten.ID, m.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		// The retries were used up; the new default card pays at the next run.
		if rep, err := svc.Run(context.Background()); err != nil || rep.Charged != 1 {
			t.Fatalf("run with the new card = %+v, %v; want 1 charged", rep, err)
		}
		if sub, _ := svc.Subscription(ten.Ctx, ten.ID); sub.Status != billing.StatusActive {
			t.Errorf("status once paid = %s; want active", sub.Status)
		}
	})
}

// TestCreditNoteRefund: on a plan that credits removed licenses at once,
// the credit note's money goes back to the card that paid.
func TestCreditNoteRefund(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		raw, err := os.ReadFile("catalog.json")
		if err != nil {
			t.Fatal(err)
		}
		data := strings.Replace(string(raw), `"reduction": "at_renewal"`, `"reduction": "immediate_credit"`, 1)
		cat, err := billing.ParseCatalog("credit.json", []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		svc.Catalog = cat
		ten := storetest.SignUp(t, env, "acme")
		addCard(t, svc, ten, testcard.Visa)
		var first string
		for _, n := range []int{10, 11, 5} {
			q, err := svc.Quote(ten.Ctx, ten.ID, standardAnnual(n))
			if err != nil {
				t.Fatal(err)
			}
			res, err := svc.Apply(ten.Ctx, ten.ID, q.ID)
			if err != nil {
				t.Fatal(err)
			}
			if n == 10 {
				first = res.Invoice.ID
			}
			if n == 5 {
				cn := res.Invoice
				// 6 licenses × ¥5,400 for the whole term, credited the same day,
				// refunded from the first payment: the second (¥5,940) is too small.
				if cn.Kind != billing.KindCreditNote || cn.Total != -35640 || cn.Status != billing.InvoiceRefunded ||
					!strings.HasPrefix(cn.ChargeID, "re_test_") || cn.OriginalID != first {
					t.Fatalf("credit note = %+v; want -¥35,640 refunded to the card of %s", cn, first)
				}
			}
		}
	})
}

// TestRunBillsEveryBatch: one run bills every subscription due, however
// many batches they take, and one that fails every time (its plan left the
// catalog) is reported without holding up the others, run after run.
func TestRunBillsEveryBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		svc.RunBatch = 2
		var tenants []*storetest.Tenant
		for i := range 5 {
			ten := storetest.SignUp(t, env, fmt.Sprintf("batch%d", i))
			addCard(t, svc, ten, testcard.Visa)
			q, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.Monthly}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Apply(ten.Ctx, ten.ID, q.ID); err != nil {
				t.Fatal(err)
			}
			tenants = append(tenants, ten)
		}
		broken := tenants[0] // the first in id order, so it is read first
		if _, err := env.DB.Writer().Exec(`UPDATE subscriptions SET plan = 'retired' WHERE tenant_id = '` + broken.ID + `'`); err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(40 * 24 * time.Hour)
		for round := range 2 {
			rep, err := svc.Run(context.Background())
			if err == nil || !strings.Contains(err.Error(), broken.ID) {
				t.Errorf("round %d: run error = %v; want the broken subscription %s reported", round, err, broken.ID)
			}
			if want := []int{4, 0}[round]; rep.Renewed != want || rep.Charged != want {
				t.Errorf("round %d: run = %+v; want %d renewed and charged", round, rep, want)
			}
		}
		for _, ten := range tenants[1:] {
			if invs := invoices(t, svc, ten); len(invs) != 1 || invs[0].Status != billing.InvoicePaid {
				t.Errorf("%s: invoices = %+v; want one paid", ten.ID, invs)
			}
		}
	})
}
