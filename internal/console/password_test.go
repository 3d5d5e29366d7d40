package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/jobs"
	"github.com/kanri/kanri/internal/notify"
)

var resetLinkRE = regexp.MustCompile(`http://127\.0\.0\.1(/reset-password\?token=pwr_[0-9A-Za-z]+)`)

// resetLink returns the path of the newest reset mail's link to address,
// once the requests' jobs have run.
func resetLink(t *testing.T, s *apptest.Server, address string) string {
	t.Helper()
	s.Work(jobs.PasswordResetArgs{}.Kind())
	mails, err := s.App.DB.ListMails(context.Background(), notify.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mails { // newest first
		if m.Template == "password_reset" && m.To == address {
			if l := resetLinkRE.FindStringSubmatch(m.Text); l != nil {
				return l[1]
			}
		}
	}
	t.Fatalf("no reset mail to %s", address)
	return ""
}

// TestConsoleForgotPassword: the sign-in page links to "forgot password";
// the request answers alike for any login id; the mailed link opens the
// reset page, which refuses two different passwords and then sets one.
func TestConsoleForgotPassword(t *testing.T) {
	s, ten := start(t)
	v := newBrowser(t, s)
	wantIn(t, "sign-in page", v.get("/admin/login").Body, `href="/forgot-password"`, "パスワードを忘れた方")
	wantIn(t, "forgot page", v.get("/forgot-password").Body, `action="/forgot-password"`, `autocomplete="username"`, "再設定用のリンクを送信")
	for _, login := range []string{"admin@" + ten.Domain, "nobody@" + ten.Domain} {
		p := v.post("/forgot-password", url.Values{"login_id": {login}})
		if p.Status != http.StatusSeeOther || p.Location != "/forgot-password?flash=password_reset_sent" {
			t.Fatalf("forgot %s: %d → %q", login, p.Status, p.Location)
		}
	}
	wantIn(t, "after the request", v.follow(&page{Location: "/forgot-password?flash=password_reset_sent"}).Body, "メールをご確認ください")
	if p := v.post("/forgot-password", url.Values{"login_id": {" "}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("an empty login id: %d, want 422", p.Status)
	}

	link := resetLink(t, s, "admin@acme.example.com")
	form := v.get(link)
	wantIn(t, "reset page", form.Body, `name="token"`, `autocomplete="new-password"`, "新しいパスワード(確認)")
	token, _ := url.ParseQuery(link[len("/reset-password?"):])
	p := v.post("/reset-password", url.Values{"token": token["token"], "password": {"a new and quiet river"}, "password_again": {"a new and quiet rivre"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("two different passwords: %d, want 422", p.Status)
	}
	wantIn(t, "mismatch", p.Body, "確認用のパスワードが一致しません", `id="f-password_again-error"`, `aria-invalid="true"`)
	p = v.post("/reset-password", url.Values{"token": token["token"], "password": {"a new and quiet river"}, "password_again": {"a new and quiet river"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/login?login_id="+url.QueryEscape("admin@"+ten.Domain)+"&flash=password_reset_done" {
		t.Fatalf("reset: %d → %q\n%s", p.Status, p.Location, p.Body)
	}
	wantIn(t, "sign-in page after the reset", v.follow(p).Body, "新しいパスワードを設定しました")
	v.signIn("admin@"+ten.Domain, "a new and quiet river")
	p = v.post("/reset-password", url.Values{"token": token["token"], "password": {"another river"}, "password_again": {"another river"}})
	if p.Status != http.StatusNotFound {
		t.Errorf("the link again: %d, want 404", p.Status)
	}
	wantIn(t, "the link again", p.Body, "このパスワード再設定用のリンクは使えません(使用済みか、期限切れです)")
}

// TestConsoleForgotPasswordEnglish: the pages in English, and a form from
// another site is refused.
func TestConsoleForgotPasswordEnglish(t *testing.T) {
	s, _ := start(t)
	v := newBrowser(t, s)
	v.setLang("en")
	wantIn(t, "forgot page", v.get("/forgot-password").Body, "Forgot your password", "Send the reset link")
	wantIn(t, "reset page", v.get("/reset-password?token=x").Body, "Choose a new password", "New password, again")
	if p := v.postWith("/forgot-password", url.Values{"login_id": {"a@b.example"}}, http.Header{"Sec-Fetch-Site": {"cross-site"}}); p.Status != http.StatusForbidden {
		t.Errorf("a cross-site request: %d, want 403", p.Status)
	}
}

// TestConsoleChangePassword: the profile links to パスワード変更; a wrong
// current password is refused next to its field; a change signs out the
// other browsers and keeps this one.
func TestConsoleChangePassword(t *testing.T) {
	s, ten := start(t)
	b, other := newBrowser(t, s), newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	other.signIn("admin@"+ten.Domain, apptest.Password)
	wantIn(t, "profile", b.get("/admin/profile").Body, `href="/admin/profile/password"`, "パスワード変更")
	wantIn(t, "change page", b.get("/admin/profile/password").Body, `autocomplete="current-password"`, `autocomplete="new-password"`, "現在のパスワード")

	p := b.post("/admin/profile/password", url.Values{"current_password": {"wrong"}, "new_password": {"a new and quiet river"}, "new_password_again": {"a new and quiet river"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong current password: %d, want 422", p.Status)
	}
	wantIn(t, "refusal", p.Body, `id="f-current_password-error"`, "現在のパスワードが正しくありません")
	p = b.post("/admin/profile/password", url.Values{"current_password": {apptest.Password}, "new_password": {"aaaaaaaa"}, "new_password_again": {"aaaaaaaa"}})
	wantIn(t, "aaaaaaaa", p.Body, `id="f-new_password-error"`, "パスワードが同じ文字の繰り返しになっています")
	p = b.post("/admin/profile/password", url.Values{"current_password": {apptest.Password}, "new_password": {"a new and quiet river"}, "new_password_again": {"a new and quiet river"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/profile?flash=password_changed" {
		t.Fatalf("change: %d → %q\n%s", p.Status, p.Location, p.Body)
	}
	wantIn(t, "profile after the change", b.follow(p).Body, "パスワードを変更しました")
	if p := other.get("/admin"); p.Status != http.StatusSeeOther {
		t.Errorf("the other browser after the change: %d, want a redirect to sign in", p.Status)
	}
}

// TestConsoleAdminPasswordReset: a member's page offers パスワードリセット;
// its confirmation page posts; a member_manager may not reset the super
// admin and sees why.
func TestConsoleAdminPasswordReset(t *testing.T) {
	s, ten := start(t)
	var roles []struct{ ID, Name string }
	s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID + "/roles", Token: ten.AdminToken}).Decode(t, &roles)
	var manager string
	for _, r := range roles {
		if r.Name == "member_manager" {
			manager = r.ID
		}
	}
	var m struct{ ID string }
	s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members", Token: ten.AdminToken,
		Body: map[string]any{"login_id": "hanako", "display_name": "山田 花子", "email": "hanako@example.com", "password": "hanako-password-1",
			"role_ids": []string{manager}}}).Decode(t, &m)
	admin := newBrowser(t, s)
	admin.signIn("admin@"+ten.Domain, apptest.Password)
	wantIn(t, "member page", admin.get("/admin/members/"+m.ID).Body, `href="/admin/members/`+m.ID+`/password-reset"`, "パスワードリセット")
	wantIn(t, "confirmation", admin.get("/admin/members/"+m.ID+"/password-reset").Body, "hanako@example.com", "24時間有効", `method="post"`)
	p := admin.post("/admin/members/"+m.ID+"/password-reset", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/members/"+m.ID+"?flash=password_reset_mailed" {
		t.Fatalf("reset: %d → %q\n%s", p.Status, p.Location, p.Body)
	}
	wantIn(t, "member page after", admin.follow(p).Body, "リンクをメンバーに送信しました")
	resetLink(t, s, "hanako@example.com")

	hanako := newBrowser(t, s)
	hanako.signIn("hanako@"+ten.Domain, "hanako-password-1")
	p = hanako.post("/admin/members/"+ten.AdminID+"/password-reset", nil)
	if p.Status != http.StatusForbidden {
		t.Fatalf("member_manager resets the super admin: %d, want 403", p.Status)
	}
	wantIn(t, "refusal", p.Body, "最高管理者のパスワードは、最高管理者本人しかリセットできません")
}
