package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/member"
)

// The directory (SPEC §2): departments, positions, groups, custom fields
// and assignment rules, each under /api/v1/tenants/{t}/…; members.manage.

// Department is a department on the wire.
type Department struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	ParentID  string    `json:"parent_id" doc:"the department above; empty at the top"`
	Members   int       `json:"members" doc:"members in it (not those of the departments below)"`
	CreatedAt time.Time `json:"created_at"`
}

func toDepartment(d *member.Department) Department {
	return Department{d.ID, d.Name, d.ParentID, d.Members, d.CreatedAt}
}

// Position is a position (役職) on the wire.
type Position struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Members   int       `json:"members"`
	CreatedAt time.Time `json:"created_at"`
}

func toPosition(p *member.Position) Position { return Position{p.ID, p.Name, p.Members, p.CreatedAt} }

// Group is a group on the wire.
type Group struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Alias     string    `json:"alias" doc:"the group's mail alias on one of the tenant's domains; empty without one"`
	Members   int       `json:"members"`
	CreatedAt time.Time `json:"created_at"`
}

func toGroup(g *member.Group) Group { return Group{g.ID, g.Name, g.Alias, g.Members, g.CreatedAt} }

// Field is a custom member field on the wire.
type Field struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind" enum:"text,number,date,choice"`
	Required  bool      `json:"required"`
	Choices   []string  `json:"choices"`
	Values    int       `json:"values" doc:"members with a value"`
	CreatedAt time.Time `json:"created_at"`
}

func toField(f *member.Field) Field {
	choices := f.Choices
	if choices == nil {
		choices = []string{}
	}
	return Field{f.ID, f.Name, f.Kind, f.Required, choices, f.Values, f.CreatedAt}
}

// Rule is an assignment rule on the wire.
type Rule struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Priority   int       `json:"priority" doc:"1 is the highest"`
	MatchKind  string    `json:"match_kind" enum:"department,position,group,field"`
	MatchID    string    `json:"match_id"`
	IncludeSub bool      `json:"include_sub" doc:"a department rule: the departments below it match too"`
	MatchValue string    `json:"match_value" doc:"a field rule: the value that matches"`
	RoleIDs    []string  `json:"role_ids"`
	Features   []string  `json:"features"`
	Members    int       `json:"members" doc:"members it grants"`
	CreatedAt  time.Time `json:"created_at"`
}

func toRule(r *member.Rule) Rule {
	roles, features := r.RoleIDs, r.Features
	if roles == nil {
		roles = []string{}
	}
	if features == nil {
		features = []string{}
	}
	return Rule{r.ID, r.Name, r.Priority, r.MatchKind, r.MatchID, r.IncludeSub, r.MatchValue, roles, features, r.Members, r.CreatedAt}
}

// Reassign is where a deleted object's members go.
type Reassign struct {
	ReassignTo string `query:"reassign_to" doc:"the object of the same kind the members move to (a department's sub-departments move under it too)"`
	Confirm    bool   `query:"confirm" doc:"delete although members are attached, leaving them without one (a field: delete its values, which cannot be undone)"`
}

func (r Reassign) of() member.Reassign { return member.Reassign{To: r.ReassignTo, Confirm: r.Confirm} }

// The directory's paths, one parameter name per kind of id (exported:
// huma reads the parameters of exported embedded structs only).
type (
	DepartmentPath struct {
		TenantPath
		ID string `path:"dep" doc:"department id (dep_…)"`
	}
	PositionPath struct {
		TenantPath
		ID string `path:"pos" doc:"position id (pos_…)"`
	}
	GroupPath struct {
		TenantPath
		ID string `path:"grp" doc:"group id (grp_…)"`
	}
	FieldPath struct {
		TenantPath
		ID string `path:"fld" doc:"custom field id (fld_…)"`
	}
	RulePath struct {
		TenantPath
		ID string `path:"rul" doc:"assignment rule id (rul_…)"`
	}
)

// RuleOutcome is what a change to rules did (or, previewed, would do).
type RuleOutcome struct {
	Rule *Rule `json:"rule,omitempty" doc:"the rule created or changed"`
	member.Outcome
}

type RuleChange struct {
	DryRun bool   `query:"dry_run" doc:"preview: say what the change would do to members, changing nothing"`
	Expect string `query:"expect" doc:"the fingerprint of the preview shown: the change is refused (409) if it would now do something else"`
}

func (c RuleChange) of() member.Change { return member.Change{DryRun: c.DryRun, Expect: c.Expect} }

