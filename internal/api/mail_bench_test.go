package api_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/dnscheck/dnstest"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/mailer"
	"github.com/kanri/kanri/internal/notify"
)

// sink is an SMTP server on loopback that accepts every mail and counts it.
type sink struct {
	port     int
	accepted atomic.Int64
}

func startSink(b *testing.B) *sink {
	b.Helper()
	s := &sink{}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return sinkSession{s}, nil }

type sinkSession struct{ s *sink }

func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (ss sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	ss.s.accepted.Add(1)
	return nil
}
func (sinkSession) Reset()        {}
func (sinkSession) Logout() error { return nil }

// waitFor polls the sink until it accepted n mails, for up to limit.
func (s *sink) waitFor(b *testing.B, n int64, limit time.Duration) {
	b.Helper()
	for deadline := time.Now().Add(limit); s.accepted.Load() < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("the SMTP server accepted %d mails in %v, want %d", s.accepted.Load(), limit, n)
		}
	}
}

func (s *sink) config() app.SMTPConfig {
	return app.SMTPConfig{Host: "127.0.0.1", Port: s.port, TLS: mailer.TLSNone, From: "kanri@vendor.example", FromName: "Kanri"}
}

// rawSMTP is the raw limit beside Kanri's delivery: conns connections send
// n rendered mails to the sink straight from memory, no database.
func rawSMTP(b *testing.B, s *sink, n, conns int) float64 {
	b.Helper()
	m, err := mailer.New(mailer.Config{Host: "127.0.0.1", Port: s.port, TLS: mailer.TLSNone, From: "kanri@vendor.example"})
	if err != nil {
		b.Fatal(err)
	}
	msgs := make([]mailer.Message, n/conns)
	for i := range msgs {
		msgs[i] = mailer.Message{MessageID: fmt.Sprintf("raw%d@kanri", i), To: fmt.Sprintf("user%07d@example.com", i), ToName: "Member",
			Subject: "【Kanri】ログイン ID が変わりました", Text: "山田 花子 様\n\nログイン ID が変わりました。\n", HTML: "<p>山田 花子 様</p>"}
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for i := 0; i < len(msgs); i += 50 { // a connection per 50, as Kanri's senders take them
				for _, err := range m.SendAll(context.Background(), msgs[i:min(i+50, len(msgs))]) {
					if err != nil {
						b.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	return float64(len(msgs)*conns) / time.Since(start).Seconds()
}

// startJobs runs the app's job runner (relay, River, mail senders) until b ends.
func startJobs(b *testing.B, srv *apptest.Server) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.App.Jobs.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("jobs: %v", err)
		}
	})
}

