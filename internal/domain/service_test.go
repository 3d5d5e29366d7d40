package domain_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"

	"github.com/kanri/kanri/internal/dnscheck"
	"github.com/kanri/kanri/internal/dnscheck/dnstest"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store/storetest"
)

// zone is DNS as the service sees it: a fake at the system's edge (the real
// resolver is tested against real DNS servers in internal/dnscheck).
type zone struct {
	mu      sync.Mutex
	txt, mx map[string][]string
	down    error // every query fails with it, as SERVFAIL or a timeout would
}

func newZone() *zone { return &zone{txt: map[string][]string{}, mx: map[string][]string{}} }

func (z *zone) TXT(_ context.Context, name string) ([]string, error) { return z.get(z.txt, name) }
func (z *zone) MX(_ context.Context, name string) ([]string, error)  { return z.get(z.mx, name) }

func (z *zone) get(m map[string][]string, name string) ([]string, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	return m[name], z.down
}

func (z *zone) publish(p domain.Proof, method string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if method == domain.MethodMX {
		z.mx[p.MXName] = append(z.mx[p.MXName], strings.ToUpper(p.MXHost)+".")
		return
	}
	z.txt[p.TXTName] = append(z.txt[p.TXTName], "v=spf1 -all", p.TXTValue)
}

func wantKind(t *testing.T, err error, kind errs.Kind, contains string) {
	t.Helper()
	if !errs.Is(err, kind) || !strings.Contains(err.Error(), contains) {
		t.Fatalf("got error %v, want kind %v containing %q", err, kind, contains)
	}
}

// wantJA fails t unless err is an *errs.Error whose Japanese message, as
// an admin in Tokyo reads it, contains contains.
func wantJA(t *testing.T, err error, contains string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || !strings.Contains(e.MessageIn("ja", storetest.Zone), contains) {
		t.Fatalf("got error %v, want one whose Japanese message contains %q", err, contains)
	}
}

// wantFinding fails t unless c found code and its message contains en in
// English and ja in Japanese.
func wantFinding(t *testing.T, c *domain.Check, code, en, ja string) {
	t.Helper()
	if c == nil || c.Finding.Code != code {
		t.Fatalf("check %+v, want the finding %s", c, code)
	}
	if got := c.Finding.Message("en"); !strings.Contains(got, en) {
		t.Errorf("%s in English: %q\nwant it to contain %q", code, got, en)
	}
	if got := c.Finding.Message("ja"); !strings.Contains(got, ja) {
		t.Errorf("%s in Japanese: %q\nwant it to contain %q", code, got, ja)
	}
}

// addVerified adds name to ten and proves it by TXT.
func addVerified(t *testing.T, svc *domain.Service, z *zone, ten *storetest.Tenant, name string) *domain.Domain {
	t.Helper()
	d, err := svc.Add(ten.Ctx, ten.ID, name)
	if err != nil {
		t.Fatal(err)
	}
	z.publish(svc.Proof(d), domain.MethodTXT)
	c, err := svc.Verify(ten.Ctx, ten.ID, d.ID)
	if err != nil || c.Outcome != domain.OutcomeVerified {
		t.Fatalf("verify %s: %+v, %v", name, c, err)
	}
	return c.Domain
}

func TestVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		z := newZone()
		svc := env.DomainService(z)
		ten := storetest.SignUp(t, env, "acme")
		add := func(name string) *domain.Domain {
			d, err := svc.Add(ten.Ctx, ten.ID, name)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != domain.StatusPending || len(d.Token) < 26 || !d.Deadline.Equal(env.Clock.Now().Add(14*24*time.Hour)) {
				t.Fatalf("added %+v: want pending, a 128-bit token and a deadline in 14 days", d)
			}
			return d
		}

		byTXT, byMX, wrong, flaky := add("txt.example.jp"), add("mx.example.jp"), add("wrong.example.jp"), add("flaky.example.jp")
		z.publish(svc.Proof(byTXT), domain.MethodTXT)
		z.publish(svc.Proof(byMX), domain.MethodMX)
		z.txt[svc.Proof(wrong).TXTName] = []string{"kanri-verification=someone-else"}
		cases := []struct {
			name    string
			d       *domain.Domain
			down    error
			outcome string
			status  string
			method  string
		}{
			{"TXT record among others", byTXT, nil, domain.OutcomeVerified, domain.StatusActive, domain.MethodTXT},
			{"MX record, upper case with a trailing dot", byMX, nil, domain.OutcomeVerified, domain.StatusActive, domain.MethodMX},
			{"wrong token", wrong, nil, domain.OutcomeNotFound, domain.StatusPending, ""},
			{"DNS down is not a failure", flaky, errors.New("SERVFAIL from 127.0.0.1:53"), domain.OutcomeNotVisibleYet, domain.StatusPending, ""},
		}
		for _, tc := range cases {
			z.down = tc.down
			c, err := svc.Verify(ten.Ctx, ten.ID, tc.d.ID)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got, _ := svc.Get(ten.Ctx, ten.ID, tc.d.ID)
			if c.Outcome != tc.outcome || got.Status != tc.status || got.Method != tc.method {
				t.Errorf("%s: outcome %s, stored %s/%q; want %s, %s/%q (finding %+v)", tc.name, c.Outcome, got.Status, got.Method, tc.outcome, tc.status, tc.method, c.Finding)
			}
			for _, lang := range []string{"ja", "en"} {
				if msg := c.Finding.Message(lang); msg == "" || msg == c.Finding.Code || strings.Contains(msg, "\n") {
					t.Errorf("%s: %s message %q is not one line of words", tc.name, lang, msg)
				}
			}
			if diff := cmp.Diff(c.Finding, got.LastCheck); diff != "" && tc.status == domain.StatusPending {
				t.Errorf("%s: the check's finding was not kept (-found +stored):\n%s", tc.name, diff)
			}
		}
		z.down = nil
		c, _ := svc.Verify(ten.Ctx, ten.ID, wrong.ID)
		p := svc.Proof(wrong)
		wantFinding(t, c, "domain.check_txt_mismatch",
			"TXT record found at "+p.TXTName+`: "kanri-verification=someone-else"; expected: "`+p.TXTValue+`"`,
			p.TXTName+` のTXTレコードは見つかりましたが、値が一致しません。見つかった値: "kanri-verification=someone-else"。必要な値: 「`+p.TXTValue+"」")

		// Past the deadline the background check expires the domain: off the list, mailed, and addable again.
		env.Clock.Advance(15 * 24 * time.Hour)
		if err := svc.CheckPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		ds, _ := svc.List(ten.Ctx, ten.ID)
		if names := domainNames(ds); names != "acme.works.example,mx.example.jp,txt.example.jp" {
			t.Errorf("after the deadline the list is %s, want the provided and the two verified domains", names)
		}
		if n := countMails(t, env, "domain_expired"); n != 2 {
			t.Errorf("%d expiry mails, want 2", n)
		}
		if _, err := svc.Add(ten.Ctx, ten.ID, "wrong.example.jp"); err != nil {
			t.Errorf("adding an expired domain again: %v", err)
		}
	})
}

