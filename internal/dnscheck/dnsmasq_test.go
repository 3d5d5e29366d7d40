package dnscheck

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestDnsmasq checks Resolver against a real DNS server, Debian's dnsmasq,
// so that what dnstest answers is not the only server the code has met.
func TestDnsmasq(t *testing.T) {
	t.Parallel()
	r := startDnsmasq(t,
		// No shell runs these: quotes would be data; a comma starts a new string.
		"--txt-record=_kanri-challenge.example.jp,kanri-verification=tok",
		"--txt-record=_kanri-challenge.example.jp,v=other",
		"--txt-record=split.example.jp,kanri-verification=,t,ok",
		"--mx-host=example.jp,TOK.MX-Verify.works.example,10",
		"--mx-host=example.jp,mx2.example.jp,20",
		"--local=/example.jp/",
	)
	tests := []struct {
		name, qname string
		lookup      func(*Resolver, context.Context, string) ([]string, error)
		want        []string
	}{
		{"TXT records", "_kanri-challenge.example.jp", (*Resolver).TXT, []string{"kanri-verification=tok", "v=other"}},
		{"split TXT strings", "split.example.jp", (*Resolver).TXT, []string{"kanri-verification=tok"}},
		{"MX hosts", "example.jp", (*Resolver).MX, []string{"tok.mx-verify.works.example", "mx2.example.jp"}},
		{"NXDOMAIN", "missing.example.jp", (*Resolver).TXT, nil},
		{"no data", "example.jp", (*Resolver).TXT, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.lookup(r, t.Context(), tt.qname)
			slices.Sort(got)
			slices.Sort(tt.want)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("%s = %q, %v; want %q, nil", tt.qname, got, err, tt.want)
			}
		})
	}
	// The split record really is three strings on the wire.
	rrs, err := r.lookup(t.Context(), "split.example.jp", dns.TypeTXT)
	if err != nil || len(rrs) != 1 || len(rrs[0].(*dns.TXT).Txt) != 3 {
		t.Fatalf("raw TXT at split.example.jp = %v, %v; want one record of 3 strings", rrs, err)
	}
	// Without upstream servers, dnsmasq refuses names it does not serve.
	if _, err := r.TXT(t.Context(), "example.org"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("TXT(example.org) error %v, want ErrUnavailable", err)
	}
}

// startDnsmasq runs dnsmasq with records on a free loopback port until the
// test ends and returns a Resolver that asks it. Without dnsmasq it skips,
// or fails under CI=true.
func startDnsmasq(t *testing.T, records ...string) *Resolver {
	t.Helper()
	path := dnsmasqPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("dnsmasq not found and CI=true: install Debian's dnsmasq-base or set KANRI_TEST_DNSMASQ")
		}
		t.Skip("dnsmasq not found: install Debian's dnsmasq-base or set KANRI_TEST_DNSMASQ")
	}
	port := freePort(t)
	args := append([]string{"--no-resolv", "--no-hosts", "--port=" + port, "--listen-address=127.0.0.1",
		"--bind-interfaces", "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=", "--log-facility=-"}, records...)
	var out bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	r := &Resolver{Addr: net.JoinHostPort("127.0.0.1", port), Timeout: 200 * time.Millisecond}
	waitReady(t, r, exited, &out)
	r.Timeout = 2 * time.Second
	return r
}

// waitReady waits up to 5 s for dnsmasq to answer; exited closes if it
// stopped instead, out holds what it printed.
func waitReady(t *testing.T, r *Resolver, exited <-chan struct{}, out *bytes.Buffer) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			t.Fatalf("dnsmasq exited at start:\n%s", out.String())
		default:
		}
		if _, err := r.TXT(t.Context(), "_kanri-challenge.example.jp"); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("dnsmasq did not answer on %s within 5s", r.Addr)
}

// dnsmasqPath is $KANRI_TEST_DNSMASQ, else dnsmasq on PATH or in /usr/sbin
// (not on a normal user's PATH), else "".
func dnsmasqPath() string {
	if p := os.Getenv("KANRI_TEST_DNSMASQ"); p != "" {
		return p
	}
	if p, err := exec.LookPath("dnsmasq"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/dnsmasq"); err == nil {
		return "/usr/sbin/dnsmasq"
	}
	return ""
}

// freePort returns a loopback port that was free for both UDP and TCP a
// moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		pc.Close()
		if err == nil {
			l.Close()
			return strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
		}
	}
	t.Fatal("no free loopback port for both UDP and TCP")
	return ""
}
