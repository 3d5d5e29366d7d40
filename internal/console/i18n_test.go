package console

import (
	"testing"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/i18n"
)

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
	cat := i18n.Messages()
	for _, s := range []string{billing.InvoiceOpen, billing.InvoicePaid, billing.InvoiceIssued, billing.InvoiceRefunded, billing.InvoiceCredited} {
		if !cat.Has("billing.inv.status." + s) {
			t.Errorf("no label for the invoice status %q", s)
		}
	}
}
