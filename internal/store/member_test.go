package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

func TestMemberCreateGetUpdate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		ten := storetest.NewTenant(t, env, "acme")
		other := storetest.NewTenant(t, env, "other")
		r1 := storetest.NewRole(t, env, ten.ID, "r1", false, auth.PermAuditRead)
		r2 := storetest.NewRole(t, env, ten.ID, "r2", false, auth.PermMembersManage)
		now := env.Clock.Now()
		dept := &member.Department{ID: env.IDs.New("dep"), TenantID: ten.ID, Name: "Sales", CreatedAt: now}
		must(t, "create department", env.DB.CreateDepartment(ctx, dept))
		pos := &member.Position{ID: env.IDs.New("pos"), TenantID: ten.ID, Name: "Lead", CreatedAt: now}
		must(t, "create position", env.DB.CreatePosition(ctx, pos))
		want := &member.Member{ID: env.IDs.New("mem"), TenantID: ten.ID, LoginID: "ann@acme.works.example", DisplayName: "Ann",
			Email: "ann@example.com", Phone: "090-1234-5678", DepartmentID: dept.ID, Department: "Sales", PositionID: pos.ID, Position: "Lead",
			Status: member.StatusInvited, RoleIDs: sortedIDs(r1, r2), ExternalIssuer: "https://line.example", ExternalSubject: "u123", PasswordHash: "",
			InvitationHash: "inv-hash", InvitationExpiresAt: now.Add(time.Hour), CreatedAt: now, UpdatedAt: now}
		must(t, "create member", env.DB.CreateMembers(ctx, []*member.Member{want}))

		for name, get := range map[string]func() (*member.Member, error){
			"GetMember":             func() (*member.Member, error) { return env.DB.GetMember(ctx, ten.ID, want.ID) },
			"GetMemberByLoginID":    func() (*member.Member, error) { return env.DB.GetMemberByLoginID(ctx, want.LoginID) },
			"GetMemberByInvitation": func() (*member.Member, error) { return env.DB.GetMemberByInvitation(ctx, "inv-hash") },
		} {
			got, err := get()
			must(t, name, err)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", name, diff)
			}
		}
		_, err := env.DB.GetMember(ctx, other.ID, want.ID)
		wantKind(t, "GetMember(another tenant's member)", err, errs.NotFound)
		_, err = env.DB.GetMemberByLoginID(ctx, "nobody@acme.works.example")
		wantKind(t, "GetMemberByLoginID(unknown)", err, errs.NotFound)

		want.DisplayName, want.Email, want.Phone = "Ann B", "", ""
		want.DepartmentID, want.Department, want.PositionID, want.Position = "", "", "", ""
		want.Status, want.PasswordHash, want.InvitationHash, want.InvitationExpiresAt = member.StatusActive, "hash", "", time.Time{}
		want.RoleIDs, want.UpdatedAt = []string{r2.ID}, now.Add(time.Minute)
		must(t, "update member", env.DB.UpdateMember(ctx, want))
		got, err := env.DB.GetMember(ctx, ten.ID, want.ID)
		must(t, "get member", err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetMember after UpdateMember (-want +got):\n%s", diff)
		}
		_, err = env.DB.GetMemberByInvitation(ctx, "inv-hash")
		wantKind(t, "GetMemberByInvitation(cleared)", err, errs.NotFound)

		missing := *want
		missing.ID = "mem_missing"
		wantKind(t, "UpdateMember(missing)", env.DB.UpdateMember(ctx, &missing), errs.NotFound)
		foreign := *want
		foreign.TenantID = other.ID
		wantKind(t, "UpdateMember(with another tenant's id)", env.DB.UpdateMember(ctx, &foreign), errs.NotFound)
	})
}

func sortedIDs(rs ...*member.Role) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return ids
}

