package member_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestControlCharactersRefused: a line break, NUL or bidirectional
// override in a name is refused naming the field, by Add, Update, the CSV
// import, roles and the directory's departments and positions alike, and
// nothing is stored or mailed (issue 12: a member named with a CRLF never
// got their invitation).
func TestControlCharactersRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		target := storetest.NewMember(t, env, ten.Tenant, "target", storetest.MemberOpts{})
		svc := env.MemberService()
		add := func(p member.Profile) func() error {
			return func() error {
				_, _, err := svc.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: "newbie", Profile: p})
				return err
			}
		}
		update := func(p member.Profile) func() error {
			return func() error { _, err := svc.Update(ten.Ctx, ten.ID, target.ID, member.Edit{Profile: p}); return err }
		}
		tests := []struct {
			name  string
			do    func() error
			field string
		}{
			{"add: CRLF in the name", add(member.Profile{DisplayName: ptr("Ann\r\nBcc: x@evil.example"), Email: ptr("ann@example.com")}), "display_name"},
			{"add: NUL in the name", add(member.Profile{DisplayName: ptr("Ann\x00")}), "display_name"},
			{"add: right-to-left override in the name", add(member.Profile{DisplayName: ptr("Ann\u202Egpj.exe")}), "display_name"},
			{"department: isolate in the name", func() error {
				_, err := svc.CreateDepartment(ten.Ctx, ten.ID, member.DepartmentInput{Name: "\u2067Sales"})
				return err
			}, "name"},
			{"add: isolate in the department id", add(member.Profile{DisplayName: ptr("Ann"), DepartmentID: ptr("\u2067dep_x")}), "department_id"},
			{"add: noncharacter in the phone", add(member.Profile{DisplayName: ptr("Ann"), Phone: ptr("03\uFDD0")}), "phone"},
			{"update: LF in the name", update(member.Profile{DisplayName: ptr("Ann\nLee")}), "display_name"},
			{"position: tab in the name", func() error { _, err := svc.SavePosition(ten.Ctx, ten.ID, "", "Head\tof sales"); return err }, "name"},
			{"update: tab in the position id", update(member.Profile{PositionID: ptr("pos\t1")}), "position_id"},
			{"update: bidi override in the e-mail", update(member.Profile{Email: ptr("ann\u202E@example.com")}), "email"},
			{"role: isolate in the name", func() error {
				_, err := svc.CreateRole(ten.Ctx, ten.ID, member.RoleInput{Name: "admin\u2066", Permissions: []string{"audit.read"}})
				return err
			}, "name"},
		}
		before := stored(t, env, ten.ID, target.ID)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.do()
				wantField(t, tt.name, err, errs.Invalid, tt.field)
				// The field as the catalog names it: "display name", "e-mail".
				label := i18n.Messages().Fill(i18n.EN, "field."+tt.field, nil)
				if e, ok := errs.As(err); ok && !strings.Contains(e.Message("en"), label) {
					t.Errorf("%s: message %q does not name the field %q", tt.name, e.Message("en"), label)
				}
			})
		}
		if got := stored(t, env, ten.ID, target.ID); got.DisplayName != before.DisplayName || got.UpdatedAt != before.UpdatedAt {
			t.Errorf("member after refused updates: %+v, want it unchanged", got)
		}
		ms, err := env.DB.ListMembers(context.Background(), member.Filter{TenantID: ten.ID, Limit: 100})
		must(t, "list members", err)
		if len(ms) != 2 {
			t.Errorf("members after refused adds: got %d, want 2 (owner and target)", len(ms))
		}
		ds, err := env.DB.ListDepartments(context.Background(), ten.ID)
		must(t, "list departments", err)
		ps, err := env.DB.ListPositions(context.Background(), ten.ID)
		must(t, "list positions", err)
		if len(ds) != 0 || len(ps) != 0 {
			t.Errorf("after refused names: got %d departments and %d positions, want none", len(ds), len(ps))
		}
		mails, err := env.DB.ListMails(context.Background(), notify.Page{Limit: 100})
		must(t, "list mails", err)
		if len(mails) != 0 {
			t.Errorf("mails after refused adds: got %d, want none", len(mails))
		}
	})
}

