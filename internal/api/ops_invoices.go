package api

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/csvenc"
)

// optionalInt is a query parameter whose absence differs from 0.
type optionalInt struct {
	Value int64
	IsSet bool
}

// Schema documents the parameter as the integer it is.
func (o optionalInt) Schema(r huma.Registry) *huma.Schema {
	return huma.SchemaFromType(r, reflect.TypeOf(o.Value))
}

// Receiver is where huma parses the parameter.
func (o *optionalInt) Receiver() reflect.Value { return reflect.ValueOf(o).Elem().Field(0) }

// OnParamSet records whether the request had the parameter.
func (o *optionalInt) OnParamSet(isSet bool, _ any) { o.IsSet = isSet }

func (o optionalInt) ptr() *int64 {
	if !o.IsSet {
		return nil
	}
	return &o.Value
}

// OpsInvoiceSearch is the search of every tenant's invoices (exported:
// huma reads the parameters of exported embedded structs only). Days are
// YYYY-MM-DD in the billing calendar (JST).
type OpsInvoiceSearch struct {
	From         string      `query:"from" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"issued on or after this day"`
	To           string      `query:"to" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"issued on or before this day"`
	MinTotal     optionalInt `query:"min_total" doc:"total (tax included) at least this, in minor units; credit notes have negative totals"`
	MaxTotal     optionalInt `query:"max_total" doc:"total (tax included) at most this, in minor units"`
	Number       string      `query:"number" maxLength:"200" doc:"part of the invoice number, any case"`
	Counterparty string      `query:"counterparty" maxLength:"200" doc:"part of the company name (on the invoice or now) or of the works group, any case"`
	Recipient    string      `query:"recipient" maxLength:"200" doc:"deprecated: counterparty"`
	Status       string      `query:"status" enum:"open,paid,issued,refunded,credited"`
	Kind         string      `query:"kind" enum:"invoice,credit_note"`
	Aging        string      `query:"aging" enum:"current,1-30,31-60,61-90,90+" doc:"open invoices so many days past due (GET /api/v1/ops/invoices/aging)"`
}

type opsInvoicesInput struct {
	OpsInvoiceSearch
	Cursor string `query:"cursor" doc:"the next_cursor of the previous page, unchanged; one not handed out is refused (400)"`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"100" doc:"at most this many, newest first"`
}

type opsInvoicesExportInput struct {
	OpsInvoiceSearch
	Encoding string `query:"encoding" enum:"utf-8,shift_jis" default:"utf-8" doc:"utf-8 is written with a byte-order mark (Excel opens it as UTF-8); in shift_jis a character Shift_JIS cannot represent (emoji, 𠮷) becomes ?"`
}

type runsInput struct {
	Cursor string `query:"cursor" doc:"the next_cursor of the previous page, unchanged; one not handed out is refused (400)"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"20"`
}

// OpsInvoice is an invoice of any tenant, without its lines, with its
// tenant as it is now.
type OpsInvoice struct {
	Invoice
	TenantID    string `json:"tenant_id"`
	WorksGroup  string `json:"works_group"`
	CompanyName string `json:"company_name" doc:"the tenant's company name now; recipient_name is the one the invoice was issued to"`
}

func toOpsInvoice(f *billing.FoundInvoice) OpsInvoice {
	return OpsInvoice{Invoice: toInvoice(&f.Invoice), TenantID: f.TenantID, WorksGroup: f.WorksGroup, CompanyName: f.CompanyName}
}

// MoneyAmount is an amount of one currency.
type MoneyAmount struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount" doc:"in minor units"`
}

