package dnscheck

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"

	"github.com/kanri/kanri/internal/dnscheck/dnstest"
)

const challenge = "_kanri-challenge.example.jp"

// newResolver starts a test DNS server and returns it with a Resolver that
// asks it.
func newResolver(t *testing.T) (*dnstest.Server, *Resolver) {
	t.Helper()
	s := dnstest.Start(t)
	return s, &Resolver{Addr: s.Addr, Timeout: 2 * time.Second}
}

func TestTXT(t *testing.T) {
	t.Parallel()
	long := make([][]string, 10) // about 2.6 kB: truncated over UDP at 1232
	for i := range long {
		long[i] = []string{strings.Repeat(string(rune('a'+i)), 255)}
	}
	tests := []struct {
		name    string
		records [][]string
		want    []string
	}{
		{"one record", [][]string{{"kanri-verification=tok"}}, []string{"kanri-verification=tok"}},
		{"split strings joined", [][]string{{"kanri-verification=", "t", "ok"}}, []string{"kanri-verification=tok"}},
		{"several records", [][]string{{"v=spf1 -all"}, {"kanri-verification=tok"}}, []string{"kanri-verification=tok", "v=spf1 -all"}},
		{"bytes that miekg/dns escapes", [][]string{{`say "hi" \ 日本`, "\x00\x7f"}}, []string{"say \"hi\" \\ 日本\x00\x7f"}},
		{"truncated over UDP, whole over TCP", long, joinEach(long)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, r := newResolver(t)
			s.SetTXT(challenge, tt.records...)
			got, err := r.TXT(t.Context(), challenge)
			slices.Sort(got)
			if diff := cmp.Diff(tt.want, got); err != nil || diff != "" {
				t.Fatalf("TXT(%s) error %v, records (-want +got):\n%s", challenge, err, diff)
			}
		})
	}
}

func TestMX(t *testing.T) {
	t.Parallel()
	s, r := newResolver(t)
	s.SetMX("Example.JP.", "TOK.MX-Verify.Works.Example.", "mx2.example.jp")
	got, err := r.MX(t.Context(), "example.jp")
	want := []string{"tok.mx-verify.works.example", "mx2.example.jp"}
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Fatalf("MX(example.jp) error %v, hosts (-want +got):\n%s", err, diff)
	}
}

func TestCNAMEFollowed(t *testing.T) {
	t.Parallel()
	s, r := newResolver(t)
	s.SetCNAME(challenge, "verify.dns-host.example")
	s.SetCNAME("verify.dns-host.example", "Final.DNS-Host.example")
	s.SetTXT("final.dns-host.example", []string{"kanri-verification=tok"})
	s.SetMX("final.dns-host.example", "mx.example.jp")
	txt, err := r.TXT(t.Context(), challenge)
	if err != nil || !slices.Equal(txt, []string{"kanri-verification=tok"}) {
		t.Fatalf("TXT through CNAMEs = %q, %v; want [kanri-verification=tok], nil", txt, err)
	}
	mx, err := r.MX(t.Context(), challenge)
	if err != nil || !slices.Equal(mx, []string{"mx.example.jp"}) {
		t.Fatalf("MX through CNAMEs = %q, %v; want [mx.example.jp], nil", mx, err)
	}
}

func TestNoRecords(t *testing.T) {
	t.Parallel()
	s, r := newResolver(t)
	s.SetMX("example.jp", "mx.example.jp")
	s.SetTXT("gone.example.jp", []string{"x"})
	s.Clear("GONE.example.jp.")
	s.SetCNAME("alias.example.jp", "nowhere.example.jp")
	tests := []struct{ name, qname string }{
		{"NXDOMAIN", "missing.example.jp"},
		{"no data: MX only", "example.jp"},
		{"cleared", "gone.example.jp"},
		{"CNAME to NXDOMAIN", "alias.example.jp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, err := r.TXT(t.Context(), tt.qname); got != nil || err != nil {
				t.Fatalf("TXT(%s) = %q, %v; want nil, nil", tt.qname, got, err)
			}
		})
	}
	if got, err := r.MX(t.Context(), "missing.example.jp"); got != nil || err != nil {
		t.Fatalf("MX(missing.example.jp) = %q, %v; want nil, nil", got, err)
	}
}

func TestUnavailable(t *testing.T) {
	t.Parallel()
	s, r := newResolver(t)
	s.SetRcode(challenge, dns.RcodeServerFailure)
	s.SetRcode("refused.example.jp", dns.RcodeRefused)
	tests := []struct {
		name, qname, wantMsg string
		reason               Reason
	}{
		{"SERVFAIL", challenge, "SERVFAIL from " + s.Addr + " for TXT " + challenge + ": DNS answer unavailable", ServerFailure},
		{"REFUSED", "refused.example.jp", "REFUSED from " + s.Addr + " for TXT refused.example.jp", Refused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := r.TXT(t.Context(), tt.qname)
			if got != nil || !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("TXT(%s) = %q, %v; want nil and ErrUnavailable saying %q", tt.qname, got, err, tt.wantMsg)
			}
			wantReason(t, err, tt.reason)
		})
	}
}

// wantReason fails t unless err is an *Unanswered for reason.
func wantReason(t *testing.T, err error, reason Reason) {
	t.Helper()
	var u *Unanswered
	if !errors.As(err, &u) || u.Reason != reason {
		t.Fatalf("error %v: want an *Unanswered for the reason %q", err, reason)
	}
}

