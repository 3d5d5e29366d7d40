package webhook_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/webhook"
)

// The test vector published with the Standard Webhooks specification.
const (
	specSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specUnix   = 1614265330
	specBody   = `{"test": 2432232314}`
	specSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignSpecVector(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{specSecret, strings.TrimPrefix(specSecret, webhook.SecretPrefix)} {
		got, err := webhook.Sign(secret, specID, time.Unix(specUnix, 0), []byte(specBody))
		if err != nil {
			t.Fatalf("Sign(%q): %v", secret, err)
		}
		if got != specSig {
			t.Errorf("Sign(%q) = %q, want %q", secret, got, specSig)
		}
	}
}

func TestSignMalformedSecret(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, secret string }{
		{"empty", ""},
		{"prefix only", "whsec_"},
		{"not base64", "whsec_!!!not-base64!!!"},
		{"bad padding", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := webhook.Sign(tc.secret, specID, time.Unix(specUnix, 0), []byte(specBody))
			if got := errs.KindOf(err); err == nil || got != errs.Invalid {
				t.Errorf("Sign(%q) error = %v (kind %v), want an invalid error", tc.secret, err, got)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	t.Parallel()
	a, b := webhook.NewSecret(), webhook.NewSecret()
	if a == b {
		t.Errorf("two NewSecret calls both returned %q", a)
	}
	rest, ok := strings.CutPrefix(a, webhook.SecretPrefix)
	if !ok {
		t.Fatalf("NewSecret() = %q, want prefix %q", a, webhook.SecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(key) != 32 {
		t.Errorf("NewSecret() key decodes to %d bytes (err %v), want 32", len(key), err)
	}
	if _, err := webhook.Sign(a, "msg_1", time.Unix(specUnix, 0), nil); err != nil {
		t.Errorf("Sign with a new secret: %v", err)
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	ts := time.Unix(specUnix, 0)
	other := webhook.NewSecret()
	h, err := webhook.Headers([]string{other, specSecret}, specID, ts, []byte(specBody))
	if err != nil {
		t.Fatal(err)
	}
	otherSig, err := webhook.Sign(other, specID, ts, []byte(specBody))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"webhook-id":        specID,
		"webhook-timestamp": "1614265330",
		"webhook-signature": otherSig + " " + specSig,
	} {
		if got := h.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if len(h) != 3 {
		t.Errorf("got %d headers, want 3: %v", len(h), h)
	}
	if _, err := webhook.Headers(nil, specID, ts, nil); !errs.Is(err, errs.Invalid) {
		t.Errorf("Headers with no secret: error = %v, want an invalid error", err)
	}
	if _, err := webhook.Headers([]string{specSecret, "whsec_%%"}, specID, ts, nil); !errs.Is(err, errs.Invalid) {
		t.Errorf("Headers with a malformed secret: error = %v, want an invalid error", err)
	}
}
