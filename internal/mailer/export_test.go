package mailer

import (
	"crypto/tls"

	"github.com/wneessen/go-mail"
)

// SetTLSConfig makes s trust the test server's self-signed certificate; the
// product always verifies against the system's roots.
func SetTLSConfig(s *SMTP, c *tls.Config) { s.opts = append(s.opts, mail.WithTLSConfig(c)) }
