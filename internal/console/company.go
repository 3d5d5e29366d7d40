package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/tenant"
)

func (c *Console) registerCompany(rt *router) {
	rt.page("/admin/settings/company", c.member(c.company))
	rt.post("/admin/settings/company", c.member(c.saveCompany))
	rt.post("/admin/settings/company/works-group", c.member(c.renameWorksGroup))
}

// companyPage is 会社情報: basic information, language and region, and
// notices. The works-group name has a form of its own (変更).
type companyPage struct {
	Page
	Tenant        *tenant.Tenant
	RenameRefused bool      // the works-group form was refused: keep it open
	now           time.Time // for the zones' current offsets
}

// Languages are the tenant languages the select offers.
func (companyPage) Languages() []string { return []string{langJA, langEN} }

// commonZones are the time zones the select offers, east to west; the API
// takes any IANA name, and a tenant's own is offered too.
var commonZones = []string{"Pacific/Auckland", "Australia/Sydney", "Asia/Tokyo", "Asia/Seoul", "Asia/Shanghai",
	"Asia/Taipei", "Asia/Hong_Kong", "Asia/Manila", "Asia/Singapore", "Asia/Bangkok", "Asia/Ho_Chi_Minh",
	"Asia/Jakarta", "Asia/Kolkata", "Asia/Dubai", "Europe/Berlin", "Europe/Paris", "Europe/London", "UTC",
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu"}

// zoneChoice is one time zone of the select: its IANA name and its
// current offset from UTC.
type zoneChoice struct{ Name, Offset string }

// Zones are the time zones the select offers, with the tenant's own.
func (p companyPage) Zones() []zoneChoice {
	names := commonZones
	if cur := p.Value("time_zone"); cur != "" && !slices.Contains(names, cur) {
		names = append([]string{cur}, names...)
	}
	out := make([]zoneChoice, 0, len(names))
	for _, n := range names {
		loc, err := tenant.LoadZone(n)
		if err != nil {
			continue // a name the tenant typed in the API that no longer loads
		}
		out = append(out, zoneChoice{Name: n, Offset: p.now.In(loc).Format("-07:00")})
	}
	return out
}

// Recipients are the notice recipient choices, in the seed's order.
func (companyPage) Recipients() []string {
	return []string{tenant.RecipientsAdmins, tenant.RecipientsAll}
}

// companyFrame loads the frame and the tenant for the company screen;
// members without tenant.manage are refused before anything is shown.
func (c *Console) companyFrame(r *http.Request) (*companyPage, error) {
	p, err := c.adminPage(r, "menu.company", Crumb{Key: "menu.settings"}, Crumb{Key: "menu.company"})
	cp := &companyPage{Page: p, now: c.cfg.Clock.Now()}
	if err != nil {
		return cp, err
	}
	a := actor(r)
	if _, err := auth.Require(r.Context(), a.TenantID, auth.PermTenantManage); err != nil {
		return cp, err
	}
	if cp.Tenant, err = c.svc.Tenants.Get(r.Context(), a.TenantID); err != nil {
		return cp, err
	}
	cp.Form.Values = companyValues(cp.Tenant)
	return cp, nil
}

// companyValues are the form's values for t as it is stored.
func companyValues(t *tenant.Tenant) url.Values {
	return url.Values{
		"works_group":       {t.WorksGroup},
		"company_name":      {t.CompanyName},
		"phone":             {t.Phone},
		"language":          {t.Language},
		"region":            {t.Region},
		"notices_enabled":   {strconv.FormatBool(t.NoticesEnabled)},
		"notice_recipients": {t.NoticeRecipients},
		"time_zone":         {t.TimeZone},
	}
}

func (c *Console) company(w http.ResponseWriter, r *http.Request) {
	p, err := c.companyFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "company_edit", p)
}

// saveCompany saves everything but the works-group name.
func (c *Console) saveCompany(w http.ResponseWriter, r *http.Request) {
	p, err := c.companyFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	v, err := formValues(r)
	if err != nil {
		c.formFailed(w, r, "company_edit", p, err)
		return
	}
	for _, name := range []string{"company_name", "phone", "language", "region", "time_zone", "notices_enabled", "notice_recipients"} {
		if _, sent := v[name]; sent {
			p.Form.Values.Set(name, v.Get(name))
		}
	}
	prof, err := companyProfile(v)
	if err == nil {
		_, err = c.svc.Tenants.Update(r.Context(), p.Tenant.ID, prof)
	}
	if err != nil {
		c.formFailed(w, r, "company_edit", p, err)
		return
	}
	redirect(w, r, "/admin/settings/company", "company_saved")
}

// companyProfile reads the main form; a field left out stays unchanged.
func companyProfile(v url.Values) (tenant.Profile, error) {
	opt := func(name string) *string {
		if _, sent := v[name]; !sent {
			return nil
		}
		return field(v, name)
	}
	p := tenant.Profile{CompanyName: opt("company_name"), Phone: opt("phone"), Language: opt("language"),
		Region: opt("region"), NoticeRecipients: opt("notice_recipients"), TimeZone: opt("time_zone")}
	if s := opt("notices_enabled"); s != nil {
		on, err := strconv.ParseBool(*s)
		if err != nil {
			return p, errs.Field("notices_enabled", "console.notices_enabled_invalid")
		}
		p.NoticesEnabled = &on
	}
	return p, nil
}

// renameWorksGroup changes the works-group name; login ids keep their
// domain (docs/NOTES.md, "Renaming the works group").
func (c *Console) renameWorksGroup(w http.ResponseWriter, r *http.Request) {
	p, err := c.companyFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	v, err := formValues(r)
	if err == nil {
		p.Form.Values.Set("works_group", v.Get("works_group"))
		_, err = c.svc.Tenants.Update(r.Context(), p.Tenant.ID, tenant.Profile{WorksGroup: field(v, "works_group")})
	}
	if err != nil {
		p.RenameRefused = true
		p.Path = "/admin/settings/company" // where a language switch returns
		c.formFailed(w, r, "company_edit", p, err)
		return
	}
	redirect(w, r, "/admin/settings/company", "company_works_group_changed")
}
