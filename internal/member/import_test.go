package member_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

func TestImportAddsInvitedMembers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		csv := "\ufeffLogin_ID,display_name,email,department\n" +
			"ann,Ann Lee,ann@example.com,Sales\n" +
			"Bob@ACME.works.example,\"Bob, Jr.\",,\n" +
			"carl.k,Carl,,R&D\n"
		sales, rd := newDept(t, env, ten, "Sales"), newDept(t, env, ten, "R&D")
		n, err := env.MemberService().Import(ten.Ctx, ten.ID, strings.NewReader(csv), member.ImportOptions{})
		must(t, "import", err)
		if n != 3 {
			t.Errorf("Import: got %d members, want 3", n)
		}
		ms, err := env.DB.ListMembers(context.Background(), member.Filter{TenantID: ten.ID, Status: member.StatusInvited, Limit: 100})
		must(t, "list members", err)
		type row struct{ LoginID, DisplayName, Email, DepartmentID, Department string }
		var got []row
		ids := map[string]bool{}
		for _, m := range ms {
			got = append(got, row{m.LoginID, m.DisplayName, m.Email, m.DepartmentID, m.Department})
			ids[m.ID] = true
		}
		slices.SortFunc(got, func(a, b row) int { return strings.Compare(a.LoginID, b.LoginID) })
		want := []row{
			{"ann@acme.works.example", "Ann Lee", "ann@example.com", sales, "Sales"},
			{"bob@acme.works.example", "Bob, Jr.", "", "", ""},
			{"carl.k@acme.works.example", "Carl", "", rd, "R&D"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("imported members (-want +got):\n%s", diff)
		}
		es := events(t, env, ten.ID, "member.added")
		perMember := map[string]int{}
		for _, e := range es {
			if e.TargetID != ten.Owner.ID {
				perMember[e.TargetID]++
			}
		}
		for id := range ids {
			if perMember[id] != 1 {
				t.Errorf("member.added events for %s: got %d, want 1", id, perMember[id])
			}
		}
		if len(perMember) != len(ids) {
			t.Errorf("member.added events: got %d members, want %d", len(perMember), len(ids))
		}
	})
}

func TestImportIsAllOrNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		csv     string
		field   string            // for a problem with the whole file
		details map[string]string // location → part of the message
	}{
		{
			name: "bad lines",
			csv: "login_id,display_name\n" +
				"ann,Ann\n" + // line 2: fine
				"Bad Id!,Bad\n" + // 3
				"bob,Bob\n" + // 4: fine
				"BOB,Bob again\n" + // 5: duplicate of line 4
				"taken,Taken\n" + // 6: already in use
				"carl,Carl,extra\n" + // 7: wrong column count
				"dan@example.com,Dan\n" + // 8: another domain
				"eve,\n", // 9: no display name
			details: map[string]string{
				"line 3": "not valid",
				"line 5": "already on line 4",
				"line 6": "already in use",
				"line 7": "wrong number of fields",
				"line 8": "must end with @acme.works.example",
				"line 9": "display name is required",
			},
		},
		{
			name: "every problem of a line",
			csv:  "login_id,display_name,phone\nBad Id!,,+81 3-0000-0000-0000-0000-0000-0000\n",
			details: map[string]string{
				"line 2": "not valid | display name is required | phone may have at most 30 characters",
			},
		},
		{
			name: "department and position not in the directory",
			csv:  "login_id,display_name,department,position\nann,Ann,Nowhere,Nobody\nbob,Bob,Sales,\n",
			details: map[string]string{
				"line 2": `no department "Nowhere" | no position "Nobody"`,
			},
		},
		{name: "neither UTF-8 nor Shift_JIS", csv: "login_id,display_name\nann,\xff\xfe\n", field: "file"},
		{name: "unknown header", csv: "login_id,display_name,shoe_size\nann,Ann,42\n", field: "file"},
		{name: "missing display name column", csv: "login_id,email\nann,ann@example.com\n", field: "file"},
		{name: "empty file", csv: "", field: "file"},
		{name: "header only", csv: "login_id,display_name\n", field: "file"},
	}
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		storetest.NewMember(t, env, ten.Tenant, "taken", storetest.MemberOpts{})
		newDept(t, env, ten, "Sales")
		svc := env.MemberService()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				n, err := svc.Import(ten.Ctx, ten.ID, strings.NewReader(tt.csv), member.ImportOptions{})
				if n != 0 {
					t.Errorf("Import: got %d members, want 0", n)
				}
				wantField(t, "Import", err, errs.Invalid, tt.field)
				e, _ := errs.As(err)
				var got map[string]string
				for _, d := range e.Details {
					if got == nil {
						got = map[string]string{}
					}
					got[d.Location] += d.Message("en") + "\n"
				}
				if diff := cmp.Diff(tt.details, got, cmp.Comparer(func(x, y string) bool {
					return covers(x, y) || covers(y, x)
				})); diff != "" {
					t.Errorf("problems by line (-want +got):\n%s", diff)
				}
			})
		}
		ms, err := env.DB.ListMembers(context.Background(), member.Filter{TenantID: ten.ID, Limit: 100})
		must(t, "list members", err)
		if len(ms) != 2 {
			t.Errorf("members after refused imports: got %d, want 2 (owner and taken)", len(ms))
		}
		if es := events(t, env, ten.ID, "member.added"); len(es) != 1 {
			t.Errorf("member.added events after refused imports: got %d, want 1 (the sign-up's)", len(es))
		}
	})
}

