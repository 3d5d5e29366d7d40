package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
)

// TestPermissions: members without roles see only themselves, a
// member_manager manages members but not roles, only the super admin hands
// on the super-admin role, and the super admin's status cannot change.
func TestPermissions(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		adminRole, managerRole := builtinRole(t, s, a, "admin"), builtinRole(t, s, a, "member_manager")
		plain := addMember(t, s, a.ID, a.AdminToken, "plain", "Plain Member", memberPassword)
		manager := addMember(t, s, a.ID, a.AdminToken, "manager", "Member Manager", memberPassword, managerRole)
		admin := addMember(t, s, a.ID, a.AdminToken, "second", "Second Admin", memberPassword, adminRole)
		plainTok := s.Login(plain.LoginID, memberPassword)
		managerTok := s.Login(manager.LoginID, memberPassword)
		adminTok := s.Login(admin.LoginID, memberPassword)
		sales := addDepartment(t, s, a.ID, a.AdminToken, "Sales")

		type step struct {
			name   string
			req    apptest.Request
			status int
		}
		run := func(steps []step) {
			t.Helper()
			for _, st := range steps {
				res := s.Do(st.req)
				if res.Status != st.status {
					t.Errorf("%s: %s %s: got status %d, want %d; body: %s", st.name, st.req.Method, st.req.Path, res.Status, st.status, clip(res.Body))
					continue
				}
				if st.status >= 400 {
					checkProblem(t, res, st.status)
				}
			}
		}
		run([]step{
			// A member without roles.
			{"plain: list members", apptest.Request{Method: "GET", Path: tpath(a.ID, "/members"), Token: plainTok}, 403},
			{"plain: own member", apptest.Request{Method: "GET", Path: tpath(a.ID, "/members/", plain.ID), Token: plainTok}, 200},
			{"plain: another member", apptest.Request{Method: "GET", Path: tpath(a.ID, "/members/", manager.ID), Token: plainTok}, 403},
			{"plain: own tenant", apptest.Request{Method: "GET", Path: tpath(a.ID), Token: plainTok}, 200},
			{"plain: change tenant", apptest.Request{Method: "PATCH", Path: tpath(a.ID), Token: plainTok, Body: map[string]any{"company_name": "Mine"}}, 403},
			{"plain: roles", apptest.Request{Method: "GET", Path: tpath(a.ID, "/roles"), Token: plainTok}, 403},
			{"plain: audit", apptest.Request{Method: "GET", Path: tpath(a.ID, "/audit-events"), Token: plainTok}, 403},
			{"plain: add member", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: plainTok, Body: map[string]any{"login_id": "x", "display_name": "X"}}, 403},
			{"plain: own sessions", apptest.Request{Method: "GET", Path: tpath(a.ID, "/sessions"), Token: plainTok}, 200},
			{"plain: sign out everyone", apptest.Request{Method: "POST", Path: tpath(a.ID, "/sessions/revoke"), Token: plainTok}, 403},
			{"plain: sign out another member", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/", manager.ID, "/sessions/revoke"), Token: plainTok}, 403},
			{"plain: grant itself a role", apptest.Request{Method: "PATCH", Path: tpath(a.ID, "/members/", plain.ID), Token: plainTok, Body: map[string]any{"role_ids": []string{adminRole}}}, 403},

			// The built-in member_manager role.
			{"manager: list members", apptest.Request{Method: "GET", Path: tpath(a.ID, "/members"), Token: managerTok}, 200},
			{"manager: add member", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: managerTok, Body: map[string]any{"login_id": "newbie", "display_name": "Newbie"}}, 201},
			{"manager: edit a member", apptest.Request{Method: "PATCH", Path: tpath(a.ID, "/members/", plain.ID), Token: managerTok, Body: map[string]any{"department_id": sales}}, 200},
			{"manager: create role", apptest.Request{Method: "POST", Path: tpath(a.ID, "/roles"), Token: managerTok, Body: map[string]any{"name": "mine", "permissions": []string{"members.manage"}}}, 403},
			{"manager: add an admin", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: managerTok, Body: map[string]any{"login_id": "boss", "display_name": "Boss", "role_ids": []string{adminRole}}}, 403},
			{"manager: grant admin", apptest.Request{Method: "PATCH", Path: tpath(a.ID, "/members/", plain.ID), Token: managerTok, Body: map[string]any{"role_ids": []string{adminRole}}}, 403},
			{"manager: grant itself admin", apptest.Request{Method: "PATCH", Path: tpath(a.ID, "/members/", manager.ID), Token: managerTok, Body: map[string]any{"role_ids": []string{managerRole, adminRole}}}, 403},
			{"manager: change tenant", apptest.Request{Method: "PATCH", Path: tpath(a.ID), Token: managerTok, Body: map[string]any{"company_name": "Mine"}}, 403},
			{"manager: audit", apptest.Request{Method: "GET", Path: tpath(a.ID, "/audit-events"), Token: managerTok}, 403},
			{"manager: suspend the super admin", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/", a.AdminID, "/suspend"), Token: managerTok}, 409},
			{"manager: suspend itself", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/", manager.ID, "/suspend"), Token: managerTok}, 409},
			{"manager: transfer super admin", apptest.Request{Method: "POST", Path: tpath(a.ID, "/super-admin"), Token: managerTok, Body: map[string]any{"member_id": manager.ID}}, 403},

			// An admin with every permission is still not the super admin.
			{"admin: transfer super admin", apptest.Request{Method: "POST", Path: tpath(a.ID, "/super-admin"), Token: adminTok, Body: map[string]any{"member_id": admin.ID}}, 403},
			{"admin: create role", apptest.Request{Method: "POST", Path: tpath(a.ID, "/roles"), Token: adminTok, Body: map[string]any{"name": "auditors", "permissions": []string{"audit.read"}}}, 201},
			{"admin: change a built-in role", apptest.Request{Method: "PATCH", Path: tpath(a.ID, "/roles/", managerRole), Token: adminTok, Body: map[string]any{"name": "member_manager", "permissions": []string{"members.manage", "roles.manage"}}}, 409},
			{"admin: delete a built-in role", apptest.Request{Method: "DELETE", Path: tpath(a.ID, "/roles/", adminRole), Token: adminTok}, 409},
			{"super admin: transfer to a member without roles", apptest.Request{Method: "POST", Path: tpath(a.ID, "/super-admin"), Token: a.AdminToken, Body: map[string]any{"member_id": plain.ID}}, 409},
		})

		// The super admin's status cannot change, whoever asks.
		for _, verb := range []string{"/suspend", "/deactivate", "/reactivate"} {
			for _, tok := range []string{adminTok, a.AdminToken} {
				expectProblem(t, s, http.StatusConflict, apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/", a.AdminID, verb), Token: tok})
			}
		}
		expectProblem(t, s, http.StatusConflict, apptest.Request{Method: "DELETE", Path: tpath(a.ID, "/members/", a.AdminID), Token: adminTok})

		// Transfer: the old super admin becomes an admin with the admin role.
		res := expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: tpath(a.ID, "/super-admin"), Token: a.AdminToken, Body: map[string]any{"member_id": admin.ID}})
		if got := decode[api.Member](t, res); got.ID != admin.ID || !got.SuperAdmin {
			t.Errorf("transfer answered %+v, want %s as super admin", got, admin.ID)
		}
		old := decode[api.Member](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/members/", a.AdminID), Token: adminTok}))
		if old.SuperAdmin || !slices.Contains(old.RoleIDs, adminRole) || old.Status != "active" {
			t.Errorf("old super admin: got super_admin=%v roles=%v status=%s, want an active admin with the admin role", old.SuperAdmin, old.RoleIDs, old.Status)
		}
		supers := 0
		for _, m := range listAll[api.Member](t, s, adminTok, tpath(a.ID, "/members")) {
			if m.SuperAdmin {
				supers++
				if m.ID != admin.ID {
					t.Errorf("super admin after the transfer: got %s, want %s", m.ID, admin.ID)
				}
			}
		}
		if supers != 1 {
			t.Errorf("got %d super admins, want exactly 1", supers)
		}
		// The old super admin's token now acts as a mere admin, the new one's as super admin.
		run([]step{
			{"old super admin: transfer back", apptest.Request{Method: "POST", Path: tpath(a.ID, "/super-admin"), Token: a.AdminToken, Body: map[string]any{"member_id": a.AdminID}}, 403},
			{"old super admin: still an admin", apptest.Request{Method: "GET", Path: tpath(a.ID, "/members"), Token: a.AdminToken}, 200},
			{"new super admin: suspend the old one", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/", a.AdminID, "/suspend"), Token: adminTok}, 200},
			{"new super admin: reactivate the old one", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/", a.AdminID, "/reactivate"), Token: adminTok}, 200},
		})
		// Suspending revoked the old super admin's sessions; as an admin it
		// signs in again and cannot suspend the new super admin.
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: tpath(a.ID), Token: a.AdminToken})
		expectProblem(t, s, http.StatusConflict, apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/", admin.ID, "/suspend"),
			Token: s.Login("admin@acme.works.example", apptest.Password)})
		events := listAll[api.AuditEvent](t, s, adminTok, tpath(a.ID, "/audit-events?action=member.super_admin"))
		if got := actions(events); !slices.Equal(got, []string{"member.super_admin_granted", "member.super_admin_resigned"}) &&
			!slices.Equal(got, []string{"member.super_admin_resigned", "member.super_admin_granted"}) {
			t.Errorf("transfer audit events: got %v, want granted and resigned", got)
		}
	})
}
