package tenant_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/tenant"
)

func ptr[T any](v T) *T { return &v }

func updatedEvents(t *testing.T, env *storetest.Env, tenantID string) []*audit.Event {
	t.Helper()
	es, err := env.DB.ListAuditEvents(context.Background(), audit.Filter{TenantID: tenantID, Action: "tenant.updated", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestUpdateRefusesInvalidInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		p     tenant.Profile
		kind  errs.Kind
		field string
		ja    string // the Japanese message an admin reads; "" leaves it unchecked
	}{
		{"phone with letters", tenant.Profile{Phone: ptr("03-CALL-NOW")}, errs.Invalid, "phone",
			"電話番号「03-CALL-NOW」の形式が正しくありません。数字・スペース・ハイフン(-)・かっこ( )で入力してください(先頭に + を付けることもできます)。"},
		{"phone too short", tenant.Profile{Phone: ptr("123")}, errs.Invalid, "phone", ""},
		{"unknown language", tenant.Profile{Language: ptr("de")}, errs.Invalid, "language", ""},
		{"empty language", tenant.Profile{Language: ptr("")}, errs.Invalid, "language", ""},
		{"works group too short", tenant.Profile{WorksGroup: ptr("ab")}, errs.Invalid, "works_group",
			"ワークスグループ名「ab」は使えません。3〜40文字の英小文字・数字・ハイフン(-)で、先頭と末尾は英小文字か数字にしてください。"},
		{"works group with -- at the 3rd and 4th characters", tenant.Profile{WorksGroup: ptr("xn--acme")}, errs.Invalid, "works_group",
			"ワークスグループ名「xn--acme」は使えません。3文字目と4文字目を続けてハイフン(--)にすることはできません(国際化ドメイン名のための形式です)。別の名前にしてください。"},
		{"works group with an underscore", tenant.Profile{WorksGroup: ptr("acme_corp")}, errs.Invalid, "works_group", ""},
		{"works group taken", tenant.Profile{WorksGroup: ptr(" Other ")}, errs.Conflict, "works_group",
			"ワークスグループ名「other」はすでに使われています。別の名前にしてください。"},
		{"company name blank", tenant.Profile{CompanyName: ptr(" ")}, errs.Invalid, "company_name", "会社名を100文字以内で入力してください(空にはできません)。"},
		{"company name too long", tenant.Profile{CompanyName: ptr(strings.Repeat("株", 101))}, errs.Invalid, "company_name", ""},
		{"company name with a line break", tenant.Profile{CompanyName: ptr("Acme\r\nKK")}, errs.Invalid, "company_name", ""},
		{"company name with NUL", tenant.Profile{CompanyName: ptr("Acme\x00")}, errs.Invalid, "company_name", ""},
		{"region with a bidi override", tenant.Profile{Region: ptr("\u202EKanto")}, errs.Invalid, "region", ""},
		{"region with a noncharacter", tenant.Profile{Region: ptr("Kanto\uFFFF")}, errs.Invalid, "region", ""},
		{"unknown notice recipients", tenant.Profile{NoticeRecipients: ptr("everyone")}, errs.Invalid, "notice_recipients", ""},
		{"one bad field among good ones", tenant.Profile{CompanyName: ptr("New"), Region: ptr("Osaka"), Language: ptr("fr")}, errs.Invalid, "language", ""},
	}
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		storetest.SignUp(t, env, "other")
		svc := env.TenantService()
		before, err := env.DB.GetTenant(context.Background(), ten.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				env.Clock.Advance(time.Second)
				_, err := svc.Update(ten.Ctx, ten.ID, tt.p)
				e, ok := errs.As(err)
				if !ok || e.Kind != tt.kind || e.Field != tt.field {
					t.Errorf("Update: got %v (%#v), want kind %v naming field %q", err, e, tt.kind, tt.field)
				} else if got := e.Message("ja"); tt.ja != "" && got != tt.ja {
					t.Errorf("Update: Japanese message\n got %q\nwant %q", got, tt.ja)
				}
				after, err := env.DB.GetTenant(context.Background(), ten.ID)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(before, after); diff != "" {
					t.Errorf("tenant after a refused update (-before +after):\n%s", diff)
				}
			})
		}
		if es := updatedEvents(t, env, ten.ID); len(es) != 0 {
			t.Errorf("tenant.updated events after refused updates: got %d, want none", len(es))
		}
	})
}

