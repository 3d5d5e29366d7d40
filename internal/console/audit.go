package console

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/member"
)

func (c *Console) registerAudit(rt *router) {
	rt.page("/admin/audit", c.member(c.auditEvents))
	rt.file("/admin/audit/export.csv", c.member(c.auditExport))
}

// auditPageSize is how many events one page of the search shows.
const auditPageSize = 50

// auditFilters are the search's query parameters, kept by the next-page
// and export links. actor is who did it: a name, a login id or a member
// id; actor_id, a member id, is what older links carry.
var auditFilters = []string{"from", "to", "actor", "actor_id", "action"}

// auditActorChoices is how many members the 実行者 field lists to choose
// from when its text matches several.
const auditActorChoices = 20

// auditKnownActions are offered in the action field's list: a prefix selects a
// whole kind of change. Any other text is searched as typed.
var auditKnownActions = []string{
	"member.", "member.added", "member.updated", "member.invited", "member.invitation_accepted", "member.suspended",
	"member.deactivated", "member.reactivated", "member.deleted", "member.super_admin_granted", "member.super_admin_resigned",
	"member.sessions_revoked", "member.password_confirmation_failed",
	"role.", "role.created", "role.updated", "role.deleted",
	"tenant.", "tenant.created", "tenant.updated", "tenant.sessions_revoked",
	"session.", "session.signed_in", "session.signed_out", "session.revoked",
	"partner.", "partner.code_issued", "partner.code_authenticated", "partner.switch_approved", "partner.switched",
	"department.", "department.created", "department.updated", "department.deleted",
	"position.", "position.created", "position.updated", "position.deleted",
	"group.", "group.created", "group.updated", "group.deleted",
	"field.", "field.created", "field.updated", "field.deleted",
	"rule.", "rule.created", "rule.updated", "rule.deleted", "directory.settings_updated",
}

// auditPage is the audit trail's search (監査ログ): filters, a page of
// events, and links to the next page and to the CSV export.
type auditPage struct {
	Page
	ZoneAbbr string // the abbreviation of Page.Zone, in which dates are read and times shown: JST
	Actions  []auditAction
	Events   []auditRow
	Next     string // the next page's URL; "" on the last page
	First    string // the first page's URL when this is a later page
	Export   string // the CSV export's URL with the same filters
	// ExportShiftJIS is Export in Shift_JIS.
	ExportShiftJIS string
	// ActorMember is the member the 実行者 field's name or login id
	// found; nil for a member id or no actor.
	ActorMember *member.Member
	// ActorChoices are the members the 実行者 field matches when it
	// matches several: the search waits for one to be chosen.
	ActorChoices []auditActorChoice
	// ActorMore: more members match than ActorChoices lists.
	ActorMore bool
}

// auditActorChoice is a member to choose as the 実行者: a link to the
// search for their events.
type auditActorChoice struct {
	Name, LoginID, Href string
}

// auditAction is an entry of the action field's list.
type auditAction struct {
	Value string
	Label string // "" when the code is its own label
}

// auditRow is one event as the table shows it.
type auditRow struct {
	Time, DateTime string // shown in the page's zone; RFC 3339 for <time>
	Actor          string
	ActorHref      string // the search for this actor's events
	Action         string
	ActionLabel    string // "" for actions the catalog does not name
	Target         string
	TargetName     string // the login id, works group or role name in the snapshot
	IP             string
	Before, After  string // indented JSON; "" when absent
	// RolesBefore and RolesAfter name the roles a member snapshot holds.
	RolesBefore, RolesAfter string
}

func (c *Console) auditEvents(w http.ResponseWriter, r *http.Request) {
	p, err := c.adminPage(r, "audit.title", Crumb{Key: "menu.audit"}, Crumb{Key: "menu.audit_events"})
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	v := c.newAuditPage(p, r.URL.Query())
	f, ok := v.filter()
	if ok {
		f.ActorID, ok, err = c.auditActor(r, v)
	}
	switch {
	case err != nil:
		c.fail(w, r, p, err)
		return
	case !ok && v.ActorChoices != nil: // not refused: one of them is to be chosen
		c.auditShow(w, r, v)
		return
	case !ok:
		c.auditRefused(w, r, v, http.StatusUnprocessableEntity)
		return
	}
	f.Limit = auditPageSize
	var roles []*member.Role
	events, next, err := c.svc.Audit.List(r.Context(), f, r.URL.Query().Get("cursor"))
	if err == nil {
		roles, err = c.svc.Members.Roles(r.Context(), actor(r).TenantID)
	}
	if err != nil {
		if c.refuseCursor(r, &v.Page, err) {
			v.First = v.url("/admin/audit")
			c.auditRefused(w, r, v, http.StatusBadRequest)
			return
		}
		c.fail(w, r, p, err)
		return
	}
	v.rows(events, roles)
	if next != "" {
		v.Next = v.url("/admin/audit", "cursor", next)
	}
	if r.URL.Query().Get("cursor") != "" {
		v.First = v.url("/admin/audit")
	}
	c.auditShow(w, r, v)
}