// AgingBucket is the open invoices so many days past their due day.
type AgingBucket struct {
	Key            string        `json:"key" enum:"current,1-30,31-60,61-90,90+"`
	MinDaysPastDue int           `json:"min_days_past_due"`
	MaxDaysPastDue int           `json:"max_days_past_due,omitempty" doc:"absent for 90+"`
	DueFrom        string        `json:"due_from,omitempty" doc:"YYYY-MM-DD: the first due day it holds; absent for 90+"`
	DueUntil       string        `json:"due_until,omitempty" doc:"YYYY-MM-DD: the last due day it holds; absent for current"`
	Count          int           `json:"count"`
	Totals         []MoneyAmount `json:"totals" doc:"one per currency"`
	Invoices       string        `json:"invoices" doc:"the search of its invoices"`
}

// InvoiceAging is every tenant's open invoices by days past due.
type InvoiceAging struct {
	AsOf    string        `json:"as_of" doc:"YYYY-MM-DD in the billing calendar (JST)"`
	Buckets []AgingBucket `json:"buckets"`
}

func toAging(a *billing.Aging) InvoiceAging {
	out := InvoiceAging{AsOf: day(a.Day), Buckets: []AgingBucket{}}
	for _, b := range a.Buckets {
		w := AgingBucket{Key: b.Key, MinDaysPastDue: b.MinDays, MaxDaysPastDue: b.MaxDays, DueFrom: day(b.DueFrom), DueUntil: lastDay(b.DueTo),
			Count: b.Count, Totals: []MoneyAmount{}, Invoices: "/api/v1/ops/invoices?" + url.Values{"aging": {b.Key}}.Encode()}
		for _, m := range b.Totals {
			w.Totals = append(w.Totals, MoneyAmount{m.Currency, m.Amount})
		}
		out.Buckets = append(out.Buckets, w)
	}
	return out
}

// BillingRun is a billing run as recorded: when, who started it, what it
// did and what failed.
type BillingRun struct {
	ID         string       `json:"id"`
	StartedAt  time.Time    `json:"started_at"`
	FinishedAt time.Time    `json:"finished_at,omitzero" doc:"absent while it runs, or when its process died"`
	StartedBy  RunActor     `json:"started_by"`
	Renewed    int          `json:"renewed" doc:"subscriptions moved to their next period or instalment"`
	Issued     int          `json:"issued" doc:"invoices those renewals issued"`
	Charged    int          `json:"charged" doc:"card invoices paid"`
	Declined   int          `json:"declined" doc:"card charges refused (retried later)"`
	Purged     int          `json:"purged" doc:"closed tenants whose data was deleted"`
	Failed     int          `json:"failed" doc:"how many things failed (the next run tries them again)"`
	Failures   []RunFailure `json:"failures" doc:"the first 200 failures"`
}

