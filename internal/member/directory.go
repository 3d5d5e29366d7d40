package member

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/text"
)

// The directory (SPEC §2, seed 002's related articles): departments in a
// tree, groups with an optional mail alias, positions, custom member fields
// and assignment rules. Names are unique in a tenant.

// Department is a node of a tenant's department tree; a member belongs to
// at most one.
type Department struct {
	ID, TenantID, Name string
	ParentID           string // "" at the top
	CreatedAt          time.Time
	Members            int // members (not deleted) in it, where counted
}

// Position is a 役職; a member has at most one.
type Position struct {
	ID, TenantID, Name string
	CreatedAt          time.Time
	Members            int
}

// Group is a flat set of members, with an optional mail alias on one of the
// tenant's domains.
type Group struct {
	ID, TenantID, Name string
	AliasLocal         string // "" without an alias
	AliasDomainID      string
	Alias              string // AliasLocal@domain, as read
	CreatedAt          time.Time
	Members            int
}

// The kinds of custom member field.
const (
	FieldText   = "text"
	FieldNumber = "number"
	FieldDate   = "date"
	FieldChoice = "choice"
)

// FieldKinds lists the kinds of custom field, for forms.
var FieldKinds = []string{FieldText, FieldNumber, FieldDate, FieldChoice}

// Field is a custom member field.
type Field struct {
	ID, TenantID, Name, Kind string
	Required                 bool
	Choices                  []string // a choice field's options
	CreatedAt                time.Time
	Values                   int // members with a value, where counted
}

// DirectoryStore is what the directory needs from the database, in the
// caller's transaction. Get methods return NotFound for another tenant's
// ids; Create and Update return Conflict for a name taken.
type DirectoryStore interface {
	CreateDepartment(ctx context.Context, d *Department) error
	GetDepartment(ctx context.Context, tenantID, id string) (*Department, error)
	ListDepartments(ctx context.Context, tenantID string) ([]*Department, error)
	UpdateDepartment(ctx context.Context, d *Department) error
	// DeleteDepartment moves id's members to department to ("" for none)
	// and its sub-departments under to (under id's parent for ""), then
	// deletes it.
	DeleteDepartment(ctx context.Context, tenantID, id, to string) error
	CreatePosition(ctx context.Context, p *Position) error
	GetPosition(ctx context.Context, tenantID, id string) (*Position, error)
	ListPositions(ctx context.Context, tenantID string) ([]*Position, error)
	UpdatePosition(ctx context.Context, p *Position) error
	// DeletePosition gives id's members position to ("": none) and deletes it.
	DeletePosition(ctx context.Context, tenantID, id, to string) error
	CreateGroup(ctx context.Context, g *Group) error
	GetGroup(ctx context.Context, tenantID, id string) (*Group, error)
	ListGroups(ctx context.Context, tenantID string) ([]*Group, error)
	UpdateGroup(ctx context.Context, g *Group) error
	// DeleteGroup adds id's members to group to (unless ""), then deletes it.
	DeleteGroup(ctx context.Context, tenantID, id, to string) error
	// GroupsOnDomain returns the groups with an alias on domainID.
	GroupsOnDomain(ctx context.Context, tenantID, domainID string) ([]*Group, error)
	CreateField(ctx context.Context, f *Field) error
	GetField(ctx context.Context, tenantID, id string) (*Field, error)
	ListFields(ctx context.Context, tenantID string) ([]*Field, error)
	UpdateField(ctx context.Context, f *Field) error
	// DeleteField deletes the field and every value of it, and returns the
	// values it deleted by member id.
	DeleteField(ctx context.Context, tenantID, id string) (map[string]string, error)
	// SetMemberLinks stores m's groups and field values.
	SetMemberLinks(ctx context.Context, m *Member) error
	CreateRule(ctx context.Context, r *Rule) error
	GetRule(ctx context.Context, tenantID, id string) (*Rule, error)
	// ListRules returns tenantID's rules by priority.
	ListRules(ctx context.Context, tenantID string) ([]*Rule, error)
	// UpdateRule stores r, its priority included.
	UpdateRule(ctx context.Context, r *Rule) error
	DeleteRule(ctx context.Context, tenantID, id string) error
	// RuleFacts returns what rules match of tenantID's members that are not
	// deleted: of those of ids, or of all for nil.
	RuleFacts(ctx context.Context, tenantID string, ids []string) ([]*Facts, error)
	// SetMemberRules gives the members of each list the rule it is keyed by
	// ("": none).
	SetMemberRules(ctx context.Context, tenantID string, byRule map[string][]string) error
	// DirectoryCounts returns how many live members each of tenantID's
	// objects of kind (MatchDepartment, MatchPosition, MatchGroup,
	// MatchField — members with a value — or "rule") has, by id.
	DirectoryCounts(ctx context.Context, tenantID, kind string) (map[string]int, error)
	// FieldValuesInUse returns the distinct values members hold of a field.
	FieldValuesInUse(ctx context.Context, tenantID, fieldID string) ([]string, error)
	// DeactivateUnmatched reads the tenant's choice that re-evaluations
	// deactivate members left without the rule they had; Set… stores it.
	DeactivateUnmatched(ctx context.Context, tenantID string) (bool, error)
	SetDeactivateUnmatched(ctx context.Context, tenantID string, on bool) error
	// ActiveDomainID returns the id of tenantID's active domain name.
	ActiveDomainID(ctx context.Context, tenantID, name string) (string, error)
}

