package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/webhook"
)

// fakeResolver answers from a fixed table: the DNS edge, faked.
func fakeResolver(ctx context.Context, host string) ([]netip.Addr, error) {
	table := map[string][]string{
		"example.com":         {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"},
		"hooks.example.com":   {"93.184.216.34"},
		"localhost":           {"127.0.0.1", "::1"},
		"rebind.example.com":  {"10.0.0.7"},
		"mixed.example.com":   {"93.184.216.34", "192.168.1.10"},
		"mapped.example.com":  {"::ffff:169.254.169.254"},
		"nat64.example.com":   {"64:ff9b::7f00:1"},
		"cgnat.example.com":   {"100.100.100.200"},
		"nowhere.example.com": {},
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	addrs, ok := table[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, a := range addrs {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		url          string
		allowPrivate bool
		wantErr      string // substring of the message; "" means accepted
	}{
		{name: "public IPv4", url: "https://93.184.216.34/hooks"},
		{name: "public name", url: "https://example.com/hooks?x=1"},
		{name: "public name with port", url: "http://hooks.example.com:8443/kanri"},
		{name: "public IPv6 literal", url: "https://[2606:2800:220:1:248:1893:25c8:1946]/"},
		{name: "upper-case scheme", url: "HTTPS://example.com/"},
		{name: "loopback IPv4", url: "http://127.0.0.1/", wantErr: "loopback"},
		{name: "loopback IPv4 elsewhere in 127/8", url: "http://127.45.6.7:9000/", wantErr: "loopback"},
		{name: "loopback IPv6", url: "http://[::1]/", wantErr: "loopback"},
		{name: "private 10/8", url: "http://10.1.2.3/", wantErr: "private network"},
		{name: "private 192.168/16", url: "http://192.168.0.1/", wantErr: "private network"},
		{name: "private 172.16/12", url: "http://172.16.0.1/", wantErr: "private network"},
		{name: "metadata IPv4", url: "http://169.254.169.254/latest/meta-data/", wantErr: "metadata"},
		{name: "metadata IPv6", url: "http://[fd00:ec2::254]/", wantErr: "metadata"},
		{name: "link-local IPv4", url: "http://169.254.1.1/", wantErr: "link-local"},
		{name: "link-local IPv6 with zone", url: "http://[fe80::1%25eth0]/", wantErr: "link-local"},
		{name: "unique local IPv6", url: "http://[fc00::1]/", wantErr: "private network"},
		{name: "IPv4-mapped loopback", url: "http://[::ffff:127.0.0.1]/", wantErr: "loopback"},
		{name: "IPv4-mapped private in hex", url: "http://[::ffff:a01:203]/", wantErr: "private network"},
		{name: "CGNAT", url: "http://100.64.0.1/", wantErr: "carrier-grade NAT"},
		{name: "unspecified IPv4", url: "http://0.0.0.0/", wantErr: "unspecified"},
		{name: "unspecified IPv6", url: "http://[::]/", wantErr: "unspecified"},
		{name: "this network", url: "http://0.1.2.3/", wantErr: "this network"},
		{name: "multicast", url: "http://224.0.0.1/", wantErr: "multicast"},
		{name: "broadcast", url: "http://255.255.255.255/", wantErr: "reserved"},
		{name: "NAT64 of loopback", url: "http://[64:ff9b::127.0.0.1]/", wantErr: "loopback"},
		{name: "decimal IPv4", url: "http://2130706433/", wantErr: "numeric form"},
		{name: "hex IPv4", url: "http://0x7f.1/", wantErr: "numeric form"},
		{name: "hex IPv4 whole", url: "http://0x7F000001/", wantErr: "numeric form"},
		{name: "octal IPv4", url: "http://0177.0.0.1/", wantErr: "numeric form"},
		{name: "short IPv4", url: "http://127.1/", wantErr: "numeric form"},
		{name: "numeric form even when private allowed", url: "http://127.1/", allowPrivate: true, wantErr: "numeric form"},
		{name: "localhost", url: "http://localhost:8080/", wantErr: "internal use"},
		{name: "localhost upper case with final dot", url: "http://LOCALHOST./", wantErr: "internal use"},
		{name: "subdomain of localhost", url: "http://api.localhost/", wantErr: "internal use"},
		{name: "internal name", url: "http://metadata.google.internal/", wantErr: "internal use"},
		{name: "name resolving to private", url: "https://rebind.example.com/", wantErr: "private network"},
		{name: "name with one private address", url: "https://mixed.example.com/", wantErr: "private network"},
		{name: "name resolving to mapped metadata", url: "https://mapped.example.com/", wantErr: "metadata"},
		{name: "name resolving to NAT64 loopback", url: "https://nat64.example.com/", wantErr: "loopback"},
		{name: "name resolving to CGNAT", url: "https://cgnat.example.com/", wantErr: "carrier-grade NAT"},
		{name: "name with no address", url: "https://nowhere.example.com/", wantErr: "no address"},
		{name: "name that does not resolve", url: "https://missing.example.com/", wantErr: "could not be resolved"},
		{name: "ftp scheme", url: "ftp://example.com/", wantErr: "https://"},
		{name: "javascript scheme", url: "javascript:alert(1)", wantErr: "https://"},
		{name: "no scheme", url: "example.com/hooks", wantErr: "https://"},
		{name: "user and password", url: "http://user:pw@example.com/", wantErr: "user name or password"},
		{name: "user only", url: "https://user@example.com/", wantErr: "user name or password"},
		{name: "empty host", url: "http:///hooks", wantErr: "no host"},
		{name: "opaque", url: "http:example.com", wantErr: "no host"},
		{name: "empty", url: "", wantErr: "https://"},
		{name: "not a URL", url: "http://[::1/", wantErr: "not a valid URL"},
		{name: "bad port", url: "http://example.com:port/", wantErr: "not a valid URL"},
		{name: "private allowed: loopback", url: "http://127.0.0.1:8080/", allowPrivate: true},
		{name: "private allowed: IPv6 loopback", url: "http://[::1]:8080/", allowPrivate: true},
		{name: "private allowed: localhost", url: "http://localhost:8080/", allowPrivate: true},
		{name: "private allowed: private name", url: "http://rebind.example.com/", allowPrivate: true},
		{name: "private allowed: still no ftp", url: "ftp://127.0.0.1/", allowPrivate: true, wantErr: "https://"},
		{name: "private allowed: still no user", url: "http://user:pw@127.0.0.1/", allowPrivate: true, wantErr: "user name or password"},
		{name: "private allowed: still must resolve", url: "http://nowhere.example.com/", allowPrivate: true, wantErr: "no address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := webhook.CheckURL(context.Background(), tc.url, fakeResolver, tc.allowPrivate)
			if tc.wantErr == "" {
				if err != nil {
					t.Errorf("CheckURL(%q): %v, want accepted", tc.url, err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.Invalid || e.Field != "url" || !strings.Contains(e.Message("en"), tc.wantErr) {
				t.Errorf("CheckURL(%q) = %v, want an invalid error for url containing %q", tc.url, err, tc.wantErr)
			}
		})
	}
}

func TestCheckURLCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := webhook.CheckURL(ctx, "https://example.com/", fakeResolver, false)
	if !errors.Is(err, context.Canceled) || errs.Is(err, errs.Invalid) {
		t.Errorf("CheckURL with a cancelled context = %v, want context.Canceled, not invalid", err)
	}
}

func TestSafeDialer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name         string
		allowPrivate bool
		wantRefused  bool
	}{
		{name: "private refused", allowPrivate: false, wantRefused: true},
		{name: "private allowed", allowPrivate: true, wantRefused: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tr := &http.Transport{DialContext: webhook.SafeDialer(tc.allowPrivate).DialContext}
			t.Cleanup(tr.CloseIdleConnections)
			resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
			if tc.wantRefused {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("GET %s: status %d, want the connection refused", srv.URL, resp.StatusCode)
				}
				if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "loopback") {
					t.Errorf("GET %s: %v, want an invalid error naming loopback", srv.URL, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("GET %s: %v", srv.URL, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Errorf("GET %s: status %d, want %d", srv.URL, resp.StatusCode, http.StatusNoContent)
			}
		})
	}
}

// FuzzCheckURL checks that no input makes CheckURL panic, and that every
// refusal is an invalid error for the url field.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://example.com/", "http://0x7f.1/", "http://[::ffff:127.0.0.1]/", "http://a.b.c.", "http://.", "http://[fe80::1%25x]:1/"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, allowPrivate bool) {
		err := webhook.CheckURL(context.Background(), raw, fakeResolver, allowPrivate)
		if e, ok := errs.As(err); err != nil && (!ok || e.Kind != errs.Invalid || e.Field != "url") {
			t.Errorf("CheckURL(%q) = %v, want nil or an invalid error for url", raw, err)
		}
	})
}
