package webhook

import (
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
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
		return errs.Wrap(errs.Invalid, err, "webhook.dial_address_invalid", "address", address)
	}
	if what := nonPublic(ap.Addr()); what != "" {
		return errs.E(errs.Invalid, "webhook.dial_not_public", "what", what, "addr", ap.Addr().String())
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
		what   i18n.Term
	}{
		{netip.MustParsePrefix("0.0.0.0/8"), "webhook.addr.this_network"},
		{netip.MustParsePrefix("100.64.0.0/10"), "webhook.addr.cgnat"},
		{netip.MustParsePrefix("192.0.0.0/24"), "webhook.addr.ietf"},
		{netip.MustParsePrefix("198.18.0.0/15"), "webhook.addr.benchmarking"},
		{netip.MustParsePrefix("240.0.0.0/4"), "webhook.addr.reserved"},
		{netip.MustParsePrefix("::/96"), "webhook.addr.ipv4_compatible"},
		{netip.MustParsePrefix("64:ff9b:1::/48"), "webhook.addr.nat64_local"},
		{netip.MustParsePrefix("fec0::/10"), "webhook.addr.site_local"},
	}
)

// nonPublic names, as a term of the message catalog, why addr is not on
// the public internet, or returns "" when it is. IPv4-mapped and NAT64 forms are judged by the IPv4 address
// they carry, which is where the packets end up.
func nonPublic(addr netip.Addr) i18n.Term {
	a := addr.WithZone("").Unmap()
	switch {
	case !a.IsValid():
		return "webhook.addr.invalid"
	case a.IsUnspecified():
		return "webhook.addr.unspecified"
	case a.IsLoopback():
		return "webhook.addr.loopback"
	case a == metadataV4 || a == metadataV6:
		return "webhook.addr.metadata"
	case a.IsLinkLocalUnicast():
		return "webhook.addr.link_local"
	case a.IsMulticast():
		return "webhook.addr.multicast"
	case a.IsPrivate():
		return "webhook.addr.private"
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
