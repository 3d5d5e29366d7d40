package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/domain"
)

// Domain is a tenant's domain on the wire.
type Domain struct {
	ID              string            `json:"id"`
	Name            string            `json:"name" doc:"A-label (punycode) form"`
	Kind            string            `json:"kind" enum:"provided,custom"`
	Status          string            `json:"status" enum:"pending,active,primary_changing,expired"`
	Primary         bool              `json:"primary" doc:"every login id ends with this domain (基本)"`
	SubMail         bool              `json:"sub_mail" doc:"mail to this domain is accepted beside the primary"`
	Method          string            `json:"method,omitempty" enum:"txt,mx" doc:"how ownership was proven"`
	Verification    *Verification     `json:"verification,omitempty" doc:"pending custom domains: publish either record, then verify"`
	Deadline        time.Time         `json:"deadline,omitzero" doc:"pending domains: prove ownership by then, or the domain is removed"`
	VerifiedAt      time.Time         `json:"verified_at,omitzero"`
	LastCheckAt     time.Time         `json:"last_check_at,omitzero"`
	LastCheck       string            `json:"last_check,omitempty" doc:"what the last check found and what to do, in the request's language"`
	LastCheckCode   string            `json:"last_check_code,omitempty" doc:"the last check's stable code, e.g. domain.check_txt_mismatch" example:"domain.check_txt_mismatch"`
	LastCheckParams map[string]string `json:"last_check_params,omitempty" doc:"the parameters of the last check's message, e.g. found and expected"`
	CreatedAt       time.Time         `json:"created_at"`
}

// Verification is the DNS record that proves a domain, in either form.
type Verification struct {
	TXTName  string `json:"txt_name" doc:"publish a TXT record here ..."`
	TXTValue string `json:"txt_value" doc:"... with this value"`
	MXName   string `json:"mx_name" doc:"or an MX record at the domain itself ..."`
	MXHost   string `json:"mx_host" doc:"... pointing to this host"`
}

// toDomain is d on the wire, its last check in lang.
func (s *Server) toDomain(lang string, d *domain.Domain) Domain {
	out := Domain{ID: d.ID, Name: d.Name, Kind: d.Kind, Status: d.Status, Primary: d.Primary, SubMail: d.SubMail(), Method: d.Method,
		VerifiedAt: d.VerifiedAt, LastCheckAt: d.LastCheckAt, CreatedAt: d.CreatedAt}
	if f := d.LastCheck; f.Code != "" {
		out.LastCheck, out.LastCheckCode, out.LastCheckParams = f.Message(lang), f.Code, f.Params
	}
	if d.Status == domain.StatusPending {
		p := s.svc.Domains.Proof(d)
		out.Verification = &Verification{p.TXTName, p.TXTValue, p.MXName, p.MXHost}
		out.Deadline = d.Deadline
	}
	return out
}

// DomainCheck is what a verification found.
type DomainCheck struct {
	Outcome  string            `json:"outcome" enum:"verified,not_found,not_visible_yet,expired" doc:"not_visible_yet: DNS did not answer (SERVFAIL, timeout); Kanri keeps checking"`
	Code     string            `json:"code" doc:"the stable code of what was found, e.g. domain.check_txt_mismatch" example:"domain.check_txt_mismatch"`
	Params   map[string]string `json:"params,omitempty" doc:"the parameters of the message: what was found and what is expected"`
	Message  string            `json:"message" doc:"what was found and what to do, in the request's language"`
	Domain   Domain            `json:"domain"`
	Expected Verification      `json:"expected"`
	FoundTXT []string          `json:"found_txt" doc:"TXT records found at expected.txt_name"`
	FoundMX  []string          `json:"found_mx" doc:"MX hosts found at the domain"`
}

// DomainChange is a primary-domain change and its job's progress.
type DomainChange struct {
	ID          string    `json:"id" doc:"also the job id"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Status      string    `json:"status" enum:"renaming,mailing,done" doc:"renaming: the job has not renamed the login ids yet; mailing: renamed, members are being mailed"`
	RequestedBy string    `json:"requested_by"`
	Renamed     int       `json:"renamed" doc:"login ids renamed"`
	Mailed      int       `json:"mailed" doc:"members told their new login id so far"`
	CreatedAt   time.Time `json:"created_at"`
	RenamedAt   time.Time `json:"renamed_at,omitzero"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
}

func toDomainChange(c *domain.Change) DomainChange {
	return DomainChange{c.ID, c.FromName, c.ToName, c.Status, c.RequestedBy, c.Renamed, c.Mailed, c.CreatedAt, c.RenamedAt, c.FinishedAt}
}

// DomainPath adds the {d} parameter.
type DomainPath struct {
	TenantPath
	DomainID string `path:"d" doc:"domain id (dom_…)"`
}

type addDomainInput struct {
	TenantPath
	Body struct {
		Name string `json:"name" doc:"the domain; Unicode (IDN) and fullwidth dots are accepted" maxLength:"1000"`
	}
}

type deleteDomainInput struct {
	DomainPath
	Confirm string `query:"confirm" doc:"deleting the provided domain is irreversible: repeat its name here"`
}

