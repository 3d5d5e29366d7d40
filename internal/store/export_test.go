package store

import "context"

// ExecRaw runs a statement the store itself never runs, so tests can check
// that the schema refuses it.
func (db *DB) ExecRaw(ctx context.Context, query string, args ...any) error {
	_, err := db.exec(ctx, query, args...)
	return err
}
