package console

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
)

// membersImportPage uploads a CSV file of members, shows how many were
// imported, or the problems line by line.
type membersImportPage struct {
	Page
	Header        string   // the columns Import understands besides the custom fields
	FieldColumns  []string // the custom fields' columns, headed by their names
	CreateMissing bool     // 存在しない部署・役職・グループを作成する, as last sent
	Imported      int      // after a successful import
	Problem       string   // why the file was refused, shown by the result block
	Lines         []importLine
}

// FieldList is the custom fields' columns as a list in the page's language.
func (p *membersImportPage) FieldList() string {
	if p.Lang == langEN {
		return strings.Join(p.FieldColumns, ", ")
	}
	return strings.Join(p.FieldColumns, "、")
}

// importLine is a problem of one line of the file.
type importLine struct {
	Line    int // 0 when the location is not a line
	Where   string
	Message string
}

func (c *Console) importFrame(r *http.Request) (*membersImportPage, error) {
	p, err := c.adminPage(r, "members.import.title", Crumb{Key: "menu.member_list", Href: "/admin/members"}, Crumb{Key: "members.import.title"})
	v := &membersImportPage{Page: p, Header: strings.Join(member.ImportColumns(), ",")}
	if err != nil {
		return v, err
	}
	fields, err := c.svc.Members.Fields(r.Context(), actor(r).TenantID)
	for _, f := range fields {
		v.FieldColumns = append(v.FieldColumns, f.Name)
	}
	return v, err
}

func (c *Console) membersImportForm(w http.ResponseWriter, r *http.Request) {
	v, err := c.importFrame(r)
	if err != nil {
		c.fail(w, r, v.Page, err)
		return
	}
	v.Imported, _ = strconv.Atoi(r.URL.Query().Get("imported"))
	c.render(w, r, http.StatusOK, "members_import", v)
}

// membersImport streams the uploaded file into the service, which adds
// every member or none. htmx gets the result block (always 200: htmx
// swaps only successful answers); a plain form post gets the whole page
// with the API's status, or a redirect to the count on success.
func (c *Console) membersImport(w http.ResponseWriter, r *http.Request) {
	v, err := c.importFrame(r)
	if err != nil {
		c.fail(w, r, v.Page, err)
		return
	}
	n, err := c.importUpload(r, &v.CreateMissing)
	switch {
	case err == nil && !membersPartial(r):
		redirect(w, r, fmt.Sprintf("/admin/members/import?imported=%d", n), "")
		return
	case err == nil:
		v.Imported = n
	case !v.refuse(err):
		c.fail(w, r, v.Page, err)
		return
	}
	for _, d := range v.Form.Details { // shown as a table here, not the layout's list
		v.Lines = append(v.Lines, importLine{Where: d.Location, Line: d.Line, Message: d.Message(v.Lang)})
	}
	// The result block shows the refusal (htmx swaps only it), so the
	// layout must not show it a second time.
	v.Problem = v.Err("file") + v.Form.Error
	v.Form.Details, v.Form.Error, v.Form.Errors = nil, "", nil
	if membersPartial(r) {
		c.renderBlock(w, r, http.StatusOK, "members_import", "result", v)
		return
	}
	c.render(w, r, api.Status(err), "members_import", v)
}

// importUpload finds the form's "file" part and imports it as it arrives,
// so a large file is never held in memory or written to disk; it sets
// *create when the form asked to create missing departments, positions and
// groups. The front door has refused a body over the imports' limit (64
// MiB) already.
func (c *Console) importUpload(r *http.Request, create *bool) (int, error) {
	// Read what is left, so the browser, still sending a refused file,
	// gets the answer instead of a reset connection.
	defer func() { _, _ = io.Copy(io.Discard, r.Body) }()
	mr, err := r.MultipartReader()
	if err != nil {
		return 0, errs.Field("file", "member.import_not_multipart")
	}
	var opts member.ImportOptions
	for {
		part, err := mr.NextPart()
		if err != nil {
			return 0, errs.Field("file", "member.import_no_file")
		}
		switch part.FormName() {
		case "create_missing": // the form puts it before the file
			opts.CreateMissing, *create = true, true
		case "file":
			if part.FileName() == "" {
				return 0, errs.Field("file", "member.import_no_file")
			}
			return c.svc.Members.Import(r.Context(), actor(r).TenantID, part, opts)
		}
		_ = part.Close()
	}
}

// membersExport downloads the members as CSV in the encoding the query
// names (see csvDownload); the query's search and directory filters
// narrow it like the list's.
func (c *Console) membersExport(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	q := r.URL.Query()
	t, err := c.svc.Tenants.Get(r.Context(), a.TenantID)
	var out *csvDownload
	if err == nil {
		out, err = newCSVDownload(w, q, fmt.Sprintf("members-%s-%s.csv", t.WorksGroup, c.cfg.Clock.Now().In(t.Location()).Format("2006-01-02")))
	}
	if err == nil {
		_, err = c.svc.Members.ExportCSV(r.Context(), memberFilter(a.TenantID, q), out)
		err = out.close(err)
	}
	switch {
	case err != nil && (out == nil || !out.started):
		p, _ := c.adminPage(r, "members.title")
		c.fail(w, r, p, err)
	case err != nil:
		// Half a file must not look like a whole one: break the download.
		c.log.ErrorContext(r.Context(), "member export broke off", "err", err)
		panic(http.ErrAbortHandler)
	}
}
