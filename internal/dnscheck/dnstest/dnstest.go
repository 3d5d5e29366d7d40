// Package dnstest runs an in-process DNS server on the loopback interface for
// tests: records, error codes and delays are set per name while it runs, so
// code that asks real DNS (dnscheck.Resolver) is tested without a network.
package dnstest

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// ttl is the TTL of every answer; nothing caches in tests.
const ttl = 60

// Server answers UDP and TCP queries on the same loopback port. It is safe
// for concurrent use.
type Server struct {
	Addr string // host:port, e.g. "127.0.0.1:40123"

	mu    sync.Mutex
	names map[string]*entry // by lower-case FQDN
	done  chan struct{}     // closed at cleanup: ends delayed answers
}

// entry is what the server knows about one name.
type entry struct {
	txt   [][]string
	mx    []string
	cname string
	rcode int
	delay time.Duration
}

// Start starts a server on 127.0.0.1 at a free port, over UDP and TCP, and
// stops it when t's test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	pc, l := listen(t)
	s := &Server{Addr: pc.LocalAddr().String(), names: map[string]*entry{}, done: make(chan struct{})}
	udp := &dns.Server{PacketConn: pc, Handler: s}
	tcp := &dns.Server{Listener: l, Handler: s}
	for _, srv := range []*dns.Server{udp, tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
	}
	t.Cleanup(func() {
		close(s.done)
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
	})
	return s
}

// listen opens a UDP socket and a TCP listener on one free loopback port,
// trying again when another process holds the TCP side of the UDP port.
func listen(t testing.TB) (net.PacketConn, net.Listener) {
	t.Helper()
	var err error
	for range 20 {
		var pc net.PacketConn
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			break
		}
		var l net.Listener
		if l, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			return pc, l
		}
		pc.Close()
	}
	t.Fatalf("dnstest: listen on 127.0.0.1: %v", err)
	return nil, nil
}

// SetTXT replaces the TXT records at name; each record is a list of strings
// (of at most 255 bytes each), which a resolver joins.
func (s *Server) SetTXT(name string, records ...[]string) {
	s.update(name, func(e *entry) { e.txt = records })
}

// SetMX replaces the MX records at name with hosts, at preferences 10, 20, …
func (s *Server) SetMX(name string, hosts ...string) {
	s.update(name, func(e *entry) { e.mx = hosts })
}

// SetCNAME makes name an alias of target: answers carry the CNAME record and
// target's records of the asked type.
func (s *Server) SetCNAME(name, target string) {
	s.update(name, func(e *entry) { e.cname = key(target) })
}

// SetRcode makes every query for name answer rcode (e.g.
// dns.RcodeServerFailure) without records; dns.RcodeSuccess undoes it.
func (s *Server) SetRcode(name string, rcode int) {
	s.update(name, func(e *entry) { e.rcode = rcode })
}

// SetDelay makes the server wait d before answering a query for name.
func (s *Server) SetDelay(name string, d time.Duration) {
	s.update(name, func(e *entry) { e.delay = d })
}

// Clear forgets name: queries for it answer NXDOMAIN again.
func (s *Server) Clear(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.names, key(name))
}

// update applies fn to name's entry, creating it.
func (s *Server) update(name string, fn func(*entry)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.names[key(name)]
	if e == nil {
		e = &entry{}
		s.names[key(name)] = e
	}
	fn(e)
}

// key is the map key of name: lower case, fully qualified.
func key(name string) string { return strings.ToLower(dns.Fqdn(name)) }

// ServeDNS answers one query from what was set: NXDOMAIN for unknown names,
// the set rcode, or the records of the asked type (none is NOERROR). A UDP
// answer larger than the client's buffer is truncated, as real servers do.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	if len(r.Question) != 1 {
		_ = w.WriteMsg(m.SetRcode(r, dns.RcodeFormatError))
		return
	}
	m.SetReply(r)
	m.RecursionAvailable = true
	q := r.Question[0]
	if !s.wait(q.Name) {
		return
	}
	s.answer(m, q.Name, q.Qtype)
	opt := r.IsEdns0()
	if opt != nil {
		m.SetEdns0(opt.UDPSize(), false)
	}
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

// wait sleeps for name's delay; false means the server is stopping.
func (s *Server) wait(name string) bool {
	s.mu.Lock()
	var d time.Duration
	if e := s.names[key(name)]; e != nil {
		d = e.delay
	}
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-s.done:
		return false
	}
}

// answer fills m for qtype at owner, following CNAMEs the server knows.
func (s *Server) answer(m *dns.Msg, owner string, qtype uint16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range 8 { // a CNAME loop ends here, as in a real server
		e := s.names[key(owner)]
		switch {
		case e == nil:
			m.Rcode = dns.RcodeNameError
			return
		case e.rcode != dns.RcodeSuccess:
			m.Rcode = e.rcode
			return
		case e.cname != "" && qtype != dns.TypeCNAME:
			m.Answer = append(m.Answer, &dns.CNAME{Hdr: header(owner, dns.TypeCNAME), Target: e.cname})
			owner = e.cname
			continue
		}
		m.Answer = append(m.Answer, e.records(owner, qtype)...)
		return
	}
}

// records returns e's records of qtype, owned by owner.
func (e *entry) records(owner string, qtype uint16) []dns.RR {
	var rrs []dns.RR
	switch qtype {
	case dns.TypeTXT:
		for _, txt := range e.txt {
			rrs = append(rrs, &dns.TXT{Hdr: header(owner, qtype), Txt: escape(txt)})
		}
	case dns.TypeMX:
		for i, host := range e.mx {
			rrs = append(rrs, &dns.MX{Hdr: header(owner, qtype), Preference: uint16(10 * (i + 1)), Mx: dns.Fqdn(host)})
		}
	case dns.TypeCNAME:
		if e.cname != "" {
			rrs = append(rrs, &dns.CNAME{Hdr: header(owner, qtype), Target: e.cname})
		}
	}
	return rrs
}

// header is the header of a record of type rrtype owned by owner.
func header(owner string, rrtype uint16) dns.RR_Header {
	return dns.RR_Header{Name: dns.Fqdn(owner), Rrtype: rrtype, Class: dns.ClassINET, Ttl: ttl}
}

// escape turns raw TXT strings into miekg/dns's presentation form, in which
// only "\" is special when packing.
func escape(txt []string) []string {
	out := make([]string, len(txt))
	for i, s := range txt {
		out[i] = strings.ReplaceAll(s, `\`, `\\`)
	}
	return out
}
