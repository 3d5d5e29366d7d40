package app_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/dnscheck/dnstest"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestPrimaryChangeSurvivesKill starts a primary-domain change of a tenant
// with 10,000 members, runs the job in a `kanri worker` process, kills it
// (SIGKILL) while it is mailing, and starts another worker: the change
// finishes, every login id is on the new domain, and every member is mailed
// exactly once. The new worker's domain check, which runs at start, resumes
// the change, and the killed worker's River job runs again once its lease
// lapses (jobs' rescue of dead processes' jobs): both runs are safe together.
func TestPrimaryChangeSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs kanri worker processes")
	}
	t.Parallel()
	bin := buildKanri(t)
	onEachDatabase(t, func(t *testing.T, url string) {
		const members = 10000
		dns := dnstest.Start(t)
		s := apptest.Start(t, url, func(c *app.Config) { c.DNSResolver = dns.Addr })
		ten := s.Signup("bigco")
		s.PayMonthly(ten)
		if res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members/import?create_missing=true", Token: ten.AdminToken,
			Body: apptest.MembersCSV(members)}); res.Status != 200 {
			t.Fatalf("import: %d %s", res.Status, res.Body)
		}
		change := startChange(t, s, dns, ten, "bigco.example")

		first := startWorker(t, bin, url, dns.Addr)
		c := waitChange(t, s, change, func(c *domain.Change) bool { return c.Status == domain.ChangeMailing && c.Mailed >= 2000 })
		if err := first.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = first.Wait()
		if c = waitChange(t, s, change, func(*domain.Change) bool { return true }); c.Status != domain.ChangeMailing || c.Mailed >= members {
			t.Fatalf("after the kill the change is %s with %d mailed; want it killed while mailing", c.Status, c.Mailed)
		}
		t.Logf("killed the worker with %d of %d members mailed", c.Mailed, members+1)

		second := startWorker(t, bin, url, dns.Addr)
		defer func() { _ = second.Process.Kill(); _ = second.Wait() }()
		c = waitChange(t, s, change, func(c *domain.Change) bool { return c.Status == domain.ChangeDone })
		if c.Mailed != members+1 || c.Renamed != members+1 {
			t.Errorf("done change: %d renamed, %d mailed; want %d each", c.Renamed, c.Mailed, members+1)
		}
		checkMailedOnce(t, s, members+1)
		if n := apptest.CountRows(t, url, `SELECT COUNT(*) FROM members m JOIN domains d ON d.tenant_id = m.tenant_id AND d.is_primary
			WHERE m.tenant_id = ? AND d.name = 'bigco.example'`, ten.ID); n != members+1 {
			t.Errorf("%d members have login ids on bigco.example, want %d", n, members+1)
		}
		s.Login("admin@bigco.example", apptest.Password) // fails the test if the new login id does not sign in
	})
}

// publishDomain adds name to ten and publishes its TXT record on dns; it
// returns the domain's id.
func publishDomain(t *testing.T, s *apptest.Server, dns *dnstest.Server, ten *apptest.Tenant, name string) string {
	t.Helper()
	var d struct {
		ID           string
		Verification struct {
			TXTName  string `json:"txt_name"`
			TXTValue string `json:"txt_value"`
		}
	}
	s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/domains", Token: ten.AdminToken,
		Body: map[string]string{"name": name}}).Decode(t, &d)
	dns.SetTXT(d.Verification.TXTName, []string{d.Verification.TXTValue})
	return d.ID
}

// startChange publishes name, verifies it and asks for the primary
// change; it returns the change's id.
func startChange(t *testing.T, s *apptest.Server, dns *dnstest.Server, ten *apptest.Tenant, name string) string {
	t.Helper()
	d := struct{ ID string }{publishDomain(t, s, dns, ten, name)}
	if res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/domains/" + d.ID + "/verify", Token: ten.AdminToken}); !strings.Contains(string(res.Body), `"outcome":"verified"`) {
		t.Fatalf("verify: %s", res.Body)
	}
	var c struct{ ID string }
	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/domains/" + d.ID + "/make-primary", Token: ten.AdminToken})
	if res.Status != 202 {
		t.Fatalf("make-primary: %d %s", res.Status, res.Body)
	}
	res.Decode(t, &c)
	return c.ID
}

func startWorker(t *testing.T, bin, url, resolver string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "worker", "--database", url, "--dns-resolver", resolver, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// waitChange polls the change until ok holds.
func waitChange(t *testing.T, s *apptest.Server, id string, ok func(*domain.Change) bool) *domain.Change {
	t.Helper()
	var c *domain.Change
	waitFor(t, "change "+id, func() (bool, string) {
		var err error
		if c, err = s.App.DB.GetChange(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		return ok(c), fmt.Sprintf("%s with %d mailed", c.Status, c.Mailed)
	})
	return c
}

// waitFor polls done every 5 ms for up to two minutes; done also says
// where things stand, for the failure.
func waitFor(t *testing.T, what string, done func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ok, state := done()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 2 minutes for %s: %s", what, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func checkMailedOnce(t *testing.T, s *apptest.Server, want int) {
	t.Helper()
	ms, err := s.App.DB.ListMails(context.Background(), notify.Page{Limit: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range ms {
		if m.Template == "domain_primary_changed" {
			if seen[m.To]++; seen[m.To] == 2 {
				t.Errorf("%s was mailed twice", m.To)
			}
		}
	}
	if len(seen) != want {
		t.Errorf("%d members mailed their new login id, want %d", len(seen), want)
	}
}

// TestDomainJobs runs the domain jobs on River: the domain check, which
// runs when the worker starts, verifies a domain whose record is published
// without anyone asking; the primary change requested over the API reaches
// its job through the outbox and is done.
func TestDomainJobs(t *testing.T) {
	t.Parallel()
	dns := dnstest.Start(t)
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		s := apptest.Start(t, env.URL, func(c *app.Config) { c.DNSResolver = dns.Addr })
		ten := s.Signup("jobs")
		name := strings.ToLower(strings.TrimPrefix(ten.ID, "ten_")) + ".example" // one per engine: DNS is shared
		d := struct{ ID string }{publishDomain(t, s, dns, ten, name)}
		run(t, newWorker(t, s))
		waitFor(t, "the domain check to verify "+name, func() (bool, string) {
			got, err := s.App.DB.GetDomain(context.Background(), ten.ID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.Status == domain.StatusActive, got.Status + ": " + got.LastCheck.Message("en")
		})
		res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/domains/" + d.ID + "/make-primary", Token: ten.AdminToken})
		var c struct{ ID string }
		res.Decode(t, &c)
		waitChange(t, s, c.ID, func(c *domain.Change) bool { return c.Status == domain.ChangeDone })
		s.Login("admin@"+name, apptest.Password)
	})
}
