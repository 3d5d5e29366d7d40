// Package apptest starts a whole Kanri over real HTTP for API tests and
// benchmarks, on a database from storetest.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/billing"
)

// Server is a running Kanri.
type Server struct {
	*httptest.Server
	App *app.App
	t   testing.TB
	// client, when set, replaces the httptest server's (Remote).
	client *http.Client
	// working starts the background jobs once (Work).
	working sync.Once
}

// Remote returns a Server for a Kanri already running at baseURL, such as
// a `kanri serve` process: Do and the helpers that call it work; App is nil.
func Remote(t testing.TB, baseURL string) *Server {
	return &Server{Server: &httptest.Server{URL: baseURL}, t: t, client: &http.Client{Timeout: 2 * time.Minute}}
}

// Start runs Kanri on the database at url (migrated already or not) until
// t ends. change, when not nil, adjusts the configuration first.
func Start(t testing.TB, url string, change func(*app.Config)) *Server {
	t.Helper()
	cfg := app.Config{Listen: "127.0.0.1:0", DatabaseURL: url, ProvidedBase: "works.example", BaseURL: "http://127.0.0.1",
		LogLevel: "error", SignupOpen: true, SQLiteSynchronous: "NORMAL", SessionTTL: time.Hour,
		Billing: app.BillingConfig{Issuer: billing.Issuer{Name: "Kanri デモ株式会社", Registration: "T7123456789012", Prefix: "KNR",
			BankDetails: "デモ銀行 本店営業部 普通 1234567 カンリデモ(カ"}}}
	if change != nil {
		change(&cfg)
	}
	a, err := app.Open(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		hs.Close()
		a.Close()
	})
	return &Server{Server: hs, App: a, t: t}
}

// Request is one API call.
type Request struct {
	Method string
	Path   string
	Token  string // bearer token; empty: anonymous
	Body   any    // marshalled to JSON unless it is a []byte or string
	Header http.Header
}

// Response is what came back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode unmarshals the body into v, failing the test on error.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Do sends req and returns the response.
func (s *Server) Do(req Request) *Response {
	s.t.Helper()
	var body io.Reader
	contentType := "application/json"
	switch b := req.Body.(type) {
	case nil:
	case []byte:
		body, contentType = bytes.NewReader(b), "text/csv"
	case string:
		body, contentType = bytes.NewReader([]byte(b)), "text/csv"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		body = bytes.NewReader(j)
	}
	hr, err := http.NewRequest(req.Method, s.URL+req.Path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range req.Header {
		hr.Header[k] = v
	}
	if body != nil && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", contentType)
	}
	if req.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.Token)
	}
	client := s.client
	if client == nil {
		client = s.Client()
	}
	res, err := client.Do(hr)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Tenant is a signed-up tenant and its super admin's token.
type Tenant struct {
	ID         string
	Domain     string
	AdminID    string
	AdminToken string
}

// Password is the password Signup gives every super admin.
const Password = "apptest-password-1"

// Signup signs up works group wg and signs its super admin in.
func (s *Server) Signup(wg string) *Tenant {
	s.t.Helper()
	res := s.Do(Request{Method: "POST", Path: "/api/v1/signup", Body: map[string]string{"works_group": wg, "company_name": wg + " Inc.",
		"admin_login_id": "admin", "admin_name": "Admin", "admin_email": "admin@" + wg + ".example.com", "admin_password": Password}})
	if res.Status != http.StatusCreated {
		s.t.Fatalf("signup %s: %d %s", wg, res.Status, res.Body)
	}
	var out struct {
		Tenant struct {
			ID            string `json:"id"`
			PrimaryDomain string `json:"primary_domain"`
		} `json:"tenant"`
		SuperAdmin struct {
			ID string `json:"id"`
		} `json:"super_admin"`
	}
	res.Decode(s.t, &out)
	return &Tenant{ID: out.Tenant.ID, Domain: out.Tenant.PrimaryDomain, AdminID: out.SuperAdmin.ID, AdminToken: s.Login("admin@"+out.Tenant.PrimaryDomain, Password)}
}

// PayMonthly puts ten on the standard plan's monthly contract with a test
// card: no member limit, nothing billed until the month ends. Tests with
// more members than the free plan's 30 start with it.
func (s *Server) PayMonthly(ten *Tenant) {
	s.t.Helper()
	path := "/api/v1/tenants/" + ten.ID
	steps := []Request{
		{Method: "POST", Path: path + "/payment-methods", Token: ten.AdminToken,
			Body: map[string]any{"type": "card", "card": map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}}},
		{Method: "POST", Path: path + "/subscription/quote", Token: ten.AdminToken, Body: map[string]any{"plan": "standard", "contract": "monthly"}},
	}
	var quote struct {
		ID string `json:"id"`
	}
	for _, req := range steps {
		res := s.Do(req)
		if res.Status != http.StatusCreated {
			s.t.Fatalf("%s %s: %d %s", req.Method, req.Path, res.Status, res.Body)
		}
		res.Decode(s.t, &quote)
	}
	if res := s.Do(Request{Method: "POST", Path: path + "/subscription", Token: ten.AdminToken, Body: map[string]string{"quote_id": quote.ID}}); res.Status != http.StatusOK {
		s.t.Fatalf("apply %s: %d %s", quote.ID, res.Status, res.Body)
	}
}

// Login signs a member in and returns the bearer token.
func (s *Server) Login(loginID, password string) string {
	s.t.Helper()
	res := s.Do(Request{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"login_id": loginID, "password": password}})
	if res.Status != http.StatusOK {
		s.t.Fatalf("login %s: %d %s", loginID, res.Status, res.Body)
	}
	var out struct{ Token string }
	res.Decode(s.t, &out)
	return out.Token
}
