package dnstest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// StartDnsmasq runs Debian's dnsmasq on a free loopback port with only the
// given options besides its own (records such as
// "--txt-record=name,value"; no upstream server, so it refuses the names it
// does not serve) until t's test ends, and returns its host:port. Without
// dnsmasq it skips, or fails under CI=true. A real server, so that what
// Server answers is not the only one the code has met.
func StartDnsmasq(t testing.TB, options ...string) string {
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
		"--bind-interfaces", "--keep-in-foreground", "--conf-file=/dev/null", "--pid-file=", "--log-facility=-"}, options...)
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
	addr := net.JoinHostPort("127.0.0.1", port)
	waitReady(t, addr, exited, &out)
	return addr
}

// waitReady waits up to 5 s for dnsmasq to answer any query at addr;
// exited closes if it stopped instead, out holds what it printed.
func waitReady(t testing.TB, addr string, exited <-chan struct{}, out *bytes.Buffer) {
	t.Helper()
	m := new(dns.Msg).SetQuestion("kanri-ready.example.", dns.TypeTXT)
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			t.Fatalf("dnsmasq exited at start:\n%s", out.String())
		default:
		}
		if _, _, err := c.Exchange(m, addr); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("dnsmasq did not answer on %s within 5s", addr)
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
func freePort(t testing.TB) string {
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
