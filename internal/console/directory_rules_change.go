package console

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
)

// Every change to rules (add, edit, move, delete) re-evaluates every
// member, so it goes through a preview: what the change would do, member
// by member, and a button that does it with the preview's token. If the
// members or rules changed meanwhile, the service refuses the token and
// the page shows the new preview instead.

// rulePreviewPage is that preview.
type rulePreviewPage struct {
	rulesFrame
	Change  string       // "create", "update", "move" or "delete"
	Rule    *member.Rule // the rule as it would be (as it was, for a deletion)
	Outcome *member.Outcome
	Action  string        // where the confirmation posts
	Hidden  []hiddenField // the change's form, posted again with the token
	CanEdit bool          // the change came from the rule form: 修正する returns to it
}

// hiddenField is a form value carried through the preview.
type hiddenField struct{ Name, Value string }

// Lead says what the change is: 条件「…」を追加すると….
func (p *rulePreviewPage) Lead() (string, error) {
	if p.Change == "move" {
		return p.T("directory.rules.preview.move", p.Rule.Name, p.Rule.Priority)
	}
	return p.T("directory.rules.preview."+p.Change, p.Rule.Name)
}

// More is how many of n members the list (at most member.OutcomeListMax)
// leaves out.
func (*rulePreviewPage) More(n int, list []member.MemberRef) int { return n - len(list) }

// ruleStep is one change to rules as the console runs it.
type ruleStep struct {
	change string // as rulePreviewPage.Change
	action string
	run    func(ctx context.Context, ch member.Change) (*member.Outcome, error)
	values url.Values    // the form to carry through the preview
	expect string        // the token of the preview confirmed; "": preview
	form   *ruleFormPage // where a refusal of the input shows; nil: the error page
	flash  string
}

// runRuleStep previews s, or does it when the form confirms a preview.
func (c *Console) runRuleStep(w http.ResponseWriter, r *http.Request, f rulesFrame, s ruleStep) {
	var stale error
	if s.expect != "" {
		_, err := s.run(r.Context(), member.Change{Expect: s.expect})
		if err == nil {
			redirect(w, r, rulesURL, s.flash)
			return
		}
		if e, ok := errs.As(err); !ok || e.Code != "directory.preview_stale" {
			c.ruleRefused(w, r, f, s, err)
			return
		}
		stale = err
	}
	out, err := s.run(r.Context(), member.Change{DryRun: true})
	if err != nil {
		c.ruleRefused(w, r, f, s, err)
		return
	}
	p := &rulePreviewPage{rulesFrame: f, Change: s.change, Rule: out.Rule, Outcome: out, Action: s.action, CanEdit: s.form != nil}
	p.Title = "directory.rules.preview"
	p.Crumbs = append(slices.Clone(p.Crumbs[:len(p.Crumbs)-1]), Crumb{Key: p.Title})
	for _, k := range slices.Sorted(maps.Keys(s.values)) {
		if k == "expect" || k == "back" {
			continue
		}
		for _, v := range s.values[k] {
			p.Hidden = append(p.Hidden, hiddenField{k, v})
		}
	}
	status := http.StatusOK
	if stale != nil {
		p.refuse(stale)
		status = api.Status(stale)
	}
	c.render(w, r, status, "directory_rule_preview", p)
}

// ruleRefused shows why the change cannot be made: on the rule form when
// it came from there, else on the error page.
func (c *Console) ruleRefused(w http.ResponseWriter, r *http.Request, f rulesFrame, s ruleStep, err error) {
	if s.form != nil {
		c.formFailed(w, r, "directory_rule", s.form, err)
		return
	}
	c.fail(w, r, f.Page, err)
}

// createRule previews the rule the form describes, or adds it.
func (c *Console) createRule(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	p, ferr := c.ruleForm(r, nil, v)
	if ferr != nil {
		c.fail(w, r, p.Page, ferr)
		return
	}
	if err != nil {
		c.formFailed(w, r, "directory_rule", p, err)
		return
	}
	if v.Get("back") != "" { // 修正する on the preview
		c.render(w, r, http.StatusOK, "directory_rule", p)
		return
	}
	tenantID := actor(r).TenantID
	c.runRuleStep(w, r, p.rulesFrame, ruleStep{change: "create", action: rulesURL + "/new", values: v, expect: v.Get("expect"),
		form: p, flash: "directory_rule_created",
		run: func(ctx context.Context, ch member.Change) (*member.Outcome, error) {
			return c.svc.Members.CreateRule(ctx, tenantID, ruleInput(v), ch)
		}})
}