// TestUnansweredLogged: the server's words go to the log, once per
// question, with the reason, the server and the question.
func TestUnansweredLogged(t *testing.T) {
	t.Parallel()
	s, r := newResolver(t)
	s.SetRcode(challenge, dns.RcodeRefused)
	var log bytes.Buffer
	r.Log = slog.New(slog.NewTextHandler(&log, nil))
	if _, err := r.TXT(t.Context(), challenge); err == nil {
		t.Fatal("TXT of a refused name: no error")
	}
	if _, err := r.TXT(t.Context(), "missing.example.jp"); err != nil {
		t.Fatal(err)
	}
	want := "reason=refused server=" + s.Addr + ` question="TXT ` + challenge + `" err=REFUSED`
	if got := log.String(); strings.Count(got, "DNS question unanswered") != 1 || !strings.Contains(got, want) {
		t.Fatalf("log:\n%s\nwant one line with %s (and none for a missing name)", got, want)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t)
	s.SetTXT(challenge, []string{"late"})
	s.SetDelay(challenge, 10*time.Second)
	r := &Resolver{Addr: s.Addr, Timeout: 100 * time.Millisecond}
	start := time.Now()
	got, err := r.TXT(t.Context(), challenge)
	if got != nil || !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no answer within 100ms") {
		t.Fatalf("TXT = %q, %v; want nil and ErrUnavailable saying no answer within 100ms", got, err)
	}
	wantReason(t, err, Timeout)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("TXT took %v, want about the 100ms timeout", d)
	}
}

func TestContextHonoured(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t)
	s.SetTXT(challenge, []string{"late"})
	s.SetDelay(challenge, 10*time.Second)
	r := &Resolver{Addr: s.Addr, Timeout: 10 * time.Second}
	tests := []struct {
		name string
		ctx  func(context.Context) (context.Context, context.CancelFunc)
		want error
	}{
		{"cancelled", func(ctx context.Context) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(ctx)
			time.AfterFunc(100*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"deadline", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 100*time.Millisecond)
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := tt.ctx(t.Context())
			defer cancel()
			start := time.Now()
			_, err := r.TXT(ctx, challenge)
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrUnavailable) {
				t.Fatalf("TXT = %v; want an error wrapping %v and ErrUnavailable", err, tt.want)
			}
			wantReason(t, err, Timeout)
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("TXT took %v after the context ended at 100ms", d)
			}
		})
	}
}

func TestNetworkError(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close() // nothing listens there now: the kernel refuses the query
	r := &Resolver{Addr: addr, Timeout: time.Second}
	got, err := r.MX(t.Context(), "example.jp")
	if got != nil || !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "from "+addr+" for MX example.jp") {
		t.Fatalf("MX from a closed port = %q, %v; want nil and ErrUnavailable naming the server and question", got, err)
	}
	wantReason(t, err, Unreachable)
}

func TestNotADomainName(t *testing.T) {
	t.Parallel()
	r := &Resolver{Addr: "127.0.0.1:1"}
	for _, name := range []string{"", "a..b", strings.Repeat("a", 64) + ".jp"} {
		if _, err := r.TXT(t.Context(), name); err == nil || errors.Is(err, ErrUnavailable) {
			t.Errorf("TXT(%q) error %v, want a not-a-domain-name error", name, err)
		}
	}
}

func TestAnswersIgnoreOtherRecords(t *testing.T) {
	t.Parallel()
	q := dns.Question{Name: "a.example.", Qtype: dns.TypeTXT, Qclass: dns.ClassINET}
	in := new(dns.Msg)
	for _, s := range []string{
		`a.example. 60 IN CNAME B.example.`,
		`b.example. 60 IN TXT "wanted"`,
		`a.example. 60 IN TXT "owned by the alias"`,
		`evil.example. 60 IN TXT "other owner"`,
		`b.example. 60 IN MX 10 mx.example.`,
	} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		in.Answer = append(in.Answer, rr)
	}
	got := answers(in, q)
	if len(got) != 1 || got[0].(*dns.TXT).Txt[0] != "wanted" {
		t.Fatalf("answers = %v, want only b.example's TXT record", got)
	}
}

func TestUnescape(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`a\"b`, `a"b`},
		{`a\\b`, `a\b`},
		{`\000\255x`, "\x00\xffx"},
		{`\12`, "12"},
		{`end\`, `end\`},
	}
	for _, tt := range tests {
		if got := unescape(tt.in); got != tt.want {
			t.Errorf("unescape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSystemFrom(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, conf, want string }{
		{"IPv4", "search example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n", "192.0.2.53:53"},
		{"IPv6", "nameserver 2001:db8::53\n", "[2001:db8::53]:53"},
		{"none", "search example\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "resolv.conf")
			if err := os.WriteFile(path, []byte(tt.conf), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := systemFrom(path)
			if got != tt.want || (err != nil) != (tt.want == "") {
				t.Fatalf("systemFrom = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// joinEach returns each record's strings joined, sorted.
func joinEach(records [][]string) []string {
	var out []string
	for _, r := range records {
		out = append(out, strings.Join(r, ""))
	}
	slices.Sort(out)
	return out
}
