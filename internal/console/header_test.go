package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestHeaderNamesTheCompany: every admin page's header names the company
// (as LINE WORKS does) — on 会社情報 too, where a Go struct was once
// printed instead (issue 17).
func TestHeaderNamesTheCompany(t *testing.T) {
	t.Parallel()
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	for _, path := range []string{"/admin", "/admin/settings/company", "/admin/members", "/admin/billing"} {
		p := b.get(path)
		if p.Status != http.StatusOK || !strings.Contains(p.Body, `<span class="tenant">acme Inc.</span>`) || strings.Contains(p.Body, "{ten_") {
			t.Errorf("%s: %d; want the header to name acme Inc. and no struct", path, p.Status)
		}
	}
}
