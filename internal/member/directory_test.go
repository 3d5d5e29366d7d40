package member_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

// failingStore fails the audit append of a change once armed: a failure
// after every write of a deletion or re-evaluation, which must then leave
// everything as it was.
type failingStore struct {
	member.Store
	armed bool
}

var errInjected = errors.New("injected failure")

func (f *failingStore) AppendAuditEvents(ctx context.Context, es ...*audit.Event) error {
	if f.armed {
		return errInjected
	}
	return f.Store.AppendAuditEvents(ctx, es...)
}

// directoryFixture is a tenant with a directory to delete from.
type directoryFixture struct {
	env     *storetest.Env
	ten     *storetest.Tenant
	svc     *member.Service
	failing *failingStore
	ids     map[string]string // directory ids and member ids by name
}

func newDirectory(t *testing.T, env *storetest.Env) *directoryFixture {
	t.Helper()
	f := &directoryFixture{env: env, ten: storetest.SignUp(t, env, "dir"), svc: env.MemberService(), ids: map[string]string{}}
	f.failing = &failingStore{Store: f.svc.Store}
	f.svc.Store = f.failing
	for _, d := range []struct{ name, parent string }{{"営業部", ""}, {"営業1課", "営業部"}, {"開発部", ""}} {
		dep, err := f.svc.CreateDepartment(f.ten.Ctx, f.ten.ID, member.DepartmentInput{Name: d.name, ParentID: f.ids[d.parent]})
		must(t, "create department "+d.name, err)
		f.ids[d.name] = dep.ID
	}
	for _, p := range []string{"部長", "課長"} {
		pos, err := f.svc.SavePosition(f.ten.Ctx, f.ten.ID, "", p)
		must(t, "create position "+p, err)
		f.ids[p] = pos.ID
	}
	for _, g := range []string{"マネージャー", "メンバー"} {
		grp, err := f.svc.SaveGroup(f.ten.Ctx, f.ten.ID, "", member.GroupInput{Name: g})
		must(t, "create group "+g, err)
		f.ids[g] = grp.ID
	}
	return f
}

// add adds an active member with a department, position and groups (names).
func (f *directoryFixture) add(t *testing.T, local, dept, pos string, groups ...string) *member.Member {
	t.Helper()
	d, p := f.ids[dept], f.ids[pos]
	var gs []string
	for _, g := range groups {
		gs = append(gs, f.ids[g])
	}
	m, _, err := f.svc.Add(f.ten.Ctx, f.ten.ID, member.AddInput{LoginID: local, Password: storetest.Password,
		Profile: member.Profile{DisplayName: &local, DepartmentID: &d, PositionID: &p, GroupIDs: &gs}})
	must(t, "add "+local, err)
	f.ids[local] = m.ID
	return m
}

func (f *directoryFixture) member(t *testing.T, local string) *member.Member {
	t.Helper()
	return stored(t, f.env, f.ten.ID, f.ids[local])
}

// departments returns the tenant's departments as name → parent name.
func (f *directoryFixture) departments(t *testing.T) map[string]string {
	t.Helper()
	ds, err := f.env.DB.ListDepartments(context.Background(), f.ten.ID)
	must(t, "list departments", err)
	name := map[string]string{"": ""}
	for _, d := range ds {
		name[d.ID] = d.Name
	}
	out := map[string]string{}
	for _, d := range ds {
		out[d.Name] = name[d.ParentID]
	}
	return out
}

// wantCode fails t unless err carries code.
func wantCode(t *testing.T, what string, err error, code string) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code {
		t.Fatalf("%s: got %v, want code %s", what, err, code)
	}
	return e
}

