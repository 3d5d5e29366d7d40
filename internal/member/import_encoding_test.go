package member_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"github.com/kanri/kanri/internal/csvenc"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

// excelShiftJIS is s as Excel's "CSV (Comma delimited)" saves it: code
// page 932, CRLF line ends, and 髙 as the IBM extension FB FC (x/text
// writes the NEC-selected EE E0, which reads the same).
func excelShiftJIS(t *testing.T, s string) string {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().String(strings.ReplaceAll(s, "\n", "\r\n"))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return strings.ReplaceAll(b, "\xee\xe0", "\xfb\xfc")
}

// textsOf returns the display name and department of each member but the
// owner, by login id.
func textsOf(t *testing.T, env *storetest.Env, tenantID string) map[string]string {
	t.Helper()
	ms, err := env.DB.ListMembers(context.Background(), member.Filter{TenantID: tenantID, Limit: 1000})
	must(t, "list members", err)
	got := map[string]string{}
	for _, m := range ms {
		got[m.LoginID] = m.DisplayName + "/" + m.Department
	}
	return got
}

// TestImportJapaneseEncodings: a file imports the same whether Excel
// saved it as Shift_JIS (with 髙, ① and half-width katakana) or as UTF-8
// with a byte-order mark, or it is UTF-8 without one.
func TestImportJapaneseEncodings(t *testing.T) {
	t.Parallel()
	const text = "login_id,display_name,department\n%[1]s1,髙橋 一郎,営業①課\n%[1]s2,ﾔﾏﾀﾞ ﾀﾛｳ,\"総務,ｿｳﾑ\"\n"
	tests := []struct {
		name   string
		encode func(t *testing.T, s string) string
	}{
		{"Shift_JIS as Excel saves it", excelShiftJIS},
		{"UTF-8 with BOM and CRLF", func(_ *testing.T, s string) string { return "\ufeff" + strings.ReplaceAll(s, "\n", "\r\n") }},
		{"UTF-8", func(_ *testing.T, s string) string { return s }},
	}
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		newDept(t, env, ten, "営業①課")
		newDept(t, env, ten, "総務,ｿｳﾑ")
		svc := env.MemberService()
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				login := fmt.Sprintf("enc%d-", i)
				n, err := svc.Import(ten.Ctx, ten.ID, strings.NewReader(tt.encode(t, fmt.Sprintf(text, login))), member.ImportOptions{})
				if err != nil || n != 2 {
					t.Fatalf("Import: got %d, %v (%#v), want 2 members", n, err, err)
				}
				got := textsOf(t, env, ten.ID)
				want := map[string]string{"1": "髙橋 一郎/営業①課", "2": "ﾔﾏﾀﾞ ﾀﾛｳ/総務,ｿｳﾑ"}
				for k, w := range want {
					if g := got[login+k+"@acme.works.example"]; g != w {
						t.Errorf("member %s%s: got %q, want %q", login, k, g, w)
					}
				}
			})
		}
	})
}

// TestExportShiftJISRoundTrip: the Shift_JIS export, status column and
// existing members taken out, imports again with the same names; what
// Shift_JIS cannot represent has become "?".
func TestExportShiftJISRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		in := "login_id,display_name,department\nm1,髙橋 一郎,営業①課\nm2,ﾔﾏﾀﾞ ﾀﾛｳ,総務\nm3,𠮷田 😀,\n"
		newDept(t, env, ten, "営業①課")
		newDept(t, env, ten, "総務")
		_, err := svc.Import(ten.Ctx, ten.ID, strings.NewReader(in), member.ImportOptions{})
		must(t, "import", err)
		var out bytes.Buffer
		w := csvenc.NewWriter(&out, csvenc.ShiftJIS)
		_, err = svc.ExportCSV(ten.Ctx, member.Filter{TenantID: ten.ID, Name: "", Status: member.StatusInvited}, w)
		must(t, "export", err)
		must(t, "flush", w.Close())
		// Login ids start each line and status ends it, both ASCII, so
		// the Shift_JIS bytes between are left as they are.
		var again strings.Builder
		for i, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			line = strings.TrimSuffix(strings.TrimSuffix(line, ",status"), ",invited")
			if i > 0 {
				line = "copy-" + line
			}
			again.WriteString(line + "\r\n")
		}
		n, err := svc.Import(ten.Ctx, ten.ID, strings.NewReader(again.String()), member.ImportOptions{})
		if err != nil || n != 3 {
			t.Fatalf("import the Shift_JIS export: got %d, %v (%#v), want 3", n, err, err)
		}
		got := textsOf(t, env, ten.ID)
		want := map[string]string{"m1": "髙橋 一郎/営業①課", "m2": "ﾔﾏﾀﾞ ﾀﾛｳ/総務", "m3": "?田 ?/"}
		for k, w := range want {
			if g := got["copy-"+k+"@acme.works.example"]; g != w {
				t.Errorf("copy of %s: got %q, want %q", k, g, w)
			}
		}
	})
}

// TestImportReportsEveryProblem: every problem of every line counts; the
// first maxLineErrors are listed by line, then how many more there are,
// exactly, logins already in use included.
func TestImportReportsEveryProblem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		storetest.NewMember(t, env, ten.Tenant, "taken", storetest.MemberOpts{})
		var in strings.Builder
		in.WriteString("login_id,display_name\n")
		for i := range 80 {
			fmt.Fprintf(&in, "bad id %d,\n", i) // two problems each: lines 2–81
		}
		in.WriteString("taken,Taken\n") // line 82: one more
		_, err := env.MemberService().Import(ten.Ctx, ten.ID, strings.NewReader(in.String()), member.ImportOptions{})
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid || !strings.Contains(e.Message("en"), "161 problems") {
			t.Fatalf("Import: got %v, want Invalid with 161 problems", err)
		}
		if len(e.Details) != 101 {
			t.Fatalf("details: got %d, want 100 and the count of the rest", len(e.Details))
		}
		last := e.Details[len(e.Details)-1]
		if last.Location != "file" || last.Message("en") != "and 61 more problems" || last.Message("ja") != "ほかに61件の誤りがあります" {
			t.Errorf("last detail: %q %q / %q, want file: and 61 more problems", last.Location, last.Message("en"), last.Message("ja"))
		}
		if ja := e.Message("ja"); !strings.Contains(ja, "161件の誤り") {
			t.Errorf("summary in Japanese: got %q, want it to count 161件の誤り", ja)
		}
		if e.Details[0].Location != "line 2" || e.Details[1].Location != "line 2" || e.Details[99].Location != "line 51" {
			t.Errorf("details: first %q, %q, last listed %q; want line 2, line 2, line 51", e.Details[0].Location, e.Details[1].Location, e.Details[99].Location)
		}
	})
}
