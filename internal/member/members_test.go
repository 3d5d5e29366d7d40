package member_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store/storetest"
)

func TestAddWithPasswordIsActive(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		sales := newDept(t, env, ten, "Sales")
		env.Clock.Advance(time.Second)
		m, added, err := svc.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: " Ann.Lee ", Password: "a long enough secret",
			Profile: member.Profile{DisplayName: ptr(" Ann Lee "), Email: ptr("ann@Example.COM"), DepartmentID: ptr(sales)},
			RoleIDs: []string{ten.Roles["auditor"].ID}})
		must(t, "add", err)
		if added.Token != "" {
			t.Errorf("invitation token of a member added with a password: got %q, want none", added.Token)
		}
		got := stored(t, env, ten.ID, m.ID)
		if diff := cmp.Diff(m, got); diff != "" {
			t.Errorf("stored member differs from the returned one (-returned +stored):\n%s", diff)
		}
		want := struct{ LoginID, DisplayName, Email, DepartmentID, Department, Status string }{
			"ann.lee@acme.works.example", "Ann Lee", "ann@example.com", sales, "Sales", member.StatusActive}
		if diff := cmp.Diff(want, struct{ LoginID, DisplayName, Email, DepartmentID, Department, Status string }{
			got.LoginID, got.DisplayName, got.Email, got.DepartmentID, got.Department, got.Status}); diff != "" {
			t.Errorf("added member (-want +got):\n%s", diff)
		}
		if got.PasswordHash == "" || got.InvitationHash != "" {
			t.Errorf("added member: got password set=%v, invitation set=%v; want a password and no invitation", got.PasswordHash != "", got.InvitationHash != "")
		}
		es := events(t, env, ten.ID, "member.added")
		if len(es) != 2 {
			t.Fatalf("member.added events: got %d, want 2 (sign-up and add)", len(es))
		}
		if es[0].TargetID != m.ID || es[0].ActorID != ten.Owner.ID {
			t.Errorf("newest member.added event: got %s by %s, want %s by %s", es[0].TargetID, es[0].ActorID, m.ID, ten.Owner.ID)
		}
	})
}

func TestAddRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		other := storetest.SignUp(t, env, "other")
		storetest.NewMember(t, env, ten.Tenant, "taken", storetest.MemberOpts{})
		_, mgr := admin(t, env, ten, "mgr", auth.PermMembersManage)
		_, reader := admin(t, env, ten, "reader", auth.PermAuditRead)
		svc := env.MemberService()
		name := member.Profile{DisplayName: ptr("New")}
		otherDept := newDept(t, env, other, "Sales")
		otherPos := newPos(t, env, other, "Lead")
		tests := []struct {
			name  string
			ctx   context.Context
			in    member.AddInput
			kind  errs.Kind
			field string
		}{
			{"login id taken", ten.Ctx, member.AddInput{LoginID: "taken", Profile: name}, errs.Conflict, "login_id"},
			{"login id invalid", ten.Ctx, member.AddInput{LoginID: "a..b", Profile: name}, errs.Invalid, "login_id"},
			{"login id on another domain", ten.Ctx, member.AddInput{LoginID: "new@other.works.example", Profile: name}, errs.Invalid, "login_id"},
			{"display name missing", ten.Ctx, member.AddInput{LoginID: "new"}, errs.Invalid, "display_name"},
			{"e-mail invalid", ten.Ctx, member.AddInput{LoginID: "new", Profile: member.Profile{DisplayName: ptr("New"), Email: ptr("new@")}}, errs.Invalid, "email"},
			{"password too short", ten.Ctx, member.AddInput{LoginID: "new", Profile: name, Password: "short"}, errs.Invalid, "password"},
			{"unknown department", ten.Ctx, member.AddInput{LoginID: "new", Profile: member.Profile{DisplayName: ptr("New"), DepartmentID: ptr("dep_unknown")}}, errs.NotFound, "department_id"},
			{"department of another tenant", ten.Ctx, member.AddInput{LoginID: "new", Profile: member.Profile{DisplayName: ptr("New"), DepartmentID: ptr(otherDept)}}, errs.NotFound, "department_id"},
			{"position of another tenant", ten.Ctx, member.AddInput{LoginID: "new", Profile: member.Profile{DisplayName: ptr("New"), PositionID: ptr(otherPos)}}, errs.NotFound, "position_id"},
			{"role of another tenant", ten.Ctx, member.AddInput{LoginID: "new", Profile: name, RoleIDs: []string{other.Roles["admin"].ID}}, errs.Invalid, "role_ids"},
			{"roles without roles.manage", mgr, member.AddInput{LoginID: "new", Profile: name, RoleIDs: []string{ten.Roles["auditor"].ID}}, errs.PermissionDenied, ""},
			{"without members.manage", reader, member.AddInput{LoginID: "new", Profile: name}, errs.PermissionDenied, ""},
			{"into another tenant", other.Ctx, member.AddInput{LoginID: "new", Profile: name}, errs.NotFound, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, _, err := svc.Add(tt.ctx, ten.ID, tt.in)
				wantField(t, "Add", err, tt.kind, tt.field)
			})
		}
		// The main refusals read in Japanese, naming only what was typed.
		for _, tt := range []struct {
			name string
			in   member.AddInput
			code string
			want string
			ids  []string
		}{
			{"login id invalid", member.AddInput{LoginID: "Bad Id!", Profile: name}, "member.login_id_invalid",
				"ログインID「Bad Id!」は使えません。", []string{"Bad Id!"}},
			{"login id taken", member.AddInput{LoginID: "taken", Profile: name}, "member.login_id_taken",
				"ログインID taken@acme.works.example はすでに使われています。", []string{"taken@acme.works.example"}},
			{"login id on another domain", member.AddInput{LoginID: "new@other.works.example", Profile: name}, "member.login_id_domain",
				"プライマリドメインの @acme.works.example で終わる", []string{"new@other.works.example", "acme.works.example"}},
			{"e-mail invalid", member.AddInput{LoginID: "new", Profile: member.Profile{DisplayName: ptr("New"), Email: ptr("new@")}}, "member.email_invalid",
				"メールアドレス「new@」", []string{"new@", "name@example.com"}},
			{"display name too long", member.AddInput{LoginID: "new", Profile: member.Profile{DisplayName: ptr(strings.Repeat("山", 101))}}, "member.display_name_length",
				"氏名は必須です。100文字以内で入力してください。", nil},
		} {
			_, _, err := svc.Add(ten.Ctx, ten.ID, tt.in)
			e, ok := errs.As(err)
			if !ok || e.Code != tt.code {
				t.Errorf("%s: got %v, want code %s", tt.name, err, tt.code)
				continue
			}
			if ja := e.Message("ja"); !strings.Contains(ja, tt.want) {
				t.Errorf("%s in Japanese: got %q, want it to hold %q", tt.name, ja, tt.want)
			}
			wantJapanese(t, tt.name, e.Message("ja"), tt.ids...)
		}
		if n := len(events(t, env, ten.ID, "member.added")); n != 1 {
			t.Errorf("member.added events after refusals: got %d, want 1 (the sign-up's)", n)
		}
		taken, err := env.DB.TakenLoginIDs(context.Background(), []string{"new@acme.works.example"})
		must(t, "taken login ids", err)
		if len(taken) != 0 {
			t.Errorf("refused member: got stored, want nothing stored")
		}
	})
}

func TestInvitation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		invite := func(local string) (*member.Member, string) {
			t.Helper()
			m, added, err := svc.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: local, Profile: member.Profile{DisplayName: ptr(local)}})
			must(t, "add", err)
			token := added.Token
			if m.Status != member.StatusInvited || token == "" {
				t.Fatalf("added without a password: got status %s and token %q, want invited with a token", m.Status, token)
			}
			if want := env.Clock.Now().Add(storetest.InvitationTTL); !m.InvitationExpiresAt.Equal(want) {
				t.Errorf("invitation expiry: got %v, want %v", m.InvitationExpiresAt, want)
			}
			return m, token
		}
		ann, annToken := invite("ann")

		// Inviting again replaces the token.
		_, newToken, err := svc.Invite(ten.Ctx, ten.ID, ann.ID)
		must(t, "invite again", err)
		_, err = svc.AcceptInvitation(context.Background(), annToken, storetest.Password)
		wantKind(t, "AcceptInvitation(replaced token)", err, errs.NotFound)

		_, err = svc.AcceptInvitation(context.Background(), newToken, "short")
		wantField(t, "AcceptInvitation(short password)", err, errs.Invalid, "password")
		got, err := svc.AcceptInvitation(context.Background(), newToken, storetest.Password)
		must(t, "accept", err)
		if got.Status != member.StatusActive || got.PasswordHash == "" || got.InvitationHash != "" {
			t.Errorf("accepted member: got status %s, password set %v, invitation set %v; want active, set, cleared",
				got.Status, got.PasswordHash != "", got.InvitationHash != "")
		}
		if diff := cmp.Diff(got, stored(t, env, ten.ID, ann.ID)); diff != "" {
			t.Errorf("stored member differs from the returned one (-returned +stored):\n%s", diff)
		}
		_, err = svc.AcceptInvitation(context.Background(), newToken, storetest.Password)
		wantKind(t, "AcceptInvitation(second time)", err, errs.NotFound)
		_, _, err = svc.Invite(ten.Ctx, ten.ID, ann.ID)
		wantKind(t, "Invite(active member)", err, errs.FailedPrecondition)
		if es := events(t, env, ten.ID, "member.invitation_accepted"); len(es) != 1 || es[0].TargetID != ann.ID {
			t.Errorf("member.invitation_accepted events: got %d, want 1 for %s", len(es), ann.ID)
		}

		bob, bobToken := invite("bob")
		env.Clock.Advance(storetest.InvitationTTL + time.Second)
		_, err = svc.AcceptInvitation(context.Background(), bobToken, storetest.Password)
		wantKind(t, "AcceptInvitation(expired)", err, errs.NotFound)
		if got := stored(t, env, ten.ID, bob.ID); got.Status != member.StatusInvited || got.PasswordHash != "" {
			t.Errorf("member after an expired invitation: got status %s, password set %v; want invited, no password", got.Status, got.PasswordHash != "")
		}
	})
}

