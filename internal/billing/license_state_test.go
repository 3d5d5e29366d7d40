package billing_test

import (
	"context"

	"testing"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/testcard"
)

// TestWithdrawScheduledReduction: a member holding licenses.manage alone
// reads the contract and its card (LicenseState), schedules 35 → 32 for
// the renewal and withdraws it; a member without the permission may do
// neither, and a scheduled downgrade is the super admin's to withdraw.
func TestWithdrawScheduledReduction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		ten := storetest.SignUp(t, env, "acme")
		addCard(t, svc, ten, testcard.Visa)
		applyAs(t, svc, ten.Ctx, ten.ID, standardAnnual(35))
		licenses := storetest.NewRole(t, env, ten.ID, "licenses", false, auth.PermLicensesManage)
		lm := storetest.Actor(t, env, storetest.NewMember(t, env, ten.Tenant, "lm", storetest.MemberOpts{RoleIDs: []string{licenses.ID}}))
		plain := storetest.Actor(t, env, storetest.NewMember(t, env, ten.Tenant, "plain", storetest.MemberOpts{}))

		st, err := svc.LicenseState(lm, ten.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Subscription.Licenses != 35 || st.Method == nil || st.Method.Last4 != "4242" {
			t.Fatalf("license state = %+v, method %+v; want 35 licenses paid by •••• 4242", st.Subscription, st.Method)
		}
		_, err = svc.LicenseState(plain, ten.ID)
		wantKind(t, err, errs.PermissionDenied, "")
		_, err = svc.WithdrawChange(lm, ten.ID)
		wantKind(t, err, errs.FailedPrecondition, "no change is scheduled")

		q := applyAs(t, svc, lm, ten.ID, standardAnnual(32))
		if q.Kind != billing.QuoteReduce || q.Invoicing != billing.InvoiceNone || q.Total != 0 {
			t.Fatalf("35 → 32 = %s, %s, %d; want a reduction at renewal, nothing billed", q.Kind, q.Invoicing, q.Total)
		}
		_, err = svc.WithdrawChange(plain, ten.ID)
		wantKind(t, err, errs.PermissionDenied, "")
		sub, err := svc.WithdrawChange(lm, ten.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Next != nil || sub.Licenses != 35 {
			t.Fatalf("after the withdrawal: %d licenses, next %+v; want 35 and nothing scheduled", sub.Licenses, sub.Next)
		}
		if got := mailTemplates(t, env)["subscription_changed"]; got != 3 {
			t.Errorf("%d subscription_changed mails; want 3 (the upgrade, the reduction, its withdrawal)", got)
		}

		// A downgrade to monthly at renewal is the super admin's change.
		applyAs(t, svc, ten.Ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.Monthly}})
		_, err = svc.WithdrawChange(lm, ten.ID)
		wantKind(t, err, errs.PermissionDenied, "super admin")
		if _, err := svc.WithdrawChange(ten.Ctx, ten.ID); err != nil {
			t.Fatalf("the super admin withdraws the downgrade: %v", err)
		}
	})
}

// applyAs quotes in and applies it as ctx, failing the test on a refusal.
func applyAs(t *testing.T, svc *billing.Service, ctx context.Context, tenantID string, in billing.QuoteInput) *billing.Quote {
	t.Helper()
	q, err := svc.Quote(ctx, tenantID, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Apply(ctx, tenantID, q.ID); err != nil {
		t.Fatal(err)
	}
	return q
}