// TestImportRefusesControlCharacters: a CSV line with a control or bidi
// character is reported by line and field, and nothing is imported.
func TestImportRefusesControlCharacters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		csv := "login_id,display_name,department\n" +
			"ann,\"Ann\r\nLee\",Sales\n" +
			"bob,Bob\x00,Sales\n" +
			"carl,Carl,\u202ESales\n" +
			"dan,Dan,Sales\n"
		newDept(t, env, ten, "Sales")
		_, err := env.MemberService().Import(ten.Ctx, ten.ID, strings.NewReader(csv), member.ImportOptions{})
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid || len(e.Details) != 3 {
			t.Fatalf("Import: got %v (%#v), want Invalid with 3 problems", err, e)
		}
		for i, want := range []struct{ location, field string }{{"line 2", "display name"}, {"line 4", "display name"}, {"line 5", "department"}} {
			if d := e.Details[i]; d.Location != want.location || !strings.HasPrefix(d.Message("en"), want.field+" must not contain") {
				t.Errorf("problem %d: got %s: %s, want %s naming %s", i, d.Location, d.Message("en"), want.location, want.field)
			}
		}
		ms, err := env.DB.ListMembers(context.Background(), member.Filter{TenantID: ten.ID, Limit: 100})
		must(t, "list members", err)
		if len(ms) != 1 {
			t.Errorf("members after a refused import: got %d, want only the owner", len(ms))
		}
	})
}

// TestNamesAreStoredNFC: a name typed in decomposed form (macOS file names,
// some IMEs) is stored composed, by Add, Update, the directory and the
// import alike; the import finds a department or position named in
// decomposed form by its composed name.
func TestNamesAreStoredNFC(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		const nfd, nfc = "Jose\u0301 \u30cf\u309a\u30f3", "Jos\u00e9 \u30d1\u30f3"
		dept, err := svc.CreateDepartment(ten.Ctx, ten.ID, member.DepartmentInput{Name: nfd})
		must(t, "create department", err)
		if dept.Name != nfc {
			t.Errorf("department name: got %q, want %q", dept.Name, nfc)
		}
		m, _, err := svc.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: "jose", Profile: member.Profile{DisplayName: ptr(nfd), DepartmentID: ptr(dept.ID)}})
		must(t, "add", err)
		if got := stored(t, env, ten.ID, m.ID); got.DisplayName != nfc || got.Department != nfc {
			t.Errorf("added: name %q, department %q; want %q", got.DisplayName, got.Department, nfc)
		}
		pos, err := svc.SavePosition(ten.Ctx, ten.ID, "", nfd)
		must(t, "create position", err)
		_, err = svc.Update(ten.Ctx, ten.ID, m.ID, member.Edit{Profile: member.Profile{PositionID: ptr(pos.ID)}})
		must(t, "update", err)
		if got := stored(t, env, ten.ID, m.ID).Position; got != nfc {
			t.Errorf("updated position: got %q, want %q", got, nfc)
		}
		_, err = svc.Import(ten.Ctx, ten.ID, strings.NewReader("login_id,display_name,department,position\nimported,"+nfd+","+nfd+","+nfd+"\n"), member.ImportOptions{})
		must(t, "import", err)
		ms, err := env.DB.ListMembers(context.Background(), member.Filter{TenantID: ten.ID, LoginID: "imported@", Limit: 1})
		must(t, "list members", err)
		if len(ms) != 1 || ms[0].DisplayName != nfc || ms[0].DepartmentID != dept.ID || ms[0].PositionID != pos.ID {
			t.Errorf("imported: %+v, want one member named %q in department %s, position %s", ms, nfc, dept.ID, pos.ID)
		}
		r, err := svc.CreateRole(ten.Ctx, ten.ID, member.RoleInput{Name: nfd, Permissions: []string{"audit.read"}})
		must(t, "create role", err)
		if r.Name != nfc {
			t.Errorf("role name: got %q, want %q", r.Name, nfc)
		}
	})
}