// RunActor is who started a run: an operator, or the schedule (system
// without an id).
type RunActor struct {
	Kind string `json:"kind" enum:"operator,system"`
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// RunFailure is one thing a run could not do.
type RunFailure struct {
	Step     string `json:"step" enum:"renew,refund,charge,resume,purge,read"`
	TenantID string `json:"tenant_id,omitempty"`
	Ref      string `json:"ref,omitempty" doc:"what failed: the tenant, the invoice number or the quote id"`
	Reason   string `json:"reason,omitempty" doc:"why, in the Accept-Language; absent for an internal error"`
	Detail   string `json:"detail" doc:"the error as logged"`
}

func toBillingRun(r *billing.RunRecord, lang string) BillingRun {
	out := BillingRun{ID: r.ID, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, StartedBy: RunActor{r.ActorKind, r.ActorID, r.ActorName},
		Renewed: r.Renewed, Issued: r.Issued, Charged: r.Charged, Declined: r.Declined, Purged: r.Purged, Failed: r.Failed, Failures: []RunFailure{}}
	for _, f := range r.Failures {
		w := RunFailure{Step: f.Step, TenantID: f.TenantID, Ref: f.Ref, Detail: f.Detail}
		if f.Reason != nil {
			w.Reason = f.Reason.In(lang)
		}
		out.Failures = append(out.Failures, w)
	}
	return out
}

// search reads the query of an invoice search.
func (s *Server) search(q OpsInvoiceSearch) (billing.InvoiceSearch, error) {
	days, err := s.filter(InvoiceQuery{From: q.From, To: q.To})
	return billing.InvoiceSearch{From: days.From, To: days.To, MinTotal: q.MinTotal.ptr(), MaxTotal: q.MaxTotal.ptr(), Number: q.Number,
		Counterparty: cmp.Or(q.Counterparty, q.Recipient), Status: q.Status, Kind: q.Kind, Aging: q.Aging}, err
}

func (s *Server) registerOpsInvoices(tags []string) {
	register(s, huma.Operation{OperationID: "ops-list-invoices", Method: http.MethodGet, Path: "/api/v1/ops/invoices", Tags: tags,
		Summary: "Search every tenant's invoices and credit notes, newest first"}, false, s.opsListInvoices)
	register(s, huma.Operation{OperationID: "ops-export-invoices", Method: http.MethodGet, Path: "/api/v1/ops/invoices/export", Tags: tags,
		Summary: "Export the invoice search as CSV in UTF-8 with a byte-order mark or Shift_JIS"}, false, s.opsExportInvoices)
	register(s, huma.Operation{OperationID: "ops-invoice-aging", Method: http.MethodGet, Path: "/api/v1/ops/invoices/aging", Tags: tags,
		Summary: "Count and total the open invoices by days past due"}, false, s.opsInvoiceAging)
	register(s, huma.Operation{OperationID: "ops-list-billing-runs", Method: http.MethodGet, Path: "/api/v1/ops/billing-runs", Tags: tags,
		Summary: "The billing runs, newest first: who started each, what it did and what failed"}, false, s.opsListRuns)
}

func (s *Server) opsListInvoices(ctx context.Context, in *opsInvoicesInput) (*body[page[OpsInvoice]], error) {
	f, err := s.search(in.OpsInvoiceSearch)
	if err != nil {
		return nil, err
	}
	f.Limit = in.Limit
	invs, next, err := s.svc.Billing.SearchInvoices(ctx, f, in.Cursor)
	if err != nil {
		return nil, inQuery(err)
	}
	return reply(page[OpsInvoice]{mapSlice(invs, toOpsInvoice), next}), nil
}

func (s *Server) opsExportInvoices(ctx context.Context, in *opsInvoicesExportInput) (*huma.StreamResponse, error) {
	enc, err := csvenc.Parse("encoding", in.Encoding)
	if err != nil {
		return nil, inQuery(err)
	}
	f, err := s.search(in.OpsInvoiceSearch)
	if err != nil {
		return nil, err
	}
	// Check access and the filters before the 200 goes out; the stream cannot change its status later.
	probe := f
	probe.Limit = 1
	if _, _, err := s.svc.Billing.SearchInvoices(ctx, probe, ""); err != nil {
		return nil, inQuery(err)
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		hc.SetHeader("Content-Type", enc.ContentType())
		hc.SetHeader("Content-Disposition", `attachment; filename="invoices.csv"`)
		w := csvenc.NewWriter(hc.BodyWriter(), enc)
		err := s.svc.Billing.ExportInvoices(ctx, f, s.svc.Billing.Zone, w)
		if err == nil {
			err = w.Close()
		}
		if err != nil {
			s.log.ErrorContext(ctx, "invoice export failed midway", "err", err)
		}
	}}, nil
}

func (s *Server) opsInvoiceAging(ctx context.Context, _ *struct{}) (*body[InvoiceAging], error) {
	a, err := s.svc.Billing.InvoiceAging(ctx)
	if err != nil {
		return nil, err
	}
	return reply(toAging(a)), nil
}

func (s *Server) opsListRuns(ctx context.Context, in *runsInput) (*body[page[BillingRun]], error) {
	runs, next, err := s.svc.Billing.Runs(ctx, in.Cursor, in.Limit)
	if err != nil {
		return nil, inQuery(err)
	}
	lang := langOf(ctx)
	return reply(page[BillingRun]{mapSlice(runs, func(r *billing.RunRecord) BillingRun { return toBillingRun(r, lang) }), next}), nil
}
