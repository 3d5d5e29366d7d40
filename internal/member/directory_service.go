package member

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/text"
)

// Reassign says where a deleted directory object's members go: To (an
// object of the same kind), or nowhere when Confirm is set. Deleting an
// object in use without either is refused, saying how many are attached.
type Reassign struct {
	To      string
	Confirm bool
}

// Deleted is what a deletion did to the members attached.
type Deleted struct {
	Members  int    `json:"members"`            // members moved (or left without one)
	Children int    `json:"children,omitempty"` // sub-departments moved
	To       string `json:"to,omitempty"`
}

// directoryAdmin checks that the caller may change tenantID's directory.
func directoryAdmin(ctx context.Context, tenantID string) (*auth.Actor, error) {
	return auth.Require(ctx, tenantID, auth.PermMembersManage)
}

// event records a directory change in the audit trail and as a webhook
// event of the same name.
func (s *Service) event(ctx context.Context, now time.Time, tenantID, action, kind, id string, before, after any) error {
	if err := s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, tenantID, action, kind, id, before, after)); err != nil {
		return err
	}
	data := map[string]any{"id": id}
	if after != nil {
		data["after"] = after
	}
	if before != nil {
		data["before"] = before
	}
	return s.Notify.Emit(ctx, tenantID, action, data)
}

// notMatchedByRule refuses to delete what a rule matches members by,
// naming the rule to change first.
func (s *Service) notMatchedByRule(ctx context.Context, tenantID, kind, id string) error {
	rules, err := s.Store.ListRules(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if r.MatchKind == kind && r.MatchID == id {
			return errs.E(errs.FailedPrecondition, "directory.used_by_rule", "rule", r.Name)
		}
	}
	return nil
}

// Departments lists tenantID's departments with their member counts.
func (s *Service) Departments(ctx context.Context, tenantID string) ([]*Department, error) {
	if _, err := directoryAdmin(ctx, tenantID); err != nil {
		return nil, err
	}
	return s.countedDepartments(ctx, tenantID)
}

// countedDepartments lists tenantID's departments with their member counts.
func (s *Service) countedDepartments(ctx context.Context, tenantID string) ([]*Department, error) {
	ds, err := s.Store.ListDepartments(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	n, err := s.Store.DirectoryCounts(ctx, tenantID, MatchDepartment)
	for _, d := range ds {
		d.Members = n[d.ID]
	}
	return ds, err
}

// counted returns how many live members the object id of kind has.
func (s *Service) counted(ctx context.Context, tenantID, kind, id string) (int, error) {
	n, err := s.Store.DirectoryCounts(ctx, tenantID, kind)
	return n[id], err
}

// DepartmentInput is a department to create or change.
type DepartmentInput struct {
	Name     string
	ParentID string // "" at the top
}

// CreateDepartment adds a department. Errors: Invalid, Conflict, NotFound (parent).
func (s *Service) CreateDepartment(ctx context.Context, tenantID string, in DepartmentInput) (*Department, error) {
	return s.saveDepartment(ctx, tenantID, "", in)
}

// UpdateDepartment renames a department or moves it under another (never
// under itself or below it).
func (s *Service) UpdateDepartment(ctx context.Context, tenantID, id string, in DepartmentInput) (*Department, error) {
	return s.saveDepartment(ctx, tenantID, id, in)
}

func (s *Service) saveDepartment(ctx context.Context, tenantID, id string, in DepartmentInput) (*Department, error) {
	if _, err := directoryAdmin(ctx, tenantID); err != nil {
		return nil, err
	}
	name, err := directoryName(in.Name)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	d := &Department{ID: s.IDs.New("dep"), TenantID: tenantID, CreatedAt: now}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		var before *Department
		if id != "" {
			if d, err = s.Store.GetDepartment(ctx, tenantID, id); err != nil {
				return err
			}
			b := *d
			before = &b
		}
		if in.ParentID != "" {
			all, err := s.Store.ListDepartments(ctx, tenantID)
			if err != nil {
				return err
			}
			i := slices.IndexFunc(all, func(p *Department) bool { return p.ID == in.ParentID })
			if i < 0 {
				return missing(errs.Field("parent_id", "directory.department_unknown", "id", text.Printable(in.ParentID)))
			}
			if id != "" && subtree(all, id)[in.ParentID] {
				return errs.Field("parent_id", "directory.department_cycle", "department", name, "parent", all[i].Name)
			}
		}
		d.Name, d.ParentID = name, in.ParentID
		action := "department.updated"
		if before == nil {
			action, err = "department.created", s.Store.CreateDepartment(ctx, d)
		} else {
			err = s.Store.UpdateDepartment(ctx, d)
		}
		if err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Taken("name", err, "directory.department_name_taken", "name", name)
			}
			return err
		}
		return s.event(ctx, now, tenantID, action, "department", d.ID, departmentSnap(before), departmentSnap(d))
	})
	if err != nil {
		return nil, fmt.Errorf("save department: %w", err)
	}
	return d, nil
}