func TestDeleteDepartment(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		f := newDirectory(t, env)
		f.add(t, "sato", "営業部", "部長")
		f.add(t, "suzuki", "営業部", "")
		f.add(t, "tanaka", "営業1課", "")
		ctx, tid := f.ten.Ctx, f.ten.ID

		_, err := f.svc.DeleteDepartment(ctx, tid, f.ids["営業部"], member.Reassign{})
		e := wantCode(t, "in use, no choice", err, "directory.department_in_use")
		ja := e.Message(i18n.JA)
		if !strings.Contains(ja, "2人") || !strings.Contains(ja, "1個") || !strings.Contains(ja, "割り当てて削除する") {
			t.Errorf("in use: %q, want the 2 members, the 1 sub-department and the seed's button", ja)
		}
		wantJapanese(t, "in use", ja, "営業部")
		_, err = f.svc.DeleteDepartment(ctx, tid, f.ids["営業部"], member.Reassign{To: f.ids["営業1課"]})
		wantCode(t, "to its own sub-department", err, "directory.department_reassign_inside")
		_, err = f.svc.DeleteDepartment(ctx, tid, f.ids["営業部"], member.Reassign{To: "dep_nothere"})
		wantField(t, "to an unknown department", err, errs.NotFound, "reassign_to")

		before := f.departments(t)
		f.failing.armed = true
		_, err = f.svc.DeleteDepartment(ctx, tid, f.ids["営業部"], member.Reassign{To: f.ids["開発部"]})
		f.failing.armed = false
		if !errors.Is(err, errInjected) {
			t.Fatalf("with a failure injected: %v", err)
		}
		if got := f.departments(t); fmt.Sprint(got) != fmt.Sprint(before) {
			t.Errorf("after a failed deletion the departments are %v, want %v", got, before)
		}
		if got := f.member(t, "sato").Department; got != "営業部" {
			t.Errorf("after a failed deletion sato is in %q, want 営業部", got)
		}

		out, err := f.svc.DeleteDepartment(ctx, tid, f.ids["営業部"], member.Reassign{To: f.ids["開発部"]})
		must(t, "reassign and delete", err)
		if out.Members != 2 || out.Children != 1 {
			t.Errorf("deleted: %+v, want 2 members and 1 sub-department moved", out)
		}
		for _, who := range []string{"sato", "suzuki"} {
			if got := f.member(t, who); got.DepartmentID != f.ids["開発部"] || got.Department != "開発部" {
				t.Errorf("%s is in %q (%s), want 開発部", who, got.Department, got.DepartmentID)
			}
		}
		if got := f.departments(t); got["営業1課"] != "開発部" || len(got) != 2 {
			t.Errorf("departments after the deletion: %v, want 営業1課 under 開発部, and 開発部", got)
		}
		if es := events(t, env, tid, "department.deleted"); len(es) != 1 {
			t.Errorf("department.deleted events: %d, want 1", len(es))
		}

		// Leaving members without a department must be confirmed; the
		// sub-departments then move up to the top.
		_, err = f.svc.DeleteDepartment(ctx, tid, f.ids["開発部"], member.Reassign{Confirm: true})
		must(t, "delete leaving members without", err)
		if got := f.member(t, "sato"); got.DepartmentID != "" || got.Department != "" {
			t.Errorf("sato after a confirmed deletion: %q, want no department", got.Department)
		}
		if got := f.departments(t); got["営業1課"] != "" || len(got) != 1 {
			t.Errorf("departments: %v, want 営業1課 at the top", got)
		}
		empty, err := f.svc.CreateDepartment(ctx, tid, member.DepartmentInput{Name: "空き"})
		must(t, "create", err)
		_, err = f.svc.DeleteDepartment(ctx, tid, empty.ID, member.Reassign{})
		must(t, "an empty department needs no choice", err)
	})
}

func TestDeletePositionAndGroup(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		f := newDirectory(t, env)
		f.add(t, "sato", "", "部長", "マネージャー", "メンバー")
		f.add(t, "suzuki", "", "部長", "マネージャー")
		ctx, tid := f.ten.Ctx, f.ten.ID

		_, err := f.svc.DeletePosition(ctx, tid, f.ids["部長"], member.Reassign{})
		wantCode(t, "position in use", err, "directory.position_in_use")
		f.failing.armed = true
		_, err = f.svc.DeletePosition(ctx, tid, f.ids["部長"], member.Reassign{To: f.ids["課長"]})
		f.failing.armed = false
		if !errors.Is(err, errInjected) || f.member(t, "sato").Position != "部長" {
			t.Fatalf("a failed position deletion: %v, sato's position %q; want the injected failure and 部長 kept", err, f.member(t, "sato").Position)
		}
		out, err := f.svc.DeletePosition(ctx, tid, f.ids["部長"], member.Reassign{To: f.ids["課長"]})
		must(t, "reassign and delete the position", err)
		if out.Members != 2 || f.member(t, "suzuki").Position != "課長" {
			t.Errorf("position deleted: %+v, suzuki %q; want 2 moved to 課長", out, f.member(t, "suzuki").Position)
		}

		_, err = f.svc.DeleteGroup(ctx, tid, f.ids["マネージャー"], member.Reassign{})
		wantCode(t, "group in use", err, "directory.group_in_use")
		_, err = f.svc.DeleteGroup(ctx, tid, f.ids["マネージャー"], member.Reassign{To: f.ids["マネージャー"]})
		wantField(t, "to itself", err, errs.Invalid, "reassign_to")
		out, err = f.svc.DeleteGroup(ctx, tid, f.ids["マネージャー"], member.Reassign{To: f.ids["メンバー"]})
		must(t, "reassign and delete the group", err)
		for _, who := range []string{"sato", "suzuki"} {
			if got := f.member(t, who).GroupIDs; !slices.Equal(got, []string{f.ids["メンバー"]}) {
				t.Errorf("%s's groups: %v, want only メンバー", who, got)
			}
		}
		if out.Members != 2 {
			t.Errorf("group deleted: %+v, want 2 members", out)
		}
	})
}