type changePath struct {
	TenantPath
	ChangeID string `path:"c" doc:"domain change id (dch_…)"`
}

type acceptedChange struct {
	Location string `header:"Location"`
	Body     DomainChange
}

func (s *Server) registerDomains() {
	tags := []string{"domains"}
	base := "/api/v1/tenants/{t}/domains"
	register(s, huma.Operation{OperationID: "list-domains", Method: http.MethodGet, Path: base, Tags: tags,
		Summary: "List the tenant's domains (expired ones drop off)"}, false, func(ctx context.Context, in *TenantPath) (*body[page[Domain]], error) {
		ds, err := s.svc.Domains.List(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		lang := langOf(ctx)
		return reply(page[Domain]{Items: mapSlice(ds, func(d *domain.Domain) Domain { return s.toDomain(lang, d) })}), nil
	})
	register(s, huma.Operation{OperationID: "add-domain", Method: http.MethodPost, Path: base, Tags: tags, DefaultStatus: http.StatusCreated,
		Summary: "Add a custom domain; it stays pending until its DNS record is verified"}, false, func(ctx context.Context, in *addDomainInput) (*body[Domain], error) {
		d, err := s.svc.Domains.Add(ctx, in.TenantID, in.Body.Name)
		if err != nil {
			return nil, err
		}
		return reply(s.toDomain(langOf(ctx), d)), nil
	})
	register(s, huma.Operation{OperationID: "get-domain", Method: http.MethodGet, Path: base + "/{d}", Tags: tags,
		Summary: "Get a domain"}, false, func(ctx context.Context, in *DomainPath) (*body[Domain], error) {
		d, err := s.svc.Domains.Get(ctx, in.TenantID, in.DomainID)
		if err != nil {
			return nil, err
		}
		return reply(s.toDomain(langOf(ctx), d)), nil
	})
	register(s, huma.Operation{OperationID: "get-domain-addresses", Method: http.MethodGet, Path: base + "/{d}/addresses", Tags: tags,
		Summary: "What stops receiving mail if the domain is deleted: the group aliases and members' e-mail addresses on it (up to 100 of each, with counts)"},
		false, func(ctx context.Context, in *DomainPath) (*body[domain.Addresses], error) {
			a, err := s.svc.Domains.Addresses(ctx, in.TenantID, in.DomainID)
			if err != nil {
				return nil, err
			}
			return reply(*a), nil
		})
	register(s, huma.Operation{OperationID: "delete-domain", Method: http.MethodDelete, Path: base + "/{d}", Tags: tags, DefaultStatus: http.StatusNoContent,
		Summary: "Delete a domain that is not primary, removing the group aliases on it in the same transaction (the provided domain: super admin, with confirm)"}, false, func(ctx context.Context, in *deleteDomainInput) (*struct{}, error) {
		return nil, s.svc.Domains.Delete(ctx, in.TenantID, in.DomainID, in.Confirm)
	})
	register(s, huma.Operation{OperationID: "verify-domain", Method: http.MethodPost, Path: base + "/{d}/verify", Tags: tags,
		Summary: "Look for the domain's record in DNS now"}, false, func(ctx context.Context, in *DomainPath) (*body[DomainCheck], error) {
		c, err := s.svc.Domains.Verify(ctx, in.TenantID, in.DomainID)
		if err != nil {
			return nil, err
		}
		e, lang := c.Expected, langOf(ctx)
		return reply(DomainCheck{Outcome: c.Outcome, Code: c.Finding.Code, Params: c.Finding.Params, Message: c.Finding.Message(lang),
			Domain: s.toDomain(lang, c.Domain), Expected: Verification{e.TXTName, e.TXTValue, e.MXName, e.MXHost},
			FoundTXT: nonNil(c.TXT), FoundMX: nonNil(c.MX)}), nil
	})
	register(s, huma.Operation{OperationID: "make-primary-domain", Method: http.MethodPost, Path: base + "/{d}/make-primary", Tags: tags,
		DefaultStatus: http.StatusAccepted,
		Summary:       "Make an active domain primary (super admin): renames every login id and signs everyone out, in a background job"}, false,
		func(ctx context.Context, in *DomainPath) (*acceptedChange, error) {
			c, err := s.svc.Domains.MakePrimary(ctx, in.TenantID, in.DomainID)
			if err != nil {
				return nil, err
			}
			return &acceptedChange{Location: "/api/v1/tenants/" + in.TenantID + "/domain-changes/" + c.ID, Body: toDomainChange(c)}, nil
		})
	register(s, huma.Operation{OperationID: "get-domain-change", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/domain-changes/{c}", Tags: tags,
		Summary: "Follow a primary-domain change"}, false, func(ctx context.Context, in *changePath) (*body[DomainChange], error) {
		c, err := s.svc.Domains.GetChange(ctx, in.TenantID, in.ChangeID)
		if err != nil {
			return nil, err
		}
		return reply(toDomainChange(c)), nil
	})
}

func nonNil(vs []string) []string {
	if vs == nil {
		return []string{}
	}
	return vs
}
