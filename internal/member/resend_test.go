package member_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestResendInvitation: a new invitation mail replaces the first one's
// link; members who are not invited, or have no address, are refused.
func TestResendInvitation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		m, added, err := svc.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: "ann", Profile: member.Profile{DisplayName: ptr("Ann"), Email: ptr("ann@example.com")}})
		must(t, "add", err)
		first := added.Token
		_, err = svc.ResendInvitation(ten.Ctx, ten.ID, m.ID)
		must(t, "resend", err)
		mails, err := env.DB.ListMails(context.Background(), notify.Page{Limit: 10})
		must(t, "list mails", err)
		tokenRE := regexp.MustCompile(`/invite\?token=(\S+)`)
		var tokens []string
		for _, ml := range mails {
			if ml.To == "ann@example.com" && ml.Template == "member_added" {
				if link := tokenRE.FindStringSubmatch(ml.Text); link != nil {
					tokens = append(tokens, link[1])
				}
			}
		}
		if len(tokens) != 2 || (tokens[0] != first) == (tokens[1] != first) {
			t.Fatalf("member_added mails to ann: got tokens %q, want the first one and a new one", tokens)
		}
		resent := tokens[0]
		if resent == first {
			resent = tokens[1]
		}
		_, err = svc.AcceptInvitation(context.Background(), first, "a long enough secret")
		wantKind(t, "accept the first invitation", err, errs.NotFound)
		_, err = svc.AcceptInvitation(context.Background(), resent, "a long enough secret")
		must(t, "accept the resent invitation", err)
		if es := events(t, env, ten.ID, "member.invited"); len(es) != 1 || es[0].TargetID != m.ID {
			t.Errorf("member.invited events: got %d, want 1 for %s", len(es), m.ID)
		}

		_, err = svc.ResendInvitation(ten.Ctx, ten.ID, m.ID)
		wantKind(t, "resend to an active member", err, errs.FailedPrecondition)
		quiet, _, err := svc.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: "quiet", Profile: member.Profile{DisplayName: ptr("Quiet")}})
		must(t, "add without e-mail", err)
		_, err = svc.ResendInvitation(ten.Ctx, ten.ID, quiet.ID)
		wantKind(t, "resend without an address", err, errs.FailedPrecondition)
		plain := storetest.NewMember(t, env, ten.Tenant, "plain", storetest.MemberOpts{})
		_, err = svc.ResendInvitation(storetest.Actor(t, env, plain), ten.ID, quiet.ID)
		wantKind(t, "resend by a plain member", err, errs.PermissionDenied)
	})
}