// updateRule previews the change the form describes, or makes it.
func (c *Console) updateRule(w http.ResponseWriter, r *http.Request) {
	rule, err := c.ruleOf(r, r.PathValue("rule"))
	if err != nil {
		f, _ := c.dirFrame(r, "rules", "directory.rules.edit")
		c.fail(w, r, f.Page, err)
		return
	}
	v, err := formValues(r)
	p, ferr := c.ruleForm(r, rule, v)
	if ferr != nil {
		c.fail(w, r, p.Page, ferr)
		return
	}
	if err != nil {
		c.formFailed(w, r, "directory_rule", p, err)
		return
	}
	if v.Get("back") != "" {
		c.render(w, r, http.StatusOK, "directory_rule", p)
		return
	}
	tenantID := actor(r).TenantID
	c.runRuleStep(w, r, p.rulesFrame, ruleStep{change: "update", action: rulesURL + "/" + url.PathEscape(rule.ID), values: v,
		expect: v.Get("expect"), form: p, flash: "directory_rule_updated",
		run: func(ctx context.Context, ch member.Change) (*member.Outcome, error) {
			return c.svc.Members.UpdateRule(ctx, tenantID, rule.ID, ruleInput(v), ch)
		}})
}

// ruleStepFrame loads the rule of the URL and the frame of its preview.
func (c *Console) ruleStepFrame(r *http.Request) (*member.Rule, rulesFrame, error) {
	f, err := c.rulesFrame(r, "directory.rules.preview")
	if err != nil {
		return nil, f, err
	}
	rule, err := c.ruleOf(r, r.PathValue("rule"))
	return rule, f, err
}

// moveRule previews giving the rule the form's priority (上へ, 下へ on
// the list), or does it.
func (c *Console) moveRule(w http.ResponseWriter, r *http.Request) {
	rule, f, err := c.ruleStepFrame(r)
	var v url.Values
	if err == nil {
		v, err = formValues(r)
	}
	prio := 0
	if err == nil {
		if prio, err = strconv.Atoi(v.Get("priority")); err != nil || prio < 1 {
			err = errs.Field("priority", "directory.rule_priority_invalid")
		}
	}
	if err != nil {
		c.fail(w, r, f.Page, err)
		return
	}
	in := member.RuleInput{Name: rule.Name, Priority: prio, MatchKind: rule.MatchKind, MatchID: rule.MatchID, IncludeSub: rule.IncludeSub,
		MatchValue: rule.MatchValue, RoleIDs: rule.RoleIDs, Features: rule.Features}
	tenantID := actor(r).TenantID
	c.runRuleStep(w, r, f, ruleStep{change: "move", action: rulesURL + "/" + url.PathEscape(rule.ID) + "/move",
		values: url.Values{"priority": {strconv.Itoa(prio)}}, expect: v.Get("expect"), flash: "directory_rule_moved",
		run: func(ctx context.Context, ch member.Change) (*member.Outcome, error) {
			return c.svc.Members.UpdateRule(ctx, tenantID, rule.ID, in, ch)
		}})
}

// previewDeleteRule is the deletion's preview: the rule's members lose
// what it granted unless another rule matches them.
func (c *Console) previewDeleteRule(w http.ResponseWriter, r *http.Request) {
	c.runDeleteRule(w, r, "")
}

// deleteRule deletes the rule the preview showed, or previews it again.
func (c *Console) deleteRule(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	if err != nil {
		f, _ := c.dirFrame(r, "rules", "directory.rules.preview")
		c.fail(w, r, f.Page, err)
		return
	}
	c.runDeleteRule(w, r, v.Get("expect"))
}

func (c *Console) runDeleteRule(w http.ResponseWriter, r *http.Request, expect string) {
	rule, f, err := c.ruleStepFrame(r)
	if err != nil {
		c.fail(w, r, f.Page, err)
		return
	}
	tenantID := actor(r).TenantID
	c.runRuleStep(w, r, f, ruleStep{change: "delete", action: rulesURL + "/" + url.PathEscape(rule.ID) + "/delete", expect: expect,
		flash: "directory_rule_deleted",
		run: func(ctx context.Context, ch member.Change) (*member.Outcome, error) {
			return c.svc.Members.DeleteRule(ctx, tenantID, rule.ID, ch)
		}})
}
