package console_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// start runs a Kanri on a fresh SQLite file with one signed-up tenant
// ("acme", super admin admin@acme.works.example / apptest.Password).
func start(t *testing.T) (*apptest.Server, *apptest.Tenant) {
	t.Helper()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), nil)
	return s, s.Signup("acme")
}

// browser is a console visitor: it keeps its cookies (the session and
// language ones) and never follows redirects, so tests see each answer.
type browser struct {
	t       *testing.T
	s       *apptest.Server
	cookies map[string]*http.Cookie
	header  http.Header // sent with every request, e.g. Accept-Language
}

// page is one answer.
type page struct {
	Status   int
	Location string
	Header   http.Header
	Body     string
}

func newBrowser(t *testing.T, s *apptest.Server) *browser {
	return &browser{t: t, s: s, cookies: map[string]*http.Cookie{}}
}

// signIn signs a member in through the console's sign-in form.
func (b *browser) signIn(loginID, password string) {
	b.t.Helper()
	p := b.post("/admin/login", url.Values{"login_id": {loginID}, "password": {password}})
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("sign in %s: %d\n%s", loginID, p.Status, p.Body)
	}
}

// signInOperator signs an operator in through /ops/login.
func (b *browser) signInOperator(email, password string) {
	b.t.Helper()
	p := b.post("/ops/login", url.Values{"email": {email}, "password": {password}})
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("sign in operator %s: %d\n%s", email, p.Status, p.Body)
	}
}

func (b *browser) get(path string) *page {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.s.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// getHX is a GET made by htmx (a partial update).
func (b *browser) getHX(path string) *page {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.s.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("HX-Request", "true")
	return b.do(req)
}

// post submits a form as a same-origin browser would.
func (b *browser) post(path string, form url.Values) *page {
	b.t.Helper()
	return b.postWith(path, form, http.Header{"Sec-Fetch-Site": {"same-origin"}})
}

// postWith submits a form with extra headers (e.g. a cross-site one).
func (b *browser) postWith(path string, form url.Values, header http.Header) *page {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.s.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return b.do(req)
}

// upload submits a multipart form with one file, as the CSV import does.
func (b *browser) upload(path, field, filename string, content []byte, form url.Values) *page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, err := http.NewRequest("POST", b.s.URL+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// follow GETs where p redirects to.
func (b *browser) follow(p *page) *page {
	b.t.Helper()
	if p.Location == "" {
		b.t.Fatalf("no redirect: %d\n%s", p.Status, p.Body)
	}
	return b.get(p.Location)
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	for k, v := range b.header {
		req.Header[k] = v
	}
	client := b.s.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
			continue
		}
		b.cookies[c.Name] = c
	}
	loc := res.Header.Get("Location")
	if u, err := url.Parse(loc); err == nil && loc != "" {
		loc = u.RequestURI()
	}
	return &page{Status: res.StatusCode, Location: loc, Header: res.Header, Body: string(body)}
}

// setLang switches the console's language as the header's button does.
func (b *browser) setLang(lang string) {
	b.t.Helper()
	if p := b.post("/lang", url.Values{"lang": {lang}, "next": {"/admin"}}); p.Status != http.StatusSeeOther {
		b.t.Fatalf("switch language to %s: %d", lang, p.Status)
	}
}

// wantIn fails the test for each of wants that body lacks.
func wantIn(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q\n%.3000s", what, w, body)
		}
	}
}