func departmentSnap(d *Department) any {
	if d == nil {
		return nil
	}
	return map[string]string{"name": d.Name, "parent_id": d.ParentID}
}

// DeleteDepartment deletes a department, moving its members to r.To and
// its sub-departments under r.To (under its own parent without one), in one
// transaction. Errors: NotFound, FailedPrecondition (in use, no choice
// made), Invalid (r.To inside what is deleted).
func (s *Service) DeleteDepartment(ctx context.Context, tenantID, id string, r Reassign) (Deleted, error) {
	if _, err := directoryAdmin(ctx, tenantID); err != nil {
		return Deleted{}, err
	}
	now := s.Clock.Now()
	var out Deleted
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		all, err := s.countedDepartments(ctx, tenantID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(all, func(d *Department) bool { return d.ID == id })
		if i < 0 {
			return errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.department"))
		}
		d := all[i]
		if err := s.notMatchedByRule(ctx, tenantID, MatchDepartment, id); err != nil {
			return err
		}
		for _, c := range all {
			if c.ParentID == id {
				out.Children++
			}
		}
		out.Members, out.To = d.Members, r.To
		if (out.Members > 0 || out.Children > 0) && r.To == "" && !r.Confirm {
			return errs.E(errs.FailedPrecondition, "directory.department_in_use", "department", d.Name, "members", out.Members, "children", out.Children)
		}
		if r.To != "" {
			j := slices.IndexFunc(all, func(t *Department) bool { return t.ID == r.To })
			if j < 0 {
				return missing(errs.Field("reassign_to", "directory.department_unknown", "id", text.Printable(r.To)))
			}
			if subtree(all, id)[r.To] {
				return errs.Field("reassign_to", "directory.department_reassign_inside", "department", d.Name, "to", all[j].Name)
			}
		}
		if err := s.Store.DeleteDepartment(ctx, tenantID, id, r.To); err != nil {
			return err
		}
		if err := s.assign(ctx, tenantID, nil); err != nil {
			return err
		}
		return s.event(ctx, now, tenantID, "department.deleted", "department", id, departmentSnap(d), out)
	})
	if err != nil {
		return Deleted{}, fmt.Errorf("delete department: %w", err)
	}
	return out, nil
}

// Positions lists tenantID's positions with their member counts.
func (s *Service) Positions(ctx context.Context, tenantID string) ([]*Position, error) {
	if _, err := directoryAdmin(ctx, tenantID); err != nil {
		return nil, err
	}
	ps, err := s.Store.ListPositions(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	n, err := s.Store.DirectoryCounts(ctx, tenantID, MatchPosition)
	for _, p := range ps {
		p.Members = n[p.ID]
	}
	return ps, err
}

// SavePosition creates a position (id "") or renames one.
// Errors: Invalid, Conflict, NotFound.
func (s *Service) SavePosition(ctx context.Context, tenantID, id, name string) (*Position, error) {
	if _, err := directoryAdmin(ctx, tenantID); err != nil {
		return nil, err
	}
	name, err := directoryName(name)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	p := &Position{ID: s.IDs.New("pos"), TenantID: tenantID, CreatedAt: now}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		var before any
		action := "position.created"
		if id != "" {
			if p, err = s.Store.GetPosition(ctx, tenantID, id); err != nil {
				return err
			}
			before, action = map[string]string{"name": p.Name}, "position.updated"
		}
		p.Name = name
		if id == "" {
			err = s.Store.CreatePosition(ctx, p)
		} else {
			err = s.Store.UpdatePosition(ctx, p)
		}
		if err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Taken("name", err, "directory.position_name_taken", "name", name)
			}
			return err
		}
		return s.event(ctx, now, tenantID, action, "position", p.ID, before, map[string]string{"name": p.Name})
	})
	if err != nil {
		return nil, fmt.Errorf("save position: %w", err)
	}
	return p, nil
}