type ruleBody struct {
	Name       string   `json:"name" maxLength:"200"`
	Priority   int      `json:"priority,omitempty" minimum:"0" doc:"the place among the rules, 1 the highest; 0 or left out: last (a new rule) or unchanged"`
	MatchKind  string   `json:"match_kind" enum:"department,position,group,field"`
	MatchID    string   `json:"match_id" maxLength:"40"`
	IncludeSub bool     `json:"include_sub,omitempty"`
	MatchValue string   `json:"match_value,omitempty" maxLength:"200"`
	RoleIDs    []string `json:"role_ids,omitempty"`
	Features   []string `json:"features,omitempty"`
}

func (b ruleBody) input() member.RuleInput {
	return member.RuleInput{Name: b.Name, Priority: b.Priority, MatchKind: b.MatchKind, MatchID: b.MatchID, IncludeSub: b.IncludeSub,
		MatchValue: b.MatchValue, RoleIDs: b.RoleIDs, Features: b.Features}
}

type directorySettings struct {
	DeactivateUnmatched bool `json:"deactivate_unmatched" doc:"a re-evaluation deactivates members it leaves without the rule that had granted them (freeing their licenses)"`
}

func (s *Server) registerDirectory() {
	tags := []string{"directory"}
	s.registerDepartments(tags)
	s.registerPositionsAndGroups(tags)
	s.registerFields(tags)
	s.registerRules(tags)
}