func TestDeleteField(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		f := newDirectory(t, env)
		ctx, tid := f.ten.Ctx, f.ten.ID
		fld, err := f.svc.SaveField(ctx, tid, "", member.FieldInput{Name: "社員番号", Kind: member.FieldNumber})
		must(t, "create field", err)
		m := f.add(t, "sato", "", "")
		_, err = f.svc.Update(ctx, tid, m.ID, member.Edit{Profile: member.Profile{Fields: map[string]string{fld.ID: "1,024"}}})
		must(t, "set a value", err)
		if got := f.member(t, "sato").Fields[fld.ID]; got != "1024" {
			t.Errorf("stored value %q, want 1024 (normalised)", got)
		}
		_, err = f.svc.Update(ctx, tid, m.ID, member.Edit{Profile: member.Profile{Fields: map[string]string{fld.ID: "abc"}}})
		wantField(t, "not a number", err, errs.Invalid, "fields."+fld.ID)

		_, err = f.svc.DeleteField(ctx, tid, fld.ID, false)
		e := wantCode(t, "unconfirmed", err, "directory.field_delete_unconfirmed")
		if ja := e.Message(i18n.JA); !strings.Contains(ja, "1人") || !strings.Contains(ja, "元に戻せません") {
			t.Errorf("unconfirmed: %q, want the count and that it cannot be undone", ja)
		}
		out, err := f.svc.DeleteField(ctx, tid, fld.ID, true)
		must(t, "delete the field", err)
		if out.Members != 1 || len(f.member(t, "sato").Fields) != 0 {
			t.Errorf("deleted: %+v, sato's fields %v; want 1 value gone", out, f.member(t, "sato").Fields)
		}
		es := events(t, env, tid, "field.deleted")
		var kept struct{ Values map[string]string }
		if len(es) != 1 || json.Unmarshal(es[0].After, &kept) != nil || kept.Values[m.ID] != "1024" {
			t.Errorf("field.deleted event: %d, values %v; want one keeping sato's value", len(es), kept.Values)
		}
	})
}

// ruleRoles creates two roles for rules to grant.
func ruleRoles(t *testing.T, f *directoryFixture) (desk, deskAdmin string) {
	t.Helper()
	a, err := f.svc.CreateRole(f.ten.Ctx, f.ten.ID, member.RoleInput{Name: "Desk 担当", Permissions: []string{"audit.read"}})
	must(t, "role", err)
	b, err := f.svc.CreateRole(f.ten.Ctx, f.ten.ID, member.RoleInput{Name: "Desk 管理者", Permissions: []string{"audit.read", "sessions.manage"}})
	must(t, "role", err)
	return a.ID, b.ID
}

