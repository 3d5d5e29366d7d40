package console_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/dnscheck/dnstest"
)

// TestBrowserDomains walks the seed's domain change in Chromium: sign up,
// sign in, 基本設定 > ドメイン, ドメイン追加 with a domain, the TXT record
// read off step 2 and published on a test DNS server, 所有権の確認 →
// 使用中, プライマリドメインに変更 → ドメイン変更; once the job has run, the
// page's own polling lands on the sign-in page, the new login id signs in
// with the same password, and the new domain is (基本).
func TestBrowserDomains(t *testing.T) {
	t.Parallel()
	dns := dnstest.Start(t)
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), func(c *app.Config) { c.DNSResolver = dns.Addr })
	b := newTab(t, s.URL)

	b.open("/signup")
	b.fill("#f-works_group", "domain-co")
	b.fill("#f-company_name", "ドメイン株式会社")
	b.fill("#f-phone", "03-1234-5678")
	b.fill("#f-admin_login_id", "taro")
	b.fill("#f-admin_name", "山田 太郎")
	b.fill("#f-admin_email", "taro@domain-co.example.com")
	b.fill("#f-admin_password", apptest.Password)
	if st := b.submit("#signup-submit"); st != http.StatusOK {
		t.Fatalf("sign up: %d at %s", st, b.location())
	}
	if st := b.typeAndEnter("#f-password", apptest.Password); st != http.StatusOK {
		t.Fatalf("sign in: %d at %s", st, b.location())
	}

	// 基本設定 > ドメイン, from the menu.
	b.submit(`nav.menu a[href="/admin/settings/domains"]`)
	b.wantText(".crumbs", "基本設定")
	b.wantText("#domains", "domain-co.works.example (基本)")
	b.wantText("#domains", "使用中")
	b.shot("domains-list")

	// ドメイン追加: 1 ドメインを入力 → 完了 → 2 所有権の確認.
	b.submit("#domain-add")
	b.fill("#f-name", "Domain-Co.example")
	b.shot("domain-add")
	if st := b.submit("#domain-add-submit"); st != http.StatusOK {
		b.shot("domain-add-refused")
		t.Fatalf("add domain: %d at %s", st, b.location())
	}
	b.wantText(".flash", "ドメインを追加しました")
	b.wantText("#domain-deadline", "ドメイン所有権の確認期限")
	b.waitVisible("#txt-value-copy") // kanri.js shows the コピー buttons
	b.click("#txt-value-copy")
	txtName, txtValue := b.text("#txt-name"), b.text("#txt-value")
	b.waitJS(`document.querySelector("#txt-value-copy").textContent === "コピーしました" || getSelection().toString() === ` + strconv.Quote(txtValue))
	b.shot("domain-records")

	// Publish the record, then 所有権の確認.
	dns.SetTXT(txtName, []string{txtValue})
	if st := b.submit("#domain-verify-submit"); st != http.StatusOK {
		t.Fatalf("verify: %d at %s", st, b.location())
	}
	b.wantText(".flash", "ドメインの所有権を確認しました。")
	b.wantText("#domains", "domain-co.example サブメールドメイン")
	b.shot("domain-verified")

	// プライマリドメインに変更 → the warnings → ドメイン変更.
	b.submit(`#domains a[id^="domain-primary-"]`)
	b.wantText("#primary-warnings", "【重要!ご注意ください】")
	b.wantText("#login-after", "taro@domain-co.example")
	b.shot("domain-primary-confirm")
	if st := b.submit("#domain-primary-submit"); st != http.StatusOK {
		t.Fatalf("ドメイン変更: %d at %s", st, b.location())
	}
	b.wantText("#domain-change", "プライマリドメイン変更中")
	if got := b.text("#domains"); strings.Count(got, "プライマリドメイン変更中") != 2 {
		t.Fatalf("while changing, the list reads %q", got)
	}
	b.shot("domain-changing")

	// The worker's part; the page polls every 2 seconds and finds itself
	// signed out.
	changes, err := s.App.DB.OpenChanges(context.Background())
	if err != nil || len(changes) != 1 {
		t.Fatalf("open changes: %d, %v", len(changes), err)
	}
	if err := s.App.Services.Domains.RunChange(context.Background(), changes[0].ID); err != nil {
		t.Fatal(err)
	}
	b.waitVisible("#login-submit") // a query, unlike waitJS, outlives the navigation
	if loc := b.location(); !strings.Contains(loc, "/admin/login?next=") {
		t.Fatalf("after the change: %s, want the sign-in page", loc)
	}
	b.shot("signed-out")

	b.fill("#f-login_id", "taro@domain-co.example")
	if st := b.typeAndEnter("#f-password", apptest.Password); st != http.StatusOK {
		b.shot("login-refused")
		t.Fatalf("sign in with the new login id: %d at %s", st, b.location())
	}
	if !strings.HasSuffix(b.location(), "/admin/settings/domains") {
		t.Fatalf("after signing in again: %s, want the domain list", b.location())
	}
	b.wantText("#domains tbody tr:first-child", "domain-co.example (基本)")
	b.wantText("#domain-change", "プライマリドメインの変更完了")
	b.shot("domain-primary-done")
}
