package api

import (
	"bytes"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/member"
)

// MemberFields are a member's profile fields in the add and update
// bodies; in an update, a field left out stays unchanged.
type MemberFields struct {
	DisplayName *string `json:"display_name,omitempty" maxLength:"100"`
	Email       *string `json:"email,omitempty" doc:"personal e-mail" maxLength:"320"`
	Phone       *string `json:"phone,omitempty" maxLength:"30"`
	Language    *string `json:"language,omitempty" maxLength:"2" doc:"the member's own language for the console and mails: ja, en, or empty to follow the tenant's"`
	// The directory (members.manage).
	DepartmentID *string           `json:"department_id,omitempty" doc:"a department's id; empty: none" maxLength:"40"`
	PositionID   *string           `json:"position_id,omitempty" doc:"a position's id; empty: none" maxLength:"40"`
	GroupIDs     *[]string         `json:"group_ids,omitempty" doc:"the complete set of the member's groups"`
	Fields       map[string]string `json:"fields,omitempty" doc:"custom field values by field id; an empty value clears one"`
}

func (f MemberFields) profile() member.Profile {
	return member.Profile{DisplayName: f.DisplayName, Email: f.Email, Phone: f.Phone, Language: f.Language,
		DepartmentID: f.DepartmentID, PositionID: f.PositionID, GroupIDs: f.GroupIDs, Fields: f.Fields}
}

type addMemberInput struct {
	TenantPath
	Body struct {
		LoginID string `json:"login_id" doc:"the part before @, or the full login id on the primary domain" maxLength:"320"`
		MemberFields
		Password string   `json:"password,omitempty" doc:"set: the member is active at once; empty: the member is invited" maxLength:"1024"`
		RoleIDs  []string `json:"role_ids,omitempty" doc:"admin roles to grant (needs roles.manage)"`
	}
}

type addedMember struct {
	Member
	InvitationToken Secret            `json:"invitation_token,omitempty" doc:"for invited members: the token for POST /auth/accept-invitation, shown once (a replay answers null)"`
	Licenses        *FollowedLicenses `json:"licenses,omitempty" doc:"where the licenses follow the members (a plan in all_employees mode): what adding the member did to them"`
}

// FollowedLicenses is what a member change did to licenses that follow the
// members. Amounts are in minor units, tax included.
type FollowedLicenses struct {
	From     int    `json:"from" doc:"the licenses before"`
	To       int    `json:"to" doc:"the licenses after"`
	Amount   int64  `json:"amount" doc:"billed for the change, prorated to the end of the term (0: a license paid for was free)"`
	Currency string `json:"currency"`
	Invoice  string `json:"invoice,omitempty" doc:"the number of the invoice issued now and charged to the card at once; empty when the amount goes on the next regular invoice"`
}

// toFollowed is s on the wire, or nil where the licenses do not follow.
func toFollowed(s member.Seated) *FollowedLicenses {
	if !s.Follows {
		return nil
	}
	f := &FollowedLicenses{From: s.From, To: s.To, Amount: s.Amount.Amount, Currency: s.Amount.Currency}
	if s.Invoice != nil {
		f.Invoice = *s.Invoice
	}
	return f
}

type listMembersInput struct {
	TenantPath
	Status  string `query:"status" enum:"invited,active,suspended,deactivated,deleted" doc:"one status; default every status but deleted"`
	Name    string `query:"name" doc:"display-name substring, any case"`
	LoginID string `query:"login_id" doc:"login-id prefix"`
	Cursor  string `query:"cursor" doc:"the next_cursor of the previous page, unchanged; one not handed out is refused (400)"`
	Limit   int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
	DirectoryFilter
}

// DirectoryFilter selects members by the directory.
type DirectoryFilter struct {
	DepartmentID   string `query:"department_id" doc:"members of this department"`
	SubDepartments bool   `query:"sub_departments" doc:"with department_id: and of the departments below it"`
	GroupID        string `query:"group_id" doc:"members of this group"`
	PositionID     string `query:"position_id" doc:"members with this position"`
	FieldID        string `query:"field_id" doc:"with field_value: members whose custom field has that value"`
	FieldValue     string `query:"field_value"`
}

// filter is f as a member.Filter of tenantID.
func (f DirectoryFilter) filter(tenantID string) member.Filter {
	return member.Filter{TenantID: tenantID, DepartmentID: f.DepartmentID, SubDepartments: f.SubDepartments, GroupID: f.GroupID,
		PositionID: f.PositionID, FieldID: f.FieldID, FieldValue: f.FieldValue}
}

type patchMemberInput struct {
	MemberPath
	Body struct {
		MemberFields
		RoleIDs         *[]string `json:"role_ids,omitempty" doc:"the complete new set of admin roles (needs roles.manage)"`
		CurrentPassword string    `json:"current_password,omitempty" doc:"your own password: needed to change your own e-mail address" maxLength:"1024"`
	}
}

type importInput struct {
	TenantPath
	CreateMissing bool   `query:"create_missing" doc:"create the departments, positions and groups the file names that do not exist (else each is a problem of its line)"`
	RawBody       []byte `contentType:"text/csv"`
}

type importResult struct {
	Imported int `json:"imported"`
}

type transferInput struct {
	TenantPath
	Body struct {
		MemberID string `json:"member_id" doc:"the active admin who becomes super admin"`
	}
}

