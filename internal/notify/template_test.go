package notify_test

import (
	"strings"
	"testing"
	"time"

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
		ExpiresAt:     time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
		Zone:          time.FixedZone("JST", 9*3600),
		OtherName:     "佐藤 花子",
		Domain:        "example.co.jp",
		OldDomain:     "demo.works.example",
		PlanName:      "スタンダード",
		Contract:      "年間契約",
		Licenses:      50,
		Effective:     "2026/03/15",
		InvoiceNumber: "KNR-000123",
		Amount:        "¥59,400",
		InvoiceURL:    "https://kanri.example.jp/console/billing/invoices/KNR-000123?download=pdf&x=1",
		DueDate:       "2026/04/30",
		BankDetails:   "デモ銀行 本店営業部\n普通 1234567\nカンリデモ(カ",
		Reason:        "カードの有効期限が切れています。新しいカードを登録してください。",
		ResetURL:      "https://kanri.example.jp/reset-password?token=pwr_abc&x=1",
		PartnerName:   "ABC 株式会社",
		At:            time.Date(2026, 3, 14, 13, 22, 41, 0, time.UTC),
	}
}

func TestTemplatesNames(t *testing.T) {
	t.Parallel()
	got := loadTemplates(t).Names()
	want := []string{"domain_expired", "domain_primary_changed", "domain_verified", "invoice_issued", "member_added",
		"partner_approval_needed", "partner_switched", "partner_user_invited", "password_reset", "payment_failed", "subscription_canceled", "subscription_changed", "super_admin_granted", "super_admin_resigned"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
}

// TestRenderEveryTemplate renders every template in both languages, and
// some also without their optional fields: member_added without the
// invitation, subscription_changed for a monthly contract (no licenses),
// invoice_issued paid by card (no due date or bank details).
func TestRenderEveryTemplate(t *testing.T) {
	t.Parallel()
	tpl := loadTemplates(t)
	active := sampleData()
	active.InvitationURL, active.ExpiresAt = "", time.Time{}
	monthly := sampleData()
	monthly.Contract, monthly.Licenses = "月契約", 0
	card := sampleData()
	card.DueDate, card.BankDetails = "", ""
	variants := map[string]map[string]notify.MailData{
		"member_added":         {"_active": active},
		"subscription_changed": {"_monthly": monthly},
		"invoice_issued":       {"_card": card},
	}
	for _, name := range tpl.Names() {
		for _, lang := range []string{"ja", "en"} {
			for variant, data := range map[string]notify.MailData{"": sampleData(), "_active": active, "_monthly": monthly, "_card": card} {
				if _, ok := variants[name][variant]; variant != "" && !ok {
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
		{"ja invited", "ja", "https://kanri.example.jp/inv", []string{"パスワードを設定してください", "https://kanri.example.jp/inv", "2026-12-01 18:00 JST"}, []string{"管理者から案内されたパスワード"}},
		{"ja active", "ja", "", []string{"管理者から案内されたパスワード", "taro@demo.example.jp"}, []string{"有効期限"}},
		{"en invited", "en", "https://kanri.example.jp/inv", []string{"choose your password", "https://kanri.example.jp/inv", "expires on 2026-12-01 18:00 JST"}, []string{"your administrator gave you"}},
		{"en active", "en", "", []string{"the password your administrator gave you", "taro@demo.example.jp"}, []string{"expires"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := sampleData()
			data.InvitationURL = tt.invitationURL
			if tt.invitationURL == "" {
				data.ExpiresAt = time.Time{}
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

// TestRenderBillingOptionalFields checks that the optional billing lines
// appear only when their fields are set.
func TestRenderBillingOptionalFields(t *testing.T) {
	t.Parallel()
	tpl := loadTemplates(t)
	annual := sampleData()
	monthly := sampleData()
	monthly.Licenses = 0
	invoice := sampleData()
	card := sampleData()
	card.DueDate, card.BankDetails = "", ""
	tests := []struct {
		name, template, lang string
		data                 notify.MailData
		want, htmlWant       []string // in the text, in the HTML
		notWant              []string // in neither
	}{
		{"ja annual", "subscription_changed", "ja", annual, []string{"ライセンス数：50", "スタンダード", "年間契約", "2026/03/15"}, []string{"ライセンス数</td>", ">50</td>"}, nil},
		{"ja monthly", "subscription_changed", "ja", monthly, []string{"スタンダード", "2026/03/15"}, []string{"スタンダード", "2026/03/15"}, []string{"ライセンス数"}},
		{"en annual", "subscription_changed", "en", annual, []string{"Licenses: 50"}, []string{"Licenses</td>", ">50</td>"}, nil},
		{"en monthly", "subscription_changed", "en", monthly, []string{"Effective: 2026/03/15"}, nil, []string{"Licenses"}},
		{"ja invoice", "invoice_issued", "ja", invoice, []string{"KNR-000123", "¥59,400（税込）", "2026/04/30 までに", "デモ銀行 本店営業部\n普通 1234567\nカンリデモ(カ"},
			[]string{"KNR-000123", "¥59,400</strong>（税込）", "2026/04/30</strong> までに", ">デモ銀行 本店営業部\n普通 1234567\nカンリデモ(カ</pre>", `href="https://kanri.example.jp/console/billing/invoices/KNR-000123?download=pdf&amp;x=1"`},
			[]string{"クレジットカード"}},
		{"ja card", "invoice_issued", "ja", card, []string{"KNR-000123", "ご登録のクレジットカード"}, []string{"KNR-000123", "ご登録のクレジットカード"}, []string{"お振り込み", "お支払い期限", "<pre"}},
		{"en invoice", "invoice_issued", "en", invoice, []string{"by 2026/04/30", "デモ銀行 本店営業部\n普通 1234567"}, []string{"2026/04/30</strong>", ">デモ銀行 本店営業部\n普通 1234567"}, []string{"credit card"}},
		{"en card", "invoice_issued", "en", card, []string{"credit card on file"}, []string{"credit card on file"}, []string{"transfer", "Due date", "<pre"}},
		{"ja canceled", "subscription_canceled", "ja", annual, []string{"2026/03/15", "解約を取り消せます", "7 年間"}, []string{"2026/03/15", "解約を取り消せます", "7 年間"}, nil},
		{"ja payment failed", "payment_failed", "ja", annual, []string{"¥59,400", "カードの有効期限が切れています", "決済方法の管理"}, []string{"¥59,400", "カードの有効期限が切れています", "決済方法の管理"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := tpl.Render(tt.template, tt.lang, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, r.Text)
				}
			}
			for _, w := range tt.htmlWant {
				if !strings.Contains(r.HTML, w) {
					t.Errorf("HTML lacks %q:\n%s", w, r.HTML)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(r.Text, w) || strings.Contains(r.HTML, w) {
					t.Errorf("mail contains %q, want not:\n%s\n%s", w, r.Text, r.HTML)
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
		"member_added":          "メンバーに追加されました",
		"super_admin_granted":   "最高管理者権限が委任されました",
		"super_admin_resigned":  "最高管理者権限を委任しました",
		"subscription_changed":  "ご契約内容が変更されました",
		"subscription_canceled": "解約を受け付けました",
		"invoice_issued":        "請求書を発行しました（KNR-000123）",
		"payment_failed":        "クレジットカード決済ができませんでした",
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

// TestRenderPasswordReset: the link and its expiry are in both parts; a
// link the member asked for says to ignore a mail they did not expect, one
// an admin asked for names the admin and says the old password still works.
func TestRenderPasswordReset(t *testing.T) {
	t.Parallel()
	tpl := loadTemplates(t)
	self := sampleData()
	self.OtherName = ""
	tests := []struct {
		name, lang    string
		data          notify.MailData
		want, notWant []string
	}{
		{"ja self", "ja", self, []string{"パスワードの再設定が依頼されたため", "2026-12-01 18:00 JST", "お心当たりのない場合"}, []string{"佐藤 花子", "これまでのパスワード"}},
		{"ja admin", "ja", sampleData(), []string{"管理者（佐藤 花子 様）の依頼により", "これまでのパスワードでもログインできます"}, []string{"お心当たりのない場合"}},
		{"en self", "en", self, []string{"Someone asked to reset your password", "expires on 2026-12-01 18:00 JST", "ignore this mail"}, []string{"佐藤 花子"}},
		{"en admin", "en", sampleData(), []string{"(佐藤 花子) asked us", "current password keeps working"}, []string{"ignore this mail"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := tpl.Render("password_reset", tt.lang, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range append(tt.want, "https://kanri.example.jp/reset-password?token=pwr_abc&x=1") {
				if !strings.Contains(r.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, r.Text)
				}
			}
			if !strings.Contains(r.HTML, `href="https://kanri.example.jp/reset-password?token=pwr_abc&amp;x=1"`) {
				t.Errorf("HTML lacks the link:\n%s", r.HTML)
			}
			for _, w := range tt.notWant {
				if strings.Contains(r.Text, w) || strings.Contains(r.HTML, w) {
					t.Errorf("mail contains %q, want not:\n%s", w, r.Text)
				}
			}
		})
	}
}
