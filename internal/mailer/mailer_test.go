package mailer_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/mailer"
)

func newSender(t *testing.T, cfg mailer.Config) *mailer.SMTP {
	t.Helper()
	s, err := mailer.New(cfg)
	if err != nil {
		t.Fatalf("New(%v): %v", cfg, err)
	}
	return s
}

// send sends m alone.
func send(s *mailer.SMTP, m mailer.Message) error {
	return s.SendAll(context.Background(), []mailer.Message{m})[0]
}

// TestSendAllOneConnection sends four messages in one call: one the
// server refuses and one that could never be sent fail alone, the others
// arrive, all over one connection.
func TestSendAllOneConnection(t *testing.T) {
	t.Parallel()
	be := &backend{refuse: "nobody@demo.example.jp"}
	port := startServer(t, be)
	ms := make([]mailer.Message, 4)
	for i := range ms {
		ms[i] = japaneseMessage()
		ms[i].MessageID = fmt.Sprintf("mail_%d@kanri", i)
	}
	ms[1].To = "not an address"
	ms[2].To = be.refuse
	got := newSender(t, testConfig(port)).SendAll(context.Background(), ms)
	if got[0] != nil || got[3] != nil {
		t.Errorf("the good messages: %v, %v; want both sent", got[0], got[3])
	}
	if !errs.Is(got[1], errs.Invalid) {
		t.Errorf("the malformed message: %v, want an Invalid error", got[1])
	}
	if got[2] == nil || errs.Is(got[2], errs.Invalid) {
		t.Errorf("the refused message: %v, want a delivery failure", got[2])
	}
	if msgs := be.messages(); len(msgs) != 2 || msgs[0].to[0] != ms[0].To || msgs[1].to[0] != ms[3].To {
		t.Errorf("the server got %d messages (%v), want the first and the last", len(msgs), msgs)
	}
	if n := be.sessionCount(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i, err := range newSender(t, testConfig(port)).SendAll(ctx, ms[:1]) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("message %d after the context ended: %v, want context.Canceled", i, err)
		}
	}
}

func testConfig(port int) mailer.Config {
	return mailer.Config{Host: "127.0.0.1", Port: port, TLS: mailer.TLSNone, From: "no-reply@kanri.example.jp", FromName: "Kanri 事務局"}
}

func japaneseMessage() mailer.Message {
	return mailer.Message{
		MessageID: "mail_01JABCDEF@kanri",
		To:        "taro@demo.example.jp",
		ToName:    "山田 太郎",
		Subject:   "【Kanri】株式会社デモ のメンバーに追加されました",
		Text:      "山田 太郎 様\n\n株式会社デモ の管理者により、Kanri のメンバーとして登録されました。\nhttps://kanri.example.jp/invitations/inv_123?token=abc=&x=1\n" + strings.Repeat("長い行です。", 30) + "\n",
		HTML:      "<p>山田 太郎 様</p>\n<p>株式会社デモ の<strong>メンバー</strong>として登録されました。</p>\n",
		Date:      time.Date(2026, 11, 23, 9, 30, 0, 0, time.FixedZone("JST", 9*3600)),
	}
}

func TestSendDeliversMultipartUTF8(t *testing.T) {
	t.Parallel()
	be := &backend{}
	port := startServer(t, be)
	m := japaneseMessage()
	if err := send(newSender(t, testConfig(port)), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	msgs := be.messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.from != "no-reply@kanri.example.jp" || len(got.to) != 1 || got.to[0] != m.To {
		t.Errorf("envelope = MAIL FROM %q RCPT TO %q, want %q and [%q]", got.from, got.to, "no-reply@kanri.example.jp", m.To)
	}
	parsed, err := netmail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatalf("parse received message: %v\n%s", err, got.data)
	}
	checkAddress(t, parsed.Header, "From", netmail.Address{Name: "Kanri 事務局", Address: "no-reply@kanri.example.jp"})
	checkAddress(t, parsed.Header, "To", netmail.Address{Name: m.ToName, Address: m.To})
	if got, want := parsed.Header.Get("Message-ID"), "<"+m.MessageID+">"; got != want {
		t.Errorf("Message-ID = %q, want %q", got, want)
	}
	if date, err := parsed.Header.Date(); err != nil || !date.Equal(m.Date) {
		t.Errorf("Date = %v, %v; want %v", date, err, m.Date)
	}
	checkSubject(t, parsed.Header.Get("Subject"), m.Subject)
	parts := readParts(t, parsed)
	if got, want := normalizeNewlines(parts["text/plain"]), m.Text; got != want {
		t.Errorf("text/plain part = %q, want %q", got, want)
	}
	if got, want := normalizeNewlines(parts["text/html"]), m.HTML; got != want {
		t.Errorf("text/html part = %q, want %q", got, want)
	}
	for _, line := range strings.Split(string(got.data), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d bytes on the wire, want at most 998", len(line))
		}
	}
}

