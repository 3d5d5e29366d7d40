package app_test

import (
	"fmt"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
)

// These tests run `kanri serve` and a `kanri worker` on one database and
// kill (SIGKILL) or pause (SIGSTOP) the worker while it sends mail to a
// slow SMTP server on loopback and posts webhooks.

// runningDeliveries counts the mails claimed by a sender and the webhook
// jobs marked running.
const runningDeliveries = `SELECT (SELECT COUNT(*) FROM mails WHERE status = 'pending' AND claimed_until IS NOT NULL) +
	(SELECT COUNT(*) FROM river_job WHERE state = 'running' AND kind = 'deliver_webhook')`

// inviteMany starts a kanri serve with serveFlags, a worker, a slow SMTP
// server and a webhook receiver, invites 50 members, and waits until 15
// invitations have arrived. It returns the worker.
func inviteMany(t *testing.T, bin, url string, serveFlags ...string) (worker *exec.Cmd, mta *smtpServer, rcv *receiver, emails map[string]string, flags []string) {
	t.Helper()
	mta, rcv = startSMTP(t, 0), startReceiver(t, 0)
	mta.slow(150 * time.Millisecond)
	flags = []string{"--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(mta.port), "--smtp-tls", "none", "--allow-private-webhooks"}
	first := serve(t, bin, url, append(flags, serveFlags...)...)
	s := apptest.Remote(t, first.url)
	registerEndpoint(t, s, cliOperatorToken(t, bin, url), rcv)
	worker = runWorker(t, bin, url, flags...)
	ten := s.Signup("workerco")
	s.PayMonthly(ten)
	emails = map[string]string{}
	for i := range 50 {
		login := fmt.Sprintf("m%02d", i)
		emails[login+"@"+ten.Domain] = login + "@invitees.example"
		addMember(t, s, ten, map[string]any{"login_id": login, "display_name": "Member " + login, "email": emails[login+"@"+ten.Domain]})
	}
	eventually(t, time.Minute, func() string {
		if n := len(invitations(mta, emails)); n < 15 {
			return fmt.Sprintf("%d invitations arrived, want 15", n)
		}
		return ""
	})
	return worker, mta, rcv, emails, flags
}

// runWorker starts `kanri worker` on the database at url; it is killed
// when t ends, if not before.
func runWorker(t *testing.T, bin, url string, flags ...string) *exec.Cmd {
	t.Helper()
	logs := &testWriter{t: t}
	t.Cleanup(logs.close)
	cmd := exec.Command(bin, append([]string{"worker", "--database", url, "--log-level", "warn"}, flags...)...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// allDelivered waits up to two minutes until every invitation and every
// member.added webhook arrived and no delivery job is running, and checks
// that nothing arrived twice but under its one Message-ID or webhook-id.
func allDelivered(t *testing.T, url string, mta *smtpServer, rcv *receiver, emails map[string]string) {
	t.Helper()
	since := time.Now()
	eventually(t, 2*time.Minute, func() string {
		if n := len(invitations(mta, emails)); n < len(emails) {
			return fmt.Sprintf("%d of %d invitations arrived", n, len(emails))
		}
		if n := apptest.CountRows(t, url, runningDeliveries); n > 0 {
			return fmt.Sprintf("%d delivery jobs still running", n)
		}
		return eachEventArrived(emails, rcv)
	})
	t.Logf("everything arrived %v later", time.Since(since).Round(time.Second))
	checkInvitedOnce(t, mta, emails)
}

// eachEventArrived says what is wrong unless one member.added event
// (by webhook-id) arrived for each member of emails; it may have come twice.
func eachEventArrived(emails map[string]string, rcv *receiver) string {
	_, handled, events, refusals := rcv.snapshot()
	if len(refusals) > 0 {
		return fmt.Sprintf("the receiver refused deliveries: %v", refusals)
	}
	seen := map[string]int{}
	for id, e := range events {
		if handled[id] > 0 {
			seen[e.Type+" "+e.Data.Member.LoginID]++
		}
	}
	for login := range emails {
		if n := seen["member.added "+login]; n != 1 {
			return fmt.Sprintf("%d member.added events of %s arrived, want 1", n, login)
		}
	}
	return ""
}

// TestWorkerKillWhileServeRuns: a `kanri worker` killed mid-way while
// `kanri serve --workers=false` keeps serving; another worker started at
// once sends everything due within two minutes.
func TestWorkerKillWhileServeRuns(t *testing.T) {
	longTest(t, "builds kanri and kills kanri worker processes")
	t.Parallel()
	bin := buildKanri(t)
	onEachDatabase(t, func(t *testing.T, url string) {
		worker, mta, rcv, emails, flags := inviteMany(t, bin, url, "--workers=false")
		_ = worker.Process.Kill()
		_ = worker.Wait()
		t.Logf("killed the worker with %d delivery jobs running", apptest.CountRows(t, url, runningDeliveries))
		runWorker(t, bin, url, flags...)
		allDelivered(t, url, mta, rcv, emails)
	})
}

// TestPausedWorker: a `kanri worker` paused (SIGSTOP) for 30 s while a
// `kanri serve` also works jobs: its lease lapses, serve runs its jobs
// again; once it goes on (SIGCONT) everything is delivered, a mail twice
// only under its one Message-ID, and no job is left running.
func TestPausedWorker(t *testing.T) {
	longTest(t, "builds kanri and pauses kanri worker processes")
	t.Parallel()
	bin := buildKanri(t)
	onEachDatabase(t, func(t *testing.T, url string) {
		worker, mta, rcv, emails, _ := inviteMany(t, bin, url)
		if err := worker.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		t.Logf("paused the worker with %d delivery jobs running", apptest.CountRows(t, url, runningDeliveries))
		time.Sleep(30 * time.Second)
		if err := worker.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		allDelivered(t, url, mta, rcv, emails)
	})
}
