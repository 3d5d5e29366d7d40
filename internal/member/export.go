package member

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/text"
)

// exportPage is how many members ExportCSV reads at a time.
const exportPage = 500

// ImportColumns returns the CSV header names Import understands, in the
// order an example file shows them; the first two are required.
func ImportColumns() []string { return slices.Clone(importColumns) }

// ExportColumns returns ExportCSV's header: Import's columns, the custom
// fields' names, then status.
func ExportColumns(fields []*Field) []string {
	cols := ImportColumns()
	for _, f := range fields {
		cols = append(cols, f.Name)
	}
	return append(cols, "status")
}

// ExportCSV writes the members f selects (f.After and f.Limit are ignored;
// an empty status means every status but deleted) to w as CSV in id order,
// with the header ExportColumns, and returns how many rows it wrote. It
// reads them a page at a time, so a large tenant is never held in memory.
// A file with the existing members and the status column removed imports
// again as it is. Values that a spreadsheet would run as a formula get a
// leading "'" (OWASP's CSV-injection advice); a phone number such as
// "+81 3-1234-5678" is left alone. The text is UTF-8 without a byte-order
// mark; csvenc.NewWriter turns it into a download's encoding. Errors:
// PermissionDenied, Invalid (status).
func (s *Service) ExportCSV(ctx context.Context, f Filter, w io.Writer) (int, error) {
	if _, err := auth.Require(ctx, f.TenantID, auth.PermMembersManage); err != nil {
		return 0, err
	}
	if f.Status != "" && !slices.Contains(FilterStatuses, f.Status) {
		return 0, errs.Field("status", "member.status_unknown", "status", text.Printable(f.Status), "statuses", strings.Join(FilterStatuses, ", "))
	}
	fields, err := s.Store.ListFields(ctx, f.TenantID)
	if err != nil {
		return 0, fmt.Errorf("export members: %w", err)
	}
	groups, err := s.Store.ListGroups(ctx, f.TenantID)
	if err != nil {
		return 0, fmt.Errorf("export members: %w", err)
	}
	groupName := map[string]string{}
	for _, g := range groups {
		groupName[g.ID] = g.Name
	}
	f.After, f.Limit = "", exportPage
	cw := csv.NewWriter(w)
	n := 0
	for page := 0; ; page++ {
		ms, err := s.Store.ListMembers(ctx, f)
		if err != nil {
			return n, fmt.Errorf("export members: %w", err)
		}
		if page == 0 {
			_ = cw.Write(ExportColumns(fields)) // errors surface at Flush
		}
		for _, m := range ms {
			names := make([]string, len(m.GroupIDs))
			for i, g := range m.GroupIDs {
				names[i] = groupName[g]
			}
			row := []string{m.LoginID, inert(m.DisplayName), inert(m.Email), inert(m.Phone), inert(m.Department), inert(m.Position), inert(strings.Join(names, ";"))}
			for _, fd := range fields {
				row = append(row, inert(m.Fields[fd.ID]))
			}
			_ = cw.Write(append(row, m.Status))
		}
		n += len(ms)
		if cw.Flush(); cw.Error() != nil {
			return n, fmt.Errorf("export members: %w", cw.Error())
		}
		if len(ms) < f.Limit {
			return n, nil
		}
		f.After = ms[len(ms)-1].ID
	}
}

// uninert undoes inert on a name read back from a file: a department,
// position or group exported as "'=x" is "=x" again.
func uninert(v string) string {
	if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(v[1])) {
		return v[1:]
	}
	return v
}

// inert keeps a spreadsheet from running v as a formula: a value that
// starts like one and is not plain digits and punctuation gets a "'".
func inert(v string) string {
	if v == "" || !strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return v
	}
	if strings.Trim(v, "0123456789 +-().") == "" {
		return v
	}
	return "'" + v
}
