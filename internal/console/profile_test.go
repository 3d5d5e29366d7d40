package console_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestProfileEdit: a member without admin permissions changes their own
// name and phone on マイプロフィール, and their e-mail only with their
// current password; each refusal is shown next to its field.
func TestProfileEdit(t *testing.T) {
	_, api := setUpMembers(t)
	id := api.add(map[string]any{"login_id": "jiro", "display_name": "鈴木 次郎", "password": "jiro-password-1"})
	b := newBrowser(t, api.s)
	b.signIn("jiro@"+api.ten.Domain, "jiro-password-1")
	p := b.get("/admin/profile")
	wantStatus(t, "profile", p, http.StatusOK)
	wantIn(t, "profile", p.Body, `action="/admin/profile"`, `name="display_name" type="text" value="鈴木 次郎"`, `name="current_password" type="password"`,
		"プロフィールの編集", "現在のパスワード")

	p = b.post("/admin/profile", url.Values{"display_name": {"鈴木 二郎"}, "phone": {"090-1234-5678"}, "email": {""}})
	wantStatus(t, "save name and phone", p, http.StatusSeeOther)
	wantIn(t, "after saving", b.follow(p).Body, "プロフィールを保存しました。", `value="鈴木 二郎"`, `value="090-1234-5678"`)

	steps := []struct {
		name, email, password, field string
	}{
		{"e-mail without the password", "jiro@example.com", "", "current_password"},
		{"e-mail with a wrong password", "jiro@example.com", "not-my-password", "current_password"},
		{"an invalid e-mail", "jiro@", "jiro-password-1", "email"},
	}
	for _, st := range steps {
		p = b.post("/admin/profile", url.Values{"display_name": {"鈴木 二郎"}, "email": {st.email}, "current_password": {st.password}})
		wantStatus(t, st.name, p, http.StatusUnprocessableEntity)
		wantIn(t, st.name, p.Body, `id="f-`+st.field+`-error"`, `value="`+st.email+`"`)
		if got := api.get(id).Email; got != "" {
			t.Fatalf("%s: e-mail changed to %q", st.name, got)
		}
	}
	p = b.post("/admin/profile", url.Values{"display_name": {"鈴木 二郎"}, "email": {"jiro@example.com"}, "current_password": {"jiro-password-1"}})
	wantStatus(t, "e-mail with the password", p, http.StatusSeeOther)
	if got := api.get(id); got.Email != "jiro@example.com" || got.DisplayName != "鈴木 二郎" {
		t.Errorf("after the e-mail change: %+v", got)
	}
	p = b.post("/admin/profile", url.Values{"display_name": {"鈴木\u202E二郎"}, "email": {"jiro@example.com"}})
	wantStatus(t, "bidi override in the name", p, http.StatusUnprocessableEntity)
	wantIn(t, "bidi override in the name", p.Body, `id="f-display_name-error"`, "氏名に文字の表示順を変える見えない制御文字")
}

// TestMemberFormRefusesControlCharacters: the admin's member form and the
// CSV import refuse a CRLF, NUL or bidi override naming the field, and a
// name typed decomposed is stored composed.
func TestMemberFormRefusesControlCharacters(t *testing.T) {
	b, api := setUpMembers(t)
	for name, form := range map[string]url.Values{
		"CRLF in the name":     {"login_id": {"ann"}, "display_name": {"Ann\r\nBcc: x@evil.example"}, "email": {"ann@example.com"}},
		"NUL in the name":      {"login_id": {"ann"}, "display_name": {"Ann\x00"}},
		"override in the name": {"login_id": {"ann"}, "display_name": {"Ann\u202Etxt.exe"}},
	} {
		p := b.post("/admin/members/new", form)
		wantStatus(t, name, p, http.StatusUnprocessableEntity)
		wantIn(t, name, p.Body, `id="f-display_name-error"`, "氏名に", "が含まれています。この文字を削除してください。")
	}
	if _, ok := api.list("")["ann@acme.works.example"]; ok {
		t.Error("a refused form added the member")
	}
	p := b.upload("/admin/members/import", "file", "members.csv", []byte("login_id,display_name,department\nann,Ann,\"Sa\r\nles\"\nbob,Bob\x00,\n"), nil)
	wantStatus(t, "import", p, http.StatusUnprocessableEntity)
	wantIn(t, "import", p.Body, "<td>2行目</td>", "部署に制御文字または改行", "<td>4行目</td>", "氏名に制御文字または改行")

	p = b.post("/admin/members/new", url.Values{"login_id": {"jose"}, "display_name": {"Jose\u0301"}})
	wantStatus(t, "NFD name", p, http.StatusSeeOther)
	if got := api.list("invited")["jose@acme.works.example"].DisplayName; got != "Jos\u00e9" {
		t.Errorf("stored name %q, want the NFC form", got)
	}
}

// TestMemberFormOwnEmail: an admin editing themself on the member form is
// asked for their current password to change their e-mail.
func TestMemberFormOwnEmail(t *testing.T) {
	b, api := setUpMembers(t)
	self := "/admin/members/" + api.ten.AdminID
	wantIn(t, "own member form", b.get(self).Body, `name="current_password" type="password"`)
	form := url.Values{"display_name": {"Admin"}, "email": {"boss@example.com"}}
	p := b.post(self, form)
	wantStatus(t, "own e-mail without the password", p, http.StatusUnprocessableEntity)
	wantIn(t, "own e-mail without the password", p.Body, `id="f-current_password-error"`)
	form.Set("current_password", apptest.Password)
	wantStatus(t, "own e-mail with the password", b.post(self, form), http.StatusSeeOther)
	if got := api.get(api.ten.AdminID).Email; got != "boss@example.com" {
		t.Errorf("own e-mail: got %q", got)
	}
}