// BenchmarkMailDelivery writes 20,000 mails (bulk, as one big change
// writes them) and measures how fast the senders move them to an SMTP
// server on loopback that accepts everything; beside it, the raw limit of
// the same server fed from memory over one and over four connections.
func BenchmarkMailDelivery(b *testing.B) {
	const n = 20_000
	apptest.Engines(b, func(b *testing.B, url string) {
		mta := startSink(b)
		raw1, raw4 := rawSMTP(b, mta, 10_000, 1), rawSMTP(b, mta, 10_000, 4)
		mta.accepted.Store(0)
		srv := apptest.Start(b, url, func(c *app.Config) { c.SMTP = mta.config() })
		ntf := srv.App.Services.Notify.Service
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			mta.accepted.Store(0)
			for batch := 0; batch < n; batch += 500 {
				err := srv.App.DB.InTx(context.Background(), func(ctx context.Context) error {
					ms := make([]*notify.Mail, 500)
					for j := range ms {
						var err error
						ms[j], err = ntf.Prepare("", notify.Recipient{Address: fmt.Sprintf("user%07d@example.com", batch+j), Name: "Member", Language: "ja"},
							"member_added", notify.MailData{CompanyName: "Big Inc.", WorksGroup: "big", MemberName: "Member", LoginID: "member@big.example"})
						if err != nil {
							return err
						}
					}
					return ntf.Queue(ctx, ms...)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
			start := time.Now()
			if i == 0 {
				startJobs(b, srv)
			}
			mta.waitFor(b, n, 10*time.Minute)
			took := time.Since(start)
			b.ReportMetric(n/took.Seconds(), "mails/s")
		}
		b.ReportMetric(raw1, "raw-1conn-mails/s")
		b.ReportMetric(raw4, "raw-4conn-mails/s")
		if left := apptest.CountRows(b, url, `SELECT COUNT(*) FROM mails WHERE status <> 'sent'`); left != 0 {
			b.Errorf("%d mails not sent", left)
		}
	})
}

// BenchmarkMailIsolation: while the primary-domain change of a tenant with
// 100,000 members is mailing them (through the app's own job runner, to
// an SMTP server on loopback), another tenant changes its primary domain.
// Reported: how long until the second tenant's renaming is committed
// (target ≤ 5 s) and until its admin signs in with the new login id; and
// how fast the big tenant's mails were written and delivered.
func BenchmarkMailIsolation(b *testing.B) {
	apptest.Engines(b, func(b *testing.B, url string) {
		dns, mta := dnstest.Start(b), startSink(b)
		srv := apptest.Start(b, url, func(c *app.Config) { c.DNSResolver, c.TestClock, c.SMTP = dns.Addr, true, mta.config() })
		big, small := srv.Signup("bigco"), srv.Signup("smallco")
		importInto(b, srv, big, apptest.MembersCSV(importRows))
		importInto(b, srv, small, apptest.MembersCSV(10))
		// The imports' invitations are not what is measured: out of the way.
		raw := apptest.RawDB(b, url)
		if _, err := raw.Exec(`UPDATE mails SET status = 'kept'`); err != nil {
			b.Fatal(err)
		}
		startJobs(b, srv)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			bigTo := verifiedDomain(b, srv, dns, big, fmt.Sprintf("bigco%d.example", i))
			smallTo := verifiedDomain(b, srv, dns, small, fmt.Sprintf("smallco%d.example", i))
			mta.accepted.Store(0)
			b.StartTimer()

			start := time.Now()
			bigChange := makePrimary(b, srv, big, bigTo)
			mta.waitFor(b, 2_000, 5*time.Minute) // the big tenant's mails are on their way
			mailing := time.Since(start)
			asked := time.Now()
			change := makePrimary(b, srv, small, smallTo)
			for {
				c, err := srv.App.DB.GetChange(context.Background(), change.ID)
				if err != nil {
					b.Fatal(err)
				}
				if c.Status != domain.ChangeRenaming {
					break
				}
				time.Sleep(time.Millisecond)
			}
			committed := time.Since(asked)
			small.AdminToken = srv.Login("admin@"+smallTo.Name, apptest.Password)
			signedIn := time.Since(asked)
			waitMailed(b, srv, raw, bigChange.ID)
			b.StopTimer()
			all := time.Since(start)
			b.ReportMetric(committed.Seconds(), "other-commit-s")
			b.ReportMetric(signedIn.Seconds(), "other-signin-s")
			b.ReportMetric(mailing.Seconds(), "first-2000-mails-s")
			b.ReportMetric(float64(mta.accepted.Load())/all.Seconds(), "mails/s")
			b.ReportMetric(all.Seconds(), "all-mails-s")
			srv.App.Clock.(interface{ Set(time.Time) }).Set(srv.App.Clock.Now().Add(25 * time.Hour)) // the next change may come a day later
			big.AdminToken = srv.Login("admin@"+bigTo.Name, apptest.Password)
			small.AdminToken = srv.Login("admin@"+smallTo.Name, apptest.Password)
		}
	})
}

// waitMailed waits until change is done and no mail is pending.
func waitMailed(b *testing.B, srv *apptest.Server, raw *sql.DB, changeID string) {
	b.Helper()
	for deadline := time.Now().Add(30 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		c, err := srv.App.DB.GetChange(context.Background(), changeID)
		if err != nil {
			b.Fatal(err)
		}
		var pending int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM mails WHERE status = 'pending'`).Scan(&pending); err != nil {
			b.Fatal(err)
		}
		if c.Status == domain.ChangeDone && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("change %s is %s with %d mails pending after 30 minutes", changeID, c.Status, pending)
		}
	}
}

// makePrimary asks for to to become ten's primary domain and returns the change.
func makePrimary(b *testing.B, srv *apptest.Server, ten *apptest.Tenant, to api.Domain) api.DomainChange {
	b.Helper()
	var change api.DomainChange
	expect(b, srv, http.StatusAccepted, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/domains/"+to.ID+"/make-primary"), Token: ten.AdminToken}).Decode(b, &change)
	return change
}
