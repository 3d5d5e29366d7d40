package member

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
)

// Import limits: Google Workspace takes 150,000 rows per file; reporting
// more than maxLineErrors problems helps nobody.
const (
	MaxImportRows = 200_000
	maxLineErrors = 100
)

// importColumns are the CSV header names Import understands.
var importColumns = []string{"login_id", "display_name", "email", "phone", "department", "position"}

// Import adds every member in a CSV file (header row: login_id,
// display_name and optionally email, phone, department, position) as
// invited, all or nothing: any bad line refuses the whole file with an
// error per line number. Each member gets its own audit event.
func (s *Service) Import(ctx context.Context, tenantID string, r io.Reader) (int, error) {
	if _, err := auth.Require(ctx, tenantID, auth.PermMembersManage); err != nil {
		return 0, err
	}
	t, err := s.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	ms, lines, problems, err := s.parseImport(r, tenantID, t.PrimaryDomain)
	if err != nil {
		return 0, err
	}
	if err := s.checkTaken(ctx, ms, lines, &problems); err != nil {
		return 0, err
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b errs.Detail) int { return lineOf(a) - lineOf(b) })
		return 0, &errs.Error{Kind: errs.Invalid, Message: fmt.Sprintf("the file has %d problems; nothing was imported: fix the lines listed and upload it again", len(problems)), Details: problems}
	}
	now := s.Clock.Now()
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateMembers(ctx, ms); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Wrap(errs.Conflict, err, "a login id in the file was taken while importing: upload the file again")
			}
			return err
		}
		for i := 0; i < len(ms); i += 1000 {
			batch := ms[i:min(i+1000, len(ms))]
			events := make([]*audit.Event, len(batch))
			for j, m := range batch {
				events[j] = s.Audit.Event(ctx, now, tenantID, "member.added", "member", m.ID, nil, snap(m))
			}
			if err := s.Store.AppendAuditEvents(ctx, events...); err != nil {
				return err
			}
		}
		if err := s.recordBillable(ctx, tenantID, now, true); err != nil {
			return err
		}
		// One event for the file: the vendor's product lists the members if it needs them.
		return s.Notify.Emit(ctx, tenantID, "member.imported", map[string]int{"count": len(ms)})
	})
	if err != nil {
		return 0, fmt.Errorf("import members: %w", err)
	}
	return len(ms), nil
}

// parseImport reads the CSV into members, collecting problems by line.
// lines[i] is the line number of ms[i].
func (s *Service) parseImport(r io.Reader, tenantID, domain string) (ms []*Member, lines []int, problems []errs.Detail, err error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, nil, nil, errs.Field("file", "the file has no header row: the first line must name the columns, e.g. %s", strings.Join(importColumns, ","))
	}
	col, err := importHeader(header)
	if err != nil {
		return nil, nil, nil, err
	}
	now := s.Clock.Now()
	seen := map[string]int{}
	for len(problems) < maxLineErrors {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			problems = append(problems, errs.Detail{Location: fmt.Sprintf("line %d", pe.Line), Message: pe.Err.Error()})
			continue
		} else if err != nil {
			return nil, nil, nil, errs.Wrap(errs.Invalid, err, "the file could not be read")
		}
		line, _ := cr.FieldPos(0)
		if !validUTF8(rec) {
			problems = append(problems, errs.Detail{Location: fmt.Sprintf("line %d", line),
				Message: "the line is not UTF-8 text: save the file as \"CSV UTF-8\" (Shift_JIS files are not read)"})
			continue
		}
		if len(ms) == MaxImportRows {
			return nil, nil, nil, errs.Field("file", "the file has more than %d members: split it into several files", MaxImportRows)
		}
		m, err := importRow(rec, col, domain)
		if err == nil {
			if first, dup := seen[m.LoginID]; dup {
				err = fmt.Errorf("login id %s is already on line %d", m.LoginID, first)
			}
		}
		if err != nil {
			problems = append(problems, errs.Detail{Location: fmt.Sprintf("line %d", line), Message: userMessage(err)})
			continue
		}
		seen[m.LoginID] = line
		m.ID, m.TenantID, m.Status, m.CreatedAt, m.UpdatedAt = s.IDs.New("mem"), tenantID, StatusInvited, now, now
		ms, lines = append(ms, m), append(lines, line)
	}
	if len(ms) == 0 && len(problems) == 0 {
		return nil, nil, nil, errs.Field("file", "the file has a header but no members")
	}
	return ms, lines, problems, nil
}

func importHeader(header []string) (map[string]int, error) {
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) // Excel writes a BOM
		if !slices.Contains(importColumns, h) {
			return nil, errs.Field("file", "unknown column %q in the header: the columns are %s", h, strings.Join(importColumns, ", "))
		}
		col[h] = i
	}
	for _, need := range importColumns[:2] {
		if _, ok := col[need]; !ok {
			return nil, errs.Field("file", "the header has no %s column: it is required", need)
		}
	}
	return col, nil
}

func importRow(rec []string, col map[string]int, domain string) (*Member, error) {
	get := func(name string) *string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return nil
		}
		v := rec[i]
		return &v
	}
	m := &Member{}
	var err error
	if m.LoginID, err = LoginID(*get("login_id"), domain); err != nil {
		return nil, err
	}
	p := Profile{DisplayName: get("display_name"), Email: get("email"), Phone: get("phone"), Department: get("department"), Position: get("position")}
	return m, p.Apply(m)
}

// checkTaken adds a problem for every login id another member already holds.
func (s *Service) checkTaken(ctx context.Context, ms []*Member, lines []int, problems *[]errs.Detail) error {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.LoginID
	}
	taken, err := s.Store.TakenLoginIDs(ctx, ids)
	if err != nil {
		return err
	}
	for i, m := range ms {
		if taken[m.LoginID] && len(*problems) < maxLineErrors {
			*problems = append(*problems, errs.Detail{Location: fmt.Sprintf("line %d", lines[i]), Message: fmt.Sprintf("login id %s is already in use", m.LoginID)})
		}
	}
	return nil
}

func userMessage(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return err.Error()
}

// lineOf reads the line number back from a problem's "line N" location.
func lineOf(d errs.Detail) int {
	var n int
	_, _ = fmt.Sscanf(d.Location, "line %d", &n)
	return n
}

func validUTF8(rec []string) bool {
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return false
		}
	}
	return true
}