// TestRulesSeedExample is 条件の削除's example: 佐藤さん is in the groups
// マネージャー and メンバー, matched by two rules; deleting the first
// re-assigns her by the second; deleting that too deactivates her where the
// tenant asked for it, freeing her license.
func TestRulesSeedExample(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		f := newDirectory(t, env)
		ctx, tid := f.ten.Ctx, f.ten.ID
		desk, deskAdmin := ruleRoles(t, f)
		sato := f.add(t, "sato", "", "", "マネージャー", "メンバー")
		f.add(t, "suzuki", "", "", "メンバー")
		f.add(t, "nobody", "", "")

		managers, err := f.svc.CreateRule(ctx, tid, member.RuleInput{Name: "マネージャーに管理者", MatchKind: member.MatchGroup,
			MatchID: f.ids["マネージャー"], RoleIDs: []string{deskAdmin}, Features: []string{"mail"}}, member.Change{})
		must(t, "rule 1", err)
		if managers.Gained != 1 || managers.Rule.Priority != 1 {
			t.Errorf("rule 1: %+v, want sato to gain, priority 1", managers)
		}
		members, err := f.svc.CreateRule(ctx, tid, member.RuleInput{Name: "メンバーに担当", MatchKind: member.MatchGroup,
			MatchID: f.ids["メンバー"], RoleIDs: []string{desk}}, member.Change{})
		must(t, "rule 2", err)
		if members.Gained != 1 || members.Rule.Priority != 2 { // suzuki; sato keeps rule 1
			t.Errorf("rule 2: %+v, want suzuki alone to gain", members)
		}
		if got := f.member(t, "sato").RuleID; got != managers.Rule.ID {
			t.Errorf("sato's rule %q, want the higher-priority %q", got, managers.Rule.ID)
		}
		perms, err := env.DB.MemberPermissions(context.Background(), sato.ID)
		must(t, "permissions", err)
		if len(perms) != 2 {
			t.Errorf("sato's permissions through rule 1: %v, want audit.read and sessions.manage", perms)
		}

		// Deleting rule 1: rule 2 moves up and sato is re-assigned by it.
		preview, err := f.svc.DeleteRule(ctx, tid, managers.Rule.ID, member.Change{DryRun: true})
		must(t, "preview", err)
		if preview.Gained != 1 || preview.Lost != 1 || preview.Deactivated != 0 || preview.LostList[0].ID != sato.ID {
			t.Errorf("preview: %+v, want sato to gain Desk 担当 and lose Desk 管理者", preview)
		}
		if rules, _ := f.svc.Rules(ctx, tid); len(rules) != 2 || f.member(t, "sato").RuleID != managers.Rule.ID {
			t.Fatalf("a preview changed something: %d rules, sato's rule %q", len(rules), f.member(t, "sato").RuleID)
		}
		done, err := f.svc.DeleteRule(ctx, tid, managers.Rule.ID, member.Change{Expect: preview.Token})
		must(t, "delete rule 1", err)
		if done.Gained != preview.Gained || done.Lost != preview.Lost || done.Deactivated != preview.Deactivated || done.Token != preview.Token {
			t.Errorf("applied %+v, previewed %+v: they must be equal", done, preview)
		}
		rules, err := f.svc.Rules(ctx, tid)
		must(t, "rules", err)
		if len(rules) != 1 || rules[0].Priority != 1 || rules[0].Members != 2 {
			t.Errorf("rules after the deletion: %+v, want メンバーに担当 at priority 1 granting 2", rules[0])
		}

		// Deleting the last rule with the seed's option: both deactivated.
		must(t, "option", f.svc.SetDeactivateUnmatched(ctx, tid, true))
		billable := func() int {
			n, err := env.DB.CountBillable(context.Background(), tid)
			must(t, "count", err)
			return n
		}
		before := billable()
		preview, err = f.svc.DeleteRule(ctx, tid, members.Rule.ID, member.Change{DryRun: true})
		must(t, "preview", err)
		done, err = f.svc.DeleteRule(ctx, tid, members.Rule.ID, member.Change{Expect: preview.Token})
		must(t, "delete rule 2", err)
		if done.Deactivated != 2 || preview.Deactivated != 2 {
			t.Errorf("deactivated %d (previewed %d), want 2", done.Deactivated, preview.Deactivated)
		}
		if got := f.member(t, "sato").Status; got != member.StatusDeactivated {
			t.Errorf("sato is %s, want deactivated", got)
		}
		if got := f.member(t, "nobody").Status; got != member.StatusActive {
			t.Errorf("a member no rule ever matched is %s, want still active", got)
		}
		if got := billable(); got != before-2 {
			t.Errorf("billable members %d, want %d: deactivation frees licenses", got, before-2)
		}
	})
}

