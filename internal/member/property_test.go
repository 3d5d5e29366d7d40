package member_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/tenant"
)

// TestRoleInvariants runs random sequences of role and status changes by
// random admins of one tenant and checks after every step that
//   - the tenant has exactly one super admin, and it is active;
//   - an action succeeds exactly when the rules say it may (SPEC §1, §2),
//     so no successful grant or role change came from an actor whose
//     permissions do not cover the role's, and no change of another
//     member's roles or status from one who does not hold every
//     permission that member holds: no escalation;
//   - a refused action changes nothing, audit trail included.
func TestRoleInvariants(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		template := storetest.SignUp(t, env, "template")
		var builtin []*member.Role
		for _, r := range template.Roles {
			builtin = append(builtin, r)
		}
		var n atomic.Int64
		rapid.Check(t, func(rt *rapid.T) {
			p := &roleProp{t: rt, env: env, svc: env.MemberService()}
			p.setUp(fmt.Sprintf("prop-%d", n.Add(1)), builtin)
			p.checkInvariants(p.snapshot())
			for step := range rapid.IntRange(1, 12).Draw(rt, "steps") {
				p.step(step)
			}
		})
	})
}

// roleProp is one run of TestRoleInvariants on a fresh tenant.
type roleProp struct {
	t     *rapid.T
	env   *storetest.Env
	svc   *member.Service
	ten   *tenant.Tenant
	roles int // custom roles created so far, for unique names
}

// state is everything a refused action must leave as it was.
type state struct {
	Members []*member.Member // every status, in id order
	Roles   []*member.Role
	Events  int
}

func (p *roleProp) setUp(worksGroup string, builtin []*member.Role) {
	t := p.t
	p.ten = storetest.NewTenant(t, p.env, worksGroup)
	var roleIDs []string
	for _, r := range builtin {
		roleIDs = append(roleIDs, storetest.NewRole(t, p.env, p.ten.ID, r.Name, true, r.Permissions...).ID)
	}
	for i := range rapid.IntRange(0, 2).Draw(t, "custom roles") {
		perms := rapid.SliceOfNDistinct(rapid.SampledFrom(auth.AllPermissions), 1, -1, self).Draw(t, "custom role permissions")
		roleIDs = append(roleIDs, storetest.NewRole(t, p.env, p.ten.ID, fmt.Sprintf("custom-%d", i), false, perms...).ID)
	}
	storetest.NewMember(t, p.env, p.ten, "owner", storetest.MemberOpts{SuperAdmin: true})
	statuses := []string{member.StatusActive, member.StatusActive, member.StatusActive, member.StatusSuspended,
		member.StatusInvited, member.StatusDeactivated}
	for i := range rapid.IntRange(2, 5).Draw(t, "members") {
		roles := rapid.SliceOfDistinct(rapid.SampledFrom(roleIDs), self).Draw(t, "member roles")
		status := rapid.SampledFrom(statuses).Draw(t, "member status")
		storetest.NewMember(t, p.env, p.ten, fmt.Sprintf("m%d", i), storetest.MemberOpts{Status: status, RoleIDs: roles})
	}
}

func self[T any](v T) T { return v }

func (p *roleProp) snapshot() state {
	t, ctx := p.t, context.Background()
	var s state
	for _, status := range []string{"", member.StatusDeleted} {
		ms, err := p.env.DB.ListMembers(ctx, member.Filter{TenantID: p.ten.ID, Status: status, Limit: 1000})
		if err != nil {
			t.Fatalf("list members: %v", err)
		}
		s.Members = append(s.Members, ms...)
	}
	slices.SortFunc(s.Members, func(a, b *member.Member) int { return strings.Compare(a.ID, b.ID) })
	var err error
	if s.Roles, err = p.env.DB.ListRoles(ctx, p.ten.ID); err != nil {
		t.Fatalf("list roles: %v", err)
	}
	events, err := p.env.DB.ListAuditEvents(ctx, audit.Filter{TenantID: p.ten.ID, Limit: 100000})
	if err != nil {
		t.Fatalf("list audit events: %v", err)
	}
	s.Events = len(events)
	return s
}

func (p *roleProp) checkInvariants(s state) {
	var supers []*member.Member
	for _, m := range s.Members {
		if m.SuperAdmin {
			supers = append(supers, m)
		}
	}
	if len(supers) != 1 {
		p.t.Fatalf("super admins: got %d, want exactly 1", len(supers))
	}
	if supers[0].Status != member.StatusActive {
		p.t.Fatalf("super admin %s: got %s, want active", supers[0].LoginID, supers[0].Status)
	}
}

