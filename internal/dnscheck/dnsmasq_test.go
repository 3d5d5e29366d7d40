package dnscheck

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/kanri/kanri/internal/dnscheck/dnstest"
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
	var u *Unanswered
	if _, err := r.TXT(t.Context(), "example.org"); !errors.Is(err, ErrUnavailable) || !errors.As(err, &u) || u.Reason != Refused {
		t.Fatalf("TXT(example.org) error %v, want ErrUnavailable with the reason %q", err, Refused)
	}
}

// startDnsmasq runs dnsmasq with records and returns a Resolver that asks
// it.
func startDnsmasq(t *testing.T, records ...string) *Resolver {
	t.Helper()
	return &Resolver{Addr: dnstest.StartDnsmasq(t, records...), Timeout: 2 * time.Second}
}
