package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kanri/kanri/internal/member"
)

// profilePage shows the signed-in member their own profile — what every
// member, admin or not, may see (SPEC §1) — with a form for what they may
// change themselves: name, phone, e-mail (with their current password) and
// the language of their console and mails.
type profilePage struct {
	Page
	Member *member.Member
	// Groups names the member's groups.
	Groups []string
	Fields []profileField // the custom fields with a value
}

// GroupList is the groups' names as a list in the page's language.
func (p *profilePage) GroupList() string {
	if p.Lang == langEN {
		return strings.Join(p.Groups, ", ")
	}
	return strings.Join(p.Groups, "、")
}

// profileField is a custom field and the member's value of it.
type profileField struct{ Name, Value string }

// profileFrame is the profile page of the signed-in member with the form's
// values v; nil v fills the form from the stored profile.
func (c *Console) profileFrame(r *http.Request, v url.Values) (*profilePage, error) {
	p, err := c.adminPage(r, "profile.title", Crumb{Key: "profile.title"})
	f := &profilePage{Page: p}
	if err != nil {
		return f, err
	}
	a := actor(r)
	if f.Member, err = c.svc.Members.Get(r.Context(), a.TenantID, a.ID); err != nil {
		return f, err
	}
	if err := c.profileDirectory(r, f); err != nil {
		return f, err
	}
	if v == nil {
		v = url.Values{"display_name": {f.Member.DisplayName}, "phone": {f.Member.Phone}, "email": {f.Member.Email},
			"language": {f.Member.Language}}
	}
	f.Form.Values = v
	return f, nil
}

// Languages are the choices of the language select: the tenant's ("")
// first.
func (profilePage) Languages() []string { return []string{"", langJA, langEN} }

func (c *Console) profile(w http.ResponseWriter, r *http.Request) {
	f, err := c.profileFrame(r, nil)
	if err != nil {
		c.fail(w, r, f.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "profile", f)
}

// profileUpdate saves the member's own name, phone and e-mail; a refusal
// (a wrong password, a control character in the name) is shown on the form.
func (c *Console) profileUpdate(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	f, ferr := c.profileFrame(r, v)
	if ferr != nil {
		c.fail(w, r, f.Page, ferr)
		return
	}
	if err != nil {
		c.formFailed(w, r, "profile", f, err)
		return
	}
	e := member.Edit{Profile: member.Profile{DisplayName: field(v, "display_name"), Phone: field(v, "phone"), Email: field(v, "email"),
		Language: field(v, "language")}, CurrentPassword: v.Get("current_password")}
	m, err := c.svc.Members.Update(r.Context(), actor(r).TenantID, actor(r).ID, e)
	if err != nil {
		c.formFailed(w, r, "profile", f, err)
		return
	}
	if m.Language != f.Member.Language { // the choice made here outranks an earlier switch in this browser
		c.rememberLang(w, m.Language)
	}
	redirect(w, r, "/admin/profile", "profile_updated")
}

// profileDirectory names the member's groups and custom field values.
func (c *Console) profileDirectory(r *http.Request, f *profilePage) error {
	ctx, a := r.Context(), actor(r)
	if len(f.Member.GroupIDs) > 0 {
		gs, err := c.svc.Members.Groups(ctx, a.TenantID)
		if err != nil {
			return err
		}
		for _, g := range gs {
			if slices.Contains(f.Member.GroupIDs, g.ID) {
				f.Groups = append(f.Groups, g.Name)
			}
		}
	}
	fields, err := c.svc.Members.Fields(ctx, a.TenantID)
	if err != nil {
		return err
	}
	for _, fd := range fields {
		if v := f.Member.Fields[fd.ID]; v != "" {
			f.Fields = append(f.Fields, profileField{fd.Name, v})
		}
	}
	return nil
}
