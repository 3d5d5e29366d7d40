package member

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/csvenc"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/text"
)

// Import limits: Google Workspace takes 150,000 rows per file; listing
// more than maxLineErrors problems helps nobody (the rest are counted).
const (
	MaxImportRows = 200_000
	maxLineErrors = 100
)

// importColumns are the CSV header names Import understands besides the
// tenant's custom fields, which have a column each, headed by the field's
// name. groups holds group names separated by ";".
var importColumns = []string{"login_id", "display_name", "email", "phone", "department", "position", "groups"}

// ImportOptions change how Import reads a file: with CreateMissing, a
// department, position or group the file names and the directory lacks is
// created (else it is a problem of its line).
type ImportOptions struct {
	CreateMissing bool
}

// Import adds every member in a CSV file (header row: login_id,
// display_name and optionally email, phone, department, position) as
// invited, all or nothing: any bad line refuses the whole file, listing
// every problem of every line by line number up to maxLineErrors and
// counting the rest. The file may be UTF-8 (with or without a
// byte-order mark) or Shift_JIS as Excel saves it; see csvenc.Reader.
// Each member gets its own audit event.
func (s *Service) Import(ctx context.Context, tenantID string, r io.Reader, opts ImportOptions) (int, error) {
	if _, err := auth.Require(ctx, tenantID, auth.PermMembersManage); err != nil {
		return 0, err
	}
	t, err := s.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	fields, err := s.Store.ListFields(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	ms, lines, problems, err := s.parseImport(r, tenantID, t.PrimaryDomain, fields)
	if err != nil {
		return 0, err
	}
	dir, err := s.readDirectory(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	dir.resolve(ms, lines, problems, opts.CreateMissing)
	if err := s.checkTaken(ctx, ms, lines, problems); err != nil {
		return 0, err
	}
	if n := problems.total(); n > 0 {
		return 0, &errs.Error{Kind: errs.Invalid, Code: "member.import_problems", Params: errs.P("count", n), Details: problems.details()}
	}
	now := s.Clock.Now()
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.createMissing(ctx, dir, now); err != nil {
			return err
		}
		if err := s.Store.CreateMembers(ctx, ms); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Wrap(errs.Conflict, err, "member.import_taken_meanwhile")
			}
			return err
		}
		if err := s.assign(ctx, tenantID, importedIDs(ms)); err != nil {
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
		if _, err := s.recordBillable(ctx, tenantID, now, true); err != nil {
			return err
		}
		// One event for the file: the vendor's product lists the members if it needs them.
		return s.Notify.Emit(ctx, tenantID, "member.imported", map[string]int{"count": len(ms)})
	})
	if err != nil {
		return 0, fmt.Errorf("import members: %w", err)
	}
	// A big import changes what the planner should expect of the tenant:
	// without fresh statistics PostgreSQL may keep plans made for an
	// emptier table (issue 18 saw a 20,000-row import into a 1,000,000-member
	// tenant take 10.6 s, 1.6 s after ANALYZE). The members are in either way.
	if len(ms) >= analyzeAfter {
		if err := s.Store.AnalyzeMembers(ctx); err != nil {
			s.log().WarnContext(ctx, "refreshing the member tables' statistics after an import failed", "tenant", tenantID, "error", err)
		}
	}
	return len(ms), nil
}

// importedIDs are the ids of the members an import assigns rules to: a
// small file's own, or nil — every member, one read of the tenant — for a
// file too big to name its members in one statement.
func importedIDs(ms []*Member) []string {
	if len(ms) > 1000 {
		return nil
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// analyzeAfter is how many imported members refresh the planner's statistics.
const analyzeAfter = 1000

// parseImport reads the CSV, in UTF-8 or Shift_JIS, into members,
// collecting every problem of every line. lines[i] is the line number of
// ms[i].
func (s *Service) parseImport(r io.Reader, tenantID, domain string, fields []*Field) (ms []*Member, lines []int, problems *problemList, err error) {
	dec := csvenc.NewReader(r)
	cr := csv.NewReader(dec)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if _, ok := errs.As(err); ok {
		return nil, nil, nil, err
	} else if err != nil {
		return nil, nil, nil, errs.Field("file", "member.import_no_header", "columns", strings.Join(importColumns, ","))
	}
	col, err := importHeader(header, fields)
	if err != nil {
		return nil, nil, nil, err
	}
	now := s.Clock.Now()
	seen := map[string]int{}
	problems = &problemList{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			problems.add(pe.Line, syntaxProblem(pe, len(rec), cr.FieldsPerRecord))
			continue
		} else if _, ok := errs.As(err); ok {
			return nil, nil, nil, err
		} else if err != nil {
			return nil, nil, nil, errs.Wrap(errs.Invalid, err, "member.import_unreadable")
		}
		line, _ := cr.FieldPos(0)
		if err := dec.Problem(rec); err != nil {
			problems.add(line, err)
			continue
		}
		if len(ms) == MaxImportRows {
			return nil, nil, nil, errs.Field("file", "member.import_too_many", "max", MaxImportRows)
		}
		m, bad := importRow(rec, col, domain, seen, fields)
		if problems.add(line, bad...) {
			continue
		}
		seen[m.LoginID] = line
		m.ID, m.TenantID, m.Status, m.CreatedAt, m.UpdatedAt = s.IDs.New("mem"), tenantID, StatusInvited, now, now
		ms, lines = append(ms, m), append(lines, line)
	}
	if len(ms) == 0 && problems.total() == 0 {
		return nil, nil, nil, errs.Field("file", "member.import_empty")
	}
	return ms, lines, problems, nil
}

// importHeader maps each column Import knows to its index: the fixed ones
// by name, a custom field's by the field's id.
func importHeader(header []string, fields []*Field) (map[string]int, error) {
	col := map[string]int{}
	known := slices.Clone(importColumns)
	for _, f := range fields {
		known = append(known, f.Name)
	}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) // Excel writes a BOM
		if fixed := strings.ToLower(h); slices.Contains(importColumns, fixed) {
			col[fixed] = i
		} else if j := slices.IndexFunc(fields, func(f *Field) bool { return f.Name == h }); j >= 0 {
			col[fields[j].ID] = i
		} else {
			return nil, errs.Field("file", "member.import_unknown_column", "column", text.Printable(h), "columns", strings.Join(known, ", "))
		}
	}
	for _, need := range importColumns[:2] {
		if _, ok := col[need]; !ok {
			return nil, errs.Field("file", "member.import_missing_column", "column", need)
		}
	}
	for _, f := range fields {
		if _, ok := col[f.ID]; f.Required && !ok {
			return nil, errs.Field("file", "member.import_missing_column", "column", f.Name)
		}
	}
	return col, nil
}

