package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/csvenc"
	"github.com/kanri/kanri/internal/partner"
	"github.com/kanri/kanri/internal/session"
)

// Partner is a reseller on the wire (operators).
type Partner struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	ContactName     string           `json:"contact_name"`
	ContactEmail    string           `json:"contact_email"`
	Registration    string           `json:"registration" doc:"適格請求書発行事業者登録番号: T and 13 digits, or empty"`
	DiscountPercent int              `json:"discount_percent" doc:"wholesale discount on the catalog's prices"`
	Prices          map[string]int64 `json:"prices" doc:"the price list: a monthly wholesale unit price in minor units per \"plan/contract\" (e.g. \"standard/annual\": 300), used instead of the discount"`
	Status          string           `json:"status" enum:"active,suspended"`
	CreatedAt       time.Time        `json:"created_at"`
}

func toPartner(p *partner.Partner) Partner {
	prices := p.Prices
	if prices == nil {
		prices = map[string]int64{}
	}
	return Partner{p.ID, p.Name, p.ContactName, p.ContactEmail, p.Registration, p.DiscountPercent, prices, p.Status, p.CreatedAt}
}

// PartnerUser is one of a partner's staff.
type PartnerUser struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Language  string    `json:"language" enum:"ja,en"`
	Invited   bool      `json:"invited" doc:"has not chosen a password yet"`
	CreatedAt time.Time `json:"created_at"`
	// InvitationToken is set when the user was added without a password.
	InvitationToken Secret `json:"invitation_token,omitempty" doc:"for an invited user: the token for POST /partner/accept-invitation, also mailed; shown once (a replay answers null)"`
}

func toPartnerUser(u *partner.User) PartnerUser {
	return PartnerUser{ID: u.ID, Email: u.Email, Name: u.Name, Language: u.Language, Invited: u.InvitationHash != "", CreatedAt: u.CreatedAt}
}

// Customer is a partner's customer, as much as the partner may see.
type Customer struct {
	TenantID    string    `json:"tenant_id"`
	CompanyName string    `json:"company_name"`
	WorksGroup  string    `json:"works_group"`
	Domain      string    `json:"domain"`
	Plan        string    `json:"plan" doc:"the catalog's plan id, e.g. free"`
	Contract    string    `json:"contract,omitempty" enum:"monthly,annual,annual_monthly"`
	Licenses    int       `json:"licenses"`
	Billable    int       `json:"billable" doc:"members who count toward the bill"`
	Status      string    `json:"status,omitempty" enum:"active,past_due,canceled"`
	SwitchedAt  time.Time `json:"switched_at,omitzero"`
}

func toCustomer(c *partner.Customer) Customer {
	return Customer{c.TenantID, c.CompanyName, c.WorksGroup, c.Domain, c.Plan, c.Contract, c.Licenses, c.Billable, c.Status, c.SwitchedAt}
}

// PartnerDetail is a partner with its users and customers (operators).
type PartnerDetail struct {
	Partner
	Users     []PartnerUser `json:"users"`
	Customers []Customer    `json:"customers"`
}

// PartnerCode is a partner code as its tenant's super admin sees it.
type PartnerCode struct {
	Code            string    `json:"code" doc:"ERV and 16 characters of A-Z0-9: tell it to the partner"`
	Status          string    `json:"status" enum:"issued,expired,revoked,authenticated,approved" doc:"expired: issued, but past expires_at (issue a new one)"`
	IssuedAt        time.Time `json:"issued_at"`
	ExpiresAt       time.Time `json:"expires_at" doc:"an issued code cannot be authenticated from then on"`
	AuthenticatedAt time.Time `json:"authenticated_at,omitzero"`
	ApprovedAt      time.Time `json:"approved_at,omitzero"`
}

func toPartnerCode(c *partner.Code) *PartnerCode {
	if c == nil {
		return nil
	}
	return &PartnerCode{c.Code, c.Status, c.IssuedAt, c.ExpiresAt, c.AuthenticatedAt, c.ApprovedAt}
}

