package member

import (
	"context"
	"time"

	"github.com/kanri/kanri/internal/errs"
)

// directory is a tenant's departments, positions and groups by name, for
// reading a CSV that names them; made lists those a file names that did not
// exist, to create with the members (ImportOptions.CreateMissing).
type directory struct {
	tenantID string
	ids      map[string]map[string]string // kind → name → id
	made     []madeEntry
	newID    func(prefix string) string
}

type madeEntry struct{ kind, name, id string }

// The directory kinds a CSV names, with their id prefixes.
var directoryPrefixes = map[string]string{"department": "dep", "position": "pos", "group": "grp"}

func (s *Service) readDirectory(ctx context.Context, tenantID string) (*directory, error) {
	d := &directory{tenantID: tenantID, ids: map[string]map[string]string{"department": {}, "position": {}, "group": {}}, newID: s.IDs.New}
	ds, err := s.Store.ListDepartments(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, x := range ds {
		d.ids["department"][x.Name] = x.ID
	}
	ps, err := s.Store.ListPositions(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, x := range ps {
		d.ids["position"][x.Name] = x.ID
	}
	gs, err := s.Store.ListGroups(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, x := range gs {
		d.ids["group"][x.Name] = x.ID
	}
	return d, nil
}

// id returns the id of the kind's name, making one up if create is set.
func (d *directory) id(kind, name string, create bool) (string, error) {
	if id, ok := d.ids[kind][name]; ok {
		return id, nil
	}
	if !create {
		switch kind {
		case "department":
			return "", errs.Field("department", "directory.department_name_unknown", "name", name)
		case "position":
			return "", errs.Field("position", "directory.position_name_unknown", "name", name)
		}
		return "", errs.Field("groups", "directory.group_name_unknown", "name", name)
	}
	if _, err := directoryName(name); err != nil {
		return "", err
	}
	id := d.newID(directoryPrefixes[kind])
	d.ids[kind][name] = id
	d.made = append(d.made, madeEntry{kind, name, id})
	return id, nil
}

// resolve turns the names importRow left in ms into ids, adding a problem
// for each name the directory lacks (unless create).
func (d *directory) resolve(ms []*Member, lines []int, problems *problemList, create bool) {
	for i, m := range ms {
		var bad []error
		for _, n := range []struct {
			kind       string
			name, dest *string
		}{{"department", &m.Department, &m.DepartmentID}, {"position", &m.Position, &m.PositionID}} {
			if *n.name == "" {
				continue
			}
			id, err := d.id(n.kind, *n.name, create)
			if err != nil {
				bad = append(bad, err)
			}
			*n.dest = id
		}
		groups := m.GroupIDs
		m.GroupIDs = nil
		for _, g := range groups {
			id, err := d.id("group", g, create)
			if err != nil {
				bad = append(bad, err)
				continue
			}
			m.GroupIDs = append(m.GroupIDs, id)
		}
		problems.add(lines[i], bad...)
	}
}

// createMissing creates what resolve made up, each audited.
func (s *Service) createMissing(ctx context.Context, d *directory, now time.Time) error {
	for _, x := range d.made {
		var err error
		switch x.kind {
		case "department":
			err = s.Store.CreateDepartment(ctx, &Department{ID: x.id, TenantID: d.tenantID, Name: x.name, CreatedAt: now})
		case "position":
			err = s.Store.CreatePosition(ctx, &Position{ID: x.id, TenantID: d.tenantID, Name: x.name, CreatedAt: now})
		case "group":
			err = s.Store.CreateGroup(ctx, &Group{ID: x.id, TenantID: d.tenantID, Name: x.name, CreatedAt: now})
		}
		if errs.Is(err, errs.Conflict) {
			return errs.Wrap(errs.Conflict, err, "member.import_taken_meanwhile")
		}
		if err != nil {
			return err
		}
		if err := s.event(ctx, now, d.tenantID, x.kind+".created", x.kind, x.id, nil, map[string]string{"name": x.name}); err != nil {
			return err
		}
	}
	return nil
}
