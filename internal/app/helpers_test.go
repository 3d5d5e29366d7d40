package app_test

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/webhook"
)

// receiver is the vendor's product: it checks each delivery's signature,
// answers 500 to a share of them at random (half before its handler runs,
// half after, as if it crashed before answering) and drops duplicates by
// webhook-id, as the Standard Webhooks receivers should.
type receiver struct {
	*httptest.Server
	failRate float64

	mu       sync.Mutex
	rnd      *rand.Rand
	secret   string
	received map[string]int    // raw receptions per webhook-id
	handled  map[string]int    // runs of the handler logic per webhook-id, after de-duplication
	events   map[string]*event // what the handler got, per webhook-id
	refusals []string          // deliveries that failed verification
}

// event is a webhook payload.
type event struct {
	Type     string `json:"type"`
	TenantID string `json:"tenant_id"`
	Data     struct {
		ID     string `json:"id"`
		Member struct {
			LoginID string `json:"login_id"`
			Email   string `json:"email"`
		} `json:"member"`
	} `json:"data"`
}

// startReceiver runs a receiver that fails failRate of the requests, until t ends.
func startReceiver(t *testing.T, failRate float64) *receiver {
	t.Helper()
	r := &receiver{failRate: failRate, rnd: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		received: map[string]int{}, handled: map[string]int{}, events: map[string]*event{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

// setSecret gives the receiver the endpoint's signing secret.
func (r *receiver) setSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = s
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		err = webhook.Verify([]string{r.secret}, req.Header, body, time.Now())
	}
	if err != nil {
		r.refusals = append(r.refusals, err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id := req.Header.Get(webhook.HeaderID)
	r.received[id]++
	roll := r.rnd.Float64()
	if roll < r.failRate/2 {
		http.Error(w, "down before handling", http.StatusInternalServerError)
		return
	}
	if _, seen := r.events[id]; !seen {
		e := &event{}
		if err := json.Unmarshal(body, e); err != nil {
			r.refusals = append(r.refusals, "payload: "+err.Error())
		}
		r.events[id] = e
		r.handled[id]++
	}
	if roll < r.failRate {
		http.Error(w, "crashed after handling", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// snapshot returns copies of what the receiver counted.
func (r *receiver) snapshot() (received, handled map[string]int, events map[string]*event, refusals []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	received, handled, events = map[string]int{}, map[string]int{}, map[string]*event{}
	for k, v := range r.received {
		received[k] = v
	}
	for k, v := range r.handled {
		handled[k] = v
	}
	for k, v := range r.events {
		events[k] = v
	}
	return received, handled, events, append([]string(nil), r.refusals...)
}

// operatorToken creates an operator and signs it in at /api/v1/ops/login.
func operatorToken(t *testing.T, s *apptest.Server) string {
	t.Helper()
	const email, password = "ops@vendor.example", "operator-password-1"
	if _, err := s.App.Services.Sessions.CreateOperator(auth.System(context.Background(), "test"), email, "Ops", password); err != nil {
		t.Fatal(err)
	}
	var out struct{ Token string }
	expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/ops/login",
		Body: map[string]string{"login_id": email, "password": password}}).Decode(t, &out)
	return out.Token
}

// registerEndpoint registers r for every event type and gives it the secret.
func registerEndpoint(t *testing.T, s *apptest.Server, opToken string, r *receiver) string {
	t.Helper()
	var e struct{ ID, Secret string }
	expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: "/api/v1/ops/webhooks", Token: opToken,
		Body: map[string]any{"url": r.URL + "/hooks", "event_types": []string{"*"}}}).Decode(t, &e)
	r.setSecret(e.Secret)
	return e.ID
}

// expect sends req and fails t at once unless the answer has status want.
func expect(t *testing.T, s *apptest.Server, want int, req apptest.Request) *apptest.Response {
	t.Helper()
	res := s.Do(req)
	if res.Status != want {
		t.Fatalf("%s %s: got status %d, want %d; body: %s", req.Method, req.Path, res.Status, want, res.Body)
	}
	return res
}

// mail is a mail as the ops API shows it.
type mail struct {
	ID, To, Language, Template, Subject, Text, HTML, Status string
	Attempts                                                int
	LastError                                               string `json:"last_error"`
}

// delivery is a webhook delivery as the ops API shows it.
type delivery struct {
	ID, Status string
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	Attempts   int
	LastError  string `json:"last_error"`
}

// list returns the items of a list answer of at most 500, which is all
// these tests write.
func list[T any](t *testing.T, s *apptest.Server, token, path string) []T {
	t.Helper()
	var page struct {
		Items      []T
		NextCursor string `json:"next_cursor"`
	}
	expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: path + "?limit=500", Token: token}).Decode(t, &page)
	if page.NextCursor != "" {
		t.Fatalf("%s has more than 500 items", path)
	}
	return page.Items
}

// deliveries returns an endpoint's whole delivery log. It asks the ops
// service that GET /api/v1/ops/webhooks/{w}/deliveries calls, because that
// route ignores ?limit and ?cursor (huma skips the unexported embedded
// pageQuery of its input) and so answers one delivery per page, always the
// newest.
func deliveries(t *testing.T, s *apptest.Server, endpoint string) []delivery {
	t.Helper()
	ds, next, err := s.App.Services.Notify.Deliveries(storetest.Operator(), endpoint, notify.Page{Limit: 500})
	if err != nil || next != "" {
		t.Fatalf("deliveries of %s: %v (next %q)", endpoint, err, next)
	}
	out := make([]delivery, len(ds))
	for i, d := range ds {
		out[i] = delivery{ID: d.ID, Status: d.Status, EventID: d.EventID, EventType: d.EventType, Attempts: d.Attempts, LastError: d.LastError}
	}
	return out
}

// eventually polls check until it returns "" or the timeout passes, then
// fails with check's last complaint.
func eventually(t *testing.T, timeout time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// addMember adds a member with a personal e-mail through the API and
// returns its id.
func addMember(t *testing.T, s *apptest.Server, ten *apptest.Tenant, body map[string]any) string {
	t.Helper()
	var m struct{ ID string }
	expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members",
		Token: ten.AdminToken, Body: body}).Decode(t, &m)
	return m.ID
}
