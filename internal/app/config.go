// Package app reads Kanri's configuration and wires the concrete types
// together; it is the only package that knows them all.
package app

import (
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/dnscheck"
	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/tenant"
)

// Version is Kanri's version.
const Version = "0.1.0"

// Config is everything an operator can set. Each field has a flag and a
// KANRI_* environment variable; a flag given on the command line wins over
// the variable, which wins over the default.
type Config struct {
	Listen string
	// MetricsListen, when set, serves /metrics on this address alone;
	// otherwise /metrics on Listen answers operators only.
	MetricsListen     string
	DatabaseURL       string
	ProvidedBase      string
	BaseURL           string
	LogLevel          string
	SignupOpen        bool
	SQLiteSynchronous string
	InsecureDev       bool
	TestClock         bool
	SessionTTL        time.Duration
	// Workers runs the background jobs in this process (kanri serve).
	Workers              bool
	AllowPrivateWebhooks bool
	SMTP                 SMTPConfig
	// DNSResolver (host:port) answers the domain checks' queries; empty: the
	// first nameserver of /etc/resolv.conf.
	DNSResolver string
	// DomainDeadline is how long a new domain may stay unproven;
	// DomainCheckEvery is how often pending domains are checked.
	DomainDeadline, DomainCheckEvery time.Duration
	Billing                          BillingConfig
	// TimeZone is the IANA zone of the operator console and of signed-out
	// pages; Zone is it loaded. Each tenant chooses its own.
	TimeZone string
	Zone     *time.Location
}

// BillingConfig is what Kanri sells and who invoices it.
type BillingConfig struct {
	// CatalogFile replaces the embedded catalog when set; Catalog is the one in use.
	CatalogFile string
	Catalog     *billing.Catalog
	Issuer      billing.Issuer
	// Retention is how long a closed tenant's data is kept; Every, how
	// often the billing run runs.
	Retention, Every time.Duration
}

// SMTPConfig is where mail goes; without a host every mail stays in the
// operator's mailbox.
type SMTPConfig struct {
	Host, TLS, Username, Password, From, FromName string
	Port                                          int
	// Connections is how many connections send mail at once (per process).
	Connections int
}

