package api

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// InvoicePath adds the {i} parameter.
type InvoicePath struct {
	TenantPath
	InvoiceID string `path:"i" doc:"invoice id (inv_…)"`
}

// InvoiceQuery filters invoices. Days are YYYY-MM-DD in the billing zone (JST).
type InvoiceQuery struct {
	From     string `query:"from" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"issued on or after this day"`
	To       string `query:"to" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"issued on or before this day"`
	MinTotal int64  `query:"min_total" minimum:"0" doc:"total at least this, in minor units"`
	Status   string `query:"status" enum:"open,paid,issued,refunded,credited"`
	Limit    int    `query:"limit" minimum:"1" maximum:"200" default:"100" doc:"at most this many, newest first"`
}

type tenantInvoicesInput struct {
	TenantPath
	InvoiceQuery
}

type opsInvoicePath struct {
	InvoiceID string `path:"i" doc:"invoice id (inv_…)"`
}

type pdfOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func (s *Server) filter(q InvoiceQuery) (billing.InvoiceFilter, error) {
	f := billing.InvoiceFilter{MinTotal: q.MinTotal, Status: q.Status, Limit: q.Limit}
	for _, d := range []struct {
		name, value string
		label       i18n.Term // the parameter as people read it: "to" is a day here, not a recipient
		to          *time.Time
		add         int
	}{{"from", q.From, "field.from", &f.From, 0}, {"to", q.To, "field.to_date", &f.To, 1}} {
		if d.value == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, d.value, s.svc.Billing.Zone)
		if err != nil {
			return f, inQuery(errs.Field(d.name, "billing.day_invalid", "day", d.label))
		}
		*d.to = t.AddDate(0, 0, d.add)
	}
	return f, nil
}

// pdfAlias serves GET …/invoices/{i}.pdf, a path the mux's patterns cannot
// express (a wildcard is a whole segment), as …/invoices/{i}/pdf.
var pdfAlias = regexp.MustCompile(`^/api/v1/tenants/[^/]+/invoices/[^/]+\.pdf$`)

func rewritePDF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && pdfAlias.MatchString(r.URL.Path) {
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = strings.TrimSuffix(r.URL.Path, ".pdf")+"/pdf", ""
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) registerInvoices(tags []string) {
	base := "/api/v1/tenants/{t}/invoices"
	register(s, huma.Operation{OperationID: "list-invoices", Method: http.MethodGet, Path: base, Tags: tags,
		Summary: "Search the tenant's invoices, newest first (without lines)"}, false, func(ctx context.Context, in *tenantInvoicesInput) (*body[page[Invoice]], error) {
		if err := tenantScope(ctx); err != nil {
			return nil, err
		}
		f, err := s.filter(in.InvoiceQuery)
		if err != nil {
			return nil, err
		}
		invs, err := s.svc.Billing.Invoices(ctx, in.TenantID, f)
		if err != nil {
			return nil, inQuery(err)
		}
		return reply(page[Invoice]{Items: mapSlice(invs, toInvoice)}), nil
	})
	register(s, huma.Operation{OperationID: "get-invoice", Method: http.MethodGet, Path: base + "/{i}", Tags: tags,
		Summary: "Get an invoice with its lines; the PDF is at …/invoices/{i}.pdf"}, false, func(ctx context.Context, in *InvoicePath) (*body[Invoice], error) {
		if err := tenantScope(ctx); err != nil {
			return nil, err
		}
		inv, err := s.svc.Billing.Invoice(ctx, in.TenantID, in.InvoiceID)
		if err != nil {
			return nil, err
		}
		return reply(toInvoice(inv)), nil
	})
	op := huma.Operation{OperationID: "get-invoice-pdf", Method: http.MethodGet, Path: base + "/{i}/pdf", Tags: tags, Hidden: true,
		Summary: "Download an invoice as PDF (in the tenant's language)"}
	register(s, op, false, s.invoicePDF)
	// The document names the path callers use; the mux serves it through rewritePDF.
	op.Path, op.Hidden, op.Security = base+"/{i}.pdf", false, []map[string][]string{{"bearer": {}}}
	op.Parameters = []*huma.Param{{Name: "t", In: "path", Required: true, Schema: &huma.Schema{Type: "string"}},
		{Name: "i", In: "path", Required: true, Schema: &huma.Schema{Type: "string"}, Description: "invoice id (inv_…)"}}
	op.Responses = map[string]*huma.Response{"200": {Description: "the invoice as PDF",
		Content: map[string]*huma.MediaType{"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}
	s.api.OpenAPI().AddOperation(&op)
}

func (s *Server) invoicePDF(ctx context.Context, in *InvoicePath) (*pdfOutput, error) {
	if err := tenantScope(ctx); err != nil {
		return nil, err
	}
	inv, err := s.svc.Billing.Invoice(ctx, in.TenantID, in.InvoiceID)
	if err != nil {
		return nil, err
	}
	t, err := s.svc.Tenants.Get(ctx, in.TenantID)
	if err != nil {
		return nil, err
	}
	pdf, err := s.svc.InvoicePDF.Render(inv, t.Language)
	if err != nil {
		return nil, err
	}
	return &pdfOutput{ContentType: "application/pdf", ContentDisposition: `attachment; filename="` + inv.Number + `.pdf"`, Body: pdf}, nil
}

func (s *Server) registerBillingOps() {
	tags := []string{"ops"}
	register(s, huma.Operation{OperationID: "ops-approve-payment-method", Method: http.MethodPost, Path: "/api/v1/ops/tenants/{t}/payment-methods/{p}/approve", Tags: tags,
		Summary: "Approve a tenant's invoice payment (請求書払い)"}, false, func(ctx context.Context, in *PaymentMethodPath) (*body[PaymentMethod], error) {
		m, err := s.svc.Billing.ApproveInvoicePayment(ctx, in.TenantID, in.MethodID)
		if err != nil {
			return nil, err
		}
		return reply(toPaymentMethod(m)), nil
	})
	register(s, huma.Operation{OperationID: "ops-mark-invoice-paid", Method: http.MethodPost, Path: "/api/v1/ops/invoices/{i}/mark-paid", Tags: tags,
		Summary: "Mark an invoice-payment invoice paid (the transfer arrived)"}, false, func(ctx context.Context, in *opsInvoicePath) (*body[Invoice], error) {
		inv, err := s.svc.Billing.MarkPaid(ctx, in.InvoiceID)
		if err != nil {
			return nil, err
		}
		return reply(toInvoice(inv)), nil
	})
	register(s, huma.Operation{OperationID: "ops-run-billing", Method: http.MethodPost, Path: "/api/v1/ops/billing-runs", Tags: tags,
		Summary: "Run billing now: renewals, scheduled changes, card retries, purges"}, false, func(ctx context.Context, _ *struct{}) (*body[RunReport], error) {
		if _, err := auth.RequireOperator(ctx); err != nil {
			return nil, err
		}
		// Each subscription and invoice moves on its own: what failed is
		// listed beside what was done (the next run tries it again).
		r, err := s.svc.Billing.Run(ctx)
		out := RunReport{Renewed: r.Renewed, Charged: r.Charged, Declined: r.Declined, Purged: r.Purged, Problems: []string{}}
		if err != nil {
			out.Problems = strings.Split(err.Error(), "\n")
		}
		return reply(out), nil
	})
}
