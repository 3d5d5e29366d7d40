package partner

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// Statement is a partner's wholesale statement for a month.
type Statement struct {
	Partner *Partner
	*billing.Statement
	// Final says the month has ended (Japan's calendar, as billing's):
	// the statement no longer changes. Before, it is an estimate to the
	// month's end.
	Final bool
}

// Statement returns partnerID's wholesale statement for the month
// "2027-04", in lang: to the partner's users and to operators. Errors:
// Invalid (not a month), NotFound (another partner's).
func (s *Service) Statement(ctx context.Context, partnerID, month, lang string) (*Statement, error) {
	if err := mayRead(ctx, partnerID); err != nil {
		return nil, err
	}
	start, err := time.Parse("2006-01", month)
	if err != nil {
		return nil, errs.Field("month", "partner.month_invalid", "month", month)
	}
	p, err := s.Store.GetPartner(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	customers, err := s.Store.ListPartnerCustomers(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	wc := make([]billing.WholesaleCustomer, len(customers))
	for i, c := range customers {
		wc[i] = billing.WholesaleCustomer{TenantID: c.TenantID, Name: c.CompanyName, Since: c.SwitchedAt}
	}
	st, err := s.Billing.Wholesale(ctx, wc, billing.WholesaleTerms{Discount: p.DiscountPercent, Prices: p.Prices}, start, lang)
	if err != nil {
		return nil, err
	}
	end := time.Date(start.Year(), start.Month()+1, 1, 0, 0, 0, 0, billing.CalendarZone())
	return &Statement{Partner: p, Statement: st, Final: !s.Clock.Now().Before(end)}, nil
}

// mayRead lets operators read any partner's statements and a partner's
// users their own; another partner's is NotFound.
func mayRead(ctx context.Context, partnerID string) error {
	if a := auth.FromContext(ctx); a != nil && a.Kind == auth.KindOperator {
		return nil
	}
	a, err := auth.RequirePartner(ctx)
	if err == nil && a.PartnerID != partnerID {
		err = errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.partner"))
	}
	return err
}

// statementColumns are the CSV's header keys in the message catalog.
var statementColumns = []string{"customer", "tenant_id", "description", "period_start", "period_end", "quantity", "unit", "days",
	"month_days", "amount"}

// WriteCSV writes st as CSV in lang: a line per customer, then the
// subtotal, the tax of each rate and the total.
func (st *Statement) WriteCSV(w io.Writer, lang string) error {
	cat := i18n.Messages()
	head := make([]string, len(statementColumns))
	for i, c := range statementColumns {
		text, err := cat.Text(lang, "partner.statement.col."+c)
		if err != nil {
			return err
		}
		head[i] = text
	}
	cw := csv.NewWriter(w)
	rows := [][]string{head}
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	for _, l := range st.Lines {
		rows = append(rows, []string{l.Customer, l.TenantID, l.Description, day(l.PeriodStart), day(l.PeriodEnd.AddDate(0, 0, -1)),
			strconv.FormatInt(l.Quantity, 10), strconv.FormatInt(l.UnitPerMonth, 10), strconv.FormatInt(l.Days, 10),
			strconv.FormatInt(l.PeriodDays, 10), strconv.FormatInt(l.Amount, 10)})
	}
	total := func(key string, amount int64, args ...any) error {
		text, err := cat.Text(lang, key, args...)
		rows = append(rows, []string{text, "", "", "", "", "", "", "", "", strconv.FormatInt(amount, 10)})
		return err
	}
	if err := total("partner.statement.subtotal", st.Subtotal); err != nil {
		return err
	}
	for _, t := range st.Taxes {
		if err := total("partner.statement.tax", t.Tax, t.Percent); err != nil {
			return err
		}
	}
	if err := total("partner.statement.total", st.Total); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write statement: %w", err)
	}
	return nil
}