func TestRulePreviewGoesStale(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		f := newDirectory(t, env)
		ctx, tid := f.ten.Ctx, f.ten.ID
		desk, _ := ruleRoles(t, f)
		f.add(t, "sato", "営業部", "")
		in := member.RuleInput{Name: "営業", MatchKind: member.MatchDepartment, MatchID: f.ids["営業部"], IncludeSub: true, RoleIDs: []string{desk}}
		preview, err := f.svc.CreateRule(ctx, tid, in, member.Change{DryRun: true})
		must(t, "preview", err)
		suzuki := f.add(t, "suzuki", "営業1課", "") // matched through include_sub: the outcome changes
		_, err = f.svc.CreateRule(ctx, tid, in, member.Change{Expect: preview.Token})
		wantKind(t, "a stale preview", err, errs.Conflict)
		out, err := f.svc.CreateRule(ctx, tid, in, member.Change{})
		must(t, "create", err)
		if out.Gained != 2 || f.member(t, "suzuki").RuleID != out.Rule.ID {
			t.Errorf("created: %+v, want sato and suzuki (a sub-department) to gain", out)
		}
		// A member's department change re-assigns that member at once.
		none := ""
		_, err = f.svc.Update(ctx, tid, suzuki.ID, member.Edit{Profile: member.Profile{DepartmentID: &none}})
		must(t, "move suzuki out", err)
		if got := f.member(t, "suzuki").RuleID; got != "" {
			t.Errorf("suzuki out of 営業部 keeps rule %q", got)
		}
		_, err = f.svc.DeleteDepartment(ctx, tid, f.ids["営業部"], member.Reassign{Confirm: true})
		wantCode(t, "a department a rule matches", err, "directory.used_by_rule")
	})
}

// TestRulesOnThousands re-evaluates 3,000 members under three rules and
// checks the preview's counts against what deleting a rule then does.
func TestRulesOnThousands(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 3,000 members")
	}
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		f := newDirectory(t, env)
		ctx, tid := f.ten.Ctx, f.ten.ID
		desk, deskAdmin := ruleRoles(t, f)
		var csv strings.Builder
		csv.WriteString("login_id,display_name,department,position,groups\n")
		depts := []string{"営業部", "営業1課", "開発部", "総務部"}
		for i := range 3000 {
			pos := ""
			if i%10 == 0 {
				pos = "部長"
			}
			fmt.Fprintf(&csv, "u%04d,User %d,%s,%s,%s\n", i, i, depts[i%4], pos, []string{"マネージャー", "メンバー", ""}[i%3])
		}
		_, err := f.svc.Import(ctx, tid, strings.NewReader(csv.String()), member.ImportOptions{})
		wantCode(t, "an unknown department without create_missing", err, "member.import_problems")
		n, err := f.svc.Import(ctx, tid, strings.NewReader(csv.String()), member.ImportOptions{CreateMissing: true})
		must(t, "import", err)
		if n != 3000 {
			t.Fatalf("imported %d", n)
		}
		for _, in := range []member.RuleInput{
			{Name: "部長", MatchKind: member.MatchPosition, MatchID: f.ids["部長"], RoleIDs: []string{deskAdmin}},
			{Name: "営業", MatchKind: member.MatchDepartment, MatchID: f.ids["営業部"], IncludeSub: true, RoleIDs: []string{desk}},
			{Name: "メンバー", MatchKind: member.MatchGroup, MatchID: f.ids["メンバー"], Features: []string{"mail"}},
		} {
			_, err := f.svc.CreateRule(ctx, tid, in, member.Change{})
			must(t, "rule "+in.Name, err)
		}
		rules, err := f.svc.Rules(ctx, tid)
		must(t, "rules", err)
		// 部長: every 10th (300); 営業 (営業部 and 営業1課, half) less 部長
		// among them; メンバー (a third) of the rest.
		want := map[string]int{"部長": 300, "営業": 1500 - 150}
		for _, r := range rules {
			if w, ok := want[r.Name]; ok && r.Members != w {
				t.Errorf("rule %s grants %d, want %d", r.Name, r.Members, w)
			}
		}
		preview, err := f.svc.DeleteRule(ctx, tid, rules[0].ID, member.Change{DryRun: true})
		must(t, "preview", err)
		done, err := f.svc.DeleteRule(ctx, tid, rules[0].ID, member.Change{})
		must(t, "delete 部長", err)
		if preview.Gained != done.Gained || preview.Lost != done.Lost || done.Lost != 300 || done.Token != preview.Token {
			t.Errorf("preview %d/%d, applied %d/%d; want equal, 300 losing", preview.Gained, preview.Lost, done.Gained, done.Lost)
		}
		after, err := f.svc.Rules(ctx, tid)
		must(t, "rules", err)
		if after[0].Name != "営業" || after[0].Priority != 1 || after[0].Members != 1500 {
			t.Errorf("after deleting 部長: %s at %d granting %d, want 営業 at 1 granting 1500", after[0].Name, after[0].Priority, after[0].Members)
		}
	})
}

