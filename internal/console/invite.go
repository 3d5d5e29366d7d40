package console

import (
	"net/http"
	"net/url"
)

func (c *Console) registerInvite(rt *router) {
	rt.page("/invite", c.invite("/invite"))
	rt.post("/invite", c.acceptInvite)
	rt.page(partnerInviteURL, c.invite(partnerInviteURL))
	rt.post(partnerInviteURL, c.acceptPartnerInvite)
}

// partnerInviteURL is where a partner user's invitation mail leads.
const partnerInviteURL = "/partner/accept"

// invitePage is where an invitation mail's link leads: choose a password.
type invitePage struct {
	Page
	Token  string
	Action string // where the form goes: a member's or a partner user's acceptance
}

func (c *Console) invite(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c.render(w, r, http.StatusOK, "invite", &invitePage{Page: Page{Title: "invite.title"}, Token: r.URL.Query().Get("token"), Action: action})
	}
}

// acceptInvite sets the password, then sends the member to sign in with
// their login id filled in (post/redirect/get); a refusal shows the form
// again with the reason.
func (c *Console) acceptInvite(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	p := &invitePage{Page: Page{Title: "invite.title", Path: "/invite?token=" + url.QueryEscape(token)}, Token: token, Action: "/invite"}
	m, err := c.svc.Members.AcceptInvitation(anonymous(r), token, r.PostFormValue("password"))
	if err != nil {
		c.formFailed(w, r, "invite", p, err)
		return
	}
	redirect(w, r, "/admin/login?login_id="+url.QueryEscape(m.LoginID), "invite_done")
}

// acceptPartnerInvite is acceptInvite for a partner user, who then signs
// in to the partner portal.
func (c *Console) acceptPartnerInvite(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	p := &invitePage{Page: Page{Title: "invite.title", Path: partnerInviteURL + "?token=" + url.QueryEscape(token)}, Token: token, Action: partnerInviteURL}
	if _, err := c.svc.Partners.AcceptInvitation(anonymous(r), token, r.PostFormValue("password")); err != nil {
		c.formFailed(w, r, "invite", p, err)
		return
	}
	redirect(w, r, "/partner/login", "invite_done")
}
