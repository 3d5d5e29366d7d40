package member

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/text"
)

// The things a rule matches members by.
const (
	MatchDepartment = "department"
	MatchPosition   = "position"
	MatchGroup      = "group"
	MatchField      = "field"
)

// MatchKinds lists what a rule can match by, for forms.
var MatchKinds = []string{MatchDepartment, MatchPosition, MatchGroup, MatchField}

// Rule is an assignment rule (条件): members it matches, and that no rule
// of a higher priority (a lower number) matches, get its roles and
// features.
type Rule struct {
	ID, TenantID, Name string
	Priority           int // 1 is the highest
	MatchKind          string
	MatchID            string // the department, position, group or field
	IncludeSub         bool   // a department's sub-departments match too
	MatchValue         string // the field's value
	RoleIDs            []string
	Features           []string
	CreatedAt          time.Time
	Members            int // members it grants, as read
}

// grants is what r gives a member, as "role:id" and "feature:name".
func (r *Rule) grants() []string {
	if r == nil {
		return nil
	}
	var g []string
	for _, id := range r.RoleIDs {
		g = append(g, "role:"+id)
	}
	for _, f := range r.Features {
		g = append(g, "feature:"+f)
	}
	return g
}

// Facts is what rules match of a member.
type Facts struct {
	ID, LoginID, DisplayName, Status string
	SuperAdmin                       bool
	DepartmentID, PositionID, RuleID string
	GroupIDs                         []string
	Fields                           map[string]string
}

// RuleInput is a rule to create or change. Priority 0 keeps a rule's
// place (the last place for a new one).
type RuleInput struct {
	Name       string
	Priority   int
	MatchKind  string
	MatchID    string
	IncludeSub bool
	MatchValue string
	RoleIDs    []string
	Features   []string
}

// Change says how to run a change to rules: DryRun previews it, changing
// nothing; Expect, when set, is the Token of the preview that was shown,
// and the change is refused if it would now do something else.
type Change struct {
	DryRun bool
	Expect string
}

// MemberRef names a member in an outcome.
type MemberRef struct {
	ID          string `json:"id"`
	LoginID     string `json:"login_id"`
	DisplayName string `json:"display_name"`
}

// Outcome is what a change to rules does to members: whom it gives
// something they lacked, whom it takes something from, and whom it
// deactivates. Lists hold at most OutcomeListMax members each; the counts
// are exact. Token identifies the outcome (Change.Expect).
type Outcome struct {
	Rule        *Rule          `json:"-"`
	Gained      int            `json:"gained"`
	Lost        int            `json:"lost"`
	Deactivated int            `json:"deactivated"`
	GainedList  []MemberRef    `json:"gained_members"`
	LostList    []MemberRef    `json:"lost_members"`
	DeactList   []MemberRef    `json:"deactivated_members"`
	Token       string         `json:"fingerprint"`
	DryRun      bool           `json:"dry_run"`
	held        map[string]int // members per rule after the change
}

// OutcomeListMax is how many members each list of an Outcome names.
const OutcomeListMax = 200

// errDryRun rolls back a previewed change.
var errDryRun = errors.New("dry run")

