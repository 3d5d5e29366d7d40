package console

import (
	"net/http"
	"net/url"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
)

// positionsPage is 役職: the positions with member counts and the form
// that adds one.
type positionsPage struct {
	dirFrame
	Positions []*member.Position
}

func (c *Console) positionsFrame(r *http.Request) (*positionsPage, error) {
	f, err := c.dirFrame(r, "positions", "")
	p := &positionsPage{dirFrame: f}
	if err == nil {
		p.Positions, err = c.svc.Members.Positions(r.Context(), actor(r).TenantID)
	}
	return p, err
}

func (c *Console) positions(w http.ResponseWriter, r *http.Request) {
	p, err := c.positionsFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_positions", p)
}

func (c *Console) createPosition(w http.ResponseWriter, r *http.Request) {
	p, err := c.positionsFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Form.Values, err = formValues(r); err == nil {
		_, err = c.svc.Members.SavePosition(r.Context(), actor(r).TenantID, "", p.Form.Values.Get("name"))
	}
	if err != nil {
		c.formFailed(w, r, "directory_positions", p, err)
		return
	}
	redirect(w, r, positionsURL, "directory_position_created")
}

// positionPage renames a position.
type positionPage struct {
	dirFrame
	Position *member.Position
}

// positionFrame loads the position of the URL; another tenant's is NotFound.
func (c *Console) positionFrame(r *http.Request) (*positionPage, error) {
	f, err := c.dirFrame(r, "positions", "directory.positions.edit")
	p := &positionPage{dirFrame: f}
	if err != nil {
		return p, err
	}
	ps, err := c.svc.Members.Positions(r.Context(), actor(r).TenantID)
	if err != nil {
		return p, err
	}
	for _, x := range ps {
		if x.ID == r.PathValue("pos") {
			p.Position = x
			p.Form.Values = url.Values{"name": {x.Name}}
			return p, nil
		}
	}
	return p, errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.position"))
}

func (c *Console) editPosition(w http.ResponseWriter, r *http.Request) {
	p, err := c.positionFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_position", p)
}

func (c *Console) updatePosition(w http.ResponseWriter, r *http.Request) {
	p, err := c.positionFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Form.Values, err = formValues(r); err == nil {
		_, err = c.svc.Members.SavePosition(r.Context(), actor(r).TenantID, p.Position.ID, p.Form.Values.Get("name"))
	}
	if err != nil {
		c.formFailed(w, r, "directory_position", p, err)
		return
	}
	redirect(w, r, positionsURL, "directory_position_updated")
}

// groupsPage is グループ: the groups with their aliases and member counts,
// and the form that adds one.
type groupsPage struct {
	dirFrame
	Groups []*member.Group
}

func (c *Console) groupsFrame(r *http.Request) (*groupsPage, error) {
	f, err := c.dirFrame(r, "groups", "")
	p := &groupsPage{dirFrame: f}
	if err == nil {
		p.Groups, err = c.svc.Members.Groups(r.Context(), actor(r).TenantID)
	}
	return p, err
}

func (c *Console) groups(w http.ResponseWriter, r *http.Request) {
	p, err := c.groupsFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_groups", p)
}

func (c *Console) createGroup(w http.ResponseWriter, r *http.Request) {
	p, err := c.groupsFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Form.Values, err = formValues(r); err == nil {
		_, err = c.svc.Members.SaveGroup(r.Context(), actor(r).TenantID, "", groupInput(p.Form.Values))
	}
	if err != nil {
		c.formFailed(w, r, "directory_groups", p, err)
		return
	}
	redirect(w, r, groupsURL, "directory_group_created")
}

func groupInput(v url.Values) member.GroupInput {
	return member.GroupInput{Name: v.Get("name"), Alias: v.Get("alias")}
}

// groupPage renames a group or changes its alias.
type groupPage struct {
	dirFrame
	Group *member.Group
}

// groupFrame loads the group of the URL; another tenant's is NotFound.
func (c *Console) groupFrame(r *http.Request) (*groupPage, error) {
	f, err := c.dirFrame(r, "groups", "directory.groups.edit")
	p := &groupPage{dirFrame: f}
	if err != nil {
		return p, err
	}
	gs, err := c.svc.Members.Groups(r.Context(), actor(r).TenantID)
	if err != nil {
		return p, err
	}
	for _, g := range gs {
		if g.ID == r.PathValue("g") {
			p.Group = g
			p.Form.Values = url.Values{"name": {g.Name}, "alias": {g.Alias}}
			return p, nil
		}
	}
	return p, errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.group"))
}

func (c *Console) editGroup(w http.ResponseWriter, r *http.Request) {
	p, err := c.groupFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_group", p)
}

func (c *Console) updateGroup(w http.ResponseWriter, r *http.Request) {
	p, err := c.groupFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Form.Values, err = formValues(r); err == nil {
		_, err = c.svc.Members.SaveGroup(r.Context(), actor(r).TenantID, p.Group.ID, groupInput(p.Form.Values))
	}
	if err != nil {
		c.formFailed(w, r, "directory_group", p, err)
		return
	}
	redirect(w, r, groupsURL, "directory_group_updated")
}