// DeletePosition deletes a position, giving its members r.To instead (or
// none, confirmed), in one transaction.
func (s *Service) DeletePosition(ctx context.Context, tenantID, id string, r Reassign) (Deleted, error) {
	if _, err := directoryAdmin(ctx, tenantID); err != nil {
		return Deleted{}, err
	}
	now := s.Clock.Now()
	var out Deleted
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		p, err := s.Store.GetPosition(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if err := s.notMatchedByRule(ctx, tenantID, MatchPosition, id); err != nil {
			return err
		}
		if p.Members, err = s.counted(ctx, tenantID, MatchPosition, id); err != nil {
			return err
		}
		out.Members, out.To = p.Members, r.To
		if p.Members > 0 && r.To == "" && !r.Confirm {
			return errs.E(errs.FailedPrecondition, "directory.position_in_use", "position", p.Name, "members", p.Members)
		}
		if r.To != "" {
			if r.To == id {
				return errs.Field("reassign_to", "directory.reassign_to_itself")
			}
			if _, err := s.Store.GetPosition(ctx, tenantID, r.To); errs.Is(err, errs.NotFound) {
				return missing(errs.Field("reassign_to", "directory.position_unknown", "id", text.Printable(r.To)))
			} else if err != nil {
				return err
			}
		}
		if err := s.Store.DeletePosition(ctx, tenantID, id, r.To); err != nil {
			return err
		}
		if err := s.assign(ctx, tenantID, nil); err != nil {
			return err
		}
		return s.event(ctx, now, tenantID, "position.deleted", "position", id, map[string]string{"name": p.Name}, out)
	})
	if err != nil {
		return Deleted{}, fmt.Errorf("delete position: %w", err)
	}
	return out, nil
}

// Groups lists tenantID's groups with their member counts and aliases;
// any member may read them (their own profile names their groups).
func (s *Service) Groups(ctx context.Context, tenantID string) ([]*Group, error) {
	if _, err := auth.Require(ctx, tenantID); err != nil {
		return nil, err
	}
	gs, err := s.Store.ListGroups(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	n, err := s.Store.DirectoryCounts(ctx, tenantID, MatchGroup)
	for _, g := range gs {
		g.Members = n[g.ID]
	}
	return gs, err
}

// GroupInput is a group to create or change; Alias is local@domain on one
// of the tenant's active domains, or "".
type GroupInput struct {
	Name  string
	Alias string
}

// SaveGroup creates a group (id "") or changes one.
// Errors: Invalid, Conflict (name or alias taken), NotFound.
func (s *Service) SaveGroup(ctx context.Context, tenantID, id string, in GroupInput) (*Group, error) {
	if _, err := directoryAdmin(ctx, tenantID); err != nil {
		return nil, err
	}
	name, err := directoryName(in.Name)
	if err != nil {
		return nil, err
	}
	alias, err := text.Line("alias", in.Alias)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	g := &Group{ID: s.IDs.New("grp"), TenantID: tenantID, CreatedAt: now}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		var before any
		action := "group.created"
		if id != "" {
			if g, err = s.Store.GetGroup(ctx, tenantID, id); err != nil {
				return err
			}
			before, action = groupSnap(g), "group.updated"
		}
		g.Name, g.AliasLocal, g.AliasDomainID, g.Alias = name, "", "", ""
		if alias != "" {
			if err := s.setAlias(ctx, g, alias); err != nil {
				return err
			}
		}
		if id == "" {
			err = s.Store.CreateGroup(ctx, g)
		} else {
			err = s.Store.UpdateGroup(ctx, g)
		}
		if errs.Is(err, errs.Conflict) && g.Alias != "" {
			// The name or the alias: tell which.
			gs, lerr := s.Store.ListGroups(ctx, tenantID)
			if lerr != nil {
				return lerr
			}
			if slices.ContainsFunc(gs, func(o *Group) bool { return o.ID != g.ID && o.Alias == g.Alias }) {
				return errs.Taken("alias", err, "directory.alias_taken", "alias", g.Alias)
			}
		}
		if err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Taken("name", err, "directory.group_name_taken", "name", name)
			}
			return err
		}
		return s.event(ctx, now, tenantID, action, "group", g.ID, before, groupSnap(g))
	})
	if err != nil {
		return nil, fmt.Errorf("save group: %w", err)
	}
	return g, nil
}