// auditShow answers the search: the whole page, or for htmx the results.
func (c *Console) auditShow(w http.ResponseWriter, r *http.Request, v *auditPage) {
	if auditPartial(r) {
		c.renderBlock(w, r, http.StatusOK, "audit_events", "results", v)
		return
	}
	c.render(w, r, http.StatusOK, "audit_events", v)
}

// auditActor resolves the 実行者 field to a member id: a member id as
// typed; else the member whose login id is the text, or the one member
// whose name holds it or whose login id starts with it. Several matches
// leave the choice to the admin (ActorChoices); none, or no right to look
// members up (members.manage), refuse the field. It reports false when
// there is no one id to search for.
func (c *Console) auditActor(r *http.Request, v *auditPage) (string, bool, error) {
	text := v.Value("actor")
	if text == "" || id.Valid("mem", text) {
		return text, true, nil
	}
	ms, more, err := c.auditActorMatches(r, text)
	switch {
	case errs.Is(err, errs.PermissionDenied):
		v.refuseField("actor", "audit.err_actor_permission")
		return "", false, nil
	case err != nil:
		return "", false, err
	case len(ms) == 0:
		v.refuseField("actor", "audit.err_actor_none", text)
		return "", false, nil
	case len(ms) == 1:
		v.ActorMember = ms[0]
		return ms[0].ID, true, nil
	}
	v.ActorMore = more
	for _, m := range ms {
		v.ActorChoices = append(v.ActorChoices, auditActorChoice{Name: m.DisplayName, LoginID: m.LoginID,
			Href: v.url("/admin/audit", "actor", m.LoginID, "cursor", "")})
	}
	return "", false, nil
}

// auditActorMatches are the members whose name holds text or whose login
// id starts with it, in id order, or only the one whose login id (or its
// part before @) is text; and whether more match than are returned.
func (c *Console) auditActorMatches(r *http.Request, text string) ([]*member.Member, bool, error) {
	ctx, tenantID := r.Context(), actor(r).TenantID
	var ms []*member.Member
	more := false
	for _, f := range []member.Filter{{Name: strings.ToLower(text)}, {LoginID: text}} {
		f.TenantID, f.Limit = tenantID, auditActorChoices
		found, next, err := c.svc.Members.List(ctx, f)
		if err != nil {
			return nil, false, err
		}
		more = more || next != ""
		for _, m := range found {
			local, _, _ := strings.Cut(m.LoginID, "@")
			if strings.EqualFold(m.LoginID, text) || strings.EqualFold(local, text) {
				return []*member.Member{m}, false, nil
			}
			if !slices.ContainsFunc(ms, func(o *member.Member) bool { return o.ID == m.ID }) {
				ms = append(ms, m)
			}
		}
	}
	slices.SortFunc(ms, func(a, b *member.Member) int { return cmp.Compare(a.ID, b.ID) })
	if len(ms) > auditActorChoices {
		ms, more = ms[:auditActorChoices], true
	}
	return ms, more, nil
}

// auditPartial reports whether r is an htmx request for a part of the page. A
// history restore wants the whole page: it replaces the body.
func auditPartial(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}

// auditRefused shows the search with its reasons: 422, or 400 for a
// cursor. htmx does not swap a refusal in, so an htmx search loads the
// whole page instead.
func (c *Console) auditRefused(w http.ResponseWriter, r *http.Request, v *auditPage, status int) {
	if auditPartial(r) {
		w.Header().Set("HX-Redirect", r.URL.RequestURI())
	}
	c.render(w, r, status, "audit_events", v)
}

func (c *Console) newAuditPage(p Page, q url.Values) *auditPage {
	v := &auditPage{Page: p, ZoneAbbr: c.cfg.Clock.Now().In(p.Zone).Format("MST")}
	v.Form.Values = url.Values{}
	for _, k := range auditFilters {
		if s := strings.TrimSpace(q.Get(k)); s != "" {
			v.Form.Values.Set(k, s)
		}
	}
	if old := v.Form.Values.Get("actor_id"); old != "" { // an older link: the field shows the id
		v.Form.Values.Del("actor_id")
		if v.Value("actor") == "" {
			v.Form.Values.Set("actor", old)
		}
	}
	for _, a := range auditKnownActions {
		v.Actions = append(v.Actions, auditAction{Value: a, Label: v.actionLabel(a)})
	}
	v.Export = v.url("/admin/audit/export.csv")
	v.ExportShiftJIS = shiftJISURL(v.Export)
	return v
}

// location is the zone the page reads dates in and shows times in.
func (v *auditPage) location() *time.Location { return v.Zone }

// filter reads the search's filters; from and to are whole days in the
// page's zone, to included. A date that cannot be read, or a range that
// ends before it starts, is refused next to its field.
func (v *auditPage) filter() (audit.Filter, bool) {
	f := audit.Filter{TenantID: v.Actor.TenantID, Action: v.Value("action")}
	from, okFrom := v.date("from")
	to, okTo := v.date("to")
	if okFrom && okTo && !from.IsZero() && !to.IsZero() && to.Before(from) {
		v.refuseField("to", "audit.err_range")
		okTo = false
	}
	f.From = from
	if !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	return f, okFrom && okTo
}