// PartnerContract is where a tenant's move to a partner stands.
type PartnerContract struct {
	Step        int          `json:"step" minimum:"1" maximum:"4" doc:"1 issue a code (none yet, or the latest revoked or expired), 2 awaiting the partner's authentication, 3 settlement and approval, 4 switched"`
	Channel     string       `json:"channel" enum:"direct,partner"`
	Code        *PartnerCode `json:"code,omitempty" doc:"the latest code"`
	PartnerName string       `json:"partner_name,omitempty" doc:"the partner that authenticated the code, or the tenant's partner"`
	Missing     []string     `json:"missing" doc:"company information approval needs that is missing: works_group, company_name, phone, admin_email"`
}

// PartnerSwitch is the outcome of an approval.
type PartnerSwitch struct {
	Contract   PartnerContract `json:"contract"`
	Settlement *Invoice        `json:"settlement,omitempty" doc:"the final invoice or credit note of the direct contract, if any"`
	At         time.Time       `json:"at"`
}

// PartnerRequest is a code the partner authenticated, from its side.
type PartnerRequest struct {
	TenantID        string    `json:"tenant_id"`
	CompanyName     string    `json:"company_name"`
	WorksGroup      string    `json:"works_group"`
	Status          string    `json:"status" enum:"authenticated,approved,revoked" doc:"authenticated: awaiting the customer's approval"`
	AuthenticatedAt time.Time `json:"authenticated_at"`
	ApprovedAt      time.Time `json:"approved_at,omitzero"`
}

type partnerFields struct {
	Name            *string `json:"name,omitempty" maxLength:"200"`
	ContactName     *string `json:"contact_name,omitempty" maxLength:"200"`
	ContactEmail    *string `json:"contact_email,omitempty" maxLength:"320"`
	Registration    *string `json:"registration,omitempty" maxLength:"20"`
	DiscountPercent *int    `json:"discount_percent,omitempty" minimum:"0" maximum:"100"`
	// Prices replaces the whole price list when given.
	Prices *map[string]int64 `json:"prices,omitempty" doc:"the whole price list: monthly wholesale unit price per \"plan/contract\"; {} clears it"`
}

func (f partnerFields) fields() partner.Fields {
	return partner.Fields{Name: f.Name, ContactName: f.ContactName, ContactEmail: f.ContactEmail, Registration: f.Registration,
		DiscountPercent: f.DiscountPercent, Prices: f.Prices}
}

// PartnerPath is the {partner} parameter of the operators' partner routes.
type PartnerPath struct {
	PartnerID string `path:"partner" doc:"partner id (ptn_…)"`
}

// CodePath adds the {code} parameter: a partner code.
type CodePath struct {
	TenantPath
	Code string `path:"code" doc:"the partner code (ERV…)"`
}

type approveInput struct {
	CodePath
	Body struct {
		WorksGroup  *string `json:"works_group,omitempty" maxLength:"100"`
		CompanyName *string `json:"company_name,omitempty" maxLength:"200"`
		Phone       *string `json:"phone,omitempty" maxLength:"40"`
		AdminEmail  *string `json:"admin_email,omitempty" doc:"becomes the super admin's personal e-mail address" maxLength:"320"`
	}
}

type partnerUserInput struct {
	PartnerPath
	Body struct {
		Email    string `json:"email" maxLength:"320"`
		Name     string `json:"name" maxLength:"200"`
		Language string `json:"language,omitempty" enum:"ja,en" default:"ja"`
		Password string `json:"password,omitempty" doc:"the first password, handed to the user; without it the user is invited by mail to choose one" maxLength:"1024"`
	}
}

type authenticateInput struct {
	Body struct {
		Code string `json:"code" doc:"the code the customer's super admin told you" maxLength:"100"`
	}
}

func (s *Server) registerPartners() {
	s.registerPartnerOps()
	s.registerPartnerCodes()
	s.registerPartnerPortal()
	s.registerStatements()
}

