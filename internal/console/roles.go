package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
)

func (c *Console) registerRoles(rt *router) {
	rt.page("/admin/roles", c.member(c.roles))
	rt.page("/admin/roles/new", c.member(c.newRole))
	rt.post("/admin/roles/new", c.member(c.createRole))
	rt.page("/admin/roles/transfer", c.member(c.confirmTransfer))
	rt.post("/admin/roles/transfer", c.member(c.transfer))
	rt.page("/admin/roles/{r}", c.member(c.editRole))
	rt.post("/admin/roles/{r}", c.member(c.updateRole))
	rt.page("/admin/roles/{r}/delete", c.member(c.confirmDeleteRole))
	rt.post("/admin/roles/{r}/delete", c.member(c.deleteRole))
}

// rolesFrame is what every page of 管理者権限 shares: the frame and how a
// member is named.
type rolesFrame struct{ Page }

// RoleName is how every page names a role: a built-in role by its name in
// the page's language, a custom role as written.
func (p Page) RoleName(r *member.Role) string {
	if r.Builtin {
		if s, err := p.T("roles.builtin." + r.Name); err == nil {
			return s
		}
	}
	return r.Name
}

// MemberName is how a member is shown: display name and login id.
func (rolesFrame) MemberName(m *member.Member) string {
	if m.DisplayName == "" {
		return m.LoginID
	}
	return m.DisplayName + " (" + m.LoginID + ")"
}

// rolesFrame returns the frame of a roles page with crumbs after
// 管理者権限; members without perm are refused, and with perm "" everyone
// but the super admin.
func (c *Console) rolesFrame(r *http.Request, title string, perm auth.Permission, crumbs ...Crumb) (rolesFrame, error) {
	trail := []Crumb{{Key: "menu.security"}, {Key: "menu.roles", Href: "/admin/roles"}}
	if len(crumbs) == 0 {
		trail[1].Href = ""
	}
	p, err := c.adminPage(r, title, append(trail, crumbs...)...)
	if err != nil {
		return rolesFrame{p}, err
	}
	if perm == "" {
		_, err = auth.RequireSuperAdmin(r.Context(), actor(r).TenantID)
	} else {
		_, err = auth.Require(r.Context(), actor(r).TenantID, perm)
	}
	return rolesFrame{p}, err
}

// rolesPage lists the roles and the super admin, with the transfer form
// for the super admin.
type rolesPage struct {
	rolesFrame
	Roles      []*member.Role
	Removed    int            // members who lost a deleted role; -1: none deleted
	SuperAdmin *member.Member // nil when the viewer may not read members
	Eligible   []*member.Member
}

func (c *Console) roles(w http.ResponseWriter, r *http.Request) {
	f, err := c.rolesFrame(r, "menu.roles", auth.PermRolesManage)
	p := &rolesPage{rolesFrame: f, Removed: -1}
	if err == nil {
		p.Roles, err = c.svc.Members.Roles(r.Context(), actor(r).TenantID)
	}
	if err == nil {
		p.SuperAdmin, p.Eligible, err = c.admins(r.Context())
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("removed")); err == nil && n >= 0 && p.Flash == "flash.roles_deleted" {
		p.Removed = n
	}
	c.render(w, r, http.StatusOK, "roles_list", p)
}

// admins finds the super admin and, for the super admin, the active
// admins who could take the role. The member list has no role filter, so
// the candidates are read page by page, and only for the super admin; a
// viewer who may not read members gets neither.
func (c *Console) admins(ctx context.Context) (*member.Member, []*member.Member, error) {
	a := auth.FromContext(ctx)
	if !a.SuperAdmin && !a.Can(auth.PermMembersManage) {
		return nil, nil, nil
	}
	super, err := c.svc.Members.SuperAdmin(ctx, a.TenantID)
	if err != nil || !a.SuperAdmin {
		return super, nil, err
	}
	var eligible []*member.Member
	f := member.Filter{TenantID: a.TenantID, Status: member.StatusActive, Limit: 500}
	for {
		ms, next, err := c.svc.Members.List(ctx, f)
		if err != nil {
			return nil, nil, err
		}
		for _, m := range ms {
			if !m.SuperAdmin && len(m.RoleIDs) > 0 {
				eligible = append(eligible, m)
			}
		}
		if next == "" {
			return super, eligible, nil
		}
		f.After = next
	}
}

// roleFormPage creates a role, edits one, or shows a built-in one.
type roleFormPage struct {
	rolesFrame
	Role  *member.Role // nil for a new role
	Perms []auth.Permission
}

// Checked reports whether perm is ticked on the form.
func (p roleFormPage) Checked(perm auth.Permission) bool {
	return slices.Contains(p.Form.Values["permissions"], string(perm))
}

// roleForm is the form page of role, or of a new role when role is nil.
func (c *Console) roleForm(r *http.Request, role *member.Role) (*roleFormPage, error) {
	title := "roles.new"
	if role != nil {
		title = "roles.edit"
	}
	f, err := c.rolesFrame(r, title, auth.PermRolesManage, Crumb{Key: title})
	p := &roleFormPage{rolesFrame: f, Role: role, Perms: auth.AllPermissions}
	if role != nil {
		p.Form.Values = url.Values{"name": {role.Name}}
		for _, perm := range role.Permissions {
			p.Form.Values.Add("permissions", string(perm))
		}
	}
	return p, err
}

