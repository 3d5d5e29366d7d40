package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/member"
)

// memberFormPage adds a member (Member nil) or edits one: profile, roles,
// and on the edit page the status actions the member's status allows.
type memberFormPage struct {
	Page
	Member   *member.Member
	Domain   string // the primary domain, after the login id's @
	Roles    []roleChoice
	CanRoles bool // the actor may change roles (roles.manage)
	Self     bool // the actor edits themself: changing the e-mail asks for their password
	// EmailLocked: the member holds a permission the actor lacks, so the
	// actor may not change their e-mail address (member.Outranks).
	EmailLocked bool
	Actions     []statusAction // what the status allows; none for the super admin and oneself
	Locked      string         // catalog key: why there are no actions
	// The directory: the department tree, positions, groups and custom
	// fields, each custom field an input named "fields.<id>".
	Departments []deptNode
	Positions   []*member.Position
	Groups      []*member.Group
	Fields      []*member.Field
}

// InGroup reports whether the form ticks group id.
func (p *memberFormPage) InGroup(id string) bool {
	return slices.Contains(p.Form.Values["group_ids"], id)
}

// FieldName is the form name of custom field f's input, which is also the
// field the service names when it refuses its value.
func (*memberFormPage) FieldName(f *member.Field) string { return "fields." + f.ID }

// roleChoice is a role's checkbox. A role the actor may not grant or take
// away is disabled; when held, a hidden input keeps it.
type roleChoice struct {
	ID, Name          string
	Checked, Disabled bool
}

// statusAction is a link to an action's confirmation page.
type statusAction struct {
	Action string // member.Action…
	Key    string // catalog key of its label
	Danger bool
}

// memberStatusActions are the actions the console offers, in order.
var memberStatusActions = []string{member.ActionSuspend, member.ActionReactivate, member.ActionDeactivate, member.ActionDelete}

// formFrame is the add or edit page for m (nil: add) with the form's
// values v: the primary domain and the role checkboxes.
func (c *Console) formFrame(r *http.Request, title string, m *member.Member, v url.Values) (*memberFormPage, error) {
	crumbs := []Crumb{{Key: "menu.member_list", Href: "/admin/members"}, {Key: title}}
	p, err := c.adminPage(r, title, crumbs...)
	f := &memberFormPage{Page: p, Member: m}
	if err != nil {
		return f, err
	}
	a := actor(r)
	f.Form.Values, f.CanRoles = v, a.Can(auth.PermRolesManage)
	t, err := c.svc.Tenants.Get(r.Context(), a.TenantID)
	if err != nil {
		return f, err
	}
	f.Domain = t.PrimaryDomain
	roles, err := c.svc.Members.Roles(r.Context(), a.TenantID)
	if err != nil {
		return f, err
	}
	var held []auth.Permission // m's permissions
	for _, role := range roles {
		grantable := f.CanRoles && (a.SuperAdmin || auth.Covers(a.Permissions, role.Permissions))
		f.Roles = append(f.Roles, roleChoice{ID: role.ID, Name: f.RoleName(role), Checked: slices.Contains(v["role_ids"], role.ID), Disabled: !grantable})
		if m != nil && slices.Contains(m.RoleIDs, role.ID) {
			held = append(held, role.Permissions...)
		}
	}
	if m != nil {
		f.Actions, f.Locked = memberActions(a, m)
		f.Self, f.EmailLocked = m.ID == a.ID, m.ID != a.ID && !member.Outranks(a, m, held)
	}
	return f, c.memberDirectory(r, f)
}

// memberDirectory reads what the form offers of the directory.
func (c *Console) memberDirectory(r *http.Request, f *memberFormPage) error {
	ctx, tenantID := r.Context(), actor(r).TenantID
	ds, err := c.svc.Members.Departments(ctx, tenantID)
	if err != nil {
		return err
	}
	f.Departments = deptTree(ds)
	if f.Positions, err = c.svc.Members.Positions(ctx, tenantID); err != nil {
		return err
	}
	if f.Groups, err = c.svc.Members.Groups(ctx, tenantID); err != nil {
		return err
	}
	f.Fields, err = c.svc.Members.Fields(ctx, tenantID)
	return err
}

// memberActions lists what a may do to m's status, or says why nothing.
func memberActions(a *auth.Actor, m *member.Member) ([]statusAction, string) {
	switch {
	case m.SuperAdmin:
		return nil, "members.locked.super_admin"
	case m.ID == a.ID:
		return nil, "members.locked.self"
	}
	var out []statusAction
	for _, act := range memberStatusActions {
		if _, err := member.Transition(m.Status, act); err == nil {
			out = append(out, statusAction{Action: act, Key: actionKey(act, m.Status), Danger: act == member.ActionDelete || act == member.ActionDeactivate})
		}
	}
	return out, ""
}

// actionKey is an action's label: reactivating a suspended member is 再開,
// a deactivated one 再有効化.
func actionKey(action, status string) string {
	if action == member.ActionReactivate && status == member.StatusSuspended {
		return "members.action.resume"
	}
	return "members.action." + action
}