func (s *Server) registerDepartments(tags []string) {
	type input struct {
		Name     string `json:"name" maxLength:"200"`
		ParentID string `json:"parent_id,omitempty" maxLength:"40" doc:"the department above; empty: at the top"`
	}
	register(s, huma.Operation{OperationID: "list-departments", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/departments", Tags: tags,
		Summary: "List departments (a tree by parent_id)"}, false, func(ctx context.Context, in *TenantPath) (*body[[]Department], error) {
		ds, err := s.svc.Members.Departments(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return reply(mapSlice(ds, toDepartment)), nil
	})
	register(s, huma.Operation{OperationID: "create-department", Method: http.MethodPost, Path: "/api/v1/tenants/{t}/departments", Tags: tags,
		Summary: "Create a department", DefaultStatus: http.StatusCreated}, false, func(ctx context.Context, in *struct {
		TenantPath
		Body input
	}) (*body[Department], error) {
		d, err := s.svc.Members.CreateDepartment(ctx, in.TenantID, member.DepartmentInput{Name: in.Body.Name, ParentID: in.Body.ParentID})
		if err != nil {
			return nil, err
		}
		return reply(toDepartment(d)), nil
	})
	register(s, huma.Operation{OperationID: "update-department", Method: http.MethodPut, Path: "/api/v1/tenants/{t}/departments/{dep}", Tags: tags,
		Summary: "Rename a department or move it under another"}, false, func(ctx context.Context, in *struct {
		DepartmentPath
		Body input
	}) (*body[Department], error) {
		d, err := s.svc.Members.UpdateDepartment(ctx, in.TenantID, in.ID, member.DepartmentInput{Name: in.Body.Name, ParentID: in.Body.ParentID})
		if err != nil {
			return nil, err
		}
		return reply(toDepartment(d)), nil
	})
	register(s, huma.Operation{OperationID: "delete-department", Method: http.MethodDelete, Path: "/api/v1/tenants/{t}/departments/{dep}", Tags: tags,
		Summary: "Delete a department, moving its members and sub-departments to reassign_to in the same transaction (409 while in use without reassign_to or confirm)"},
		false, func(ctx context.Context, in *struct {
			DepartmentPath
			Reassign
		}) (*body[member.Deleted], error) {
			return deletedReply(s.svc.Members.DeleteDepartment(ctx, in.TenantID, in.ID, in.of()))
		})
}

func deletedReply(d member.Deleted, err error) (*body[member.Deleted], error) {
	if err != nil {
		return nil, err
	}
	return reply(d), nil
}

func (s *Server) registerPositionsAndGroups(tags []string) {
	type positionInput struct {
		Name string `json:"name" maxLength:"200"`
	}
	register(s, huma.Operation{OperationID: "list-positions", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/positions", Tags: tags,
		Summary: "List positions (役職)"}, false, func(ctx context.Context, in *TenantPath) (*body[[]Position], error) {
		ps, err := s.svc.Members.Positions(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return reply(mapSlice(ps, toPosition)), nil
	})
	savePosition := func(ctx context.Context, tenantID, id, name string) (*body[Position], error) {
		p, err := s.svc.Members.SavePosition(ctx, tenantID, id, name)
		if err != nil {
			return nil, err
		}
		return reply(toPosition(p)), nil
	}
	register(s, huma.Operation{OperationID: "create-position", Method: http.MethodPost, Path: "/api/v1/tenants/{t}/positions", Tags: tags,
		Summary: "Create a position", DefaultStatus: http.StatusCreated}, false, func(ctx context.Context, in *struct {
		TenantPath
		Body positionInput
	}) (*body[Position], error) {
		return savePosition(ctx, in.TenantID, "", in.Body.Name)
	})
	register(s, huma.Operation{OperationID: "update-position", Method: http.MethodPut, Path: "/api/v1/tenants/{t}/positions/{pos}", Tags: tags,
		Summary: "Rename a position"}, false, func(ctx context.Context, in *struct {
		PositionPath
		Body positionInput
	}) (*body[Position], error) {
		return savePosition(ctx, in.TenantID, in.ID, in.Body.Name)
	})
	register(s, huma.Operation{OperationID: "delete-position", Method: http.MethodDelete, Path: "/api/v1/tenants/{t}/positions/{pos}", Tags: tags,
		Summary: "Delete a position, giving its members reassign_to instead in the same transaction (409 while in use without reassign_to or confirm)"},
		false, func(ctx context.Context, in *struct {
			PositionPath
			Reassign
		}) (*body[member.Deleted], error) {
			return deletedReply(s.svc.Members.DeletePosition(ctx, in.TenantID, in.ID, in.of()))
		})

	type groupInput struct {
		Name  string `json:"name" maxLength:"200"`
		Alias string `json:"alias,omitempty" maxLength:"320" doc:"a mail alias local@domain on one of the tenant's verified domains; empty: none"`
	}
	register(s, huma.Operation{OperationID: "list-groups", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/groups", Tags: tags,
		Summary: "List groups"}, false, func(ctx context.Context, in *TenantPath) (*body[[]Group], error) {
		gs, err := s.svc.Members.Groups(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return reply(mapSlice(gs, toGroup)), nil
	})
	saveGroup := func(ctx context.Context, tenantID, id string, in groupInput) (*body[Group], error) {
		g, err := s.svc.Members.SaveGroup(ctx, tenantID, id, member.GroupInput{Name: in.Name, Alias: in.Alias})
		if err != nil {
			return nil, err
		}
		return reply(toGroup(g)), nil
	}
	register(s, huma.Operation{OperationID: "create-group", Method: http.MethodPost, Path: "/api/v1/tenants/{t}/groups", Tags: tags,
		Summary: "Create a group", DefaultStatus: http.StatusCreated}, false, func(ctx context.Context, in *struct {
		TenantPath
		Body groupInput
	}) (*body[Group], error) {
		return saveGroup(ctx, in.TenantID, "", in.Body)
	})
	register(s, huma.Operation{OperationID: "update-group", Method: http.MethodPut, Path: "/api/v1/tenants/{t}/groups/{grp}", Tags: tags,
		Summary: "Rename a group or change its alias"}, false, func(ctx context.Context, in *struct {
		GroupPath
		Body groupInput
	}) (*body[Group], error) {
		return saveGroup(ctx, in.TenantID, in.ID, in.Body)
	})
	register(s, huma.Operation{OperationID: "delete-group", Method: http.MethodDelete, Path: "/api/v1/tenants/{t}/groups/{grp}", Tags: tags,
		Summary: "Delete a group, adding its members to reassign_to in the same transaction (409 while it has members without reassign_to or confirm); its alias stops receiving mail"},
		false, func(ctx context.Context, in *struct {
			GroupPath
			Reassign
		}) (*body[member.Deleted], error) {
			return deletedReply(s.svc.Members.DeleteGroup(ctx, in.TenantID, in.ID, in.of()))
		})
}

func (s *Server) registerFields(tags []string) {
	type fieldInput struct {
		Name     string   `json:"name" maxLength:"200"`
		Kind     string   `json:"kind,omitempty" enum:"text,number,date,choice" doc:"set when created; cannot change"`
		Required bool     `json:"required,omitempty"`
		Choices  []string `json:"choices,omitempty" doc:"a choice field's options; one members hold cannot be removed"`
	}
	register(s, huma.Operation{OperationID: "list-fields", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/fields", Tags: tags,
		Summary: "List custom member fields"}, false, func(ctx context.Context, in *TenantPath) (*body[[]Field], error) {
		fs, err := s.svc.Members.Fields(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return reply(mapSlice(fs, toField)), nil
	})
	saveField := func(ctx context.Context, tenantID, id string, in fieldInput) (*body[Field], error) {
		f, err := s.svc.Members.SaveField(ctx, tenantID, id, member.FieldInput{Name: in.Name, Kind: in.Kind, Required: in.Required, Choices: in.Choices})
		if err != nil {
			return nil, err
		}
		return reply(toField(f)), nil
	}
	register(s, huma.Operation{OperationID: "create-field", Method: http.MethodPost, Path: "/api/v1/tenants/{t}/fields", Tags: tags,
		Summary: "Create a custom member field", DefaultStatus: http.StatusCreated}, false, func(ctx context.Context, in *struct {
		TenantPath
		Body fieldInput
	}) (*body[Field], error) {
		return saveField(ctx, in.TenantID, "", in.Body)
	})
	register(s, huma.Operation{OperationID: "update-field", Method: http.MethodPut, Path: "/api/v1/tenants/{t}/fields/{fld}", Tags: tags,
		Summary: "Rename a field, make it required or not, change its choices"}, false, func(ctx context.Context, in *struct {
		FieldPath
		Body fieldInput
	}) (*body[Field], error) {
		return saveField(ctx, in.TenantID, in.ID, in.Body)
	})
	register(s, huma.Operation{OperationID: "delete-field", Method: http.MethodDelete, Path: "/api/v1/tenants/{t}/fields/{fld}", Tags: tags,
		Summary: "Delete a field and every member's value of it, irreversibly: needs confirm=true (409 without, saying how many members have a value); the audit event keeps the values"},
		false, func(ctx context.Context, in *struct {
			FieldPath
			Reassign
		}) (*body[member.Deleted], error) {
			return deletedReply(s.svc.Members.DeleteField(ctx, in.TenantID, in.ID, in.Confirm))
		})
}

func (s *Server) registerRules(tags []string) {
	register(s, huma.Operation{OperationID: "list-rules", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/rules", Tags: tags,
		Summary: "List assignment rules (条件) by priority"}, false, func(ctx context.Context, in *TenantPath) (*body[[]Rule], error) {
		rs, err := s.svc.Members.Rules(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return reply(mapSlice(rs, toRule)), nil
	})
	outcome := func(o *member.Outcome, err error) (*body[RuleOutcome], error) {
		if err != nil {
			return nil, err
		}
		out := RuleOutcome{Outcome: *o}
		if o.Rule != nil {
			r := toRule(o.Rule)
			out.Rule = &r
		}
		return reply(out), nil
	}
	register(s, huma.Operation{OperationID: "create-rule", Method: http.MethodPost, Path: "/api/v1/tenants/{t}/rules", Tags: tags,
		Summary: "Create an assignment rule and re-evaluate every member (dry_run: preview)", DefaultStatus: http.StatusCreated}, false, func(ctx context.Context, in *struct {
		TenantPath
		RuleChange
		Body ruleBody
	}) (*body[RuleOutcome], error) {
		return outcome(s.svc.Members.CreateRule(ctx, in.TenantID, in.Body.input(), in.of()))
	})
	register(s, huma.Operation{OperationID: "update-rule", Method: http.MethodPut, Path: "/api/v1/tenants/{t}/rules/{rul}", Tags: tags,
		Summary: "Change an assignment rule or its priority and re-evaluate every member (dry_run: preview)"}, false, func(ctx context.Context, in *struct {
		RulePath
		RuleChange
		Body ruleBody
	}) (*body[RuleOutcome], error) {
		return outcome(s.svc.Members.UpdateRule(ctx, in.TenantID, in.ID, in.Body.input(), in.of()))
	})
	register(s, huma.Operation{OperationID: "delete-rule", Method: http.MethodDelete, Path: "/api/v1/tenants/{t}/rules/{rul}", Tags: tags,
		Summary: "Delete an assignment rule: the rest move up and every member is re-evaluated (members no rule matches lose what rules granted, or are deactivated where the tenant chose that) (dry_run: preview)"},
		false, func(ctx context.Context, in *struct {
			RulePath
			RuleChange
		}) (*body[RuleOutcome], error) {
			return outcome(s.svc.Members.DeleteRule(ctx, in.TenantID, in.ID, in.of()))
		})
	register(s, huma.Operation{OperationID: "get-directory-settings", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/directory-settings", Tags: tags,
		Summary: "Whether re-evaluations deactivate members no rule matches"}, false, func(ctx context.Context, in *TenantPath) (*body[directorySettings], error) {
		on, err := s.svc.Members.DeactivateUnmatched(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return reply(directorySettings{on}), nil
	})
	register(s, huma.Operation{OperationID: "update-directory-settings", Method: http.MethodPut, Path: "/api/v1/tenants/{t}/directory-settings", Tags: tags,
		Summary: "Turn deactivating members no rule matches on or off (it deactivates no one by itself)"}, false, func(ctx context.Context, in *struct {
		TenantPath
		Body directorySettings
	}) (*body[directorySettings], error) {
		if err := s.svc.Members.SetDeactivateUnmatched(ctx, in.TenantID, in.Body.DeactivateUnmatched); err != nil {
			return nil, err
		}
		return reply(in.Body), nil
	})
}
