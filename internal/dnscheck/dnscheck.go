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
	"net"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// ErrUnavailable marks a failure to get an answer: SERVFAIL, REFUSED, a
// timeout, a network error. The record may well exist; ask again later.
var ErrUnavailable = errors.New("DNS answer unavailable")

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
// is an error wrapping ErrUnavailable whose message says what happened and
// where ("SERVFAIL from 127.0.0.1:53 for TXT _kanri-challenge.example.jp").
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
	case err != nil:
		return nil, r.unavailable(m, err)
	case in.Rcode == dns.RcodeSuccess:
		return answers(in, m.Question[0]), nil
	case in.Rcode == dns.RcodeNameError:
		return nil, nil
	}
	rcode, ok := dns.RcodeToString[in.Rcode]
	if !ok {
		rcode = fmt.Sprintf("rcode %d", in.Rcode)
	}
	return nil, r.unavailable(m, errors.New(rcode))
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
		return nil, fmt.Errorf("no answer within %v", timeout)
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

// unavailable is the error for query m, which got no usable answer because
// of what: what, the server, the question, wrapping what and ErrUnavailable.
func (r *Resolver) unavailable(m *dns.Msg, what error) error {
	q := m.Question[0]
	return fmt.Errorf("%w from %s for %s %s: %w", what, r.Addr, dns.TypeToString[q.Qtype], strings.TrimSuffix(q.Name, "."), ErrUnavailable)
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
