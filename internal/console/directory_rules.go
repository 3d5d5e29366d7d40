package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
)

func (c *Console) registerRules(rt *router, manage func(http.HandlerFunc) http.HandlerFunc) {
	rt.page(rulesURL, manage(c.rules))
	rt.post(rulesURL+"/settings", manage(c.saveRuleSettings))
	rt.page(rulesURL+"/new", manage(c.newRule))
	rt.post(rulesURL+"/new", manage(c.createRule))
	rt.page(rulesURL+"/{rule}", manage(c.editRule))
	rt.post(rulesURL+"/{rule}", manage(c.updateRule))
	rt.post(rulesURL+"/{rule}/move", manage(c.moveRule))
	rt.page(rulesURL+"/{rule}/delete", manage(c.previewDeleteRule))
	rt.post(rulesURL+"/{rule}/delete", manage(c.deleteRule))
}

// rulesFrame is what the pages of 条件 share: the directory's names, to
// say what a rule matches and grants.
type rulesFrame struct {
	dirFrame
	Tree      []deptNode
	Positions []*member.Position
	Groups    []*member.Group
	Fields    []*member.Field
	Roles     []*member.Role
	Features  []string
}

// rulesFrame reads the directory for a page of 条件 (title "": the list).
func (c *Console) rulesFrame(r *http.Request, title string) (rulesFrame, error) {
	f, err := c.dirFrame(r, "rules", title)
	p := rulesFrame{dirFrame: f, Features: c.svc.Members.Features}
	if err != nil {
		return p, err
	}
	ctx, tenantID := r.Context(), actor(r).TenantID
	ds, err := c.svc.Members.Departments(ctx, tenantID)
	p.Tree = deptTree(ds)
	if err == nil {
		p.Positions, err = c.svc.Members.Positions(ctx, tenantID)
	}
	if err == nil {
		p.Groups, err = c.svc.Members.Groups(ctx, tenantID)
	}
	if err == nil {
		p.Fields, err = c.svc.Members.Fields(ctx, tenantID)
	}
	if err == nil {
		p.Roles, err = c.svc.Members.Roles(ctx, tenantID)
	}
	return p, err
}

// Match says what rule matches: 部署「営業部」(下位部署を含む), 項目「雇用形態」が「正社員」….
func (p rulesFrame) Match(rule *member.Rule) (string, error) {
	name := rule.MatchID // what is no longer there shows its id
	key := "directory.rules.match." + rule.MatchKind
	switch rule.MatchKind {
	case member.MatchDepartment:
		if i := slices.IndexFunc(p.Tree, func(d deptNode) bool { return d.ID == rule.MatchID }); i >= 0 {
			name = p.Tree[i].Name
		}
		if rule.IncludeSub {
			key += "_sub"
		}
	case member.MatchPosition:
		if i := slices.IndexFunc(p.Positions, func(x *member.Position) bool { return x.ID == rule.MatchID }); i >= 0 {
			name = p.Positions[i].Name
		}
	case member.MatchGroup:
		if i := slices.IndexFunc(p.Groups, func(g *member.Group) bool { return g.ID == rule.MatchID }); i >= 0 {
			name = p.Groups[i].Name
		}
	case member.MatchField:
		if i := slices.IndexFunc(p.Fields, func(f *member.Field) bool { return f.ID == rule.MatchID }); i >= 0 {
			name = p.Fields[i].Name
		}
		return p.T(key, name, rule.MatchValue)
	}
	return p.T(key, name)
}

// Grants names what rule gives: its roles, then its features.
func (p rulesFrame) Grants(rule *member.Rule) []string {
	var out []string
	for _, id := range rule.RoleIDs {
		name := id
		if i := slices.IndexFunc(p.Roles, func(r *member.Role) bool { return r.ID == id }); i >= 0 {
			name = p.RoleName(p.Roles[i])
		}
		out = append(out, name)
	}
	for _, f := range rule.Features {
		out = append(out, p.FeatureName(f))
	}
	return out
}

// FeatureName is a catalog feature's name in the page's language; one
// the console has no name for yet shows as the catalog calls it.
func (p rulesFrame) FeatureName(f string) string {
	if s, err := p.T("directory.feature." + f); err == nil {
		return s
	}
	return f
}

// rulesPage is 条件: the rules by priority, each with what it matches and
// grants and how many members it grants, and the tenant's option to
// deactivate members a re-evaluation leaves without the rule they had.
type rulesPage struct {
	rulesFrame
	Rules               []ruleRow
	DeactivateUnmatched bool
}

// ruleRow is a rule of the list with the priorities its 上へ and 下へ
// buttons give it (0: no such button).
type ruleRow struct {
	*member.Rule
	Up, Down int
}