// setAlias checks alias (local@domain) and sets it on g: the domain must be
// one of the tenant's active domains, and the address no member's login id.
func (s *Service) setAlias(ctx context.Context, g *Group, alias string) error {
	local, domain, ok := strings.Cut(strings.ToLower(alias), "@")
	if !ok || !localPartRE.MatchString(local) || len(local) > 64 {
		return errs.Field("alias", "directory.alias_invalid", "alias", text.Printable(alias))
	}
	domainID, err := s.Store.ActiveDomainID(ctx, g.TenantID, domain)
	if errs.Is(err, errs.NotFound) {
		return errs.Field("alias", "directory.alias_domain_unknown", "domain", text.Printable(domain))
	}
	if err != nil {
		return err
	}
	addr := local + "@" + domain
	held, err := s.Store.TakenLoginIDs(ctx, []string{addr})
	if err != nil {
		return err
	}
	if held[addr] {
		return errs.Field("alias", "directory.alias_is_member", "alias", addr)
	}
	g.AliasLocal, g.AliasDomainID, g.Alias = local, domainID, addr
	return nil
}

func groupSnap(g *Group) any {
	return map[string]string{"name": g.Name, "alias": g.Alias}
}

// DeleteGroup deletes a group, adding its members to group r.To first (or,
// confirmed, to none), in one transaction; its alias stops receiving mail.
func (s *Service) DeleteGroup(ctx context.Context, tenantID, id string, r Reassign) (Deleted, error) {
	if _, err := directoryAdmin(ctx, tenantID); err != nil {
		return Deleted{}, err
	}
	now := s.Clock.Now()
	var out Deleted
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		g, err := s.Store.GetGroup(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if err := s.notMatchedByRule(ctx, tenantID, MatchGroup, id); err != nil {
			return err
		}
		if g.Members, err = s.counted(ctx, tenantID, MatchGroup, id); err != nil {
			return err
		}
		out.Members, out.To = g.Members, r.To
		if g.Members > 0 && r.To == "" && !r.Confirm {
			return errs.E(errs.FailedPrecondition, "directory.group_in_use", "group", g.Name, "members", g.Members)
		}
		if r.To != "" {
			if r.To == id {
				return errs.Field("reassign_to", "directory.reassign_to_itself")
			}
			if _, err := s.Store.GetGroup(ctx, tenantID, r.To); errs.Is(err, errs.NotFound) {
				return missing(errs.Field("reassign_to", "directory.group_unknown", "id", text.Printable(r.To)))
			} else if err != nil {
				return err
			}
		}
		if err := s.Store.DeleteGroup(ctx, tenantID, id, r.To); err != nil {
			return err
		}
		if err := s.assign(ctx, tenantID, nil); err != nil {
			return err
		}
		return s.event(ctx, now, tenantID, "group.deleted", "group", id, groupSnap(g), out)
	})
	if err != nil {
		return Deleted{}, fmt.Errorf("delete group: %w", err)
	}
	return out, nil
}

