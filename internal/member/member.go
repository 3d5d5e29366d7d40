// Package member holds a tenant's people: their profile, status machine,
// admin roles and the super admin, and sign-up, which creates a tenant with
// its first member.
package member

import (
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/text"
)

// Member is a person in a tenant.
type Member struct {
	ID          string
	TenantID    string
	LoginID     string // local@primary-domain
	DisplayName string
	Email       string // personal e-mail
	Phone       string
	// DepartmentID and PositionID name the member's department and position
	// ("": none); Department and Position are their names, as read.
	DepartmentID, PositionID string
	Department, Position     string
	GroupIDs                 []string          // the member's groups, sorted (loaded by GetMember and ListMembers)
	Fields                   map[string]string // custom field id → value (loaded likewise)
	RuleID                   string            // the assignment rule that grants the member, if any
	Status                   string
	SuperAdmin               bool
	RoleIDs                  []string
	ExternalIssuer           string // optional OIDC identity
	ExternalSubject          string
	PasswordHash             string
	InvitationHash           string
	InvitationExpiresAt      time.Time
	// Language is the member's own choice for the console and mails, ""
	// to follow the tenant's.
	Language  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// The member statuses (SPEC §2).
const (
	StatusInvited     = "invited"
	StatusActive      = "active"
	StatusSuspended   = "suspended"
	StatusDeactivated = "deactivated"
	StatusDeleted     = "deleted"
)

// Statuses lists every status, for filters and forms.
var Statuses = []string{StatusInvited, StatusActive, StatusSuspended, StatusDeactivated, StatusDeleted}

// FilterBillable is the Filter status that selects the billable members
// (invited, active, suspended): those to deactivate before the license
// count can go down.
const FilterBillable = "billable"

// FilterStatuses are the statuses a Filter takes: each status, or billable.
var FilterStatuses = append(slices.Clone(Statuses), FilterBillable)

// Billable reports whether a member in status holds a license.
func Billable(status string) bool {
	return status == StatusInvited || status == StatusActive || status == StatusSuspended
}

// The status-changing actions.
const (
	ActionSuspend    = "suspend"
	ActionDeactivate = "deactivate"
	ActionReactivate = "reactivate"
	ActionDelete     = "delete"
	ActionAccept     = "accept_invitation"
)

var pastTense = map[string]string{ActionSuspend: "suspended", ActionDeactivate: "deactivated", ActionReactivate: "reactivated", ActionDelete: "deleted"}

// transitions maps action → from-status → to-status.
var transitions = map[string]map[string]string{
	ActionSuspend:    {StatusActive: StatusSuspended},
	ActionDeactivate: {StatusActive: StatusDeactivated, StatusSuspended: StatusDeactivated},
	ActionReactivate: {StatusSuspended: StatusActive, StatusDeactivated: StatusActive},
	ActionDelete:     {StatusDeactivated: StatusDeleted, StatusInvited: StatusDeleted},
	ActionAccept:     {StatusInvited: StatusActive},
}

// statusTerms name each status in messages, in the reader's language.
var statusTerms = map[string]i18n.Term{StatusInvited: "member.status_invited", StatusActive: "member.status_active",
	StatusSuspended: "member.status_suspended", StatusDeactivated: "member.status_deactivated", StatusDeleted: "member.status_deleted"}

// actionTerms and doneTerms name each status action in messages: what it
// does ("suspend") and what it leaves a member ("suspended").
var (
	actionTerms = map[string]i18n.Term{ActionSuspend: "member.action_suspend", ActionDeactivate: "member.action_deactivate",
		ActionReactivate: "member.action_reactivate", ActionDelete: "member.action_delete"}
	doneTerms = map[string]i18n.Term{ActionSuspend: "member.action_suspended", ActionDeactivate: "member.action_deactivated",
		ActionReactivate: "member.action_reactivated", ActionDelete: "member.action_deleted"}
)

// Transition returns the status that action leads to from status, or a
// FailedPrecondition error that says which statuses allow it (Invalid for
// an unknown action).
func Transition(status, action string) (string, error) {
	if to, ok := transitions[action][status]; ok {
		return to, nil
	}
	st := statusTerms[status]
	switch action {
	case ActionSuspend:
		return "", errs.E(errs.FailedPrecondition, "member.suspend_refused", "status", st)
	case ActionDeactivate:
		return "", errs.E(errs.FailedPrecondition, "member.deactivate_refused", "status", st)
	case ActionReactivate:
		return "", errs.E(errs.FailedPrecondition, "member.reactivate_refused", "status", st)
	case ActionDelete:
		return "", errs.E(errs.FailedPrecondition, "member.delete_refused", "status", st)
	case ActionAccept:
		return "", errs.E(errs.FailedPrecondition, "member.invitation_accepted_already")
	}
	return "", errs.E(errs.Invalid, "member.action_unknown", "action", text.Printable(action))
}

var localPartRE = regexp.MustCompile(`^[a-z0-9_-]+(\.[a-z0-9_-]+)*$`)

// LoginID builds local@domain from input that is either a local part or a
// full login id, which must then end with the tenant's primary domain.
func LoginID(input, domain string) (string, error) {
	s := strings.TrimSpace(input)
	// ToLower maps the Kelvin sign "\u212A" and "\u0130" to ASCII "k" and "i":
	// refuse such look-alikes rather than silently rewrite them.
	ascii := !strings.ContainsFunc(s, func(r rune) bool { return r > unicode.MaxASCII })
	s = strings.ToLower(s)
	local, dom, full := strings.Cut(s, "@")
	if full && dom != domain {
		return "", errs.Field("login_id", "member.login_id_domain", "login_id", text.Printable(input), "domain", domain)
	}
	if !ascii || len(local) == 0 || len(local) > 64 || !localPartRE.MatchString(local) {
		return "", errs.Field("login_id", "member.login_id_invalid", "login_id", text.Printable(input))
	}
	return local + "@" + domain, nil
}

// NormalizeEmail checks a personal e-mail address and returns it trimmed,
// with the domain lower-cased. Display names ("Ann <a@b>") are refused.
func NormalizeEmail(field, s string) (string, error) {
	s, err := text.Line(field, s)
	if err != nil {
		return "", err
	}
	bad := errs.Field(field, "member.email_invalid", "email", text.Printable(s))
	// Unicode white space, controls and invisible format characters (U+0085,
	// U+2028, U+00A0, U+200B, U+202E …) are never
	// part of a real address, though net/mail accepts any non-ASCII rune.
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>\"") || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
		return "", bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", bad
	}
	at := strings.LastIndexByte(s, '@')
	domain := strings.ToLower(s[at+1:])
	// Lower-casing can lengthen a domain ("\u023A" has 2 bytes, "\u2C65" 3).
	if len(s[:at+1])+len(domain) > 254 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", bad
	}
	return s[:at+1] + domain, nil
}

