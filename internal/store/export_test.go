package store

import "context"

// ExecRaw runs a statement the store itself never runs, so tests can check
// that the schema refuses it.
func (db *DB) ExecRaw(ctx context.Context, query string, args ...any) error {
	_, err := db.exec(ctx, query, args...)
	return err
}

// HotQueries are statements every request runs, with sample arguments, for
// TestHotQueriesSearch.
func (db *DB) HotQueries() map[string][]any {
	return map[string][]any{
		"GetSessionByHash": {db.sessionQuery(), "hash"},
		"MemberStanding":   {db.standingQuery(), "ten", "mem"},
	}
}

// InvoiceColumns are the invoices table's columns in the store's order,
// for tests that write rows as an older version did.
const InvoiceColumns = invoiceColumns