// TestVerifyAgainstDNSServers checks domains through the real resolver
// against real DNS servers on loopback: what a check found reads in
// Japanese and English, and a server that does not answer reads as that,
// never in its own words (REFUSED from 127.0.0.1:5354 …), which go to the
// log only.
func TestVerifyAgainstDNSServers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		server := dnstest.Start(t)
		var log bytes.Buffer
		svc := env.DomainService(&dnscheck.Resolver{Addr: server.Addr, Timeout: 200 * time.Millisecond, Log: slog.New(slog.NewTextHandler(&log, nil))})
		ten := storetest.SignUp(t, env, "acme")
		add := func(name string) (*domain.Domain, domain.Proof) {
			d, err := svc.Add(ten.Ctx, ten.ID, name)
			if err != nil {
				t.Fatal(err)
			}
			return d, svc.Proof(d)
		}
		verify := func(d *domain.Domain) *domain.Check {
			t.Helper()
			c, err := svc.Verify(ten.Ctx, ten.ID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}

		none, p := add("none.example.jp")
		wantFinding(t, verify(none), "domain.check_no_records",
			`no record yet: publish TXT "`+p.TXTValue+`" at `+p.TXTName+", or MX "+p.MXHost+" at "+p.MXName,
			"レコードがまだ見つかりません。"+p.TXTName+" にTXTレコード「"+p.TXTValue+"」を設定するか、"+p.MXName+" にMXレコード "+p.MXHost+" を設定してください。")

		wrong, p := add("wrong.example.jp")
		server.SetTXT(p.TXTName, []string{"kanri-verification=", "old-token"})
		server.SetMX(p.MXName, "mx1.example.jp")
		c := verify(wrong)
		wantFinding(t, c, "domain.check_txt_mismatch",
			"TXT record found at "+p.TXTName+`: "kanri-verification=old-token"; expected: "`+p.TXTValue+`"`,
			`見つかった値: "kanri-verification=old-token"。必要な値: 「`+p.TXTValue+"」。レコードの値を修正してください")
		if c.Outcome != domain.OutcomeNotFound || !slices.Equal(c.MX, []string{"mx1.example.jp"}) {
			t.Errorf("check of a wrong token: %+v", c)
		}

		mail, p := add("mail.example.jp")
		server.SetMX(p.MXName, "mx1.example.jp", "mx2.example.jp")
		wantFinding(t, verify(mail), "domain.check_mx_mismatch",
			"MX record found at "+p.MXName+": mx1.example.jp, mx2.example.jp; expected: "+p.MXHost,
			"見つかったメールサーバー: mx1.example.jp, mx2.example.jp。必要なメールサーバー: "+p.MXHost+"。")

		for _, tt := range []struct {
			name string
			fail func(p domain.Proof)
		}{
			{"refused", func(p domain.Proof) { server.SetRcode(p.TXTName, dns.RcodeRefused) }},
			{"servfail", func(p domain.Proof) { server.SetRcode(p.MXName, dns.RcodeServerFailure) }},
			{"timeout", func(p domain.Proof) { server.SetDelay(p.MXName, 5*time.Second) }},
		} {
			d, p := add(tt.name + ".example.jp")
			tt.fail(p)
			c := verify(d)
			wantFinding(t, c, "domain.check_dns_unanswered",
				"the DNS server did not answer about "+d.Name+": Kanri will check again in a few minutes",
				"DNSサーバーから "+d.Name+" についての応答がありませんでした。Kanriが数分おきに自動で確認します")
			stored, err := svc.Get(ten.Ctx, ten.ID, d.ID)
			if err != nil || c.Outcome != domain.OutcomeNotVisibleYet || stored.Status != domain.StatusPending {
				t.Errorf("%s: outcome %s, stored %+v, %v; want not visible yet, still pending", tt.name, c.Outcome, stored, err)
			}
			for _, lang := range []string{"ja", "en"} {
				msg := c.Finding.Message(lang) + " " + stored.LastCheck.Message(lang)
				for _, raw := range []string{"REFUSED", "SERVFAIL", "127.0.0.1", server.Addr, "i/o timeout", "no answer", "unavailable"} {
					if strings.Contains(msg, raw) {
						t.Errorf("%s: the %s message %q shows the resolver's %q", tt.name, lang, msg, raw)
					}
				}
			}
		}
		for _, want := range []string{"reason=refused", "reason=server_failure", "reason=timeout", "server=" + server.Addr} {
			if !strings.Contains(log.String(), want) {
				t.Errorf("the log does not say %s:\n%s", want, log.String())
			}
		}
	})
}