func (c *Console) memberNew(w http.ResponseWriter, r *http.Request) {
	f, err := c.formFrame(r, "members.new.title", nil, url.Values{})
	if err != nil {
		c.fail(w, r, f.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "members_form", f)
}

// memberAdd adds the member; without a password they are invited and the
// service mails the invitation to their personal e-mail.
func (c *Console) memberAdd(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	f, ferr := c.formFrame(r, "members.new.title", nil, v)
	if ferr != nil {
		c.fail(w, r, f.Page, ferr)
		return
	}
	if err != nil {
		c.formFailed(w, r, "members_form", f, err)
		return
	}
	m, added, err := c.svc.Members.Add(r.Context(), actor(r).TenantID, member.AddInput{LoginID: v.Get("login_id"),
		Profile: memberProfile(v), Password: v.Get("password"), RoleIDs: v["role_ids"]})
	if err != nil {
		c.formFailed(w, r, "members_form", f, err)
		return
	}
	flash := "members_added"
	if m.Status == member.StatusInvited {
		flash = "members_added_invited"
		if m.Email == "" {
			flash = "members_added_no_mail"
		}
	}
	if added.Seats.To > added.Seats.From { // the licenses follow the members: say one was added and billed
		flash += "_licensed"
	}
	redirect(w, r, "/admin/members", flash)
}

// memberProfile is the profile the form submitted; every field is on the
// form, so an empty one clears the value: no group ticked leaves the
// member in none, and each custom field's input ("fields.<id>") sets it.
func memberProfile(v url.Values) member.Profile {
	groups := slices.Clone(v["group_ids"])
	if groups == nil {
		groups = []string{}
	}
	p := member.Profile{DisplayName: field(v, "display_name"), Email: field(v, "email"), Phone: field(v, "phone"),
		DepartmentID: field(v, "department_id"), PositionID: field(v, "position_id"), GroupIDs: &groups}
	for name := range v {
		if id, ok := strings.CutPrefix(name, "fields."); ok {
			if p.Fields == nil {
				p.Fields = map[string]string{}
			}
			p.Fields[id] = strings.TrimSpace(v.Get(name))
		}
	}
	return p
}

// memberValues fills the edit form with m as it is.
func memberValues(m *member.Member) url.Values {
	v := url.Values{"display_name": {m.DisplayName}, "email": {m.Email}, "phone": {m.Phone},
		"department_id": {m.DepartmentID}, "position_id": {m.PositionID}, "role_ids": m.RoleIDs, "group_ids": m.GroupIDs}
	for id, value := range m.Fields {
		v.Set("fields."+id, value)
	}
	return v
}

func (c *Console) memberEdit(w http.ResponseWriter, r *http.Request) {
	m, err := c.svc.Members.Get(r.Context(), actor(r).TenantID, r.PathValue("m"))
	if err != nil {
		p, _ := c.adminPage(r, "members.edit.title")
		c.fail(w, r, p, err)
		return
	}
	f, err := c.formFrame(r, "members.edit.title", m, memberValues(m))
	if err != nil {
		c.fail(w, r, f.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "members_form", f)
}

// memberUpdate saves the profile and, for admins who may change roles,
// the roles.
func (c *Console) memberUpdate(w http.ResponseWriter, r *http.Request) {
	tenantID := actor(r).TenantID
	m, err := c.svc.Members.Get(r.Context(), tenantID, r.PathValue("m"))
	if err != nil {
		p, _ := c.adminPage(r, "members.edit.title")
		c.fail(w, r, p, err)
		return
	}
	v, err := formValues(r)
	f, ferr := c.formFrame(r, "members.edit.title", m, v)
	if ferr != nil {
		c.fail(w, r, f.Page, ferr)
		return
	}
	if err != nil {
		c.formFailed(w, r, "members_form", f, err)
		return
	}
	var roleIDs *[]string
	if f.CanRoles {
		ids := v["role_ids"]
		roleIDs = &ids
	}
	e := member.Edit{Profile: memberProfile(v), RoleIDs: roleIDs, CurrentPassword: v.Get("current_password")}
	if _, err := c.svc.Members.Update(r.Context(), tenantID, m.ID, e); err != nil {
		c.formFailed(w, r, "members_form", f, err)
		return
	}
	redirect(w, r, "/admin/members/"+url.PathEscape(m.ID), "members_updated")
}

// memberResendInvitation mails an invited member a new invitation; a
// refusal (say, no e-mail address) is shown on the member's page.
func (c *Console) memberResendInvitation(w http.ResponseWriter, r *http.Request) {
	tenantID, id := actor(r).TenantID, r.PathValue("m")
	_, err := c.svc.Members.ResendInvitation(r.Context(), tenantID, id)
	if err == nil {
		redirect(w, r, "/admin/members/"+url.PathEscape(id), "members_invitation_sent")
		return
	}
	m, gerr := c.svc.Members.Get(r.Context(), tenantID, id)
	if gerr != nil {
		p, _ := c.adminPage(r, "members.edit.title")
		c.fail(w, r, p, gerr)
		return
	}
	f, ferr := c.formFrame(r, "members.edit.title", m, memberValues(m))
	if ferr != nil {
		c.fail(w, r, f.Page, ferr)
		return
	}
	f.Path = "/admin/members/" + url.PathEscape(id)
	c.formFailed(w, r, "members_form", f, err)
}
