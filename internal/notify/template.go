package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
)

// templateFS holds one folder per language; in each, NAME.txt defines the
// "subject" and "text" templates and NAME.html the "content" of the HTML part,
// which layout.html wraps ("html"); layout.txt defines the text "footer".
//
//go:embed templates
var templateFS embed.FS

// DefaultLang is the language used when a mail's language is unknown: Kanri
// is Japanese-first.
const DefaultLang = "ja"

// MailData is what every mail template may show. A template uses only the
// fields it needs; the others stay empty.
type MailData struct {
	CompanyName   string    // the tenant's company name
	WorksGroup    string    // the tenant's works-group name
	MemberName    string    // the recipient's display name
	LoginID       string    // the recipient's login id (local@domain)
	ConsoleURL    string    // where the recipient signs in
	InvitationURL string    // member_added: where to choose a password; empty if already set
	ExpiresAt     time.Time // member_added, password_reset: when the link expires; may be zero
	OtherName     string    // super_admin_*: the other party of the transfer; password_reset: the admin who asked, or empty
	ResetURL      string    // password_reset: where to choose a new password
	Domain        string    // domain_*: the domain the mail is about (the new primary)
	OldDomain     string    // domain_primary_changed: the previous primary domain
	PlanName      string    // subscription_*: the plan as the tenant's language names it
	Contract      string    // subscription_*: the contract, named likewise
	Licenses      int       // subscription_*: licenses of an annual contract (0 on monthly)
	Effective     string    // subscription_*: when the change takes or took effect (2026/03/15)
	InvoiceNumber string    // invoice_issued: the invoice's number
	Amount        string    // invoice_issued, payment_failed: the total, formatted (¥59,400)
	InvoiceURL    string    // invoice_issued: where the invoice is viewed and downloaded
	DueDate       string    // invoice_issued with invoice payment: pay by this day
	BankDetails   string    // invoice_issued with invoice payment: where to transfer
	Reason        string    // payment_failed: why the card was refused and what to do
	PartnerName   string    // partner_*: the partner (reseller)
	At            time.Time // partner_switched: when the switch completed
	// Lines are invoice_issued's lines, each with how its amount is
	// computed in either language, and Taxes its tax per rate.
	Lines []MailLine
	Taxes []MailTax
	// Zone is the recipient's time zone, set by Prepare: the one When
	// shows times in.
	Zone *time.Location
}

// MailLine is an invoice line as a mail shows it.
type MailLine struct {
	Description, Amount string
	BasisJA, BasisEN    string // "¥450/月 × 10 × 259/365日"; "" without a basis
}

// MailTax is an invoice's tax of one rate.
type MailTax struct {
	Percent   int64
	Base, Tax string
}

// When is t in the recipient's zone to the minute, the zone named:
// 2026-12-12 15:04 JST.
func (d MailData) When(t time.Time) string { return d.in(t).Format("2006-01-02 15:04 MST") }

// WhenToSecond is When with the seconds, for a moment a mail records
// (seed 001's 完了日時).
func (d MailData) WhenToSecond(t time.Time) string { return d.in(t).Format("2006-01-02 15:04:05 MST") }

// in is t in the recipient's zone, UTC when it has none.
func (d MailData) in(t time.Time) time.Time {
	if d.Zone == nil {
		return t.UTC()
	}
	return t.In(d.Zone)
}

// Rendered is a mail ready to send: a one-line subject and two bodies.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// Templates holds every mail template in every language, parsed once.
type Templates struct {
	langs map[string]map[string]mailTemplate // lang → name → template
	names []string
}

type mailTemplate struct {
	text *texttemplate.Template // defines "subject" and "text"
	html *htmltemplate.Template // defines "html"
}

// LoadTemplates parses the embedded templates. It fails if a template does
// not parse or if a language lacks a template another language has, so a
// broken or missing translation stops the server at start, not at send time.
func LoadTemplates() (*Templates, error) {
	langDirs, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, fmt.Errorf("load mail templates: %w", err)
	}
	t := &Templates{langs: map[string]map[string]mailTemplate{}}
	for _, d := range langDirs {
		if !d.IsDir() {
			continue
		}
		set, err := loadLang(d.Name())
		if err != nil {
			return nil, fmt.Errorf("load mail templates: %w", err)
		}
		t.langs[d.Name()] = set
	}
	if err := t.checkComplete(); err != nil {
		return nil, fmt.Errorf("load mail templates: %w", err)
	}
	return t, nil
}

