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
		return errs.Field("url", "webhook.url_numeric_host", "host", host)
	}
	if !allowPrivate && reservedName(host) {
		return errs.Field("url", "webhook.url_internal_name", "host", host)
	}
	addrs, err := resolve(ctx, host)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("resolve webhook host: %w", ctx.Err())
		}
		return invalidURL(err, errs.Field("url", "webhook.url_unresolvable", "host", host))
	}
	if len(addrs) == 0 {
		return errs.Field("url", "webhook.url_no_address", "host", host)
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
		return "", invalidURL(err, errs.Field("url", "webhook.url_invalid"))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errs.Field("url", "webhook.url_scheme", "scheme", u.Scheme+":")
	}
	if u.User != nil {
		return "", errs.Field("url", "webhook.url_user_info")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", errs.Field("url", "webhook.url_no_host")
	}
	return host, nil
}

// checkAddr refuses addr unless it is public or allowPrivate is set.
func checkAddr(host string, addr netip.Addr, allowPrivate bool) error {
	if allowPrivate {
		return nil
	}
	if what := nonPublic(addr); what != "" {
		return errs.Field("url", "webhook.url_not_public", "host", host, "what", what, "addr", addr.String())
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

// invalidURL returns e, a refusal of the URL, keeping cause.
func invalidURL(cause error, e *errs.Error) error {
	e.Err = cause
	return e
}