// TestVerifyAgainstDnsmasq runs the README's quickstart DNS server: with a
// wrong token published, the check reads as wrong, not as "not visible
// yet"; a name it does not serve is refused, and reads as no answer.
func TestVerifyAgainstDnsmasq(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		addr := dnstest.StartDnsmasq(t, "--local=/example.jp/", "--txt-record=_kanri-challenge.example.jp,kanri-verification=wrong-token")
		svc := env.DomainService(&dnscheck.Resolver{Addr: addr, Timeout: 2 * time.Second})
		ten := storetest.SignUp(t, env, "acme")
		for _, tt := range []struct{ name, code, en, ja string }{
			{"example.jp", "domain.check_txt_mismatch", `TXT record found at _kanri-challenge.example.jp: "kanri-verification=wrong-token"; expected: "kanri-verification=`,
				`_kanri-challenge.example.jp のTXTレコードは見つかりましたが、値が一致しません。見つかった値: "kanri-verification=wrong-token"。`},
			{"example.org", "domain.check_dns_unanswered", "the DNS server did not answer about example.org", "DNSサーバーから example.org についての応答がありませんでした。"},
		} {
			d, err := svc.Add(ten.Ctx, ten.ID, tt.name)
			if err != nil {
				t.Fatal(err)
			}
			c, err := svc.Verify(ten.Ctx, ten.ID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantFinding(t, c, tt.code, tt.en, tt.ja)
			if msg := c.Finding.Message("ja") + c.Finding.Message("en"); strings.Contains(msg, "REFUSED") || strings.Contains(msg, "127.0.0.1") {
				t.Errorf("%s: the message %q shows the resolver's words", tt.name, msg)
			}
		}
	})
}

func domainNames(ds []*domain.Domain) string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	return strings.Join(names, ",")
}

func countMails(t *testing.T, env *storetest.Env, template string) int {
	t.Helper()
	ms, err := env.DB.ListMails(context.Background(), notify.Page{Limit: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if m.Template == template {
			n++
		}
	}
	return n
}

// TestVerifyRace: two tenants add the same domain and both publish their
// record; verifying at once, exactly one wins.
func TestVerifyRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		z := newZone()
		svc := env.DomainService(z)
		var tens [2]*storetest.Tenant
		var ds [2]*domain.Domain
		for i := range tens {
			tens[i] = storetest.SignUp(t, env, fmt.Sprintf("racer%d", i))
			d, err := svc.Add(tens[i].Ctx, tens[i].ID, "contested.example")
			if err != nil {
				t.Fatal(err)
			}
			ds[i] = d
			z.publish(svc.Proof(d), domain.MethodTXT)
		}
		var wg sync.WaitGroup
		var errsSeen [2]error
		for i := range tens {
			wg.Go(func() { _, errsSeen[i] = svc.Verify(tens[i].Ctx, tens[i].ID, ds[i].ID) })
		}
		wg.Wait()
		won, lost := 0, 0
		for i := range tens {
			d, _ := env.DB.GetDomain(context.Background(), tens[i].ID, ds[i].ID)
			switch {
			case errsSeen[i] == nil && d.Status == domain.StatusActive:
				won++
			case errs.Is(errsSeen[i], errs.Conflict) && d.Status == domain.StatusPending:
				lost++
			default:
				t.Errorf("tenant %d: error %v, status %s", i, errsSeen[i], d.Status)
			}
		}
		if won != 1 || lost != 1 {
			t.Fatalf("won %d, lost %d; want exactly one winner", won, lost)
		}
		// The background check finds the loser's record too: an answer (the
		// name is taken), kept on the domain, not a failure of the job.
		if err := svc.CheckPending(context.Background()); err != nil {
			t.Errorf("background check after the race: %v", err)
		}
		for i := range tens {
			d, _ := env.DB.GetDomain(context.Background(), tens[i].ID, ds[i].ID)
			if d.Status == domain.StatusPending && (d.LastCheck.Code != "domain.taken" || !strings.Contains(d.LastCheck.Message("en"), "another tenant") ||
				!strings.Contains(d.LastCheck.Message("ja"), "別のワークスグループ")) {
				t.Errorf("the loser's domain says %+v, want why it stays pending", d.LastCheck)
			}
		}
		// A latecomer cannot add it either.
		other := storetest.SignUp(t, env, "latecomer")
		_, err := svc.Add(other.Ctx, other.ID, "contested.example")
		wantKind(t, err, errs.Conflict, "another tenant")
		wantJA(t, err, "別のワークスグループですでに所有権が確認されています。")
	})
}

func TestAddAndDeleteRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		z := newZone()
		svc := env.DomainService(z)
		ten := storetest.SignUp(t, env, "acme")
		plain := storetest.Actor(t, env, storetest.NewMember(t, env, ten.Tenant, "plain", storetest.MemberOpts{}))

		_, err := svc.Add(plain, ten.ID, "plain.example")
		wantKind(t, err, errs.PermissionDenied, "Manage company information")
		first := addVerified(t, svc, z, ten, "first.example")
		_, err = svc.Add(ten.Ctx, ten.ID, "FIRST.example")
		wantKind(t, err, errs.Conflict, "already on this tenant's list")
		wantJA(t, err, "ドメイン first.example はすでにドメイン一覧にあります。")
		for i := 2; i <= domain.MaxSubMail; i++ {
			if _, err := svc.Add(ten.Ctx, ten.ID, fmt.Sprintf("d%d.example", i)); err != nil {
				t.Fatal(err)
			}
		}
		_, err = svc.Add(ten.Ctx, ten.ID, "eleventh.example")
		wantKind(t, err, errs.Invalid, "at most")
		wantJA(t, err, "追加できるドメインは10個までです。")

		ds, _ := svc.List(ten.Ctx, ten.ID)
		provided := ds[0]
		if !provided.Primary || provided.Kind != domain.KindProvided || provided.Status != domain.StatusActive {
			t.Fatalf("first listed domain %+v, want the provided primary", provided)
		}
		err = svc.Delete(ten.Ctx, ten.ID, provided.ID, provided.Name)
		wantKind(t, err, errs.FailedPrecondition, "primary")
		wantJA(t, err, "acme.works.example はプライマリドメインのため削除できません。")
		if err := svc.Delete(ten.Ctx, ten.ID, first.ID, ""); err != nil {
			t.Fatalf("delete a custom domain: %v", err)
		}
		_, err = svc.Get(ten.Ctx, ten.ID, first.ID)
		wantKind(t, err, errs.NotFound, "not found")
	})
}

// TestProvidedDomainDeletion: after a primary change the provided domain
// may go, but only by the super admin naming it; it never comes back.
func TestProvidedDomainDeletion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		z := newZone()
		svc := env.DomainService(z)
		ten := storetest.SignUp(t, env, "acme")
		admin := storetest.NewMember(t, env, ten.Tenant, "admin2", storetest.MemberOpts{RoleIDs: []string{ten.Roles["admin"].ID}})
		custom := addVerified(t, svc, z, ten, "acme.example")
		change, err := svc.MakePrimary(ten.Ctx, ten.ID, custom.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.RunChange(context.Background(), change.ID); err != nil {
			t.Fatal(err)
		}
		owner := storetest.Actor(t, env, mustMember(t, env, ten.ID, ten.Owner.ID))
		adminCtx := storetest.Actor(t, env, mustMember(t, env, ten.ID, admin.ID))
		ds, _ := svc.List(owner, ten.ID)
		old := ds[1]
		if old.Name != "acme.works.example" || !old.SubMail() {
			t.Fatalf("after the change %+v is second; want the provided domain as a sub mail domain", old)
		}
		err = svc.Delete(adminCtx, ten.ID, old.ID, old.Name)
		wantKind(t, err, errs.PermissionDenied, "super admin")
		wantJA(t, err, "最高管理者のみ")
		err = svc.Delete(owner, ten.ID, old.ID, "")
		wantKind(t, err, errs.Invalid, "cannot be undone")
		wantJA(t, err, "確認のためドメイン名「acme.works.example」を入力してください。")
		if err := svc.Delete(owner, ten.ID, old.ID, " acme.works.example "); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Add(owner, ten.ID, "acme.works.example")
		wantKind(t, err, errs.Invalid, "works.example")
	})
}

func mustMember(t *testing.T, env *storetest.Env, tenantID, id string) *member.Member {
	t.Helper()
	m, err := env.DB.GetMember(context.Background(), tenantID, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