// Profile is the editable part of a member; nil fields stay unchanged.
type Profile struct {
	DisplayName *string
	Email       *string
	Phone       *string
	Language    *string // "ja", "en", or "" to follow the tenant's language
	// DepartmentID and PositionID are ids of the tenant's ("": none),
	// GroupIDs the complete set of groups, Fields the custom field values
	// to set ("" clears one); the service checks them against the directory.
	DepartmentID *string
	PositionID   *string
	GroupIDs     *[]string
	Fields       map[string]string
}

// Apply validates p and applies it to m. Texts are checked and normalised
// by text.Line: a control, line break or bidirectional formatting
// character is refused naming its field.
func (p Profile) Apply(m *Member) error {
	if problems := p.apply(m); len(problems) > 0 {
		return problems[0]
	}
	return nil
}

// apply is Apply reporting every problem, at most one per field, the
// first being the one Apply returns.
func (p Profile) apply(m *Member) []error {
	var problems []error
	for _, f := range []struct {
		name     string
		dst, src *string
	}{{"display_name", &m.DisplayName, p.DisplayName}, {"phone", &m.Phone, p.Phone},
		{"department_id", &m.DepartmentID, p.DepartmentID}, {"position_id", &m.PositionID, p.PositionID}} {
		if f.src == nil {
			continue
		}
		v, err := text.Line(f.name, *f.src)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		*f.dst = v
	}
	if p.Email != nil {
		m.Email = ""
		if strings.TrimSpace(*p.Email) != "" {
			e, err := NormalizeEmail("email", *p.Email)
			if err != nil {
				problems = append(problems, err)
			}
			m.Email = e
		}
	}
	if p.GroupIDs != nil {
		m.GroupIDs = slices.Compact(slices.Sorted(slices.Values(*p.GroupIDs)))
	}
	if len(p.Fields) > 0 {
		fields := maps.Clone(m.Fields)
		if fields == nil {
			fields = map[string]string{}
		}
		for id, v := range p.Fields {
			fields[id] = v
		}
		m.Fields = fields
	}
	if p.Language != nil {
		switch l := strings.TrimSpace(*p.Language); l {
		case "", "ja", "en":
			m.Language = l
		default:
			problems = append(problems, errs.Field("language", "member.language_invalid"))
		}
	}
	for _, err := range m.validate() {
		if !slices.ContainsFunc(problems, func(p error) bool { return fieldOf(p) == fieldOf(err) }) {
			problems = append(problems, err)
		}
	}
	return problems
}

func fieldOf(err error) string {
	e, _ := errs.As(err)
	if e == nil {
		return ""
	}
	return e.Field
}

// PasswordContext is what m's password must not be or contain: m's login
// id and e-mail address, and worksGroup, the works group of m's tenant.
func (m *Member) PasswordContext(worksGroup string) auth.PasswordContext {
	return auth.PasswordContext{LoginID: m.LoginID, Email: m.Email, WorksGroup: worksGroup}
}

// validate returns every length problem of m's texts.
func (m *Member) validate() []error {
	var problems []error
	if m.DisplayName == "" || len([]rune(m.DisplayName)) > 100 {
		problems = append(problems, errs.Field("display_name", "member.display_name_length", "max", 100))
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"phone", m.Phone, 30}} {
		if len([]rune(f.v)) > f.max {
			problems = append(problems, errs.Field(f.name, "member.text_too_long", "max", f.max))
		}
	}
	return problems
}

// Filter selects a page of a tenant's members.
type Filter struct {
	TenantID string
	// DepartmentID selects its members, and with SubDepartments those of
	// the departments below it; GroupID, PositionID likewise; FieldID with
	// FieldValue the members with that value.
	DepartmentID   string
	SubDepartments bool
	GroupID        string
	PositionID     string
	FieldID        string
	FieldValue     string
	Status         string // one status or FilterBillable; empty means every status but deleted
	Name           string // display-name substring, any case
	LoginID        string // login-id prefix
	After          string // cursor: the last id of the previous page
	Limit          int
}
