package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kanri/kanri/internal/member"
)

// memberStatusPage confirms a status action: what it does to the member,
// then a form that POSTs it. Without a valid action it lists the actions
// the member's status allows instead.
type memberStatusPage struct {
	Page
	Member  *member.Member
	Action  string // the action to confirm, or ""
	Label   string // catalog key of the action's name
	Effect  string // catalog key of what it does (takes the login id)
	To      string // the status it leads to
	Choose  bool   // no known action was asked for: choose one
	Actions []statusAction
	Locked  string
}

// statusDone is the notice after each action.
var statusDone = map[string]string{member.ActionSuspend: "members_suspended", member.ActionDeactivate: "members_deactivated",
	member.ActionReactivate: "members_reactivated", member.ActionDelete: "members_deleted"}

// statusFrame is the confirmation page of action for the member in the
// request's path.
func (c *Console) statusFrame(r *http.Request, action string) (*memberStatusPage, error) {
	id := r.PathValue("m")
	p, err := c.adminPage(r, "members.status.title", Crumb{Key: "menu.member_list", Href: "/admin/members"},
		Crumb{Key: "members.edit.title", Href: "/admin/members/" + url.PathEscape(id)}, Crumb{Key: "members.status.title"})
	v := &memberStatusPage{Page: p}
	if err != nil {
		return v, err
	}
	if v.Member, err = c.svc.Members.Get(r.Context(), actor(r).TenantID, id); err != nil {
		return v, err
	}
	v.Actions, v.Locked = memberActions(actor(r), v.Member)
	to, err := member.Transition(v.Member.Status, action)
	switch {
	case v.Locked != "": // the super admin, or yourself: the page says why, and offers nothing
	case !slices.Contains(memberStatusActions, action):
		v.Choose = true
	case err != nil:
		v.refuse(err) // the status does not allow it: say which statuses do
	default:
		v.Action, v.To, v.Label = action, to, actionKey(action, v.Member.Status)
		v.Effect = "members.effect." + strings.TrimPrefix(v.Label, "members.action.")
	}
	return v, nil
}

func (c *Console) memberStatusForm(w http.ResponseWriter, r *http.Request) {
	v, err := c.statusFrame(r, r.URL.Query().Get("action"))
	if err != nil {
		c.fail(w, r, v.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "members_status", v)
}

// memberSetStatus applies the confirmed action; a refusal shows the
// confirmation page again with the service's reason.
func (c *Console) memberSetStatus(w http.ResponseWriter, r *http.Request) {
	id, action := r.PathValue("m"), r.PostFormValue("action")
	m, err := c.svc.Members.SetStatus(r.Context(), actor(r).TenantID, id, action)
	if err != nil {
		v, ferr := c.statusFrame(r, action)
		if ferr != nil {
			c.fail(w, r, v.Page, ferr)
			return
		}
		v.Path = "/admin/members/" + url.PathEscape(id) + "/status?action=" + url.QueryEscape(action)
		c.formFailed(w, r, "members_status", v, err)
		return
	}
	if m.Status == member.StatusDeleted {
		redirect(w, r, "/admin/members", statusDone[action])
		return
	}
	redirect(w, r, "/admin/members/"+url.PathEscape(id), statusDone[action])
}
