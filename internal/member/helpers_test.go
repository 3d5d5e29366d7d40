package member_test

import (
	"context"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

// wantKind fails t unless err is of kind.
func wantKind(t *testing.T, what string, err error, kind errs.Kind) {
	t.Helper()
	if got := errs.KindOf(err); err == nil || got != kind {
		t.Errorf("%s: got error %v (kind %v), want kind %v", what, err, got, kind)
	}
}

// wantField fails t unless err is of kind and names field.
func wantField(t *testing.T, what string, err error, kind errs.Kind, field string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind || e.Field != field {
		t.Errorf("%s: got error %v (%#v), want kind %v naming field %q", what, err, e, kind, field)
	}
}

// wantJapanese fails t unless msg, an error's text in Japanese, holds
// Japanese and, once the ids and names in ids are taken out, no ASCII
// letter: no English word has slipped into it. "ID" is the console's own
// word (ログインID) and stays allowed.
func wantJapanese(t *testing.T, what, msg string, ids ...string) {
	t.Helper()
	rest := msg
	for _, id := range append(ids, "ID") {
		rest = strings.ReplaceAll(rest, id, "")
	}
	if !strings.ContainsFunc(rest, func(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) }) ||
		strings.ContainsFunc(rest, func(r rune) bool { return r < unicode.MaxASCII && unicode.IsLetter(r) }) {
		t.Errorf("%s: got %q, want Japanese with no English beyond %q", what, msg, ids)
	}
}

// must fails t now when err is not nil.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// events returns tenantID's audit events whose action starts with prefix,
// newest first.
func events(t *testing.T, env *storetest.Env, tenantID, prefix string) []*audit.Event {
	t.Helper()
	es, err := env.DB.ListAuditEvents(context.Background(), audit.Filter{TenantID: tenantID, Action: prefix, Limit: 10000})
	must(t, "list audit events", err)
	return es
}

// stored returns a member as the store has it.
func stored(t *testing.T, env *storetest.Env, tenantID, memberID string) *member.Member {
	t.Helper()
	m, err := env.DB.GetMember(context.Background(), tenantID, memberID)
	must(t, "get member", err)
	return m
}

// admin adds a member of ten holding a new role with perms, and returns it
// with a context acting as it.
func admin(t *testing.T, env *storetest.Env, ten *storetest.Tenant, local string, perms ...auth.Permission) (*member.Member, context.Context) {
	t.Helper()
	r := storetest.NewRole(t, env, ten.ID, "role-"+local, false, perms...)
	m := storetest.NewMember(t, env, ten.Tenant, local, storetest.MemberOpts{RoleIDs: []string{r.ID}})
	return m, storetest.Actor(t, env, m)
}

func ptr[T any](v T) *T { return &v }

// cmpSorted compares string slices as sets with repeats.
var cmpSorted = cmpopts.SortSlices(func(a, b string) bool { return a < b })

// newDept creates a department of ten named name, as its super admin, and
// returns its id.
func newDept(t *testing.T, env *storetest.Env, ten *storetest.Tenant, name string) string {
	t.Helper()
	d, err := env.MemberService().CreateDepartment(ten.Ctx, ten.ID, member.DepartmentInput{Name: name})
	must(t, "create department "+name, err)
	return d.ID
}

// newPos creates a position of ten named name, as its super admin, and
// returns its id.
func newPos(t *testing.T, env *storetest.Env, ten *storetest.Tenant, name string) string {
	t.Helper()
	p, err := env.MemberService().SavePosition(ten.Ctx, ten.ID, "", name)
	must(t, "create position "+name, err)
	return p.ID
}
