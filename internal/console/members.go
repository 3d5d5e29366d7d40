package console

import (
	"net/http"
	"net/url"
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

// membersPage is the member list: search, status filter and one page.
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
}

// memberRow is one line of the list.
type memberRow struct {
	*member.Member
	Roles []string // role names
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
	f := member.Filter{TenantID: tenantID, Name: strings.TrimSpace(q.Get("name")), LoginID: strings.TrimSpace(q.Get("login_id")),
		Status: q.Get("status"), After: q.Get("cursor"), Limit: membersPageSize}
	status := http.StatusOK
	var berr error
	if v.Billable, berr = c.svc.Members.BillableCount(r.Context(), tenantID); berr != nil {
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
	if next != "" {
		v.NextURL = membersURL(f, next)
	}
	if f.After != "" {
		v.FirstURL = membersURL(f, "")
	}
	v.ExportURL = strings.Replace(membersURL(f, ""), "/admin/members", "/admin/members/export.csv", 1)
	v.ExportShiftJIS = shiftJISURL(v.ExportURL)
	w.Header().Add("Vary", "HX-Request")
	if membersPartial(r) {
		// htmx swaps only successful answers, so a refusal is shown in the block.
		c.renderBlock(w, r, http.StatusOK, "members_list", "results", v)
		return
	}
	c.render(w, r, status, "members_list", v)
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

// membersURL is the list with f's search, from the page after cursor.
func membersURL(f member.Filter, cursor string) string {
	q := url.Values{}
	for k, v := range map[string]string{"name": f.Name, "login_id": f.LoginID, "status": f.Status, "cursor": cursor} {
		if v != "" {
			q.Set(k, v)
		}
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