// Fields lists tenantID's custom member fields with how many members have
// a value.
func (s *Service) Fields(ctx context.Context, tenantID string) ([]*Field, error) {
	if _, err := auth.Require(ctx, tenantID); err != nil {
		return nil, err
	}
	fs, err := s.Store.ListFields(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	n, err := s.Store.DirectoryCounts(ctx, tenantID, MatchField)
	for _, f := range fs {
		f.Values = n[f.ID]
	}
	return fs, err
}

// FieldInput is a custom field to create or change; a field's kind cannot
// change.
type FieldInput struct {
	Name     string
	Kind     string
	Required bool
	Choices  []string
}

// SaveField creates a field (id "") or changes one. A choice that members
// hold cannot be removed. Errors: Invalid, Conflict, NotFound.
func (s *Service) SaveField(ctx context.Context, tenantID, id string, in FieldInput) (*Field, error) {
	if _, err := directoryAdmin(ctx, tenantID); err != nil {
		return nil, err
	}
	name, err := directoryName(in.Name)
	if err != nil {
		return nil, err
	}
	if l := strings.ToLower(name); slices.Contains(importColumns, l) || l == "status" {
		return nil, errs.Field("name", "directory.field_name_reserved", "name", name)
	}
	var choices []string
	for _, c := range in.Choices {
		v, err := text.Line("choices", c)
		if err != nil {
			return nil, err
		}
		if v != "" && !slices.Contains(choices, v) {
			choices = append(choices, v)
		}
	}
	now := s.Clock.Now()
	f := &Field{ID: s.IDs.New("fld"), TenantID: tenantID, Kind: in.Kind, CreatedAt: now}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		var before any
		action := "field.created"
		if id != "" {
			if f, err = s.Store.GetField(ctx, tenantID, id); err != nil {
				return err
			}
			before, action = fieldSnap(f), "field.updated"
		}
		if !slices.Contains(FieldKinds, f.Kind) {
			return errs.Field("kind", "directory.field_kind_unknown", "kinds", strings.Join(FieldKinds, ", "))
		}
		if f.Kind == FieldChoice && len(choices) == 0 {
			return errs.Field("choices", "directory.field_choices_missing")
		}
		if f.Kind != FieldChoice {
			choices = nil
		}
		if id != "" && f.Kind == FieldChoice {
			if err := s.checkChoicesKept(ctx, f, choices); err != nil {
				return err
			}
		}
		f.Name, f.Required, f.Choices = name, in.Required, choices
		if id == "" {
			err = s.Store.CreateField(ctx, f)
		} else {
			err = s.Store.UpdateField(ctx, f)
		}
		if err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Taken("name", err, "directory.field_name_taken", "name", name)
			}
			return err
		}
		return s.event(ctx, now, tenantID, action, "field", f.ID, before, fieldSnap(f))
	})
	if err != nil {
		return nil, fmt.Errorf("save field: %w", err)
	}
	return f, nil
}

// checkChoicesKept refuses to drop a choice of f that a member holds or a
// rule matches.
func (s *Service) checkChoicesKept(ctx context.Context, f *Field, choices []string) error {
	held, err := s.Store.FieldValuesInUse(ctx, f.TenantID, f.ID)
	if err != nil {
		return err
	}
	rules, err := s.Store.ListRules(ctx, f.TenantID)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if r.MatchKind == MatchField && r.MatchID == f.ID {
			held = append(held, r.MatchValue)
		}
	}
	for _, v := range held {
		if !slices.Contains(choices, v) {
			return errs.Field("choices", "directory.choice_in_use", "choice", v)
		}
	}
	return nil
}

func fieldSnap(f *Field) any {
	return map[string]any{"name": f.Name, "kind": f.Kind, "required": f.Required, "choices": f.Choices}
}

// DeleteField deletes a field and every member's value of it; it cannot be
// undone, so it needs confirm. The audit event keeps the values deleted.
func (s *Service) DeleteField(ctx context.Context, tenantID, id string, confirm bool) (Deleted, error) {
	if _, err := directoryAdmin(ctx, tenantID); err != nil {
		return Deleted{}, err
	}
	now := s.Clock.Now()
	var out Deleted
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		f, err := s.Store.GetField(ctx, tenantID, id)
		if err != nil {
			return err
		}
		if err := s.notMatchedByRule(ctx, tenantID, MatchField, id); err != nil {
			return err
		}
		if f.Values, err = s.counted(ctx, tenantID, MatchField, id); err != nil {
			return err
		}
		if !confirm {
			return errs.E(errs.FailedPrecondition, "directory.field_delete_unconfirmed", "field", f.Name, "members", f.Values)
		}
		values, err := s.Store.DeleteField(ctx, tenantID, id)
		if err != nil {
			return err
		}
		out.Members = len(values)
		if err := s.assign(ctx, tenantID, nil); err != nil {
			return err
		}
		return s.event(ctx, now, tenantID, "field.deleted", "field", id, fieldSnap(f), map[string]any{"values": values})
	})
	if err != nil {
		return Deleted{}, fmt.Errorf("delete field: %w", err)
	}
	return out, nil
}
