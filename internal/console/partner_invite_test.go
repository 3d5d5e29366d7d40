package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/partner"
)

// TestPartnerInvitePage: an invited partner user opens the mail's link,
// is refused a short password in Japanese, chooses one, and signs in to
// the portal with it.
func TestPartnerInvitePage(t *testing.T) {
	t.Parallel()
	s, _ := start(t)
	name := "ABC 株式会社"
	ops := auth.WithActor(context.Background(), &auth.Actor{Kind: auth.KindOperator, ID: "opr_test"})
	p, err := s.App.Services.Partners.Create(ops, partner.Fields{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.App.Services.Partners.AddUser(ops, p.ID, partner.NewUser{Email: "sales@abc.example.jp", Name: "営業担当", Language: "ja"})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, s)
	b.setLang("ja")
	wantIn(t, "invitation page", b.get("/partner/accept?token="+url.QueryEscape(u.InvitationToken)).Body, `action="/partner/accept"`, "パスワード")
	form := url.Values{"token": {u.InvitationToken}, "password": {"short"}}
	if pg := b.post("/partner/accept", form); pg.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a short password: got %d, want 422", pg.Status)
	}
	form.Set("password", portalPassword)
	if pg := b.post("/partner/accept", form); pg.Status != http.StatusSeeOther || pg.Location != "/partner/login?flash=invite_done" {
		t.Fatalf("accepted: got %d to %q", pg.Status, pg.Location)
	}
	signInPartner(t, b, "sales@abc.example.jp")
}