// syntaxProblem is the problem of a line encoding/csv cannot read as a
// record: fields is how many it found, columns how many the header has.
func syntaxProblem(pe *csv.ParseError, fields, columns int) error {
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount):
		return errs.E(errs.Invalid, "member.import_field_count", "fields", fields, "columns", columns)
	case errors.Is(pe.Err, csv.ErrQuote):
		return errs.E(errs.Invalid, "member.import_quote")
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return errs.E(errs.Invalid, "member.import_bare_quote")
	}
	return errs.Wrap(errs.Invalid, pe, "member.import_line_unreadable")
}

// importRow reads one line into a member and returns every problem it
// has (none if it is fine). seen holds the lines of the login ids before.
func importRow(rec []string, col map[string]int, domain string, seen map[string]int, fields []*Field) (*Member, []error) {
	get := func(name string) *string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return nil
		}
		v := rec[i]
		return &v
	}
	m := &Member{}
	var bad []error
	var err error
	if m.LoginID, err = LoginID(*get("login_id"), domain); err != nil {
		bad = append(bad, err)
	}
	p := Profile{DisplayName: get("display_name"), Email: get("email"), Phone: get("phone")}
	bad = append(bad, p.apply(m)...)
	// The directory's names, resolved to ids later (directory.resolve).
	for _, n := range []struct {
		col string
		dst *string
	}{{"department", &m.Department}, {"position", &m.Position}} {
		if v := get(n.col); v != nil {
			if *n.dst, err = text.Line(n.col, uninert(*v)); err != nil {
				bad = append(bad, err)
			}
		}
	}
	if v := get("groups"); v != nil {
		for g := range strings.SplitSeq(*v, ";") {
			if g, err := text.Line("groups", uninert(g)); err != nil {
				bad = append(bad, err)
			} else if g != "" {
				m.GroupIDs = append(m.GroupIDs, g)
			}
		}
	}
	for _, f := range fields {
		v := get(f.ID)
		if v == nil {
			continue
		}
		value, err := fieldValue(f, *v)
		if err == nil && value == "" && f.Required {
			err = errs.Field("fields."+f.ID, "directory.field_required", "field", f.Name)
		}
		if err != nil {
			bad = append(bad, err)
		} else if value != "" {
			if m.Fields == nil {
				m.Fields = map[string]string{}
			}
			m.Fields[f.ID] = value
		}
	}
	if first, dup := seen[m.LoginID]; dup {
		bad = append(bad, errs.Field("login_id", "member.import_login_id_repeated", "login_id", m.LoginID, "first", first))
	}
	return m, bad
}

// checkTaken adds a problem for every login id another member already holds.
func (s *Service) checkTaken(ctx context.Context, ms []*Member, lines []int, problems *problemList) error {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.LoginID
	}
	taken, err := s.Store.TakenLoginIDs(ctx, ids)
	if err != nil {
		return err
	}
	for i, m := range ms {
		if taken[m.LoginID] {
			problems.add(lines[i], errs.Field("login_id", "member.login_id_taken", "login_id", m.LoginID))
		}
	}
	return nil
}

// problemList keeps the first maxLineErrors problems of a file and counts
// the rest exactly.
type problemList struct {
	kept []errs.Detail
	line []int // line[i] is the line of kept[i]
	more int
}

// add adds line's problems, each an *errs.Error, and reports whether
// there were any. A detail keeps the error's code and parameters (the
// field among them), so that each reader reads it in their language.
func (l *problemList) add(line int, problems ...error) bool {
	for _, err := range problems {
		if len(l.kept) == maxLineErrors {
			l.more++
			continue
		}
		e, ok := errs.As(err)
		if !ok { // not one of ours: never the case, but a line must not go unlisted
			e = errs.Wrap(errs.Invalid, err, "member.import_line_unreadable")
		}
		d := errs.Detail{Location: fmt.Sprintf("line %d", line), Line: line, Code: e.Code, Params: e.MessageParams()}
		l.kept, l.line = append(l.kept, d), append(l.line, line)
	}
	return len(problems) > 0
}

func (l *problemList) total() int { return len(l.kept) + l.more }

// details returns the problems kept in line order, then how many more
// there are.
func (l *problemList) details() []errs.Detail {
	order := make([]int, len(l.kept))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return l.line[a] - l.line[b] })
	ds := make([]errs.Detail, 0, len(order)+1)
	for _, i := range order {
		ds = append(ds, l.kept[i])
	}
	if l.more > 0 {
		ds = append(ds, errs.Detail{Location: "file", Code: "member.import_more", Params: errs.P("count", l.more)})
	}
	return ds
}
