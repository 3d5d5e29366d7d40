package domain_test

import (
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/errs"
)

// label63 and name253 are the longest label and name DNS allows; name254
// is one octet too long, with no label too long.
var (
	label63 = strings.Repeat("a", 63)
	name253 = longName(61)
	name254 = longName(62)
)

// longName returns a name of 192+n octets: three 63-octet labels, one of n.
func longName(n int) string {
	return label63 + "." + label63 + "." + label63 + "." + strings.Repeat("d", n-3) + ".jp"
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	if len(name253) != 253 || len(name254) != 254 {
		t.Fatalf("test names have %d and %d octets, want 253 and 254", len(name253), len(name254))
	}
	tests := []struct {
		name, in, want string
	}{
		{"lower case and trailing dot", "Example.COM.", "example.com"},
		{"spaces trimmed", " \u3000example.com\t", "example.com"},
		{"umlaut to A-label", "bücher.example", "xn--bcher-kva.example"},
		{"A-label kept", "XN--BCHER-KVA.example", "xn--bcher-kva.example"},
		{"fullwidth letters and dot", "ｅｘａｍｐｌｅ．ｃｏｍ", "example.com"},
		{"ideographic dots", "例え。テスト", "xn--r8jz45g.xn--zckzah"},
		{"halfwidth ideographic dot", "example｡jp", "example.jp"},
		{"ideographic trailing dot", "example.jp。", "example.jp"},
		{"Japanese label", "日本語.jp", "xn--wgv71a119e.jp"},
		{"sharp s kept (non-transitional)", "faß.de", "xn--fa-hia.de"},
		{"63-octet label", label63 + ".com", label63 + ".com"},
		{"253-octet name", name253, name253},
		{"public suffix is still a well-formed name", "co.jp", "co.jp"},
		{"digits in labels", "123.example", "123.example"},
		{"subdomain", "mail.Example.co.jp", "mail.example.co.jp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := domain.Normalize(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("Normalize(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
			again, err := domain.Normalize(got)
			if err != nil || again != got {
				t.Fatalf("Normalize(%q) = %q, %v; want %q, nil (idempotent)", got, again, err, got)
			}
		})
	}
}

func TestNormalizeRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, wantMsg string
	}{
		{"empty", "", "required"},
		{"only spaces", " \u3000 ", "required"},
		{"IPv4", "192.0.2.1", "IP address"},
		{"IPv4 with trailing dot", "192.0.2.1.", "IP address"},
		{"IPv6 bracketed", "[::1]", "IP address"},
		{"IPv6", "::1", "IP address"},
		{"IPv6 full", "2001:db8::1", "IP address"},
		{"one label", "localhost", "no top-level domain"},
		{"one label with dot", "jp.", "no top-level domain"},
		{"64-octet label", strings.Repeat("a", 64) + ".com", "at most 63"},
		{"254 octets", name254, "at most 253"},
		{"long after IDNA", strings.Repeat("ü", 60) + ".jp", "at most 63"},
		{"double dot", "a..b", "empty part"},
		{"leading dot", ".example.com", "empty part"},
		{"two trailing dots", "example.com..", "empty part"},
		{"leading hyphen", "-a.com", `starts or ends with "-"`},
		{"trailing hyphen", "a-.com", `starts or ends with "-"`},
		{"hyphens at 3 and 4", "ab--c.com", `"--"`},
		{"underscore", "a_b.com", `'_'`},
		{"space", "a b.com", `' '`},
		{"e-mail address", "ann@example.com", `'@'`},
		{"URL", "https://example.com/", `':'`},
		{"path", "example.com/x", `'/'`},
		{"wildcard", "*.example.com", "wildcard"},
		{"invalid punycode", "xn--zz.com", "not a valid internationalised"},
		{"empty punycode", "xn--.com", `starts or ends with "-"`},
		{"disallowed symbol", "☃\u200d.com", "not a valid internationalised"},
		{"small full stop", "a\uFE52com", "not a valid internationalised"},
		{"numeric top-level label", "example.123", "ends in a number"},
		{"invalid UTF-8", "ex\xffample.com", "not text"},
		{"control character", "exa\x00mple.com", `'\x00'`},
		{"newline", "example.com\nX: y", `'\n'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := domain.Normalize(tt.in)
			if err == nil {
				t.Fatalf("Normalize(%q) = %q, nil; want an error", tt.in, got)
			}
			checkNameError(t, err, tt.wantMsg)
		})
	}
}

func TestRefuse(t *testing.T) {
	t.Parallel()
	const base = "works.example"
	tests := []struct {
		name, in, wantMsg string // wantMsg "" means allowed
	}{
		{"registered domain", "example.co.jp", ""},
		{"subdomain", "mail.example.co.jp", ""},
		{"under a private suffix", "acme.github.io", ""},
		{"subdomain of consumer mail", "mail.gmail.com", ""},
		{"base's sibling", "networks.example", ""},
		{"public suffix co.jp", "co.jp", "public suffix"},
		{"top-level domain", "com", "public suffix"},
		{"private public suffix", "github.io", "public suffix"},
		{"provided base", "works.example", "provided by Kanri"},
		{"under provided base", "acme.works.example", "provided by Kanri"},
		{"deep under provided base", "mail.acme.works.example", "provided by Kanri"},
		{"gmail", "gmail.com", "public mail service"},
		{"yahoo japan", "yahoo.co.jp", "public mail service"},
		{"softbank", "i.softbank.jp", "public mail service"},
		{"proton", "proton.me", "public mail service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := domain.Refuse(tt.in, base)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("Refuse(%q, %q) = %v, want nil", tt.in, base, err)
				}
				return
			}
			checkNameError(t, err, tt.wantMsg)
		})
	}
}

func TestRefuseMessage(t *testing.T) {
	t.Parallel()
	err := domain.Refuse("co.jp", "works.example")
	want := `domain "co.jp" is a public suffix: enter a domain you registered, such as example.co.jp`
	if err == nil || err.Error() != want {
		t.Fatalf("Refuse(co.jp) = %v, want %q", err, want)
	}
	e, _ := errs.As(err)
	wantJA := "「co.jp」は誰もが登録に使う共通部分(パブリックサフィックス)のため追加できません。example.co.jp のような、自社で登録したドメインを入力してください。"
	if got := e.Message("ja"); got != wantJA {
		t.Fatalf("Refuse(co.jp) in Japanese = %q, want %q", got, wantJA)
	}
}

// TestNormalizeMessages: what a person typed is shown escaped and on one
// line, in either language.
func TestNormalizeMessages(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, en, ja string }{
		{"example.com\nX: y", `domain "example.com\nX: y" contains '\n'`, "ドメイン「example.com\\nX: y」に使用できない文字 '\\n' が含まれています。"},
		{"*.example.com", `wildcard "*.example.com" is not allowed: enter the domain itself, such as "example.com"`, "ワイルドカード「*.example.com」は使用できません。「example.com」のように"},
		{"localhost", `domain "localhost" has no top-level domain: enter the full domain, such as "localhost.co.jp"`, "ドメイン「localhost」にトップレベルドメインがありません。"},
	}
	for _, tt := range tests {
		_, err := domain.Normalize(tt.in)
		e, ok := errs.As(err)
		if !ok {
			t.Fatalf("Normalize(%q) error %v, want a refusal", tt.in, err)
		}
		if got := e.Message("en"); !strings.Contains(got, tt.en) {
			t.Errorf("Normalize(%q) in English = %q, want it to contain %q", tt.in, got, tt.en)
		}
		if got := e.Message("ja"); !strings.Contains(got, tt.ja) {
			t.Errorf("Normalize(%q) in Japanese = %q, want it to contain %q", tt.in, got, tt.ja)
		}
	}
}

// checkNameError fails t unless err is Invalid for field "name", one line,
// containing wantMsg.
func checkNameError(t *testing.T, err error, wantMsg string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.Invalid || e.Field != "name" {
		t.Fatalf("error %v (%T): want an Invalid error for field name", err, err)
	}
	if msg := e.Message("en"); !strings.Contains(msg, wantMsg) || strings.ContainsAny(msg, "\r\n") {
		t.Fatalf("message %q: want one line containing %q", msg, wantMsg)
	}
}