// date reads the date field name, zero when empty.
func (v *auditPage) date(name string) (time.Time, bool) {
	s := v.Value(name)
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation(time.DateOnly, s, v.location())
	if err != nil {
		v.refuseField(name, "audit.err_date")
		return time.Time{}, false
	}
	return t, true
}

func (v *auditPage) refuseField(name, key string, args ...any) {
	if v.Form.Errors == nil {
		v.Form.Errors = map[string]string{}
	}
	v.Form.Errors[name], _ = v.T(key, args...)
}

// url is path with the search's filters and the extra key/value pairs;
// an empty value drops its key.
func (v *auditPage) url(path string, kv ...string) string {
	q := url.Values{}
	for _, k := range auditFilters {
		if s := v.Value(k); s != "" {
			q.Set(k, s)
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
		if kv[i+1] == "" {
			q.Del(kv[i])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// rows turns events into table rows in the page's zone and language,
// naming the tenant's roles as every page does.
func (v *auditPage) rows(events []*audit.Event, roles []*member.Role) {
	loc := v.location()
	byID := make(map[string]*member.Role, len(roles))
	for _, r := range roles {
		byID[r.ID] = r
	}
	for _, e := range events {
		row := auditRow{Time: e.OccurredAt.In(loc).Format("2006-01-02 15:04:05"), DateTime: e.OccurredAt.Format(time.RFC3339),
			Actor: e.ActorName, Action: e.Action, Target: strings.TrimSpace(e.TargetType + " " + e.TargetID), TargetName: targetName(e), IP: e.IP,
			Before: auditJSON(e.Before), After: auditJSON(e.After)}
		if row.Actor == "" {
			row.Actor, _ = v.T("audit.actor_kind." + e.ActorKind)
		}
		if e.ActorID != "" {
			row.ActorHref = v.url("/admin/audit", "actor", e.ActorID)
		}
		row.ActionLabel = v.actionLabel(e.Action)
		if r := byID[e.TargetID]; r != nil && e.TargetType == "role" {
			row.TargetName = v.RoleName(r)
		}
		row.RolesBefore, row.RolesAfter = v.roleNames(e.Before, byID), v.roleNames(e.After, byID)
		v.Events = append(v.Events, row)
	}
}

// targetName is what people call an event's target, from its snapshot.
func targetName(e *audit.Event) string {
	for _, raw := range []json.RawMessage{e.After, e.Before} {
		var snap struct {
			LoginID    string `json:"login_id"`
			WorksGroup string `json:"works_group"`
			Name       string `json:"name"`
		}
		if json.Unmarshal(raw, &snap) == nil {
			if name := cmp.Or(snap.LoginID, snap.WorksGroup, snap.Name); name != "" {
				return name
			}
		}
	}
	return ""
}

// roleNames names the roles of a member snapshot, "" when it holds none.
// A role deleted since is shown by its id.
func (v *auditPage) roleNames(raw json.RawMessage, byID map[string]*member.Role) string {
	var snap struct {
		RoleIDs []string `json:"role_ids"`
	}
	if json.Unmarshal(raw, &snap) != nil {
		return ""
	}
	names := make([]string, 0, len(snap.RoleIDs))
	for _, id := range snap.RoleIDs {
		if r := byID[id]; r != nil {
			id = v.RoleName(r)
		}
		names = append(names, id)
	}
	return strings.Join(names, ", ")
}

// actionLabel is the catalog's name of action, or "" for one it lacks.
func (v *auditPage) actionLabel(action string) string {
	if !v.cat.Has("audit.action." + action) {
		return ""
	}
	label, _ := v.T("audit.action." + action)
	return label
}

// auditJSON pretty-prints a before/after snapshot for the details view.
func auditJSON(raw json.RawMessage) string {
	if raw == nil {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// auditExport downloads every event matching the search as CSV (the
// service's columns, UTC times). A refusal found before the first byte
// (permission, bad filter) is shown as a page instead.
func (c *Console) auditExport(w http.ResponseWriter, r *http.Request) {
	p, err := c.adminPage(r, "audit.title", Crumb{Key: "menu.audit"}, Crumb{Key: "menu.audit_events"})
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	v := c.newAuditPage(p, r.URL.Query())
	f, ok := v.filter()
	if ok {
		f.ActorID, ok, err = c.auditActor(r, v)
	}
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	if !ok { // a refusal, or several members to choose from first
		c.render(w, r, http.StatusUnprocessableEntity, "audit_events", v)
		return
	}
	out, err := newCSVDownload(w, r.URL.Query(), "audit-events-"+c.cfg.Clock.Now().In(v.location()).Format("20060102")+".csv")
	if err == nil {
		err = out.close(c.svc.Audit.Export(r.Context(), f, v.Zone, out))
	}
	if err != nil {
		if out == nil || !out.started {
			c.fail(w, r, p, err)
			return
		}
		c.log.ErrorContext(r.Context(), "audit export failed midway", "err", err)
		panic(http.ErrAbortHandler) // a cut-off file must not look complete
	}
}