// Flags registers the configuration's flags on fs, with defaults taken from
// the environment.
func (c *Config) Flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Listen, "listen", env("KANRI_LISTEN", "localhost:8080"), "address to listen on (KANRI_LISTEN)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", env("KANRI_METRICS_LISTEN", ""), "address that serves /metrics alone, for Prometheus; empty: /metrics on --listen, to operators' bearer tokens only (KANRI_METRICS_LISTEN)")
	fs.StringVar(&c.DatabaseURL, "database", env("KANRI_DATABASE_URL", "kanri.db"), "SQLite file path, or a postgres:// URL (KANRI_DATABASE_URL)")
	fs.StringVar(&c.ProvidedBase, "provided-domain-base", env("KANRI_PROVIDED_DOMAIN_BASE", "works.example"), "base of every tenant's provided domain <group>.<base> (KANRI_PROVIDED_DOMAIN_BASE)")
	fs.StringVar(&c.BaseURL, "base-url", env("KANRI_BASE_URL", ""), "public URL of this server; default http://<listen> (KANRI_BASE_URL)")
	fs.StringVar(&c.LogLevel, "log-level", env("KANRI_LOG_LEVEL", "info"), "debug, info, warn or error (KANRI_LOG_LEVEL)")
	fs.BoolVar(&c.SignupOpen, "signup", envBool("KANRI_SIGNUP", true), "let anyone sign up a tenant; operators always can (KANRI_SIGNUP)")
	fs.StringVar(&c.SQLiteSynchronous, "sqlite-synchronous", env("KANRI_SQLITE_SYNCHRONOUS", "NORMAL"), "SQLite durability: NORMAL (survives crashes) or FULL (survives power loss) (KANRI_SQLITE_SYNCHRONOUS)")
	fs.BoolVar(&c.InsecureDev, "insecure-dev", envBool("KANRI_INSECURE_DEV", false), "allow a plain-HTTP base URL on a non-local host, with non-Secure cookies: development only (KANRI_INSECURE_DEV)")
	fs.BoolVar(&c.TestClock, "test-clock", envBool("KANRI_TEST_CLOCK", false), "enable PUT /api/v1/ops/clock to move the server's time: tests and demos only (KANRI_TEST_CLOCK)")
	fs.BoolVar(&c.Workers, "workers", envBool("KANRI_WORKERS", true), "run background jobs (mail, webhooks) in this process; off when \"kanri worker\" runs them (KANRI_WORKERS)")
	fs.BoolVar(&c.AllowPrivateWebhooks, "allow-private-webhooks", envBool("KANRI_ALLOW_PRIVATE_WEBHOOKS", false), "let webhook endpoints point at loopback and private networks: tests and demos only (KANRI_ALLOW_PRIVATE_WEBHOOKS)")
	fs.StringVar(&c.SMTP.Host, "smtp-host", env("KANRI_SMTP_HOST", ""), "SMTP server; empty keeps every mail in the operator's mailbox (KANRI_SMTP_HOST)")
	fs.IntVar(&c.SMTP.Port, "smtp-port", envInt("KANRI_SMTP_PORT", 587), "SMTP port (KANRI_SMTP_PORT)")
	fs.IntVar(&c.SMTP.Connections, "smtp-connections", envInt("KANRI_SMTP_CONNECTIONS", 4), "SMTP connections that send mail at once, each a batch of up to 50 mails (KANRI_SMTP_CONNECTIONS)")
	fs.StringVar(&c.SMTP.TLS, "smtp-tls", env("KANRI_SMTP_TLS", "starttls"), "starttls, tls (implicit, usually port 465) or none (KANRI_SMTP_TLS)")
	fs.StringVar(&c.SMTP.Username, "smtp-username", env("KANRI_SMTP_USERNAME", ""), "SMTP user name; empty: no authentication (KANRI_SMTP_USERNAME)")
	fs.StringVar(&c.SMTP.Password, "smtp-password", env("KANRI_SMTP_PASSWORD", ""), "SMTP password; prefer the variable to the flag (KANRI_SMTP_PASSWORD)")
	fs.StringVar(&c.SMTP.From, "mail-from", env("KANRI_MAIL_FROM", "kanri@localhost"), "sender address of every mail (KANRI_MAIL_FROM)")
	fs.StringVar(&c.SMTP.FromName, "mail-from-name", env("KANRI_MAIL_FROM_NAME", "Kanri"), "sender name of every mail (KANRI_MAIL_FROM_NAME)")
	fs.StringVar(&c.TimeZone, "time-zone", env("KANRI_TIME_ZONE", tenant.DefaultTimeZone), "IANA time zone of the operator console and of signed-out pages; each tenant sets its own in 会社情報 (KANRI_TIME_ZONE)")
	fs.StringVar(&c.DNSResolver, "dns-resolver", env("KANRI_DNS_RESOLVER", ""), "DNS server (host:port) that domain checks ask; default the system's, from /etc/resolv.conf (KANRI_DNS_RESOLVER)")
	fs.DurationVar(&c.DomainDeadline, "domain-deadline", envDuration("KANRI_DOMAIN_DEADLINE", 14*24*time.Hour), "how long a new domain may stay unverified before it is removed (KANRI_DOMAIN_DEADLINE)")
	fs.DurationVar(&c.DomainCheckEvery, "domain-check-every", envDuration("KANRI_DOMAIN_CHECK_EVERY", 10*time.Minute), "how often pending domains are looked up in DNS (KANRI_DOMAIN_CHECK_EVERY)")
	fs.StringVar(&c.Billing.CatalogFile, "catalog", env("KANRI_CATALOG", ""), "catalog file (JSON) of plans and prices; default the built-in one (KANRI_CATALOG)")
	fs.StringVar(&c.Billing.Issuer.Name, "invoice-issuer", env("KANRI_INVOICE_ISSUER", "Kanri デモ株式会社"), "the invoices' issuer name (KANRI_INVOICE_ISSUER)")
	fs.StringVar(&c.Billing.Issuer.Registration, "invoice-registration", env("KANRI_INVOICE_REGISTRATION", "T7123456789012"), "the issuer's qualified-invoice registration number, T + 13 digits (KANRI_INVOICE_REGISTRATION)")
	fs.StringVar(&c.Billing.Issuer.Prefix, "invoice-prefix", env("KANRI_INVOICE_PREFIX", "KNR"), "invoice numbers are <prefix>-000001 (KANRI_INVOICE_PREFIX)")
	fs.StringVar(&c.Billing.Issuer.BankDetails, "bank-details", env("KANRI_BANK_DETAILS", "デモ銀行 本店営業部 普通 1234567 カンリデモ(カ"), "where invoice-payment tenants transfer to (KANRI_BANK_DETAILS)")
	fs.DurationVar(&c.Billing.Retention, "retention", envDuration("KANRI_RETENTION", 30*24*time.Hour), "how long a closed tenant's data is kept before deletion; invoices are kept 7 years (KANRI_RETENTION)")
	fs.DurationVar(&c.Billing.Every, "billing-every", envDuration("KANRI_BILLING_EVERY", time.Hour), "how often the billing run bills ended periods and retries cards (KANRI_BILLING_EVERY)")
	fs.DurationVar(&c.SessionTTL, "session-ttl", envDuration("KANRI_SESSION_TTL", 12*time.Hour), "how long a console session lasts (KANRI_SESSION_TTL)")
}

