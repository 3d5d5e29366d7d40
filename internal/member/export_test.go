package member_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestExportCSVRoundTrip: the export pages through every member but the
// deleted, its header is the import's plus status, formulas are made
// inert, and the rows, renamed and without status, import again.
// Department and position names a spreadsheet would run (made inert with a
// "'") are no names of the directory, so the import that reads them back
// creates what is missing, as it took any text before the directory.
func TestExportCSVRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		var in strings.Builder
		in.WriteString("login_id,display_name,email,phone,department,position\n")
		for i := range 600 { // more than one page of 500
			fmt.Fprintf(&in, "m%03d,Member %d,m%d@example.com,+81 3-0000-%04d,Sales,Lead\n", i, i, i, i)
		}
		in.WriteString("evil,\"=HYPERLINK(\"\"http://x\"\")\",,,@SUM(A1),-cmd\n")
		newDept(t, env, ten, "Sales")
		newPos(t, env, ten, "Lead")
		n, err := svc.Import(ten.Ctx, ten.ID, strings.NewReader(in.String()), member.ImportOptions{CreateMissing: true})
		must(t, "import", err)
		gone := storetest.NewMember(t, env, ten.Tenant, "gone", storetest.MemberOpts{Status: member.StatusDeleted})

		var out bytes.Buffer
		got, err := svc.ExportCSV(ten.Ctx, member.Filter{TenantID: ten.ID, After: "ignored", Limit: 1}, &out)
		must(t, "export", err)
		if want := n + 1; got != want { // the owner too
			t.Errorf("exported rows: got %d, want %d", got, want)
		}
		rows, err := csv.NewReader(&out).ReadAll()
		must(t, "read the export", err)
		if diff := cmp.Diff(member.ExportColumns(nil), rows[0]); diff != "" {
			t.Errorf("header (-want +got):\n%s", diff)
		}
		byLogin := map[string][]string{}
		for _, r := range rows[1:] {
			byLogin[r[0]] = r
		}
		if len(byLogin) != got || byLogin[gone.LoginID] != nil {
			t.Errorf("export: %d distinct rows of %d, deleted member included: %v", len(byLogin), got, byLogin[gone.LoginID] != nil)
		}
		want := map[string][]string{
			"m007@acme.works.example": {"m007@acme.works.example", "Member 7", "m7@example.com", "+81 3-0000-0007", "Sales", "Lead", "", "invited"},
			"evil@acme.works.example": {"evil@acme.works.example", `'=HYPERLINK("http://x")`, "", "", "'@SUM(A1)", "'-cmd", "", "invited"},
		}
		for login, w := range want {
			if diff := cmp.Diff(w, byLogin[login]); diff != "" {
				t.Errorf("row %s (-want +got):\n%s", login, diff)
			}
		}

		var again strings.Builder
		cw := csv.NewWriter(&again)
		_ = cw.Write(member.ImportColumns())
		for _, r := range rows[1:] {
			local, _, _ := strings.Cut(r[0], "@")
			_ = cw.Write(append([]string{"copy-" + local}, r[1:7]...))
		}
		cw.Flush()
		// Every name exists now, formula-like ones included (exported with
		// a "'" that the import takes off again).
		n2, err := svc.Import(ten.Ctx, ten.ID, strings.NewReader(again.String()), member.ImportOptions{})
		must(t, "import the export", err)
		if n2 != got {
			t.Errorf("re-import: got %d members, want %d", n2, got)
		}
		orig, cp := byLoginID(t, env, ten.ID, "m007@"), byLoginID(t, env, ten.ID, "copy-m007@")
		if cp.DepartmentID != orig.DepartmentID || cp.PositionID != orig.PositionID || cp.DepartmentID == "" {
			t.Errorf("re-imported m007: department %s, position %s; want the original's %s, %s",
				cp.DepartmentID, cp.PositionID, orig.DepartmentID, orig.PositionID)
		}
	})
}

func TestExportCSVRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		var out bytes.Buffer
		plain := storetest.NewMember(t, env, ten.Tenant, "plain", storetest.MemberOpts{})
		_, err := svc.ExportCSV(storetest.Actor(t, env, plain), member.Filter{TenantID: ten.ID}, &out)
		wantKind(t, "export by a plain member", err, errs.PermissionDenied)
		_, err = svc.ExportCSV(ten.Ctx, member.Filter{TenantID: ten.ID, Status: "gone"}, &out)
		wantField(t, "export of an unknown status", err, errs.Invalid, "status")
		if out.Len() != 0 {
			t.Errorf("refused exports wrote %q", out.String())
		}
		n, err := svc.ExportCSV(ten.Ctx, member.Filter{TenantID: ten.ID, Status: member.StatusSuspended}, &out)
		must(t, "export of no one", err)
		if want := strings.Join(member.ExportColumns(nil), ",") + "\n"; n != 0 || out.String() != want {
			t.Errorf("empty export: got %d rows %q, want 0 rows %q", n, out.String(), want)
		}
	})
}

// byLoginID returns the member of tenantID whose login id starts with prefix.
func byLoginID(t *testing.T, env *storetest.Env, tenantID, prefix string) *member.Member {
	t.Helper()
	ms, err := env.DB.ListMembers(context.Background(), member.Filter{TenantID: tenantID, LoginID: prefix, Limit: 1})
	must(t, "list members", err)
	if len(ms) != 1 {
		t.Fatalf("members with login id %s…: got %d, want 1", prefix, len(ms))
	}
	return ms[0]
}
