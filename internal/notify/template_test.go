package notify_test

import (
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/notify"
)

func loadTemplates(t *testing.T) *notify.Templates {
	t.Helper()
	tpl, err := notify.LoadTemplates()
	if err != nil {
		t.Fatalf("LoadTemplates: %v", err)
	}
	return tpl
}

func sampleData() notify.MailData {
	return notify.MailData{
		CompanyName:   "株式会社デモ",
		WorksGroup:    "demo",
		MemberName:    "山田 太郎",
		LoginID:       "taro@demo.example.jp",
		ConsoleURL:    "https://kanri.example.jp/console",
		InvitationURL: "https://kanri.example.jp/invitations/inv_123?token=abc&x=1",
		ExpiresAt:     "2026年12月1日 18:00",
		OtherName:     "佐藤 花子",
		Domain:        "example.co.jp",
		OldDomain:     "demo.works.example",
	}
}

func TestTemplatesNames(t *testing.T) {
	t.Parallel()
	got := loadTemplates(t).Names()
	want := []string{"domain_expired", "domain_primary_changed", "domain_verified", "member_added", "super_admin_granted", "super_admin_resigned"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
}

// TestRenderEveryTemplate renders every template in both languages, and
// member_added also without the optional invitation fields.
func TestRenderEveryTemplate(t *testing.T) {
	t.Parallel()
	tpl := loadTemplates(t)
	active := sampleData()
	active.InvitationURL, active.ExpiresAt = "", ""
	for _, name := range tpl.Names() {
		for _, lang := range []string{"ja", "en"} {
			for variant, data := range map[string]notify.MailData{"": sampleData(), "_active": active} {
				if variant != "" && name != "member_added" {
					continue
				}
				t.Run(lang+"/"+name+variant, func(t *testing.T) {
					t.Parallel()
					r, err := tpl.Render(name, lang, data)
					if err != nil {
						t.Fatalf("Render(%q, %q): %v", name, lang, err)
					}
					checkRendered(t, r, data)
				})
			}
		}
	}
}

func checkRendered(t *testing.T, r notify.Rendered, data notify.MailData) {
	t.Helper()
	if r.Subject == "" || r.Text == "" || r.HTML == "" {
		t.Fatalf("Render() = %+v, want a subject, a text and an HTML part", r)
	}
	if !strings.Contains(r.Subject, data.CompanyName) {
		t.Errorf("subject %q, want it to name the company %q", r.Subject, data.CompanyName)
	}
	for _, part := range []string{r.Text, r.HTML} {
		for _, want := range []string{data.MemberName, data.ConsoleURL} {
			if !strings.Contains(part, want) {
				t.Errorf("part lacks %q:\n%s", want, part)
			}
		}
	}
	if strings.Contains(r.Text, "<no value>") || strings.Contains(r.HTML, "<no value>") {
		t.Errorf("a part shows <no value>:\n%s\n%s", r.Text, r.HTML)
	}
}

func TestRenderInvitationText(t *testing.T) {
	t.Parallel()
	tpl := loadTemplates(t)
	tests := []struct {
		name          string
		lang          string
		invitationURL string
		want, notWant []string
	}{
		{"ja invited", "ja", "https://kanri.example.jp/inv", []string{"パスワードを設定してください", "https://kanri.example.jp/inv", "2026年12月1日 18:00"}, []string{"管理者から案内されたパスワード"}},
		{"ja active", "ja", "", []string{"管理者から案内されたパスワード", "taro@demo.example.jp"}, []string{"有効期限"}},
		{"en invited", "en", "https://kanri.example.jp/inv", []string{"choose your password", "https://kanri.example.jp/inv", "expires on 2026年12月1日 18:00"}, []string{"your administrator gave you"}},
		{"en active", "en", "", []string{"the password your administrator gave you", "taro@demo.example.jp"}, []string{"expires"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := sampleData()
			data.InvitationURL = tt.invitationURL
			if tt.invitationURL == "" {
				data.ExpiresAt = ""
			}
			r, err := tpl.Render("member_added", tt.lang, data)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, r.Text)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(r.Text, w) || strings.Contains(r.HTML, w) {
					t.Errorf("mail contains %q, want not:\n%s", w, r.Text)
				}
			}
		})
	}
}

