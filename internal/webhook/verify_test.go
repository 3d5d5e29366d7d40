package webhook_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/webhook"
)

// Fixed secrets, so a failure reproduces.
const (
	oldSecret   = "whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC1zZWNyZXQ="
	newSecret   = "whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0LW5ldy1zZWNyZXQ="
	otherSecret = "whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldC1vdGhlcg=="
)

func TestVerify(t *testing.T) {
	t.Parallel()
	ts := time.Unix(specUnix, 0)
	body := []byte(specBody)
	// signed returns the headers for body signed by secrets at ts, changed by edit.
	signed := func(secrets []string, edit func(http.Header)) http.Header {
		h, err := webhook.Headers(secrets, specID, ts, body)
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(h)
		}
		return h
	}
	setSig := func(v string) func(http.Header) {
		return func(h http.Header) { h.Set("webhook-signature", v) }
	}
	validSig := signed([]string{newSecret}, nil).Get("webhook-signature")
	validB64 := strings.TrimPrefix(validSig, "v1,")

	tests := []struct {
		name    string
		secrets []string // the verifier's
		header  http.Header
		body    string
		now     time.Time
		wantErr string // substring of the message; "" means accepted
	}{
		{name: "spec vector", secrets: []string{specSecret}, header: http.Header{
			"Webhook-Id":        {specID},
			"Webhook-Timestamp": {"1614265330"},
			"Webhook-Signature": {specSig},
		}},
		{name: "valid", secrets: []string{newSecret}, header: signed([]string{newSecret}, nil)},
		{name: "tampered body", secrets: []string{newSecret}, header: signed([]string{newSecret}, nil), body: specBody + " ", wantErr: "does not match"},
		{name: "wrong secret", secrets: []string{otherSecret}, header: signed([]string{newSecret}, nil), wantErr: "does not match"},
		{name: "tampered id", secrets: []string{newSecret}, header: signed([]string{newSecret}, func(h http.Header) { h.Set("webhook-id", "msg_other") }), wantErr: "does not match"},
		{name: "tampered timestamp", secrets: []string{newSecret}, header: signed([]string{newSecret}, func(h http.Header) { h.Set("webhook-timestamp", "1614265331") }), wantErr: "does not match"},
		{name: "five minutes old", secrets: []string{newSecret}, header: signed([]string{newSecret}, nil), now: ts.Add(webhook.Tolerance)},
		{name: "five minutes early", secrets: []string{newSecret}, header: signed([]string{newSecret}, nil), now: ts.Add(-webhook.Tolerance)},
		{name: "older than five minutes", secrets: []string{newSecret}, header: signed([]string{newSecret}, nil), now: ts.Add(webhook.Tolerance + time.Second), wantErr: "old"},
		{name: "too far in the future", secrets: []string{newSecret}, header: signed([]string{newSecret}, nil), now: ts.Add(-webhook.Tolerance - time.Second), wantErr: "future"},
		{name: "timestamp not an integer", secrets: []string{newSecret}, header: signed([]string{newSecret}, func(h http.Header) { h.Set("webhook-timestamp", "1614265330.0") }), wantErr: "not a whole number"},
		{name: "timestamp in milliseconds", secrets: []string{newSecret}, header: signed([]string{newSecret}, func(h http.Header) { h.Set("webhook-timestamp", "1614265330000") }), wantErr: "future"},
		{name: "missing id", secrets: []string{newSecret}, header: signed([]string{newSecret}, func(h http.Header) { h.Del("webhook-id") }), wantErr: "no webhook-id header"},
		{name: "missing timestamp", secrets: []string{newSecret}, header: signed([]string{newSecret}, func(h http.Header) { h.Del("webhook-timestamp") }), wantErr: "no webhook-timestamp header"},
		{name: "missing signature", secrets: []string{newSecret}, header: signed([]string{newSecret}, func(h http.Header) { h.Del("webhook-signature") }), wantErr: "no webhook-signature header"},
		{name: "empty signature", secrets: []string{newSecret}, header: signed([]string{newSecret}, setSig("")), wantErr: "no webhook-signature header"},
		{name: "rotation, verifier has old only", secrets: []string{oldSecret}, header: signed([]string{newSecret, oldSecret}, nil)},
		{name: "rotation, verifier has new only", secrets: []string{newSecret}, header: signed([]string{newSecret, oldSecret}, nil)},
		{name: "rotation, verifier has both", secrets: []string{newSecret, oldSecret}, header: signed([]string{newSecret, oldSecret}, nil)},
		{name: "rotation, verifier has neither", secrets: []string{otherSecret}, header: signed([]string{newSecret, oldSecret}, nil), wantErr: "does not match"},
		{name: "sender has old only, verifier has both", secrets: []string{newSecret, oldSecret}, header: signed([]string{oldSecret}, nil)},
		{name: "malformed entries ignored", secrets: []string{newSecret}, header: signed([]string{newSecret}, setSig("v1 v1, v1,!!!not-base64 ,"+validB64+"  garbage "+validSig))},
		{name: "malformed entries only", secrets: []string{newSecret}, header: signed([]string{newSecret}, setSig("v1 v1, v1,!!! "+validB64)), wantErr: "does not match"},
		{name: "truncated signature", secrets: []string{newSecret}, header: signed([]string{newSecret}, setSig("v1,"+validB64[:20]+"=")), wantErr: "does not match"},
		{name: "non-v1 versions ignored", secrets: []string{newSecret}, header: signed([]string{newSecret}, setSig("v1a,"+validB64+" v2,"+validB64+" V1,"+validB64)), wantErr: "does not match"},
		{name: "non-v1 before v1", secrets: []string{newSecret}, header: signed([]string{newSecret}, setSig("v2,"+validB64+" "+validSig))},
		{name: "no verifier secret", header: signed([]string{newSecret}, nil), wantErr: "no webhook secret"},
		{name: "malformed verifier secret", secrets: []string{newSecret, "whsec_%%"}, header: signed([]string{newSecret}, nil), wantErr: "secret is malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			now, body := tc.now, tc.body
			if now.IsZero() {
				now = ts
			}
			if body == "" {
				body = specBody
			}
			err := webhook.Verify(tc.secrets, tc.header, []byte(body), now)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Verify: %v, want accepted", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("Verify accepted, want error containing %q", tc.wantErr)
			case tc.wantErr != "" && (!errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Verify error = %v (kind %v), want an invalid error containing %q", err, errs.KindOf(err), tc.wantErr)
			}
		})
	}
}

// FuzzVerify checks that no header value makes Verify panic, and that only
// the one true signature is ever accepted.
func FuzzVerify(f *testing.F) {
	f.Add(specID, "1614265330", specSig, specBody)
	f.Add("", "", "", "")
	f.Add(specID, "-9223372036854775808", "v1, v1,,,, v2,abc", "x")
	f.Add(specID, "9223372036854775807", "v1,"+strings.Repeat("A", 100), specBody)
	f.Fuzz(func(t *testing.T, id, ts, sig, body string) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		err := webhook.Verify([]string{specSecret}, h, []byte(body), time.Unix(specUnix, 0))
		if err == nil && (id != specID || body != specBody || !strings.Contains(sig, specSig[3:])) {
			t.Errorf("Verify accepted id %q, ts %q, sig %q, body %q", id, ts, sig, body)
		}
	})
}
