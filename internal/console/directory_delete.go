package console

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
)

// dirTarget is a department, position or group members can move to.
type dirTarget struct {
	ID, Label string // Label: the name, indented by depth for a department
}

// dirDeletePage deletes a department, position or group. With nobody
// attached it is a plain confirmation; else it is the seed's popup as a
// page: 部署をもう一度割り当てる (choose where the members go, then
// 割り当てて削除する), or delete leaving them without one, ticked
// explicitly.
type dirDeletePage struct {
	dirFrame
	Kind     string // "department", "position" or "group": part of the catalog keys
	ID, Name string
	Members  int
	Children int // a department's sub-departments, which move with its members
	Targets  []dirTarget
	Action   string // where the form posts
	Back     string // the list
	// UsedBy is the rule that matches members by what is deleted: it
	// must change first, so the page offers no deletion.
	UsedBy string
}

// InUse reports whether deleting moves anything, so that the page asks where to.
func (p *dirDeletePage) InUse() bool { return p.Members > 0 || p.Children > 0 }

// deleteFunc is the service's deletion of one kind.
type deleteFunc func(ctx context.Context, tenantID, id string, r member.Reassign) (member.Deleted, error)

// departmentDeletion loads the department of the URL with what moves:
// members to the department chosen, sub-departments under it (under the
// deleted one's parent when none is chosen). Those below it cannot take them.
func (c *Console) departmentDeletion(r *http.Request) (*dirDeletePage, error) {
	f, err := c.dirFrame(r, "departments", "directory.department.delete")
	p := &dirDeletePage{dirFrame: f, Kind: "department", Back: departmentsURL}
	if err != nil {
		return p, err
	}
	ds, err := c.svc.Members.Departments(r.Context(), actor(r).TenantID)
	if err != nil {
		return p, err
	}
	tree := deptTree(ds)
	p.ID = r.PathValue("dep")
	inside := below(tree, p.ID)
	for _, n := range tree {
		switch {
		case n.ID == p.ID:
			p.Name, p.Members = n.Name, n.Members
		case n.ParentID == p.ID:
			p.Children++
		}
		if !inside[n.ID] {
			p.Targets = append(p.Targets, dirTarget{n.ID, n.Indented()})
		}
	}
	if p.Name == "" {
		return p, errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.department"))
	}
	p.Action = departmentsURL + "/" + url.PathEscape(p.ID) + "/delete"
	return p, nil
}

// dirObject is a position or a group as a deletion page lists it.
type dirObject struct {
	ID, Name string
	Members  int
}

// positionDeletion loads the position of the URL; its members can take any other.
func (c *Console) positionDeletion(r *http.Request) (*dirDeletePage, error) {
	return c.flatDeletion(r, "position", positionsURL, "pos", func() ([]dirObject, error) {
		ps, err := c.svc.Members.Positions(r.Context(), actor(r).TenantID)
		out := make([]dirObject, len(ps))
		for i, x := range ps {
			out[i] = dirObject{x.ID, x.Name, x.Members}
		}
		return out, err
	})
}

// groupDeletion loads the group of the URL; its members can be added to
// any other group.
func (c *Console) groupDeletion(r *http.Request) (*dirDeletePage, error) {
	return c.flatDeletion(r, "group", groupsURL, "g", func() ([]dirObject, error) {
		gs, err := c.svc.Members.Groups(r.Context(), actor(r).TenantID)
		out := make([]dirObject, len(gs))
		for i, x := range gs {
			out[i] = dirObject{x.ID, x.Name, x.Members}
		}
		return out, err
	})
}

// flatDeletion loads the object of kind (position or group) that the URL's
// parameter param names, from list; every other one is a target.
func (c *Console) flatDeletion(r *http.Request, kind, back, param string, list func() ([]dirObject, error)) (*dirDeletePage, error) {
	f, err := c.dirFrame(r, kind+"s", "directory."+kind+".delete")
	p := &dirDeletePage{dirFrame: f, Kind: kind, Back: back, ID: r.PathValue(param)}
	if err != nil {
		return p, err
	}
	objs, err := list()
	if err != nil {
		return p, err
	}
	for _, x := range objs {
		if x.ID == p.ID {
			p.Name, p.Members = x.Name, x.Members
		} else {
			p.Targets = append(p.Targets, dirTarget{x.ID, x.Name})
		}
	}
	if p.Name == "" {
		if kind == "group" {
			return p, errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.group"))
		}
		return p, errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.position"))
	}
	p.Action = back + "/" + url.PathEscape(p.ID) + "/delete"
	return p, nil
}

// showDeletion renders the deletion page p loaded, or why it could not.
func (c *Console) showDeletion(w http.ResponseWriter, r *http.Request, p *dirDeletePage, err error) {
	if err == nil {
		p.UsedBy, err = c.ruleUsing(r, p.Kind, p.ID)
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_delete", p)
}

// ruleUsing returns the name of the first rule that matches members by
// the directory object id of kind (member.Match…), or "".
func (c *Console) ruleUsing(r *http.Request, kind, id string) (string, error) {
	rules, err := c.svc.Members.Rules(r.Context(), actor(r).TenantID)
	for _, rule := range rules {
		if rule.MatchKind == kind && rule.MatchID == id {
			return rule.Name, err
		}
	}
	return "", err
}

// runDeletion deletes what p loaded: its members go to the form's
// reassign_to, or nowhere with confirm ticked; the service refuses to
// delete what is in use without either, and the page says why.
func (c *Console) runDeletion(w http.ResponseWriter, r *http.Request, p *dirDeletePage, err error, del deleteFunc) {
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	var d member.Deleted
	if p.Form.Values, err = formValues(r); err == nil {
		d, err = del(r.Context(), actor(r).TenantID, p.ID,
			member.Reassign{To: p.Form.Values.Get("reassign_to"), Confirm: p.Form.Values.Get("confirm") != ""})
	}
	if err != nil {
		c.formFailed(w, r, "directory_delete", p, err)
		return
	}
	flash := "directory_" + p.Kind + "_deleted"
	if d.To != "" {
		flash = "directory_" + p.Kind + "_reassigned"
	}
	redirect(w, r, p.Back, flash)
}

func (c *Console) confirmDeleteDepartment(w http.ResponseWriter, r *http.Request) {
	p, err := c.departmentDeletion(r)
	c.showDeletion(w, r, p, err)
}

func (c *Console) deleteDepartment(w http.ResponseWriter, r *http.Request) {
	p, err := c.departmentDeletion(r)
	c.runDeletion(w, r, p, err, c.svc.Members.DeleteDepartment)
}

func (c *Console) confirmDeletePosition(w http.ResponseWriter, r *http.Request) {
	p, err := c.positionDeletion(r)
	c.showDeletion(w, r, p, err)
}

func (c *Console) deletePosition(w http.ResponseWriter, r *http.Request) {
	p, err := c.positionDeletion(r)
	c.runDeletion(w, r, p, err, c.svc.Members.DeletePosition)
}

func (c *Console) confirmDeleteGroup(w http.ResponseWriter, r *http.Request) {
	p, err := c.groupDeletion(r)
	c.showDeletion(w, r, p, err)
}

func (c *Console) deleteGroup(w http.ResponseWriter, r *http.Request) {
	p, err := c.groupDeletion(r)
	c.runDeletion(w, r, p, err, c.svc.Members.DeleteGroup)
}