func (s *Server) registerPartnerOps() {
	tags, base := []string{"ops"}, "/api/v1/ops/partners"
	register(s, huma.Operation{OperationID: "ops-list-partners", Method: http.MethodGet, Path: base, Tags: tags,
		Summary: "List partners (operators)"}, false, func(ctx context.Context, _ *struct{}) (*body[page[Partner]], error) {
		ps, err := s.svc.Partners.List(ctx)
		if err != nil {
			return nil, err
		}
		return reply(page[Partner]{Items: mapSlice(ps, toPartner)}), nil
	})
	register(s, huma.Operation{OperationID: "ops-create-partner", Method: http.MethodPost, Path: base, Tags: tags, DefaultStatus: http.StatusCreated,
		Summary: "Create a partner (operators)"}, false, func(ctx context.Context, in *struct{ Body partnerFields }) (*body[Partner], error) {
		p, err := s.svc.Partners.Create(ctx, in.Body.fields())
		if err != nil {
			return nil, err
		}
		return reply(toPartner(p)), nil
	})
	register(s, huma.Operation{OperationID: "ops-get-partner", Method: http.MethodGet, Path: base + "/{partner}", Tags: tags,
		Summary: "A partner with its users and customers (operators)"}, false, func(ctx context.Context, in *PartnerPath) (*body[PartnerDetail], error) {
		d, err := s.svc.Partners.Get(ctx, in.PartnerID)
		if err != nil {
			return nil, err
		}
		return reply(PartnerDetail{toPartner(d.Partner), mapSlice(d.Users, toPartnerUser), mapSlice(d.Customers, toCustomer)}), nil
	})
	register(s, huma.Operation{OperationID: "ops-update-partner", Method: http.MethodPatch, Path: base + "/{partner}", Tags: tags,
		Summary: "Change a partner (operators)"}, false, func(ctx context.Context, in *struct {
		PartnerPath
		Body partnerFields
	}) (*body[Partner], error) {
		p, err := s.svc.Partners.Update(ctx, in.PartnerID, in.Body.fields())
		if err != nil {
			return nil, err
		}
		return reply(toPartner(p)), nil
	})
	for _, st := range []struct{ path, status, summary string }{{"suspend", partner.StatusSuspended, "Suspend a partner: its users can no longer sign in"},
		{"reactivate", partner.StatusActive, "Lift a partner's suspension"}} {
		register(s, huma.Operation{OperationID: "ops-" + st.path + "-partner", Method: http.MethodPost, Path: base + "/{partner}/" + st.path, Tags: tags,
			Summary: st.summary + " (operators)"}, false, func(ctx context.Context, in *PartnerPath) (*body[Partner], error) {
			p, err := s.svc.Partners.SetStatus(ctx, in.PartnerID, st.status)
			if err != nil {
				return nil, err
			}
			return reply(toPartner(p)), nil
		})
	}
	register(s, huma.Operation{OperationID: "ops-add-partner-user", Method: http.MethodPost, Path: base + "/{partner}/users", Tags: tags, DefaultStatus: http.StatusCreated,
		Summary: "Add a partner user who signs in to the partner portal (operators)"}, false, func(ctx context.Context, in *partnerUserInput) (*body[PartnerUser], error) {
		u, err := s.svc.Partners.AddUser(ctx, in.PartnerID, partner.NewUser{Email: in.Body.Email, Name: in.Body.Name, Language: in.Body.Language,
			Password: in.Body.Password})
		if err != nil {
			return nil, err
		}
		out := toPartnerUser(u.User)
		out.InvitationToken = Secret(u.InvitationToken)
		return reply(out), nil
	})
}

// toContract is st on the wire.
func toContract(st *partner.Standing, adminEmail string) PartnerContract {
	out := PartnerContract{Step: st.Step, Channel: st.Tenant.Channel, Code: toPartnerCode(st.Code),
		Missing: append([]string{}, partner.Missing(st.Tenant, adminEmail)...)}
	if st.Partner != nil {
		out.PartnerName = st.Partner.Name
	}
	return out
}

