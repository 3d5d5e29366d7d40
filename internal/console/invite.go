package console

import (
	"net/http"
	"net/url"
)

func (c *Console) registerInvite(rt *router) {
	rt.page("/invite", c.invite)
	rt.post("/invite", c.acceptInvite)
}

// invitePage is where an invitation mail's link leads: choose a password.
type invitePage struct {
	Page
	Token string
}

func (c *Console) invite(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "invite", &invitePage{Page: Page{Title: "invite.title"}, Token: r.URL.Query().Get("token")})
}

// acceptInvite sets the password, then sends the member to sign in with
// their login id filled in (post/redirect/get); a refusal shows the form
// again with the reason.
func (c *Console) acceptInvite(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	p := &invitePage{Page: Page{Title: "invite.title", Path: "/invite?token=" + url.QueryEscape(token)}, Token: token}
	m, err := c.svc.Members.AcceptInvitation(anonymous(r), token, r.PostFormValue("password"))
	if err != nil {
		c.formFailed(w, r, "invite", p, err)
		return
	}
	redirect(w, r, "/admin/login?login_id="+url.QueryEscape(m.LoginID), "invite_done")
}
