package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// portalPassword is the initial password tests give partner users.
const portalPassword = "portal-password-77"

// partnerByForms adds a partner and one user of it, with language lang,
// through the operator's forms, and returns the partner's id.
func partnerByForms(t *testing.T, ops *browser, name, email, lang string) string {
	t.Helper()
	p := ops.post("/ops/partners", url.Values{"name": {name}, "contact_name": {"営業部 佐藤"}, "contact_email": {email},
		"registration": {"T1234567890123"}, "discount_percent": {"20"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/ops/partners/ptn_") {
		t.Fatalf("create partner %s: %d %s\n%.2000s", name, p.Status, p.Location, p.Body)
	}
	id := strings.TrimPrefix(strings.SplitN(p.Location, "?", 2)[0], "/ops/partners/")
	p = ops.post("/ops/partners/"+id+"/users", url.Values{"user_email": {email}, "user_name": {"担当 太郎"},
		"user_language": {lang}, "user_password": {portalPassword}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add partner user %s: %d\n%.2000s", email, p.Status, p.Body)
	}
	return id
}

// TestOpsPartnersForms: an operator adds a partner and a user through the
// forms; refusals show next to their field, in Japanese, with what was
// typed kept; the terms are edited (full-width digits read as digits); the
// partner is suspended, which shuts its users out, and reactivated.
func TestOpsPartnersForms(t *testing.T) {
	s, _, ops := startOps(t)
	p := ops.post("/ops/partners", url.Values{"name": {"ABC 株式会社"}, "contact_email": {"sales@abc.example.jp"}, "registration": {"T123"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad registration number: %d, want 422", p.Status)
	}
	wantIn(t, "refused partner", p.Body, `id="f-registration-error"`, "登録番号「T123」が正しくありません", `value="ABC 株式会社"`,
		`value="sales@abc.example.jp"`, `aria-invalid="true"`)

	id := partnerByForms(t, ops, "ABC 株式会社", "sales@abc.example.jp", "en")
	p = ops.get("/ops/partners")
	wantIn(t, "partners list", p.Body, `href="/ops/partners/`+id+`">ABC 株式会社</a>`, "営業部 佐藤", "20%", "有効", `aria-current="page"`)
	p = ops.get("/ops/partners/" + id + "?flash=ops_partner_user_added")
	wantIn(t, "partner page", p.Body, "パートナーユーザーを追加しました", "sales@abc.example.jp", "担当 太郎", "英語",
		`value="T1234567890123"`, `id="partner-suspend"`, "パートナー経由で契約している顧客はまだありません。")

	for _, c := range []struct {
		name, path string
		form       url.Values
		field, msg string
	}{
		{"discount not a number", "", url.Values{"name": {"ABC 株式会社"}, "contact_email": {"sales@abc.example.jp"}, "discount_percent": {"abc"}},
			"discount_percent", "卸値の割引率(abc%)は0から100の整数で入力してください。"},
		{"discount over 100", "", url.Values{"name": {"ABC 株式会社"}, "contact_email": {"sales@abc.example.jp"}, "discount_percent": {"101"}},
			"discount_percent", "0から100の整数"},
		{"short password", "/users", url.Values{"user_email": {"new@abc.example.jp"}, "user_name": {"新人"}, "user_language": {"ja"}, "user_password": {"short"}},
			"user_password", "8文字"},
		{"e-mail taken", "/users", url.Values{"user_email": {"SALES@abc.example.jp"}, "user_name": {"二人目"}, "user_language": {"ja"}, "user_password": {portalPassword}},
			"user_email", "すでにパートナーユーザーとして登録されています"},
		{"no name", "/users", url.Values{"user_email": {"new@abc.example.jp"}, "user_language": {"ja"}, "user_password": {portalPassword}},
			"user_name", "ユーザーの名前を100文字以内で入力してください。"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := ops.post("/ops/partners/"+id+c.path, c.form)
			if p.Status < 400 {
				t.Fatalf("%d, want a refusal", p.Status)
			}
			wantIn(t, c.name, p.Body, `id="f-`+c.field+`-error"`, c.msg)
			if n := strings.Count(p.Body, `role="alert"`); n != 1 {
				t.Errorf("%d alerts, want the one next to %s", n, c.field)
			}
		})
	}

	p = ops.post("/ops/partners/"+id, url.Values{"name": {"ABC 商事"}, "contact_name": {"営業部"}, "contact_email": {"sales@abc.example.jp"},
		"discount_percent": {"２５"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("save partner: %d\n%.2000s", p.Status, p.Body)
	}
	p = ops.follow(p)
	wantIn(t, "saved partner", p.Body, "パートナーの登録内容を保存しました。", "<h1>ABC 商事", `value="25"`, `id="f-registration" name="registration" type="text" value=""`)

	edit := url.Values{"name": {"ABC 商事"}, "contact_email": {"sales@abc.example.jp"}, "discount_percent": {"25"}, "prices": {"standard/annual"}}
	p = ops.post("/ops/partners/"+id, edit)
	wantIn(t, "unreadable price list", p.Body, `id="f-prices-error"`, "価格表の1行目が読めません")
	edit.Set("prices", "standard/weekly 300")
	wantIn(t, "unknown plan and contract", ops.post("/ops/partners/"+id, edit).Body, `id="f-prices-error"`, "販売しているプランと契約ではありません")
	edit.Set("prices", "\nstandard/annual ３００\n\nadvanced/monthly 900")
	if p := ops.post("/ops/partners/"+id, edit); p.Status != http.StatusSeeOther {
		t.Fatalf("save the price list: %d\n%.2000s", p.Status, p.Body)
	}
	wantIn(t, "saved price list", ops.get("/ops/partners/"+id).Body, "advanced/monthly 900\nstandard/annual 300</textarea>")

	p = ops.post("/ops/partners/"+id+"/users", url.Values{"user_email": {"invited@abc.example.jp"}, "user_name": {"招待 花子"}, "user_language": {"ja"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("invite a partner user: %d\n%.2000s", p.Status, p.Body)
	}
	if n := apptest.CountRows(t, s.App.Config.DatabaseURL, `SELECT COUNT(*) FROM mails WHERE template = 'partner_user_invited' AND to_addr = ?`,
		"invited@abc.example.jp"); n != 1 {
		t.Fatalf("invitation mails: got %d, want 1", n)
	}

	ops.post("/ops/partners/"+id+"/suspend", url.Values{})
	wantIn(t, "suspended partner", ops.get("/ops/partners/"+id).Body, "停止中", `id="partner-reactivate"`)
	user := newBrowser(t, s)
	if p := user.post("/partner/login", url.Values{"email": {"sales@abc.example.jp"}, "password": {portalPassword}}); p.Status == http.StatusSeeOther {
		t.Fatalf("a suspended partner's user signed in")
	} else {
		wantIn(t, "suspended sign-in", p.Body, "このパートナーのご利用は停止されています。")
	}
	ops.post("/ops/partners/"+id+"/reactivate", url.Values{})
	signInPartner(t, user, "sales@abc.example.jp")
}

// TestOpsPartnersUnknown: a partner id that does not exist is 404 on the
// page and on every form.
func TestOpsPartnersUnknown(t *testing.T) {
	_, _, ops := startOps(t)
	if p := ops.get("/ops/partners/ptn_nope"); p.Status != http.StatusNotFound {
		t.Errorf("GET an unknown partner: %d, want 404", p.Status)
	}
	for _, path := range []string{"", "/suspend", "/reactivate", "/users"} {
		form := url.Values{"name": {"X"}, "contact_email": {"x@example.jp"}, "user_email": {"x@example.jp"}, "user_name": {"X"},
			"user_language": {"ja"}, "user_password": {portalPassword}}
		if p := ops.post("/ops/partners/ptn_nope"+path, form); p.Status != http.StatusNotFound {
			t.Errorf("POST /ops/partners/ptn_nope%s: %d, want 404", path, p.Status)
		}
	}
}

// TestOpsPartnersBothLanguages renders the operator's partner pages in
// Japanese and English: headings, labels and column names are in the
// page's language only.
func TestOpsPartnersBothLanguages(t *testing.T) {
	_, _, ops := startOps(t)
	id := partnerByForms(t, ops, "パートナー", "sales@abc.example.jp", "ja")
	for _, path := range []string{"/ops/partners", "/ops/partners/" + id} {
		for _, lang := range []string{"ja", "en"} {
			ops.setLang(lang)
			p := ops.get(path)
			if p.Status != http.StatusOK {
				t.Fatalf("%s (%s): %d", path, lang, p.Status)
			}
			wantOneLanguage(t, path, lang, p.Body, "パートナー", "sales@abc.example.jp")
		}
	}
}

var (
	// labelled are the texts a page names things by: its title, headings,
	// column names, labels, buttons and help.
	labelled = regexp.MustCompile(`(?s)<(title|h1|h2|h3|th|label|button|p class="help")\b[^>]*>(.*?)</(?:title|h1|h2|h3|th|label|button|p)>`)
	tags     = regexp.MustCompile(`<[^>]*>`)
	// latinWord is a word of the Latin alphabet: no Japanese name on a page
	// has one but the product's, the sample code's and ID (ログインID).
	latinWord = regexp.MustCompile(`[A-Za-z]{2,}`)
)

// wantOneLanguage fails when a name on the page (see labelled) is not in
// lang: English words on a Japanese page, Japanese on an English one. The
// data, which is in no language, is left out.
func wantOneLanguage(t *testing.T, path, lang, body string, data ...string) {
	t.Helper()
	if !strings.Contains(body, `<html lang="`+lang+`">`) {
		t.Errorf("%s (%s): the page is not in %s", path, lang, lang)
	}
	checked := 0
	for _, m := range labelled.FindAllStringSubmatch(body, -1) {
		text := html.UnescapeString(tags.ReplaceAllString(m[2], " "))
		for _, d := range append(data, "Kanri", "ERV", "English", "日本語", "PQLZ", "T1234567890123", "ID") {
			text = strings.ReplaceAll(text, d, "")
		}
		checked++
		if lang == "ja" && latinWord.MatchString(text) || lang == "en" && japaneseText.MatchString(text) {
			t.Errorf("%s (%s): <%s> is not in %s: %q", path, lang, m[1], lang, strings.TrimSpace(text))
		}
	}
	if checked < 5 {
		t.Errorf("%s (%s): only %d names found to check", path, lang, checked)
	}
}
