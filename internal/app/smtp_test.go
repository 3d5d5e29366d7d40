package app_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// smtpServer is an in-process SMTP server without TLS or authentication. It
// keeps every message it accepts and refuses a share of them, at random,
// with a temporary error after the data, as a busy relay does.
type smtpServer struct {
	port     int
	failRate float64
	delay    time.Duration // before each answer to RCPT and to DATA: a slow relay

	mu       sync.Mutex
	rnd      *rand.Rand
	refused  int
	accepted []message
}

// message is a mail the server accepted.
type message struct {
	rcpt      []string // RCPT TO
	to        string   // the address in the To header
	messageID string   // without angle brackets
	subject   string   // decoded
}

// startSMTP runs a server that refuses failRate of the messages, until t ends.
func startSMTP(t *testing.T, failRate float64) *smtpServer {
	t.Helper()
	s := &smtpServer{failRate: failRate, rnd: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// slow makes the server wait d before it answers each RCPT and each
// message: a client that dies in the first wait has sent nothing, in the
// second the server keeps what it sent.
func (s *smtpServer) slow(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

func (s *smtpServer) wait() {
	s.mu.Lock()
	delay := s.delay
	s.mu.Unlock()
	time.Sleep(delay)
}

// messages returns what the server accepted so far, and how many messages it refused.
func (s *smtpServer) messages() ([]message, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]message(nil), s.accepted...), s.refused
}

// NewSession is go-smtp's Backend.
func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }

// accept keeps m, or refuses it with a 451.
func (s *smtpServer) accept(m message) error {
	s.wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rnd.Float64() < s.failRate {
		s.refused++
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "busy, try again later"}
	}
	s.accepted = append(s.accepted, m)
	return nil
}

type smtpSession struct {
	s    *smtpServer
	rcpt []string
}

func (ss *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.wait()
	ss.rcpt = append(ss.rcpt, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "malformed message: " + err.Error()}
	}
	m := message{rcpt: ss.rcpt, messageID: strings.Trim(msg.Header.Get("Message-Id"), "<>")}
	if to, err := msg.Header.AddressList("To"); err == nil && len(to) == 1 {
		m.to = to[0].Address
	}
	if m.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		m.subject = "undecodable: " + msg.Header.Get("Subject")
	}
	return ss.s.accept(m)
}

func (ss *smtpSession) Reset()        { ss.rcpt = nil }
func (ss *smtpSession) Logout() error { return nil }
