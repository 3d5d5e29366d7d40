// Package tenant holds a works group's company information and its rules.
package tenant

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/text"
)

// Tenant is one customer organisation (a "works group").
type Tenant struct {
	ID               string
	WorksGroup       string // ワークスグループ名: unique, [a-z0-9-]{3,40}
	CompanyName      string
	Phone            string
	Language         string // "ja" or "en"
	Region           string
	NoticesEnabled   bool
	NoticeRecipients string // "admins" or "all"
	Channel          string // "direct" or "partner"
	PartnerID        string
	Status           string // "active" or "closed"
	PrimaryDomain    string // the domain every login id ends with
	TimeZone         string // IANA name, e.g. "Asia/Tokyo": how the tenant's times read
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// The tenant field values.
const (
	StatusActive     = "active"
	StatusClosed     = "closed"
	ChannelDirect    = "direct"
	ChannelPartner   = "partner"
	RecipientsAdmins = "admins"
	RecipientsAll    = "all"
)

var worksGroupRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{1,38})[a-z0-9]$`)

// NormalizeWorksGroup trims and lower-cases a works-group name and checks it:
// 3 to 40 of a-z, 0-9 and "-", starting and ending with a letter or digit
// (it is also the provided domain's DNS label).
func NormalizeWorksGroup(s string) (string, error) {
	t := strings.TrimSpace(s)
	n := strings.ToLower(t)
	// ToLower maps the Kelvin sign "\u212A" and "\u0130" to ASCII "k" and "i":
	// refuse such look-alikes rather than silently rewrite them.
	if strings.ContainsFunc(t, func(r rune) bool { return r > unicode.MaxASCII }) || !worksGroupRE.MatchString(n) {
		return "", errs.Field("works_group", "tenant.works_group_invalid", "works_group", shown(s))
	}
	if len(n) >= 4 && n[2:4] == "--" {
		return "", errs.Field("works_group", "tenant.works_group_double_hyphen", "works_group", shown(s))
	}
	return n, nil
}

// shown is a refused value as a message shows it: control characters
// escaped as in Go source, so that the message stays on one line.
func shown(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// Profile is the editable company information; nil fields stay unchanged.
type Profile struct {
	WorksGroup       *string
	CompanyName      *string
	Phone            *string
	Language         *string
	Region           *string
	NoticesEnabled   *bool
	NoticeRecipients *string
	TimeZone         *string
}

// Apply validates p and applies it to t. Texts are checked and normalised
// by text.Line.
func (p Profile) Apply(t *Tenant) error {
	if p.WorksGroup != nil {
		wg, err := NormalizeWorksGroup(*p.WorksGroup)
		if err != nil {
			return err
		}
		t.WorksGroup = wg
	}
	for _, f := range []struct {
		name     string
		dst, src *string
	}{{"company_name", &t.CompanyName, p.CompanyName}, {"phone", &t.Phone, p.Phone}, {"region", &t.Region, p.Region}} {
		if f.src == nil {
			continue
		}
		v, err := text.Line(f.name, *f.src)
		if err != nil {
			return err
		}
		*f.dst = v
	}
	if p.Language != nil {
		t.Language = *p.Language
	}
	if p.NoticesEnabled != nil {
		t.NoticesEnabled = *p.NoticesEnabled
	}
	if p.NoticeRecipients != nil {
		t.NoticeRecipients = *p.NoticeRecipients
	}
	if p.TimeZone != nil {
		name := strings.TrimSpace(*p.TimeZone)
		if _, err := LoadZone(name); err != nil {
			return errs.Field("time_zone", "tenant.time_zone_unknown", "zone", name)
		}
		t.TimeZone = name
	}
	return t.validate()
}

var phoneRE = regexp.MustCompile(`^\+?[0-9][0-9 ()-]{5,22}$`)

func (t *Tenant) validate() error {
	switch {
	case t.CompanyName == "" || len([]rune(t.CompanyName)) > 100:
		return errs.Field("company_name", "tenant.company_name_invalid")
	case t.Phone != "" && !phoneRE.MatchString(t.Phone):
		return errs.Field("phone", "tenant.phone_invalid", "phone", t.Phone)
	case t.Language != "ja" && t.Language != "en":
		return errs.Field("language", "tenant.language_invalid")
	case len([]rune(t.Region)) > 60:
		return errs.Field("region", "tenant.region_too_long")
	case t.NoticeRecipients != RecipientsAdmins && t.NoticeRecipients != RecipientsAll:
		return errs.Field("notice_recipients", "tenant.notice_recipients_invalid")
	}
	return nil
}

// Filter selects tenants for operators.
type Filter struct {
	Query string // substring of works-group or company name
	After string // cursor: the last id of the previous page
	Limit int
}

// Snapshot is a tenant as the audit trail records it.
func Snapshot(t *Tenant) any {
	return struct {
		WorksGroup       string `json:"works_group"`
		CompanyName      string `json:"company_name"`
		Phone            string `json:"phone,omitempty"`
		Language         string `json:"language"`
		Region           string `json:"region,omitempty"`
		NoticesEnabled   bool   `json:"notices_enabled"`
		NoticeRecipients string `json:"notice_recipients"`
		TimeZone         string `json:"time_zone"`
		Status           string `json:"status"`
	}{t.WorksGroup, t.CompanyName, t.Phone, t.Language, t.Region, t.NoticesEnabled, t.NoticeRecipients, t.TimeZone, t.Status}
}
