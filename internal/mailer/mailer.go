// Package mailer delivers mail over SMTP with go-mail.
package mailer

import (
	"context"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/wneessen/go-mail"

	"github.com/kanri/kanri/internal/errs"
)

// The TLS modes of Config.TLS.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which must succeed
	TLSImplicit = "tls"      // TLS from the first byte ("SMTPS", usually port 465)
	TLSNone     = "none"     // no encryption: only for a relay on localhost or a trusted network
)

// timeout bounds connecting to the server and each step of the SMTP
// conversation, so that a stuck server cannot hold a delivery worker.
const timeout = 30 * time.Second

// Config says how to reach the SMTP server and who the mail is from.
type Config struct {
	Host     string
	Port     int
	TLS      string // TLSStartTLS (the default when empty), TLSImplicit or TLSNone
	Username string // SMTP AUTH when set
	Password string
	From     string // bare address, e.g. "no-reply@kanri.example.jp"
	FromName string // display name of the sender, e.g. "Kanri"
}

// String describes c without its password, so printing a Config is safe.
func (c Config) String() string {
	return fmt.Sprintf("smtp://%s:%d (tls=%s, user=%q, from=%q)", c.Host, c.Port, c.TLS, c.Username, c.From)
}

// LogValue describes c for slog without its password.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host), slog.Int("port", c.Port), slog.String("tls", c.TLS),
		slog.String("username", c.Username), slog.String("from", c.From),
	)
}

// Message is one mail to one recipient. Its fields go into headers as they
// are, so none may contain a line break.
type Message struct {
	MessageID string // without angle brackets, e.g. "mail_abc@kanri"; the same on every retry
	To        string // bare address
	ToName    string // may be empty
	Subject   string
	Text      string    // the text/plain part; required
	HTML      string    // the text/html alternative; may be empty
	Date      time.Time // when the mail was written; the zero value means now
}

// SMTP sends mail through one SMTP server. It is safe for concurrent use:
// every SendAll opens its own connection.
type SMTP struct {
	cfg  Config
	opts []mail.Option
}

// New checks cfg and returns a sender. It returns an Invalid error naming
// the setting to fix; it does not connect to the server.
func New(cfg Config) (*SMTP, error) {
	cfg.TLS = strings.ToLower(strings.TrimSpace(cfg.TLS))
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if err := validate(cfg); err != nil {
		return nil, err
	}
	s := &SMTP{cfg: cfg, opts: clientOptions(cfg)}
	// Build one client now so that go-mail's own checks fail at start.
	if _, err := mail.NewClient(cfg.Host, s.opts...); err != nil {
		return nil, errs.Wrap(errs.Invalid, err, "mailer.settings_invalid")
	}
	return s, nil
}

func validate(cfg Config) error {
	switch {
	case strings.TrimSpace(cfg.Host) == "" || strings.ContainsFunc(cfg.Host, notHostRune):
		return errs.Field("host", "mailer.host_invalid", "host", cfg.Host)
	case cfg.Port < 1 || cfg.Port > 65535:
		return errs.Field("port", "mailer.port_invalid", "port", strconv.Itoa(cfg.Port)) // a port is not a quantity: no digit grouping
	case cfg.TLS != TLSStartTLS && cfg.TLS != TLSImplicit && cfg.TLS != TLSNone:
		return errs.Field("tls", "mailer.tls_invalid", "tls", cfg.TLS)
	case !isBareAddress(cfg.From):
		return errs.Field("from", "mailer.from_invalid", "from", cfg.From)
	case hasControl(cfg.FromName):
		return errs.Field("from_name", "mailer.from_name_invalid")
	case cfg.Password != "" && cfg.Username == "":
		return errs.Field("username", "mailer.username_missing")
	case hasControl(cfg.Username):
		return errs.Field("username", "mailer.username_invalid")
	}
	return nil
}

