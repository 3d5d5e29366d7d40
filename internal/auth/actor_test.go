package auth_test

import (
	"context"
	"testing"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// TestRequireRefusals: the refusals of Require read in Japanese and name
// the missing permission by the console's label for it.
func TestRequireRefusals(t *testing.T) {
	t.Parallel()
	member := auth.WithActor(context.Background(), &auth.Actor{Kind: auth.KindMember, ID: "mem_1", TenantID: "ten_1",
		Permissions: []auth.Permission{auth.PermAuditRead}})
	_, needs := auth.Require(member, "ten_1", auth.PermMembersManage)
	_, superAdmin := auth.RequireSuperAdmin(member, "ten_1")
	_, anonymous := auth.Require(context.Background(), "ten_1")
	tests := []struct {
		name     string
		err      error
		kind     errs.Kind
		ja, en   string
		wantCode string
	}{
		{"a permission missing", needs, errs.PermissionDenied,
			"この操作には「メンバーの管理」の権限が必要です。最高管理者に、この権限を含む管理者権限の付与を依頼してください。",
			`this needs the "Manage members" permission: ask your super admin for a role that has it`, "auth.permission_needed"},
		{"not the super admin", superAdmin, errs.PermissionDenied,
			"この操作は最高管理者だけが行えます。最高管理者に依頼してください。", "only the super admin can do this", "auth.super_admin_only"},
		{"not signed in", anonymous, errs.Unauthenticated,
			"先にログインしてください(ベアラートークンまたはセッションのクッキーを送ってください)。",
			"sign in first: send a bearer token or a session cookie", "auth.sign_in_first"},
	}
	for _, tt := range tests {
		e, ok := errs.As(tt.err)
		if !ok || e.Kind != tt.kind || e.Code != tt.wantCode {
			t.Errorf("%s: got %v, want %v %s", tt.name, tt.err, tt.kind, tt.wantCode)
			continue
		}
		if got := e.Message("ja"); got != tt.ja {
			t.Errorf("%s in Japanese:\n got %q\nwant %q", tt.name, got, tt.ja)
		}
		if got := e.Message("en"); got != tt.en {
			t.Errorf("%s in English:\n got %q\nwant %q", tt.name, got, tt.en)
		}
	}
	// Programs read the permission as a catalog key, not as words.
	if e, _ := errs.As(needs); e == nil || e.Params["permission"] != i18n.Term("roles.perm.members.manage") {
		t.Errorf("permission parameter: got %v, want the term roles.perm.members.manage", e)
	}
}

// TestEveryPermissionHasALabel: a refusal can name any permission.
func TestEveryPermissionHasALabel(t *testing.T) {
	t.Parallel()
	for _, p := range auth.AllPermissions {
		if !i18n.Messages().Has(string(p.Label())) {
			t.Errorf("permission %s: the message catalog has no %s", p, p.Label())
		}
	}
}
