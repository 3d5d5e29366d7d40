package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/member"
)

type roleBody struct {
	Name        string   `json:"name" maxLength:"200"`
	Permissions []string `json:"permissions" doc:"tenant.manage, members.manage, roles.manage, audit.read, licenses.manage, sessions.manage"`
}

type RolePath struct {
	TenantPath
	RoleID string `path:"r" doc:"role id (rol_…)"`
}

type roleInput struct {
	TenantPath
	Body roleBody
}

type roleUpdateInput struct {
	RolePath
	Body roleBody
}

type roleDeleted struct {
	MembersAffected int `json:"members_affected" doc:"members who held the role and lost it"`
}

func (s *Server) registerRoles() {
	tags := []string{"roles"}
	register(s, huma.Operation{OperationID: "list-roles", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/roles", Tags: tags,
		Summary: "List admin roles"}, false, func(ctx context.Context, in *TenantPath) (*body[[]Role], error) {
		roles, err := s.svc.Members.Roles(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return reply(mapSlice(roles, toRole)), nil
	})
	register(s, huma.Operation{OperationID: "create-role", Method: http.MethodPost, Path: "/api/v1/tenants/{t}/roles", Tags: tags,
		Summary: "Create an admin role (only with permissions you hold)", DefaultStatus: http.StatusCreated}, false, func(ctx context.Context, in *roleInput) (*body[Role], error) {
		return roleReply(s.svc.Members.CreateRole(ctx, in.TenantID, member.RoleInput{Name: in.Body.Name, Permissions: in.Body.Permissions}))
	})
	register(s, huma.Operation{OperationID: "update-role", Method: http.MethodPatch, Path: "/api/v1/tenants/{t}/roles/{r}", Tags: tags,
		Summary: "Rename a role or change its permissions"}, false, func(ctx context.Context, in *roleUpdateInput) (*body[Role], error) {
		return roleReply(s.svc.Members.UpdateRole(ctx, in.TenantID, in.RoleID, member.RoleInput{Name: in.Body.Name, Permissions: in.Body.Permissions}))
	})
	register(s, huma.Operation{OperationID: "delete-role", Method: http.MethodDelete, Path: "/api/v1/tenants/{t}/roles/{r}", Tags: tags,
		Summary: "Delete a role; members holding it lose it"}, false, func(ctx context.Context, in *RolePath) (*body[roleDeleted], error) {
		n, err := s.svc.Members.DeleteRole(ctx, in.TenantID, in.RoleID)
		if err != nil {
			return nil, err
		}
		return reply(roleDeleted{n}), nil
	})
}

func roleReply(r *member.Role, err error) (*body[Role], error) {
	if err != nil {
		return nil, err
	}
	return reply(toRole(r)), nil
}