// loadLang parses every template of one language, each on top of its own
// copy of the layouts so that the "content" blocks do not collide.
func loadLang(lang string) (map[string]mailTemplate, error) {
	dir := path.Join("templates", lang)
	textBase, err := texttemplate.New("").Option("missingkey=error").ParseFS(templateFS, path.Join(dir, "layout.txt"))
	if err != nil {
		return nil, err
	}
	htmlBase, err := htmltemplate.New("").Option("missingkey=error").ParseFS(templateFS, path.Join(dir, "layout.html"))
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(templateFS, path.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	set := map[string]mailTemplate{}
	for _, file := range files {
		name := strings.TrimSuffix(path.Base(file), ".txt")
		if name == "layout" {
			continue
		}
		mt, err := parseMail(textBase, htmlBase, dir, name)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", lang, name, err)
		}
		set[name] = mt
	}
	return set, nil
}

func parseMail(textBase *texttemplate.Template, htmlBase *htmltemplate.Template, dir, name string) (mailTemplate, error) {
	text, err := texttemplate.Must(textBase.Clone()).ParseFS(templateFS, path.Join(dir, name+".txt"))
	if err != nil {
		return mailTemplate{}, err
	}
	html, err := htmltemplate.Must(htmlBase.Clone()).ParseFS(templateFS, path.Join(dir, name+".html"))
	if err != nil {
		return mailTemplate{}, err
	}
	for _, want := range []string{"subject", "text"} {
		if text.Lookup(want) == nil {
			return mailTemplate{}, fmt.Errorf("%s.txt defines no %q template", name, want)
		}
	}
	if html.Lookup("html") == nil || html.Lookup("content") == nil {
		return mailTemplate{}, fmt.Errorf("%s.html defines no \"content\" template", name)
	}
	return mailTemplate{text: text, html: html}, nil
}

// checkComplete fills t.names and makes sure every language has the same
// templates as the default one.
func (t *Templates) checkComplete() error {
	def, ok := t.langs[DefaultLang]
	if !ok {
		return fmt.Errorf("no templates for the default language %q", DefaultLang)
	}
	for name := range def {
		t.names = append(t.names, name)
	}
	slices.Sort(t.names)
	for lang, set := range t.langs {
		if len(set) != len(def) {
			return fmt.Errorf("language %q has %d templates, %q has %d", lang, len(set), DefaultLang, len(def))
		}
		for _, name := range t.names {
			if _, ok := set[name]; !ok {
				return fmt.Errorf("language %q lacks template %q", lang, name)
			}
		}
	}
	return nil
}

// Names returns the names of all mail templates, sorted.
func (t *Templates) Names() []string { return slices.Clone(t.names) }

// Render renders template name in lang ("ja" or "en"; anything else falls
// back to Japanese) with data, usually a MailData. It fails for an unknown
// template or a field the data lacks. The subject is one line whatever the
// data holds, so it can go into a mail header as it is.
func (t *Templates) Render(name, lang string, data any) (Rendered, error) {
	set, ok := t.langs[baseLang(lang)]
	if !ok {
		set = t.langs[DefaultLang]
	}
	mt, ok := set[name]
	if !ok {
		return Rendered{}, fmt.Errorf("render mail %q: unknown template", name)
	}
	var subject, text, html bytes.Buffer
	if err := mt.text.ExecuteTemplate(&subject, "subject", data); err != nil {
		return Rendered{}, fmt.Errorf("render mail %q subject: %w", name, err)
	}
	if err := mt.text.ExecuteTemplate(&text, "text", data); err != nil {
		return Rendered{}, fmt.Errorf("render mail %q text: %w", name, err)
	}
	if err := mt.html.ExecuteTemplate(&html, "html", data); err != nil {
		return Rendered{}, fmt.Errorf("render mail %q html: %w", name, err)
	}
	return Rendered{
		Subject: oneLine(subject.String()),
		Text:    strings.TrimSpace(text.String()) + "\n",
		HTML:    html.String(),
	}, nil
}

// baseLang maps "en-US", "EN" or "en_GB" to "en".
func baseLang(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	return lang
}

// oneLine collapses every run of whitespace (CR and LF included) to one
// space and drops other control characters, so that user data such as a
// display name "a\r\nBcc: x" cannot start a new header line.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
