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
	Token   string
	Done    bool
	LoginID string
}

func (c *Console) invite(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c.render(w, r, http.StatusOK, "invite", &invitePage{Page: Page{Title: "invite.title"}, Token: q.Get("token"),
		Done: q.Get("done") == "1", LoginID: q.Get("login_id")})
}

// acceptInvite sets the password, then redirects (post/redirect/get) to
// the confirmation; a refusal shows the form again with the reason.
func (c *Console) acceptInvite(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	p := &invitePage{Page: Page{Title: "invite.title"}, Token: token}
	m, err := c.svc.Members.AcceptInvitation(anonymous(r), token, r.PostFormValue("password"))
	if err != nil {
		c.formFailed(w, r, "invite", p, err)
		return
	}
	http.Redirect(w, r, "/invite?done=1&login_id="+url.QueryEscape(m.LoginID), http.StatusSeeOther)
}
