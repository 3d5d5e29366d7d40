package console_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestBrowserDirectory walks, in Chromium and in Japanese, the seed's
// 部署 deletion with reassignment: メンバー > 部署 from the menu, 削除 on
// 営業部 (a member and a sub-department), 部署をもう一度割り当てる with
// 総務部 chosen, 割り当てて削除する; then a new 条件 through its preview:
// 条件の追加, the form, 変更内容を確認 listing the member who gains, and
// the confirmation. axe-core checks each page.
func TestBrowserDirectory(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), nil)
	ten := s.Signup("directory-co")
	api := membersAPI{t: t, s: s, ten: ten}
	sales := api.create("/departments", map[string]any{"name": "営業部"})
	tokyo := api.create("/departments", map[string]any{"name": "東京営業所", "parent_id": sales})
	general := api.create("/departments", map[string]any{"name": "総務部"})
	chief := api.create("/positions", map[string]any{"name": "課長"})
	hanako := api.add(map[string]any{"login_id": "hanako", "display_name": "佐藤 花子", "password": "hanako-password-1",
		"department_id": sales, "position_id": chief})
	b := newTab(t, s.URL)
	axe := axeSource(t)

	b.open("/admin/login")
	b.fill("#f-login_id", "admin@"+ten.Domain)
	if st := b.typeAndEnter("#f-password", apptest.Password); st != http.StatusOK {
		t.Fatalf("sign in: %d at %s", st, b.location())
	}
	b.submit(`nav.menu a[href="/admin/departments"]`)
	b.wantText(".crumbs", "メンバー")
	b.wantText("#department-"+sales, "営業部")
	b.wantText("#department-"+tokyo, "東京営業所")
	b.shot("departments")
	wantAccessible(b, axe, "部署")

	b.submit("#department-delete-" + sales)
	b.wantText("#reassign-heading", "部署をもう一度割り当てる")
	b.wantText("#delete-effect", "1人のメンバーと1個の下位部署があります")
	b.wantText("#reassign-submit", "割り当てて削除する")
	b.shot("department-delete")
	wantAccessible(b, axe, "部署の削除")
	b.do("choose 総務部", chromedp.SetValue(chromedp.CSS("#f-reassign_to"), general))
	if st := b.submit("#reassign-submit"); st != http.StatusOK {
		t.Fatalf("割り当てて削除する: %d at %s", st, b.location())
	}
	b.wantText(".flash", "部署を削除し、メンバーと下位部署を移動しました")
	b.wantText("#department-"+general, "1人")
	b.shot("department-reassigned")
	if got := api.get(hanako); got.DepartmentID != general {
		t.Fatalf("hanako's department after the reassignment: %q, want 総務部", got.Department)
	}

	b.submit(`nav.menu a[href="/admin/rules"]`)
	b.wantText("#rules-none", "条件はまだありません")
	wantAccessible(b, axe, "条件")
	b.submit("#rule-new")
	b.fill("#f-name", "課長ルール")
	b.do("choose 課長", chromedp.SetValue(chromedp.CSS("#f-match"), "position:"+chief))
	b.click("#feature-mail")
	b.shot("rule-form")
	wantAccessible(b, axe, "条件の追加")
	if st := b.submit("#rule-preview"); st != http.StatusOK {
		t.Fatalf("変更内容を確認: %d at %s", st, b.location())
	}
	b.wantText("#preview-lead", "条件「課長ルール」を追加すると")
	b.wantText("#preview-gained", "付与されるメンバー: 1人")
	b.wantText("#gained-list", "hanako@directory-co.works.example")
	b.shot("rule-preview")
	wantAccessible(b, axe, "変更内容の確認")
	if st := b.submit("#rule-confirm"); st != http.StatusOK {
		t.Fatalf("条件を追加する: %d at %s", st, b.location())
	}
	b.wantText(".flash", "条件を追加し、メンバーに反映しました。")
	b.wantText("#rules", "役職「課長」")
	b.shot("rule-added")
	if got := api.get(hanako).RuleID; got == "" {
		t.Error("hanako has no rule after the confirmation")
	}
}