func (s *Server) registerPartnerCodes() {
	tags, base := []string{"partner contract"}, "/api/v1/tenants/{t}/partner-codes"
	register(s, huma.Operation{OperationID: "get-partner-contract", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/partner-contract", Tags: tags,
		Summary: "Where the move to a partner stands (super admin)"}, false, func(ctx context.Context, in *TenantPath) (*body[PartnerContract], error) {
		st, err := s.svc.Partners.Status(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return reply(toContract(st, st.AdminEmail)), nil
	})
	register(s, huma.Operation{OperationID: "issue-partner-code", Method: http.MethodPost, Path: base, Tags: tags, DefaultStatus: http.StatusCreated,
		Summary: "Issue a partner code, revoking the open one (super admin)"}, false, func(ctx context.Context, in *TenantPath) (*body[PartnerCode], error) {
		c, err := s.svc.Partners.Issue(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return reply(*toPartnerCode(c)), nil
	})
	register(s, huma.Operation{OperationID: "approve-partner-code", Method: http.MethodPost, Path: base + "/{code}/approve", Tags: tags,
		Summary: "Approve the code a partner authenticated: settle and switch to the partner, for good (super admin)"}, false,
		func(ctx context.Context, in *approveInput) (*body[PartnerSwitch], error) {
			b := in.Body
			sw, err := s.svc.Partners.Approve(ctx, in.TenantID, in.Code, partner.Approval{WorksGroup: b.WorksGroup, CompanyName: b.CompanyName,
				Phone: b.Phone, AdminEmail: b.AdminEmail})
			if err != nil {
				return nil, err
			}
			st, err := s.svc.Partners.Status(ctx, in.TenantID)
			if err != nil {
				return nil, err
			}
			out := PartnerSwitch{Contract: toContract(st, st.AdminEmail), At: sw.At}
			if sw.Settlement != nil {
				inv := toInvoice(sw.Settlement)
				out.Settlement = &inv
			}
			return reply(out), nil
		})
}

func (s *Server) registerPartnerPortal() {
	tags := []string{"partner portal"}
	register(s, huma.Operation{OperationID: "partner-login", Method: http.MethodPost, Path: "/api/v1/partner/login", Tags: tags,
		Summary: "Sign in as a partner user (with two-factor sign-in on: then POST /auth/login/two-factor)"}, true, func(ctx context.Context, in *loginInput) (*loginOutput, error) {
		r, err := s.svc.Sessions.LoginPartner(ctx, in.Body.LoginID, in.Body.Password, session.ClientOf(ctx))
		if err != nil {
			return nil, err
		}
		return s.signedIn(r), nil
	})
	register(s, huma.Operation{OperationID: "partner-accept-invitation", Method: http.MethodPost, Path: "/api/v1/partner/accept-invitation", Tags: tags,
		Summary: "Accept a partner user's invitation and choose a password"}, true, func(ctx context.Context, in *acceptInput) (*body[PartnerUser], error) {
		u, err := s.svc.Partners.AcceptInvitation(ctx, in.Body.Token, in.Body.Password)
		if err != nil {
			return nil, err
		}
		return reply(toPartnerUser(u)), nil
	})
	register(s, huma.Operation{OperationID: "partner-authenticate-code", Method: http.MethodPost, Path: "/api/v1/partner/codes/authenticate", Tags: tags,
		Summary: "Authenticate a customer's partner code: once, by one partner"}, false, func(ctx context.Context, in *authenticateInput) (*body[PartnerRequest], error) {
		r, err := s.svc.Partners.Authenticate(ctx, in.Body.Code)
		if err != nil {
			return nil, err
		}
		return reply(toRequest(r)), nil
	})
	register(s, huma.Operation{OperationID: "partner-list-requests", Method: http.MethodGet, Path: "/api/v1/partner/requests", Tags: tags,
		Summary: "Codes the partner authenticated: awaiting approval, or approved"}, false, func(ctx context.Context, _ *struct{}) (*body[page[PartnerRequest]], error) {
		reqs, err := s.svc.Partners.Requests(ctx)
		if err != nil {
			return nil, err
		}
		return reply(page[PartnerRequest]{Items: mapSlice(reqs, toRequest)}), nil
	})
	base := "/api/v1/partner/customers/{t}/subscription"
	register(s, huma.Operation{OperationID: "partner-quote-customer", Method: http.MethodPost, Path: base + "/quote", Tags: tags, DefaultStatus: http.StatusCreated,
		Summary: "Price a change of a customer's plan, contract or licenses: billed on the partner's statement, nothing to the customer"}, false, partnerOnly(s.quote))
	register(s, huma.Operation{OperationID: "partner-apply-customer", Method: http.MethodPost, Path: base, Tags: tags,
		Summary: "Apply a customer's quote: at once (or at the renewal, as the plan's reductions), on the partner's statement"}, false, partnerOnly(s.apply))
	register(s, huma.Operation{OperationID: "partner-list-customers", Method: http.MethodGet, Path: "/api/v1/partner/customers", Tags: tags,
		Summary: "The partner's customers"}, false, func(ctx context.Context, _ *struct{}) (*body[page[Customer]], error) {
		cs, err := s.svc.Partners.Customers(ctx)
		if err != nil {
			return nil, err
		}
		return reply(page[Customer]{Items: mapSlice(cs, toCustomer)}), nil
	})
}

func toRequest(r *partner.Request) PartnerRequest {
	return PartnerRequest{r.Code.TenantID, r.CompanyName, r.WorksGroup, r.Code.Status, r.Code.AuthenticatedAt, r.Code.ApprovedAt}
}

// StatementLine is one customer's line of a wholesale statement.
type StatementLine struct {
	TenantID string `json:"tenant_id"`
	Customer string `json:"customer"`
	Line
}

// Statement is a partner's wholesale statement for a month.
type Statement struct {
	PartnerID       string          `json:"partner_id"`
	PartnerName     string          `json:"partner_name"`
	Month           string          `json:"month" doc:"YYYY-MM"`
	DiscountPercent int             `json:"discount_percent"`
	Currency        string          `json:"currency"`
	Lines           []StatementLine `json:"lines" doc:"a line per customer: unit_amount is the wholesale monthly price, prorated by days from the switch"`
	Subtotal        int64           `json:"subtotal"`
	Taxes           []TaxAmount     `json:"taxes" doc:"tax once per rate, rounded down"`
	Tax             int64           `json:"tax"`
	Total           int64           `json:"total"`
	Final           bool            `json:"final" doc:"the month has ended (Japan time) and the statement no longer changes; false: an estimate to the month's end"`
}

func toStatement(st *partner.Statement) Statement {
	return Statement{st.Partner.ID, st.Partner.Name, st.Month.Format("2006-01"), st.Discount, st.Currency,
		mapSlice(st.Lines, func(l billing.StatementLine) StatementLine {
			return StatementLine{l.TenantID, l.Customer, toLine(l.Line)}
		}),
		st.Subtotal, toTaxes(st.Taxes), st.Tax, st.Total, st.Final}
}

// StatementPath is the {month} of a wholesale statement, and the reader's
// language.
type StatementPath struct {
	Month          string `path:"month" doc:"YYYY-MM" example:"2027-04"`
	AcceptLanguage string `header:"Accept-Language"`
}

type opsStatementInput struct {
	PartnerPath
	StatementPath
}

type statementCSVInput struct {
	StatementPath
	Encoding string `query:"encoding" enum:"utf-8,shift_jis" default:"utf-8" doc:"utf-8 is written with a byte-order mark (Excel opens it as UTF-8)"`
}

func (s *Server) registerStatements() {
	register(s, huma.Operation{OperationID: "partner-get-statement", Method: http.MethodGet, Path: "/api/v1/partner/statements/{month}", Tags: []string{"partner portal"},
		Summary: "The partner's wholesale statement for a month"}, false, func(ctx context.Context, in *StatementPath) (*body[Statement], error) {
		return s.statement(ctx, partnerOf(ctx), in)
	})
	register(s, huma.Operation{OperationID: "ops-get-partner-statement", Method: http.MethodGet, Path: "/api/v1/ops/partners/{partner}/statements/{month}",
		Tags: []string{"ops"}, Summary: "A partner's wholesale statement for a month (operators)"}, false, func(ctx context.Context, in *opsStatementInput) (*body[Statement], error) {
		if _, err := auth.RequireOperator(ctx); err != nil {
			return nil, err
		}
		return s.statement(ctx, in.PartnerID, &in.StatementPath)
	})
	register(s, huma.Operation{OperationID: "partner-statement-pdf", Method: http.MethodGet, Path: "/api/v1/partner/statements/{month}/pdf", Tags: []string{"partner portal"},
		Summary: "The partner's wholesale statement for a month as PDF (卸売明細書)"}, false, func(ctx context.Context, in *StatementPath) (*pdfOutput, error) {
		lang := requestLang(in.AcceptLanguage)
		st, err := s.svc.Partners.Statement(ctx, partnerOf(ctx), in.Month, lang)
		if err != nil {
			return nil, located("path", err)
		}
		pdf, err := s.svc.InvoicePDF.RenderStatement(st.Statement, st.Partner.Name, s.svc.Billing.Issuer, lang)
		if err != nil {
			return nil, err
		}
		return &pdfOutput{ContentType: "application/pdf", ContentDisposition: `attachment; filename="statement-` + in.Month + `.pdf"`, Body: pdf}, nil
	})
	register(s, huma.Operation{OperationID: "partner-export-statement", Method: http.MethodGet, Path: "/api/v1/partner/statements/{month}/csv", Tags: []string{"partner portal"},
		Summary: "The partner's wholesale statement for a month as CSV"}, false, func(ctx context.Context, in *statementCSVInput) (*huma.StreamResponse, error) {
		enc, err := csvenc.Parse("encoding", in.Encoding)
		if err != nil {
			return nil, inQuery(err)
		}
		lang := requestLang(in.AcceptLanguage)
		st, err := s.svc.Partners.Statement(ctx, partnerOf(ctx), in.Month, lang)
		if err != nil {
			return nil, located("path", err)
		}
		return &huma.StreamResponse{Body: func(hc huma.Context) {
			hc.SetHeader("Content-Type", enc.ContentType())
			hc.SetHeader("Content-Disposition", `attachment; filename="statement-`+in.Month+`.csv"`)
			w := csvenc.NewWriter(hc.BodyWriter(), enc)
			if err := st.WriteCSV(w, lang); err != nil {
				s.log.ErrorContext(ctx, "statement export failed midway", "err", err)
			}
		}}, nil
	})
}

// partnerOf is the partner of the partner user in ctx, "" for anyone else
// (whom the service refuses).
func partnerOf(ctx context.Context) string {
	if a := auth.FromContext(ctx); a != nil {
		return a.PartnerID
	}
	return ""
}

func (s *Server) statement(ctx context.Context, partnerID string, in *StatementPath) (*body[Statement], error) {
	st, err := s.svc.Partners.Statement(ctx, partnerID, in.Month, requestLang(in.AcceptLanguage))
	if err != nil {
		return nil, located("path", err)
	}
	return reply(toStatement(st)), nil
}

// partnerOnly refuses h to anyone but a partner user: the portal's routes
// share their handlers with the tenants' own.
func partnerOnly[I, O any](h func(context.Context, *I) (*O, error)) func(context.Context, *I) (*O, error) {
	return func(ctx context.Context, in *I) (*O, error) {
		if _, err := auth.RequirePartner(ctx); err != nil {
			return nil, err
		}
		return h(ctx, in)
	}
}
