package console

import (
	"net/http"
	"net/url"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
)

func (c *Console) registerPasswords(rt *router) {
	rt.page("/forgot-password", c.forgotPage)
	rt.post("/forgot-password", c.forgot)
	rt.page("/reset-password", c.resetPage)
	rt.post("/reset-password", c.reset)
	rt.page("/admin/profile/password", c.member(c.changePage))
	rt.post("/admin/profile/password", c.member(c.change))
	rt.page("/admin/members/{m}/password-reset", c.member(c.adminResetPage))
	rt.post("/admin/members/{m}/password-reset", c.member(c.adminReset))
}

// forgotPage asks for the login id to mail a reset link to.
type forgotPage struct{ Page }

func (c *Console) forgotPage(w http.ResponseWriter, r *http.Request) {
	p := &forgotPage{Page{Title: "password.forgot.title", Flash: c.flash(r)}}
	p.Form.Values = url.Values{"login_id": {r.URL.Query().Get("login_id")}}
	c.render(w, r, http.StatusOK, "password_forgot", p)
}

// forgot asks for the link; the page after it says the same whether or
// not the login id exists.
func (c *Console) forgot(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	p := &forgotPage{Page{Title: "password.forgot.title", Form: Form{Values: v}}}
	if err == nil {
		err = c.svc.Passwords.Request(anonymous(r), v.Get("login_id"))
	}
	if err != nil {
		c.formFailed(w, r, "password_forgot", p, err)
		return
	}
	redirect(w, r, "/forgot-password", "password_reset_sent")
}

// resetPage is where a reset mail's link leads: choose a new password.
type resetPage struct {
	Page
	Token string
}

func (c *Console) resetPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "password_reset", &resetPage{Page: Page{Title: "password.reset.title"}, Token: r.URL.Query().Get("token")})
}

// reset sets the new password, then sends the member to sign in with
// their login id filled in; a refusal shows the form again with why.
func (c *Console) reset(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	token := v.Get("token")
	p := &resetPage{Page: Page{Title: "password.reset.title", Path: "/reset-password?token=" + url.QueryEscape(token), Lang: c.lang(r, "")}, Token: token}
	if err == nil {
		err = confirmed(v, "password")
	}
	var m *member.Member
	if err == nil {
		m, err = c.svc.Passwords.Confirm(anonymous(r), token, v.Get("password"))
	}
	if err != nil {
		c.formFailed(w, r, "password_reset", p, err)
		return
	}
	redirect(w, r, "/admin/login?login_id="+url.QueryEscape(m.LoginID), "password_reset_done")
}

// confirmed refuses a form whose password field and its "again" copy
// differ: a typo would lock the member out.
func confirmed(v url.Values, name string) error {
	if v.Get(name) == v.Get(name+"_again") {
		return nil
	}
	return errs.Field(name+"_again", "password.mismatch")
}

// changePage is the member's own password change (プロフィール > パスワード変更).
type changePage struct{ Page }

func (c *Console) changeFrame(r *http.Request) (Page, error) {
	return c.adminPage(r, "password.change.title", Crumb{Key: "profile.title", Href: "/admin/profile"}, Crumb{Key: "password.change.title"})
}

func (c *Console) changePage(w http.ResponseWriter, r *http.Request) {
	p, err := c.changeFrame(r)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	c.render(w, r, http.StatusOK, "password_change", &changePage{p})
}

// change sets the new password and ends the member's other sessions; this
// one stays signed in.
func (c *Console) change(w http.ResponseWriter, r *http.Request) {
	p, err := c.changeFrame(r)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	v, err := formValues(r)
	if err == nil {
		err = confirmed(v, "new_password")
	}
	if err == nil {
		_, err = c.svc.Passwords.Change(r.Context(), v.Get("current_password"), v.Get("new_password"))
	}
	if err != nil {
		c.formFailed(w, r, "password_change", &changePage{p}, err)
		return
	}
	redirect(w, r, "/admin/profile", "password_changed")
}

// adminResetPage confirms mailing a member a reset link.
type adminResetPage struct {
	Page
	Member *member.Member
}

func (c *Console) adminResetFrame(r *http.Request) (*adminResetPage, error) {
	id := r.PathValue("m")
	p, err := c.adminPage(r, "password.admin.title", Crumb{Key: "menu.member_list", Href: "/admin/members"},
		Crumb{Key: "members.edit.title", Href: "/admin/members/" + url.PathEscape(id)}, Crumb{Key: "password.admin.title"})
	v := &adminResetPage{Page: p}
	if err != nil {
		return v, err
	}
	v.Member, err = c.svc.Members.Get(r.Context(), actor(r).TenantID, id)
	return v, err
}

func (c *Console) adminResetPage(w http.ResponseWriter, r *http.Request) {
	v, err := c.adminResetFrame(r)
	if err != nil {
		c.fail(w, r, v.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "password_admin_reset", v)
}

// adminReset mails the link; a refusal (permissions, no e-mail address)
// shows the confirmation page again with the reason.
func (c *Console) adminReset(w http.ResponseWriter, r *http.Request) {
	v, err := c.adminResetFrame(r)
	if err != nil {
		c.fail(w, r, v.Page, err)
		return
	}
	if _, err := c.svc.Passwords.AdminReset(r.Context(), actor(r).TenantID, v.Member.ID); err != nil {
		c.formFailed(w, r, "password_admin_reset", v, err)
		return
	}
	redirect(w, r, "/admin/members/"+url.PathEscape(v.Member.ID), "password_reset_mailed")
}
