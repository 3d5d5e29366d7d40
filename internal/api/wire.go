package api

import (
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/tenant"
)

// Tenant is a tenant on the wire.
type Tenant struct {
	ID               string    `json:"id"`
	WorksGroup       string    `json:"works_group" doc:"ワークスグループ名: 3-40 of a-z, 0-9, -"`
	CompanyName      string    `json:"company_name"`
	Phone            string    `json:"phone"`
	Language         string    `json:"language" enum:"ja,en"`
	Region           string    `json:"region"`
	NoticesEnabled   bool      `json:"notices_enabled"`
	NoticeRecipients string    `json:"notice_recipients" enum:"admins,all"`
	TimeZone         string    `json:"time_zone" doc:"IANA time zone of the tenant's times in the console, mails and CSV exports, e.g. Asia/Tokyo (billing dates stay in Japan time)"`
	Channel          string    `json:"channel" enum:"direct,partner"`
	PartnerID        string    `json:"partner_id,omitempty"`
	Status           string    `json:"status" enum:"active,closed"`
	PrimaryDomain    string    `json:"primary_domain"`
	BillableMembers  *int      `json:"billable_members,omitempty" doc:"members holding a license: invited, active and suspended (GET /tenants/{t} only)"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func toTenant(t *tenant.Tenant) Tenant {
	return Tenant{t.ID, t.WorksGroup, t.CompanyName, t.Phone, t.Language, t.Region, t.NoticesEnabled, t.NoticeRecipients, t.TimeZone,
		t.Channel, t.PartnerID, t.Status, t.PrimaryDomain, nil, t.CreatedAt, t.UpdatedAt}
}

// Member is a member on the wire.
type Member struct {
	ID           string            `json:"id"`
	LoginID      string            `json:"login_id"`
	DisplayName  string            `json:"display_name"`
	Email        string            `json:"email"`
	Phone        string            `json:"phone"`
	DepartmentID string            `json:"department_id"`
	Department   string            `json:"department" doc:"the department's name"`
	PositionID   string            `json:"position_id"`
	Position     string            `json:"position" doc:"the position's name"`
	GroupIDs     []string          `json:"group_ids"`
	Fields       map[string]string `json:"fields" doc:"custom field values by field id"`
	RuleID       string            `json:"rule_id" doc:"the assignment rule that grants the member roles and features, if any"`
	Language     string            `json:"language" doc:"ja, en, or empty: the tenant's language"`
	Status       string            `json:"status" enum:"invited,active,suspended,deactivated,deleted"`
	SuperAdmin   bool              `json:"super_admin"`
	RoleIDs      []string          `json:"role_ids"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

func toMember(m *member.Member) Member {
	roles := m.RoleIDs
	if roles == nil {
		roles = []string{}
	}
	groups, fields := m.GroupIDs, m.Fields
	if groups == nil {
		groups = []string{}
	}
	if fields == nil {
		fields = map[string]string{}
	}
	return Member{m.ID, m.LoginID, m.DisplayName, m.Email, m.Phone, m.DepartmentID, m.Department, m.PositionID, m.Position, groups, fields,
		m.RuleID, m.Language, m.Status, m.SuperAdmin, roles, m.CreatedAt, m.UpdatedAt}
}

// Role is an admin role on the wire.
type Role struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Permissions []string  `json:"permissions"`
	Builtin     bool      `json:"builtin"`
	CreatedAt   time.Time `json:"created_at"`
}

func toRole(r *member.Role) Role {
	perms := make([]string, len(r.Permissions))
	for i, p := range r.Permissions {
		perms[i] = string(p)
	}
	return Role{r.ID, r.Name, perms, r.Builtin, r.CreatedAt}
}

// Session is a signed-in session on the wire.
type Session struct {
	ID        string    `json:"id"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Current   bool      `json:"current" doc:"the session making this request"`
}

func toSession(s *session.Session, current string) Session {
	return Session{s.ID, s.IP, s.UserAgent, s.CreatedAt, s.ExpiresAt, s.ID == current}
}

// AuditEvent is an audit event on the wire.
type AuditEvent struct {
	ID         string    `json:"id"`
	OccurredAt time.Time `json:"occurred_at"`
	ActorKind  string    `json:"actor_kind"`
	ActorID    string    `json:"actor_id"`
	ActorName  string    `json:"actor_name"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type"`
	TargetID   string    `json:"target_id"`
	Before     any       `json:"before,omitempty"`
	After      any       `json:"after,omitempty"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
}

func toAuditEvent(e *audit.Event) AuditEvent {
	out := AuditEvent{ID: e.ID, OccurredAt: e.OccurredAt, ActorKind: e.ActorKind, ActorID: e.ActorID, ActorName: e.ActorName,
		Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID, IP: e.IP, UserAgent: e.UserAgent}
	if e.Before != nil {
		out.Before = e.Before
	}
	if e.After != nil {
		out.After = e.After
	}
	return out
}

// mapSlice converts a slice of domain values to wire values.
func mapSlice[T, W any](in []T, f func(T) W) []W {
	out := make([]W, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