func TestRenderLanguage(t *testing.T) {
	t.Parallel()
	tpl := loadTemplates(t)
	tests := []struct {
		lang, want string
	}{
		{"ja", "【Kanri】株式会社デモ のメンバーに追加されました"},
		{"en", "[Kanri] You were added to 株式会社デモ"},
		{"en-US", "[Kanri] You were added to 株式会社デモ"},
		{"EN", "[Kanri] You were added to 株式会社デモ"},
		{"fr", "【Kanri】株式会社デモ のメンバーに追加されました"},
		{"", "【Kanri】株式会社デモ のメンバーに追加されました"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			t.Parallel()
			r, err := tpl.Render("member_added", tt.lang, sampleData())
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject != tt.want {
				t.Errorf("subject = %q, want %q", r.Subject, tt.want)
			}
		})
	}
}

func TestRenderJapaneseSubjects(t *testing.T) {
	t.Parallel()
	tpl := loadTemplates(t)
	want := map[string]string{
		"member_added":         "メンバーに追加されました",
		"super_admin_granted":  "最高管理者権限が委任されました",
		"super_admin_resigned": "最高管理者権限を委任しました",
	}
	for _, name := range tpl.Names() {
		r, err := tpl.Render(name, "ja", sampleData())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(r.Subject, "【Kanri】") || !strings.Contains(r.Subject, want[name]) {
			t.Errorf("%s subject = %q, want 【Kanri】… %s", name, r.Subject, want[name])
		}
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	tpl := loadTemplates(t)
	type partial struct{ CompanyName string }
	tests := []struct {
		name, template string
		data           any
	}{
		{"unknown template", "no_such_mail", sampleData()},
		{"missing map key", "member_added", map[string]string{"CompanyName": "株式会社デモ"}},
		{"missing struct field", "super_admin_granted", partial{CompanyName: "株式会社デモ"}},
		{"nil data", "member_added", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if r, err := tpl.Render(tt.template, "ja", tt.data); err == nil {
				t.Fatalf("Render(%q) = %+v, nil; want an error", tt.template, r)
			}
		})
	}
}

func TestRenderEscapesHTMLOnly(t *testing.T) {
	t.Parallel()
	tpl := loadTemplates(t)
	data := sampleData()
	data.MemberName = `<script>alert("x")</script>`
	data.InvitationURL = "javascript:alert(1)"
	for _, lang := range []string{"ja", "en"} {
		r, err := tpl.Render("member_added", lang, data)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r.HTML, "<script>") || !strings.Contains(r.HTML, "&lt;script&gt;") {
			t.Errorf("%s HTML does not escape the name:\n%s", lang, r.HTML)
		}
		if strings.Contains(r.HTML, `href="javascript:`) {
			t.Errorf("%s HTML links to a javascript: URL:\n%s", lang, r.HTML)
		}
		if !strings.Contains(r.Text, data.MemberName) {
			t.Errorf("%s text lacks the literal name %q:\n%s", lang, data.MemberName, r.Text)
		}
	}
}

func TestRenderSubjectIsOneLine(t *testing.T) {
	t.Parallel()
	tpl := loadTemplates(t)
	names := []string{
		"a\r\nBcc: evil@x",
		"a\nBcc: evil@x",
		"a\rBcc: evil@x",
		"\r\n\r\nbody",
		"a\tb\vc\fd\u0085e\u2028f\x00g\x1bh",
	}
	for _, lang := range []string{"ja", "en"} {
		for _, tmpl := range tpl.Names() {
			for _, n := range names {
				data := sampleData()
				data.CompanyName = n
				data.MemberName = n
				data.OtherName = n
				r, err := tpl.Render(tmpl, lang, data)
				if err != nil {
					t.Fatal(err)
				}
				if strings.ContainsAny(r.Subject, "\r\n\x00\x1b\u0085\u2028") {
					t.Errorf("%s/%s subject %q contains a line break or control character", lang, tmpl, r.Subject)
				}
				if r.Subject != strings.TrimSpace(r.Subject) || strings.Contains(r.Subject, "  ") {
					t.Errorf("%s/%s subject %q has untidy whitespace", lang, tmpl, r.Subject)
				}
			}
		}
	}
	data := sampleData()
	data.CompanyName = "a\r\nBcc: evil@x"
	r, err := tpl.Render("member_added", "ja", data)
	if err != nil {
		t.Fatal(err)
	}
	if want := "【Kanri】a Bcc: evil@x のメンバーに追加されました"; r.Subject != want {
		t.Errorf("subject = %q, want %q", r.Subject, want)
	}
}
