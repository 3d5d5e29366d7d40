package webhook

import (
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/kanri/kanri/internal/errs"
)

// dialTimeout bounds connecting to an endpoint, so one dead host cannot hold
// a delivery worker for the operating system's minutes-long default.
const dialTimeout = 10 * time.Second

// SafeDialer returns a dialer for delivering webhooks. Unless allowPrivate is
// set, it refuses to connect to any address that is not on the public
// internet: loopback, private (RFC 1918, fc00::/7), link-local, cloud
// metadata, unspecified, multicast, carrier-grade NAT and other reserved
// ranges, IPv4-mapped forms included. The check runs on the address actually
// dialled, after DNS, so a host that passed CheckURL and later resolves to
// 127.0.0.1 (DNS rebinding) or redirects there is still refused.
//
// Use its DialContext in an http.Transport whose Proxy is nil: through a
// proxy the dialer sees only the proxy's address. A refusal is an Invalid
// error inside the *net.OpError the transport returns.
func SafeDialer(allowPrivate bool) *net.Dialer {
	d := &net.Dialer{Timeout: dialTimeout}
	if !allowPrivate {
		d.Control = refuseNonPublic
	}
	return d
}

// refuseNonPublic is a net.Dialer Control function; address is the resolved
// "ip:port" about to be connected.
func refuseNonPublic(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return errs.Wrap(errs.Invalid, err, "webhook endpoint address %q is not an IP address and port; refusing to connect", address)
	}
	if what := nonPublic(ap.Addr()); what != "" {
		return errs.E(errs.Invalid, "webhook endpoint resolves to %s (%s); refusing to connect, use an endpoint reachable on the public internet", what, ap.Addr())
	}
	return nil
}

// Addresses that netip's predicates do not name. Parsed prefixes are
// constants in all but syntax, like compiled regexps.
var (
	metadataV4 = netip.MustParseAddr("169.254.169.254")
	metadataV6 = netip.MustParseAddr("fd00:ec2::254")
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	reserved   = []struct {
		prefix netip.Prefix
		what   string
	}{
		{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" address"},
		{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT address"},
		{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address"},
		{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
		{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
		{netip.MustParsePrefix("::/96"), "an IPv4-compatible address"},
		{netip.MustParsePrefix("64:ff9b:1::/48"), "a local NAT64 address"},
		{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
	}
)

// nonPublic describes why addr is not on the public internet, or returns ""
// when it is. IPv4-mapped and NAT64 forms are judged by the IPv4 address
// they carry, which is where the packets end up.
func nonPublic(addr netip.Addr) string {
	a := addr.WithZone("").Unmap()
	switch {
	case !a.IsValid():
		return "an invalid address"
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsLoopback():
		return "a loopback address"
	case a == metadataV4 || a == metadataV6:
		return "the cloud metadata address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a.IsMulticast():
		return "a multicast address"
	case a.IsPrivate():
		return "a private network address"
	case nat64.Contains(a):
		b := a.As16()
		return nonPublic(netip.AddrFrom4([4]byte(b[12:])))
	}
	for _, r := range reserved {
		if r.prefix.Contains(a) {
			return r.what
		}
	}
	return ""
}
