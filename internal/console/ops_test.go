package console_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/auth"
)

// The operator tests sign in as.
const (
	opsEmail    = "ops@vendor.example"
	opsPassword = "operator-password-1"
)

// startOps runs a Kanri with tenant "acme" and an operator created as
// `kanri operator create` does, and returns a browser signed in as it.
func startOps(t *testing.T) (*apptest.Server, *apptest.Tenant, *browser) {
	t.Helper()
	s, ten := start(t)
	if _, err := s.App.Services.Sessions.CreateOperator(auth.System(context.Background(), "test"), opsEmail, "Ops Taro", opsPassword); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, s)
	b.signInOperator(opsEmail, opsPassword)
	return s, ten, b
}

var tenantLink = regexp.MustCompile(`href="/ops/tenants/([^"]+)">([^<]+)</a>`)

// listed returns the works groups of the tenants list on p, in order.
func listed(p *page) []string {
	var wgs []string
	for _, m := range tenantLink.FindAllStringSubmatch(p.Body, -1) {
		wgs = append(wgs, m[2])
	}
	return wgs
}

// TestOpsTenantsList: the operator's tenant list shows every tenant with
// its columns, searches by works-group or company name, and pages by
// cursor without losing or repeating a tenant.
func TestOpsTenantsList(t *testing.T) {
	s, ten, b := startOps(t)
	s.Signup("beta-works")
	s.Signup("gamma")

	p := b.get("/ops")
	if p.Status != http.StatusOK {
		t.Fatalf("GET /ops: %d\n%s", p.Status, p.Body)
	}
	if got, want := slices.Sorted(slices.Values(listed(p))), []string{"acme", "beta-works", "gamma"}; !slices.Equal(got, want) {
		t.Errorf("listed %v, want %v", got, want)
	}
	for _, want := range []string{"テナント一覧", `href="/ops/tenants/` + ten.ID + `"`, "acme Inc.", "直接契約", "利用中",
		ten.Domain, "作成日時", `<span class="who">` + opsEmail, `id="sign-out"`, `for="f-q"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("tenants list lacks %q", want)
		}
	}

	for _, c := range []struct {
		name, query string
		want        []string
	}{
		{"works group, any case", "BETA", []string{"beta-works"}},
		{"company name", "gamma+Inc", []string{"gamma"}},
		{"nothing", "zzz", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := b.get("/ops?q=" + c.query)
			if got := listed(p); p.Status != http.StatusOK || !slices.Equal(got, c.want) {
				t.Errorf("?q=%s: %d %v, want %v", c.query, p.Status, got, c.want)
			}
			if c.want == nil && !strings.Contains(p.Body, "該当するデータはありません。") {
				t.Errorf("an empty result must say so")
			}
		})
	}

	first := b.get("/ops?limit=2")
	if got := listed(first); len(got) != 2 || strings.Contains(first.Body, `id="page-first"`) {
		t.Fatalf("first page of 2: %v, want 2 tenants and no link to the first page", got)
	}
	next := regexp.MustCompile(`href="([^"]+)" class="button" id="page-next"`).FindStringSubmatch(first.Body)
	if next == nil {
		t.Fatalf("first page has no next link:\n%s", first.Body)
	}
	second := b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	all := append(listed(first), listed(second)...)
	if got, want := slices.Sorted(slices.Values(all)), []string{"acme", "beta-works", "gamma"}; !slices.Equal(got, want) {
		t.Errorf("two pages listed %v, want %v once each", all, want)
	}
	if strings.Contains(second.Body, `id="page-next"`) || !strings.Contains(second.Body, `href="/ops?limit=2" class="button" id="page-first"`) {
		t.Errorf("last page: want a link to the first page and none to a next one:\n%s", second.Body)
	}
}

// TestOpsTenantDetail shows one tenant's information; an unknown id is a
// 404 page in the operator console.
func TestOpsTenantDetail(t *testing.T) {
	_, ten, b := startOps(t)
	p := b.get("/ops/tenants/" + ten.ID)
	if p.Status != http.StatusOK {
		t.Fatalf("GET tenant: %d\n%s", p.Status, p.Body)
	}
	for _, want := range []string{"テナント詳細", "<h1>acme — acme Inc.</h1>", ten.ID, ten.Domain, "直接契約", "利用中", "日本語",
		`<a href="/ops">テナント一覧に戻る</a>`, `<a href="/ops">運営者画面</a>`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("tenant page lacks %q", want)
		}
	}
	if !strings.Contains(p.Body, `id="tenant-billable">1<`) || !strings.Contains(p.Body, "admin@"+ten.Domain) {
		t.Errorf("acme has one billable member, its super admin admin@%s:\n%s", ten.Domain, p.Body)
	}
	if p := b.get("/ops/tenants/ten_nope"); p.Status != http.StatusNotFound || !strings.Contains(p.Body, `href="/ops"`) {
		t.Errorf("unknown tenant: %d, want a 404 page leading back to /ops", p.Status)
	}
}

// TestOpsRefusesOthers: a member's session, or none, never opens the
// operator console: it goes to the operator sign-in page.
func TestOpsRefusesOthers(t *testing.T) {
	s, ten := start(t)
	anon := newBrowser(t, s)
	mem := newBrowser(t, s)
	mem.signIn("admin@"+ten.Domain, apptest.Password)
	for _, b := range []*browser{anon, mem} {
		for path, to := range map[string]string{
			"/ops":                   "/ops/login?next=%2Fops",
			"/ops/tenants/" + ten.ID: "/ops/login?next=%2Fops%2Ftenants%2F" + ten.ID,
		} {
			if p := b.get(path); p.Status != http.StatusSeeOther || p.Location != to {
				t.Errorf("GET %s: %d %q, want a redirect to %s", path, p.Status, p.Location, to)
			}
		}
	}
	if p := mem.get("/admin"); p.Status != http.StatusOK {
		t.Errorf("the member's session must still work: %d", p.Status)
	}
}

// TestOpsPagesInEnglish renders each operator page in English.
func TestOpsPagesInEnglish(t *testing.T) {
	_, ten, b := startOps(t)
	b.setLang("en")
	for path, wants := range map[string][]string{
		"/ops":                   {`lang="en"`, "Tenants", "Search by works-group or company name", "Direct", "Active", "Created"},
		"/ops/tenants/" + ten.ID: {`lang="en"`, "Tenant details", "Overview", "Primary domain", "Japanese", "Back to tenants"},
		"/ops?q=zzz":             {"Nothing found."},
	} {
		p := b.get(path)
		if p.Status != http.StatusOK {
			t.Errorf("GET %s: %d", path, p.Status)
			continue
		}
		for _, want := range wants {
			if !strings.Contains(p.Body, want) {
				t.Errorf("GET %s in English lacks %q", path, want)
			}
		}
	}
}
