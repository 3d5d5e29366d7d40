package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestStatementPDF: the portal downloads the month's 卸売明細書 as a PDF;
// a month that is none is refused in the reader's language; a member
// is sent to the portal's sign-in.
func TestStatementPDF(t *testing.T) {
	t.Parallel()
	s, ten := start(t)
	_ = partnerFor(t, s, "ABC 株式会社", "sales@abc.example.jp")
	portal := newBrowser(t, s)
	portal.setLang("ja")
	signInPartner(t, portal, "sales@abc.example.jp")
	p := portal.get("/partner/statements/2027-04/pdf")
	if p.Status != http.StatusOK || p.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(p.Body, "%PDF-") ||
		p.Header.Get("Content-Disposition") != `attachment; filename="statement-2027-04.pdf"` {
		t.Fatalf("PDF: got %d %q %q", p.Status, p.Header.Get("Content-Type"), p.Header.Get("Content-Disposition"))
	}
	p = portal.get("/partner/statements/April/pdf")
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a month that is none: got %d, want 422", p.Status)
	}
	wantIn(t, "refusal", p.Body, "2027-04 のように年と月を入力してください")
	member := newBrowser(t, s)
	member.signIn("admin@"+ten.Domain, apptest.Password)
	if p := member.get("/partner/statements/2027-04/pdf"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/partner/login") {
		t.Fatalf("a member: got %d to %q, want the portal's sign-in", p.Status, p.Location)
	}
}