func TestDirectoryOfAnotherTenant(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		f := newDirectory(t, env)
		other := storetest.SignUp(t, env, "other")
		svc, oid := f.svc, other.ID
		desk, _ := ruleRoles(t, f)
		rule, err := svc.CreateRule(f.ten.Ctx, f.ten.ID, member.RuleInput{Name: "r", MatchKind: member.MatchGroup, MatchID: f.ids["メンバー"], RoleIDs: []string{desk}}, member.Change{})
		must(t, "rule", err)
		fld, err := svc.SaveField(f.ten.Ctx, f.ten.ID, "", member.FieldInput{Name: "x", Kind: member.FieldText})
		must(t, "field", err)
		for name, call := range map[string]func() error{
			"department": func() error {
				_, err := svc.DeleteDepartment(other.Ctx, oid, f.ids["開発部"], member.Reassign{Confirm: true})
				return err
			},
			"rename department": func() error {
				_, err := svc.UpdateDepartment(other.Ctx, oid, f.ids["開発部"], member.DepartmentInput{Name: "x"})
				return err
			},
			"position": func() error {
				_, err := svc.DeletePosition(other.Ctx, oid, f.ids["部長"], member.Reassign{Confirm: true})
				return err
			},
			"group": func() error {
				_, err := svc.SaveGroup(other.Ctx, oid, f.ids["メンバー"], member.GroupInput{Name: "x"})
				return err
			},
			"field": func() error { _, err := svc.DeleteField(other.Ctx, oid, fld.ID, true); return err },
			"rule":  func() error { _, err := svc.DeleteRule(other.Ctx, oid, rule.Rule.ID, member.Change{}); return err },
		} {
			wantKind(t, name+" of another tenant", call(), errs.NotFound)
		}
		// Nor can a member of the other tenant be put in this one's department.
		d := f.ids["開発部"]
		_, _, err = svc.Add(other.Ctx, oid, member.AddInput{LoginID: "x", Profile: member.Profile{DisplayName: &d, DepartmentID: &d}})
		wantField(t, "another tenant's department", err, errs.NotFound, "department_id")
	})
}

// TestRulesUnderRace creates 64 rules at once, then deletes half of them
// while members move between departments: the priorities stay 1…n without
// a gap, and every member holds the rule that matches it.
func TestRulesUnderRace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		f := newDirectory(t, env)
		ctx, tid := f.ten.Ctx, f.ten.ID
		desk, _ := ruleRoles(t, f)
		for i := range 8 {
			f.add(t, fmt.Sprintf("m%d", i), []string{"営業部", "開発部"}[i%2], "")
		}
		const n = 64
		errc := make(chan error, n)
		for i := range n {
			go func() {
				_, err := f.svc.CreateRule(ctx, tid, member.RuleInput{Name: fmt.Sprintf("rule %02d", i), MatchKind: member.MatchDepartment,
					MatchID: f.ids[[]string{"営業部", "開発部"}[i%2]], RoleIDs: []string{desk}}, member.Change{})
				errc <- err
			}()
		}
		for range n {
			must(t, "create a rule", <-errc)
		}
		rules, err := f.svc.Rules(ctx, tid)
		must(t, "rules", err)
		for i, r := range rules {
			if r.Priority != i+1 {
				t.Fatalf("after 64 creations rule %d has priority %d", i+1, r.Priority)
			}
		}
		for i := range n {
			go func() {
				if i%2 == 0 {
					_, err := f.svc.DeleteRule(ctx, tid, rules[i].ID, member.Change{})
					errc <- err
					return
				}
				d := f.ids[[]string{"営業部", "開発部"}[i%4/2]]
				_, err := f.svc.Update(ctx, tid, f.ids[fmt.Sprintf("m%d", i%8)], member.Edit{Profile: member.Profile{DepartmentID: &d}})
				errc <- err
			}()
		}
		for range n {
			must(t, "delete a rule or move a member", <-errc)
		}
		rules, err = f.svc.Rules(ctx, tid)
		must(t, "rules", err)
		if len(rules) != n/2 {
			t.Fatalf("%d rules left, want %d", len(rules), n/2)
		}
		first := map[string]string{} // department → the first rule matching it
		for i, r := range rules {
			if r.Priority != i+1 {
				t.Errorf("after the deletions rule %q has priority %d, want %d", r.Name, r.Priority, i+1)
			}
			if first[r.MatchID] == "" {
				first[r.MatchID] = r.ID
			}
		}
		for i := range 8 {
			m := f.member(t, fmt.Sprintf("m%d", i))
			if m.RuleID != first[m.DepartmentID] {
				t.Errorf("%s in %s holds rule %q, want %q", m.LoginID, m.Department, m.RuleID, first[m.DepartmentID])
			}
		}
	})
}
