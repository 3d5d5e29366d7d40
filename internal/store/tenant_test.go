package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/tenant"
)

func TestTenantCreateGetUpdate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		want := storetest.NewTenant(t, env, "acme")
		got, err := env.DB.GetTenant(ctx, want.ID)
		must(t, "get tenant", err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetTenant after CreateTenant (-want +got):\n%s", diff)
		}

		want.WorksGroup, want.CompanyName, want.Phone, want.Language = "acme-kk", "Acme KK", "+81 3-1234-5678", "en"
		want.Region, want.NoticesEnabled, want.NoticeRecipients, want.Status = "Tokyo", false, tenant.RecipientsAll, tenant.StatusClosed
		want.UpdatedAt = want.UpdatedAt.Add(time.Hour)
		must(t, "update tenant", env.DB.UpdateTenant(ctx, want))
		got, err = env.DB.GetTenant(ctx, want.ID)
		must(t, "get tenant", err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetTenant after UpdateTenant (-want +got):\n%s", diff)
		}

		_, err = env.DB.GetTenant(ctx, "ten_missing")
		wantKind(t, "GetTenant(missing)", err, errs.NotFound)
		missing := *want
		missing.ID, missing.WorksGroup = "ten_missing", "missing"
		wantKind(t, "UpdateTenant(missing)", env.DB.UpdateTenant(ctx, &missing), errs.NotFound)
	})
}

func TestTenantWorksGroupUnique(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		acme := storetest.NewTenant(t, env, "acme")
		beta := storetest.NewTenant(t, env, "beta")

		dup := *acme
		dup.ID, dup.PrimaryDomain = env.IDs.New("ten"), "other.works.example"
		wantKind(t, "CreateTenant(same works group)", env.DB.CreateTenant(ctx, &dup), errs.Conflict)
		if _, err := env.DB.GetTenant(ctx, dup.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("GetTenant(refused tenant): got error %v, want NotFound", err)
		}

		beta.WorksGroup = "acme"
		wantKind(t, "UpdateTenant(works group of another tenant)", env.DB.UpdateTenant(ctx, beta), errs.Conflict)
		got, err := env.DB.GetTenant(ctx, beta.ID)
		must(t, "get tenant", err)
		if got.WorksGroup != "beta" {
			t.Errorf("works group after refused update: got %q, want %q", got.WorksGroup, "beta")
		}
	})
}

func TestListTenants(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		byName := map[string]string{}
		for _, wg := range []string{"alpha", "bravo", "charlie", "delta", "echo-corp"} {
			byName[wg] = storetest.NewTenant(t, env, wg).ID
			env.Clock.Advance(time.Millisecond)
		}
		tests := []struct {
			name  string
			query string
			want  []string
		}{
			{"no query", "", []string{"alpha", "bravo", "charlie", "delta", "echo-corp"}},
			{"works-group substring", "ha", []string{"alpha", "charlie"}},
			{"company name any case", "COMPANY", []string{"alpha", "bravo", "charlie", "delta", "echo-corp"}},
			{"hyphen", "o-c", []string{"echo-corp"}},
			{"underscore is literal", "_", nil},
			{"percent is literal", "%", nil},
			{"no match", "zulu", nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var want []string
				for _, wg := range tt.want {
					want = append(want, byName[wg])
				}
				slices.Sort(want)
				var got []string
				after := ""
				for page := 0; page < 10; page++ {
					ts, err := env.DB.ListTenants(ctx, tenant.Filter{Query: tt.query, After: after, Limit: 2})
					must(t, "list tenants", err)
					if len(ts) > 2 {
						t.Fatalf("page %d: got %d tenants, want at most 2", page, len(ts))
					}
					for _, x := range ts {
						got = append(got, x.ID)
					}
					if len(ts) < 2 {
						break
					}
					after = ts[len(ts)-1].ID
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("tenant ids over every page (-want +got):\n%s", diff)
				}
			})
		}
	})
}