func (c *Console) newRole(w http.ResponseWriter, r *http.Request) {
	p, err := c.roleForm(r, nil)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "roles_form", p)
}

func (c *Console) createRole(w http.ResponseWriter, r *http.Request) {
	p, err := c.roleForm(r, nil)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Form.Values, err = formValues(r); err == nil {
		_, err = c.svc.Members.CreateRole(r.Context(), actor(r).TenantID, roleInput(p.Form.Values))
	}
	if err != nil {
		c.formFailed(w, r, "roles_form", p, err)
		return
	}
	redirect(w, r, "/admin/roles", "roles_created")
}

func roleInput(v url.Values) member.RoleInput {
	return member.RoleInput{Name: v.Get("name"), Permissions: v["permissions"]}
}

// findRole returns the tenant's role id; the service has no single-role
// read, and a tenant has few roles.
func (c *Console) findRole(r *http.Request, id string) (*member.Role, error) {
	roles, err := c.svc.Members.Roles(r.Context(), actor(r).TenantID)
	if err != nil {
		return nil, err
	}
	for _, role := range roles {
		if role.ID == id {
			return role, nil
		}
	}
	return nil, errs.E(errs.NotFound, "member.role_not_found", "role", id)
}

// editFrame loads the role of the URL and its form.
func (c *Console) editFrame(r *http.Request) (*roleFormPage, error) {
	role, err := c.findRole(r, r.PathValue("r"))
	if err != nil {
		f, ferr := c.rolesFrame(r, "roles.edit", auth.PermRolesManage)
		if ferr != nil {
			err = ferr
		}
		return &roleFormPage{rolesFrame: f}, err
	}
	return c.roleForm(r, role)
}

func (c *Console) editRole(w http.ResponseWriter, r *http.Request) {
	p, err := c.editFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "roles_form", p)
}

func (c *Console) updateRole(w http.ResponseWriter, r *http.Request) {
	p, err := c.editFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Form.Values, err = formValues(r); err == nil {
		_, err = c.svc.Members.UpdateRole(r.Context(), actor(r).TenantID, p.Role.ID, roleInput(p.Form.Values))
	}
	if err != nil {
		c.formFailed(w, r, "roles_form", p, err)
		return
	}
	redirect(w, r, "/admin/roles", "roles_updated")
}

// roleDeletePage says what deleting a role does before it is done.
type roleDeletePage struct {
	rolesFrame
	Role *member.Role
}

func (c *Console) confirmDeleteRole(w http.ResponseWriter, r *http.Request) {
	f, err := c.rolesFrame(r, "roles.delete", auth.PermRolesManage, Crumb{Key: "roles.delete"})
	p := &roleDeletePage{rolesFrame: f}
	if err == nil {
		p.Role, err = c.findRole(r, r.PathValue("r"))
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "roles_delete", p)
}

// deleteRole deletes the role and says how many members lost it.
func (c *Console) deleteRole(w http.ResponseWriter, r *http.Request) {
	f, err := c.rolesFrame(r, "roles.delete", auth.PermRolesManage, Crumb{Key: "roles.delete"})
	if err != nil {
		c.fail(w, r, f.Page, err)
		return
	}
	n, err := c.svc.Members.DeleteRole(r.Context(), actor(r).TenantID, r.PathValue("r"))
	if err != nil {
		c.fail(w, r, f.Page, err)
		return
	}
	redirect(w, r, "/admin/roles?removed="+strconv.Itoa(n), "roles_deleted")
}

// transferPage is 最高管理者の権限委任: without member_id it offers the
// eligible admins; with it, it says what the transfer does.
type transferPage struct {
	rolesFrame
	Eligible []*member.Member
	Target   *member.Member
}

func (c *Console) confirmTransfer(w http.ResponseWriter, r *http.Request) {
	f, err := c.rolesFrame(r, "roles.transfer", "", Crumb{Key: "roles.transfer"})
	p := &transferPage{rolesFrame: f}
	id := r.URL.Query().Get("member_id")
	switch {
	case err != nil:
	case id != "":
		p.Target, err = c.svc.Members.Get(r.Context(), actor(r).TenantID, id)
	default:
		_, p.Eligible, err = c.admins(r.Context())
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	p.Form.Values = r.URL.Query()
	c.render(w, r, http.StatusOK, "roles_transfer", p)
}

// transfer hands the super-admin role on; both members are mailed. A
// refusal offers the eligible admins again.
func (c *Console) transfer(w http.ResponseWriter, r *http.Request) {
	f, err := c.rolesFrame(r, "roles.transfer", "", Crumb{Key: "roles.transfer"})
	if err != nil {
		c.fail(w, r, f.Page, err)
		return
	}
	p := &transferPage{rolesFrame: f}
	if p.Form.Values, err = formValues(r); err == nil {
		_, err = c.svc.Members.TransferSuperAdmin(r.Context(), actor(r).TenantID, p.Form.Values.Get("member_id"))
	}
	if err != nil {
		var lerr error
		if _, p.Eligible, lerr = c.admins(r.Context()); lerr != nil {
			err = lerr
		}
		c.formFailed(w, r, "roles_transfer", p, err)
		return
	}
	redirect(w, r, "/admin/roles", "roles_transferred")
}
