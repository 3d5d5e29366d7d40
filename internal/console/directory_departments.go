package console

import (
	"net/http"
	"net/url"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
)

// departmentsPage is 部署: the tree with member counts and the form that
// adds a department.
type departmentsPage struct {
	dirFrame
	Tree []deptNode
}

// departmentsFrame reads the tree for the list.
func (c *Console) departmentsFrame(r *http.Request) (*departmentsPage, error) {
	f, err := c.dirFrame(r, "departments", "")
	p := &departmentsPage{dirFrame: f}
	if err != nil {
		return p, err
	}
	ds, err := c.svc.Members.Departments(r.Context(), actor(r).TenantID)
	p.Tree = deptTree(ds)
	return p, err
}

func (c *Console) departments(w http.ResponseWriter, r *http.Request) {
	p, err := c.departmentsFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_departments", p)
}

// createDepartment adds a department at the top or under the parent chosen.
func (c *Console) createDepartment(w http.ResponseWriter, r *http.Request) {
	p, err := c.departmentsFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Form.Values, err = formValues(r); err == nil {
		_, err = c.svc.Members.CreateDepartment(r.Context(), actor(r).TenantID, departmentInput(p.Form.Values))
	}
	if err != nil {
		c.formFailed(w, r, "directory_departments", p, err)
		return
	}
	redirect(w, r, departmentsURL, "directory_department_created")
}

func departmentInput(v url.Values) member.DepartmentInput {
	return member.DepartmentInput{Name: v.Get("name"), ParentID: v.Get("parent_id")}
}

// departmentPage renames a department or moves it: the parents offered
// are every department but itself and those below it.
type departmentPage struct {
	dirFrame
	Department deptNode
	Parents    []deptNode
}

// departmentFrame loads the department of the URL; another tenant's is
// NotFound.
func (c *Console) departmentFrame(r *http.Request) (*departmentPage, error) {
	f, err := c.dirFrame(r, "departments", "directory.departments.edit")
	p := &departmentPage{dirFrame: f}
	if err != nil {
		return p, err
	}
	ds, err := c.svc.Members.Departments(r.Context(), actor(r).TenantID)
	if err != nil {
		return p, err
	}
	tree := deptTree(ds)
	id := r.PathValue("dep")
	inside := below(tree, id)
	found := false
	for _, n := range tree {
		if n.ID == id {
			p.Department, found = n, true
		}
		if !inside[n.ID] {
			p.Parents = append(p.Parents, n)
		}
	}
	if !found {
		return p, errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.department"))
	}
	p.Form.Values = url.Values{"name": {p.Department.Name}, "parent_id": {p.Department.ParentID}}
	return p, nil
}

func (c *Console) editDepartment(w http.ResponseWriter, r *http.Request) {
	p, err := c.departmentFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_department", p)
}

func (c *Console) updateDepartment(w http.ResponseWriter, r *http.Request) {
	p, err := c.departmentFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Form.Values, err = formValues(r); err == nil {
		_, err = c.svc.Members.UpdateDepartment(r.Context(), actor(r).TenantID, p.Department.ID, departmentInput(p.Form.Values))
	}
	if err != nil {
		c.formFailed(w, r, "directory_department", p, err)
		return
	}
	redirect(w, r, departmentsURL, "directory_department_updated")
}
