// Package webhook signs and checks deliveries to the vendor's product per the
// Standard Webhooks specification, and refuses endpoint URLs that reach
// private networks.
//
// A delivery carries three headers: webhook-id (the message ID, the same on
// every retry so the receiver can drop duplicates), webhook-timestamp (unix
// seconds, so the receiver can refuse replays) and webhook-signature (one
// "v1,<base64 HMAC-SHA256>" per active secret, separated by spaces).
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/errs"
)

// The header names of the Standard Webhooks specification.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every secret, so a leaked one is recognisable in logs
// and secret scanners.
const SecretPrefix = "whsec_"

// signatureVersion labels the only scheme defined so far: HMAC-SHA256.
const signatureVersion = "v1"

// NewSecret returns a fresh signing secret: SecretPrefix followed by 32
// random bytes in standard base64, the form the specification's libraries
// accept.
func NewSecret() string {
	var key [32]byte
	rand.Read(key[:]) // crypto/rand.Read never fails since Go 1.24.
	return SecretPrefix + base64.StdEncoding.EncodeToString(key[:])
}

// decodeSecret returns the HMAC key in s. The prefix is optional, as in the
// specification's libraries, so a secret pasted without it still works.
func decodeSecret(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, SecretPrefix))
	if err != nil || len(key) == 0 {
		return nil, &errs.Error{
			Kind:  errs.Invalid,
			Field: "secret",
			Code:  "webhook.secret_malformed",
			Err:   err,
		}
	}
	return key, nil
}

// Sign returns the v1 signature of a delivery: "v1," followed by the base64
// HMAC-SHA256, under secret's key, of msgID "." unix-seconds "." body. It
// returns an Invalid error when secret is malformed.
func Sign(secret string, msgID string, ts time.Time, body []byte) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	return signatureVersion + "," + base64.StdEncoding.EncodeToString(mac(key, msgID, ts.Unix(), body)), nil
}

// mac returns the raw HMAC-SHA256 over the signed content.
func mac(key []byte, msgID string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msgID))
	h.Write([]byte("."))
	h.Write([]byte(strconv.FormatInt(unix, 10)))
	h.Write([]byte("."))
	h.Write(body)
	return h.Sum(nil)
}

// Headers returns the headers of a delivery signed with every secret, in the
// order given. During a rotation pass the newest secret first and the old one
// after it, so receivers that know either accept the delivery. It returns an
// Invalid error when there is no secret or one is malformed.
func Headers(secrets []string, msgID string, ts time.Time, body []byte) (http.Header, error) {
	if len(secrets) == 0 {
		return nil, errs.Field("secret", "webhook.no_signing_secret")
	}
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sig, err := Sign(s, msgID, ts, body)
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, sig)
	}
	h := make(http.Header, 3)
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, strings.Join(sigs, " "))
	return h, nil
}