// statusTransitions is SPEC §2's status machine as SetStatus applies it:
// action → from → to. Every pair not listed must be refused.
var statusTransitions = map[string]map[string]string{
	member.ActionSuspend:    {member.StatusActive: member.StatusSuspended},
	member.ActionDeactivate: {member.StatusActive: member.StatusDeactivated, member.StatusSuspended: member.StatusDeactivated},
	member.ActionReactivate: {member.StatusSuspended: member.StatusActive, member.StatusDeactivated: member.StatusActive},
	member.ActionDelete:     {member.StatusDeactivated: member.StatusDeleted, member.StatusInvited: member.StatusDeleted},
}

var pastTense = map[string]string{member.ActionSuspend: "suspended", member.ActionDeactivate: "deactivated",
	member.ActionReactivate: "reactivated", member.ActionDelete: "deleted"}

func TestSetStatusMachine(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		n := 0
		for _, action := range []string{member.ActionSuspend, member.ActionDeactivate, member.ActionReactivate, member.ActionDelete} {
			for _, from := range member.Statuses {
				t.Run(action+"/"+from, func(t *testing.T) {
					n++
					m := storetest.NewMember(t, env, ten.Tenant, "m"+string(rune('a'+n)), storetest.MemberOpts{Status: from,
						RoleIDs: []string{ten.Roles["auditor"].ID}})
					env.Clock.Advance(time.Second)
					got, err := svc.SetStatus(ten.Ctx, ten.ID, m.ID, action)
					to, allowed := statusTransitions[action][from]
					if !allowed {
						wantKind(t, "SetStatus", err, errs.FailedPrecondition)
						if e, ok := errs.As(err); ok {
							wantJapanese(t, "SetStatus", e.Message("ja"))
						}
						if diff := cmp.Diff(m, stored(t, env, ten.ID, m.ID)); diff != "" {
							t.Errorf("member after a refused action (-before +after):\n%s", diff)
						}
						return
					}
					must(t, "SetStatus", err)
					if got.Status != to {
						t.Errorf("status: got %s, want %s", got.Status, to)
					}
					s := stored(t, env, ten.ID, m.ID)
					if diff := cmp.Diff(got, s); diff != "" {
						t.Errorf("stored member differs from the returned one (-returned +stored):\n%s", diff)
					}
					if to == member.StatusDeleted && len(s.RoleIDs) != 0 {
						t.Errorf("roles of a deleted member: got %v, want none", s.RoleIDs)
					}
					es := events(t, env, ten.ID, "member."+pastTense[action])
					if len(es) == 0 || es[0].TargetID != m.ID {
						t.Fatalf("no member.%s event for %s", pastTense[action], m.ID)
					}
					var before, after struct{ Status string }
					_ = json.Unmarshal(es[0].Before, &before)
					_ = json.Unmarshal(es[0].After, &after)
					if before.Status != from || after.Status != to {
						t.Errorf("audit before/after status: got %s → %s, want %s → %s", before.Status, after.Status, from, to)
					}
				})
			}
		}
		_, err := svc.SetStatus(ten.Ctx, ten.ID, ten.Owner.ID, "promote")
		wantKind(t, "SetStatus(unknown action)", err, errs.Invalid)
	})
}

