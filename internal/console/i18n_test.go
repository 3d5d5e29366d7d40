package console

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/web"
)

// TestCatalogRefusesGaps: a key without both languages, a key defined
// in two files, or broken JSON stops the start with the file named.
func TestCatalogRefusesGaps(t *testing.T) {
	tests := []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"missing English", fstest.MapFS{"i18n/a.json": {Data: []byte(`{"a.x": {"ja": "エックス"}}`)}}, `"a.x" needs both`},
		{"defined twice", fstest.MapFS{
			"i18n/a.json": {Data: []byte(`{"x": {"ja": "エックス", "en": "x"}}`)},
			"i18n/b.json": {Data: []byte(`{"x": {"ja": "エックス", "en": "x"}}`)}}, `"x" is defined twice`},
		{"broken JSON", fstest.MapFS{"i18n/a.json": {Data: []byte(`{"x": `)}}, "i18n/a.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadCatalog(tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	cat, err := loadCatalog(web.Messages)
	if err != nil {
		t.Fatalf("the shipped catalog: %v", err)
	}
	if _, err := cat.text(langEN, "no.such.key"); err == nil {
		t.Error("a missing key must be an error, so the every-page test finds it")
	}
}

// TestLocalPath: a redirect after sign-in or a language switch stays on
// this site, whatever next= holds.
func TestLocalPath(t *testing.T) {
	tests := []struct{ next, want string }{
		{"/admin/members?status=active", "/admin/members?status=active"},
		{"/admin", "/admin"},
		{"", "/fallback"},
		{"admin", "/fallback"},
		{"//evil.example", "/fallback"},
		{"/\\evil.example", "/fallback"},
		{"/./\\evil.example", "/fallback"},
		{"/\t/evil.example", "/fallback"},
		{"/\n/evil.example", "/fallback"},
		{"https://evil.example/admin", "/fallback"},
		{"/..//evil.example", "/fallback"},
		{"/a/../..//evil.example", "/fallback"},
	}
	for _, tt := range tests {
		if got := localPath(tt.next, "/fallback"); got != tt.want {
			t.Errorf("localPath(%q) = %q, want %q", tt.next, got, tt.want)
		}
	}
}

// TestEveryInvoiceStatusHasALabel: the invoice pages name every status
// the billing service can give (a missing one is a 500).
func TestEveryInvoiceStatusHasALabel(t *testing.T) {
	cat, err := loadCatalog(web.Messages)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{billing.InvoiceOpen, billing.InvoicePaid, billing.InvoiceIssued, billing.InvoiceRefunded, billing.InvoiceCredited} {
		if !cat.has("billing.inv.status." + s) {
			t.Errorf("no label for the invoice status %q", s)
		}
	}
}