// Rules lists tenantID's rules by priority, with how many members each grants.
func (s *Service) Rules(ctx context.Context, tenantID string) ([]*Rule, error) {
	if _, err := directoryAdmin(ctx, tenantID); err != nil {
		return nil, err
	}
	rs, err := s.Store.ListRules(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	n, err := s.Store.DirectoryCounts(ctx, tenantID, "rule")
	for _, r := range rs {
		r.Members = n[r.ID]
	}
	return rs, err
}

// CreateRule adds a rule and re-evaluates every member.
func (s *Service) CreateRule(ctx context.Context, tenantID string, in RuleInput, c Change) (*Outcome, error) {
	return s.changeRules(ctx, tenantID, "rule.created", c, func(ctx context.Context, a *auth.Actor, rules []*Rule) (*Rule, []*Rule, error) {
		r := &Rule{ID: s.IDs.New("rul"), TenantID: tenantID, CreatedAt: s.Clock.Now()}
		if err := s.checkRule(ctx, a, r, in); err != nil {
			return nil, nil, err
		}
		if slices.ContainsFunc(rules, func(o *Rule) bool { return o.Name == r.Name }) {
			return nil, nil, errs.Field("name", "directory.rule_name_taken", "name", r.Name)
		}
		return r, place(rules, r, in.Priority), nil
	})
}

// UpdateRule changes a rule (and its place, if in.Priority is set) and
// re-evaluates every member.
func (s *Service) UpdateRule(ctx context.Context, tenantID, id string, in RuleInput, c Change) (*Outcome, error) {
	return s.changeRules(ctx, tenantID, "rule.updated", c, func(ctx context.Context, a *auth.Actor, rules []*Rule) (*Rule, []*Rule, error) {
		i := slices.IndexFunc(rules, func(r *Rule) bool { return r.ID == id })
		if i < 0 {
			return nil, nil, errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.rule"))
		}
		r := *rules[i]
		if err := checkRuleGrants(ctx, s, a, rules[i]); err != nil {
			return nil, nil, err
		}
		if err := s.checkRule(ctx, a, &r, in); err != nil {
			return nil, nil, err
		}
		if slices.ContainsFunc(rules, func(o *Rule) bool { return o.ID != id && o.Name == r.Name }) {
			return nil, nil, errs.Field("name", "directory.rule_name_taken", "name", r.Name)
		}
		prio := in.Priority
		if prio == 0 {
			prio = i + 1
		}
		return &r, place(slices.Delete(slices.Clone(rules), i, i+1), &r, prio), nil
	})
}

// DeleteRule deletes a rule; the rest move up and every member is
// re-evaluated by the new priorities.
func (s *Service) DeleteRule(ctx context.Context, tenantID, id string, c Change) (*Outcome, error) {
	return s.changeRules(ctx, tenantID, "rule.deleted", c, func(ctx context.Context, a *auth.Actor, rules []*Rule) (*Rule, []*Rule, error) {
		i := slices.IndexFunc(rules, func(r *Rule) bool { return r.ID == id })
		if i < 0 {
			return nil, nil, errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.rule"))
		}
		if err := checkRuleGrants(ctx, s, a, rules[i]); err != nil {
			return nil, nil, err
		}
		return rules[i], slices.Delete(slices.Clone(rules), i, i+1), nil
	})
}

// place puts r at priority p (1-based; 0 or past the end: last) among rules.
func place(rules []*Rule, r *Rule, p int) []*Rule {
	if p <= 0 || p > len(rules)+1 {
		p = len(rules) + 1
	}
	return slices.Insert(slices.Clone(rules), p-1, r)
}

// checkRuleGrants refuses a change to a rule that grants roles, unless
// the actor has roles.manage and every permission of those roles.
func checkRuleGrants(ctx context.Context, s *Service, a *auth.Actor, r *Rule) error {
	if len(r.RoleIDs) > 0 && !a.Can(auth.PermRolesManage) {
		return errs.E(errs.PermissionDenied, "member.roles_change_denied", "permission", string(auth.PermRolesManage))
	}
	for _, id := range r.RoleIDs {
		role, err := s.Store.GetRole(ctx, r.TenantID, id)
		if err != nil {
			return err
		}
		if err := checkGrant(a, *role); err != nil {
			return err
		}
	}
	return nil
}

// checkRule validates in and sets it on r.
func (s *Service) checkRule(ctx context.Context, a *auth.Actor, r *Rule, in RuleInput) error {
	name, err := directoryName(in.Name)
	if err != nil {
		return err
	}
	r.Name, r.MatchKind, r.MatchID, r.IncludeSub, r.MatchValue = name, in.MatchKind, in.MatchID, false, ""
	if in.Priority < 0 {
		return errs.Field("priority", "directory.rule_priority_invalid")
	}
	var found error
	switch in.MatchKind {
	case MatchDepartment:
		_, found = s.Store.GetDepartment(ctx, r.TenantID, in.MatchID)
		r.IncludeSub = in.IncludeSub
	case MatchPosition:
		_, found = s.Store.GetPosition(ctx, r.TenantID, in.MatchID)
	case MatchGroup:
		_, found = s.Store.GetGroup(ctx, r.TenantID, in.MatchID)
	case MatchField:
		var f *Field
		if f, found = s.Store.GetField(ctx, r.TenantID, in.MatchID); found == nil {
			if r.MatchValue, err = fieldValue(f, in.MatchValue); err != nil {
				return err
			}
			if r.MatchValue == "" {
				return errs.Field("match_value", "directory.rule_value_missing", "field", f.Name)
			}
		}
	default:
		return errs.Field("match_kind", "directory.rule_kind_unknown", "kinds", strings.Join(MatchKinds, ", "))
	}
	if errs.Is(found, errs.NotFound) {
		return missing(errs.Field("match_id", "directory.rule_target_unknown", "id", text.Printable(in.MatchID)))
	} else if found != nil {
		return found
	}
	r.RoleIDs = slices.Compact(slices.Sorted(slices.Values(in.RoleIDs)))
	for _, id := range r.RoleIDs {
		if _, err := s.Store.GetRole(ctx, r.TenantID, id); errs.Is(err, errs.NotFound) {
			return missing(errs.Field("role_ids", "member.role_unknown", "role", text.Printable(id)))
		} else if err != nil {
			return err
		}
	}
	if err := checkRuleGrants(ctx, s, a, r); err != nil {
		return err
	}
	r.Features = slices.Compact(slices.Sorted(slices.Values(in.Features)))
	for _, f := range r.Features {
		if !slices.Contains(s.Features, f) {
			return errs.Field("features", "directory.feature_unknown", "feature", text.Printable(f), "features", strings.Join(s.Features, ", "))
		}
	}
	if len(r.RoleIDs) == 0 && len(r.Features) == 0 {
		return errs.Field("role_ids", "directory.rule_grants_nothing")
	}
	return nil
}

// changeRules runs a change to tenantID's rules: fn returns the rule
// changed and the rules in their new order; the rules are renumbered
// 1…n, every member re-evaluated, and the outcome returned (and, for a
// dry run, everything rolled back).
func (s *Service) changeRules(ctx context.Context, tenantID, action string, c Change,
	fn func(ctx context.Context, a *auth.Actor, rules []*Rule) (*Rule, []*Rule, error)) (*Outcome, error) {
	a, err := directoryAdmin(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var out *Outcome
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.LockBillable(ctx, tenantID); err != nil {
			return err
		}
		before, err := s.Store.ListRules(ctx, tenantID)
		if err != nil {
			return err
		}
		r, after, err := fn(ctx, a, before)
		if err != nil {
			return err
		}
		old := map[string]*Rule{}
		for _, b := range before {
			old[b.ID] = b
		}
		var snapBefore any
		if b := old[r.ID]; b != nil {
			snapBefore = ruleSnap(b)
		}
		deleted := !slices.Contains(after, r)
		if !deleted && old[r.ID] == nil {
			r.Priority = slices.Index(after, r) + 1
			if err := s.Store.CreateRule(ctx, r); err != nil {
				return err
			}
		}
		for i, x := range after {
			if x.Priority != i+1 || (x == r && old[r.ID] != nil) {
				x.Priority = i + 1
				if err := s.Store.UpdateRule(ctx, x); err != nil {
					return err
				}
			}
		}
		if out, err = s.reevaluate(ctx, tenantID, now, old, after, true); err != nil {
			return err
		}
		if deleted { // once no member holds it
			if err := s.Store.DeleteRule(ctx, tenantID, r.ID); err != nil {
				return err
			}
		}
		if c.Expect != "" && c.Expect != out.Token {
			return errs.E(errs.Conflict, "directory.preview_stale")
		}
		out.Rule, out.DryRun = r, c.DryRun
		r.Members = out.held[r.ID]
		var snapAfter any = map[string]int{"gained": out.Gained, "lost": out.Lost, "deactivated": out.Deactivated}
		if !deleted {
			snapAfter = map[string]any{"rule": ruleSnap(r), "gained": out.Gained, "lost": out.Lost, "deactivated": out.Deactivated}
		}
		if err := s.event(ctx, now, tenantID, action, "rule", r.ID, snapBefore, snapAfter); err != nil {
			return err
		}
		if c.DryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, fmt.Errorf("change rules: %w", err)
	}
	return out, nil
}

func ruleSnap(r *Rule) any {
	return map[string]any{"name": r.Name, "priority": r.Priority, "match_kind": r.MatchKind, "match_id": r.MatchID,
		"include_sub": r.IncludeSub, "match_value": r.MatchValue, "role_ids": r.RoleIDs, "features": r.Features}
}

// matcher finds the rule that grants a member.
type matcher struct {
	rules []*Rule
	depts map[string]map[string]bool // rule id → departments it matches
}

func (s *Service) matcher(ctx context.Context, tenantID string, rules []*Rule) (*matcher, error) {
	m := &matcher{rules: rules, depts: map[string]map[string]bool{}}
	var all []*Department
	for _, r := range rules {
		if r.MatchKind != MatchDepartment {
			continue
		}
		if r.IncludeSub {
			if all == nil {
				var err error
				if all, err = s.Store.ListDepartments(ctx, tenantID); err != nil {
					return nil, err
				}
			}
			m.depts[r.ID] = subtree(all, r.MatchID)
		} else {
			m.depts[r.ID] = map[string]bool{r.MatchID: true}
		}
	}
	return m, nil
}

// match returns the rule of the highest priority that matches f, or nil.
func (m *matcher) match(f *Facts) *Rule {
	for _, r := range m.rules {
		var ok bool
		switch r.MatchKind {
		case MatchDepartment:
			ok = f.DepartmentID != "" && m.depts[r.ID][f.DepartmentID]
		case MatchPosition:
			ok = f.PositionID == r.MatchID
		case MatchGroup:
			ok = slices.Contains(f.GroupIDs, r.MatchID)
		case MatchField:
			ok = f.Fields[r.MatchID] == r.MatchValue
		}
		if ok {
			return r
		}
	}
	return nil
}

// reevaluate gives every member of tenantID the rule of rules that matches
// it, old being the rules before the change (to tell what members had), and
// where deactivate is set and the tenant asks for it deactivates a member
// left without the rule it had. It returns what it did.
func (s *Service) reevaluate(ctx context.Context, tenantID string, now time.Time, old map[string]*Rule, rules []*Rule, deactivate bool) (*Outcome, error) {
	facts, err := s.Store.RuleFacts(ctx, tenantID, nil)
	if err != nil {
		return nil, err
	}
	m, err := s.matcher(ctx, tenantID, rules)
	if err != nil {
		return nil, err
	}
	if deactivate {
		if deactivate, err = s.Store.DeactivateUnmatched(ctx, tenantID); err != nil {
			return nil, err
		}
	}
	out := &Outcome{GainedList: []MemberRef{}, LostList: []MemberRef{}, DeactList: []MemberRef{}, held: map[string]int{}}
	byRule := map[string][]string{}
	var deact []string
	h := sha256.New()
	for _, f := range facts {
		r := m.match(f)
		was, now := grantSet(old[f.RuleID]), grantSet(r)
		newID := ""
		if r != nil {
			newID = r.ID
		}
		if newID != f.RuleID {
			byRule[newID] = append(byRule[newID], f.ID)
		}
		out.held[newID]++
		ref := MemberRef{f.ID, f.LoginID, f.DisplayName}
		switch {
		case deactivate && f.RuleID != "" && r == nil && !f.SuperAdmin && (f.Status == StatusActive || f.Status == StatusSuspended):
			out.Deactivated++
			deact = append(deact, f.ID)
			if len(out.DeactList) < OutcomeListMax {
				out.DeactList = append(out.DeactList, ref)
			}
			fmt.Fprintf(h, "d %s\n", f.ID)
		default:
			if gains(now, was) {
				out.Gained++
				if len(out.GainedList) < OutcomeListMax {
					out.GainedList = append(out.GainedList, ref)
				}
				fmt.Fprintf(h, "g %s\n", f.ID)
			}
			if gains(was, now) {
				out.Lost++
				if len(out.LostList) < OutcomeListMax {
					out.LostList = append(out.LostList, ref)
				}
				fmt.Fprintf(h, "l %s\n", f.ID)
			}
		}
	}
	out.Token = hex.EncodeToString(h.Sum(nil)[:12])
	if err := s.Store.SetMemberRules(ctx, tenantID, byRule); err != nil {
		return nil, err
	}
	return out, s.deactivateUnmatched(ctx, tenantID, now, deact)
}

// grantSet is r's grants as a set.
func grantSet(r *Rule) map[string]bool {
	set := map[string]bool{}
	for _, g := range r.grants() {
		set[g] = true
	}
	return set
}

// gains reports whether a holds something b lacks.
func gains(a, b map[string]bool) bool {
	for g := range a {
		if !b[g] {
			return true
		}
	}
	return false
}

// deactivateUnmatched deactivates the members ids, each recorded as a
// deactivation is, and counts the billable members once after.
func (s *Service) deactivateUnmatched(ctx context.Context, tenantID string, now time.Time, ids []string) error {
	for _, id := range ids {
		m, err := s.Store.GetMember(ctx, tenantID, id)
		if err != nil {
			return err
		}
		before := *m
		m.Status, m.UpdatedAt = StatusDeactivated, now
		if err := s.Store.UpdateMember(ctx, m); err != nil {
			return err
		}
		if _, err := s.Store.RevokeMemberSessions(ctx, m.ID, now); err != nil {
			return err
		}
		if err := s.record(ctx, now, m, "member.deactivated", &before); err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := s.recordBillable(ctx, tenantID, now, false)
	return err
}

// assign gives the members ids (nil: every member) of tenantID the rule
// that matches them now, after a change to what rules match (a member's
// department, groups…); it deactivates no one.
func (s *Service) assign(ctx context.Context, tenantID string, ids []string) error {
	// After changes to rules, which hold the same lock: never a rule being deleted.
	if err := s.Store.LockBillable(ctx, tenantID); err != nil {
		return err
	}
	rules, err := s.Store.ListRules(ctx, tenantID)
	if err != nil || len(rules) == 0 {
		return err
	}
	facts, err := s.Store.RuleFacts(ctx, tenantID, ids)
	if err != nil {
		return err
	}
	m, err := s.matcher(ctx, tenantID, rules)
	if err != nil {
		return err
	}
	byRule := map[string][]string{}
	for _, f := range facts {
		id := ""
		if r := m.match(f); r != nil {
			id = r.ID
		}
		if id != f.RuleID {
			byRule[id] = append(byRule[id], f.ID)
		}
	}
	return s.Store.SetMemberRules(ctx, tenantID, byRule)
}

// DeactivateUnmatched reports whether re-evaluations deactivate members
// left without the rule they had.
func (s *Service) DeactivateUnmatched(ctx context.Context, tenantID string) (bool, error) {
	if _, err := directoryAdmin(ctx, tenantID); err != nil {
		return false, err
	}
	return s.Store.DeactivateUnmatched(ctx, tenantID)
}

// SetDeactivateUnmatched turns that on or off; it deactivates no one by itself.
func (s *Service) SetDeactivateUnmatched(ctx context.Context, tenantID string, on bool) error {
	if _, err := directoryAdmin(ctx, tenantID); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.Store.InTx(ctx, func(ctx context.Context) error {
		was, err := s.Store.DeactivateUnmatched(ctx, tenantID)
		if err != nil || was == on {
			return err
		}
		if err := s.Store.SetDeactivateUnmatched(ctx, tenantID, on); err != nil {
			return err
		}
		return s.event(ctx, now, tenantID, "directory.settings_updated", "tenant", tenantID,
			map[string]bool{"deactivate_unmatched": was}, map[string]bool{"deactivate_unmatched": on})
	})
}