func clientOptions(cfg Config) []mail.Option {
	// No NOOP before each message of a connection: a dead connection fails the send anyway.
	opts := []mail.Option{mail.WithPort(cfg.Port), mail.WithTimeout(timeout), mail.WithoutNoop()}
	switch cfg.TLS {
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if cfg.Username != "" {
		// PLAIN or LOGIN, as nearly every submission server offers; go-mail
		// sends them only over TLS or to localhost, never in clear over a
		// network. Without either, it picks the strongest mechanism offered.
		opts = append(opts,
			mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlain, mail.SMTPAuthLogin),
			mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
	}
	return opts
}

// SendAll delivers ms over one connection and returns each message's
// error (nil: sent). A message that could never be sent as it is (a bad
// address, a line break in a header field) gets an Invalid error and is
// not sent; once ctx ends, the messages not yet sent get ctx's error. Any
// other error is a delivery failure, and the caller may retry with the
// same MessageID; go-mail's *mail.SendError in the chain tells, with
// IsTemp, whether the server refused the mail for good.
func (s *SMTP) SendAll(ctx context.Context, ms []Message) []error {
	out := make([]error, len(ms))
	msgs := make([]*mail.Msg, len(ms))
	valid := 0
	for i, m := range ms {
		if msgs[i], out[i] = s.build(m); out[i] == nil {
			valid++
		}
	}
	if valid == 0 {
		return out
	}
	client, err := mail.NewClient(s.cfg.Host, s.opts...)
	if err == nil {
		err = client.DialWithContext(ctx)
	}
	if err != nil {
		for i := range out {
			if msgs[i] != nil {
				out[i] = fmt.Errorf("send mail %s via %s:%d: %w", ms[i].MessageID, s.cfg.Host, s.cfg.Port, err)
			}
		}
		return out
	}
	defer func() { _ = client.Close() }()
	for i, msg := range msgs {
		switch {
		case msg == nil:
		case ctx.Err() != nil:
			out[i] = ctx.Err()
		default:
			// Each Send extends the connection's deadline by the timeout.
			if err := client.Send(msg); err != nil && !msg.IsDelivered() {
				out[i] = fmt.Errorf("send mail %s via %s:%d: %w", ms[i].MessageID, s.cfg.Host, s.cfg.Port, err)
			}
		}
	}
	return out
}

// build turns m into a multipart/alternative UTF-8 message; go-mail encodes
// the subject and names (RFC 2047) and the parts (quoted-printable).
func (s *SMTP) build(m Message) (*mail.Msg, error) {
	if err := checkMessage(m); err != nil {
		return nil, err
	}
	msg := mail.NewMsg(mail.WithCharset(mail.CharsetUTF8), mail.WithEncoding(mail.EncodingQP), mail.WithNoDefaultUserAgent())
	msg.FromMailAddress(&netmail.Address{Name: s.cfg.FromName, Address: s.cfg.From})
	msg.AddToMailAddress(&netmail.Address{Name: m.ToName, Address: m.To})
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	if m.Date.IsZero() {
		msg.SetDate()
	} else {
		msg.SetDateWithValue(m.Date)
	}
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// checkMessage refuses what would let a header value start a new header
// (CR, LF or another control character) instead of trusting every caller
// to have cleaned it.
func checkMessage(m Message) error {
	switch {
	case !isBareAddress(m.To):
		return errs.Field("to", "mailer.to_invalid", "to", m.To)
	case hasControl(m.ToName):
		return errs.Field("to_name", "mailer.to_name_invalid")
	case strings.TrimSpace(m.Subject) == "" || hasControl(m.Subject):
		return errs.Field("subject", "mailer.subject_invalid")
	case !validMessageID(m.MessageID):
		return errs.Field("message_id", "mailer.message_id_invalid", "message_id", m.MessageID)
	case strings.TrimSpace(m.Text) == "":
		return errs.Field("text", "mailer.text_empty")
	}
	return nil
}

// isBareAddress reports whether s is exactly one address with no display
// name, comment or surrounding text.
func isBareAddress(s string) bool {
	if s == "" || hasControl(s) {
		return false
	}
	a, err := netmail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// validMessageID accepts the dot-atom@dot-atom form of RFC 5322's msg-id,
// loosely: printable ASCII, no spaces, no brackets, exactly one "@".
func validMessageID(id string) bool {
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" || strings.Contains(right, "@") {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`<>()[]\",;:`, r) {
			return false
		}
	}
	return true
}

func hasControl(s string) bool { return strings.ContainsFunc(s, unicode.IsControl) || hasLineSep(s) }

// hasLineSep catches the Unicode line and paragraph separators, which are
// not control characters but which some mail software treats as line breaks.
func hasLineSep(s string) bool { return strings.ContainsAny(s, "\u2028\u2029") }

func notHostRune(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(`/\@<>"'`, r) }
