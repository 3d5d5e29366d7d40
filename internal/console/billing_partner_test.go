package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/partner"
)

// partnerFor creates a partner named name with one user, as an operator,
// and returns the user's context, in which codes are authenticated.
func partnerFor(t *testing.T, s *apptest.Server, name, email string) context.Context {
	t.Helper()
	svc := s.App.Services.Partners
	ops := auth.WithActor(context.Background(), &auth.Actor{Kind: auth.KindOperator, ID: "opr_test", Name: "ops@vendor.example"})
	p, err := svc.Create(ops, partner.Fields{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.AddUser(ops, p.ID, partner.NewUser{Email: email, Name: "担当者", Language: "ja", Password: portalPassword})
	if err != nil {
		t.Fatal(err)
	}
	return auth.WithActor(context.Background(), &auth.Actor{Kind: auth.KindPartner, ID: u.ID, PartnerID: p.ID, Name: email, IP: "127.0.0.1"})
}

var shownCode = regexp.MustCompile(`<code id="partner-code">(ERV[A-Z0-9]{16})</code>`)

// TestPartnerContractPage walks 購入/請求 > パートナーとの契約 in Japanese
// without a browser: 1 コード発行 → 2 the code and its expiry → the
// partner authenticates it → 3 “ABC 株式会社” with the missing phone
// listed → 承認 asks "are you sure" → OK without a phone is refused on the
// field → with it, 4 switched; 商品の契約/変更 then names the partner.
func TestPartnerContractPage(t *testing.T) {
	t.Parallel()
	s, ten := start(t)
	paidTenant(t, s, ten, 10)
	abc := partnerFor(t, s, "ABC 株式会社", "sales@abc.example.jp")
	b := newBrowser(t, s)
	b.setLang("ja")
	b.signIn("admin@"+ten.Domain, apptest.Password)

	p := b.get("/admin/billing/partner")
	wantIn(t, "step 1", p.Body, `id="partner-step-1" class="current" aria-current="step"`, "最初にパートナーコードを発行してください", "コード発行")
	p = b.follow(b.post("/admin/billing/partner/code", nil))
	wantIn(t, "step 2", p.Body, `id="partner-step-2" class="current"`, "パートナーコードを発行しました", "コード番号", "有効期間")
	m := shownCode.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no code shown:\n%s", p.Body)
	}
	if _, err := s.App.Services.Partners.Authenticate(abc, m[1]); err != nil {
		t.Fatal(err)
	}
	p = b.get("/admin/billing/partner")
	wantIn(t, "step 3", p.Body, `id="partner-step-3" class="current"`, "“ABC 株式会社”によるコード認証が完了しました", `href="#f-phone"`, "電話番号")
	form := url.Values{"works_group": {"acme"}, "company_name": {"acme Inc."}, "phone": {""}, "admin_email": {"admin@acme.works.example"}}
	p = b.post("/admin/billing/partner/approve", form)
	wantIn(t, "are you sure", p.Body, "パートナー契約への切り替えを完了しますが、よろしいですか", `name="confirmed" value="yes"`)
	form.Set("confirmed", "yes")
	p = b.post("/admin/billing/partner/approve", form)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("approval without a phone: got %d, want 422", p.Status)
	}
	wantIn(t, "refused", p.Body, `id="f-phone-error"`, "電話番号を入力してください")
	form.Set("phone", "03-1234-5678")
	p = b.follow(b.post("/admin/billing/partner/approve", form))
	wantIn(t, "step 4", p.Body, `id="partner-step-4" class="current"`, "パートナー契約への切り替えが完了しました", "パートナー「ABC 株式会社」経由のご契約です", "完了日時")
	wantIn(t, "contract page", b.get("/admin/billing").Body, `id="contract-partner"`, "ABC 株式会社")
	wantIn(t, "audit trail", b.get("/admin/audit?action=partner.").Body, "パートナーコードの発行", "パートナーによるコード認証",
		"パートナー契約への切り替えの承認", "パートナー契約への切り替え完了")
	if p := b.post("/admin/billing/partner/code", nil); p.Status != http.StatusConflict {
		t.Fatalf("a code after the switch: got %d, want 409", p.Status)
	}
}

// TestPartnerContractExpired: a code whose expiry has passed is shown as
// expired — step 1 again, naming the code and when it expired (in the
// tenant's zone) and offering a new code — with nothing written; the new
// code is awaiting authentication.
func TestPartnerContractExpired(t *testing.T) {
	t.Parallel()
	s, ten := startWithClock(t)
	clk := s.App.Clock.(*clock.Adjustable)
	clk.Set(time.Date(2027, 3, 14, 10, 0, 0, 0, time.FixedZone("JST", 9*3600)))
	b := newBrowser(t, s)
	b.setLang("ja")
	b.signIn("admin@"+ten.Domain, apptest.Password)
	p := b.follow(b.post("/admin/billing/partner/code", nil))
	m := shownCode.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no code shown:\n%s", p.Body)
	}
	wantIn(t, "issued", p.Body, `id="partner-step-2" class="current"`, "2027.04.13まで")

	clk.Set(time.Date(2027, 4, 13, 10, 1, 0, 0, time.FixedZone("JST", 9*3600)))
	b.signIn("admin@"+ten.Domain, apptest.Password)
	p = b.get("/admin/billing/partner")
	wantIn(t, "expired", p.Body, `id="partner-step-1" class="current"`, `id="partner-expired"`,
		"発行したパートナーコード "+m[1]+" は有効期限(2027/04/13 10:00 JST)が過ぎたため", "新しいコードを発行")
	if strings.Contains(p.Body, "以下のコードを伝え") || strings.Contains(p.Body, `id="partner-code"`) {
		t.Errorf("the expired code is still offered to pass on:\n%s", p.Body)
	}
	b.setLang("en")
	wantIn(t, "expired (en)", b.get("/admin/billing/partner").Body, "The partner code "+m[1]+" expired at Apr 13, 2027 10:00 JST", "Issue a new code")
	b.setLang("ja")

	p = b.follow(b.post("/admin/billing/partner/code", nil))
	n := shownCode.FindStringSubmatch(p.Body)
	if n == nil || n[1] == m[1] {
		t.Fatalf("after issuing again: got %v, want a new code shown:\n%s", n, p.Body)
	}
	wantIn(t, "issued again", p.Body, `id="partner-step-2" class="current"`, "2027.05.13まで")
}
