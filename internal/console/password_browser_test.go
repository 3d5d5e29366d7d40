package console_test

import (
	"net/http"
	"testing"
)

// TestBrowserForgotPassword resets a password in Chromium from the mail:
// "forgot password" on the sign-in page, the link read from the mailbox,
// the new password chosen on its page, and a sign-in with it.
func TestBrowserForgotPassword(t *testing.T) {
	t.Parallel()
	s, ten := start(t)
	b := newTab(t, s.URL)

	b.open("/admin/login")
	if st := b.submit("#login-forgot"); st != http.StatusOK {
		t.Fatalf("open forgot password: %d at %s", st, b.location())
	}
	b.fill("#f-login_id", "admin@"+ten.Domain)
	b.shot("forgot-filled")
	if st := b.submit("#forgot-submit"); st != http.StatusOK {
		t.Fatalf("request the link: %d at %s", st, b.location())
	}
	b.wantText(".flash", "メールをご確認ください")
	b.shot("forgot-sent")

	if st := b.open(resetLink(t, s, "admin@acme.example.com")); st != http.StatusOK {
		t.Fatalf("open the mailed link: %d", st)
	}
	b.fill("#f-password", "a new and quiet river")
	b.fill("#f-password_again", "a new and quiet rivre")
	if st := b.submit("#reset-submit"); st != http.StatusUnprocessableEntity {
		t.Fatalf("two different passwords: %d, want 422", st)
	}
	b.waitVisible("#f-password_again-error")
	b.shot("reset-mismatch")
	b.fill("#f-password", "a new and quiet river")
	b.fill("#f-password_again", "a new and quiet river")
	if st := b.submit("#reset-submit"); st != http.StatusOK {
		t.Fatalf("set the password: %d at %s", st, b.location())
	}
	b.wantText(".flash", "新しいパスワードを設定しました")
	if got := b.value("#f-login_id"); got != "admin@"+ten.Domain {
		t.Fatalf("sign-in form's login id: %q", got)
	}
	b.shot("reset-done")

	if st := b.typeAndEnter("#f-password", "a new and quiet river"); st != http.StatusOK {
		b.shot("login-refused")
		t.Fatalf("sign in with the new password: %d at %s", st, b.location())
	}
	b.wantText("h1.greeting", "こんにちは")
	b.shot("signed-in")
}
