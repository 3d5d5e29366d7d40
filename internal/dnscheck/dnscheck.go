// Package dnscheck asks a DNS resolver for the TXT and MX records that prove
// a tenant owns a domain. It sends real queries to one configured server
// (not the operating system's stub resolver), so the answer is what that
// server sees now and a failure to get one is told apart from "no record".
package dnscheck

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// ErrUnavailable marks a failure to get an answer: SERVFAIL, REFUSED, a
// timeout, a network error. The record may well exist; ask again later.
// Every such error is an *Unanswered.
var ErrUnavailable = errors.New("DNS answer unavailable")

// errNoAnswer marks an attempt that waited its whole timeout.
var errNoAnswer = errors.New("no answer")

// Reason is why a question got no usable answer. No reason means the
// record is missing: "no such name" and "no record of that type" are
// answers (nil, nil), not errors.
type Reason string

// The reasons a DNS server gives no answer.
const (
	Timeout       Reason = "timeout"        // no answer in time, or the caller stopped waiting
	Refused       Reason = "refused"        // REFUSED: the server will not answer this question
	ServerFailure Reason = "server_failure" // SERVFAIL or another error code
	Unreachable   Reason = "unreachable"    // the network or the server's host turned the query away
)

// Unanswered is the error of a question that got no usable answer. Its
// text names the server and the question: it is for the log, which gets
// it once from the Resolver, never for the people waiting for the answer.
type Unanswered struct {
	Reason   Reason
	Server   string // host:port asked
	Question string // e.g. "MX example.jp"
	Err      error  // what happened
}

func (e *Unanswered) Error() string {
	return fmt.Sprintf("%v from %s for %s: %v", e.Err, e.Server, e.Question, ErrUnavailable)
}

// Unwrap gives what happened and ErrUnavailable.
func (e *Unanswered) Unwrap() []error { return []error{e.Err, ErrUnavailable} }

const (
	// defaultTimeout bounds one query attempt when Resolver.Timeout is zero.
	defaultTimeout = 3 * time.Second
	// udpSize is the EDNS0 buffer size that avoids IP fragmentation (DNS
	// flag day 2020); larger answers come over TCP.
	udpSize = 1232
	// maxChain bounds the CNAME chain followed in one answer.
	maxChain = 8
)

// Resolver asks one DNS server (host:port) directly.
type Resolver struct {
	Addr    string        // host:port of a recursive resolver
	Timeout time.Duration // per query attempt; default 3 s
	// Log gets every question that got no answer, with the server's own
	// words; nil logs nothing.
	Log *slog.Logger
}

// System returns the first nameserver of /etc/resolv.conf as host:port.
func System() (string, error) { return systemFrom("/etc/resolv.conf") }

// systemFrom returns the first nameserver of the resolv.conf file at path.
func systemFrom(path string) (string, error) {
	cfg, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return "", fmt.Errorf("read DNS resolver from %s: %w", path, err)
	}
	if len(cfg.Servers) == 0 {
		return "", fmt.Errorf("read DNS resolver from %s: no nameserver line", path)
	}
	return net.JoinHostPort(cfg.Servers[0], cfg.Port), nil
}

// TXT returns the TXT records at name, each record's strings concatenated (a
// long value split into several strings is one record). NXDOMAIN and an
// answer without TXT records give (nil, nil). Any failure to get an answer
// (SERVFAIL, REFUSED, timeout, network error, truncated without TCP success)
// is an *Unanswered wrapping ErrUnavailable whose message says what
// happened and where ("SERVFAIL from 127.0.0.1:53 for TXT
// _kanri-challenge.example.jp"), and is logged.
func (r *Resolver) TXT(ctx context.Context, name string) ([]string, error) {
	rrs, err := r.lookup(ctx, name, dns.TypeTXT)
	var txts []string
	for _, rr := range rrs {
		if t, ok := rr.(*dns.TXT); ok {
			txts = append(txts, unescape(strings.Join(t.Txt, "")))
		}
	}
	return txts, err
}

// MX returns the exchange hosts of name's MX records, lower-cased, without
// the trailing dot, most preferred first. A null MX ("." — the domain takes
// no mail) is left out. Errors as for TXT.
func (r *Resolver) MX(ctx context.Context, name string) ([]string, error) {
	rrs, err := r.lookup(ctx, name, dns.TypeMX)
	mxs := make([]*dns.MX, 0, len(rrs))
	for _, rr := range rrs {
		if mx, ok := rr.(*dns.MX); ok {
			mxs = append(mxs, mx)
		}
	}
	slices.SortStableFunc(mxs, func(a, b *dns.MX) int { return cmp.Compare(a.Preference, b.Preference) })
	var hosts []string
	for _, mx := range mxs {
		if host := strings.TrimSuffix(strings.ToLower(mx.Mx), "."); host != "" {
			hosts = append(hosts, host)
		}
	}
	return hosts, err
}

