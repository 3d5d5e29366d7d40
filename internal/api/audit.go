package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/csvenc"
	"github.com/kanri/kanri/internal/errs"
)

// AuditQuery selects audit events, for the list and the CSV export.
type AuditQuery struct {
	TenantPath
	From    time.Time `query:"from" doc:"events at or after this time (RFC 3339)"`
	To      time.Time `query:"to" doc:"events before this time (RFC 3339)"`
	ActorID string    `query:"actor_id" doc:"member or operator id"`
	Action  string    `query:"action" doc:"an action such as member.added, or a prefix such as member."`
}

func (q *AuditQuery) filter() audit.Filter {
	return audit.Filter{TenantID: q.TenantID, From: q.From, To: q.To, ActorID: q.ActorID, Action: q.Action}
}

type auditExportInput struct {
	AuditQuery
	Encoding string `query:"encoding" enum:"utf-8,shift_jis" default:"utf-8" doc:"utf-8 is written with a byte-order mark (Excel opens it as UTF-8); in shift_jis a character Shift_JIS cannot represent (emoji, 𠮷) becomes ?"`
}

type auditListInput struct {
	AuditQuery
	Cursor string `query:"cursor" doc:"the next_cursor of the previous page, unchanged; one not handed out is refused (400)"`
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" default:"50"`
}

func (s *Server) registerAudit() {
	tags := []string{"audit"}
	register(s, huma.Operation{OperationID: "list-audit-events", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/audit-events", Tags: tags,
		Summary: "Search the audit trail, newest first (needs audit.read)"}, false, func(ctx context.Context, in *auditListInput) (*body[page[AuditEvent]], error) {
		f := in.filter()
		f.Limit = in.Limit
		events, next, err := s.svc.Audit.List(ctx, f, in.Cursor)
		if err != nil {
			return nil, inQuery(err)
		}
		return reply(page[AuditEvent]{mapSlice(events, toAuditEvent), next}), nil
	})
	register(s, huma.Operation{OperationID: "export-audit-events", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/audit-events/export", Tags: tags,
		Summary: "Export the audit trail as CSV in UTF-8 with a byte-order mark or Shift_JIS (needs audit.read)"}, false, func(ctx context.Context, in *auditExportInput) (*huma.StreamResponse, error) {
		enc, err := csvenc.Parse("encoding", in.Encoding)
		if err != nil {
			return nil, inQuery(err)
		}
		// Check access before the 200 goes out; the stream cannot change its status later.
		if _, _, err := s.svc.Audit.List(ctx, audit.Filter{TenantID: in.TenantID, Limit: 1}, ""); err != nil {
			return nil, err
		}
		t, err := s.svc.Tenants.Get(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return &huma.StreamResponse{Body: func(hc huma.Context) {
			hc.SetHeader("Content-Type", enc.ContentType())
			hc.SetHeader("Content-Disposition", `attachment; filename="audit-events.csv"`)
			w := csvenc.NewWriter(hc.BodyWriter(), enc)
			err := s.svc.Audit.Export(ctx, in.filter(), t.Location(), w)
			if err == nil {
				err = w.Close()
			}
			if err != nil {
				s.log.ErrorContext(ctx, "audit export failed midway", "err", err)
			}
		}}, nil
	})
}

// inQuery locates an invalid-field error at the query parameter of that
// name (query.cursor) instead of in the body, which a GET has not got.
func inQuery(err error) error { return located("query", err) }

// located puts an invalid-field error at the parameter of that name in
// part ("query", "path").
func located(part string, err error) error {
	e, ok := errs.As(err)
	if !ok || e.Field == "" {
		return err
	}
	params := e.MessageParams()
	return &errs.Error{Kind: e.Kind, Code: e.Code, Params: params, Err: e.Err,
		Details: append([]errs.Detail{{Location: part + "." + e.Field, Code: e.Code, Params: params}}, e.Details...)}
}
