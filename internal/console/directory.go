package console

import (
	"net/http"
	"strings"

	"github.com/kanri/kanri/internal/member"
)

// The directory's screens under メンバー (SPEC §2, the seed's Zoho One
// Directory): 部署, グループ, 役職, 項目の管理 and 条件. Every one needs
// members.manage, as the service does.
const (
	departmentsURL = "/admin/departments"
	groupsURL      = "/admin/groups"
	positionsURL   = "/admin/positions"
	fieldsURL      = "/admin/fields"
	rulesURL       = "/admin/rules"
)

func (c *Console) registerDirectory(rt *router) {
	manage := func(h http.HandlerFunc) http.HandlerFunc { return c.member(c.managesMembers(h)) }
	rt.page(departmentsURL, manage(c.departments))
	rt.post(departmentsURL, manage(c.createDepartment))
	rt.page(departmentsURL+"/{dep}", manage(c.editDepartment))
	rt.post(departmentsURL+"/{dep}", manage(c.updateDepartment))
	rt.page(departmentsURL+"/{dep}/delete", manage(c.confirmDeleteDepartment))
	rt.post(departmentsURL+"/{dep}/delete", manage(c.deleteDepartment))
	rt.page(groupsURL, manage(c.groups))
	rt.post(groupsURL, manage(c.createGroup))
	rt.page(groupsURL+"/{g}", manage(c.editGroup))
	rt.post(groupsURL+"/{g}", manage(c.updateGroup))
	rt.page(groupsURL+"/{g}/delete", manage(c.confirmDeleteGroup))
	rt.post(groupsURL+"/{g}/delete", manage(c.deleteGroup))
	rt.page(positionsURL, manage(c.positions))
	rt.post(positionsURL, manage(c.createPosition))
	rt.page(positionsURL+"/{pos}", manage(c.editPosition))
	rt.post(positionsURL+"/{pos}", manage(c.updatePosition))
	rt.page(positionsURL+"/{pos}/delete", manage(c.confirmDeletePosition))
	rt.post(positionsURL+"/{pos}/delete", manage(c.deletePosition))
	c.registerFields(rt, manage)
	c.registerRules(rt, manage)
}

// dirFrame is what every directory page shares: the frame, with the
// breadcrumb メイン > メンバー > the screen's list > the page.
type dirFrame struct{ Page }

// dirFrame returns the frame of a page of the list section ("departments",
// "groups", …); title "" is the list itself.
func (c *Console) dirFrame(r *http.Request, section, title string) (dirFrame, error) {
	list := Crumb{Key: "menu." + section}
	crumbs := []Crumb{{Key: "menu.members"}, list}
	if title == "" {
		title = list.Key
	} else {
		crumbs[1].Href = "/admin/" + section
		crumbs = append(crumbs, Crumb{Key: title})
	}
	p, err := c.adminPage(r, title, crumbs...)
	return dirFrame{p}, err
}

// deptNode is a department in the tree's order: each after its parent,
// with its depth (0 at the top) and its parent's name.
type deptNode struct {
	*member.Department
	Depth  int
	Parent string
}

// Pad is the indentation of the department's depth: ideographic spaces,
// which neither HTML nor a select's option collapses.
func (d deptNode) Pad() string { return strings.Repeat("\u3000", d.Depth) }

// Indented is the department's name after its indentation.
func (d deptNode) Indented() string { return d.Pad() + d.Name }

// deptTree orders ds as a tree, keeping the service's order among
// siblings; a department whose parent is missing counts as a top one.
func deptTree(ds []*member.Department) []deptNode {
	byID := make(map[string]*member.Department, len(ds))
	for _, d := range ds {
		byID[d.ID] = d
	}
	children := map[string][]*member.Department{}
	for _, d := range ds {
		parent := d.ParentID
		if byID[parent] == nil {
			parent = ""
		}
		children[parent] = append(children[parent], d)
	}
	var out []deptNode
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		for _, d := range children[parent] {
			n := deptNode{Department: d, Depth: depth}
			if p := byID[d.ParentID]; p != nil {
				n.Parent = p.Name
			}
			out = append(out, n)
			walk(d.ID, depth+1)
		}
	}
	walk("", 0)
	return out
}

// below returns id and every department under it in tree.
func below(tree []deptNode, id string) map[string]bool {
	in := map[string]bool{id: true}
	for _, n := range tree { // a parent comes before its children
		if in[n.ParentID] {
			in[n.ID] = true
		}
	}
	return in
}