// lookup returns the records of qtype at name, after any CNAMEs.
func (r *Resolver) lookup(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	if _, ok := dns.IsDomainName(name); !ok || name == "" {
		return nil, fmt.Errorf("DNS query for %s %q: not a domain name", dns.TypeToString[qtype], name)
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.SetEdns0(udpSize, false)
	in, err := r.exchange(ctx, m)
	switch {
	case err != nil && (errors.Is(err, errNoAnswer) || ended(ctx) != nil):
		return nil, r.unanswered(ctx, m, Timeout, err)
	case err != nil:
		return nil, r.unanswered(ctx, m, Unreachable, err)
	case in.Rcode == dns.RcodeSuccess:
		return answers(in, m.Question[0]), nil
	case in.Rcode == dns.RcodeNameError:
		return nil, nil
	}
	rcode, ok := dns.RcodeToString[in.Rcode]
	if !ok {
		rcode = fmt.Sprintf("rcode %d", in.Rcode)
	}
	reason := ServerFailure
	if in.Rcode == dns.RcodeRefused {
		reason = Refused
	}
	return nil, r.unanswered(ctx, m, reason, errors.New(rcode))
}

// answers returns the records of q's type owned by q's name or, when the
// answer holds a CNAME chain from it, by the chain's end. Other records, such
// as an unasked-for glue or a spoofed owner, are ignored.
func answers(in *dns.Msg, q dns.Question) []dns.RR {
	owner := q.Name
	for range maxChain {
		next := ""
		for _, rr := range in.Answer {
			if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, owner) {
				next = c.Target
			}
		}
		if next == "" {
			break
		}
		owner = next
	}
	var rrs []dns.RR
	for _, rr := range in.Answer {
		h := rr.Header()
		if h.Rrtype == q.Qtype && h.Class == dns.ClassINET && strings.EqualFold(h.Name, owner) {
			rrs = append(rrs, rr)
		}
	}
	return rrs
}

// exchange sends m over UDP, and again over TCP when the answer was
// truncated.
func (r *Resolver) exchange(ctx context.Context, m *dns.Msg) (*dns.Msg, error) {
	in, err := r.attempt(ctx, "udp", m)
	if err != nil || !in.Truncated {
		return in, err
	}
	in, err = r.attempt(ctx, "tcp", m)
	if err != nil {
		return nil, fmt.Errorf("answer truncated over UDP; over TCP, %w", err)
	}
	return in, nil
}

// attempt sends m once over network and waits at most the Resolver's
// timeout, or until ctx ends. miekg/dns honours only a context's deadline,
// so cancelling ctx closes the connection.
func (r *Resolver) attempt(ctx context.Context, network string, m *dns.Msg) (*dns.Msg, error) {
	timeout := cmp.Or(r.Timeout, defaultTimeout)
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := &dns.Client{Net: network, Timeout: timeout}
	conn, err := c.DialContext(actx, r.Addr)
	if err == nil {
		defer conn.Close()
		stop := context.AfterFunc(actx, func() { conn.Close() })
		defer stop()
		var in *dns.Msg
		if in, _, err = c.ExchangeWithConnContext(actx, m, conn); err == nil {
			return in, nil
		}
	}
	if err := ended(ctx); err != nil {
		return nil, fmt.Errorf("gave up waiting (%w)", err)
	}
	if actx.Err() != nil || isTimeout(err) {
		return nil, fmt.Errorf("%w within %v", errNoAnswer, timeout)
	}
	return nil, fmt.Errorf("no answer (%w)", err)
}

// ended returns why ctx ended, or nil. A read that timed out at ctx's
// deadline can return before ctx's own timer has set ctx.Err.
func ended(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var nerr net.Error
	return errors.As(err, &nerr) && nerr.Timeout()
}

// unanswered logs and returns the error of query m, which got no usable
// answer for reason: what happened.
func (r *Resolver) unanswered(ctx context.Context, m *dns.Msg, reason Reason, what error) error {
	q := m.Question[0]
	e := &Unanswered{Reason: reason, Server: r.Addr, Question: dns.TypeToString[q.Qtype] + " " + strings.TrimSuffix(q.Name, "."), Err: what}
	if r.Log != nil {
		r.Log.WarnContext(ctx, "DNS question unanswered", "reason", e.Reason, "server", e.Server, "question", e.Question, "err", e.Err)
	}
	return e
}

// unescape undoes the escapes miekg/dns writes into TXT data (\" for ",
// \\ for \, \DDD for bytes outside printable ASCII), giving back the bytes
// that were published.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b = append(b, s[i])
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			b = append(b, (s[i+1]-'0')*100+(s[i+2]-'0')*10+(s[i+3]-'0'))
			i += 3
			continue
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

// isDigit reports whether b is an ASCII digit.
func isDigit(b byte) bool { return '0' <= b && b <= '9' }