func TestListMembers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		ten := storetest.NewTenant(t, env, "acme")
		other := storetest.NewTenant(t, env, "other")
		storetest.NewMember(t, env, other, "alice", storetest.MemberOpts{Name: "Alice Other"})
		ids := map[string]string{}
		for _, m := range []struct{ local, name, status string }{
			{"alice", "Alice Smith", member.StatusActive},
			{"alan", "Alan SMITHEE", member.StatusInvited},
			{"a_b", "AB", member.StatusActive},
			{"bob", "Bob Jones", member.StatusSuspended},
			{"carol", "Carol Smith", member.StatusDeleted},
			{"dave", "Dave", member.StatusDeactivated},
			{"erin", "Erin 100%", member.StatusActive},
		} {
			ids[m.local] = storetest.NewMember(t, env, ten, m.local, storetest.MemberOpts{Name: m.name, Status: m.status}).ID
			env.Clock.Advance(time.Millisecond)
		}
		tests := []struct {
			name   string
			filter member.Filter
			want   []string
		}{
			{"every status but deleted", member.Filter{}, []string{"alice", "alan", "a_b", "bob", "dave", "erin"}},
			{"status deleted", member.Filter{Status: member.StatusDeleted}, []string{"carol"}},
			{"status active", member.Filter{Status: member.StatusActive}, []string{"alice", "a_b", "erin"}},
			{"billable: invited, active, suspended", member.Filter{Status: member.FilterBillable}, []string{"alice", "alan", "a_b", "bob", "erin"}},
			{"name substring any case", member.Filter{Name: "smith"}, []string{"alice", "alan"}},
			{"name and status", member.Filter{Name: "SMITH", Status: member.StatusInvited}, []string{"alan"}},
			{"name percent is literal", member.Filter{Name: "0%"}, []string{"erin"}},
			{"login id prefix", member.Filter{LoginID: "al"}, []string{"alice", "alan"}},
			{"login id prefix underscore is literal", member.Filter{LoginID: "a_"}, []string{"a_b"}},
			{"login id prefix is a prefix", member.Filter{LoginID: "lice"}, nil},
			{"full login id", member.Filter{LoginID: "bob@acme.works.example"}, []string{"bob"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var want []string
				for _, l := range tt.want {
					want = append(want, ids[l])
				}
				slices.Sort(want)
				f := tt.filter
				f.TenantID, f.Limit = ten.ID, 2
				var got []string
				for page := 0; page < 10; page++ {
					ms, err := env.DB.ListMembers(ctx, f)
					must(t, "list members", err)
					for _, m := range ms {
						got = append(got, m.ID)
					}
					if len(ms) < f.Limit {
						break
					}
					f.After = ms[len(ms)-1].ID
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("member ids over every page (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestLoginIDUniqueUntilDeleted(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		acme := storetest.NewTenant(t, env, "acme")
		beta := storetest.NewTenant(t, env, "beta")
		ann := storetest.NewMember(t, env, acme, "ann", storetest.MemberOpts{})

		// A login id is local@<primary domain>: within a tenant the local part
		// is unique; across tenants the domains are (one tenant owns a verified
		// name), so the same local part elsewhere is another login id.
		now := env.Clock.Now()
		clash := &member.Member{ID: env.IDs.New("mem"), TenantID: acme.ID, LoginID: ann.LoginID, DisplayName: "Ann Again",
			Status: member.StatusActive, CreatedAt: now, UpdatedAt: now}
		wantKind(t, "CreateMembers(login id taken)", env.DB.CreateMembers(ctx, []*member.Member{clash}), errs.Conflict)
		betaAnn := storetest.NewMember(t, env, beta, "ann", storetest.MemberOpts{})
		if betaAnn.LoginID != "ann@beta.works.example" {
			t.Fatalf("beta's ann has login id %s", betaAnn.LoginID)
		}
		bob := storetest.NewMember(t, env, acme, "bob", storetest.MemberOpts{})
		bob.LoginID = ann.LoginID
		wantKind(t, "UpdateMember(to a taken login id)", env.DB.UpdateMember(ctx, bob), errs.Conflict)

		taken, err := env.DB.TakenLoginIDs(ctx, []string{ann.LoginID, "nobody@acme.works.example"})
		must(t, "taken login ids", err)
		if diff := cmp.Diff(map[string]bool{ann.LoginID: true}, taken); diff != "" {
			t.Errorf("TakenLoginIDs before delete (-want +got):\n%s", diff)
		}

		ann.Status = member.StatusDeleted
		must(t, "delete ann", env.DB.UpdateMember(ctx, ann))
		taken, err = env.DB.TakenLoginIDs(ctx, []string{ann.LoginID})
		must(t, "taken login ids", err)
		if len(taken) != 0 {
			t.Errorf("TakenLoginIDs after delete: got %v, want none", taken)
		}
		must(t, "create member with a freed login id", env.DB.CreateMembers(ctx, []*member.Member{clash}))
		got, err := env.DB.GetMemberByLoginID(ctx, ann.LoginID)
		must(t, "get by login id", err)
		if got.ID != clash.ID {
			t.Errorf("GetMemberByLoginID after the id was freed: got member %s, want %s", got.ID, clash.ID)
		}
	})
}

func TestOneSuperAdminPerTenant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		acme := storetest.NewTenant(t, env, "acme")
		beta := storetest.NewTenant(t, env, "beta")
		owner := storetest.NewMember(t, env, acme, "owner", storetest.MemberOpts{SuperAdmin: true})
		storetest.NewMember(t, env, beta, "owner", storetest.MemberOpts{SuperAdmin: true}) // another tenant: fine

		now := env.Clock.Now()
		second := &member.Member{ID: env.IDs.New("mem"), TenantID: acme.ID, LoginID: "second@acme.works.example", DisplayName: "Second",
			Status: member.StatusActive, SuperAdmin: true, CreatedAt: now, UpdatedAt: now}
		wantKind(t, "CreateMembers(second super admin)", env.DB.CreateMembers(ctx, []*member.Member{second}), errs.Conflict)

		bob := storetest.NewMember(t, env, acme, "bob", storetest.MemberOpts{})
		bob.SuperAdmin = true
		wantKind(t, "UpdateMember(second super admin)", env.DB.UpdateMember(ctx, bob), errs.Conflict)

		got, err := env.DB.GetSuperAdmin(ctx, acme.ID)
		must(t, "get super admin", err)
		if got.ID != owner.ID {
			t.Errorf("GetSuperAdmin: got %s, want %s", got.ID, owner.ID)
		}

		// The super admin must be active.
		owner.Status = member.StatusSuspended
		wantKind(t, "UpdateMember(suspended super admin)", env.DB.UpdateMember(ctx, owner), errs.Invalid)

		// Demote, then promote, in one transaction: the order services use.
		err = env.DB.InTx(ctx, func(ctx context.Context) error {
			owner.Status, owner.SuperAdmin = member.StatusActive, false
			if err := env.DB.UpdateMember(ctx, owner); err != nil {
				return err
			}
			return env.DB.UpdateMember(ctx, bob)
		})
		must(t, "transfer", err)
		got, err = env.DB.GetSuperAdmin(ctx, acme.ID)
		must(t, "get super admin", err)
		if got.ID != bob.ID {
			t.Errorf("GetSuperAdmin after transfer: got %s, want %s", got.ID, bob.ID)
		}
	})
}

