package member_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestRoleAuditSnapshots: role changes are recorded with before/after in the
// trail's snake_case shape, like every other snapshot.
func TestRoleAuditSnapshots(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		r, err := svc.CreateRole(ten.Ctx, ten.ID, member.RoleInput{Name: "readers", Permissions: []string{"audit.read"}})
		must(t, "create role", err)
		_, err = svc.UpdateRole(ten.Ctx, ten.ID, r.ID, member.RoleInput{Name: "auditors", Permissions: []string{"audit.read"}})
		must(t, "update role", err)
		events, err := env.DB.ListAuditEvents(t.Context(), audit.Filter{TenantID: ten.ID, Action: "role.", Limit: 10})
		must(t, "list audit", err)
		type snap struct {
			Name        string   `json:"name"`
			Permissions []string `json:"permissions"`
		}
		decode := func(raw []byte) *snap {
			if raw == nil {
				return nil
			}
			var v snap
			must(t, "decode "+string(raw), json.Unmarshal(raw, &v))
			return &v
		}
		got := map[string][2]*snap{}
		for _, e := range events {
			got[e.Action] = [2]*snap{decode(e.Before), decode(e.After)}
		}
		readers, auditors := &snap{"readers", []string{"audit.read"}}, &snap{"auditors", []string{"audit.read"}}
		want := map[string][2]*snap{"role.created": {nil, readers}, "role.updated": {readers, auditors}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("role audit before/after (-want +got):\n%s", diff)
		}
	})
}