// check completes defaults and refuses settings that cannot work.
func (c *Config) check() error {
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Listen
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("base URL %q is not valid: give one like https://kanri.example.com", c.BaseURL)
	}
	if u.Scheme == "http" && !isLocal(u.Hostname()) && !c.InsecureDev {
		return fmt.Errorf("base URL %s is plain HTTP on a host other than localhost: serve it over https, or pass --insecure-dev for development", c.BaseURL)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log level %q is not valid: use debug, info, warn or error", c.LogLevel)
	}
	if c.SessionTTL < time.Minute {
		return fmt.Errorf("session TTL %s is too short: use at least 1m", c.SessionTTL)
	}
	if c.TimeZone == "" {
		c.TimeZone = tenant.DefaultTimeZone
	}
	if c.Zone, err = tenant.LoadZone(c.TimeZone); err != nil {
		return fmt.Errorf("time zone %q is not valid: give an IANA name such as Asia/Tokyo or UTC", c.TimeZone)
	}
	if err := c.checkBilling(); err != nil {
		return err
	}
	return c.checkDNS()
}

// checkBilling loads the catalog and refuses an issuer that cannot issue
// qualified invoices.
func (c *Config) checkBilling() error {
	b := &c.Billing
	b.Catalog = billing.DefaultCatalog()
	if b.CatalogFile != "" {
		data, err := os.ReadFile(b.CatalogFile)
		if err != nil {
			return fmt.Errorf("catalog: %w", err)
		}
		if b.Catalog, err = billing.ParseCatalog(b.CatalogFile, data); err != nil {
			return err
		}
	}
	if strings.TrimSpace(b.Issuer.Name) == "" || strings.TrimSpace(b.Issuer.Prefix) == "" {
		return fmt.Errorf("invoices need an issuer name (--invoice-issuer) and a number prefix (--invoice-prefix)")
	}
	if err := billing.CheckRegistration(b.Issuer.Registration); err != nil {
		return fmt.Errorf("--invoice-registration: %w", err)
	}
	if b.Retention == 0 {
		b.Retention = 30 * 24 * time.Hour
	}
	if b.Every == 0 {
		b.Every = time.Hour
	}
	if b.Retention < 0 || b.Every < time.Second {
		return fmt.Errorf("retention %s or billing interval %s is not valid: use a positive retention and at least 1s", b.Retention, b.Every)
	}
	return nil
}

// checkDNS finds the system's resolver when none is given, and refuses a
// resolver address or domain timings that cannot work.
func (c *Config) checkDNS() error {
	if c.DNSResolver == "" {
		addr, err := dnscheck.System()
		if err != nil {
			return fmt.Errorf("no DNS resolver: %w; give one with --dns-resolver host:port", err)
		}
		c.DNSResolver = addr
	}
	if _, _, err := net.SplitHostPort(c.DNSResolver); err != nil {
		c.DNSResolver = net.JoinHostPort(c.DNSResolver, "53")
		if _, _, err := net.SplitHostPort(c.DNSResolver); err != nil {
			return fmt.Errorf("DNS resolver %q is not valid: give host:port, like 127.0.0.1:53", c.DNSResolver)
		}
	}
	if c.DomainDeadline == 0 {
		c.DomainDeadline = 14 * 24 * time.Hour
	}
	if c.DomainCheckEvery == 0 {
		c.DomainCheckEvery = 10 * time.Minute
	}
	if c.DomainDeadline < time.Hour || c.DomainCheckEvery < time.Second {
		return fmt.Errorf("domain deadline %s or check interval %s is too short: use at least 1h and 1s", c.DomainDeadline, c.DomainCheckEvery)
	}
	return nil
}

// cookieName is __Host-kanri_session (Secure) unless the server runs on
// plain HTTP outside localhost in development mode.
func (c *Config) cookieName() string {
	u, _ := url.Parse(c.BaseURL)
	if u.Scheme == "https" || isLocal(u.Hostname()) {
		return "__Host-kanri_session"
	}
	return "kanri_session"
}

// DescribeDB names the database for people: never the password in a URL.
func (c *Config) DescribeDB() string {
	if !store.IsPostgres(c.DatabaseURL) {
		return c.DatabaseURL + " (SQLite)"
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return "PostgreSQL"
	}
	return u.Redacted() + " (PostgreSQL)"
}

func isLocal(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envBool(name string, def bool) bool {
	if b, err := strconv.ParseBool(os.Getenv(name)); err == nil {
		return b
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

// describeMail says where mail goes.
func (c *Config) describeMail() string {
	if c.SMTP.Host == "" {
		return "kept in the operator's mailbox (no SMTP host): kanri mail list, GET /api/v1/ops/mail"
	}
	return fmt.Sprintf("SMTP %s:%d (%s) from %s", c.SMTP.Host, c.SMTP.Port, c.SMTP.TLS, c.SMTP.From)
}
