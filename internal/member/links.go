package member

import (
	"context"
	"maps"
	"slices"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/text"
)

// checkLinks checks m's department, position, groups and field values
// against tenant's directory, normalising the values and dropping empty
// ones; with required set, every required field must have a value.
// Errors: Invalid naming the field; NotFound naming it for an id the
// tenant has nothing of.
func (s *Service) checkLinks(ctx context.Context, m *Member, required bool) error {
	if m.DepartmentID != "" {
		if _, err := s.Store.GetDepartment(ctx, m.TenantID, m.DepartmentID); errs.Is(err, errs.NotFound) {
			return missing(errs.Field("department_id", "directory.department_unknown", "id", text.Printable(m.DepartmentID)))
		} else if err != nil {
			return err
		}
	}
	if m.PositionID != "" {
		if _, err := s.Store.GetPosition(ctx, m.TenantID, m.PositionID); errs.Is(err, errs.NotFound) {
			return missing(errs.Field("position_id", "directory.position_unknown", "id", text.Printable(m.PositionID)))
		} else if err != nil {
			return err
		}
	}
	for _, g := range m.GroupIDs {
		if _, err := s.Store.GetGroup(ctx, m.TenantID, g); errs.Is(err, errs.NotFound) {
			return missing(errs.Field("group_ids", "directory.group_unknown", "id", text.Printable(g)))
		} else if err != nil {
			return err
		}
	}
	if len(m.Fields) == 0 && !required {
		return nil
	}
	fields, err := s.Store.ListFields(ctx, m.TenantID)
	if err != nil {
		return err
	}
	values := map[string]string{}
	for id, v := range m.Fields {
		i := slices.IndexFunc(fields, func(f *Field) bool { return f.ID == id })
		if i < 0 {
			return missing(errs.Field("fields", "directory.field_unknown", "id", text.Printable(id)))
		}
		if v, err = fieldValue(fields[i], v); err != nil {
			return err
		}
		if v != "" {
			values[id] = v
		}
	}
	if required {
		for _, f := range fields {
			if f.Required && values[f.ID] == "" {
				return errs.Field("fields."+f.ID, "directory.field_required", "field", f.Name)
			}
		}
	}
	m.Fields = values
	return nil
}

// linksChanged reports whether m's groups or field values differ from before's.
func linksChanged(before, m *Member) bool {
	return !slices.Equal(before.GroupIDs, m.GroupIDs) || !maps.Equal(before.Fields, m.Fields)
}

// directoryChanged reports whether anything a rule matches differs.
func directoryChanged(before, m *Member) bool {
	return before.DepartmentID != m.DepartmentID || before.PositionID != m.PositionID || linksChanged(before, m)
}