func TestSetStatusGuards(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		other := storetest.SignUp(t, env, "other")
		svc := env.MemberService()
		boss := storetest.NewMember(t, env, ten.Tenant, "boss", storetest.MemberOpts{RoleIDs: []string{ten.Roles["admin"].ID}})
		bossCtx := storetest.Actor(t, env, boss)
		_, reader := admin(t, env, ten, "reader", auth.PermAuditRead)
		plain := storetest.NewMember(t, env, ten.Tenant, "plain", storetest.MemberOpts{})
		tests := []struct {
			name   string
			ctx    context.Context
			target *member.Member
			kind   errs.Kind
		}{
			{"super admin by an admin", bossCtx, ten.Owner, errs.FailedPrecondition},
			{"super admin by themself", ten.Ctx, ten.Owner, errs.FailedPrecondition},
			{"own account", bossCtx, boss, errs.FailedPrecondition},
			{"without members.manage", reader, plain, errs.PermissionDenied},
			{"from another tenant", other.Ctx, plain, errs.NotFound},
		}
		for _, tt := range tests {
			for _, action := range []string{member.ActionSuspend, member.ActionDeactivate, member.ActionDelete} {
				t.Run(tt.name+"/"+action, func(t *testing.T) {
					before := stored(t, env, ten.ID, tt.target.ID)
					_, err := svc.SetStatus(tt.ctx, ten.ID, tt.target.ID, action)
					wantKind(t, "SetStatus", err, tt.kind)
					if diff := cmp.Diff(before, stored(t, env, ten.ID, tt.target.ID)); diff != "" {
						t.Errorf("member after a refused action (-before +after):\n%s", diff)
					}
				})
			}
		}
	})
}

func TestLeavingActiveRevokesSessions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		sessions := env.SessionService()
		for _, action := range []string{member.ActionSuspend, member.ActionDeactivate} {
			t.Run(action, func(t *testing.T) {
				m := storetest.NewMember(t, env, ten.Tenant, "to-"+action, storetest.MemberOpts{})
				tokens := []string{storetest.NewSession(t, env, m), storetest.NewSession(t, env, m)}
				bystander := storetest.NewSession(t, env, ten.Owner)
				_, err := svc.SetStatus(ten.Ctx, ten.ID, m.ID, action)
				must(t, action, err)
				live, err := env.DB.ListSessions(context.Background(), m.ID, env.Clock.Now())
				must(t, "list sessions", err)
				if len(live) != 0 {
					t.Errorf("live sessions after %s: got %d, want none", action, len(live))
				}
				for _, tok := range tokens {
					s, _, err := env.DB.GetSessionByHash(context.Background(), id.Hash(tok))
					must(t, "get session", err)
					if s.RevokedAt.IsZero() {
						t.Errorf("session %s: got not revoked, want revoked", s.ID)
					}
				}
				// Reactivating does not bring them back.
				_, err = svc.SetStatus(ten.Ctx, ten.ID, m.ID, member.ActionReactivate)
				must(t, "reactivate", err)
				_, err = sessions.Authenticate(context.Background(), tokens[0], session.Client{})
				wantKind(t, "Authenticate(session of the "+action+" member)", err, errs.Unauthenticated)
				if _, err := sessions.Authenticate(context.Background(), bystander, session.Client{}); err != nil {
					t.Errorf("another member's session: got %v, want it kept", err)
				}
			})
		}
	})
}

func TestBillableCount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		other := storetest.SignUp(t, env, "other")
		svc := env.MemberService()
		for i, s := range member.Statuses {
			for j := 0; j <= i; j++ { // 1 invited, 2 active, 3 suspended, 4 deactivated, 5 deleted
				storetest.NewMember(t, env, ten.Tenant, s+string(rune('a'+j)), storetest.MemberOpts{Status: s})
			}
		}
		storetest.NewMember(t, env, other.Tenant, "x", storetest.MemberOpts{})
		got, err := svc.BillableCount(ten.Ctx, ten.ID)
		must(t, "billable count", err)
		if want := 1 + 1 + 2 + 3; got != want { // the owner, invited, active, suspended
			t.Errorf("BillableCount: got %d, want %d", got, want)
		}
		_, err = svc.BillableCount(other.Ctx, ten.ID)
		wantKind(t, "BillableCount(another tenant)", err, errs.NotFound)
	})
}
