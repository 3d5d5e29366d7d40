package webhook

import (
	"crypto/hmac"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/errs"
)

// Tolerance is how far a delivery's timestamp may lie from the receiver's
// clock, either way, before Verify refuses it as a replay or a forgery.
const Tolerance = 5 * time.Minute

// Verify checks a delivery the way a receiver should: all three headers are
// present, the timestamp is within Tolerance of now, and at least one v1
// signature in the header matches one of secrets. Signatures of other
// versions and malformed entries are skipped, as the specification asks, so
// senders can add schemes without breaking receivers. Every refusal is an
// Invalid error; a malformed secret is one too.
func Verify(secrets []string, h http.Header, body []byte, now time.Time) error {
	keys, err := decodeSecrets(secrets)
	if err != nil {
		return err
	}
	msgID, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	for _, hv := range []struct{ name, value string }{{HeaderID, msgID}, {HeaderTimestamp, tsText}, {HeaderSignature, sigs}} {
		if hv.value == "" {
			return errs.E(errs.Invalid, "webhook.header_missing", "header", hv.name)
		}
	}
	unix, err := checkTimestamp(tsText, now)
	if err != nil {
		return err
	}
	for _, key := range keys {
		want := mac(key, msgID, unix, body)
		for _, entry := range strings.Fields(sigs) {
			if got, ok := parseSignature(entry); ok && hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return errs.E(errs.Invalid, "webhook.signature_mismatch")
}

// decodeSecrets returns the keys of secrets, refusing an empty list, which
// would otherwise make every delivery fail with a misleading message.
func decodeSecrets(secrets []string) ([][]byte, error) {
	if len(secrets) == 0 {
		return nil, errs.Field("secret", "webhook.no_secret_to_verify")
	}
	keys := make([][]byte, 0, len(secrets))
	for _, s := range secrets {
		key, err := decodeSecret(s)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// checkTimestamp parses the webhook-timestamp header and refuses it when it
// lies more than Tolerance from now.
func checkTimestamp(text string, now time.Time) (int64, error) {
	unix, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, errs.Wrap(errs.Invalid, err, "webhook.timestamp_invalid", "timestamp", text)
	}
	switch age := now.Sub(time.Unix(unix, 0)); {
	case age > Tolerance:
		return 0, errs.E(errs.Invalid, "webhook.timestamp_too_old", "minutes", int(Tolerance/time.Minute))
	case age < -Tolerance:
		return 0, errs.E(errs.Invalid, "webhook.timestamp_in_future", "minutes", int(Tolerance/time.Minute))
	}
	return unix, nil
}

// parseSignature returns the MAC in a "v1,<base64>" entry; ok is false for
// other versions and malformed entries.
func parseSignature(entry string) (sig []byte, ok bool) {
	version, b64, found := strings.Cut(entry, ",")
	if !found || version != signatureVersion {
		return nil, false
	}
	sig, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(sig) == 0 {
		return nil, false
	}
	return sig, true
}