func checkAddress(t *testing.T, h netmail.Header, key string, want netmail.Address) {
	t.Helper()
	got, err := h.AddressList(key)
	if err != nil || len(got) != 1 || *got[0] != want {
		t.Errorf("%s = %v, %v (raw %q); want %v", key, got, err, h.Get(key), want)
	}
}

func checkSubject(t *testing.T, raw, want string) {
	t.Helper()
	if !strings.Contains(strings.ToUpper(raw), "=?UTF-8?") {
		t.Errorf("Subject on the wire = %q, want an RFC 2047 encoded word (=?UTF-8?…)", raw)
	}
	for _, r := range raw {
		if r > 0x7e {
			t.Errorf("Subject on the wire = %q, want ASCII only", raw)
			break
		}
	}
	got, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil || got != want {
		t.Errorf("Subject decodes to %q, %v; want %q", got, err, want)
	}
}

// readParts returns the decoded body of each part of a multipart/alternative
// message by media type, checking each part's charset and encoding.
func readParts(t *testing.T, msg *netmail.Message) map[string]string {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/alternative" || params["boundary"] == "" {
		t.Fatalf("Content-Type = %q, %v; want multipart/alternative with a boundary", msg.Header.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		// NextRawPart keeps Content-Transfer-Encoding, so that the test sees
		// what went over the wire and decodes it itself.
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		typ, params, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil || !strings.EqualFold(params["charset"], "utf-8") {
			t.Errorf("part Content-Type = %q, %v; want a UTF-8 charset", p.Header.Get("Content-Type"), err)
		}
		parts[typ] = decodePart(t, p)
	}
	if len(parts) != 2 || parts["text/plain"] == "" || parts["text/html"] == "" {
		t.Fatalf("parts = %v, want a text/plain and a text/html part", parts)
	}
	return parts
}

func decodePart(t *testing.T, p *multipart.Part) string {
	t.Helper()
	var r io.Reader = p
	switch enc := strings.ToLower(p.Header.Get("Content-Transfer-Encoding")); enc {
	case "quoted-printable":
		r = quotedprintable.NewReader(p)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &newlineStripper{p})
	default:
		t.Errorf("part Content-Transfer-Encoding = %q, want quoted-printable or base64 for UTF-8 text", enc)
	}
	body, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode part: %v", err)
	}
	return string(body)
}

// newlineStripper drops CR and LF so that line-wrapped base64 decodes.
type newlineStripper struct{ r io.Reader }

func (n *newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	out := p[:0]
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' {
			out = append(out, c)
		}
	}
	return len(out), err
}

func normalizeNewlines(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func TestSendKeepsMessageIDOnRetry(t *testing.T) {
	t.Parallel()
	be := &backend{}
	s := newSender(t, testConfig(startServer(t, be)))
	m := japaneseMessage()
	for range 2 {
		if err := send(s, m); err != nil {
			t.Fatal(err)
		}
	}
	for i, got := range be.messages() {
		parsed, err := netmail.ReadMessage(bytes.NewReader(got.data))
		if err != nil {
			t.Fatal(err)
		}
		if id := parsed.Header.Get("Message-ID"); id != "<mail_01JABCDEF@kanri>" {
			t.Errorf("delivery %d Message-ID = %q, want <mail_01JABCDEF@kanri>", i, id)
		}
	}
}

func TestSendTextOnly(t *testing.T) {
	t.Parallel()
	be := &backend{}
	m := japaneseMessage()
	m.HTML = ""
	if err := send(newSender(t, testConfig(startServer(t, be))), m); err != nil {
		t.Fatal(err)
	}
	parsed, err := netmail.ReadMessage(bytes.NewReader(be.messages()[0].data))
	if err != nil {
		t.Fatal(err)
	}
	if typ, _, _ := mime.ParseMediaType(parsed.Header.Get("Content-Type")); typ != "text/plain" {
		t.Errorf("Content-Type = %q, want text/plain", parsed.Header.Get("Content-Type"))
	}
}

func TestSendWithPlainAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, user, pass string
		wantSent         bool
	}{
		{"right credentials", "kanri", "s3cret-パス", true},
		{"wrong password", "kanri", "wrong", false},
		{"no credentials", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			be := &backend{user: "kanri", pass: "s3cret-パス"}
			cfg := testConfig(startServer(t, be))
			cfg.Username, cfg.Password = tt.user, tt.pass
			err := send(newSender(t, cfg), japaneseMessage())
			if sent := len(be.messages()) == 1; sent != tt.wantSent || (err == nil) != tt.wantSent {
				t.Fatalf("Send: err = %v, sent = %v; want sent = %v", err, sent, tt.wantSent)
			}
			if err != nil && strings.Contains(err.Error(), be.pass) {
				t.Errorf("error %q reveals the password", err)
			}
		})
	}
}