func (c *Console) rules(w http.ResponseWriter, r *http.Request) {
	f, err := c.rulesFrame(r, "")
	p := &rulesPage{rulesFrame: f}
	var rules []*member.Rule
	if err == nil {
		rules, err = c.svc.Members.Rules(r.Context(), actor(r).TenantID)
	}
	for i, rule := range rules {
		row := ruleRow{Rule: rule}
		if i > 0 {
			row.Up = i
		}
		if i < len(rules)-1 {
			row.Down = i + 2
		}
		p.Rules = append(p.Rules, row)
	}
	if err == nil {
		p.DeactivateUnmatched, err = c.svc.Members.DeactivateUnmatched(r.Context(), actor(r).TenantID)
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_rules", p)
}

// saveRuleSettings turns deactivating unmatched members on or off; the
// unticked box of the form turns it off.
func (c *Console) saveRuleSettings(w http.ResponseWriter, r *http.Request) {
	f, err := c.dirFrame(r, "rules", "")
	if err != nil {
		c.fail(w, r, f.Page, err)
		return
	}
	v, err := formValues(r)
	if err == nil {
		err = c.svc.Members.SetDeactivateUnmatched(r.Context(), actor(r).TenantID, v.Get("deactivate_unmatched") != "")
	}
	if err != nil {
		c.fail(w, r, f.Page, err)
		return
	}
	redirect(w, r, rulesURL, "directory_rules_settings_saved")
}

// ruleFormPage adds a rule (Rule nil) or changes one. What it matches is
// one select ("department:dep_…", "field:fld_…"), grouped by kind.
type ruleFormPage struct {
	rulesFrame
	Rule  *member.Rule
	Grant []roleChoice // a role the actor may not grant is disabled
}

// Checked reports whether the form's name holds value.
func (p ruleFormPage) Checked(name, value string) bool {
	return slices.Contains(p.Form.Values[name], value)
}

// ruleForm is the form page of rule (nil: a new one) with the values v.
func (c *Console) ruleForm(r *http.Request, rule *member.Rule, v url.Values) (*ruleFormPage, error) {
	title := "directory.rules.new"
	if rule != nil {
		title = "directory.rules.edit"
	}
	f, err := c.rulesFrame(r, title)
	p := &ruleFormPage{rulesFrame: f, Rule: rule}
	p.Form.Values = v
	a := actor(r)
	for _, role := range f.Roles {
		grantable := a.SuperAdmin || auth.Covers(a.Permissions, role.Permissions)
		p.Grant = append(p.Grant, roleChoice{ID: role.ID, Name: f.RoleName(role), Checked: slices.Contains(v["role_ids"], role.ID), Disabled: !grantable})
	}
	return p, err
}

// ruleValues fills the form with rule as it is.
func ruleValues(rule *member.Rule) url.Values {
	v := url.Values{"name": {rule.Name}, "match": {rule.MatchKind + ":" + rule.MatchID}, "match_value": {rule.MatchValue},
		"role_ids": rule.RoleIDs, "features": rule.Features}
	if rule.IncludeSub {
		v.Set("include_sub", "on")
	}
	return v
}

// ruleInput reads the form; its place stays (Priority 0).
func ruleInput(v url.Values) member.RuleInput {
	kind, id, _ := strings.Cut(v.Get("match"), ":")
	return member.RuleInput{Name: v.Get("name"), MatchKind: kind, MatchID: id, IncludeSub: v.Get("include_sub") != "",
		MatchValue: v.Get("match_value"), RoleIDs: v["role_ids"], Features: v["features"]}
}

// ruleOf returns the tenant's rule id; another tenant's is NotFound.
func (c *Console) ruleOf(r *http.Request, id string) (*member.Rule, error) {
	rules, err := c.svc.Members.Rules(r.Context(), actor(r).TenantID)
	if err != nil {
		return nil, err
	}
	for _, rule := range rules {
		if rule.ID == id {
			return rule, nil
		}
	}
	return nil, errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.rule"))
}

func (c *Console) newRule(w http.ResponseWriter, r *http.Request) {
	p, err := c.ruleForm(r, nil, url.Values{})
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_rule", p)
}

func (c *Console) editRule(w http.ResponseWriter, r *http.Request) {
	rule, err := c.ruleOf(r, r.PathValue("rule"))
	if err != nil {
		f, _ := c.dirFrame(r, "rules", "directory.rules.edit")
		c.fail(w, r, f.Page, err)
		return
	}
	p, err := c.ruleForm(r, rule, ruleValues(rule))
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_rule", p)
}