// perms is what a member may do according to the stored roles: the model
// the service's decisions are checked against.
func (s state) perms(m *member.Member) []auth.Permission {
	if m.SuperAdmin {
		return auth.AllPermissions
	}
	var out []auth.Permission
	for _, r := range s.Roles {
		if slices.Contains(m.RoleIDs, r.ID) {
			out = append(out, r.Permissions...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// outranks is the model of member.Outranks: changing what mails m or signs
// in as m needs every permission m holds; the super admin's, being the
// super admin.
func (s state) outranks(actor, m *member.Member, can decision) bool {
	return actor.SuperAdmin || (!m.SuperAdmin && can(s.perms(m)...))
}

func (s state) role(roleID string) *member.Role {
	for _, r := range s.Roles {
		if r.ID == roleID {
			return r
		}
	}
	return nil
}

func (s state) live() []*member.Member {
	var out []*member.Member
	for _, m := range s.Members {
		if m.Status != member.StatusDeleted {
			out = append(out, m)
		}
	}
	return out
}

// step has a random member try a random action.
func (p *roleProp) step(n int) {
	t := p.t
	p.env.Clock.Advance(time.Second)
	before := p.snapshot()
	var signedIn []*member.Member // who can act: members of other statuses cannot sign in
	for _, m := range before.Members {
		if m.Status == member.StatusActive {
			signedIn = append(signedIn, m)
		}
	}
	actor := rapid.SampledFrom(signedIn).Draw(t, "actor")
	ctx, err := storetest.Authenticate(t, p.env, actor)
	if err != nil {
		t.Fatalf("authenticate %s: %v", actor.LoginID, err)
	}
	a := auth.FromContext(ctx)
	held := before.perms(actor)
	if got := slices.Sorted(slices.Values(a.Permissions)); a.SuperAdmin != actor.SuperAdmin || (!a.SuperAdmin && !slices.Equal(got, held)) {
		t.Fatalf("actor %s: got super admin %v with %v, want %v with %v", actor.LoginID, a.SuperAdmin, got, actor.SuperAdmin, held)
	}
	can := func(want ...auth.Permission) bool { return auth.Covers(held, want) }

	var what string
	var allowed bool
	var check func(after state)
	switch action := rapid.SampledFrom([]string{"grant", "create role", "update role", "delete role", "transfer", "status"}).Draw(t, "action"); action {
	case "grant":
		what, allowed, check, err = p.grant(ctx, before, actor, can)
	case "create role":
		what, allowed, check, err = p.createRole(ctx, can)
	case "update role":
		what, allowed, check, err = p.updateRole(ctx, before, can)
	case "delete role":
		what, allowed, check, err = p.deleteRole(ctx, before, can)
	case "transfer":
		what, allowed, check, err = p.transfer(ctx, before, actor)
	case "status":
		what, allowed, check, err = p.setStatus(ctx, before, actor, can)
	}
	what = fmt.Sprintf("step %d: %s (holding %v, super admin %v) %s", n, actor.LoginID, held, actor.SuperAdmin, what)
	after := p.snapshot()
	p.checkInvariants(after)
	switch {
	case allowed && err != nil:
		t.Fatalf("%s: got %v, want success", what, err)
	case !allowed && err == nil:
		t.Fatalf("%s: got success, want it refused", what)
	case err != nil && errs.KindOf(err) == errs.Internal:
		t.Fatalf("%s: got an internal error: %v", what, err)
	case err != nil:
		if diff := cmp.Diff(before, after); diff != "" {
			t.Fatalf("%s was refused (%v) but changed the state (-before +after):\n%s", what, err, diff)
		}
	default:
		if after.Events <= before.Events {
			t.Fatalf("%s: succeeded without an audit event", what)
		}
		check(after)
	}
}

func (p *roleProp) pickRoles(s state, label string) []string {
	ids := make([]string, len(s.Roles))
	for i, r := range s.Roles {
		ids[i] = r.ID
	}
	return rapid.SliceOfDistinct(rapid.SampledFrom(ids), self).Draw(p.t, label)
}

func (p *roleProp) pickPerms(label string) []auth.Permission {
	return rapid.SliceOfDistinct(rapid.SampledFrom(auth.AllPermissions), self).Draw(p.t, label)
}

func names[T ~string](ps []T) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

type decision = func(want ...auth.Permission) bool

func (p *roleProp) grant(ctx context.Context, s state, actor *member.Member, can decision) (string, bool, func(state), error) {
	target := rapid.SampledFrom(s.live()).Draw(p.t, "target")
	want := p.pickRoles(s, "roles")
	own := target.ID == actor.ID
	allowed := own || can(auth.PermMembersManage)
	changed := 0
	for _, r := range s.Roles {
		if slices.Contains(want, r.ID) != slices.Contains(target.RoleIDs, r.ID) {
			changed++
			allowed = allowed && can(auth.PermRolesManage) && can(r.Permissions...)
		}
	}
	if changed > 0 && !own {
		allowed = allowed && s.outranks(actor, target, can)
	}
	_, err := p.svc.Update(ctx, p.ten.ID, target.ID, member.Edit{RoleIDs: &want})
	what := fmt.Sprintf("sets the roles of %s from %v to %v (%d changed)", target.LoginID, target.RoleIDs, want, changed)
	return what, allowed, func(after state) {
		for _, m := range after.Members {
			if m.ID == target.ID && !slices.Equal(m.RoleIDs, slices.Sorted(slices.Values(want))) {
				p.t.Fatalf("%s: got roles %v", what, m.RoleIDs)
			}
		}
	}, err
}

func (p *roleProp) createRole(ctx context.Context, can decision) (string, bool, func(state), error) {
	perms := p.pickPerms("permissions")
	p.roles++
	name := fmt.Sprintf("role-%d", p.roles)
	allowed := can(auth.PermRolesManage) && len(perms) > 0 && can(perms...)
	r, err := p.svc.CreateRole(ctx, p.ten.ID, member.RoleInput{Name: name, Permissions: names(perms)})
	what := fmt.Sprintf("creates role %s with %v", name, perms)
	return what, allowed, func(after state) {
		got := after.role(r.ID)
		if got == nil || !slices.Equal(got.Permissions, slices.Sorted(slices.Values(perms))) {
			p.t.Fatalf("%s: got %+v", what, got)
		}
	}, err
}

func (p *roleProp) updateRole(ctx context.Context, s state, can decision) (string, bool, func(state), error) {
	r := rapid.SampledFrom(s.Roles).Draw(p.t, "role")
	perms := p.pickPerms("permissions")
	allowed := can(auth.PermRolesManage) && !r.Builtin && can(r.Permissions...) && len(perms) > 0 && can(perms...)
	_, err := p.svc.UpdateRole(ctx, p.ten.ID, r.ID, member.RoleInput{Name: r.Name, Permissions: names(perms)})
	what := fmt.Sprintf("changes role %s (built-in %v) from %v to %v", r.Name, r.Builtin, r.Permissions, perms)
	return what, allowed, func(after state) {
		if got := after.role(r.ID); got == nil || !slices.Equal(got.Permissions, slices.Sorted(slices.Values(perms))) {
			p.t.Fatalf("%s: got %+v", what, got)
		}
	}, err
}

func (p *roleProp) deleteRole(ctx context.Context, s state, can decision) (string, bool, func(state), error) {
	r := rapid.SampledFrom(s.Roles).Draw(p.t, "role")
	allowed := can(auth.PermRolesManage) && !r.Builtin && can(r.Permissions...)
	_, err := p.svc.DeleteRole(ctx, p.ten.ID, r.ID)
	what := fmt.Sprintf("deletes role %s (built-in %v) with %v", r.Name, r.Builtin, r.Permissions)
	return what, allowed, func(after state) {
		if after.role(r.ID) != nil {
			p.t.Fatalf("%s: role still there", what)
		}
		for _, m := range after.Members {
			if slices.Contains(m.RoleIDs, r.ID) {
				p.t.Fatalf("%s: %s still holds it", what, m.LoginID)
			}
		}
	}, err
}

func (p *roleProp) transfer(ctx context.Context, s state, actor *member.Member) (string, bool, func(state), error) {
	to := rapid.SampledFrom(s.live()).Draw(p.t, "to")
	allowed := actor.SuperAdmin && to.ID != actor.ID && to.Status == member.StatusActive && len(to.RoleIDs) > 0
	_, err := p.svc.TransferSuperAdmin(ctx, p.ten.ID, to.ID)
	what := fmt.Sprintf("hands the super-admin role to %s (%s, roles %v)", to.LoginID, to.Status, to.RoleIDs)
	return what, allowed, func(after state) {
		for _, m := range after.Members {
			if m.SuperAdmin != (m.ID == to.ID) {
				p.t.Fatalf("%s: %s super admin %v", what, m.LoginID, m.SuperAdmin)
			}
			if m.ID == actor.ID && (m.Status != member.StatusActive || !slices.Equal(after.perms(m), slices.Sorted(slices.Values(auth.AllPermissions)))) {
				p.t.Fatalf("%s: previous super admin is %s with %v, want an active admin with every permission", what, m.Status, after.perms(m))
			}
		}
	}, err
}

func (p *roleProp) setStatus(ctx context.Context, s state, actor *member.Member, can decision) (string, bool, func(state), error) {
	target := rapid.SampledFrom(s.live()).Draw(p.t, "target")
	action := rapid.SampledFrom([]string{member.ActionSuspend, member.ActionDeactivate, member.ActionReactivate, member.ActionDelete}).Draw(p.t, "status action")
	to, ok := statusTransitions[action][target.Status]
	allowed := can(auth.PermMembersManage) && !target.SuperAdmin && target.ID != actor.ID && ok && s.outranks(actor, target, can)
	_, err := p.svc.SetStatus(ctx, p.ten.ID, target.ID, action)
	what := fmt.Sprintf("%ss %s (%s, super admin %v)", action, target.LoginID, target.Status, target.SuperAdmin)
	return what, allowed, func(after state) {
		for _, m := range after.Members {
			if m.ID == target.ID && m.Status != to {
				p.t.Fatalf("%s: got %s, want %s", what, m.Status, to)
			}
		}
	}, err
}