// missing makes e, an error naming the field that holds an id the tenant
// has nothing of, a NotFound (404): another tenant's id is told apart from
// no id at all by nothing.
func missing(e *errs.Error) *errs.Error {
	e.Kind = errs.NotFound
	return e
}

// directoryName checks the name of a directory object (at most 100
// characters on one line).
func directoryName(s string) (string, error) {
	v, err := text.Line("name", s)
	if err != nil {
		return "", err
	}
	if v == "" || len([]rune(v)) > 100 {
		return "", errs.Field("name", "directory.name_length", "max", 100)
	}
	return v, nil
}

// fieldValue checks v for field f and returns it normalised: a number in
// its shortest form, a date as YYYY-MM-DD, a choice one of f's.
func fieldValue(f *Field, v string) (string, error) {
	v, err := text.Line("fields."+f.ID, v)
	if err != nil || v == "" {
		return v, err
	}
	switch f.Kind {
	case FieldNumber:
		n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
		if err != nil {
			return "", errs.Field("fields."+f.ID, "directory.field_not_number", "field", f.Name, "value", text.Printable(v))
		}
		return strconv.FormatFloat(n, 'f', -1, 64), nil
	case FieldDate:
		d, err := time.Parse("2006-01-02", strings.ReplaceAll(v, "/", "-"))
		if err != nil {
			return "", errs.Field("fields."+f.ID, "directory.field_not_date", "field", f.Name, "value", text.Printable(v))
		}
		return d.Format("2006-01-02"), nil
	case FieldChoice:
		if !slices.Contains(f.Choices, v) {
			return "", errs.Field("fields."+f.ID, "directory.field_not_choice", "field", f.Name, "value", text.Printable(v),
				"choices", strings.Join(f.Choices, ", "))
		}
	}
	if len([]rune(v)) > 200 {
		return "", errs.Field("fields."+f.ID, "member.text_too_long", "max", 200)
	}
	return v, nil
}

// subtree returns the ids of root and every department below it.
func subtree(ds []*Department, root string) map[string]bool {
	children := map[string][]string{}
	for _, d := range ds {
		children[d.ParentID] = append(children[d.ParentID], d.ID)
	}
	in := map[string]bool{}
	for next := []string{root}; len(next) > 0; {
		id := next[len(next)-1]
		next = next[:len(next)-1]
		if !in[id] {
			in[id] = true
			next = append(next, children[id]...)
		}
	}
	return in
}
