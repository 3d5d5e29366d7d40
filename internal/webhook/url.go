package webhook

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/kanri/kanri/internal/errs"
)

// CheckURL refuses a webhook endpoint URL that Kanri should not call: a
// scheme other than http or https, user information, no host, or a numeric
// host in a form other than dotted-decimal IPv4 or bracketed IPv6 (resolvers
// disagree on what "0x7f.1" means). Unless allowPrivate is set, it also
// refuses names reserved for internal use (localhost, *.localhost,
// *.internal) and hosts with any address that is not on the public internet
// (see SafeDialer). The host must resolve to at least one address.
//
// resolve is the DNS edge, e.g. a closure over
// net.Resolver.LookupNetIP(ctx, "ip", host). A check at save time gives the
// user a clear message; it cannot stop DNS rebinding, so deliveries must
// also dial through SafeDialer. Refusals are Invalid errors for the field
// "url"; a cancelled ctx is returned as is.
func CheckURL(ctx context.Context, raw string, resolve func(ctx context.Context, host string) ([]netip.Addr, error), allowPrivate bool) error {
	host, err := parseHost(raw)
	if err != nil {
		return err
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return checkAddr(host, addr, allowPrivate)
	}
	if endsInNumber(host) {
		return invalidURL(nil, "webhook URL host %q is an unusual numeric form; write an IPv4 address as four decimal numbers or use a host name", host)
	}
	if !allowPrivate && reservedName(host) {
		return invalidURL(nil, "webhook URL host %q is a name for internal use; use a host reachable on the public internet", host)
	}
	addrs, err := resolve(ctx, host)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("resolve webhook host: %w", ctx.Err())
		}
		return invalidURL(err, "webhook URL host %q could not be resolved; check the host name", host)
	}
	if len(addrs) == 0 {
		return invalidURL(nil, "webhook URL host %q has no address; check the host name", host)
	}
	for _, addr := range addrs {
		if err := checkAddr(host, addr, allowPrivate); err != nil {
			return err
		}
	}
	return nil
}

// parseHost returns the lower-case host of raw without brackets or a final
// dot, after the checks that need no resolver.
func parseHost(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", invalidURL(err, "webhook URL is not a valid URL; write it like https://example.com/hooks")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", invalidURL(nil, "webhook URL must start with https:// or http://, not %q", u.Scheme+":")
	}
	if u.User != nil {
		return "", invalidURL(nil, "webhook URL must not contain a user name or password; remove the part before @")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", invalidURL(nil, "webhook URL has no host; write it like https://example.com/hooks")
	}
	return host, nil
}

// checkAddr refuses addr unless it is public or allowPrivate is set.
func checkAddr(host string, addr netip.Addr, allowPrivate bool) error {
	if allowPrivate {
		return nil
	}
	if what := nonPublic(addr); what != "" {
		return invalidURL(nil, "webhook URL host %q points to %s (%s); use an endpoint reachable on the public internet", host, what, addr)
	}
	return nil
}

// reservedName reports whether host is a name that only ever means this
// machine or an internal network (RFC 6761, and .internal per ICANN, which
// clouds use for their metadata service).
func reservedName(host string) bool {
	return host == "localhost" || strings.HasSuffix(host, ".localhost") ||
		host == "internal" || strings.HasSuffix(host, ".internal")
}

// endsInNumber reports whether a host that netip could not parse would still
// be read as an IPv4 address by a URL parser or getaddrinfo: its last label
// is decimal or 0x-hex, as in "2130706433", "0x7f.1", "0177.0.0.1" or
// "127.1". No public host name ends in a number, so nothing legitimate is
// lost.
func endsInNumber(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if rest, ok := strings.CutPrefix(last, "0x"); ok {
		return strings.Trim(rest, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// invalidURL returns an Invalid error for the field "url".
func invalidURL(cause error, format string, args ...any) error {
	e := errs.Field("url", format, args...)
	e.Err = cause
	return e
}