func TestSendRefusesHeaderInjection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		field string
		edit  func(*mailer.Message)
	}{
		{"CRLF in ToName", "to_name", func(m *mailer.Message) { m.ToName = "Taro\r\nBcc: evil@example.com" }},
		{"LF in ToName", "to_name", func(m *mailer.Message) { m.ToName = "Taro\nBcc: evil@example.com" }},
		{"CRLF in Subject", "subject", func(m *mailer.Message) { m.Subject = "Hello\r\nBcc: evil@example.com" }},
		{"CR in Subject", "subject", func(m *mailer.Message) { m.Subject = "Hello\rBcc: evil@example.com" }},
		{"NEL in Subject", "subject", func(m *mailer.Message) { m.Subject = "Hello\u0085Bcc: evil@example.com" }},
		{"CRLF in To", "to", func(m *mailer.Message) { m.To = "taro@demo.example.jp\r\nBcc: evil@example.com" }},
		{"two addresses in To", "to", func(m *mailer.Message) { m.To = "taro@demo.example.jp, evil@example.com" }},
		{"name in To", "to", func(m *mailer.Message) { m.To = "Evil <evil@example.com>" }},
		{"CRLF in MessageID", "message_id", func(m *mailer.Message) { m.MessageID = "x@kanri\r\nBcc: evil@example.com" }},
		{"brackets in MessageID", "message_id", func(m *mailer.Message) { m.MessageID = "<x@kanri>" }},
		{"empty MessageID", "message_id", func(m *mailer.Message) { m.MessageID = "" }},
		{"empty Subject", "subject", func(m *mailer.Message) { m.Subject = " " }},
		{"empty Text", "text", func(m *mailer.Message) { m.Text = "" }},
	}
	be := &backend{}
	s := newSender(t, testConfig(startServer(t, be)))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := japaneseMessage()
			tt.edit(&m)
			err := send(s, m)
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.Invalid || e.Field != tt.field {
				t.Fatalf("Send: %v; want an Invalid error for field %q", err, tt.field)
			}
		})
	}
	if n := be.sessionCount(); n != 0 {
		t.Errorf("server saw %d connections, want none: refused mail must not reach the server", n)
	}
}

// TestSendOverTLS sends with AUTH PLAIN over STARTTLS and over implicit TLS
// to servers that refuse AUTH in clear.
func TestSendOverTLS(t *testing.T) {
	t.Parallel()
	cert, clientTLS := selfSigned(t)
	for _, mode := range []string{mailer.TLSStartTLS, mailer.TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			be := &backend{user: "kanri", pass: "s3cret"}
			cfg := testConfig(startTLSServer(t, be, mode, &cert))
			cfg.TLS, cfg.Username, cfg.Password = mode, "kanri", "s3cret"
			s := newSender(t, cfg)
			mailer.SetTLSConfig(s, clientTLS)
			if err := send(s, japaneseMessage()); err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs := be.messages()
			if len(msgs) != 1 || !msgs[0].tls {
				t.Fatalf("server got %d messages (encrypted: %v), want 1 over TLS", len(msgs), len(msgs) == 1 && msgs[0].tls)
			}
		})
	}
}