// TestImportProblemsInJapanese: each line's problem is a detail with its
// line, code and parameters, so that it reads in the reader's language:
// in Japanese, with no English beyond what the file holds.
func TestImportProblemsInJapanese(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		storetest.NewMember(t, env, ten.Tenant, "taken", storetest.MemberOpts{})
		csv := "login_id,display_name,department\n" +
			"Bad Id!,Bad,\n" + // 2
			"bob,Bob,\n" + // 3
			"bob,Bob again,\n" + // 4
			"taken,Taken,\n" + // 5
			"carl,Carl,Sales,extra\n" + // 6
			"dan,Dan,\u202ESales\n" // 7
		_, err := env.MemberService().Import(ten.Ctx, ten.ID, strings.NewReader(csv), member.ImportOptions{})
		e, ok := errs.As(err)
		if !ok || e.Code != "member.import_problems" {
			t.Fatalf("Import: got %v, want member.import_problems", err)
		}
		type problem struct {
			Line int
			Code string
			Ja   string
		}
		want := []problem{
			{2, "member.login_id_invalid", "ログインID「Bad Id!」は使えません。"},
			{4, "member.import_login_id_repeated", "ログインID bob@acme.works.example は3行目にもあります。"},
			{5, "member.login_id_taken", "ログインID taken@acme.works.example はすでに使われています。"},
			{6, "member.import_field_count", "列の数が見出し行と合いません(この行は4列、見出し行は3列)。"},
			{7, "text.character_refused", "部署に文字の表示順を変える見えない制御文字(U+202E、1文字目)が含まれています。"},
		}
		var got []problem
		for _, d := range e.Details {
			got = append(got, problem{d.Line, d.Code, d.Message("ja")})
			wantJapanese(t, d.Location, d.Message("ja"), "Bad Id!", "bob@acme.works.example", "taken@acme.works.example", "U+202E")
		}
		if diff := cmp.Diff(want, got, cmp.Comparer(func(x, y string) bool {
			return strings.HasPrefix(x, y) || strings.HasPrefix(y, x)
		})); diff != "" {
			t.Errorf("problems in Japanese (-want +got):\n%s", diff)
		}
		if ja := e.Message("ja"); !strings.HasPrefix(ja, "ファイルに5件の誤りがあるため、何も登録していません。") {
			t.Errorf("summary in Japanese: got %q", ja)
		}
	})
}

// covers reports whether each " | "-separated part of want is in got and
// got has one problem per part.
func covers(want, got string) bool {
	parts := strings.Split(want, " | ")
	for _, p := range parts {
		if !strings.Contains(got, p) {
			return false
		}
	}
	return strings.Count(got, "\n") == len(parts)
}
