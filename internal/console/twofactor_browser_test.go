package console_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/clock"
)

// TestBrowserTwoFactor turns two-step verification on in Chromium — the QR
// code is an image the page's CSP lets load, the key is read off the page
// and its code typed in — then signs out and in again with a code.
func TestBrowserTwoFactor(t *testing.T) {
	t.Parallel()
	s, ten := startWithClock(t)
	b := newTab(t, s.URL)
	login := "admin@" + ten.Domain

	b.open("/admin/login")
	b.fill("#f-login_id", login)
	if st := b.typeAndEnter("#f-password", apptest.Password); st != http.StatusOK {
		t.Fatalf("sign in: %d at %s", st, b.location())
	}
	b.submit(`nav.menu a[href="/admin/two-factor"]`)
	b.wantText("h1", "2段階認証")
	if st := b.submit("#two-factor-start"); st != http.StatusOK {
		t.Fatalf("set up: %d at %s", st, b.location())
	}
	b.waitJS(`document.getElementById("two-factor-qr").complete && document.getElementById("two-factor-qr").naturalWidth > 0`)
	secret := b.text("#two-factor-secret")
	b.shot("two-factor-qr")
	if st := b.typeAndEnter("#f-code", otpCode(t, s, secret)); st != http.StatusOK {
		t.Fatalf("turn on: %d at %s", st, b.location())
	}
	b.wantText(".flash", "2段階認証を有効にしました")
	if codes := b.text("#recovery-codes"); strings.Count(codes, "-") != 10 {
		t.Errorf("recovery codes shown: %q, want 10", codes)
	}
	b.shot("recovery-codes")

	// Sign out, and in again: the password, then a code of the next step.
	s.App.Clock.(*clock.Adjustable).Set(s.App.Clock.Now().Add(30 * time.Second))
	b.submit("#sign-out")
	b.fill("#f-login_id", login)
	if st := b.typeAndEnter("#f-password", apptest.Password); st != http.StatusOK {
		t.Fatalf("password step: %d at %s", st, b.location())
	}
	b.wantText("h1", "2段階認証")
	b.shot("second-step")
	if st := b.typeAndEnter("#f-code", otpCode(t, s, secret)); st != http.StatusOK {
		t.Fatalf("second step: %d at %s", st, b.location())
	}
	if got := b.location(); !strings.HasSuffix(got, "/admin") {
		t.Errorf("after the second step: at %s, want /admin", got)
	}
	b.wantText("#my-profile", login)
}