func TestSendRefusesUntrustedCertificate(t *testing.T) {
	t.Parallel()
	cert, _ := selfSigned(t)
	be := &backend{}
	cfg := testConfig(startTLSServer(t, be, mailer.TLSStartTLS, &cert))
	cfg.TLS = mailer.TLSStartTLS
	if err := send(newSender(t, cfg), japaneseMessage()); err == nil {
		t.Fatal("Send to a server with an untrusted certificate succeeded, want an error")
	}
	if n := len(be.messages()); n != 0 {
		t.Errorf("server got %d messages, want 0", n)
	}
}

func TestSendStartTLSIsMandatory(t *testing.T) {
	t.Parallel()
	be := &backend{}
	cfg := testConfig(startServer(t, be))
	cfg.TLS = "" // the default, starttls: a server without STARTTLS must not get the mail in clear
	if err := send(newSender(t, cfg), japaneseMessage()); err == nil {
		t.Fatal("Send to a server without STARTTLS succeeded, want an error")
	}
	if n := len(be.messages()); n != 0 {
		t.Errorf("server got %d messages, want 0", n)
	}
}

func TestSendServerDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	err = send(newSender(t, testConfig(port)), japaneseMessage())
	if err == nil || errs.Is(err, errs.Invalid) {
		t.Fatalf("Send to a closed port: %v; want a delivery error that is not Invalid", err)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	valid := mailer.Config{Host: "smtp.example.jp", Port: 587, From: "no-reply@kanri.example.jp", FromName: "Kanri"}
	tests := []struct {
		name  string
		edit  func(*mailer.Config)
		field string // "" means valid
	}{
		{"valid starttls default", func(*mailer.Config) {}, ""},
		{"valid tls", func(c *mailer.Config) { c.TLS, c.Port = "tls", 465 }, ""},
		{"valid none upper case", func(c *mailer.Config) { c.TLS, c.Port = "NONE", 25 }, ""},
		{"valid with auth", func(c *mailer.Config) { c.Username, c.Password = "u", "p" }, ""},
		{"valid empty name", func(c *mailer.Config) { c.FromName = "" }, ""},
		{"empty host", func(c *mailer.Config) { c.Host = "" }, "host"},
		{"host with space", func(c *mailer.Config) { c.Host = "smtp example" }, "host"},
		{"port zero", func(c *mailer.Config) { c.Port = 0 }, "port"},
		{"port negative", func(c *mailer.Config) { c.Port = -1 }, "port"},
		{"port too big", func(c *mailer.Config) { c.Port = 65536 }, "port"},
		{"unknown tls", func(c *mailer.Config) { c.TLS = "ssl3" }, "tls"},
		{"empty from", func(c *mailer.Config) { c.From = "" }, "from"},
		{"from not an address", func(c *mailer.Config) { c.From = "kanri" }, "from"},
		{"from with name", func(c *mailer.Config) { c.From = "Kanri <no-reply@kanri.example.jp>" }, "from"},
		{"from with CRLF", func(c *mailer.Config) { c.From = "a@b.jp\r\nBcc: x@y.jp" }, "from"},
		{"from name with CRLF", func(c *mailer.Config) { c.FromName = "Kanri\r\nBcc: x@y.jp" }, "from_name"},
		{"password without user", func(c *mailer.Config) { c.Password = "p" }, "username"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := valid
			tt.edit(&cfg)
			s, err := mailer.New(cfg)
			if tt.field == "" {
				if err != nil || s == nil {
					t.Fatalf("New(%v) = %v, %v; want a sender", cfg, s, err)
				}
				return
			}
			e, ok := errs.As(err)
			if s != nil || !ok || e.Kind != errs.Invalid || e.Field != tt.field {
				t.Fatalf("New(%v) = %v, %v; want an Invalid error for field %q", cfg, s, err, tt.field)
			}
		})
	}
}

func TestConfigHidesPassword(t *testing.T) {
	t.Parallel()
	cfg := mailer.Config{Host: "smtp.example.jp", Port: 587, Username: "kanri", Password: "hunter2-secret", From: "a@b.jp"}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("smtp", "config", cfg)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("smtp", "config", cfg)
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%v", &cfg), buf.String()} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("output reveals the password: %s", out)
		}
		if !strings.Contains(out, "smtp.example.jp") {
			t.Errorf("output lacks the host: %s", out)
		}
	}
}