func TestMemberRolesStayInTenant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		acme := storetest.NewTenant(t, env, "acme")
		beta := storetest.NewTenant(t, env, "beta")
		own := storetest.NewRole(t, env, acme.ID, "own", false, auth.PermAuditRead)
		foreign := storetest.NewRole(t, env, beta.ID, "foreign", false, auth.PermAuditRead)
		ann := storetest.NewMember(t, env, acme, "ann", storetest.MemberOpts{RoleIDs: []string{own.ID}})
		bob := storetest.NewMember(t, env, beta, "bob", storetest.MemberOpts{})

		err := env.DB.InTx(ctx, func(ctx context.Context) error {
			ann.RoleIDs = []string{own.ID, foreign.ID}
			return env.DB.UpdateMember(ctx, ann)
		})
		wantKind(t, "UpdateMember(with another tenant's role)", err, errs.Invalid)
		got, err := env.DB.GetMember(ctx, acme.ID, ann.ID)
		must(t, "get member", err)
		if diff := cmp.Diff([]string{own.ID}, got.RoleIDs); diff != "" {
			t.Errorf("roles after refused update (-want +got):\n%s", diff)
		}

		now := env.Clock.Now()
		carl := &member.Member{ID: env.IDs.New("mem"), TenantID: acme.ID, LoginID: "carl@acme.works.example", DisplayName: "Carl",
			Status: member.StatusActive, RoleIDs: []string{foreign.ID}, CreatedAt: now, UpdatedAt: now}
		err = env.DB.InTx(ctx, func(ctx context.Context) error { return env.DB.CreateMembers(ctx, []*member.Member{carl}) })
		wantKind(t, "CreateMembers(with another tenant's role)", err, errs.Invalid)
		_, err = env.DB.GetMember(ctx, acme.ID, carl.ID)
		wantKind(t, "GetMember(refused member)", err, errs.NotFound)

		// The database itself refuses the mix, whichever tenant id the row names.
		for _, row := range [][3]string{{acme.ID, ann.ID, foreign.ID}, {beta.ID, ann.ID, foreign.ID}, {acme.ID, bob.ID, own.ID}} {
			err := env.DB.ExecRaw(ctx, `INSERT INTO member_roles (tenant_id, member_id, role_id) VALUES (?, ?, ?)`, row[0], row[1], row[2])
			if err == nil {
				t.Errorf("INSERT INTO member_roles %v: got no error, want a foreign-key violation", row)
			}
		}
	})
}

func TestCountBillable(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		acme := storetest.NewTenant(t, env, "acme")
		beta := storetest.NewTenant(t, env, "beta")
		for i, s := range member.Statuses {
			storetest.NewMember(t, env, acme, "m"+string(rune('a'+i)), storetest.MemberOpts{Status: s})
		}
		storetest.NewMember(t, env, beta, "x", storetest.MemberOpts{})
		got, err := env.DB.CountBillable(ctx, acme.ID)
		must(t, "count billable", err)
		if want := 3; got != want { // invited, active, suspended
			t.Errorf("CountBillable: got %d, want %d", got, want)
		}
	})
}
