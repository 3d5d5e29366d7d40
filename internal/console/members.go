package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
)

// membersPageSize is how many members one page of the list shows.
const membersPageSize = 25

func (c *Console) registerMembers(rt *router) {
	manage := func(h http.HandlerFunc) http.HandlerFunc { return c.member(c.managesMembers(h)) }
	rt.page("/admin/members", manage(c.membersList))
	rt.page("/admin/members/new", manage(c.memberNew))
	rt.post("/admin/members/new", manage(c.memberAdd))
	rt.page("/admin/members/import", manage(c.membersImportForm))
	rt.post("/admin/members/import", manage(c.membersImport))
	rt.file("/admin/members/export.csv", manage(c.membersExport))
	rt.page("/admin/members/{m}", manage(c.memberEdit))
	rt.post("/admin/members/{m}", manage(c.memberUpdate))
	rt.page("/admin/members/{m}/status", manage(c.memberStatusForm))
	rt.post("/admin/members/{m}/status", manage(c.memberSetStatus))
	rt.post("/admin/members/{m}/invitation", manage(c.memberResendInvitation))
}

// managesMembers shows the member screens only to admins who may manage
// members, so nobody fills in a form that the service would refuse; the
// services still check every call themselves.
func (c *Console) managesMembers(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.Require(r.Context(), actor(r).TenantID, auth.PermMembersManage); err != nil {
			p, _ := c.adminPage(r, "error.title")
			c.fail(w, r, p, err)
			return
		}
		h(w, r)
	}
}

// membersPage is the member list: search, status and directory filters,
// the custom fields chosen as columns (表示する項目), and one page.
type membersPage struct {
	Page
	Statuses  []string
	Members   []memberRow
	Billable  int
	NextURL   string // the next page, or "" on the last one
	FirstURL  string // the first page, or "" when on it
	ExportURL string // the CSV download of this search
	// ExportShiftJIS is ExportURL in Shift_JIS.
	ExportShiftJIS string
	// The directory, for the filters; Columns are the fields shown.
	Departments []deptNode
	Positions   []*member.Position
	Groups      []*member.Group
	Fields      []*member.Field
	Columns     []*member.Field
}

// Shown reports whether the list shows custom field id as a column.
func (p *membersPage) Shown(id string) bool { return slices.Contains(p.Form.Values["cols"], id) }

// memberRow is one line of the list.
type memberRow struct {
	*member.Member
	Roles []string // role names
}

// Value is the member's value of custom field f.
func (r memberRow) Value(f *member.Field) string { return r.Fields[f.ID] }

// memberFilter reads the list's (and the download's) search from q.
func memberFilter(tenantID string, q url.Values) member.Filter {
	f := member.Filter{TenantID: tenantID, Name: strings.TrimSpace(q.Get("name")), LoginID: strings.TrimSpace(q.Get("login_id")),
		Status: q.Get("status"), DepartmentID: q.Get("department_id"), GroupID: q.Get("group_id"), PositionID: q.Get("position_id")}
	f.SubDepartments = f.DepartmentID != "" && q.Get("sub_departments") != ""
	if v := strings.TrimSpace(q.Get("field_value")); q.Get("field_id") != "" && v != "" {
		f.FieldID, f.FieldValue = q.Get("field_id"), v
	}
	return f
}

func (c *Console) membersList(w http.ResponseWriter, r *http.Request) {
	p, err := c.adminPage(r, "members.title", Crumb{Key: "menu.member_list"})
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	q := r.URL.Query()
	p.Form.Values = q
	v := &membersPage{Page: p, Statuses: member.FilterStatuses}
	tenantID := actor(r).TenantID
	f := memberFilter(tenantID, q)
	f.After, f.Limit = q.Get("cursor"), membersPageSize
	status := http.StatusOK
	berr := c.listDirectory(r, v)
	if berr == nil {
		v.Billable, berr = c.svc.Members.BillableCount(r.Context(), tenantID)
	}
	if berr != nil {
		c.fail(w, r, p, berr)
		return
	}
	ms, next, err := c.svc.Members.List(r.Context(), f)
	if err == nil {
		err = c.memberRows(r, v, ms)
	}
	switch {
	case c.refuseCursor(r, &v.Page, err):
		status = http.StatusBadRequest
	case errs.Is(err, errs.Invalid) && v.refuse(err):
		status = api.Status(err)
	case err != nil:
		c.fail(w, r, p, err)
		return
	}
	cols := q["cols"]
	if next != "" {
		v.NextURL = membersURL(f, cols, next)
	}
	if f.After != "" {
		v.FirstURL = membersURL(f, cols, "")
	}
	v.ExportURL = strings.Replace(membersURL(f, nil, ""), "/admin/members", "/admin/members/export.csv", 1)
	v.ExportShiftJIS = shiftJISURL(v.ExportURL)
	w.Header().Add("Vary", "HX-Request")
	if membersPartial(r) {
		// htmx swaps only successful answers, so a refusal is shown in the block.
		c.renderBlock(w, r, http.StatusOK, "members_list", "results", v)
		return
	}
	c.render(w, r, status, "members_list", v)
}

// listDirectory reads the directory for the list's filters, and the
// custom fields the query asks to show.
func (c *Console) listDirectory(r *http.Request, v *membersPage) error {
	ctx, tenantID := r.Context(), actor(r).TenantID
	ds, err := c.svc.Members.Departments(ctx, tenantID)
	if err != nil {
		return err
	}
	v.Departments = deptTree(ds)
	if v.Positions, err = c.svc.Members.Positions(ctx, tenantID); err != nil {
		return err
	}
	if v.Groups, err = c.svc.Members.Groups(ctx, tenantID); err != nil {
		return err
	}
	if v.Fields, err = c.svc.Members.Fields(ctx, tenantID); err != nil {
		return err
	}
	for _, f := range v.Fields {
		if v.Shown(f.ID) {
			v.Columns = append(v.Columns, f)
		}
	}
	return nil
}

// memberRows fills the list's rows, naming each member's roles.
func (c *Console) memberRows(r *http.Request, v *membersPage, ms []*member.Member) error {
	roles, err := c.svc.Members.Roles(r.Context(), actor(r).TenantID)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(roles))
	for _, role := range roles {
		names[role.ID] = v.RoleName(role)
	}
	for _, m := range ms {
		row := memberRow{Member: m}
		for _, id := range m.RoleIDs {
			row.Roles = append(row.Roles, names[id])
		}
		v.Members = append(v.Members, row)
	}
	return nil
}

// membersURL is the list with f's search and the columns cols, from the
// page after cursor.
func membersURL(f member.Filter, cols []string, cursor string) string {
	q := url.Values{}
	for k, v := range map[string]string{"name": f.Name, "login_id": f.LoginID, "status": f.Status, "cursor": cursor,
		"department_id": f.DepartmentID, "group_id": f.GroupID, "position_id": f.PositionID, "field_id": f.FieldID, "field_value": f.FieldValue} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.SubDepartments {
		q.Set("sub_departments", "on")
	}
	if len(cols) > 0 {
		q["cols"] = cols
	}
	if len(q) == 0 {
		return "/admin/members"
	}
	return "/admin/members?" + q.Encode()
}

// membersPartial reports whether htmx asked for a page's block alone;
// restoring its history after a cache miss needs the whole page.
func membersPartial(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}
