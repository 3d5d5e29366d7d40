package password_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/password"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store/storetest"
)

// newPassword is a password every policy accepts.
const newPassword = "a new and quiet river"

// requests are the reset-request limits of service.
var requests = session.Limits{PerAccount: 5, PerIP: 30, Window: time.Hour}

// service is the password service on env, as kanri serve has it, but a
// request's job runs at once, as a worker would, on a context that carries
// nothing of the request's.
func service(env *storetest.Env) *password.Service {
	s := queuing(env, nil)
	s.Later = func(_ context.Context, r password.Request) error { return s.Send(context.Background(), r) }
	return s
}

// queuing is the password service on env whose requests' jobs are
// appended to *queue, to be run with Send.
func queuing(env *storetest.Env, queue *[]password.Request) *password.Service {
	return &password.Service{Store: env.DB, Clock: env.Clock, Audit: audit.Recorder{IDs: env.IDs}, Notify: env.NotifyService(), IDs: env.IDs,
		BaseURL: "http://kanri.test", Sessions: env.SessionService(), Requests: requests, TTL: 30 * time.Minute, AdminTTL: 24 * time.Hour,
		Later: func(_ context.Context, r password.Request) error { *queue = append(*queue, r); return nil }}
}

// visitor is an anonymous caller from ip.
func visitor(ip string) context.Context {
	return auth.WithActor(context.Background(), &auth.Actor{Kind: auth.KindAnonymous, IP: ip})
}

// withEmail gives m a personal e-mail address.
func withEmail(t *testing.T, env *storetest.Env, m *member.Member, email string) *member.Member {
	t.Helper()
	m.Email = email
	must(t, "set e-mail", env.DB.UpdateMember(context.Background(), m))
	return m
}

var tokenRE = regexp.MustCompile(`token=(pwr_[0-9A-Za-z]+)`)

// resetMails returns the password_reset mails to address, oldest first.
func resetMails(t *testing.T, env *storetest.Env, address string) []*notify.Mail {
	t.Helper()
	all, err := env.DB.ListMails(context.Background(), notify.Page{Limit: 500})
	must(t, "list mails", err)
	var out []*notify.Mail
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].Template == "password_reset" && all[i].To == address {
			out = append(out, all[i])
		}
	}
	return out
}

// mailedToken returns the token of the newest reset mail to address.
func mailedToken(t *testing.T, env *storetest.Env, address string) string {
	t.Helper()
	ms := resetMails(t, env, address)
	if len(ms) == 0 {
		t.Fatalf("no password_reset mail to %s", address)
	}
	m := tokenRE.FindStringSubmatch(ms[len(ms)-1].Text)
	if m == nil {
		t.Fatalf("no reset link in the mail:\n%s", ms[len(ms)-1].Text)
	}
	return m[1]
}

func events(t *testing.T, env *storetest.Env, tenantID, action string) []*audit.Event {
	t.Helper()
	es, err := env.DB.ListAuditEvents(context.Background(), audit.Filter{TenantID: tenantID, Action: action, Limit: 1000})
	must(t, "list audit events", err)
	var out []*audit.Event // the filter takes prefixes: password_reset would find password_reset_requested
	for _, e := range es {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// compact is JSON without spaces: PostgreSQL's jsonb adds them.
func compact(b []byte) string { return strings.ReplaceAll(string(b), " ", "") }

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantKind(t *testing.T, what string, err error, kind errs.Kind) {
	t.Helper()
	if got := errs.KindOf(err); err == nil || got != kind {
		t.Errorf("%s: got error %v (kind %v), want kind %v", what, err, got, kind)
	}
}

// signIn signs in with the session service and fails the test unless it
// works.
func signIn(t *testing.T, env *storetest.Env, loginID, pw string) string {
	t.Helper()
	token, _, err := env.SessionService().Login(context.Background(), loginID, pw, session.Client{IP: "192.0.2.9"})
	must(t, "sign in "+loginID, err)
	return token
}

// live reports whether token still authenticates.
func live(env *storetest.Env, token string) bool {
	_, err := env.SessionService().Authenticate(context.Background(), token, session.Client{})
	return err == nil
}
