package audit_test

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/store/storetest"
)

func TestListPagesWithCursor(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		other := storetest.SignUp(t, env, "other")
		var want []string
		for i := range 7 {
			// Microseconds and shared times: the cursor must keep both exact.
			env.Clock.Advance(time.Duration(i%2) * 1234567 * time.Nanosecond)
			e := audit.Recorder{IDs: env.IDs}.Event(ten.Ctx, env.Clock.Now(), ten.ID, fmt.Sprintf("test.event_%d", i), "tenant", ten.ID, nil, nil)
			if err := env.DB.AppendAuditEvents(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		all, err := env.DB.ListAuditEvents(ctx, audit.Filter{TenantID: ten.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range all {
			want = append(want, e.ID)
		}

		svc := &audit.Service{Store: env.DB}
		var got []string
		cursor := ""
		for page := 0; page < 20; page++ {
			es, next, err := svc.List(ten.Ctx, audit.Filter{TenantID: ten.ID, Limit: 2}, cursor)
			if err != nil {
				t.Fatalf("page %d: %v", page, err)
			}
			for _, e := range es {
				got = append(got, e.ID)
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ids over every page (-want +got):\n%s", diff)
		}

		role := storetest.NewRole(t, env, ten.ID, "members", false, auth.PermMembersManage)
		plain := storetest.Actor(t, env, storetest.NewMember(t, env, ten.Tenant, "plain", storetest.MemberOpts{RoleIDs: []string{role.ID}}))
		tests := []struct {
			name   string
			ctx    context.Context
			cursor string
			kind   errs.Kind
		}{
			{"without audit.read", plain, "", errs.PermissionDenied},
			{"another tenant's trail", other.Ctx, "", errs.NotFound},
			{"signed out", context.Background(), "", errs.Unauthenticated},
			{"garbled cursor", ten.Ctx, "not a cursor", errs.Malformed},
			{"cursor with a time but no event id", ten.Ctx, base64.RawURLEncoding.EncodeToString([]byte("2026-03-15T00:00:00Z|nope")), errs.Malformed},
		}
		for _, tt := range tests {
			_, _, err := svc.List(tt.ctx, audit.Filter{TenantID: ten.ID}, tt.cursor)
			if got := errs.KindOf(err); err == nil || got != tt.kind {
				t.Errorf("List %s: got %v (kind %v), want kind %v", tt.name, err, got, tt.kind)
			}
		}
	})
}

func TestExportCSV(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		env.Clock.Advance(time.Second)
		evil := auth.WithActor(ctx, &auth.Actor{Kind: auth.KindMember, ID: ten.Owner.ID, TenantID: ten.ID, Name: "=HYPERLINK(\"x\")",
			UserAgent: "+cmd", SuperAdmin: true})
		e := audit.Recorder{IDs: env.IDs}.Event(evil, env.Clock.Now(), ten.ID, "test.csv", "tenant", ten.ID, nil, map[string]string{"a": "b"})
		if err := env.DB.AppendAuditEvents(ctx, e); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := (&audit.Service{Store: env.DB}).Export(ten.Ctx, audit.Filter{TenantID: ten.ID}, time.UTC, &b); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1+3 { // header, the test event, tenant.created and member.added from sign-up
			t.Fatalf("rows: got %d, want 4:\n%s", len(rows), b.String())
		}
		if diff := cmp.Diff(audit.CSVHeader, rows[0]); diff != "" {
			t.Errorf("header (-want +got):\n%s", diff)
		}
		newest := rows[1]
		if newest[4] != "test.csv" || newest[3] != "'=HYPERLINK(\"x\")" || newest[10] != "'+cmd" {
			t.Errorf("newest row: got action %q, actor name %q, user agent %q; want test.csv and formulas defused", newest[4], newest[3], newest[10])
		}
	})
}
