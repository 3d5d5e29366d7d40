package console

import (
	"net/http"

	"github.com/kanri/kanri/internal/member"
)

// memberTwoFactorPage lets the super admin reset a member's two-factor
// sign-in, for a member who lost their device.
type memberTwoFactorPage struct {
	Page
	Member *member.Member
	On     bool
}

func (c *Console) memberTwoFactorFrame(r *http.Request) (*memberTwoFactorPage, error) {
	p := &memberTwoFactorPage{}
	var err error
	p.Page, err = c.adminPage(r, "two_factor.member_title", Crumb{Key: "menu.members"}, Crumb{Key: "menu.member_list", Href: "/admin/members"},
		Crumb{Key: "two_factor.member_title"})
	tenantID, memberID := actor(r).TenantID, r.PathValue("m")
	if err == nil {
		p.On, err = c.svc.Sessions.MemberTwoFactorOn(r.Context(), tenantID, memberID)
	}
	if err == nil {
		p.Member, err = c.svc.Members.Get(r.Context(), tenantID, memberID)
	}
	return p, err
}

func (c *Console) memberTwoFactor(w http.ResponseWriter, r *http.Request) {
	p, err := c.memberTwoFactorFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "members_two_factor", p)
}

func (c *Console) resetTwoFactor(w http.ResponseWriter, r *http.Request) {
	m := r.PathValue("m")
	if err := c.svc.Sessions.ResetTwoFactor(r.Context(), actor(r).TenantID, m); err != nil {
		p, ferr := c.memberTwoFactorFrame(r)
		if ferr != nil {
			err = ferr
		}
		c.formFailed(w, r, "members_two_factor", p, err)
		return
	}
	redirect(w, r, "/admin/members/"+m+"/two-factor", "two_factor_reset")
}