func TestUpdateRecordsBeforeAndAfter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.TenantService()
		env.Clock.Advance(time.Hour)
		got, err := svc.Update(ten.Ctx, ten.ID, tenant.Profile{WorksGroup: ptr(" Acme-Japan "), CompanyName: ptr(" Acme Japan KK "),
			Phone: ptr("+81 3-1234-5678"), Language: ptr("en"), Region: ptr("Kanto"), NoticesEnabled: ptr(false),
			NoticeRecipients: ptr(tenant.RecipientsAll)})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := env.DB.GetTenant(context.Background(), ten.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, stored); diff != "" {
			t.Errorf("stored tenant differs from the returned one (-returned +stored):\n%s", diff)
		}
		if !stored.UpdatedAt.Equal(env.Clock.Now()) || stored.WorksGroup != "acme-japan" || stored.CompanyName != "Acme Japan KK" {
			t.Errorf("updated tenant: got %s %q at %v, want acme-japan \"Acme Japan KK\" at %v", stored.WorksGroup, stored.CompanyName, stored.UpdatedAt, env.Clock.Now())
		}

		es := updatedEvents(t, env, ten.ID)
		if len(es) != 1 {
			t.Fatalf("tenant.updated events: got %d, want 1", len(es))
		}
		e := es[0]
		if e.ActorID != ten.Owner.ID || e.TargetType != "tenant" || e.TargetID != ten.ID || !e.OccurredAt.Equal(env.Clock.Now()) {
			t.Errorf("event: got actor %s, target %s %s at %v; want %s, tenant %s at %v",
				e.ActorID, e.TargetType, e.TargetID, e.OccurredAt, ten.Owner.ID, ten.ID, env.Clock.Now())
		}
		decode := func(b json.RawMessage) map[string]any {
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("decode %s: %v", b, err)
			}
			return m
		}
		wantBefore := map[string]any{"works_group": "acme", "company_name": "Company acme", "language": "ja",
			"notices_enabled": true, "notice_recipients": "admins", "time_zone": "Asia/Tokyo", "status": "active"}
		wantAfter := map[string]any{"works_group": "acme-japan", "company_name": "Acme Japan KK", "phone": "+81 3-1234-5678",
			"language": "en", "region": "Kanto", "notices_enabled": false, "notice_recipients": "all", "time_zone": "Asia/Tokyo", "status": "active"}
		if diff := cmp.Diff(wantBefore, decode(e.Before)); diff != "" {
			t.Errorf("event before (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantAfter, decode(e.After)); diff != "" {
			t.Errorf("event after (-want +got):\n%s", diff)
		}
	})
}

func TestTenantAccess(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		other := storetest.SignUp(t, env, "other")
		role := storetest.NewRole(t, env, ten.ID, "members", false, auth.PermMembersManage)
		m := storetest.NewMember(t, env, ten.Tenant, "plain", storetest.MemberOpts{RoleIDs: []string{role.ID}})
		plain := storetest.Actor(t, env, m)
		svc := env.TenantService()

		if _, err := svc.Get(plain, ten.ID); err != nil {
			t.Errorf("Get by a member: got %v, want the tenant", err)
		}
		tests := []struct {
			name string
			err  error
			kind errs.Kind
		}{
			{"Get by another tenant", second(svc.Get(other.Ctx, ten.ID)), errs.NotFound},
			{"Update without tenant.manage", second(svc.Update(plain, ten.ID, tenant.Profile{Region: ptr("x")})), errs.PermissionDenied},
			{"Update by another tenant", second(svc.Update(other.Ctx, ten.ID, tenant.Profile{Region: ptr("x")})), errs.NotFound},
			{"Update signed out", second(svc.Update(context.Background(), ten.ID, tenant.Profile{Region: ptr("x")})), errs.Unauthenticated},
			{"GetAny by a member", second(svc.GetAny(ten.Ctx, ten.ID)), errs.NotFound},
			{"GetAny unknown", second(svc.GetAny(storetest.Operator(), "ten_unknown")), errs.NotFound},
		}
		for _, tt := range tests {
			if got := errs.KindOf(tt.err); tt.err == nil || got != tt.kind {
				t.Errorf("%s: got %v (kind %v), want kind %v", tt.name, tt.err, got, tt.kind)
			}
		}
		if es := updatedEvents(t, env, ten.ID); len(es) != 0 {
			t.Errorf("tenant.updated events after refused updates: got %d, want none", len(es))
		}

		// Operators page through every tenant.
		var ids []string
		cursor := ""
		for range 5 {
			ts, next, err := svc.List(storetest.Operator(), tenant.Filter{After: cursor, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range ts {
				ids = append(ids, x.ID)
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		if len(ids) != 2 || ids[0] == ids[1] {
			t.Errorf("List by an operator, one per page: got %v, want both tenants", ids)
		}
	})
}

func second[T any](_ T, err error) error { return err }

// TestUpdateStoresNFC: company information typed in decomposed form is
// stored composed, so one company name has one spelling.
func TestUpdateStoresNFC(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		_, err := env.TenantService().Update(ten.Ctx, ten.ID, tenant.Profile{CompanyName: ptr("株式会社ハ\u309aン"), Region: ptr("Mu\u0308nchen")})
		if err != nil {
			t.Fatal(err)
		}
		got, err := env.DB.GetTenant(context.Background(), ten.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.CompanyName != "株式会社パン" || got.Region != "M\u00fcnchen" {
			t.Errorf("stored company %q, region %q; want the NFC forms %q, %q", got.CompanyName, got.Region, "株式会社パン", "M\u00fcnchen")
		}
	})
}