func (s *Server) registerMembers() {
	tags := []string{"members"}
	register(s, huma.Operation{OperationID: "list-members", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/members", Tags: tags,
		Summary: "List members (paged, filtered)"}, false, func(ctx context.Context, in *listMembersInput) (*body[page[Member]], error) {
		f := in.filter(in.TenantID)
		f.Status, f.Name, f.LoginID, f.After, f.Limit = in.Status, in.Name, in.LoginID, in.Cursor, in.Limit
		ms, next, err := s.svc.Members.List(ctx, f)
		if err != nil {
			return nil, inQuery(err)
		}
		return reply(page[Member]{mapSlice(ms, toMember), next}), nil
	})
	register(s, huma.Operation{OperationID: "add-member", Method: http.MethodPost, Path: "/api/v1/tenants/{t}/members", Tags: tags,
		Summary: "Add a member", DefaultStatus: http.StatusCreated}, false, func(ctx context.Context, in *addMemberInput) (*body[addedMember], error) {
		m, added, err := s.svc.Members.Add(ctx, in.TenantID, member.AddInput{LoginID: in.Body.LoginID, Profile: in.Body.profile(), Password: in.Body.Password, RoleIDs: in.Body.RoleIDs})
		if err != nil {
			return nil, err
		}
		return reply(addedMember{toMember(m), Secret(added.Token), toFollowed(added.Seats)}), nil
	})
	register(s, huma.Operation{OperationID: "import-members", Method: http.MethodPost, Path: "/api/v1/tenants/{t}/members/import", Tags: tags,
		Summary:      "Import members from CSV in UTF-8 (with or without a BOM) or Shift_JIS, detected (all or nothing, every problem listed up to 100 and the rest counted; header: login_id,display_name[,email,phone,department,position,groups (names separated by ;), one column per custom field headed by its name])",
		MaxBodyBytes: maxImportBody}, false, func(ctx context.Context, in *importInput) (*body[importResult], error) {
		n, err := s.svc.Members.Import(ctx, in.TenantID, bytes.NewReader(in.RawBody), member.ImportOptions{CreateMissing: in.CreateMissing})
		if err != nil {
			return nil, err
		}
		return reply(importResult{n}), nil
	})
	register(s, huma.Operation{OperationID: "get-member", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/members/{m}", Tags: tags,
		Summary: "Get a member (yourself, or anyone with members.manage)"}, false, func(ctx context.Context, in *MemberPath) (*body[Member], error) {
		return memberReply(s.svc.Members.Get(ctx, in.TenantID, in.MemberID))
	})
	register(s, huma.Operation{OperationID: "update-member", Method: http.MethodPatch, Path: "/api/v1/tenants/{t}/members/{m}", Tags: tags,
		Summary: "Change a member's profile or roles (members.manage), or your own display name, phone and e-mail (current_password)"}, false, func(ctx context.Context, in *patchMemberInput) (*body[Member], error) {
		return memberReply(s.svc.Members.Update(ctx, in.TenantID, in.MemberID,
			member.Edit{Profile: in.Body.profile(), RoleIDs: in.Body.RoleIDs, CurrentPassword: in.Body.CurrentPassword}))
	})
	s.registerStatusActions(tags)
	register(s, huma.Operation{OperationID: "issue-invitation", Method: http.MethodPost, Path: "/api/v1/tenants/{t}/members/{m}/invitation", Tags: tags,
		Summary: "Issue a new invitation token for an invited member"}, false, func(ctx context.Context, in *MemberPath) (*body[addedMember], error) {
		m, token, err := s.svc.Members.Invite(ctx, in.TenantID, in.MemberID)
		if err != nil {
			return nil, err
		}
		return reply(addedMember{toMember(m), Secret(token), nil}), nil
	})
	register(s, huma.Operation{OperationID: "transfer-super-admin", Method: http.MethodPost, Path: "/api/v1/tenants/{t}/super-admin", Tags: tags,
		Summary: "Transfer the super-admin role (super admin only)"}, false, func(ctx context.Context, in *transferInput) (*body[Member], error) {
		return memberReply(s.svc.Members.TransferSuperAdmin(ctx, in.TenantID, in.Body.MemberID))
	})
}

// registerStatusActions adds the member status machine's actions; DELETE
// marks the member deleted (it must be deactivated or only invited).
func (s *Server) registerStatusActions(tags []string) {
	actions := []struct{ method, path, action, summary string }{
		{http.MethodPost, "/suspend", member.ActionSuspend, "Suspend an active member (signs them out)"},
		{http.MethodPost, "/deactivate", member.ActionDeactivate, "Deactivate a member: frees the license, signs them out"},
		{http.MethodPost, "/reactivate", member.ActionReactivate, "Reactivate a suspended or deactivated member"},
		{http.MethodDelete, "", member.ActionDelete, "Delete a deactivated member or an unaccepted invitation"},
	}
	for _, a := range actions {
		register(s, huma.Operation{OperationID: a.action + "-member", Method: a.method, Path: "/api/v1/tenants/{t}/members/{m}" + a.path, Tags: tags,
			Summary: a.summary}, false, func(ctx context.Context, in *MemberPath) (*body[Member], error) {
			return memberReply(s.svc.Members.SetStatus(ctx, in.TenantID, in.MemberID, a.action))
		})
	}
}

func memberReply(m *member.Member, err error) (*body[Member], error) {
	if err != nil {
		return nil, err
	}
	return reply(toMember(m)), nil
}
